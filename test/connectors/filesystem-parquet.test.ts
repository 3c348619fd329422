import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  DuckDBBlobValue, DuckDBDateValue, DuckDBDecimalValue, DuckDBListValue, DuckDBMapValue, DuckDBStructValue, DuckDBTimeValue,
  DuckDBTimestampMillisecondsValue, DuckDBTimestampNanosecondsValue, DuckDBTimestampTZValue, DuckDBTimestampValue,
} from '@duckdb/node-api';
import * as pq from 'parquet-wasm';
import { Dictionary, Int32, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import type { Session } from '../../src/session/session.ts';
import { normalize } from '../../src/types/int64.ts';
import { dataFiles, exec, failure, makeTempDir, newSession, query, removeTempDir, sortRows } from './fs-helpers.ts';

let dir: string;
let s: Session;
let duck: DuckDBConnection;
let duckInstance: DuckDBInstance;

beforeAll(async () => {
  duckInstance = await DuckDBInstance.create(':memory:');
  duck = await duckInstance.connect();
  await duck.run("SET TimeZone = 'UTC'");
});

afterAll(() => {
  duck.closeSync();
  duckInstance.closeSync();
});

beforeEach(async () => {
  dir = makeTempDir();
  s = await newSession();
});

afterEach(() => removeTempDir(dir));

/** A DuckDB value in Freshet's internal representation (timestamps as epoch millis, decimals unscaled, ...). */
function fromDuck(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return normalize(v);
  if (v instanceof DuckDBDecimalValue) return normalize(v.value);
  if (v instanceof DuckDBDateValue) return v.days;
  if (v instanceof DuckDBTimestampValue || v instanceof DuckDBTimestampTZValue) return Number(v.micros) / 1000;
  if (v instanceof DuckDBTimestampMillisecondsValue) return Number(v.millis);
  if (v instanceof DuckDBTimestampNanosecondsValue) return Number(v.nanos / 1000n) / 1000;
  if (v instanceof DuckDBTimeValue) return Math.floor(Number(v.micros) / 1000);
  if (v instanceof DuckDBBlobValue) return new Uint8Array(v.bytes);
  if (v instanceof DuckDBListValue) return v.items.map(fromDuck);
  if (v instanceof DuckDBStructValue) return Object.values(v.entries).map(fromDuck);
  if (v instanceof DuckDBMapValue) return new Map(v.entries.map((e) => [fromDuck(e.key), fromDuck(e.value)]));
  return v;
}

async function duckRows(sql: string): Promise<unknown[][]> {
  const r = await duck.runAndReadAll(sql);
  return r.getRows().map((row) => row.map(fromDuck));
}

const DUCK_SELECT = `SELECT i::INT AS id,
    CASE WHEN i % 5 = 0 THEN NULL ELSE (i % 100)::TINYINT END AS ti,
    (i * 7 % 30000)::SMALLINT AS si,
    CASE WHEN i = 3 THEN 9223372036854775807 WHEN i = 4 THEN -9223372036854775807 WHEN i = 5 THEN 9007199254740993 ELSE i * 1000003 END::BIGINT AS big,
    (i / 3.0)::FLOAT AS f,
    CASE WHEN i % 13 = 0 THEN NULL ELSE i * 0.25 END::DOUBLE AS d,
    (i * 1.01)::DECIMAL(9, 2) AS dec9,
    (i * -1.0001)::DECIMAL(18, 4) AS dec18,
    (i * 123456789.0123456789 + 10000000000000000)::DECIMAL(38, 10) AS dec38,
    CASE WHEN i % 7 = 0 THEN NULL ELSE 'str' || (i % 50) END AS s,
    CASE WHEN i % 11 = 0 THEN 'ünï ✓ ' || i ELSE 'x' || i END AS u,
    ('blob' || i)::BLOB AS bl,
    CASE WHEN i % 17 = 0 THEN NULL ELSE i % 2 = 0 END AS b,
    DATE '2020-01-01' + i::INT AS dt,
    TIMESTAMP '2024-01-01 00:00:00.123456' + INTERVAL (i) SECOND AS ts,
    TIMESTAMPTZ '2024-01-01 00:00:00+00' + INTERVAL (i) MINUTE AS tstz,
    (TIMESTAMP '1960-01-01 00:00:00.123' + INTERVAL (i) HOUR)::TIMESTAMP_MS AS tsms,
    (TIMESTAMP '2024-01-01 00:00:00.123456' + INTERVAL (i) SECOND)::TIMESTAMP_NS AS tsns,
    TIME '01:02:03.456789' + INTERVAL (i) SECOND AS tm,
    [i::INT, NULL, i::INT + 1] AS li,
    CASE WHEN i % 3 = 0 THEN NULL ELSE ['a' || i, NULL] END AS ls,
    {'x': i::BIGINT, 'y': 's' || i, 'z': [(i * 0.5)::DOUBLE]} AS st,
    MAP {'k' || i: i::INT, 'q': NULL::INT} AS mp
  FROM range(5000) t(i)`;

const FRESHET_COLUMNS = `id INT, ti TINYINT, si SMALLINT, big BIGINT, f FLOAT, d DOUBLE, dec9 DECIMAL(9, 2), dec18 DECIMAL(18, 4),
  dec38 DECIMAL(38, 10), s STRING, u STRING, bl BYTES, b BOOLEAN, dt DATE, ts TIMESTAMP(6), tstz TIMESTAMP_LTZ(6), tsms TIMESTAMP(3),
  tsns TIMESTAMP(6), tm TIME(3), li ARRAY<INT>, ls ARRAY<STRING>, st ROW<x BIGINT, y STRING, z ARRAY<DOUBLE>>, mp MAP<STRING, INT>`;

describe('parquet format', () => {
  it('reads files written by DuckDB exactly as DuckDB reads them', async () => {
    const file = path.join(dir, 'duck.parquet');
    await duck.run(`COPY (${DUCK_SELECT}) TO '${file}' (FORMAT PARQUET, ROW_GROUP_SIZE 1000)`);
    await exec(s, `CREATE TABLE t (${FRESHET_COLUMNS}) WITH ('connector' = 'filesystem', 'path' = '${file}', 'format' = 'parquet')`);
    const expected = await duckRows(`SELECT * FROM '${file}' ORDER BY id`);
    const actual = await query(s, 'SELECT * FROM t ORDER BY id');
    expect(actual).toHaveLength(5000);
    for (let i = 0; i < expected.length; i++) expect(actual[i]).toEqual(expected[i]);
    // BIGINT stays exact beyond 2^53: numbers while safe, bigints beyond
    expect((await query(s, 'SELECT big FROM t WHERE id BETWEEN 2 AND 5 ORDER BY id'))).toEqual([[2000006], [9223372036854775807n], [-9223372036854775807n], [9007199254740993n]]);
    // a projection reads only what it needs and agrees with DuckDB's aggregates
    expect(await query(s, 'SELECT COUNT(*), COUNT(s), SUM(dec9), MAX(u) FROM t')).toEqual(
      await duckRows(`SELECT COUNT(*), COUNT(s), SUM(dec9), MAX(u) FROM '${file}'`));
  });

  it('writes files DuckDB reads back, and reads its own files', async () => {
    const file = path.join(dir, 'duck.parquet');
    await duck.run(`COPY (${DUCK_SELECT} WHERE i < 300) TO '${file}' (FORMAT PARQUET)`);
    await exec(s, `CREATE TABLE src (${FRESHET_COLUMNS}) WITH ('connector' = 'filesystem', 'path' = '${file}', 'format' = 'parquet')`);
    await exec(s, `CREATE TABLE t (${FRESHET_COLUMNS}) WITH ('connector' = 'filesystem', 'path' = '${dir}/out', 'format' = 'parquet')`);
    await exec(s, 'INSERT INTO t SELECT * FROM src');
    const files = dataFiles(path.join(dir, 'out'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^part-[0-9a-f-]{36}-0\.parquet$/);
    const written = path.join(dir, 'out', files[0]!);
    // DuckDB sees the same rows (TIME loses sub-millisecond digits in Freshet)
    const cols = 'id, ti, si, big, f, d, dec9, dec18, dec38, s, u, bl, b, dt, ts, tstz, tsms, li, ls, st, mp';
    expect(await duckRows(`SELECT ${cols} FROM '${written}' ORDER BY id`)).toEqual(await duckRows(`SELECT ${cols} FROM '${file}' ORDER BY id`));
    // the file says what it holds: snappy compression, LTZ as a UTC-adjusted timestamp
    const meta = await duckRows(`SELECT DISTINCT compression FROM parquet_metadata('${written}')`);
    expect(meta).toEqual([['SNAPPY']]);
    const types = await duckRows(`SELECT column_name, column_type FROM (DESCRIBE SELECT ts, tstz, dec38, mp FROM '${written}')`);
    expect(types).toEqual([['ts', 'TIMESTAMP'], ['tstz', 'TIMESTAMP WITH TIME ZONE'], ['dec38', 'DECIMAL(38,10)'], ['mp', 'MAP(VARCHAR, INTEGER)']]);
    expect(sortRows(await query(s, 'SELECT * FROM t'))).toEqual(sortRows(await query(s, 'SELECT * FROM src')));
  });

  it('reads DuckDB hive-partitioned output as a partitioned table', async () => {
    await duck.run(`COPY (SELECT i::INT AS id, (DATE '2024-01-01' + (i % 3)::INT) AS day, (i % 2)::INT AS part, 'v' || i AS v FROM range(60) t(i))
      TO '${dir}/hive' (FORMAT PARQUET, PARTITION_BY (day, part))`);
    await exec(s, `CREATE TABLE t (id INT, v STRING, day DATE, part INT) PARTITIONED BY (day, part) WITH ('connector' = 'filesystem', 'path' = '${dir}/hive', 'format' = 'parquet')`);
    expect(await query(s, 'SELECT day, part, COUNT(*), MIN(id) FROM t GROUP BY day, part ORDER BY day, part')).toEqual([
      [19723, 0, 10, 0], [19723, 1, 10, 3], [19724, 0, 10, 4], [19724, 1, 10, 1], [19725, 0, 10, 2], [19725, 1, 10, 5],
    ]);
    expect(await query(s, "SELECT COUNT(*) FROM t WHERE day = DATE '2024-01-02' AND part = 1")).toEqual([[10]]);
  });

  it('skips row groups whose statistics exclude a predicate', async () => {
    const file = path.join(dir, 'groups.parquet');
    // x overflows INT only in the last row group, so reading that group as INT fails
    // (DuckDB's row groups hold at least 2048 rows)
    await duck.run(`COPY (SELECT i::INT AS id, CASE WHEN i >= 8192 THEN 10000000000 + i ELSE i END::BIGINT AS x FROM range(10240) t(i))
      TO '${file}' (FORMAT PARQUET, ROW_GROUP_SIZE 2048)`);
    expect(await duckRows(`SELECT COUNT(*) FROM parquet_metadata('${file}')`)).toEqual([[10]]);
    await exec(s, `CREATE TABLE t (id INT, x INT) WITH ('connector' = 'filesystem', 'path' = '${file}', 'format' = 'parquet')`);
    expect(await query(s, 'SELECT COUNT(*), SUM(x) FROM t WHERE id < 1500')).toEqual([[1500, 1124250]]);
    expect(await query(s, 'SELECT COUNT(*) FROM t WHERE id IN (5, 8191)')).toEqual([[2]]);
    const plan = await s.execute('EXPLAIN SELECT x FROM t WHERE id < 1500');
    expect(plan.kind === 'text' && plan.text).toMatch(/TableSourceScan\(.*filter=\[id < 1500\]/);
    // the predicate is only used to skip: the engine still filters rows
    expect(plan.kind === 'text' && plan.text).toMatch(/Calc|Filter/);
    const e = await failure(s, 'SELECT SUM(x) FROM t');
    expect(e.message).toBe(`cannot read ${file}, row group 4, row 0 (both counted from 0): column x: cannot read 10000008192 as INT (INT out of range)`);
  });

  it('maps file columns by name, reads missing ones as NULL and casts to the declared type', async () => {
    const file = path.join(dir, 'cast.parquet');
    await duck.run(`COPY (SELECT 1::SMALLINT AS a, '42' AS b, 2.5::DOUBLE AS "C", 7::INT AS d) TO '${file}' (FORMAT PARQUET)`);
    await exec(s, `CREATE TABLE t (a BIGINT, b INT, c DECIMAL(5, 1), missing STRING, d DOUBLE) WITH ('connector' = 'filesystem', 'path' = '${file}', 'format' = 'parquet')`);
    expect(await query(s, 'SELECT * FROM t')).toEqual([[1, 42, 25, null, 7]]);
    await exec(s, `CREATE TABLE bad (a INT, b ARRAY<INT>) WITH ('connector' = 'filesystem', 'path' = '${file}', 'format' = 'parquet')`);
    const e = await failure(s, 'SELECT b FROM bad');
    expect(e.message).toBe('column b has type Utf8 in the file, which cannot be read as ARRAY<INT>');
    expect(e.hint).toContain('Declare the column');
  });

  it('names the column of a type Freshet cannot read', async () => {
    const file = path.join(dir, 'interval.parquet');
    await duck.run(`COPY (SELECT 1 AS id, INTERVAL 3 DAY AS span) TO '${file}' (FORMAT PARQUET)`);
    await exec(s, `CREATE TABLE t (id INT, span STRING) WITH ('connector' = 'filesystem', 'path' = '${file}', 'format' = 'parquet')`);
    expect(await query(s, 'SELECT id FROM t')).toEqual([[1]]);
    expect((await failure(s, 'SELECT span FROM t')).message).toMatch(/^column span has type Interval.* in the file, which cannot be read as STRING/);
  });

  it('reads dictionary-encoded string columns', async () => {
    const values = ['red', 'green', null, 'red', 'blue', 'green'];
    const table = new Table({ color: vectorFromArray(values, new Dictionary(new Utf8(), new Int32())), n: vectorFromArray([1, 2, 3, 4, 5, 6], new Int32()) });
    const bytes = pq.writeParquet(pq.Table.fromIPCStream(tableToIPC(table, 'stream')));
    fs.mkdirSync(path.join(dir, 'dict'));
    fs.writeFileSync(path.join(dir, 'dict', 'a.parquet'), bytes);
    await exec(s, `CREATE TABLE t (n INT, color STRING) WITH ('connector' = 'filesystem', 'path' = '${dir}/dict', 'format' = 'parquet')`);
    expect(await query(s, 'SELECT n, color FROM t ORDER BY n')).toEqual(values.map((c, i) => [i + 1, c]));
  });

  it('counts rows from metadata alone and reads empty files', async () => {
    fs.mkdirSync(path.join(dir, 'c'));
    await duck.run(`COPY (SELECT i::INT AS id FROM range(7000) t(i)) TO '${dir}/c/a.parquet' (FORMAT PARQUET, ROW_GROUP_SIZE 2048)`);
    await duck.run(`COPY (SELECT 1::INT AS id WHERE false) TO '${dir}/c/b.parquet' (FORMAT PARQUET)`);
    await exec(s, `CREATE TABLE t (id INT, other STRING) WITH ('connector' = 'filesystem', 'path' = '${dir}/c', 'format' = 'parquet')`);
    expect(await query(s, 'SELECT COUNT(*) FROM t')).toEqual([[7000]]);
    expect(await query(s, 'SELECT COUNT(other), SUM(id) FROM t')).toEqual([[0, 24496500]]);
    expect(await query(s, 'SELECT COUNT(*) FROM t WHERE other IS NULL AND id >= 6000')).toEqual([[1000]]);
  });

  it('reports a file that is not Parquet', async () => {
    fs.mkdirSync(path.join(dir, 'p'));
    fs.writeFileSync(path.join(dir, 'p', 'notes.txt'), 'hello');
    await exec(s, `CREATE TABLE t (a INT) WITH ('connector' = 'filesystem', 'path' = '${dir}/p', 'format' = 'parquet')`);
    const e = await failure(s, 'SELECT * FROM t');
    expect(e.message).toMatch(new RegExp(`^cannot read ${path.join(dir, 'p', 'notes.txt').replace(/\./g, '\\.')} as Parquet`));
    expect(e.hint).toContain("start with '.' or '_' are ignored");
  });

  it('rejects columns Parquet cannot hold, naming them', async () => {
    await exec(s, `CREATE TABLE t (a INT, span INTERVAL DAY TO SECOND) WITH ('connector' = 'filesystem', 'path' = '${dir}/x', 'format' = 'parquet')`);
    expect((await failure(s, 'INSERT INTO t VALUES (1, INTERVAL \'1\' DAY)')).message).toBe('column span of type INTERVAL DAY TO SECOND(3) cannot be stored in Parquet');
  });
});
