/**
 * State TTL across checkpoints. Expired state is gone the moment it expires, whether or not the sweep
 * (a processing-time timer every half TTL) has removed it: a snapshot leaves expired keys out, a
 * restored job behaves as if it had never seen them, and that is exactly what an uninterrupted job
 * does too (the schedules below put a row for an expired key before the sweep that would remove it, so
 * a job that read unswept state would differ). Key spaces and row stores are compacted once mostly
 * free, so memory (allocated slots) and checkpoint bytes drop after keys expire; the last test checks
 * the bytes SHOW JOBS reports for a durable job under a manual clock, and that the job resumed from
 * that checkpoint starts expired keys over.
 */
import { serialize } from 'node:v8';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import './queue-connector.ts';
import type { Engine } from '../../src/session/engine.ts';
import type { Session } from '../../src/session/session.ts';
import { ManualClock } from '../../src/exec/operator.ts';
import { T0, TestJob, openSession, planQuery, type Step } from './checkpoint-harness.ts';
import { drained, pushRows, resetQueues } from './queue-connector.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { Warehouse, plain, rows, sessions, showJobs, until } from './job-kit.ts';

const DDL = [
  "CREATE TABLE pt (u INT, v INT, p AS PROCTIME()) WITH ('connector' = 'test-queue', 'queue' = 'pt')",
  "CREATE TABLE ch (k INT, g STRING, v INT) WITH ('connector' = 'test-queue', 'queue' = 'ch', 'changelog' = 'true')",
  "CREATE TABLE ch2 (k INT, name STRING) WITH ('connector' = 'test-queue', 'queue' = 'ch2', 'changelog' = 'true')",
];

const TTL = 10_000;

let engine: Engine;
let session: Session;

beforeAll(async () => {
  ({ engine, session } = await openSession(DDL));
});

afterAll(async () => {
  await engine.close();
});

function job(sql: string, now = T0): TestJob {
  const p = planQuery(session, sql);
  return new TestJob(p.plan, p.updating, now, { ttl: TTL });
}

async function uninterrupted(sql: string, steps: Step[]): Promise<string[]> {
  const j = job(sql);
  await j.run(steps);
  return j.out;
}

/** Runs steps[0, cut), snapshots, restores into the query planned again, runs the rest. */
async function interrupted(sql: string, steps: Step[], cut: number): Promise<{ out: string[]; bytes: number }> {
  const first = job(sql);
  await first.run(steps.slice(0, cut));
  const saved = first.snapshot();
  const second = job(sql, first.clock.now());
  second.restore(saved);
  await second.run(steps.slice(cut));
  return { out: [...first.out, ...second.out], bytes: serialize(saved).length };
}

/**
 * Key 9 is written at T0+2s and expires at T0+12s; the sweeps run at T0+5s, +10s, +15s (every half
 * TTL from the first row at T0), so at T0+13s it has expired but is not swept yet. The cut (step 6) is
 * there; step 7 writes key 9 again.
 */
function schedule(row: (key: number, n: number) => { table: string; rows: unknown[][] }): Step[] {
  return [
    row(1, 0),            // T0: starts the sweeps
    { advance: 2000 },
    row(9, 1),            // T0+2s
    { advance: 3000 },    // T0+5s: sweep, nothing expired
    { advance: 5000 },    // T0+10s: sweep, key 1 expired
    { advance: 3000 },    // T0+13s: key 9 expired, not swept
    row(9, 2),            // key 9 again: it starts over
    { advance: 1000 },
    row(1, 3),
  ];
}

