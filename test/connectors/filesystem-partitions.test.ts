import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Session } from '../../src/session/session.ts';
import { escapePartitionValue, unescapePartitionValue } from '../../src/connectors/filesystem/partitions.ts';
import { dataFiles, exec, failure, listTree, makeTempDir, newSession, query, removeTempDir, write } from './fs-helpers.ts';

let dir: string;
let s: Session;

beforeEach(async () => {
  dir = makeTempDir();
  s = await newSession();
});

afterEach(() => removeTempDir(dir));

function table(name: string, format = 'csv', extra = ''): string {
  return `CREATE TABLE ${name} (id INT, v STRING, dt DATE, hr INT) PARTITIONED BY (dt, hr)
    WITH ('connector' = 'filesystem', 'path' = '${dir}/${name}', 'format' = '${format}'${extra})`;
}

describe('partition directories', () => {
  it('reads k=v directories, casting values to the column types; the default partition is NULL', async () => {
    write(path.join(dir, 't', 'dt=2024-01-01', 'hr=9', 'a.csv'), '1,a\n2,b\n');
    write(path.join(dir, 't', 'dt=2024-01-01', 'hr=10', 'a.csv'), '3,c\n');
    write(path.join(dir, 't', 'dt=2024-01-02', 'hr=__DEFAULT_PARTITION__', 'x.csv'), '4,d\n');
    write(path.join(dir, 't', 'dt=2024-01-02', 'hr=10', '_SUCCESS'), '');
    write(path.join(dir, 't', '.hidden', 'junk.csv'), 'not,a,row\n');
    await exec(s, table('t'));
    expect(await query(s, 'SELECT id, v, dt, hr FROM t ORDER BY id')).toEqual([
      [1, 'a', 19723, 9], [2, 'b', 19723, 9], [3, 'c', 19723, 10], [4, 'd', 19724, null],
    ]);
    expect(await query(s, 'SELECT COUNT(*) FROM t WHERE hr IS NULL')).toEqual([[1]]);
  });

  it('prunes directories with partition predicates without opening their files', async () => {
    write(path.join(dir, 't', 'dt=2024-01-01', 'hr=9', 'a.csv'), '1,a\n');
    write(path.join(dir, 't', 'dt=2024-01-01', 'hr=10', 'a.csv'), '2,b\n');
    // a file that fails when read: any query that opens it fails
    write(path.join(dir, 't', 'dt=2024-01-02', 'hr=9', 'broken.csv'), 'not a number,x\n');
    await exec(s, table('t'));
    await expect(s.execute('SELECT * FROM t')).rejects.toThrow(/broken\.csv:1/);
    expect(await query(s, "SELECT id FROM t WHERE dt = DATE '2024-01-01' ORDER BY id")).toEqual([[1], [2]]);
    expect(await query(s, "SELECT id FROM t WHERE dt < DATE '2024-01-02' AND hr IN (10, 11)")).toEqual([[2]]);
    expect(await query(s, 'SELECT id FROM t WHERE hr = 9 AND id > 0 AND dt <> DATE \'2024-01-02\'')).toEqual([[1]]);
    // the predicate is pushed into the scan and evaluated there exactly: no filter is left for it
    const plan = await s.execute("EXPLAIN SELECT id FROM t WHERE dt = DATE '2024-01-01'");
    const physical = plan.kind === 'text' ? plan.text.split('== Physical Execution Plan ==')[1]! : '';
    expect(physical).toMatch(/TableSourceScan\(.*filter=\[dt = '2024-01-01'\]/);
    expect(physical).not.toMatch(/Calc\(.*where|Filter/);
  });

  it('writes rows into k=v directories, escaping special characters and naming NULL partitions', async () => {
    await exec(s, `CREATE TABLE t (id INT, k STRING, n INT) PARTITIONED BY (k, n) WITH ('connector' = 'filesystem', 'path' = '${dir}/t', 'format' = 'json')`);
    await exec(s, "INSERT INTO t VALUES (1, 'a/b', 1), (2, 'x:y=z%', 2), (3, CAST(NULL AS STRING), 3), (4, 'plain', CAST(NULL AS INT)), (5, 'plain', 5), (6, 'plain', 5)");
    const dirs = listTree(path.join(dir, 't')).filter((p) => p.endsWith('/'));
    expect(dirs).toEqual([
      'k=__DEFAULT_PARTITION__/', 'k=__DEFAULT_PARTITION__/n=3/',
      'k=a%2Fb/', 'k=a%2Fb/n=1/',
      'k=plain/', 'k=plain/n=5/', 'k=plain/n=__DEFAULT_PARTITION__/',
      'k=x%3Ay%3Dz%25/', 'k=x%3Ay%3Dz%25/n=2/',
    ]);
    // partition columns live in directory names, not in the files
    const file = dataFiles(path.join(dir, 't')).find((f) => f.startsWith('k=plain/n=5/'))!;
    expect(fs.readFileSync(path.join(dir, 't', file), 'utf8')).toBe('{"id":5}\n{"id":6}\n');
    expect(await query(s, 'SELECT * FROM t ORDER BY id')).toEqual([
      [1, 'a/b', 1], [2, 'x:y=z%', 2], [3, null, 3], [4, 'plain', null], [5, 'plain', 5], [6, 'plain', 5],
    ]);
    expect(await query(s, "SELECT id FROM t WHERE k = 'x:y=z%'")).toEqual([[2]]);
  });

  it('honours partition.default-name', async () => {
    await exec(s, `CREATE TABLE t (id INT, k STRING) PARTITIONED BY (k) WITH ('connector' = 'filesystem', 'path' = '${dir}/t', 'format' = 'csv', 'partition.default-name' = 'none')`);
    await exec(s, 'INSERT INTO t VALUES (1, CAST(NULL AS STRING))');
    expect(listTree(path.join(dir, 't'))[0]).toBe('k=none/');
    expect(await query(s, 'SELECT * FROM t')).toEqual([[1, null]]);
  });

  it('writes a static PARTITION clause into its directory', async () => {
    await exec(s, table('t', 'parquet'));
    await exec(s, "INSERT INTO t PARTITION (dt = '2024-05-06', hr = 7) VALUES (1, 'a'), (2, 'b')");
    await exec(s, "INSERT INTO t PARTITION (dt = '2024-05-06') VALUES (3, 'c', 8)");
    expect(dataFiles(path.join(dir, 't')).map((f) => f.replace(/part-.*$/, 'part'))).toEqual(['dt=2024-05-06/hr=7/part', 'dt=2024-05-06/hr=8/part']);
    expect(await query(s, 'SELECT id, v, CAST(dt AS STRING), hr FROM t ORDER BY id')).toEqual([[1, 'a', '2024-05-06', 7], [2, 'b', '2024-05-06', 7], [3, 'c', '2024-05-06', 8]]);
  });

  it('round-trips escaped values', () => {
    for (const v of ['a/b', 'x:y', '100%', 'a=b', 'tab\there', 'ü', '#?*[]{}^"\'\\']) expect(unescapePartitionValue(escapePartitionValue(v))).toBe(v);
    expect(escapePartitionValue('2024-01-01 10:00:00')).toBe('2024-01-01 10%3A00%3A00');
  });

  it('rejects directories that do not follow PARTITIONED BY', async () => {
    write(path.join(dir, 't', 'hr=1', 'a.csv'), '1,a\n');
    await exec(s, table('t'));
    const e = await failure(s, 'SELECT * FROM t');
    expect(e.message).toBe(`unexpected directory ${path.join(dir, 't', 'hr=1')} in partitioned table default_catalog.default_database.t: expected a directory named dt=<value>`);
    removeTempDir(path.join(dir, 't'));
    write(path.join(dir, 't', 'dt=yesterday', 'hr=1', 'a.csv'), '1,a\n');
    expect((await failure(s, 'SELECT * FROM t')).message).toContain("'yesterday' is not a valid DATE for column dt");
  });
});

describe('filesystem sink', () => {
  it('INSERT INTO adds new part files and never touches existing ones', async () => {
    await exec(s, `CREATE TABLE t (id INT, v STRING) WITH ('connector' = 'filesystem', 'path' = '${dir}/t', 'format' = 'csv')`);
    write(path.join(dir, 't', 'existing.csv'), '0,old\n');
    const before = fs.statSync(path.join(dir, 't', 'existing.csv')).mtimeMs;
    await exec(s, "INSERT INTO t VALUES (1, 'a')");
    await exec(s, "INSERT INTO t VALUES (2, 'b')");
    const files = dataFiles(path.join(dir, 't'));
    expect(files).toHaveLength(3);
    expect(files.filter((f) => /^part-[0-9a-f-]{36}-0\.csv$/.test(f))).toHaveLength(2);
    expect(fs.readFileSync(path.join(dir, 't', 'existing.csv'), 'utf8')).toBe('0,old\n');
    expect(fs.statSync(path.join(dir, 't', 'existing.csv')).mtimeMs).toBe(before);
    expect(await query(s, 'SELECT * FROM t ORDER BY id')).toEqual([[0, 'old'], [1, 'a'], [2, 'b']]);
  });

  it('INSERT OVERWRITE replaces an unpartitioned table, even with no rows', async () => {
    await exec(s, `CREATE TABLE t (id INT) WITH ('connector' = 'filesystem', 'path' = '${dir}/t', 'format' = 'json')`);
    await exec(s, 'INSERT INTO t VALUES (1), (2)');
    write(path.join(dir, 't', 'sub', 'nested.json'), '{"id": 3}\n');
    write(path.join(dir, 't', '_keep'), 'marker');
    await exec(s, 'INSERT OVERWRITE t VALUES (10)');
    expect(await query(s, 'SELECT * FROM t')).toEqual([[10]]);
    expect(dataFiles(path.join(dir, 't')).filter((f) => f !== '_keep')).toHaveLength(1);
    expect(fs.existsSync(path.join(dir, 't', '_keep'))).toBe(true);
    await exec(s, 'INSERT OVERWRITE t SELECT * FROM t WHERE id < 0');
    expect(await query(s, 'SELECT * FROM t')).toEqual([]);
  });

  it('INSERT OVERWRITE of a partitioned table replaces only the partitions written', async () => {
    await exec(s, table('t', 'csv'));
    await exec(s, "INSERT INTO t VALUES (1, 'a', DATE '2024-01-01', 1), (2, 'b', DATE '2024-01-01', 2), (3, 'c', DATE '2024-01-02', 1)");
    await exec(s, "INSERT OVERWRITE t VALUES (10, 'x', DATE '2024-01-01', 1), (11, 'y', DATE '2024-01-03', 1)");
    expect(await query(s, 'SELECT id FROM t ORDER BY id')).toEqual([[2], [3], [10], [11]]);
    // a full static partition is replaced even when the query yields nothing
    await exec(s, "INSERT OVERWRITE t PARTITION (dt = '2024-01-02', hr = 1) SELECT id, v FROM t WHERE id < 0");
    expect(await query(s, 'SELECT id FROM t ORDER BY id')).toEqual([[2], [10], [11]]);
  });

  it('leaves nothing behind when an INSERT fails halfway', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) lines.push(`${i},row ${i}`);
    lines.push('oops,bad');
    write(path.join(dir, 'src', 'a.csv'), lines.join('\n') + '\n');
    await exec(s, `CREATE TABLE src (id INT, v STRING) WITH ('connector' = 'filesystem', 'path' = '${dir}/src', 'format' = 'csv')`);
    for (const format of ['csv', 'json', 'parquet']) {
      await exec(s, `CREATE TABLE dst_${format} (id INT, v STRING, p INT) PARTITIONED BY (p) WITH ('connector' = 'filesystem', 'path' = '${dir}/dst_${format}', 'format' = '${format}')`);
      await exec(s, `INSERT INTO dst_${format} VALUES (-1, 'kept', 0)`);
      const before = listTree(path.join(dir, `dst_${format}`));
      const e = await failure(s, `INSERT INTO dst_${format} SELECT id, v, id % 3 FROM src`);
      expect(e.message).toContain('a.csv:20001');
      expect(listTree(path.join(dir, `dst_${format}`))).toEqual(before);
      expect(await query(s, `SELECT * FROM dst_${format}`)).toEqual([[-1, 'kept', 0]]);
      // an overwrite that fails keeps the old data too
      await failure(s, `INSERT OVERWRITE dst_${format} SELECT id, v, 0 FROM src`);
      expect(await query(s, `SELECT * FROM dst_${format}`)).toEqual([[-1, 'kept', 0]]);
    }
  });

  it('rolls over to a new file at sink.rolling-policy.file-size', async () => {
    await exec(s, `CREATE TABLE t (id INT, v STRING) WITH ('connector' = 'filesystem', 'path' = '${dir}/t', 'format' = 'csv', 'sink.rolling-policy.file-size' = '1kb')`);
    await exec(s, `CREATE TABLE g (id INT, v STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '20000', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '20000', 'fields.v.length' = '10')`);
    await exec(s, 'INSERT INTO t SELECT * FROM g');
    const files = dataFiles(path.join(dir, 't'));
    expect(files.length).toBeGreaterThan(1);
    expect(files.every((f, i) => files.some((x) => x.endsWith(`-${i}.csv`)))).toBe(true);
    expect(await query(s, 'SELECT COUNT(*), SUM(id) FROM t')).toEqual([[20000, 200010000]]);
  });
});

