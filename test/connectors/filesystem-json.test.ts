import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Session } from '../../src/session/session.ts';
import { dataFiles, exec, failure, makeTempDir, newSession, query, removeTempDir, sortRows, write } from './fs-helpers.ts';

let dir: string;
let s: Session;

beforeEach(async () => {
  dir = makeTempDir();
  s = await newSession();
});

afterEach(() => removeTempDir(dir));

const TYPES = `b BOOLEAN, ti TINYINT, i INT, bi BIGINT, f FLOAT, d DOUBLE, dec DECIMAL(10, 2), wide DECIMAL(38, 18),
  s STRING, bytes BYTES, dt DATE, tm TIME(3), ts TIMESTAMP(3), ltz TIMESTAMP_LTZ(6),
  arr ARRAY<BIGINT>, m MAP<STRING, DOUBLE>, r ROW<x INT, y ARRAY<STRING>, z ROW<deep DATE>>`;

const DATA = JSON.stringify([
  [true, '7', '-5', '9007199254740993', '0.5', '1e-300', '99999999.99', '12345678901234567890.123456789012345678', 'tab\there "q" \\ ✓',
    'bytes', '2024-02-29', '13:14:15.161', '2024-01-02 03:04:05.678', '2024-01-02 03:04:05.123456',
    ['-9223372036854775808', '1', null], { k: 1.5, 'with space': null }, [1, ['a', null], ['2020-05-05']]],
  [false, '-128', '2147483647', '-1', 'NaN', 'Infinity', '-0.01', '0.000000000000000001', '', '', '1970-01-01', '00:00:00',
    '1970-01-01 00:00:00', '1970-01-01 00:00:00', [], {}, [null, [], null]],
  [null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
]);

describe('json format', () => {
  it('round-trips scalar and nested types exactly', async () => {
    await exec(s, `CREATE TABLE src (${TYPES}) WITH ('connector' = 'values', 'data' = '${DATA.replace(/'/g, "''")}')`);
    await exec(s, `CREATE TABLE t (${TYPES}) WITH ('connector' = 'filesystem', 'path' = '${dir}/t', 'format' = 'json')`);
    await exec(s, 'INSERT INTO t SELECT * FROM src');
    const expected = await query(s, 'SELECT * FROM src');
    const actual = await query(s, 'SELECT * FROM t');
    expect(sortRows(actual)).toEqual(sortRows(expected));
    const big = await query(s, 'SELECT bi, arr, wide FROM t WHERE b');
    expect(big).toEqual([[9007199254740993n, [-9223372036854775808n, 1, null], 12345678901234567890123456789012345678n]]);
  });

  it('writes one object per line in the SQL or ISO-8601 timestamp format', async () => {
    for (const std of ['SQL', 'ISO-8601']) {
      await exec(s, `CREATE TABLE t_${std.replace('-', '')} (id INT, ts TIMESTAMP(3), ltz TIMESTAMP_LTZ(3), n STRING, m MAP<STRING, INT>) WITH ('connector' = 'filesystem',
        'path' = '${dir}/${std}', 'format' = 'json', 'json.timestamp-format.standard' = '${std}')`);
      await exec(s, `INSERT INTO t_${std.replace('-', '')} VALUES (1, TIMESTAMP '2024-01-02 03:04:05.5', TO_TIMESTAMP_LTZ(86400000, 3), CAST(NULL AS STRING), MAP['a', 1])`);
      const [file] = dataFiles(path.join(dir, std));
      expect(file).toMatch(/^part-[0-9a-f-]{36}-0\.json$/);
      const text = fs.readFileSync(path.join(dir, std, file!), 'utf8');
      expect(text).toBe(std === 'SQL'
        ? '{"id":1,"ts":"2024-01-02 03:04:05.500","ltz":"1970-01-02 00:00:00.000Z","n":null,"m":{"a":1}}\n'
        : '{"id":1,"ts":"2024-01-02T03:04:05.500","ltz":"1970-01-02T00:00:00.000Z","n":null,"m":{"a":1}}\n');
      expect(await query(s, `SELECT * FROM t_${std.replace('-', '')}`)).toEqual([[1, 1704164645500, 86400000, null, new Map([['a', 1]])]]);
    }
  });

  it('reads missing fields as NULL, ignores extra fields, accepts numbers as strings and skips blank lines', async () => {
    write(path.join(dir, 'in', 'a.json'), [
      '{"id": 1, "name": "a", "extra": {"deep": [1, 2]}}',
      '',
      '  ',
      '{"id": "2", "amount": "12.5", "ts": "2024-01-01T10:00:00"}',
      '{"id": 3, "name": 42, "amount": 1.25, "flag": "TRUE", "ts": "2024-01-01 10:00:00.123"}',
    ].join('\n'));
    await exec(s, `CREATE TABLE t (id INT, name STRING, amount DECIMAL(6, 2), flag BOOLEAN, ts TIMESTAMP(3)) WITH ('connector' = 'filesystem', 'path' = '${dir}/in', 'format' = 'json')`);
    expect(await query(s, 'SELECT * FROM t ORDER BY id')).toEqual([
      [1, 'a', null, null, null],
      [2, null, 1250, null, 1704103200000],
      [3, '42', 125, true, 1704103200123],
    ]);
  });

  it('fails on missing fields with json.fail-on-missing-field', async () => {
    write(path.join(dir, 'in', 'a.json'), '{"id": 1, "name": "a"}\n{"id": 2}\n');
    await exec(s, `CREATE TABLE t (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = '${dir}/in', 'format' = 'json', 'json.fail-on-missing-field' = 'true')`);
    const e = await failure(s, 'SELECT * FROM t');
    expect(e.message).toBe(`malformed record at ${path.join(dir, 'in', 'a.json')}:2: field name is missing`);
  });

  it('fails on malformed JSON with the file and line, and skips and counts with json.ignore-parse-errors', async () => {
    write(path.join(dir, 'in', 'a.json'), '{"id": 1}\n{"id": 2,\n[1, 2]\n{"id": "x"}\n{"id": 99999999999}\n{"id": 3, "r": {"n": "no"}}\n{"id": 4}\n');
    await exec(s, `CREATE TABLE t (id INT, r ROW<n INT>) WITH ('connector' = 'filesystem', 'path' = '${dir}/in', 'format' = 'json')`);
    const e = await failure(s, 'SELECT * FROM t');
    expect(e.sqlState).toBe('22P04');
    expect(e.message).toMatch(new RegExp(`^malformed record at ${path.join(dir, 'in', 'a.json').replace(/[.]/g, '\\.')}:2: not valid JSON`));
    expect(e.hint).toContain("'json.ignore-parse-errors' = 'true'");

    await exec(s, `CREATE TABLE t2 (id INT, r ROW<n INT>) WITH ('connector' = 'filesystem', 'path' = '${dir}/in', 'format' = 'json', 'json.ignore-parse-errors' = 'true')`);
    const r = await s.execute('SELECT id, r FROM t2 ORDER BY id');
    expect(r.kind === 'rows' && r.rows).toEqual([[1, null], [4, null]]);
    expect(r.warnings).toEqual([expect.stringMatching(/^skipped 5 malformed record\(s\); first at .*a\.json:2: not valid JSON/)]);
    // only requested columns are converted: r of line 6 is not looked at here
    const r2 = await s.execute('SELECT id FROM t2 ORDER BY id');
    expect(r2.kind === 'rows' && r2.rows).toEqual([[1], [3], [4]]);
    expect(r2.warnings[0]).toMatch(/^skipped 4 malformed/);
  });

  it('leaves out NULL fields and handles NULL map keys as configured', async () => {
    await exec(s, `CREATE TABLE t (id INT, n STRING, m MAP<STRING, INT>) WITH ('connector' = 'filesystem', 'path' = '${dir}/a', 'format' = 'json',
      'json.encode.ignore-null-fields' = 'true', 'json.map-null-key.mode' = 'LITERAL', 'json.map-null-key.literal' = 'nil')`);
    await exec(s, "INSERT INTO t VALUES (1, CAST(NULL AS STRING), MAP[CAST(NULL AS STRING), 1, 'k', 2])");
    expect(fs.readFileSync(path.join(dir, 'a', dataFiles(path.join(dir, 'a'))[0]!), 'utf8')).toBe('{"id":1,"m":{"nil":1,"k":2}}\n');
    await exec(s, `CREATE TABLE f (id INT, m MAP<STRING, INT>) WITH ('connector' = 'filesystem', 'path' = '${dir}/f', 'format' = 'json')`);
    const e = await failure(s, "INSERT INTO f VALUES (1, MAP[CAST(NULL AS STRING), 1])");
    expect(e.message).toBe('cannot write a MAP with a NULL key to JSON');
    expect(dataFiles(path.join(dir, 'f'))).toEqual([]);
    await exec(s, `CREATE TABLE d (id INT, m MAP<STRING, INT>) WITH ('connector' = 'filesystem', 'path' = '${dir}/d', 'format' = 'json', 'json.map-null-key.mode' = 'DROP')`);
    await exec(s, "INSERT INTO d VALUES (1, MAP[CAST(NULL AS STRING), 1, 'k', 2])");
    expect(await query(s, 'SELECT m FROM d')).toEqual([[new Map([['k', 2]])]]);
  });

  it('names nested fields in conversion errors', async () => {
    write(path.join(dir, 'in', 'a.json'), '{"id": 1, "r": {"xs": [1, "two"]}}\n');
    await exec(s, `CREATE TABLE t (id INT, r ROW<xs ARRAY<INT>>) WITH ('connector' = 'filesystem', 'path' = '${dir}/in', 'format' = 'json')`);
    expect((await failure(s, 'SELECT * FROM t')).message).toBe(`malformed record at ${path.join(dir, 'in', 'a.json')}:1: field r.xs[]: cannot read 'two' as INT`);
  });
});