const CASES = [
  {
    name: 'group aggregate',
    sql: 'SELECT u, COUNT(*), SUM(v) FROM pt GROUP BY u',
    row: (key: number, n: number) => ({ table: 'pt', rows: [[key, n]] }),
    again: '+I[9,1,2]',
    stale: '+U[9,2,3]',
  },
  {
    name: 'deduplication (first row by processing time)',
    sql: 'SELECT u, v FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY u ORDER BY p) AS rn FROM pt) WHERE rn = 1',
    row: (key: number, n: number) => ({ table: 'pt', rows: [[key, n]] }),
    again: '+I[9,2]',
    stale: undefined,
  },
  {
    name: 'regular join',
    sql: 'SELECT a.k, a.v, b.name FROM ch a JOIN ch2 b ON a.k = b.k',
    // the right side's row for the key is written once, at T0+2s (key 9); left rows arrive later
    row: (key: number, n: number) => (n === 2 ? { table: 'ch', rows: [['+I', key, 'x', n]] } : { table: 'ch2', rows: [['+I', key, `n${key}`]] }),
    again: undefined,
    stale: '+I[9,2,"n9"]',
  },
];

describe('expired state is gone at once, and not saved', () => {
  for (const c of CASES) {
    it(`${c.name}: a restored job and an uninterrupted one both start an expired key over`, async () => {
      const steps = schedule(c.row);
      const whole = await uninterrupted(c.sql, steps);
      const split = await interrupted(c.sql, steps, 6);
      expect(split.out).toEqual(whole);
      if (c.again !== undefined) expect(whole).toContain(c.again);
      if (c.stale !== undefined) expect(whole).not.toContain(c.stale);
    });
  }

  it('a snapshot leaves expired keys out and a compacted key space is small again: fewer bytes, less memory', async () => {
    const sql = 'SELECT u, COUNT(*), SUM(v) FROM pt GROUP BY u';
    const j = job(sql);
    const many = Array.from({ length: 5000 }, (_, i) => [i, i]);
    await j.run([{ table: 'pt', rows: many }]);
    const full = serialize(j.snapshot()).length;
    const allocatedFull = j.state.allocated();
    expect(j.state.entries()).toBe(5000);
    // the clock moves past the TTL without the sweep running: the snapshot itself removes the keys
    j.clock.advance(TTL + 1);
    await j.run([]);
    const afterExpiry = serialize(j.snapshot()).length;
    expect(j.state.entries()).toBe(0);
    expect(afterExpiry).toBeLessThan(full / 20);
    expect(j.state.allocated()).toBeLessThan(allocatedFull / 20);
    // new keys after the expiry: state is sized by them, not by the peak
    await j.run([{ table: 'pt', rows: [[100_001, 1], [100_002, 2]] }]);
    expect(serialize(j.snapshot()).length).toBeLessThan(full / 20);
  });

  it('the sweep compacts too: a join side that expired shrinks between checkpoints', async () => {
    const sql = 'SELECT a.k, a.v, b.name FROM ch a JOIN ch2 b ON a.k = b.k';
    const j = job(sql);
    await j.run([{ table: 'ch2', rows: Array.from({ length: 3000 }, (_, i) => ['+I', i, `n${i}`]) }]);
    const full = serialize(j.snapshot()).length;
    const allocatedFull = j.state.allocated();
    // a tenth of the keys (multiples of 10) is updated at T0+9s; the sweep at T0+15s removes the rest
    const updates = Array.from({ length: 300 }, (_, i) => [['-U', i * 10, `n${i * 10}`], ['+U', i * 10, `m${i * 10}`]]).flat();
    await j.run([{ advance: 9000 }, { table: 'ch2', rows: updates }, { advance: 6000 }]);
    expect(j.state.entries()).toBe(600); // 300 rows and their 300 keys
    expect(j.state.allocated()).toBeLessThan(allocatedFull / 3);
    const after = serialize(j.snapshot()).length;
    expect(after).toBeLessThan(full / 3);
    // the rows written again still join, the others are gone
    await j.run([{ table: 'ch', rows: [['+I', 50, 'x', 1], ['+I', 2999, 'x', 2], ['+I', 5, 'x', 3], ['+I', 2990, 'x', 4]] }]);
    expect(j.out.slice(-2)).toEqual(['+I[50,1,"m50"]', '+I[2990,4,"m2990"]']);
  });
});

