/**
 * Restart strategies. A job with checkpoints (orders joined with customers, totals into a table-store
 * table, see job-kit.ts) fails on purpose: its source throws (failReads), a commit fails (a fault
 * point), an operator divides by zero. The engine's clock is a ManualClock, so the back-off is checked
 * by the time the restart waits for, and the restart happens when the test moves the clock past it.
 * Proven: restarts wait the configured delays (fixed, exponential with its cap and reset); while
 * waiting SHOW JOBS says RESTARTING with the restart count and the cause, and so does the record in the
 * warehouse; the restarted job continues from its latest complete checkpoint under the same id and
 * commit user, so the table ends equal to the oracle (nothing lost or committed twice); when the
 * attempts are exhausted the job is FAILED with the cause, in SHOW JOBS and in its record. Also the
 * policy on its own (RestartPolicy), STOP JOB of a restarting job, suspending it (as a materialized table
 * does: not restarted), and closing the engine meanwhile.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/exec/operator.ts';
import type { Engine } from '../../src/session/engine.ts';
import { statusOf } from '../../src/session/jobs.ts';
import { RestartPolicy, restartConfigOf, type RestartConfig } from '../../src/session/restart-strategy.ts';
import { SessionOptions } from '../../src/session/options.ts';
import { setFaultHandler } from '../../src/store/fault-points.ts';
import { drained, failReads, pushRows, resetQueues } from './queue-connector.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { seededRandom } from '../support/seeded-random.ts';
import { TOTALS, Warehouse, endInput, expected, orderBatch, plain, pushOrders, rows, sessions, showJobs, startJob, until } from './job-kit.ts';

const T0 = Date.UTC(2024, 0, 1, 12);
let wh: Warehouse;

beforeEach(() => {
  resetQueues();
  wh = new Warehouse(tempDir('freshet-restart-'));
});

afterEach(async () => {
  setFaultHandler(null);
  await wh.closeAll();
});

async function openManual(): Promise<{ e: Engine; clock: ManualClock }> {
  const e = await wh.open();
  const clock = new ManualClock(T0);
  e.clock = clock;
  return { e, clock };
}

function record(id: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(wh.jobDir(id), 'job.json'), 'utf8')) as Record<string, unknown>;
}

async function jobRow(e: Engine, id: string): Promise<Record<string, unknown>> {
  return (await showJobs(e)).find((j) => j['job id'] === id)!;
}

/** Waits until job `id` waits for its `n`-th restart; returns the time the restart is due. */
async function restarting(e: Engine, clock: ManualClock, id: string, n: number): Promise<number> {
  const entry = e.jobs.get(id);
  await until(() => statusOf(entry) === 'RESTARTING' && entry.restarts === n && record(id)['status'] === 'RESTARTING', `restart ${n} of job ${id}`);
  // the only sleeper on the clock is the restart's back-off
  expect(clock.sleeping).toEqual([entry.restarting!.at]);
  return entry.restarting!.at;
}

async function running(e: Engine, id: string): Promise<void> {
  const entry = e.jobs.get(id);
  await until(() => statusOf(entry) === 'RUNNING', `job ${id} to run again`);
}

