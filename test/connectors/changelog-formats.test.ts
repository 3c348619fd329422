import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Field } from '../../src/types/batch.ts';
import { T } from '../../src/types/data-type.ts';
import { FilesystemSource } from '../../src/connectors/filesystem/source.ts';
import { FilesystemSink } from '../../src/connectors/filesystem/sink.ts';
import { exec, failure, makeTempDir, newSession, query, removeTempDir, write } from './fs-helpers.ts';
import { batchOf, kindRows, readAll, scanContext, table } from './stream-helpers.ts';

let dir: string;

beforeEach(() => { dir = makeTempDir('freshet-cdc-'); });
afterEach(() => removeTempDir(dir));

const COLS: Field[] = [
  { name: 'id', type: T.bigint() },
  { name: 'name', type: T.string() },
  { name: 'amount', type: T.decimal(10, 2) },
];

function source(format: string, lines: string[], options: Record<string, string> = {}, file = 'a.json'): FilesystemSource {
  write(path.join(dir, 't', file), lines.join('\n') + '\n');
  return new FilesystemSource(table('t', COLS, { connector: 'filesystem', path: path.join(dir, 't'), format, ...options }));
}

/** The error a read fails with. */
async function readError(src: FilesystemSource): Promise<Error & { hint?: string }> {
  try {
    await readAll(src);
  } catch (e) {
    return e as Error & { hint?: string };
  }
  throw new Error('expected the read to fail');
}