describe('compaction keeps the live state intact', () => {
  /** Lines of the keys that stay live (multiples of 10: spread over the key space, so compaction moves them). */
  const live = (out: string[]): string[] => out.filter((l) => l.startsWith('+') || l.startsWith('-')).filter((l) => (JSON.parse(l.slice(2)) as number[])[0]! % 10 === 0);

  /**
   * Keys 0..n-1 at T0, the multiples of 10 again at T0+9s, the sweep at T0+15s removes the others (the
   * key space compacts, moving the live keys), then changes to the live keys.
   */
  function steps(n: number, first: (k: number) => unknown[][], again: (k: number) => unknown[][], later: (k: number) => unknown[][], table: string): Step[] {
    const keys = Array.from({ length: n }, (_, k) => k);
    const tens = keys.filter((k) => k % 10 === 0);
    return [
      { table, rows: keys.flatMap(first) },
      { advance: 9000 },
      { table, rows: tens.flatMap(again) },
      { advance: 6000 },
      { table, rows: tens.flatMap(later) },
      { advance: 1000 },
      { table, rows: tens.flatMap(again) },
    ];
  }

  const cases = [
    {
      name: 'group aggregate (COUNT, SUM, AVG, MIN, MAX, COUNT DISTINCT, LISTAGG, STDDEV, BOOL_OR) over a changelog',
      sql: 'SELECT k, COUNT(*), SUM(v), AVG(v), MIN(v), MAX(v), COUNT(DISTINCT v), LISTAGG(g), STDDEV_POP(v), BOOL_OR(v > 3) FROM ch GROUP BY k',
      table: 'ch',
      first: (k: number) => [['+I', k, 'a', k % 7], ['+I', k, 'b', k % 5]],
      again: (k: number) => [['+I', k, 'c', 1]],
      later: (k: number) => [['-U', k, 'a', k % 7], ['+U', k, 'a', 9], ['-D', k, 'b', k % 5]],
    },
    {
      name: 'deduplication keeping the last row by processing time (rows kept per key)',
      sql: 'SELECT u, v FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY u ORDER BY p DESC) AS rn FROM pt) WHERE rn = 1',
      table: 'pt',
      first: (k: number) => [[k, k]],
      again: (k: number) => [[k, k + 1]],
      later: (k: number) => [[k, k + 2]],
    },
  ];

  const joins = [
    {
      name: 'left join (matches counted per row, padded rows coming back)',
      sql: 'SELECT a.k, a.v, b.name FROM ch a LEFT JOIN ch2 b ON a.k = b.k',
      after: (tens: number[]): Step[] => [
        { table: 'ch2', rows: [...tens, 5].map((k) => ['+I', k, `n${k}`]) },
        { advance: 1000 },
        { table: 'ch2', rows: tens.filter((k) => k % 20 === 0).map((k) => ['-D', k, `n${k}`]) },
      ],
    },
    {
      name: 'anti join, null-aware (NOT IN): a value per left row, all of them re-evaluated',
      sql: 'SELECT k, v FROM ch WHERE k NOT IN (SELECT k FROM ch2)',
      after: (tens: number[]): Step[] => [
        { table: 'ch2', rows: [...tens.filter((k) => k % 20 === 0), 5].map((k) => ['+I', k, 'x']) },
        { advance: 1000 },
        { table: 'ch2', rows: [['+I', null, 'x']] },
        { table: 'ch2', rows: [['-D', null, 'x']] },
      ],
    },
  ];

  for (const c of joins) {
    it(c.name, async () => {
      const run = async (keep: (k: number) => boolean): Promise<TestJob> => {
        const keys = Array.from({ length: 1000 }, (_, k) => k);
        const tens = keys.filter((k) => k % 10 === 0);
        const j = job(c.sql);
        await j.run([
          { table: 'ch', rows: keys.filter(keep).map((k) => ['+I', k, 'a', k]) },
          { advance: 9000 },
          { table: 'ch', rows: tens.flatMap((k) => [['-U', k, 'a', k], ['+U', k, 'a', k + 1]]) },
          // some live left rows have a match when the sweep compacts the state
          { table: 'ch2', rows: tens.filter((k) => k % 30 === 0).map((k) => ['+I', k, 'p']) },
          { advance: 6000 },
          ...c.after(tens),
        ]);
        return j;
      };
      const big = await run(() => true);
      expect(big.state.allocated()).toBeLessThan(2000);
      const small = await run((k) => k % 10 === 0);
      expect(live(big.out).length).toBeGreaterThan(300);
      expect(live(big.out)).toEqual(live(small.out));
    });
  }

  for (const c of cases) {
    it(c.name, async () => {
      const big = job(c.sql);
      await big.run(steps(1000, c.first, c.again, c.later, c.table));
      // the key space was compacted: it holds the 100 live keys, not the 1000 of the peak
      expect(big.state.allocated()).toBeLessThan(1000);
      // the same changes to only the keys that stay live: nothing expires, nothing is compacted
      const small = job(c.sql);
      await small.run(steps(1000, (k) => (k % 10 === 0 ? c.first(k) : []), c.again, c.later, c.table));
      expect(live(big.out).length).toBeGreaterThan(300);
      expect(live(big.out)).toEqual(live(small.out));
    });
  }
});

