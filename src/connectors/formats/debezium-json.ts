/**
 * The `debezium-json` format: one Debezium change event per line, as Debezium's JSON converter writes
 * them, with or without the Kafka Connect schema envelope:
 *
 *   {"before": null, "after": {"id": 1, "name": "a"}, "op": "c", "source": {...}, "ts_ms": 1}
 *   {"schema": {...}, "payload": {"before": {...}, "after": {...}, "op": "u", ...}}
 *
 * `op` c (create) and r (snapshot read) give +I of `after`; u gives -U of `before` then +U of `after`;
 * d gives -D of `before`. A line holding only `null` (a Kafka tombstone) carries no rows. Row images
 * are read as the json format reads a line.
 *
 * Writing emits +I and +U rows as `{"before":null,"after":{..},"op":"c"}` and -U and -D rows as
 * `{"before":{..},"after":null,"op":"d"}`, as Flink does (so an update read back is a delete and an
 * insert, which leaves the same table).
 */
import { RowKind } from '../../types/batch.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { boolOption, unsupportedColumn } from './format.ts';
import { JsonRowEncoder, JsonRowReader, checkJsonType, describeJsonValue, jsonOptions } from './json.ts';
import type { ChangeRow, ImageReader } from './changelog.ts';
import { MalformedEvent, changelogFormat, isJsonObject, jsonEventDecoder, stringField } from './changelog.ts';

const PREFIX = 'debezium-json';

export const DEBEZIUM_JSON_OPTIONS = [
  'debezium-json.ignore-parse-errors', 'debezium-json.schema-include', 'debezium-json.timestamp-format.standard',
  'debezium-json.map-null-key.mode', 'debezium-json.map-null-key.literal',
] as const;

/**
 * The rows of one parsed Debezium event. With `schemaInclude` the event must be a schema envelope
 * (`{"schema": .., "payload": ..}`); without it both shapes are accepted, since converters write the
 * envelope unless told otherwise and the two cannot be confused (a bare event has `op`).
 */
function debeziumRows(msg: unknown, image: ImageReader, schemaInclude: boolean): ChangeRow[] {
  if (msg === null) return [];
  if (!isJsonObject(msg)) throw new MalformedEvent(`expected a Debezium event (a JSON object), found ${describeJsonValue(msg)}`);
  let event = msg;
  if (schemaInclude) {
    if (!isJsonObject(msg['payload'])) {
      throw new MalformedEvent(`expected a 'payload' object, as '${PREFIX}.schema-include' is true (found ${msg['payload'] === undefined ? 'no payload' : describeJsonValue(msg['payload'])})`);
    }
    event = msg['payload'];
  } else if (msg['op'] === undefined && isJsonObject(msg['payload'])) {
    event = msg['payload'];
  }
  const op = stringField(event, 'op');
  switch (op) {
    case 'c': case 'r':
      if (event['after'] === null || event['after'] === undefined) throw new MalformedEvent(`op '${op}' has no 'after' image`);
      return [{ kind: RowKind.INSERT, values: image(event['after'], 'after') }];
    case 'u': {
      if (event['before'] === null || event['before'] === undefined) {
        throw new MalformedEvent("op 'u' has no 'before' image (a PostgreSQL source needs REPLICA IDENTITY FULL on the table for Debezium to send it)");
      }
      if (event['after'] === null || event['after'] === undefined) throw new MalformedEvent("op 'u' has no 'after' image");
      const before = image(event['before'], 'before');
      return [{ kind: RowKind.UPDATE_BEFORE, values: before }, { kind: RowKind.UPDATE_AFTER, values: image(event['after'], 'after') }];
    }
    case 'd':
      if (event['before'] === null || event['before'] === undefined) {
        throw new MalformedEvent("op 'd' has no 'before' image (a PostgreSQL source needs REPLICA IDENTITY FULL on the table for Debezium to send it)");
      }
      return [{ kind: RowKind.DELETE, values: image(event['before'], 'before') }];
    case undefined:
      throw new MalformedEvent("the event has no 'op' field");
    default:
      throw new MalformedEvent(`unknown op '${op}' (expected c, r, u or d)`);
  }
}

export const debeziumJsonFormat = changelogFormat({
  name: PREFIX,
  optionKeys: DEBEZIUM_JSON_OPTIONS,
  ignoreOption: `${PREFIX}.ignore-parse-errors`,
  bind(fields, options, tableName) {
    for (const f of fields) {
      if (!checkJsonType(f.type)) throw unsupportedColumn(PREFIX, f, tableName, 'JSON holds scalars, ARRAY, MAP with scalar keys, and ROW.');
    }
    const o = jsonOptions(options, tableName, PREFIX);
    const schemaInclude = boolOption(options, `${PREFIX}.schema-include`, false, tableName);
    return {
      ignoreErrors: o.ignoreErrors,
      decoder(columns) {
        const reader = new JsonRowReader(columns.map((c) => fields[c]!), o);
        return jsonEventDecoder(reader, (msg, image) => debeziumRows(msg, image, schemaInclude));
      },
      encoder() {
        if (schemaInclude) {
          throw new FreshetError(SqlState.featureNotSupported, `table ${tableName} cannot be written with '${PREFIX}.schema-include' = 'true'`, {
            hint: `Freshet writes Debezium events without the schema envelope; remove '${PREFIX}.schema-include' to write (reading accepts both shapes either way).`,
          });
        }
        const enc = new JsonRowEncoder(fields, o);
        return (b, i) => {
          const k = b.kinds === null ? RowKind.INSERT : b.kinds[i]!;
          const row = enc.encode(b.columns, i);
          return k === RowKind.INSERT || k === RowKind.UPDATE_AFTER
            ? `{"before":null,"after":${row},"op":"c"}`
            : `{"before":${row},"after":null,"op":"d"}`;
        };
      },
    };
  },
});
