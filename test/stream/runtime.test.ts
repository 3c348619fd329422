/**
 * The streaming runtime over time: a test connector feeds rows while jobs run, and a manual clock stands
 * in for processing time, so timers (mini-batch, state TTL, processing-time windows, idle sources,
 * periodic watermarks) fire exactly when the test moves the clock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Engine } from '../../src/session/engine.ts';
import type { Session } from '../../src/session/session.ts';
import type { StreamResult } from '../../src/session/result.ts';
import { ManualClock } from '../../src/exec/operator.ts';
import { drained, endQueue, pushRows, resetQueues } from './queue-connector.ts';
import { watch } from './watch.ts';

const T0 = Date.UTC(2024, 0, 1);

let engine: Engine;
let clock: ManualClock;
let session: Session;

beforeEach(async () => {
  resetQueues();
  engine = await Engine.open();
  clock = new ManualClock(T0);
  engine.clock = clock;
  session = engine.createSession({ 'execution.runtime-mode': 'streaming', 'table.local-time-zone': 'UTC', 'pipeline.auto-watermark-interval': '0' });
});

afterEach(async () => {
  await engine.close();
});

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Lets the job run (sources poll every 20 ms, the driver ticks timers every 100 ms). */
const settle = (ms = 250): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function stream(sql: string): Promise<StreamResult> {
  const r = await session.execute(sql);
  if (r.kind !== 'stream') throw new Error(`expected a stream, got ${r.kind}`);
  return r;
}