describe('filesystem table errors', () => {
  it('names a missing path', async () => {
    await exec(s, `CREATE TABLE t (id INT) WITH ('connector' = 'filesystem', 'path' = '${dir}/nope', 'format' = 'csv')`);
    const e = await failure(s, 'SELECT * FROM t');
    expect(e.message).toBe(`path ${dir}/nope of table default_catalog.default_database.t does not exist`);
    expect(e.hint).toContain("'path'");
  });

  it('reads a single file, and refuses to write into one', async () => {
    write(path.join(dir, 'one.csv'), '1\n2\n');
    await exec(s, `CREATE TABLE t (id INT) WITH ('connector' = 'filesystem', 'path' = '${dir}/one.csv', 'format' = 'csv')`);
    expect(await query(s, 'SELECT SUM(id) FROM t')).toEqual([[3]]);
    expect((await failure(s, 'INSERT INTO t VALUES (3)')).message).toContain(`its path ${dir}/one.csv is a file`);
  });

  it('validates options', async () => {
    // option values are checked when the table is created, not at the first query
    const e = await failure(s, `CREATE TABLE f (id INT) WITH ('connector' = 'filesystem', 'path' = '${dir}/f', 'format' = 'avro')`);
    expect(e.message).toContain("unknown format 'avro'");
    expect(e.hint).toBe('Formats of the filesystem connector: csv, json, parquet, debezium-json, canal-json.');
    const e2 = await failure(s, `CREATE TABLE g (id INT) WITH ('connector' = 'filesystem', 'format' = 'csv')`);
    expect(e2.message).toContain("missing required option 'path'");
    const e3 = await failure(s, `CREATE TABLE h (id INT) WITH ('connector' = 'filesystem', 'path' = 'x', 'format' = 'csv', 'csv.delimiter' = ';')`);
    expect(e3.message).toContain("unsupported option 'csv.delimiter'");
    expect((await failure(s, `CREATE TABLE r (id INT) WITH ('connector' = 'filesystem', 'path' = '${dir}/r', 'format' = 'csv', 'sink.rolling-policy.file-size' = 'big')`)).message).toContain("'sink.rolling-policy.file-size'");
  });

  it('provides file metadata columns', async () => {
    write(path.join(dir, 'm', 'a.csv'), '1\n2\n');
    write(path.join(dir, 'm', 'b.csv'), '3\n');
    await exec(s, `CREATE TABLE t (id INT, fname STRING METADATA FROM 'file.name' VIRTUAL, fsize BIGINT METADATA FROM 'file.size' VIRTUAL, fpath STRING METADATA FROM 'file.path' VIRTUAL)
      WITH ('connector' = 'filesystem', 'path' = '${dir}/m', 'format' = 'csv')`);
    expect(await query(s, 'SELECT id, fname, fsize, fpath FROM t ORDER BY id')).toEqual([
      [1, 'a.csv', 4, `${dir}/m/a.csv`], [2, 'a.csv', 4, `${dir}/m/a.csv`], [3, 'b.csv', 2, `${dir}/m/b.csv`],
    ]);
  });
});