const FIXED = { 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': '3', 'restart-strategy.fixed-delay.delay': '10 s' };

describe('a failed job with checkpoints is restarted from its latest checkpoint', () => {
  it('fixed-delay: each restart waits the delay; the table ends at the oracle, every row committed once', async () => {
    const { e, clock } = await openManual();
    const { id, s } = await startJob(e, FIXED);
    const entry = e.jobs.get(id);
    const first = entry.job;
    await pushOrders(0, 3);
    await first.checkpoint();
    await pushOrders(3, 5); // read, not checkpointed: read again after the restart
    failReads('orders', 2, 'the order queue broke');
    pushRows('orders', orderBatch(5));

    const due = await restarting(e, clock, id, 1);
    expect(due).toBe(T0 + 10_000);
    const row = await jobRow(e, id);
    expect([row['status'], row['restarts'], row['last failure'], row['message']]).toEqual(['RESTARTING', 1, 'the order queue broke', null]);
    expect(record(id)).toMatchObject({ status: 'RESTARTING', restarts: 1, lastFailure: 'the order queue broke' });
    // what the failed run committed: the checkpoint only
    expect(plain(await rows(s.batch, TOTALS))).toEqual(expected(3));

    clock.advance(9_999);
    expect(statusOf(entry)).toBe('RESTARTING');
    clock.advance(1);
    // the restarted run fails again at once (the queue's second failure), and waits 10 s more
    expect(await restarting(e, clock, id, 2)).toBe(T0 + 20_000);
    clock.advance(10_000);
    await running(e, id);
    expect(entry.job).not.toBe(first);
    expect(entry.job.commitUser).toBe(first.commitUser);
    expect(entry.job.checkpointStats.lastId).toBe(1);
    await until(() => record(id)['status'] === 'RUNNING', 'the record to say RUNNING');
    expect(record(id)['restarts']).toBe(2);

    await pushOrders(6, 8);
    await entry.job.checkpoint();
    expect(plain(await rows(s.batch, TOTALS))).toEqual(expected(8));
    endInput();
    await entry.job.done;
    await entry.recorded;
    expect(statusOf(entry)).toBe('FINISHED');
    expect(plain(await rows(s.batch, TOTALS))).toEqual(expected(8));
    const snaps = plain(await rows(s.batch, "SELECT commit_identifier FROM `totals$snapshots` WHERE commit_kind = 'APPEND'"));
    expect(snaps.map((r) => r[0])).toEqual([...new Set(snaps.map((r) => r[0]))]);
    expect(await jobRow(e, id)).toMatchObject({ status: 'FINISHED', restarts: 2, 'last failure': 'the order queue broke', message: null });
    expect(record(id)).toMatchObject({ status: 'FINISHED', restarts: 2 });
  });

  it('exponential-delay: delays grow by the multiplier up to the cap; exhausted attempts end FAILED with the cause', async () => {
    const { e, clock } = await openManual();
    const { id, s } = await startJob(e, {
      'restart-strategy.type': 'exponential-delay',
      'restart-strategy.exponential-delay.initial-backoff': '1 s',
      'restart-strategy.exponential-delay.backoff-multiplier': '2',
      'restart-strategy.exponential-delay.max-backoff': '3 s',
      'restart-strategy.exponential-delay.jitter-factor': '0',
      'restart-strategy.exponential-delay.attempts-before-reset-backoff': '3',
    });
    const entry = e.jobs.get(id);
    await pushOrders(0, 2);
    await entry.job.checkpoint();
    failReads('orders', 100, 'the order queue is gone');
    pushRows('orders', orderBatch(2));
    let now = T0;
    for (const [n, delay] of [[1, 1000], [2, 2000], [3, 3000]] as const) {
      expect(await restarting(e, clock, id, n)).toBe(now + delay);
      clock.advance(delay);
      now += delay;
    }
    await until(() => statusOf(entry) === 'FAILED' && record(id)['status'] === 'FAILED', 'the job to fail for good');
    await entry.recorded;
    const cause = 'the order queue is gone (not restarted: it was restarted 3 time(s) in a row, as many as restart-strategy.exponential-delay.attempts-before-reset-backoff allows)';
    expect(entry.error).toBe(cause);
    expect(await jobRow(e, id)).toMatchObject({ status: 'FAILED', restarts: 3, 'last failure': 'the order queue is gone', message: cause });
    expect(record(id)).toMatchObject({ status: 'FAILED', error: cause, restarts: 3 });
    expect(clock.sleeping).toEqual([]);
    // what the checkpoint committed stays
    expect(plain(await rows(s.batch, TOTALS))).toEqual(expected(2));
  });

  it('a commit that fails: the restarted job commits the checkpoint exactly once', async () => {
    for (const [point, committed] of [['commit:after-manifest-list', false], ['commit:after-snapshot', true]] as const) {
      resetQueues();
      wh = new Warehouse(tempDir('freshet-restart-'));
      const { e, clock } = await openManual();
      const { id, s } = await startJob(e, { ...FIXED, 'restart-strategy.fixed-delay.delay': '0 ms' });
      const entry = e.jobs.get(id);
      await pushOrders(0, 2);
      await entry.job.checkpoint();
      await pushOrders(2, 4);
      let hits = 0;
      setFaultHandler((p) => {
        if (p !== point || hits++ > 0) return;
        throw new Error(`storage refused the commit at ${p}`);
      });
      await entry.job.checkpoint();
      setFaultHandler(null);
      expect(plain(await rows(s.batch, TOTALS))).toEqual(expected(committed ? 4 : 2));
      await until(() => entry.restarts === 1 && statusOf(entry) === 'RUNNING', 'the restart');
      expect(entry.lastFailure).toBe(`storage refused the commit at ${point}`);
      // checkpoint 2 was complete: the restart committed it (or found it committed)
      expect(entry.job.checkpointStats.lastId).toBe(2);
      expect(plain(await rows(s.batch, TOTALS))).toEqual(expected(4));
      await pushOrders(4, 5);
      endInput();
      await entry.job.done;
      expect(plain(await rows(s.batch, TOTALS))).toEqual(expected(5));
      const snaps = plain(await rows(s.batch, "SELECT commit_identifier FROM `totals$snapshots` WHERE commit_kind = 'APPEND'"));
      expect(snaps.map((r) => r[0])).toEqual([1, 2, 3]);
      expect(clock.sleeping).toEqual([]);
      await wh.closeAll();
    }
  });

  it('an operator that fails every time: restarted until the attempts are used up, then FAILED with the cause', async () => {
    const { e, clock } = await openManual();
    const s = sessions(e);
    await s.batch.execute("CREATE TABLE q (v INT) WITH ('connector' = 'test-queue', 'queue' = 'div')");
    await s.batch.execute('CREATE TABLE out_t (v INT)');
    for (const [k, v] of Object.entries({ ...FIXED, 'restart-strategy.fixed-delay.attempts': '2', 'execution.checkpointing.interval': '1 h' })) await s.streaming.execute(`SET '${k}' = '${v}'`);
    const r = await s.streaming.execute('INSERT INTO out_t SELECT 10 / v FROM q');
    const id = r.kind === 'ok' ? r.jobId! : '';
    pushRows('div', [[2]]);
    await drained('div');
    await e.jobs.get(id).job.checkpoint();
    // every run resumes before this batch, and fails on it
    pushRows('div', [[0]]);
    for (const n of [1, 2]) {
      const due = await restarting(e, clock, id, n);
      clock.set(due);
    }
    const entry = e.jobs.get(id);
    await until(() => statusOf(entry) === 'FAILED', 'the job to fail for good');
    await entry.recorded;
    expect(entry.lastFailure).toMatch(/division by zero/);
    expect(entry.error).toMatch(/division by zero.*\(not restarted: it was restarted 2 time\(s\), as many as restart-strategy.fixed-delay.attempts allows\)$/);
    expect(await jobRow(e, id)).toMatchObject({ status: 'FAILED', restarts: 2, message: entry.error });
    expect(record(id)).toMatchObject({ status: 'FAILED', error: entry.error });
    expect(plain(await rows(s.batch, 'SELECT v FROM out_t'))).toEqual([[5]]);
  });

  it("restart-strategy.type 'none': the job fails at once with its cause", async () => {
    const { e } = await openManual();
    const { id } = await startJob(e, { 'restart-strategy.type': 'none' });
    failReads('orders', 1, 'broken');
    pushRows('orders', orderBatch(0));
    const entry = e.jobs.get(id);
    await until(() => statusOf(entry) === 'FAILED' && record(id)['status'] === 'FAILED', 'the job to fail');
    expect(entry.restarts).toBe(0);
    expect(entry.error).toBe('broken');
    expect(record(id)).toMatchObject({ status: 'FAILED', error: 'broken', restarts: 0 });
  });

  it('the default with checkpoints: exponential-delay from 1 s, within the jitter', async () => {
    const { e, clock } = await openManual();
    const { id } = await startJob(e);
    failReads('orders', 1, 'broken once');
    pushRows('orders', orderBatch(0));
    const due = await restarting(e, clock, id, 1);
    expect(due - T0).toBeGreaterThanOrEqual(900);
    expect(due - T0).toBeLessThanOrEqual(1100);
    clock.set(due);
    await running(e, id);
  });
});

describe('a job waiting for its restart', () => {
  it('STOP JOB restarts it at once and stops it: what it read is committed', async () => {
    const { e, clock } = await openManual();
    const { id, s } = await startJob(e, FIXED);
    await pushOrders(0, 2);
    await e.jobs.get(id).job.checkpoint();
    failReads('orders', 1, 'broken once');
    pushRows('orders', orderBatch(2));
    await restarting(e, clock, id, 1);
    await s.streaming.execute(`STOP JOB '${id}'`);
    const entry = e.jobs.get(id);
    expect(statusOf(entry)).toBe('STOPPED');
    expect(record(id)['status']).toBe('STOPPED');
    expect(clock.sleeping).toEqual([]);
    const total = plain(await rows(s.batch, TOTALS));
    // the restarted run may have read batch 2 again before the stop: either way, committed once
    expect([expected(2), expected(3)]).toContainEqual(total);
  });

  it('suspending it (a materialized table suspends its job) cancels the restart; it keeps its checkpoint and is not resumed at the next open', async () => {
    const { e, clock } = await openManual();
    const { id } = await startJob(e, FIXED);
    await pushOrders(0, 2);
    await e.jobs.get(id).job.checkpoint();
    failReads('orders', 1, 'broken once');
    pushRows('orders', orderBatch(2));
    await restarting(e, clock, id, 1);
    const entry = e.jobs.get(id);
    const failed = entry.job;
    await e.jobs.suspend(id);
    // no restart waits any more, and moving the clock past the delay restarts nothing
    expect(clock.sleeping).toEqual([]);
    clock.advance(60_000);
    await entry.recorded;
    expect(entry.job).toBe(failed);
    expect(statusOf(entry)).toBe('FAILED');
    // the record is the caller's to set (a materialized table saves SUSPENDED); the checkpoint stays
    expect(record(id)['status']).toBe('RESTARTING');
    expect(readdirSync(wh.jobDir(id))).toContain('chk-1');
    await e.jobStore.save({ ...(await e.jobStore.read(id))!, status: 'SUSPENDED' });
    await wh.close(e);
    // a suspended job is not resumed when an engine opens
    const e2 = await wh.open();
    expect(e2.jobs.has(id)).toBe(false);
  });

  it('closing the engine leaves it RESTARTING in the warehouse; the next engine resumes it', async () => {
    const { e, clock } = await openManual();
    const { id } = await startJob(e, FIXED);
    await pushOrders(0, 2);
    await e.jobs.get(id).job.checkpoint();
    failReads('orders', 1, 'broken once');
    pushRows('orders', orderBatch(2));
    await restarting(e, clock, id, 1);
    await wh.close(e);
    expect(record(id)).toMatchObject({ status: 'RESTARTING', restarts: 1 });
    const e2 = await wh.open();
    const entry = e2.jobs.get(id);
    expect(statusOf(entry)).toBe('RUNNING');
    expect(entry.restarts).toBe(1);
    expect(entry.job.checkpointStats.lastId).toBe(1);
    await pushOrders(3, 4);
    endInput();
    await entry.job.done;
    expect(plain(await rows(sessions(e2).batch, TOTALS))).toEqual(expected(4));
  });
});

describe('RestartPolicy', () => {
  const config = (over: Partial<RestartConfig>): RestartConfig => ({ ...restartConfigOf(new SessionOptions()), ...over });

  it('defaults: exponential-delay from 1 s by 1.5 to 1 min, jitter 0.1, 10 attempts', () => {
    expect(restartConfigOf(new SessionOptions())).toEqual({
      type: 'exponential-delay', fixedAttempts: 1, fixedDelay: 1000, initialBackoff: 1000, maxBackoff: 60_000, multiplier: 1.5,
      resetThreshold: 3_600_000, attemptsBeforeReset: 10, jitter: 0.1,
    });
    expect(restartConfigOf(new SessionOptions({ 'restart-strategy.type': 'FixedDelay' })).type).toBe('fixed-delay');
    expect(restartConfigOf(new SessionOptions({ 'restart-strategy.type': 'off' })).type).toBe('none');
  });

  it('fixed-delay counts attempts over the job\'s life', () => {
    const p = new RestartPolicy(config({ type: 'fixed-delay', fixedAttempts: 2, fixedDelay: 5000 }));
    expect(p.onFailure(0)).toEqual({ restart: true, delay: 5000 });
    p.onRestarted(5000);
    expect(p.onFailure(10_000_000)).toEqual({ restart: true, delay: 5000 });
    expect(p.onFailure(20_000_000)).toMatchObject({ restart: false });
  });

  it('exponential-delay grows, caps, resets after a long enough run, and gives up', () => {
    const p = new RestartPolicy(config({ initialBackoff: 1000, multiplier: 2, maxBackoff: 5000, jitter: 0, attemptsBeforeReset: 4, resetThreshold: 60_000 }));
    const delays: number[] = [];
    let t = 0;
    for (let i = 0; i < 4; i++) {
      const d = p.onFailure(t);
      if (!d.restart) throw new Error('gave up too early');
      delays.push(d.delay);
      t += d.delay;
      p.onRestarted(t);
    }
    expect(delays).toEqual([1000, 2000, 4000, 5000]);
    expect(p.onFailure(t + 59_999)).toMatchObject({ restart: false });
    // a run of the reset threshold since the last restart: a fresh start
    const q = new RestartPolicy(config({ initialBackoff: 1000, multiplier: 2, maxBackoff: 5000, jitter: 0, attemptsBeforeReset: 2, resetThreshold: 60_000 }));
    expect(q.onFailure(0)).toEqual({ restart: true, delay: 1000 });
    q.onRestarted(1000);
    expect(q.onFailure(2000)).toEqual({ restart: true, delay: 2000 });
    q.onRestarted(4000);
    expect(q.onFailure(64_000)).toEqual({ restart: true, delay: 1000 });
  });

  it('jitter varies each delay by up to its factor', () => {
    const random = seededRandom(7);
    const p = new RestartPolicy(config({ initialBackoff: 10_000, multiplier: 1, jitter: 0.25, attemptsBeforeReset: 1000 }), random);
    const delays = Array.from({ length: 200 }, () => {
      const d = p.onFailure(0);
      return d.restart ? d.delay : -1;
    });
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(7500);
    expect(Math.max(...delays)).toBeLessThanOrEqual(12_500);
    expect(new Set(delays).size).toBeGreaterThan(50);
  });

  it('none never restarts', () => {
    expect(new RestartPolicy(config({ type: 'none' })).onFailure(0)).toEqual({ restart: false, reason: "restart-strategy.type is 'none'" });
  });
});