describe('streaming jobs over time', () => {
  it('emits group updates per batch: +I, then -U/+U, and -D when a key has no rows left', async () => {
    await session.execute("CREATE TABLE q (k STRING, v INT) WITH ('connector' = 'test-queue', 'queue' = 'agg', 'changelog' = 'true')");
    const w = watch(await stream('SELECT k, COUNT(*), SUM(v) FROM q GROUP BY k'));
    pushRows('agg', [['+I', 'a', 1], ['+I', 'a', 2], ['+I', 'b', 5]]);
    await until(() => w.changes.length === 2, 'two inserts');
    expect(w.changes).toEqual(['+I[a, 2, 3]', '+I[b, 1, 5]']);
    pushRows('agg', [['-D', 'a', 1]]);
    pushRows('agg', [['-D', 'b', 5]]);
    // a batch that changes nothing visible emits nothing
    pushRows('agg', [['+I', 'a', 0], ['-D', 'a', 0]]);
    endQueue('agg');
    await w.done;
    expect(w.changes.slice(2)).toEqual(['-U[a, 2, 3]', '+U[a, 1, 2]', '-D[b, 1, 5]']);
  });

  it('folds updates of hot keys into one per mini-batch, flushed by latency or size', async () => {
    await session.execute("SET 'table.exec.mini-batch.enabled' = 'true'");
    await session.execute("SET 'table.exec.mini-batch.allow-latency' = '1 s'");
    await session.execute("SET 'table.exec.mini-batch.size' = '5'");
    await session.execute("CREATE TABLE q (k STRING) WITH ('connector' = 'test-queue', 'queue' = 'mb')");
    const w = watch(await stream('SELECT k, COUNT(*) FROM q GROUP BY k'));
    for (let i = 0; i < 3; i++) pushRows('mb', [['hot']]);
    await drained('mb');
    expect(w.changes).toEqual([]); // held for the latency
    clock.advance(1000);
    await until(() => w.changes.length === 1, 'the latency flush');
    expect(w.changes).toEqual(['+I[hot, 3]']);
    // five rows fill a mini-batch: flushed at once, without the clock
    for (let i = 0; i < 5; i++) pushRows('mb', [['hot']]);
    await until(() => w.changes.length === 3, 'the size flush');
    expect(w.changes.slice(1)).toEqual(['-U[hot, 3]', '+U[hot, 8]']);
    endQueue('mb');
    await w.done;
  });

  it('forgets state after table.exec.state.ttl: a later row of the key starts over', async () => {
    await session.execute("SET 'table.exec.state.ttl' = '10 s'");
    await session.execute("CREATE TABLE q (k STRING) WITH ('connector' = 'test-queue', 'queue' = 'ttl')");
    await session.execute("CREATE TABLE d (k STRING, name STRING) WITH ('connector' = 'test-queue', 'queue' = 'ttl-dim')");
    const agg = watch(await stream('SELECT k, COUNT(*) FROM q GROUP BY k'));
    pushRows('ttl', [['a'], ['a']]);
    await until(() => agg.changes.length === 1, 'the first count');
    clock.advance(11_000);
    await settle(); // the driver's timer tick expires the state
    pushRows('ttl', [['a']]);
    await until(() => agg.changes.length === 2, 'the count after expiry');
    expect(agg.changes).toEqual(['+I[a, 2]', '+I[a, 1]']);
    endQueue('ttl');
    await agg.done;
  });

  it('forgets join rows after the TTL', async () => {
    await session.execute("SET 'table.exec.state.ttl' = '10 s'");
    await session.execute("CREATE TABLE l (k STRING) WITH ('connector' = 'test-queue', 'queue' = 'jl')");
    await session.execute("CREATE TABLE r (k STRING, name STRING) WITH ('connector' = 'test-queue', 'queue' = 'jr')");
    const w = watch(await stream('SELECT l.k, r.name FROM l JOIN r ON l.k = r.k'));
    pushRows('jr', [['a', 'ann']]);
    await drained('jr');
    pushRows('jl', [['a']]);
    await until(() => w.changes.length === 1, 'the join');
    clock.advance(11_000);
    await settle();
    pushRows('jl', [['a']]);
    await drained('jl');
    endQueue('jl');
    endQueue('jr');
    await w.done;
    expect(w.changes).toEqual(['+I[a, ann]']); // the right row expired before the second left row came
  });

  it('closes processing-time windows when the clock passes their end', async () => {
    await session.execute("CREATE TABLE q (k STRING, pt AS PROCTIME()) WITH ('connector' = 'test-queue', 'queue' = 'pt')");
    const w = watch(await stream("SELECT k, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE q, DESCRIPTOR(pt), INTERVAL '10' SECOND)) GROUP BY k, window_start, window_end"));
    pushRows('pt', [['a'], ['b'], ['a']]);
    await drained('pt');
    clock.advance(5000);
    await settle();
    pushRows('pt', [['a']]);
    await drained('pt');
    expect(w.changes).toEqual([]);
    clock.advance(5000);
    await until(() => w.changes.length === 2, 'the window to close');
    expect(w.changes.sort()).toEqual(['+I[a, 1704067200000, 3]', '+I[b, 1704067200000, 1]']);
    clock.advance(1000);
    pushRows('pt', [['a']]);
    endQueue('pt');
    await w.done;
    expect(w.changes[2]).toBe('+I[a, 1704067210000, 1]');
  });

  it('sends watermarks every pipeline.auto-watermark-interval of processing time', async () => {
    await session.execute("SET 'pipeline.auto-watermark-interval' = '1 s'");
    await session.execute("CREATE TABLE q (k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'test-queue', 'queue' = 'wm')");
    const w = watch(await stream("SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE q, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end"));
    pushRows('wm', [['a', T0 + 1000]]);
    await drained('wm');
    clock.advance(1000);
    pushRows('wm', [['a', T0 + 20_000]]);
    await until(() => w.changes.length === 1, 'the first window');
    expect(w.changes).toEqual(['+I[1704067200000, 1]']);
    endQueue('wm');
    await w.done;
  });

  it('does not let an idle input hold back the watermark of a union', async () => {
    await session.execute("SET 'table.exec.source.idle-timeout' = '5 s'");
    await session.execute("CREATE TABLE a (ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'test-queue', 'queue' = 'busy')");
    await session.execute("CREATE TABLE b (ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'test-queue', 'queue' = 'quiet')");
    const w = watch(await stream("SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE (SELECT ts FROM a UNION ALL SELECT ts FROM b), DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end"));
    pushRows('quiet', [[T0 + 500]]);
    pushRows('busy', [[T0 + 1000]]);
    pushRows('busy', [[T0 + 30_000]]);
    await drained('busy');
    await drained('quiet');
    expect(w.changes).toEqual([]); // the quiet input's watermark is still 00:00:00.5
    clock.advance(6000);
    await until(() => w.changes.length === 1, 'the quiet input to go idle');
    expect(w.changes).toEqual(['+I[1704067200000, 2]']);
    endQueue('busy');
    endQueue('quiet');
    await w.done;
  });

  it('counts late rows and says so when the query ends', async () => {
    await session.execute("CREATE TABLE q (ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'test-queue', 'queue' = 'late')");
    const r = await stream("SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE q, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end");
    const w = watch(r);
    pushRows('late', [[T0 + 15_000]]);
    pushRows('late', [[T0 + 1000], [T0 + 2000]]);
    endQueue('late');
    await w.done;
    expect(w.changes).toEqual(['+I[1704067210000, 1]']);
    expect(r.warnings).toEqual(['dropped 2 late row(s) that arrived after the watermark had passed their window (2 in WindowAggregate)']);
  });

  it('stops when its consumer cancels', async () => {
    await session.execute("CREATE TABLE q (k STRING) WITH ('connector' = 'test-queue', 'queue' = 'cancel')");
    const r = await stream('SELECT k FROM q');
    const w = watch(r);
    pushRows('cancel', [['a']]);
    await until(() => w.changes.length === 1, 'a row');
    r.cancel();
    await w.done; // the iterator ends
    expect(w.changes).toEqual(['+I[a]']);
  });
});