describe('checkpoints of a durable job after keys expire', () => {
  let wh: Warehouse;

  beforeEach(() => {
    resetQueues();
    wh = new Warehouse(tempDir('freshet-ttl-'));
  });

  afterEach(async () => {
    await wh.closeAll();
  });

  it('SHOW JOBS reports fewer checkpoint bytes; the resumed job starts expired keys over', async () => {
    const clock = new ManualClock(T0);
    const e = await wh.open(clock);
    const { batch, streaming } = sessions(e);
    await batch.execute("CREATE TABLE ev (u INT, v INT) WITH ('connector' = 'test-queue', 'queue' = 'ev')");
    await batch.execute('CREATE TABLE counts (u INT, n BIGINT, s BIGINT, PRIMARY KEY (u) NOT ENFORCED)');
    for (const [k, v] of Object.entries({ 'execution.checkpointing.interval': '1 h', 'table.exec.state.ttl': '1 min' })) await streaming.execute(`SET '${k}' = '${v}'`);
    const r = await streaming.execute('INSERT INTO counts SELECT u, COUNT(*), SUM(v) FROM ev GROUP BY u');
    const id = r.kind === 'ok' ? r.jobId! : '';
    const job = e.jobs.get(id).job;
    pushRows('ev', Array.from({ length: 4000 }, (_, i) => [i, 1]));
    await drained('ev');
    await job.checkpoint();
    const before = (await showJobs(e))[0]!['last checkpoint bytes'] as number;
    clock.advance(60_000);
    // key 7 is written again just after the expiry: it starts over
    pushRows('ev', [[7, 5]]);
    await drained('ev');
    await job.checkpoint();
    const after = (await showJobs(e))[0]!['last checkpoint bytes'] as number;
    expect(after).toBeLessThan(before / 20);
    expect(plain(await rows(batch, 'SELECT n, s FROM counts WHERE u = 7'))).toEqual([[1, 5]]);
    // a crash, and the job resumes from the small checkpoint: key 3 expired long ago, key 7 did not
    await e.jobs.abandonAll();
    const e2 = await wh.open(clock);
    const resumed = e2.jobs.get(id).job;
    await until(() => resumed.status === 'RUNNING', 'the resumed job');
    pushRows('ev', [[3, 10], [7, 10]]);
    await drained('ev');
    await resumed.checkpoint();
    expect(plain(await rows(sessions(e2).batch, 'SELECT u, n, s FROM counts WHERE u IN (3, 7, 8)'))).toEqual([[3, 1, 10], [7, 2, 15], [8, 1, 1]]);
  });
});
