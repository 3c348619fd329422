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
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import './queue-connector.ts';
import type { Engine } from '../../src/session/engine.ts';
import type { Session } from '../../src/session/session.ts';
import { ManualClock } from '../../src/exec/operator.ts';
import { T0, TestJob, openSession, planQuery, type Step } from './checkpoint-harness.ts';
import { drained, pushRows, resetQueues } from './queue-connector.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { Warehouse, plain, rows, sessions, showJobs, until } from './job-kit.ts';
import { seededRandom } from '../support/seeded-random.ts';
import { applyPipelineDelta, type PipelineSnapshot } from '../../src/exec/build.ts';

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

describe('incremental checkpoints across TTL compaction', () => {
  /**
   * Many keys, then mostly a few hot ones while time moves on: cold keys expire, are removed by the
   * sweep or at a checkpoint, and the sweep compacts the key spaces and row stores (renumbering the
   * live keys) between checkpoints; now and then a burst of new keys grows them again. A delta
   * written after a compaction would patch the base's slots with the moved keys' state: the restored
   * job then differs.
   */
  type Rows = { table: string; rows: unknown[][] };
  function input(seed: number, n: number, rowOf: (key: number, v: number) => Rows): Step[] {
    const r = seededRandom(seed);
    const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
    // one step with a row for each key (the same value: rowOf sends them to the same table)
    const rowsFor = (keys: number[], v: number): Rows => ({ table: rowOf(0, v).table, rows: keys.flatMap((k) => rowOf(k, v).rows) });
    const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);
    const out: Step[] = [rowsFor(range(0, 300), 0), rowsFor(range(0, 300), 1)];
    for (let i = 2; i < n; i++) {
      const x = r();
      // hot keys are spread over the first keys' slots, so a compaction moves them
      if (x < 0.45) out.push(rowsFor(Array.from({ length: int(1, 8) }, () => (r() < 0.8 ? int(0, 29) * 10 + 5 : int(0, 599))), i));
      else if (x < 0.6) out.push(rowsFor(range(int(0, 400), int(100, 200)), i));
      else out.push({ advance: int(1000, 12_000) });
    }
    return out;
  }

  const cases: Array<{ name: string; sql: string; row: (k: number, v: number) => Rows; first?: number; again?: (k: number) => Rows }> = [
    { name: 'group aggregate', sql: 'SELECT u, COUNT(*), SUM(v) FROM pt GROUP BY u', row: (k: number, v: number): Rows => ({ table: 'pt', rows: [[k, v]] }) },
    {
      name: 'deduplication keeping the last row by processing time (rows kept per key)',
      sql: 'SELECT u, v FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY u ORDER BY p DESC) AS rn FROM pt) WHERE rn = 1',
      row: (k: number, v: number): Rows => ({ table: 'pt', rows: [[k, v]] }),
    },
    {
      name: 'left join (both sides expire and compact)',
      sql: 'SELECT a.k, a.v, b.name FROM ch a LEFT JOIN ch2 b ON a.k = b.k',
      // odd values go to the right side, so both sides hold rows of the same keys
      row: (k: number, v: number): Rows => (v % 2 === 0 ? { table: 'ch', rows: [['+I', k, 'x', v]] } : { table: 'ch2', rows: [['+I', k, `n${v}`]] }),
      // the schedule below: the right side's rows first, then updated (the keys keep their slots)
      first: 1,
      again: (k: number): Rows => ({ table: 'ch2', rows: [['-U', k, 'n1'], ['+U', k, 'n2']] }),
    },
  ];

  /**
   * Runs `steps` with a checkpoint (a full base first, then as the driver decides) after each step
   * in `cuts`, restarting from the chain (base + deltas) after the last one.
   */
  async function checkpointed(sql: string, steps: Step[], cuts: number[], restarts: (i: number) => boolean): Promise<{ out: string[]; forcedBases: number; deltas: number }> {
    const out: string[] = [];
    let forcedBases = 0;
    let deltas = 0;
    let j = job(sql);
    let chain: PipelineSnapshot | null = null;
    let at = 0;
    for (let i = 0; i < cuts.length; i++) {
      await j.run(steps.slice(at, cuts[i]!));
      at = cuts[i]!;
      // as the driver: a delta unless this is the first checkpoint or state was compacted since the last
      const compacted = j.state.compactedSinceCheckpoint();
      const snap = j.checkpoint(chain === null);
      if (chain !== null && compacted) forcedBases++;
      if (!j.wroteBase) deltas++;
      chain = chain === null ? snap : applyPipelineDelta(chain, snap);
      if (i === cuts.length - 1 || restarts(i)) {
        // a crash: the query planned again, restored from the chain
        out.push(...j.out);
        const next = job(sql, j.clock.now());
        next.restore(deserialize(serialize(chain)) as PipelineSnapshot);
        // keys removed at the checkpoint (expired) are removals in its delta: none comes back
        expect(next.state.entries()).toBe(j.state.entries());
        j = next;
      }
    }
    await j.run(steps.slice(at));
    out.push(...j.out);
    return { out, forcedBases, deltas };
  }

  /**
   * Keys 0..199 at T0, keys 1..100 written again at T0+5s (the join updates its right side's rows), a
   * checkpoint; the sweep just after T0+10s removes key 0 and keys 101..199 and compacts: keys 1..100
   * (and their rows) move down one slot, though none was written since the checkpoint (so a delta would
   * not say they moved). The checkpoint after it, the crash, then keys 1..100 again: the restored job
   * must find each key's state.
   */
  for (const c of cases) {
    const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    const rowsFor = (keys: number[], v: number): Step => ({ table: c.row(0, v).table, rows: keys.flatMap((k) => c.row(k, v).rows) });
    /** Keys 1..100 written again (the join updates its right side's rows: the keys keep their slots). */
    const writeAgain = (): Step => {
      const again = c.again;
      return again === undefined ? rowsFor(range(1, 100), 2) : { table: again(0).table, rows: range(1, 100).flatMap((k) => again(k).rows) };
    };
    // the later rows found the state kept across the compaction (updates of the keys; joined rows)
    const found = c.again === undefined ? (l: string): boolean => l.startsWith('+U') : (l: string): boolean => l.includes('"n2"');

    it(`${c.name}: the checkpoint after a compaction by the sweep is a full base, and the job resumed from it goes on as the uninterrupted one`, async () => {
      const steps: Step[] = [
        rowsFor(range(0, 199), c.first ?? 0),
        { advance: 5000 },
        writeAgain(),
        // checkpoint: a base
        { advance: 5001 },
        rowsFor([150], 4),
        // checkpoint: after the compaction
        rowsFor(range(1, 100), 3),
        { advance: 1000 },
        rowsFor(range(1, 100), 5),
        rowsFor(range(1, 100), 6),
      ];
      const whole = await uninterrupted(c.sql, steps);
      const split = await checkpointed(c.sql, steps, [3, 5], () => true);
      expect(split.forcedBases).toBe(1);
      expect(split.out).toEqual(whole);
      expect(whole.filter(found).length).toBeGreaterThanOrEqual(100);
    });

    it(`${c.name}: keys that expired before the sweep are removals in the delta, not compacted there; the next checkpoint after the sweep compacted is a base`, async () => {
      // key 500 at T0 starts the sweeps (T0+5s, +10s, +15s); keys 0..199 at T0+1s expire at T0+11s,
      // between two sweeps: the checkpoint at T0+12.5s removes them (a delta), the sweep at T0+15s compacts
      const steps: Step[] = [
        rowsFor([500], c.first ?? 0),
        { advance: 1000 },
        rowsFor(range(0, 199), c.first ?? 0),
        { advance: 4000 },
        writeAgain(),
        // checkpoint (T0+5s): a base
        { advance: 5000 },
        { advance: 2500 },
        // checkpoint (T0+12.5s): a delta that removes keys 0 and 101..199
        rowsFor(range(1, 100), 3),
        { advance: 2500 },
        // checkpoint (T0+15s): the sweep compacted, a base
        rowsFor(range(1, 100), 5),
        rowsFor(range(1, 100), 6),
      ];
      const whole = await uninterrupted(c.sql, steps);
      const split = await checkpointed(c.sql, steps, [5, 7, 9], () => true);
      expect(split.deltas).toBe(1);
      expect(split.forcedBases).toBe(1);
      expect(split.out).toEqual(whole);
      expect(whole.filter(found).length).toBeGreaterThanOrEqual(100);
    });
  }

  for (const c of cases) {
    it(`${c.name}: a crash after a compaction between checkpoints resumes to the uninterrupted output`, async () => {
      const STEPS = 50;
      let forcedBases = 0;
      let deltas = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 1_000_000 }),
          fc.uniqueArray(fc.integer({ min: 1, max: STEPS - 1 }), { minLength: 3, maxLength: 8 }),
          fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
          async (seed, cutList, restarts) => {
            const steps = input(seed, STEPS, c.row);
            const whole = await uninterrupted(c.sql, steps);
            const r = await checkpointed(c.sql, steps, cutList.sort((a, b) => a - b), (i) => restarts[i]!);
            forcedBases += r.forcedBases;
            deltas += r.deltas;
            expect(r.out).toEqual(whole);
            return true;
          },
        ),
        { seed: 20240103, numRuns: 10 },
      );
      // the runs did what they are for: compactions forced full bases, and deltas were written
      expect(forcedBases).toBeGreaterThan(0);
      expect(deltas).toBeGreaterThan(0);
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
  it('incremental checkpoints: the checkpoint after a compaction by the sweep is a base; a crash after a delta on it resumes to the uninterrupted result (keys moved by the compaction, not written since, keep their state)', async () => {
    const clock = new ManualClock(T0);
    const e = await wh.open(clock);
    const { batch, streaming } = sessions(e);
    await batch.execute("CREATE TABLE ev (u INT, v INT) WITH ('connector' = 'test-queue', 'queue' = 'ev')");
    await batch.execute('CREATE TABLE counts (u INT, n BIGINT, s BIGINT, PRIMARY KEY (u) NOT ENFORCED)');
    for (const [k, v] of Object.entries({ 'execution.checkpointing.interval': '1 h', 'table.exec.state.ttl': '10 s', 'execution.checkpointing.incremental': 'true' })) await streaming.execute(`SET '${k}' = '${v}'`);
    const r = await streaming.execute('INSERT INTO counts SELECT u, COUNT(*), SUM(v) FROM ev GROUP BY u');
    const id = r.kind === 'ok' ? r.jobId! : '';
    const job = e.jobs.get(id).job;
    const push = async (keys: number[], v: number): Promise<void> => {
      pushRows('ev', keys.map((k) => [k, v]));
      await drained('ev');
    };
    const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    const shared = (): string[] => readdirSync(join(wh.jobDir(id), 'shared')).map((f) => f.replace(/-[0-9a-f]+$/, '')).sort();
    // keys 0..199 at T0 (the sweeps run every 5 s from here), keys 1..100 again at T0+5s: a base
    await push(range(0, 199), 1);
    clock.advance(5000);
    job.fireTimers();
    await push(range(1, 100), 2);
    await job.checkpoint();
    expect(shared()).toEqual(['1-base']);
    // the sweep just after T0+10s removes key 0 and keys 101..199 and compacts: keys 1..100 move down a slot
    clock.advance(5001);
    job.fireTimers();
    await push([150], 4);
    await job.checkpoint();
    expect(shared()).toEqual(['2-base']);
    // a delta on it (two keys), then a crash: the job resumes from the base and the delta
    await push([7, 150], 3);
    await job.checkpoint();
    expect(shared()).toEqual(['2-base', '3-delta']);
    // read by the job, not checkpointed: read again after the crash
    await push(range(1, 100), 5);
    await e.jobs.abandonAll();
    const e2 = await wh.open(clock);
    const resumed = e2.jobs.get(id).job;
    await until(() => resumed.status === 'RUNNING', 'the resumed job');
    await drained('ev');
    await push(range(1, 100), 6);
    await resumed.checkpoint();
    // uninterrupted: keys 1..100 counted 4 times (1 + 2 + 5 + 6; key 7 also 3), key 150 started over
    // after it expired, the other keys expired (their last result stays in the table: no retraction)
    const want = range(0, 199).map((k) => (k === 7 ? [k, 5, 17] : k >= 1 && k <= 100 ? [k, 4, 14] : k === 150 ? [k, 2, 7] : [k, 1, 1]));
    const got = plain(await rows(sessions(e2).batch, 'SELECT u, n, s FROM counts')).sort((a, b) => (a[0] as number) - (b[0] as number));
    expect(got).toEqual(want);
  });
});