describe('debezium-json', () => {
  const EVENTS = [
    '{"before":null,"after":{"id":1,"name":"a","amount":"1.50"},"op":"c","source":{"db":"shop","table":"orders"},"ts_ms":1700000000000}',
    '{"before":null,"after":{"id":2,"name":"b","amount":2},"op":"r","ts_ms":1}',
    '{"before":{"id":1,"name":"a","amount":1.5},"after":{"id":1,"name":"a2","amount":3.25},"op":"u"}',
    '{"before":{"id":2,"name":"b","amount":2},"after":null,"op":"d"}',
  ];

  it('turns c and r into +I, u into -U (before) then +U (after), d into -D (before)', async () => {
    const src = source('debezium-json', EVENTS);
    expect(src.changelogMode).toBe('retract');
    expect(await readAll(src)).toEqual([
      ['+I', 1, 'a', 150],
      ['+I', 2, 'b', 200],
      ['-U', 1, 'a', 150],
      ['+U', 1, 'a2', 325],
      ['-D', 2, 'b', 200],
    ]);
  });

  it('produces batches with kinds set, split at the batch size even inside an update, and reads only requested columns', async () => {
    const updates = Array.from({ length: 5 }, (_v, i) => `{"before":{"id":${i},"name":"x${i}"},"after":{"id":${i},"name":"y${i}"},"op":"u"}`);
    const src = source('debezium-json', updates);
    const batches = [];
    for await (const b of src.open({ columns: [1], predicates: [] }, scanContext({ batchSize: 3 }))) batches.push(b);
    expect(batches.map((b) => b.length)).toEqual([3, 3, 3, 1]);
    for (const b of batches) {
      expect(b.kinds).toBeInstanceOf(Uint8Array);
      expect(b.columns).toHaveLength(1);
    }
    expect(batches.flatMap((b) => kindRows(b, [COLS[1]!]))).toEqual(
      [0, 1, 2, 3, 4].flatMap((i) => [['-U', `x${i}`], ['+U', `y${i}`]]));
  });

  it('reads the schema envelope ({"schema": .., "payload": ..}) with schema-include on, and detects it with the option off', async () => {
    const wrapped = EVENTS.map((e) => `{"schema":{"type":"struct","fields":[],"optional":false,"name":"shop.orders.Envelope"},"payload":${e}}`);
    const expected = await readAll(source('debezium-json', EVENTS, {}, 'plain.json'));
    fs.rmSync(path.join(dir, 't'), { recursive: true });
    expect(await readAll(source('debezium-json', wrapped, { 'debezium-json.schema-include': 'true' }))).toEqual(expected);
    expect(await readAll(source('debezium-json', wrapped))).toEqual(expected);
  });

  it('with schema-include on, a bare event is malformed', async () => {
    const e = await readError(source('debezium-json', EVENTS.slice(0, 1), { 'debezium-json.schema-include': 'true' }));
    expect(e.message).toBe(`malformed record at ${path.join(dir, 't', 'a.json')}:1: expected a 'payload' object, as 'debezium-json.schema-include' is true (found no payload)`);
  });

  it('keeps BIGINT values beyond 2^53 exact, and skips tombstones (null lines) and blank lines', async () => {
    const src = source('debezium-json', ['null', '', '{"before":null,"after":{"id":9007199254740993,"name":"big"},"op":"c"}']);
    expect(await readAll(src)).toEqual([['+I', 9007199254740993n, 'big', null]]);
  });

  it('fails on a malformed event with its file and line', async () => {
    const file = path.join(dir, 't', 'a.json');
    const cases: Array<[string, string]> = [
      ['{"before":null,"after":{"id":1},"op":"x"}', "unknown op 'x' (expected c, r, u or d)"],
      ['{"before":null,"after":{"id":1}}', "the event has no 'op' field"],
      ['{"before":null,"after":{"id":1},"op":7}', "'op' must be a string, found 7"],
      ['{"before":null,"after":{"id":1}', 'not valid JSON'],
      ['[1, 2]', 'expected a Debezium event (a JSON object), found [1,2]'],
      ['{"before":null,"after":{"id":1,"name":"a"},"op":"u"}', "op 'u' has no 'before' image (a PostgreSQL source needs REPLICA IDENTITY FULL"],
      ['{"before":null,"after":null,"op":"d"}', "op 'd' has no 'before' image"],
      ['{"before":null,"after":null,"op":"c"}', "op 'c' has no 'after' image"],
      ['{"before":null,"after":{"id":"one"},"op":"c"}', "after: field id: cannot read \"one\" as BIGINT"],
      ['{"before":{"id":1,"amount":"lots"},"after":{"id":1},"op":"u"}', 'before: field amount: cannot read "lots" as DECIMAL(10, 2)'],
      ['{"before":null,"after":[1],"op":"c"}', 'after is not a JSON object: [1]'],
    ];
    for (const [event, why] of cases) {
      fs.rmSync(path.join(dir, 't'), { recursive: true, force: true });
      const e = await readError(source('debezium-json', [EVENTS[0]!, '', event, EVENTS[1]!]));
      expect(e.message).toContain(`malformed record at ${file}:3: ${why}`);
      expect(e.hint).toContain("'debezium-json.ignore-parse-errors' = 'true'");
    }
  });

  it('skips and counts malformed events with debezium-json.ignore-parse-errors, keeping the rest', async () => {
    const src = source('debezium-json', [EVENTS[0]!, '{"op":"u","before":null,"after":{"id":1}}', 'not json', EVENTS[3]!],
      { 'debezium-json.ignore-parse-errors': 'true' });
    const ctx = scanContext();
    expect(await readAll(src, ctx)).toEqual([['+I', 1, 'a', 150], ['-D', 2, 'b', 200]]);
    const file = path.join(dir, 't', 'a.json');
    expect(ctx.skipped.map((s) => s.where)).toEqual([`${file}:2`, `${file}:3`]);
    expect(ctx.skipped[0]!.reason).toContain("op 'u' has no 'before' image");
  });

  it('writes +I/+U as op c and -U/-D as op d, and reads its own files back', async () => {
    const desc = table('t', COLS, { connector: 'filesystem', path: path.join(dir, 'out'), format: 'debezium-json' });
    const sink = new FilesystemSink(desc);
    expect(sink.acceptsChanges).toBe(true);
    const w = await sink.open({ overwrite: false, staticPartition: {} }, { timeZone: 'UTC' });
    await w.write(batchOf(COLS, [[1, 'a', 150], [1, 'a', 150], [1, 'b', 275], [2, null, 0]], [0, 1, 2, 3]));
    expect(await w.finish()).toBe(4);
    const files = fs.readdirSync(path.join(dir, 'out')).filter((f) => !f.startsWith('.'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^part-.*\.json$/);
    expect(fs.readFileSync(path.join(dir, 'out', files[0]!), 'utf8')).toBe([
      '{"before":null,"after":{"id":1,"name":"a","amount":1.50},"op":"c"}',
      '{"before":{"id":1,"name":"a","amount":1.50},"after":null,"op":"d"}',
      '{"before":null,"after":{"id":1,"name":"b","amount":2.75},"op":"c"}',
      '{"before":{"id":2,"name":null,"amount":0.00},"after":null,"op":"d"}',
      '',
    ].join('\n'));
    expect(await readAll(new FilesystemSource(desc))).toEqual([['+I', 1, 'a', 150], ['-D', 1, 'a', 150], ['+I', 1, 'b', 275], ['-D', 2, null, 0]]);
  });

  it('refuses to write with schema-include on', () => {
    expect(() => new FilesystemSink(table('t', COLS, { connector: 'filesystem', path: dir, format: 'debezium-json', 'debezium-json.schema-include': 'true' })))
      .toThrow(/cannot be written with 'debezium-json.schema-include' = 'true'/);
  });
});

describe('canal-json', () => {
  const EVENTS = [
    '{"data":[{"id":"1","name":"a","amount":"1.50"},{"id":"2","name":"b","amount":"2.00"}],"old":null,"type":"INSERT","database":"shop","table":"orders","es":1,"ts":2,"isDdl":false,"pkNames":["id"]}',
    '{"data":[{"id":"1","name":"a2","amount":"1.50"}],"old":[{"name":"a"}],"type":"UPDATE","database":"shop","table":"orders","isDdl":false}',
    '{"data":null,"old":null,"type":"CREATE","database":"shop","table":"orders","isDdl":true,"sql":"CREATE TABLE orders (id INT)"}',
    '{"data":[{"id":"2","name":"b","amount":"2.00"}],"old":null,"type":"DELETE","database":"shop","table":"orders","isDdl":false}',
  ];

  it('turns INSERT rows into +I, UPDATE rows into -U (row overlaid with old) then +U, DELETE rows into -D, and skips DDL', async () => {
    expect(await readAll(source('canal-json', EVENTS))).toEqual([
      ['+I', 1, 'a', 150],
      ['+I', 2, 'b', 200],
      ['-U', 1, 'a', 150],
      ['+U', 1, 'a2', 150],
      ['-D', 2, 'b', 200],
    ]);
  });

  it('builds before images field by field: fields not in old keep the new value, a null in old was NULL', async () => {
    const update = '{"data":[{"id":"1","name":"n1","amount":"5.00"},{"id":"2","name":"n2","amount":"6.00"}],"old":[{"name":null,"amount":"4.00"},{"id":"3"}],"type":"UPDATE"}';
    expect(await readAll(source('canal-json', [update]))).toEqual([
      ['-U', 1, null, 400], ['+U', 1, 'n1', 500],
      ['-U', 3, 'n2', 600], ['+U', 2, 'n2', 600],
    ]);
  });

  it('reads only events whose database and table match the include patterns (whole names)', async () => {
    const ev = (db: string, t: string, id: number): string => `{"data":[{"id":"${id}"}],"type":"INSERT","database":"${db}","table":"${t}"}`;
    const lines = [ev('shop', 'orders', 1), ev('shop2', 'orders', 2), ev('shop', 'orders_archive', 3), ev('shop', 'users', 4), ev('shop', 'order', 5)];
    const ids = async (opts: Record<string, string>): Promise<unknown[]> => {
      fs.rmSync(path.join(dir, 't'), { recursive: true, force: true });
      return (await readAll(source('canal-json', lines, opts), scanContext(), [0])).map((r) => r[1]);
    };
    expect(await ids({})).toEqual([1, 2, 3, 4, 5]);
    expect(await ids({ 'canal-json.database.include': 'shop' })).toEqual([1, 3, 4, 5]);
    expect(await ids({ 'canal-json.table.include': 'orders' })).toEqual([1, 2]);
    expect(await ids({ 'canal-json.database.include': 'shop|shop2', 'canal-json.table.include': 'order.*' })).toEqual([1, 2, 3, 5]);
  });

  it('rejects an include pattern that is not a regular expression', () => {
    expect(() => new FilesystemSource(table('t', COLS, { connector: 'filesystem', path: dir, format: 'canal-json', 'canal-json.table.include': 'orders(' })))
      .toThrow(/option 'canal-json.table.include' of table t must be a regular expression/);
  });

  it('fails on a malformed event with its file and line, or skips and counts it with canal-json.ignore-parse-errors', async () => {
    const file = path.join(dir, 't', 'a.json');
    const cases: Array<[string, string]> = [
      ['{"data":[{"id":"1"}],"type":"UPSERT"}', "unknown type 'UPSERT' (expected INSERT, UPDATE or DELETE)"],
      ['{"data":[{"id":"1"}]}', "the event has no 'type' field"],
      ['{"data":{"id":"1"},"type":"INSERT"}', "a INSERT event needs a 'data' array, found {\"id\":\"1\"}"],
      ['{"data":[{"id":"1"}],"type":"UPDATE"}', "an UPDATE event needs an 'old' array with one entry per row of 'data' (1), found none"],
      ['{"data":[{"id":"1"},{"id":"2"}],"old":[{}],"type":"UPDATE"}', "an UPDATE event needs an 'old' array with one entry per row of 'data' (2)"],
      ['{"data":[{"id":"x"}],"type":"INSERT"}', 'data[0]: field id: cannot read "x" as BIGINT'],
      ['{"data":[{"id":"1"},7],"type":"DELETE"}', 'data[1] is not a JSON object: 7'],
      ['{"data":[{"id":"1"}],"old":[{"id":"z"}],"type":"UPDATE"}', 'old[0]: field id: cannot read "z" as BIGINT'],
      ['{"data": [', 'not valid JSON'],
    ];
    for (const [event, why] of cases) {
      fs.rmSync(path.join(dir, 't'), { recursive: true, force: true });
      const e = await readError(source('canal-json', [EVENTS[0]!, event]));
      expect(e.message).toContain(`malformed record at ${file}:2: ${why}`);
      expect(e.hint).toContain("'canal-json.ignore-parse-errors' = 'true'");
    }
    fs.rmSync(path.join(dir, 't'), { recursive: true, force: true });
    const ctx = scanContext();
    const rows = await readAll(source('canal-json', [cases[0]![0], EVENTS[3]!, cases[5]![0]], { 'canal-json.ignore-parse-errors': 'true' }), ctx);
    expect(rows).toEqual([['-D', 2, 'b', 200]]);
    expect(ctx.skipped.map((s) => s.where)).toEqual([`${file}:1`, `${file}:3`]);
  });

  it('writes +I/+U as INSERT and -U/-D as DELETE events, and reads them back', async () => {
    const desc = table('t', COLS, { connector: 'filesystem', path: path.join(dir, 'out'), format: 'canal-json' });
    const w = await new FilesystemSink(desc).open({ overwrite: false, staticPartition: {} }, { timeZone: 'UTC' });
    await w.write(batchOf(COLS, [[1, 'a', 150], [1, 'a', 150], [1, 'b', 275]], [0, 1, 2]));
    await w.finish();
    const [file] = fs.readdirSync(path.join(dir, 'out')).filter((f) => !f.startsWith('.'));
    expect(fs.readFileSync(path.join(dir, 'out', file!), 'utf8')).toBe([
      '{"data":[{"id":1,"name":"a","amount":1.50}],"type":"INSERT"}',
      '{"data":[{"id":1,"name":"a","amount":1.50}],"type":"DELETE"}',
      '{"data":[{"id":1,"name":"b","amount":2.75}],"type":"INSERT"}',
      '',
    ].join('\n'));
    expect(await readAll(new FilesystemSource(desc))).toEqual([['+I', 1, 'a', 150], ['-D', 1, 'a', 150], ['+I', 1, 'b', 275]]);
  });
});

describe('changelog formats in tables', () => {
  it('refuse to be read by a batch scan (it would take deletes for inserts)', async () => {
    const src = source('debezium-json', ['{"before":null,"after":{"id":1},"op":"c"}']);
    await expect(readAll(src, scanContext({ streaming: false }))).rejects.toThrow(
      "table t has format 'debezium-json', a changelog with updates and deletes, which batch mode cannot read");
  });

  it('are accepted by CREATE TABLE with their own options, reject options of other formats, and read in batch mode as the table they describe', async () => {
    const s = await newSession();
    await exec(s, `CREATE TABLE d (id BIGINT, name STRING) WITH ('connector' = 'filesystem', 'path' = '${dir}/d', 'format' = 'debezium-json',
      'debezium-json.ignore-parse-errors' = 'true', 'debezium-json.schema-include' = 'true', 'debezium-json.timestamp-format.standard' = 'ISO-8601')`);
    await exec(s, `CREATE TABLE c (id BIGINT, name STRING) WITH ('connector' = 'filesystem', 'path' = '${dir}/c', 'format' = 'canal-json',
      'canal-json.ignore-parse-errors' = 'true', 'canal-json.database.include' = 'shop', 'canal-json.table.include' = 'orders|users')`);
    const e = await failure(s, `CREATE TABLE x (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '${dir}/x', 'format' = 'canal-json', 'json.ignore-parse-errors' = 'true')`);
    expect(e.message).toContain("uses format 'canal-json' but sets 'json.ignore-parse-errors'");
    // option values are checked when the table is first used, as for the other formats
    await exec(s, `CREATE TABLE y (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '${dir}/y', 'format' = 'debezium-json', 'debezium-json.schema-include' = 'maybe')`);
    expect((await failure(s, 'SELECT * FROM y')).message).toContain("option 'debezium-json.schema-include' of table");
    // batch mode reads a changelog table as the rows its changes add up to
    write(path.join(dir, 'd', 'a.json'), [
      '{"schema":{},"payload":{"before":null,"after":{"id":1,"name":"a"},"op":"c"}}',
      '{"schema":{},"payload":{"before":null,"after":{"id":2,"name":"b"},"op":"c"}}',
      '{"schema":{},"payload":{"before":{"id":1,"name":"a"},"after":{"id":1,"name":"A"},"op":"u"}}',
      '{"schema":{},"payload":{"before":{"id":2,"name":"b"},"after":null,"op":"d"}}',
    ].join('\n') + '\n');
    expect(await query(s, 'SELECT id, name FROM d')).toEqual([[1, 'A']]);
  });
});
