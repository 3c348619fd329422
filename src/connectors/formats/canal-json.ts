/**
 * The `canal-json` format: one Canal (Alibaba's MySQL binlog reader) change event per line:
 *
 *   {"data": [{"id": "1", "name": "b"}], "old": [{"name": "a"}], "type": "UPDATE",
 *    "database": "shop", "table": "users", "isDdl": false, "es": 1, "ts": 2, ...}
 *
 * `data` holds the rows the event changed. INSERT gives +I of each row; DELETE gives -D of each row;
 * UPDATE gives, per row, -U of the before image then +U of the row, where the before image is the row
 * overlaid with the matching entry of `old` (Canal lists only the fields that changed there). Schema
 * changes (`isDdl` true, or type CREATE) carry no rows. Canal writes every value as a string; values are
 * read as the json format reads them (which accepts numbers in strings).
 *
 * `canal-json.database.include` and `canal-json.table.include` are regular expressions that must match
 * the whole `database` / `table` name of an event for its rows to be read; others are passed over.
 *
 * Writing emits +I and +U rows as `{"data":[{..}],"type":"INSERT"}` and -U and -D rows as
 * `{"data":[{..}],"type":"DELETE"}`, as Flink does.
 */
import { RowKind } from '../../types/batch.ts';
import { badOption, unsupportedColumn } from './format.ts';
import { JsonRowEncoder, JsonRowReader, checkJsonType, describeJsonValue, jsonOptions } from './json.ts';
import type { ChangeRow, ImageReader } from './changelog.ts';
import { MalformedEvent, changelogFormat, isJsonObject, jsonEventDecoder, stringField } from './changelog.ts';

const PREFIX = 'canal-json';

export const CANAL_JSON_OPTIONS = [
  'canal-json.ignore-parse-errors', 'canal-json.database.include', 'canal-json.table.include',
  'canal-json.timestamp-format.standard', 'canal-json.map-null-key.mode', 'canal-json.map-null-key.literal',
] as const;

/** A whole-name pattern option (Java regular expressions match the whole name, so anchor it). */
function includePattern(options: Record<string, string>, key: string, tableName: string): RegExp | undefined {
  const text = options[key];
  if (text === undefined) return undefined;
  try {
    return new RegExp(`^(?:${text})$`);
  } catch (e) {
    throw badOption(key, text, tableName, `a regular expression (${(e as Error).message})`);
  }
}

interface CanalFilter {
  database: RegExp | undefined;
  table: RegExp | undefined;
}

function included(msg: Record<string, unknown>, field: 'database' | 'table', re: RegExp | undefined): boolean {
  if (re === undefined) return true;
  const name = stringField(msg, field);
  return name !== undefined && re.test(name);
}

function canalRows(msg: unknown, image: ImageReader, filter: CanalFilter): ChangeRow[] {
  if (!isJsonObject(msg)) throw new MalformedEvent(`expected a Canal event (a JSON object), found ${describeJsonValue(msg)}`);
  if (!included(msg, 'database', filter.database) || !included(msg, 'table', filter.table)) return [];
  const type = stringField(msg, 'type');
  if (msg['isDdl'] === true || type === 'CREATE') return [];
  if (type === undefined) throw new MalformedEvent("the event has no 'type' field");
  if (type !== 'INSERT' && type !== 'UPDATE' && type !== 'DELETE') {
    throw new MalformedEvent(`unknown type '${type}' (expected INSERT, UPDATE or DELETE)`);
  }
  const data = msg['data'];
  if (!Array.isArray(data)) throw new MalformedEvent(`a ${type} event needs a 'data' array, found ${data === undefined ? 'none' : describeJsonValue(data)}`);
  const out: ChangeRow[] = [];
  if (type === 'INSERT' || type === 'DELETE') {
    const kind = type === 'INSERT' ? RowKind.INSERT : RowKind.DELETE;
    for (let i = 0; i < data.length; i++) out.push({ kind, values: image(data[i], `data[${i}]`) });
    return out;
  }
  const old = msg['old'];
  if (!Array.isArray(old) || old.length !== data.length) {
    throw new MalformedEvent(`an UPDATE event needs an 'old' array with one entry per row of 'data' (${data.length}), found ${old === undefined ? 'none' : describeJsonValue(old)}`);
  }
  for (let i = 0; i < data.length; i++) {
    const after = data[i];
    const changed = old[i];
    if (!isJsonObject(after)) throw new MalformedEvent(`data[${i}] is not a JSON object: ${describeJsonValue(after)}`);
    if (changed !== null && !isJsonObject(changed)) throw new MalformedEvent(`old[${i}] is not a JSON object: ${describeJsonValue(changed)}`);
    const before = changed === null ? after : { ...after, ...(changed as Record<string, unknown>) };
    out.push({ kind: RowKind.UPDATE_BEFORE, values: image(before, `old[${i}]`) });
    out.push({ kind: RowKind.UPDATE_AFTER, values: image(after, `data[${i}]`) });
  }
  return out;
}

export const canalJsonFormat = changelogFormat({
  name: PREFIX,
  optionKeys: CANAL_JSON_OPTIONS,
  ignoreOption: `${PREFIX}.ignore-parse-errors`,
  bind(fields, options, tableName) {
    for (const f of fields) {
      if (!checkJsonType(f.type)) throw unsupportedColumn(PREFIX, f, tableName, 'JSON holds scalars, ARRAY, MAP with scalar keys, and ROW.');
    }
    const o = jsonOptions(options, tableName, PREFIX);
    const filter: CanalFilter = {
      database: includePattern(options, `${PREFIX}.database.include`, tableName),
      table: includePattern(options, `${PREFIX}.table.include`, tableName),
    };
    return {
      ignoreErrors: o.ignoreErrors,
      decoder(columns) {
        const reader = new JsonRowReader(columns.map((c) => fields[c]!), o);
        return jsonEventDecoder(reader, (msg, image) => canalRows(msg, image, filter));
      },
      encoder() {
        const enc = new JsonRowEncoder(fields, o);
        return (b, i) => {
          const k = b.kinds === null ? RowKind.INSERT : b.kinds[i]!;
          const type = k === RowKind.INSERT || k === RowKind.UPDATE_AFTER ? 'INSERT' : 'DELETE';
          return `{"data":[${enc.encode(b.columns, i)}],"type":"${type}"}`;
        };
      },
    };
  },
});
