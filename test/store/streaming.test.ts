/**
 * Table-store tables in streaming SQL.
 *
 * (a) Streaming reads: scan.mode latest-full / latest / from-snapshot / from-snapshot-full /
 *     from-timestamp see what they should of rows committed before and after the query started (by
 *     another session's INSERTs); a reader with 'consumer-id' that is stopped and restarted resumes
 *     after the last snapshot it consumed ($consumers shows where); reads of a primary-key table with
 *     'changelog-producer' none / input / lookup give exact changes that add up to the batch read.
 * (b) The exactly-once sink: a streaming INSERT from a queue commits one snapshot per checkpoint that
 *     had data, with the job's commit user and the checkpoint id; the table then equals the batch result
 *     of the same query; a commit replayed with a commit user and checkpoint id already committed (a
 *     restarted writer) does nothing.
 *
 * Waiting is by condition (`until`), never by a fixed sleep: a slow machine makes tests slower, not
 * different. Checkpoints are taken by the test (StreamJob.checkpoint), not on a timer.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/session/engine.ts';
import type { Session } from '../../src/session/session.ts';
import type { StreamResult } from '../../src/session/result.ts';
import type { StreamJob } from '../../src/exec/stream/driver.ts';
import type { TableStoreCatalog } from '../../src/catalog/table-store-catalog.ts';
import type { FileStoreTable } from '../../src/store/table.ts';
import { StoreSink } from '../../src/store/connector/sink.ts';
import { TableWrite } from '../../src/store/write/table-write.ts';
import { TableCommit } from '../../src/store/commit/table-commit.ts';
import { batchFromRows, ROW_KIND_NAMES } from '../../src/types/batch.ts';
import { drained, endQueue, pushRows, resetQueues } from '../stream/queue-connector.ts';
import { rowText } from '../stream/watch.ts';

let engine: Engine;
/** Batch statements: DDL, INSERTs that commit before they return, reads of the table as it is. */
let batch: Session;
/** Streaming statements: queries that follow the table, INSERT jobs. */
let streaming: Session;

beforeEach(async () => {
  resetQueues();
  engine = await Engine.open();
  batch = engine.createSession({ 'execution.runtime-mode': 'batch', 'table.local-time-zone': 'UTC' });
  streaming = engine.createSession({ 'execution.runtime-mode': 'streaming', 'table.local-time-zone': 'UTC' });
});

afterEach(async () => {
  await engine.close();
});

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function rows(sql: string): Promise<unknown[][]> {
  const r = await batch.execute(sql);
  if (r.kind !== 'rows') throw new Error(`expected rows from ${sql}, got ${r.kind}`);
  return r.rows;
}

