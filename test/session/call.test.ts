/**
 * CALL sys.<procedure>(..) through the Session API: each maintenance procedure changes the stored table
 * as it says, and later reads (in the same session, other sessions, another engine on the same
 * warehouse) see the change. System tables ($snapshots, $files, $consumers) show the effects.
 */
import { existsSync, readdirSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/session/engine.ts';
import type { Session } from '../../src/session/session.ts';
import type { RowsResult } from '../../src/session/result.ts';
import { TableStoreCatalog } from '../../src/catalog/table-store-catalog.ts';
import { formatTimestamp, instantToLocal } from '../../src/types/temporal.ts';
import { failure } from '../helpers/failure.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const engines: Engine[] = [];

afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

async function open(warehouse?: string): Promise<{ engine: Engine; s: Session }> {
  const engine = await Engine.open(warehouse === undefined ? {} : { warehouse });
  engines.push(engine);
  return { engine, s: engine.createSession({ 'execution.runtime-mode': 'batch' }) };
}

async function rowsOf(s: Session, sql: string): Promise<unknown[][]> {
  const r = await s.execute(sql);
  if (r.kind !== 'rows') throw new Error(`expected rows from ${sql}, got ${r.kind}`);
  return r.rows;
}

async function call(s: Session, sql: string): Promise<RowsResult> {
  const r = await s.execute(sql);
  if (r.kind !== 'rows') throw new Error(`expected rows from ${sql}, got ${r.kind}`);
  expect(r.command).toBe('CALL');
  return r;
}

/** The one value of a one-row, one-column CALL result. */
async function result(s: Session, sql: string): Promise<unknown> {
  const r = await call(s, sql);
  expect(r.columns.map((c) => c.name)).toEqual(['result']);
  expect(r.rows).toHaveLength(1);
  return r.rows[0]![0];
}

async function snapshotIds(s: Session, table = 't'): Promise<number[]> {
  return (await rowsOf(s, `SELECT snapshot_id FROM \`${table}$snapshots\` ORDER BY snapshot_id`)).map((r) => Number(r[0]));
}

async function fileCount(s: Session, table = 't'): Promise<number> {
  return Number((await rowsOf(s, `SELECT COUNT(*) FROM \`${table}$files\``))[0]![0]);
}

/**
 * A primary-key table t with rows (i, 'vi') for i = 1..inserts, one insert (one snapshot) each. Write-only,
 * so that commits neither compact nor expire by themselves: snapshot i is insert i.
 */
async function keyedTable(s: Session, inserts: number): Promise<void> {
  await s.execute(`CREATE TABLE t (id INT, v STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('bucket' = '1', 'write-only' = 'true')`);
  for (let i = 1; i <= inserts; i++) await s.execute(`INSERT INTO t VALUES (${i}, 'v${i}')`);
}

function storedTable(engine: Engine, table = 't', db = 'default_database') {
  const c = engine.catalogs.get(engine.defaultCatalog) as TableStoreCatalog;
  return c.storedTable(db, table)!;
}

describe('CALL sys.compact', () => {
  it('merges the files of a primary-key table into one COMPACT snapshot and keeps the rows', async () => {
    const { s } = await open();
    await keyedTable(s, 3);
    await s.execute(`INSERT INTO t VALUES (2, 'changed')`);
    expect(await fileCount(s)).toBe(4);
    expect(await result(s, `CALL sys.compact('t')`)).toBe('compacted 4 files into 1 (snapshot 5)');
    expect(await fileCount(s)).toBe(1);
    expect(await rowsOf(s, 'SELECT commit_kind FROM `t$snapshots` WHERE snapshot_id = 5')).toEqual([['COMPACT']]);
    expect(await rowsOf(s, 'SELECT id, v FROM t ORDER BY id')).toEqual([[1, 'v1'], [2, 'changed'], [3, 'v3']]);
    // nothing left to merge
    expect(await result(s, `CALL sys.compact(\`table\` => 't')`)).toBe('no compaction needed');
    expect(await snapshotIds(s)).toEqual([1, 2, 3, 4, 5]);
  });

  it('merges the small files of an append table', async () => {
    const { s } = await open();
    await s.execute('CREATE TABLE a (x INT)');
    for (let i = 0; i < 3; i++) await s.execute(`INSERT INTO a VALUES (${i})`);
    expect(await result(s, `CALL sys.compact('a')`)).toBe('compacted 3 files into 1 (snapshot 4)');
    expect(await fileCount(s, 'a')).toBe(1);
    expect(await rowsOf(s, 'SELECT x FROM a ORDER BY x')).toEqual([[0], [1], [2]]);
  });

  it('compacts only the partitions named', async () => {
    const { s } = await open();
    await s.execute(`CREATE TABLE p (id INT, dt STRING, hh INT, PRIMARY KEY (id, dt, hh) NOT ENFORCED) PARTITIONED BY (dt, hh) WITH ('bucket' = '1')`);
    for (let i = 0; i < 2; i++) {
      await s.execute(`INSERT INTO p VALUES (${i}, '2024-01-01', 1), (${i}, '2024-01-01', 2), (${i}, '2024-01-02', 1)`);
    }
    const perPartition = async (): Promise<unknown[][]> => rowsOf(s, 'SELECT `partition`, COUNT(*) FROM `p$files` GROUP BY `partition` ORDER BY `partition`');
    expect(await perPartition()).toEqual([['dt=2024-01-01/hh=1', 2], ['dt=2024-01-01/hh=2', 2], ['dt=2024-01-02/hh=1', 2]]);

    expect(await result(s, `CALL sys.compact('p', 'dt=2024-01-01,hh=2')`)).toBe('compacted 2 files into 1 (snapshot 3)');
    expect(await perPartition()).toEqual([['dt=2024-01-01/hh=1', 2], ['dt=2024-01-01/hh=2', 1], ['dt=2024-01-02/hh=1', 2]]);

    // several partitions, separated by ';', and a spec naming only some partition columns
    // (dt=2024-01-01/hh=2 is chosen twice over, and already one file)
    expect(await result(s, `CALL sys.compact(\`table\` => 'p', partitions => 'hh=1;dt=2024-01-01')`)).toBe('compacted 5 files into 3 (snapshot 4)');
    expect(await perPartition()).toEqual([['dt=2024-01-01/hh=1', 1], ['dt=2024-01-01/hh=2', 1], ['dt=2024-01-02/hh=1', 1]]);

    // a spec that matches nothing changes nothing, and says so
    const r = await call(s, `CALL sys.compact('p', 'dt=1999-01-01')`);
    expect(r.rows).toEqual([['no compaction needed']]);
    expect(r.warnings.join()).toMatch(/no partition of table .*p matches partitions 'dt=1999-01-01'/);
    expect(await rowsOf(s, 'SELECT COUNT(*) FROM p')).toEqual([[6]]);
  });

  it('says which partition column a spec gets wrong, and where', async () => {
    const { s } = await open();
    await s.execute(`CREATE TABLE p (id INT, dt STRING, hh INT) PARTITIONED BY (dt, hh)`);
    const e = await failure(s, `CALL sys.compact('p', 'dt=1,hx=2')`);
    expect(e.sqlState).toBe('42703');
    expect(e.message).toMatch(/`hx` is not a partition column of table .*p, did you mean `hh` or `dt`\?/);
    expect(e.hint).toBe('Partition columns: dt, hh.');
    expect(e.position).toMatchObject({ line: 1, column: 29 });
  });
});

describe('CALL sys.rollback_to', () => {
  it('brings back the table as of a snapshot, for every session, and later writes go on from there', async () => {
    const { engine, s } = await open();
    await keyedTable(s, 4);
    const other = engine.createSession({ 'execution.runtime-mode': 'batch' });
    expect(await rowsOf(other, 'SELECT COUNT(*) FROM t')).toEqual([[4]]);

    expect(await result(s, `CALL sys.rollback_to('t', 2)`)).toBe(2);
    expect(await snapshotIds(s)).toEqual([1, 2]);
    expect(await rowsOf(s, 'SELECT id, v FROM t ORDER BY id')).toEqual([[1, 'v1'], [2, 'v2']]);
    expect(await rowsOf(other, 'SELECT id, v FROM t ORDER BY id')).toEqual([[1, 'v1'], [2, 'v2']]);

    await s.execute(`INSERT INTO t VALUES (9, 'v9')`);
    expect(await snapshotIds(s)).toEqual([1, 2, 3]);
    expect(await rowsOf(other, 'SELECT id FROM t ORDER BY id')).toEqual([[1], [2], [9]]);
  });

  it('rejects a snapshot that does not exist, pointing at it', async () => {
    const { s } = await open();
    await keyedTable(s, 2);
    const e = await failure(s, `CALL sys.rollback_to(\`table\` => 't',\n  snapshot_id => 7)`);
    expect(e.sqlState).toBe('22023');
    expect(e.message).toMatch(/snapshot 7 of table .*t does not exist \(snapshots 1\.\.2 exist\)/);
    expect(e.position).toMatchObject({ line: 2, column: 18 });
    expect(await rowsOf(s, 'SELECT COUNT(*) FROM t')).toEqual([[2]]);
  });
});

describe('CALL sys.expire_snapshots', () => {
  it('keeps retain_min snapshots, removes the older ones, and the data stays readable', async () => {
    const { s } = await open();
    await keyedTable(s, 5);
    // snapshots younger than the table's time retention stay unless older_than says otherwise
    expect(await result(s, `CALL sys.expire_snapshots('t', retain_min => 2)`)).toBe(0);
    expect(await result(s, `CALL sys.expire_snapshots(\`table\` => 't', retain_min => 2, older_than => '2999-01-01 00:00:00')`)).toBe(3);
    expect(await snapshotIds(s)).toEqual([4, 5]);
    expect(await rowsOf(s, 'SELECT id FROM t ORDER BY id')).toEqual([[1], [2], [3], [4], [5]]);
  });

  it('expires beyond retain_max whatever their age, at most max_deletes at a time', async () => {
    const { s } = await open();
    await keyedTable(s, 6);
    expect(await result(s, `CALL sys.expire_snapshots('t', 4, 1, NULL, 1)`)).toBe(1);
    expect(await snapshotIds(s)).toEqual([2, 3, 4, 5, 6]);
    expect(await result(s, `CALL sys.expire_snapshots('t', retain_max => 4, retain_min => 1)`)).toBe(1);
    expect(await snapshotIds(s)).toEqual([3, 4, 5, 6]);
  });

  it('never expires what a consumer still needs', async () => {
    const { s } = await open();
    await keyedTable(s, 5);
    await call(s, `CALL sys.reset_consumer('t', 'reader', 3)`);
    expect(await result(s, `CALL sys.expire_snapshots('t', retain_min => 1, older_than => '2999-01-01 00:00:00')`)).toBe(2);
    expect(await snapshotIds(s)).toEqual([3, 4, 5]);
  });

  it('reads older_than in the session time zone', async () => {
    const { engine, s } = await open();
    await keyedTable(s, 5);
    const third = await storedTable(engine).snapshots.snapshot(3);
    await s.execute(`SET 'table.local-time-zone' = 'Asia/Tokyo'`);
    const local = formatTimestamp(instantToLocal(third.timeMillis, 'Asia/Tokyo'), 3);
    // snapshots committed before the third one's time: 1 and 2 (read as UTC, it would be all but the last)
    expect(await result(s, `CALL sys.expire_snapshots('t', retain_min => 1, older_than => '${local}')`)).toBe(2);
    expect(await snapshotIds(s)).toEqual([3, 4, 5]);
  });

  it('refuses retain_max below retain_min', async () => {
    const { s } = await open();
    await keyedTable(s, 2);
    const e = await failure(s, `CALL sys.expire_snapshots('t', retain_max => 2)`);
    expect(e.message).toMatch(/retain_max \(2\) is less than retain_min \(10, the table's 'snapshot.num-retained.min'\)/);
    expect(e.position).toMatchObject({ line: 1, column: 46 });
  });
});

describe('CALL sys.remove_orphan_files', () => {
  it('deletes stray files older than the threshold (default: a day) and leaves live and young ones', async () => {
    const dir = tempDir('freshet-call-');
    const { s } = await open(dir);
    await keyedTable(s, 2);
    const tableDir = join(dir, 'default_database.db', 't');
    const bucketDir = join(tableDir, 'bucket-0');
    expect(readdirSync(bucketDir).length).toBeGreaterThan(0);
    mkdirSync(join(tableDir, 'manifest'), { recursive: true });
    const stray = [join(bucketDir, 'data-stray-0.parquet'), join(tableDir, 'manifest', 'manifest-stray-0'), join(tableDir, 'leftover.tmp')];
    const young = join(bucketDir, 'data-young-0.parquet');
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    for (const f of stray) {
      writeFileSync(f, 'not referenced');
      utimesSync(f, twoDaysAgo, twoDaysAgo);
    }
    writeFileSync(young, 'maybe a write in progress');
    const live = (await rowsOf(s, 'SELECT file_path FROM `t$files`')).map((r) => String(r[0]));
    expect(live.length).toBe(2);

    // a dry run lists what would go, relative to the table directory, and deletes nothing
    const dry = await call(s, `CALL sys.remove_orphan_files('t', dry_run => TRUE)`);
    expect(dry.rows).toEqual([['bucket-0/data-stray-0.parquet'], ['leftover.tmp'], ['manifest/manifest-stray-0']]);
    for (const f of stray) expect(existsSync(f)).toBe(true);

    expect(await result(s, `CALL sys.remove_orphan_files('t')`)).toBe(3);
    for (const f of stray) expect(existsSync(f)).toBe(false);
    expect(existsSync(young)).toBe(true);
    for (const f of live) expect(existsSync(f.replace(/^file:\/\//, ''))).toBe(true);
    expect(await rowsOf(s, 'SELECT id, v FROM t ORDER BY id')).toEqual([[1, 'v1'], [2, 'v2']]);

    // an explicit threshold in the future takes the young one too (with a warning)
    const r = await call(s, `CALL sys.remove_orphan_files('default_database.t', '2999-01-01 00:00:00')`);
    expect(r.rows).toEqual([[1]]);
    expect(r.warnings.join()).toMatch(/less than an hour ago/);
    expect(existsSync(young)).toBe(false);
    expect(await rowsOf(s, 'SELECT COUNT(*) FROM t')).toEqual([[2]]);
  });

  it('works on an in-memory warehouse too', async () => {
    const { engine, s } = await open();
    await keyedTable(s, 2);
    const t = storedTable(engine);
    await t.io.writeFile(`${t.path}/bucket-0/data-stray-1.parquet`, new TextEncoder().encode('x'));
    const r = await call(s, `CALL sys.remove_orphan_files('t', '2999-01-01 00:00:00', TRUE)`);
    expect(r.rows).toEqual([['bucket-0/data-stray-1.parquet']]);
    expect(await result(s, `CALL sys.remove_orphan_files('t', '2999-01-01 00:00:00', FALSE)`)).toBe(1);
    expect((await call(s, `CALL sys.remove_orphan_files('t', '2999-01-01 00:00:00', TRUE)`)).rows).toEqual([]);
    expect(await rowsOf(s, 'SELECT COUNT(*) FROM t')).toEqual([[2]]);
  });
});

describe('CALL sys.reset_consumer', () => {
  it('sets, moves and removes a consumer', async () => {
    const { s } = await open();
    await keyedTable(s, 3);
    expect(await result(s, `CALL sys.reset_consumer('t', 'job-1', 2)`)).toBe("consumer 'job-1' reads snapshot 2 next");
    expect(await rowsOf(s, 'SELECT consumer_id, next_snapshot_id FROM `t$consumers`')).toEqual([['job-1', 2]]);
    expect(await result(s, `CALL sys.reset_consumer(\`table\` => 't', consumer_id => 'job-1', next_snapshot_id => 4)`)).toBe("consumer 'job-1' reads snapshot 4 next");
    expect(await rowsOf(s, 'SELECT consumer_id, next_snapshot_id FROM `t$consumers`')).toEqual([['job-1', 4]]);
    expect(await result(s, `CALL sys.reset_consumer('t', 'job-1')`)).toBe("consumer 'job-1' removed");
    expect(await rowsOf(s, 'SELECT * FROM `t$consumers`')).toEqual([]);
  });

  it('rejects an unknown consumer and a snapshot the table cannot serve', async () => {
    const { s } = await open();
    await keyedTable(s, 2);
    await call(s, `CALL sys.reset_consumer('t', 'job-1', 1)`);
    const unknown = await failure(s, `CALL sys.reset_consumer('t', 'job-2')`);
    expect(unknown.message).toMatch(/consumer 'job-2' of table .*t does not exist, did you mean `job-1`\?/);
    expect(unknown.position).toMatchObject({ line: 1, column: 30 });
    const far = await failure(s, `CALL sys.reset_consumer('t', 'job-1', 9)`);
    expect(far.message).toMatch(/next_snapshot_id 9 is outside .* snapshots 1\.\.3/);
  });
});

describe('CALL: names and visibility', () => {
  it('resolves t, db.t and catalog.db.t against the current catalog and database', async () => {
    const { s } = await open();
    await s.execute('CREATE DATABASE d2');
    await s.execute('USE d2');
    await keyedTable(s, 2);
    expect(await result(s, `CALL sys.rollback_to('t', 1)`)).toBe(1);
    await s.execute('USE default_database');
    await s.execute(`INSERT INTO d2.t VALUES (5, 'v5')`);
    expect(await result(s, `CALL sys.rollback_to('d2.t', 2)`)).toBe(2);
    expect(await result(s, `CALL default_catalog.sys.compact('default_catalog.d2.t')`)).toMatch(/\(snapshot 3\)$/);
    expect(await rowsOf(s, 'SELECT id, v FROM d2.t')).toEqual([[1, 'v1'], [5, 'v5']]);
  });

  it('answers with rows in a streaming session too', async () => {
    const { engine, s } = await open();
    await keyedTable(s, 2);
    const streaming = engine.createSession();
    expect(streaming.streaming).toBe(true);
    expect(await result(streaming, `CALL sys.compact('t');`)).toBe('compacted 2 files into 1 (snapshot 3)');
  });

  it('what one engine does to a table, another engine on the same warehouse sees', async () => {
    const dir = tempDir('freshet-call-');
    const a = await open(dir);
    await keyedTable(a.s, 3);
    const b = await open(dir);
    expect(await rowsOf(b.s, 'SELECT COUNT(*) FROM t')).toEqual([[3]]);
    expect(await fileCount(b.s)).toBe(3);

    await call(a.s, `CALL sys.compact('t')`);
    expect(await fileCount(b.s)).toBe(1);
    await call(a.s, `CALL sys.rollback_to('t', 2)`);
    expect(await rowsOf(b.s, 'SELECT id FROM t ORDER BY id')).toEqual([[1], [2]]);
    expect(await snapshotIds(b.s)).toEqual([1, 2]);
  });

  it('refuses tables outside the table store', async () => {
    const { s } = await open();
    await s.execute(`CREATE TABLE v (x INT) WITH ('connector' = 'values', 'data' = '[[1]]')`);
    await s.execute(`CREATE CATALOG mem WITH ('type' = 'generic_in_memory')`);
    await s.execute(`CREATE TABLE mem.default_database.m (x INT) WITH ('connector' = 'values')`);
    expect((await failure(s, `CALL sys.compact('v')`)).message).toMatch(/is a 'values' table, only recorded in the catalog/);
    const e = await failure(s, `CALL mem.sys.compact('default_database.m')`);
    expect(e.message).toMatch(/works on tables of a table-store catalog; `mem`\.`default_database`\.`m` is in catalog `mem` of type 'generic_in_memory'/);
    expect(e.position).toMatchObject({ line: 1, column: 22 });
  });

  it('names an unknown procedure, with a suggestion and the list', async () => {
    const { s } = await open();
    const e = await failure(s, `CALL sys.expire_snapshot('t')`);
    expect(e.sqlState).toBe('42883');
    expect(e.message).toBe('unknown procedure `sys.expire_snapshot`, did you mean `sys.expire_snapshots`?');
    expect(e.hint).toMatch(/^Procedures: sys\.compact, sys\.expire_snapshots, /);
    expect(e.position).toMatchObject({ line: 1, column: 10 });
  });
});