describe('background jobs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'freshet-jobs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs INSERT as a job: SHOW JOBS lists it, STOP JOB commits what it wrote', async () => {
    await session.execute("CREATE TABLE q (k STRING, v INT) WITH ('connector' = 'test-queue', 'queue' = 'job')");
    await session.execute(`CREATE TABLE out (k STRING, v INT) WITH ('connector' = 'filesystem', 'path' = '${dir}/out', 'format' = 'csv')`);
    await session.execute("SET 'pipeline.name' = 'copy'");
    const r = await session.execute('INSERT INTO out SELECT k, v FROM q');
    expect(r.kind).toBe('ok');
    const id = r.kind === 'ok' ? r.jobId! : '';
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(r.warnings[0]).toContain('execution.checkpointing.interval is not set');
    pushRows('job', [['a', 1], ['b', 2]]);
    await drained('job');
    const jobs = await session.execute('SHOW JOBS');
    expect(jobs.kind === 'rows' && jobs.rows.map((row) => row.slice(0, 3))).toEqual([[id, 'copy', 'RUNNING']]);
    const stopped = await session.execute(`STOP JOB '${id}'`);
    expect(stopped.kind === 'ok' && stopped.message).toBe(`job ${id} stopped; what it wrote is committed`);
    const after = await session.execute('SHOW JOBS');
    expect(after.kind === 'rows' && after.rows[0]![2]).toBe('STOPPED');
    await session.execute("SET 'execution.runtime-mode' = 'batch'");
    const rows = await session.execute('SELECT k, v FROM out');
    expect(rows.kind === 'rows' && rows.rows.sort()).toEqual([['a', 1], ['b', 2]]);
    await expect(session.execute(`STOP JOB '${id}'`)).rejects.toThrow(`job '${id}' is not running (STOPPED)`);
  });

  it('commits files at every checkpoint while the job runs', async () => {
    await session.execute("SET 'execution.checkpointing.interval' = '100 ms'");
    await session.execute("CREATE TABLE q (k STRING) WITH ('connector' = 'test-queue', 'queue' = 'ckpt')");
    await session.execute(`CREATE TABLE out (k STRING) WITH ('connector' = 'filesystem', 'path' = '${dir}/out', 'format' = 'csv')`);
    const r = await session.execute('INSERT INTO out SELECT k FROM q');
    pushRows('ckpt', [['a']]);
    await until(() => readdirSync(join(dir, 'out')).some((f) => !f.startsWith('.')), 'a committed file');
    endQueue('ckpt');
    const job = engine.jobs.get(r.kind === 'ok' ? r.jobId! : '');
    await job.job.done;
    expect(job.job.status).toBe('FINISHED');
  });

  it('waits for the job with table.dml-sync and reports the rows written', async () => {
    await session.execute("SET 'table.dml-sync' = 'true'");
    await session.execute("CREATE TABLE q (k STRING) WITH ('connector' = 'test-queue', 'queue' = 'sync')");
    await session.execute(`CREATE TABLE out (k STRING) WITH ('connector' = 'filesystem', 'path' = '${dir}/out', 'format' = 'csv')`);
    pushRows('sync', [['a'], ['b'], ['c']]);
    endQueue('sync');
    const r = await session.execute('INSERT INTO out SELECT k FROM q');
    expect(r.kind === 'ok' && r.message).toBe('3 rows inserted into default_catalog.default_database.out');
  });

  it('fails the job with the error when an operator fails, and says so in SHOW JOBS', async () => {
    await session.execute("CREATE TABLE q (v INT) WITH ('connector' = 'test-queue', 'queue' = 'fail')");
    await session.execute("CREATE TABLE out (v INT) WITH ('connector' = 'blackhole')");
    const r = await session.execute('INSERT INTO out SELECT 10 / v FROM q');
    pushRows('fail', [[2], [0]]);
    const job = engine.jobs.get(r.kind === 'ok' ? r.jobId! : '');
    await expect(job.job.done).rejects.toThrow('division by zero');
    expect(job.job.status).toBe('FAILED');
  });
});