const sorted = (rs: unknown[][]): unknown[][] => [...rs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

interface Watch {
  /** Changes as `+I[1, a]`. */
  changes: string[];
  /** The rows the changes add up to, by their text; a retraction of a row that is not there is an error. */
  rows: Map<string, number>;
  errors: string[];
  done: Promise<void>;
}

/**
 * Reads a streaming result in the background. With `keyed` (the first column is a primary key), changes
 * must also be exact: +I/+U only for an absent key, -U/-D only of the row the key holds.
 */
function watch(r: StreamResult, keyed: boolean): Watch {
  const w: Watch = { changes: [], rows: new Map(), errors: [], done: Promise.resolve() };
  const byKey = new Map<unknown, string>();
  w.done = (async () => {
    for await (const b of r.changes) {
      b.rows.forEach((row, i) => {
        const kind = b.kinds[i]!;
        const t = rowText(row);
        const change = `${ROW_KIND_NAMES[kind]}${t}`;
        w.changes.push(change);
        const n = w.rows.get(t) ?? 0;
        if (kind === 0 || kind === 2) w.rows.set(t, n + 1);
        else if (n === 0) w.errors.push(`${change} retracts a row that is not there`);
        else if (n === 1) w.rows.delete(t);
        else w.rows.set(t, n - 1);
        if (!keyed) return;
        const held = byKey.get(row[0]);
        if (kind === 0 || kind === 2) {
          if (held !== undefined) w.errors.push(`${change} for a key that holds ${held}`);
          byKey.set(row[0], t);
        } else {
          if (held !== t) w.errors.push(`${change} for a key that holds ${held ?? 'nothing'}`);
          byKey.delete(row[0]);
        }
      });
    }
  })();
  return w;
}

async function stream(sql: string, keyed = true): Promise<{ r: StreamResult; w: Watch }> {
  const r = await streaming.execute(sql);
  if (r.kind !== 'stream') throw new Error(`expected a stream, got ${r.kind}`);
  return { r, w: watch(r, keyed) };
}

async function startJob(sql: string): Promise<{ id: string; job: StreamJob }> {
  const r = await streaming.execute(sql);
  if (r.kind !== 'ok' || r.jobId === undefined) throw new Error(`expected a job from ${sql}`);
  return { id: r.jobId, job: engine.jobs.get(r.jobId).job };
}

function storedTable(name: string): FileStoreTable {
  const t = (engine.catalogs.get('default_catalog') as TableStoreCatalog).storedTable('default_database', name);
  if (!t) throw new Error(`no table ${name}`);
  return t;
}

/** The rows a materialized stream holds, as texts, sorted. */
const materialized = (w: Watch): string[] => [...w.rows].flatMap(([t, n]) => Array<string>(n).fill(t)).sort();
const texts = (rs: unknown[][]): string[] => rs.map(rowText).sort();

// ---------------------------------------------------------------------------------------------------

describe('streaming reads: where they start', () => {
  beforeEach(async () => {
    await batch.execute("CREATE TABLE t (k INT, v STRING, PRIMARY KEY (k) NOT ENFORCED) WITH ('changelog-producer' = 'lookup')");
    await batch.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b')"); // snapshot 1
    // snapshot 2 a millisecond later at least, so that a time tells them apart
    const t1 = Number((await rows('SELECT commit_time FROM `t$snapshots`'))[0]![0]);
    while (Date.now() <= t1) await new Promise((r) => setTimeout(r, 1));
    await batch.execute("INSERT INTO t VALUES (1, 'a2'), (3, 'c')"); // snapshot 2
  });

  it("latest-full (the default) reads the table, then the changes committed later by another session", async () => {
    const { r, w } = await stream('SELECT * FROM t');
    await until(() => w.changes.length >= 3, 'the table');
    expect([...w.changes].sort()).toEqual(['+I[1, a2]', '+I[2, b]', '+I[3, c]']);
    await batch.execute("INSERT INTO t VALUES (2, 'b2'), (4, 'd')");
    await until(() => w.changes.length >= 6, 'the new changes');
    expect(w.changes.slice(3)).toEqual(['-U[2, b]', '+U[2, b2]', '+I[4, d]']);
    expect(materialized(w)).toEqual(texts(await rows('SELECT * FROM t')));
    r.cancel();
    await w.done;
    expect(w.errors).toEqual([]);
  });

  it("'latest' sees only what is committed after it started", async () => {
    const { r, w } = await stream("SELECT * FROM t /*+ OPTIONS('scan.mode' = 'latest') */");
    // commit markers until one arrives: from then on the reader is surely following the table
    for (let i = 0; w.changes.length === 0; i++) {
      await batch.execute(`INSERT INTO t VALUES (${100 + i}, 'marker')`);
      await until(() => w.changes.length > 0, 'a marker', 500).catch(() => undefined);
    }
    await batch.execute("INSERT INTO t VALUES (1, 'a3'), (5, 'e')");
    await until(() => w.changes.some((c) => c.includes('5, e')), 'the change after the markers');
    r.cancel();
    await w.done;
    const first = Number(/^\+I\[(\d+), marker\]$/.exec(w.changes[0]!)![1]);
    const markers = w.changes.filter((c) => c.includes('marker'));
    expect(markers).toEqual(Array.from({ length: markers.length }, (_, j) => `+I[${first + j}, marker]`));
    expect(w.changes.slice(markers.length)).toEqual(['-U[1, a2]', '+U[1, a3]', '+I[5, e]']);
    expect(w.changes.join(' ')).not.toMatch(/\[2, b\]|\[3, c\]/);
  });

  it("'from-snapshot' reads the changes of 'scan.snapshot-id' on; 'from-snapshot-full' that snapshot in full, then changes", async () => {
    const a = await stream("SELECT * FROM t /*+ OPTIONS('scan.mode' = 'from-snapshot', 'scan.snapshot-id' = '2') */");
    const b = await stream("SELECT * FROM t /*+ OPTIONS('scan.mode' = 'from-snapshot-full', 'scan.snapshot-id' = '1') */");
    await until(() => a.w.changes.length >= 3 && b.w.changes.length >= 5, 'snapshot 2');
    await batch.execute("INSERT INTO t VALUES (4, 'd')");
    await until(() => a.w.changes.length >= 4 && b.w.changes.length >= 6, 'snapshot 3');
    a.r.cancel();
    b.r.cancel();
    await Promise.all([a.w.done, b.w.done]);
    expect(a.w.changes).toEqual(['-U[1, a]', '+U[1, a2]', '+I[3, c]', '+I[4, d]']);
    expect(b.w.changes.slice(0, 2).sort()).toEqual(['+I[1, a]', '+I[2, b]']);
    expect(b.w.changes.slice(2)).toEqual(['-U[1, a]', '+U[1, a2]', '+I[3, c]', '+I[4, d]']);
    expect(materialized(b.w)).toEqual(texts(await rows('SELECT * FROM t')));
    expect(b.w.errors).toEqual([]);
  });

  it("'from-timestamp' reads the changes committed after 'scan.timestamp-millis'", async () => {
    const times = await rows('SELECT snapshot_id, commit_time FROM `t$snapshots` ORDER BY snapshot_id');
    const t1 = Number(times[0]![1]);
    expect(Number(times[1]![1])).toBeGreaterThan(t1);
    const { r, w } = await stream(`SELECT * FROM t /*+ OPTIONS('scan.mode' = 'from-timestamp', 'scan.timestamp-millis' = '${t1}') */`);
    await until(() => w.changes.length >= 3, 'snapshot 2');
    await batch.execute("INSERT INTO t VALUES (3, 'c2')");
    await until(() => w.changes.length >= 5, 'snapshot 3');
    r.cancel();
    await w.done;
    expect(w.changes).toEqual(['-U[1, a]', '+U[1, a2]', '+I[3, c]', '-U[3, c]', '+U[3, c2]']);
  });
});

describe('$audit_log', () => {
  it('read as a stream from snapshot 1, shows every change with its kind as a column', async () => {
    await batch.execute("CREATE TABLE t (k INT, v STRING, PRIMARY KEY (k) NOT ENFORCED) WITH ('changelog-producer' = 'lookup')");
    await batch.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b')");
    await batch.execute("INSERT INTO t VALUES (1, 'a2'), (3, 'c')");
    const { r, w } = await stream("SELECT rowkind, k, v FROM `t$audit_log` /*+ OPTIONS('scan.mode' = 'from-snapshot', 'scan.snapshot-id' = '1') */", false);
    expect(r.changelog).toBe('append');
    await until(() => w.changes.length >= 5, 'the changes of both snapshots');
    await batch.execute('INSERT INTO t VALUES (2, NULL)');
    await until(() => w.changes.length >= 7, 'the next snapshot');
    r.cancel();
    await w.done;
    expect(w.changes.slice(0, 2).sort()).toEqual(['+I[+I, 1, a]', '+I[+I, 2, b]']);
    expect(w.changes.slice(2)).toEqual(['+I[-U, 1, a]', '+I[+U, 1, a2]', '+I[+I, 3, c]', '+I[-U, 2, b]', '+I[+U, 2, NULL]']);
  });
});

describe('a streaming read with a consumer-id', () => {
  it('resumes after the last snapshot it consumed when stopped and started again; $consumers shows where', async () => {
    await batch.execute('CREATE TABLE src (k INT, v STRING)');
    await batch.execute('CREATE TABLE out (k INT, v STRING)');
    await batch.execute("INSERT INTO src VALUES (1, 'a'), (2, 'b')"); // snapshot 1
    await batch.execute("INSERT INTO src VALUES (3, 'c')"); // snapshot 2
    const insert = "INSERT INTO out SELECT * FROM src /*+ OPTIONS('consumer-id' = 'c1') */";
    const consumers = async (): Promise<string> => JSON.stringify((await rows('SELECT * FROM `src$consumers`')).map((r) => [r[0], Number(r[1])]));
    // the next snapshot to read once everything is consumed (append tables may add COMPACT snapshots)
    const caughtUp = async (): Promise<string> => JSON.stringify([['c1', Number((await rows('SELECT MAX(snapshot_id) FROM `src$snapshots`'))[0]![0]) + 1]]);
    const outCount = async (): Promise<number> => (await rows('SELECT * FROM out')).length;

    const first = await startJob(insert);
    await until(async () => {
      await first.job.checkpoint();
      return (await outCount()) === 3 && (await consumers()) === (await caughtUp());
    }, 'the first job to consume snapshots 1 and 2');
    await batch.execute("INSERT INTO src VALUES (4, 'd')"); // snapshot 3
    await until(async () => {
      await first.job.checkpoint();
      return (await outCount()) === 4 && (await consumers()) === (await caughtUp());
    }, 'the first job to consume snapshot 3');
    await streaming.execute(`STOP JOB '${first.id}'`);
    expect(first.job.status).toBe('STOPPED');
    const stoppedAt = await consumers();

    await batch.execute("INSERT INTO src VALUES (5, 'e')"); // snapshot 4
    await batch.execute("INSERT INTO src VALUES (6, 'f')"); // snapshot 5
    expect(await consumers()).toBe(stoppedAt);
    expect(stoppedAt).not.toBe(await caughtUp());

    const second = await startJob(insert);
    await until(async () => {
      await second.job.checkpoint();
      return (await outCount()) >= 6 && (await consumers()) === (await caughtUp());
    }, 'the second job to consume snapshots 4 and 5');
    await streaming.execute(`STOP JOB '${second.id}'`);
    // every row once: the second job did not read the table again, nor skip what came while stopped
    expect(sorted(await rows('SELECT * FROM out'))).toEqual([[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd'], [5, 'e'], [6, 'f']]);
    expect(await consumers()).toBe(await caughtUp());
  });

  it.todo("a streaming SELECT (a query without a sink) with 'consumer-id' records its position: queries take no checkpoints, so only INSERT jobs record consumers");
});

describe('streaming reads of a primary-key table give exact changes, whatever the changelog producer', () => {
  // a consistent changelog (+I new keys, -U/+U, -D), then upserts that are not (+I of a present key)
  const consistent: unknown[][][] = [
    [['+I', 1, 10], ['+I', 2, 20], ['+I', 3, 30]],
    [['-U', 1, 10], ['+U', 1, 11], ['-D', 2, 20], ['+I', 4, 40]],
    [['-U', 3, 30], ['+U', 3, 31], ['-U', 3, 31], ['+U', 3, 32], ['+I', 2, 21]],
    [['-D', 4, 40], ['+I', 5, 50], ['-U', 1, 11], ['+U', 1, 12]],
  ];
  const upserts: unknown[][][] = [
    [['+I', 1, 13], ['+I', 6, 60], ['+I', 6, 61]],
    [['+I', 5, 51], ['-D', 3, 32], ['+I', 3, 33]],
  ];

  for (const producer of ['none', 'input', 'lookup'] as const) {
    it(`'changelog-producer' = '${producer}'`, async () => {
      await batch.execute(`CREATE TABLE t (k INT, v INT, PRIMARY KEY (k) NOT ENFORCED) WITH ('changelog-producer' = '${producer}', 'bucket' = '2')`);
      await batch.execute('INSERT INTO t VALUES (1, 1), (7, 70)'); // before the reader starts
      await batch.execute(`CREATE TABLE q (k INT, v INT) WITH ('connector' = 'test-queue', 'queue' = 'q-${producer}', 'changelog' = 'true')`);
      const reader = await stream('SELECT * FROM t');
      await until(() => reader.w.changes.length >= 2, 'the table as it was');
      const writer = await startJob('INSERT INTO t SELECT k, v FROM q');
      // 'input' hands readers the rows written: only a consistent changelog adds up
      const batches = producer === 'input' ? consistent : [...consistent, ...upserts];
      // the first write of key 1 must retract the row written before: send it as an update
      const first = [['-U', 1, 1], ['+U', 1, 10], ...batches[0]!.filter((r) => r[1] !== 1)];
      for (const b of [first, ...batches.slice(1)]) {
        pushRows(`q-${producer}`, b);
        await drained(`q-${producer}`);
        await writer.job.checkpoint();
      }
      const expected = texts(await rows('SELECT * FROM t'));
      await until(() => JSON.stringify(materialized(reader.w)) === JSON.stringify(expected), `the reader to catch up with ${expected.join(' ')}, it has ${materialized(reader.w).join(' ')}`);
      endQueue(`q-${producer}`);
      await writer.job.done;
      reader.r.cancel();
      await reader.w.done;
      expect(reader.w.errors).toEqual([]);
      expect(materialized(reader.w)).toEqual(expected);
      expect(expected).toEqual(producer === 'input'
        ? ['[1, 12]', '[2, 21]', '[3, 32]', '[5, 50]', '[7, 70]']
        : ['[1, 13]', '[2, 21]', '[3, 33]', '[5, 51]', '[6, 61]', '[7, 70]']);
      // no-op updates are not changes for a normalizing reader
      if (producer === 'none') expect(reader.w.changes.filter((c) => c.startsWith('-U')).length).toBe(reader.w.changes.filter((c) => c.startsWith('+U')).length);
    });
  }
});

// ---------------------------------------------------------------------------------------------------

describe('the exactly-once sink', () => {
  it('commits one snapshot per checkpoint that had data, as the job, and ends equal to the batch result of the query', async () => {
    await batch.execute("CREATE TABLE q (k STRING, v INT) WITH ('connector' = 'test-queue', 'queue' = 'sink')");
    await batch.execute('CREATE TABLE totals (k STRING, n BIGINT, s BIGINT, PRIMARY KEY (k) NOT ENFORCED)');
    await batch.execute('CREATE TABLE copy (k STRING, v INT)');
    const { job } = await startJob('INSERT INTO totals SELECT k, COUNT(*), SUM(v) FROM q GROUP BY k');
    const pushed: unknown[][][] = [
      [['a', 1], ['b', 2], ['a', 3]],
      [['b', 5], ['c', 7]],
      [['a', 10], ['d', 1], ['c', -7]],
    ];
    const send = async (b: unknown[][]): Promise<void> => {
      pushRows('sink', b);
      await drained('sink');
      await batch.execute(`INSERT INTO copy VALUES ${b.map(([k, v]) => `('${k as string}', ${v as number})`).join(', ')}`);
    };
    await send(pushed[0]!);
    await job.checkpoint(); // 1: data
    await job.checkpoint(); // 2: nothing new, no snapshot
    await send(pushed[1]!);
    await job.checkpoint(); // 3: data
    expect(sorted(await rows('SELECT * FROM totals'))).toEqual([['a', 2, 4], ['b', 2, 7], ['c', 1, 7]]);
    await send(pushed[2]!);
    endQueue('sink');
    await job.done; // the end commits the rest (identifier 4)
    const snapshots = await rows('SELECT snapshot_id, commit_user, commit_identifier, commit_kind FROM `totals$snapshots` ORDER BY snapshot_id');
    expect(snapshots.map((s) => [s[0], s[1], Number(s[2]), s[3]])).toEqual([
      [1, job.commitUser, 1, 'APPEND'],
      [2, job.commitUser, 3, 'APPEND'],
      [3, job.commitUser, 4, 'APPEND'],
    ]);
    expect(sorted(await rows('SELECT * FROM totals'))).toEqual(sorted(await rows('SELECT k, COUNT(*), SUM(v) FROM copy GROUP BY k')));
  });

  it('a restarted writer replaying a checkpoint its commit user already committed writes nothing (StoreSink)', async () => {
    await batch.execute('CREATE TABLE ap (k INT, v STRING)');
    const table = storedTable('ap');
    const types = table.layout.types;
    const ctx = { timeZone: 'UTC', commitUser: 'job-1' };
    const open = { overwrite: false, staticPartition: {} };
    const first = await new StoreSink(table).open(open, ctx);
    await first.write(batchFromRows(types, [[1, 'a'], [2, 'b']]));
    await first.commit!({ id: 1 });
    await first.write(batchFromRows(types, [[3, 'c']]));
    await first.commit!({ id: 2 });
    // the process dies here; the job restarts from checkpoint 1 and replays what came after it
    const second = await new StoreSink(table).open(open, ctx);
    await second.write(batchFromRows(types, [[3, 'c']]));
    await second.commit!({ id: 2 });
    expect((await rows('SELECT snapshot_id, commit_identifier FROM `ap$snapshots`')).map((r) => r.map(Number))).toEqual([[1, 1], [2, 2]]);
    expect(sorted(await rows('SELECT * FROM ap'))).toEqual([[1, 'a'], [2, 'b'], [3, 'c']]);
    // a replay of an older checkpoint is a no-op too; the next new one commits
    const third = await new StoreSink(table).open(open, ctx);
    await third.write(batchFromRows(types, [[2, 'b']]));
    await third.commit!({ id: 1 });
    await third.write(batchFromRows(types, [[4, 'd']]));
    await third.commit!({ id: 3 });
    expect((await rows('SELECT snapshot_id, commit_identifier FROM `ap$snapshots`')).map((r) => r.map(Number))).toEqual([[1, 1], [2, 2], [3, 3]]);
    // the replayed rows went with their no-op commit; checkpoint 3 holds only its own
    expect(sorted(await rows('SELECT * FROM ap'))).toEqual([[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd']]);
  });

  it('TableCommit: the same commit user and identifier commit once; another user commits the same identifier', async () => {
    await batch.execute('CREATE TABLE ap (k INT, v STRING)');
    const table = storedTable('ap');
    const types = table.layout.types;
    const prepare = async (): Promise<Awaited<ReturnType<TableWrite['prepareCommit']>>> => {
      const w = new TableWrite(table);
      await w.write(batchFromRows(types, [[1, 'x']]));
      return w.prepareCommit();
    };
    const a = await new TableCommit(table, 'user-a').commit(await prepare(), 5);
    expect(a).toMatchObject({ snapshots: [1], alreadyCommitted: false });
    const replay = await new TableCommit(table, 'user-a').commit(await prepare(), 5);
    expect(replay).toMatchObject({ snapshots: [], alreadyCommitted: true });
    const older = await new TableCommit(table, 'user-a').commit(await prepare(), 4);
    expect(older).toMatchObject({ snapshots: [], alreadyCommitted: true });
    const b = await new TableCommit(table, 'user-b').commit(await prepare(), 5);
    expect(b).toMatchObject({ snapshots: [2], alreadyCommitted: false });
    expect(await rows('SELECT * FROM ap')).toEqual([[1, 'x'], [1, 'x']]);
    expect((await rows('SELECT commit_user, commit_identifier FROM `ap$snapshots`')).map((r) => [r[0], Number(r[1])])).toEqual([['user-a', 5], ['user-b', 5]]);
  });
});
