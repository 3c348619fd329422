/**
 * Checkpoint and restore of whole streaming pipelines. For each query (one or more per stateful
 * operator) and many seeded random inputs, the plan runs over the whole input uninterrupted; separately
 * it runs over a prefix, its state is snapshotted (through node:v8 serialize/deserialize), the query is
 * planned and built anew, the state restored, and the rest fed. The two runs must produce exactly the
 * same changelog, watermarks included, in the same order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import './queue-connector.ts';
import type { Engine } from '../../src/session/engine.ts';
import type { Session } from '../../src/session/session.ts';
import { seededRandom } from '../support/seeded-random.ts';
import { deserialize, serialize } from 'node:v8';
import { T0, TestJob, openSession, planQuery, type JobOptions, type Step } from './checkpoint-harness.ts';
import { applyPipelineDelta, type PipelineSnapshot } from '../../src/exec/build.ts';
import type { OperatorSnapshot } from '../../src/exec/stream/checkpointable.ts';
import type { ExecContext } from '../../src/exec/operator.ts';
import { LookupJoinOperator } from '../../src/exec/stream/lookup-join.ts';
import type { LookupFunction } from '../../src/connectors/connector.ts';
import { batchFromRows } from '../../src/types/batch.ts';
import { T } from '../../src/types/data-type.ts';

const DDL = [
  "CREATE TABLE ch (k INT, g STRING, v INT) WITH ('connector' = 'test-queue', 'queue' = 'ch', 'changelog' = 'true')",
  "CREATE TABLE ch2 (k INT, name STRING) WITH ('connector' = 'test-queue', 'queue' = 'ch2', 'changelog' = 'true')",
  "CREATE TABLE ev (id INT, u INT, s STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) WITH ('connector' = 'test-queue', 'queue' = 'ev')",
  "CREATE TABLE ev2 (id INT, u INT, w INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) WITH ('connector' = 'test-queue', 'queue' = 'ev2')",
  "CREATE TABLE rates (cur STRING, rate INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts, PRIMARY KEY (cur) NOT ENFORCED) WITH ('connector' = 'test-queue', 'queue' = 'rates', 'changelog' = 'true')",
  "CREATE TABLE pay (id INT, cur STRING, amount INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'test-queue', 'queue' = 'pay')",
  "CREATE TABLE pt (u INT, v INT, p AS PROCTIME()) WITH ('connector' = 'test-queue', 'queue' = 'pt')",
  `CREATE TABLE names (k INT, name STRING) WITH ('connector' = 'values', 'changelog-mode' = 'I,UB,UA,D', 'data' = '[["+I", 1, "ann"], ["+I", 2, "bob"]]')`,
  'CREATE VIEW evs AS SELECT id, ts FROM ev UNION ALL SELECT id, ts FROM ev2',
];

/** A random input over all tables: valid changelogs (only rows that exist are retracted), event times out of order within a few seconds. */
function randomInput(seed: number, steps: number): Step[] {
  const r = seededRandom(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const maybeNull = <T>(x: T): T | null => (r() < 0.1 ? null : x);
  let t = T0 + 10_000;
  let id = 0;
  const live: Record<string, unknown[][]> = { ch: [], ch2: [] };
  const versions = new Map<string, unknown[]>();
  const out: Step[] = [];
  const changelog = (table: string, make: () => unknown[]): Step => {
    const rows: unknown[][] = [];
    const pool = live[table]!;
    for (let n = int(1, 5); n > 0; n--) {
      const x = r();
      if (x < 0.5 || pool.length === 0) {
        const row = make();
        pool.push(row);
        rows.push(['+I', ...row]);
      } else if (x < 0.75) {
        const old = pool.splice(int(0, pool.length - 1), 1)[0]!;
        rows.push(['-D', ...old]);
      } else {
        const at = int(0, pool.length - 1);
        const old = pool[at]!;
        const row = [old[0], ...make().slice(1)];
        pool[at] = row;
        rows.push(['-U', ...old], ['+U', ...row]);
      }
    }
    return { table, rows };
  };
  for (let i = 0; i < steps; i++) {
    t += int(0, 1500);
    // mostly within the watermark's 2 s bound, sometimes far behind it (late rows)
    const ts = (): number => t - (r() < 0.15 ? int(2000, 9000) : int(0, 2500));
    const x = r();
    if (x < 0.14) out.push(changelog('ch', () => [int(0, 5), maybeNull(pick(['a', 'b', 'c'])), maybeNull(int(-5, 20))]));
    else if (x < 0.24) out.push(changelog('ch2', () => [int(0, 6), pick(['ann', 'bob', 'cid'])]));
    else if (x < 0.42) {
      const rows: unknown[][] = [];
      for (let n = int(1, 5); n > 0; n--) rows.push([id++, int(0, 4), maybeNull(pick(['x', 'y', 'z'])), int(0, 100), ts()]);
      out.push({ table: 'ev', rows });
    } else if (x < 0.56) {
      const rows: unknown[][] = [];
      for (let n = int(1, 4); n > 0; n--) rows.push([id++, int(0, 4), int(0, 50), ts()]);
      out.push({ table: 'ev2', rows });
    } else if (x < 0.64) {
      const cur = pick(['EUR', 'GBP', 'USD']);
      const old = versions.get(cur);
      const row = [cur, int(1, 9), t];
      if (old === undefined) {
        versions.set(cur, row);
        out.push({ table: 'rates', rows: [['+I', ...row]] });
      } else if (r() < 0.2) {
        versions.delete(cur);
        out.push({ table: 'rates', rows: [['-D', old[0], old[1], t]] });
      } else {
        versions.set(cur, row);
        out.push({ table: 'rates', rows: [['-U', ...old], ['+U', ...row]] });
      }
    } else if (x < 0.76) {
      const rows: unknown[][] = [];
      for (let n = int(1, 3); n > 0; n--) rows.push([id++, pick(['EUR', 'GBP', 'USD', 'JPY']), int(1, 100), t - int(0, 1000)]);
      out.push({ table: 'pay', rows });
    } else if (x < 0.88) {
      const rows: unknown[][] = [];
      for (let n = int(1, 4); n > 0; n--) rows.push([int(0, 3), int(0, 9)]);
      out.push({ table: 'pt', rows });
    } else out.push({ advance: int(0, 2500) });
  }
  return out;
}

interface Case {
  name: string;
  sql: string;
  opts?: JobOptions;
}

const CASES: Case[] = [
  { name: 'group aggregate with retractions (COUNT, SUM, AVG, MIN, MAX, DISTINCT, LISTAGG, ARRAY_AGG, STDDEV)', sql: 'SELECT g, COUNT(*), SUM(v), AVG(v), MIN(v), MAX(v), COUNT(DISTINCT v), LISTAGG(CAST(v AS STRING)), STDDEV_POP(v), FIRST_VALUE(v), LAST_VALUE(k) FROM ch GROUP BY g' },
  { name: 'group aggregate: MIN/MAX of strings, BOOL_OR, global aggregate', sql: "SELECT MIN(g), MAX(g), BOOL_OR(v > 10), COUNT(*) FROM ch" },
  { name: 'group aggregate over a group aggregate', sql: 'SELECT c, COUNT(*) FROM (SELECT k, COUNT(*) AS c FROM ch GROUP BY k) GROUP BY c' },
  { name: 'group aggregate with mini-batch', sql: 'SELECT k, g, COUNT(*), MAX(v) FROM ch GROUP BY k, g', opts: { miniBatch: { latency: 1000, size: 40 } } },
  { name: 'group aggregate with state TTL', sql: 'SELECT u, COUNT(*), SUM(v) FROM pt GROUP BY u', opts: { ttl: 3000 } },
  { name: 'inner join of changelogs', sql: 'SELECT a.k, a.v, b.name FROM ch a JOIN ch2 b ON a.k = b.k' },
  { name: 'full outer join with a residual condition', sql: 'SELECT a.k, a.v, b.name FROM ch a FULL JOIN ch2 b ON a.k = b.k AND a.v > 3' },
  { name: 'anti join (NOT IN, null-aware)', sql: 'SELECT k, g FROM ch WHERE k NOT IN (SELECT k FROM ch2)' },
  { name: 'join with state TTL', sql: 'SELECT a.k, a.v, b.name FROM ch a LEFT JOIN ch2 b ON a.k = b.k', opts: { ttl: 1500 } },
  { name: 'Top-N over a changelog', sql: 'SELECT * FROM (SELECT k, g, v, ROW_NUMBER() OVER (PARTITION BY g ORDER BY v DESC NULLS LAST) AS rn FROM ch) WHERE rn <= 2' },
  { name: 'Top-N (RANK) over an append-only input', sql: 'SELECT * FROM (SELECT u, id, v, RANK() OVER (PARTITION BY u ORDER BY v DESC) AS r FROM ev) WHERE r <= 3' },
  { name: 'deduplication keeping the last row by event time', sql: 'SELECT id, u, v FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY u ORDER BY ts DESC) AS rn FROM ev) WHERE rn = 1' },
  { name: 'deduplication keeping the first row by processing time, with TTL', sql: 'SELECT u, v FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY u ORDER BY p) AS rn FROM pt) WHERE rn = 1', opts: { ttl: 2500 } },
  { name: 'tumbling window aggregate', sql: "SELECT window_start, window_end, u, COUNT(*), SUM(v), MAX(s), COUNT(DISTINCT s) FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '5' SECOND)) GROUP BY window_start, window_end, u" },
  { name: 'hopping window aggregate, periodic watermarks', sql: "SELECT window_start, window_end, COUNT(*), MIN(v) FROM TABLE(HOP(TABLE ev, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '6' SECOND)) GROUP BY window_start, window_end", opts: { watermarkInterval: 1000 } },
  { name: 'cumulating window aggregate', sql: "SELECT window_start, window_end, u, SUM(v), LISTAGG(s) FROM TABLE(CUMULATE(TABLE ev, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '8' SECOND)) GROUP BY window_start, window_end, u" },
  { name: 'session window aggregate', sql: "SELECT window_start, window_end, u, COUNT(*), SUM(v) FROM TABLE(SESSION(TABLE ev PARTITION BY u, DESCRIPTOR(ts), INTERVAL '3' SECOND)) GROUP BY window_start, window_end, u" },
  { name: 'processing-time tumbling window', sql: "SELECT window_start, u, COUNT(*), SUM(v) FROM TABLE(TUMBLE(TABLE pt, DESCRIPTOR(p), INTERVAL '2' SECOND)) GROUP BY window_start, window_end, u" },
  { name: 'window Top-N', sql: "SELECT * FROM (SELECT window_start, id, u, v, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, u ORDER BY v DESC) AS rn FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '5' SECOND))) WHERE rn <= 2" },
  {
    name: 'window join (full outer)',
    sql: "SELECT l.id, r.id, l.window_start, r.window_end FROM (SELECT * FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '5' SECOND))) l FULL JOIN (SELECT * FROM TABLE(TUMBLE(TABLE ev2, DESCRIPTOR(ts), INTERVAL '5' SECOND))) r ON l.u = r.u AND l.window_start = r.window_start AND l.window_end = r.window_end",
  },
  { name: 'interval join (left outer)', sql: "SELECT a.id, b.id, a.v + b.w FROM ev a LEFT JOIN ev2 b ON a.u = b.u AND b.ts BETWEEN a.ts - INTERVAL '1' SECOND AND a.ts + INTERVAL '2' SECOND" },
  { name: 'event-time temporal join', sql: 'SELECT p.id, p.amount * r.rate, r.cur FROM pay p LEFT JOIN rates FOR SYSTEM_TIME AS OF p.ts AS r ON p.cur = r.cur' },
  {
    name: 'OVER aggregate by event time (ROWS and RANGE frames, ranks)',
    sql: "SELECT id, u, SUM(v) OVER w, MAX(v) OVER w, ROW_NUMBER() OVER w FROM ev WINDOW w AS (PARTITION BY u ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)",
  },
  { name: 'OVER aggregate with a RANGE frame', sql: "SELECT id, COUNT(*) OVER (PARTITION BY u ORDER BY ts RANGE BETWEEN INTERVAL '3' SECOND PRECEDING AND CURRENT ROW) FROM ev" },
  { name: 'OVER window recomputed over a changelog', sql: 'SELECT k, v, LEAD(v) OVER (PARTITION BY k ORDER BY v) FROM ch' },
  { name: 'ORDER BY a rowtime (temporal sort)', sql: 'SELECT id, u, ts FROM ev ORDER BY ts, id' },
  { name: 'INTERSECT ALL over changelogs', sql: 'SELECT k FROM ch INTERSECT ALL SELECT k FROM ch2' },
  { name: 'EXCEPT over changelogs', sql: 'SELECT k FROM ch EXCEPT SELECT k FROM ch2' },
  { name: 'UNION ALL into a window (merged watermarks)', sql: "SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE evs, DESCRIPTOR(ts), INTERVAL '4' SECOND)) GROUP BY window_start, window_end" },
  { name: 'LIMIT', sql: 'SELECT id, v FROM ev LIMIT 9' },
  { name: 'a join feeding an aggregate feeding a Top-N, with mini-batch', sql: 'SELECT * FROM (SELECT name, c, ROW_NUMBER() OVER (ORDER BY c DESC, name) AS rn FROM (SELECT b.name, COUNT(*) AS c FROM ch a JOIN ch2 b ON a.k = b.k GROUP BY b.name)) WHERE rn <= 2', opts: { miniBatch: { latency: 500, size: 3 } } },
];

const STEPS = 60;

let engine: Engine;
let session: Session;

beforeAll(async () => {
  ({ engine, session } = await openSession(DDL));
});

afterAll(async () => {
  await engine.close();
});

function planStateful(sql: string): string[] {
  const p = planQuery(session, sql);
  return new TestJob(p.plan, p.updating, T0).pipeline.stateful.map((s) => s.id);
}

async function uninterrupted(c: Case, steps: Step[]): Promise<string[]> {
  const p = planQuery(session, c.sql);
  const job = new TestJob(p.plan, p.updating, T0, c.opts);
  await job.run(steps);
  await job.end();
  return job.out;
}

async function interrupted(c: Case, steps: Step[], cut: number): Promise<string[]> {
  const p = planQuery(session, c.sql);
  const first = new TestJob(p.plan, p.updating, T0, c.opts);
  await first.run(steps.slice(0, cut));
  const saved = first.snapshot();
  // a restart: the query planned again, a new pipeline, the state restored
  const q = planQuery(session, c.sql);
  const second = new TestJob(q.plan, q.updating, first.clock.now(), c.opts);
  second.restore(saved);
  await second.run(steps.slice(cut));
  await second.end();
  return [...first.out, ...second.out];
}

/**
 * Runs with incremental checkpoints: a full base at the first cut, a delta at each later one (the
 * state as of each is the base with the deltas applied, and must equal the full snapshot taken there),
 * restarting from that state at the cuts in `restarts` (the restarted job goes on with deltas on the
 * same chain, as a resumed job does). The last cut always restarts.
 */
async function incremental(c: Case, steps: Step[], cuts: number[], restarts: boolean[]): Promise<string[]> {
  const out: string[] = [];
  const plan = () => planQuery(session, c.sql);
  let p = plan();
  let job = new TestJob(p.plan, p.updating, T0, c.opts);
  let chain: PipelineSnapshot | null = null;
  let at = 0;
  for (let i = 0; i < cuts.length; i++) {
    await job.run(steps.slice(at, cuts[i]!));
    at = cuts[i]!;
    const full = job.snapshot();
    chain = chain === null ? job.checkpoint(true) : applyPipelineDelta(chain, job.checkpoint(false));
    expect(chain).toEqual(full);
    if (i === cuts.length - 1 || restarts[i]) {
      out.push(...job.out);
      p = plan();
      const next = new TestJob(p.plan, p.updating, job.clock.now(), c.opts);
      next.restore(deserialize(serialize(chain)) as PipelineSnapshot);
      job = next;
    }
  }
  await job.run(steps.slice(at));
  await job.end();
  out.push(...job.out);
  return out;
}

describe('a restored pipeline continues exactly where the snapshot was taken', () => {
  it('the queries cover every stateful streaming operator', () => {
    const kinds = new Set(CASES.flatMap((c) => planStateful(c.sql).map((id) => id.split(':')[1])));
    for (const k of ['GroupAggregate', 'StreamJoin', 'Rank', 'Deduplicate', 'WindowAggregate', 'SessionWindowAggregate', 'WindowRank', 'WindowJoin',
      'IntervalJoin', 'TemporalJoin', 'StreamOverAggregate', 'RecomputeOverAggregate', 'TemporalSort', 'StreamSetOp', 'WatermarkAssigner', 'Union', 'Limit']) {
      expect(kinds).toContain(k);
    }
  });

  for (const c of CASES) {
    it(c.name, async () => {
      // the query holds state, and the inputs make it produce rows (a case that could not fail is no test)
      expect(planStateful(c.sql)).not.toEqual([]);
      let nonEmpty = false;
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: STEPS - 1 }), async (seed, cut) => {
          const steps = randomInput(seed, STEPS);
          const whole = await uninterrupted(c, steps);
          const split = await interrupted(c, steps, cut);
          nonEmpty ||= whole.some((x) => !x.startsWith('WM') && x !== 'END');
          if (process.env.DBG) console.log(c.name, cut, whole.length, split.length);
          expect(split).toEqual(whole);
          return true;
        }),
        { seed: 20240101, numRuns: 12 },
      );
      expect(nonEmpty).toBe(true);
    });
  }
});

describe('a pipeline restored through incremental checkpoints continues exactly where the last one was taken', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 1_000_000 }),
          fc.uniqueArray(fc.integer({ min: 1, max: STEPS - 1 }), { minLength: 2, maxLength: 6 }),
          fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
          async (seed, cuts, restarts) => {
            const steps = randomInput(seed, STEPS);
            const whole = await uninterrupted(c, steps);
            const split = await incremental(c, steps, cuts.sort((a, b) => a - b), restarts);
            expect(split).toEqual(whole);
            return true;
          },
        ),
        { seed: 20240102, numRuns: 10 },
      );
    });
  }
});

describe('restoring state that does not fit', () => {
  async function savedState(sql: string): Promise<PipelineSnapshot> {
    const p = planQuery(session, sql);
    const job = new TestJob(p.plan, p.updating, T0);
    await job.run(randomInput(42, 20));
    return job.snapshot();
  }

  function restoreInto(sql: string, saved: PipelineSnapshot): void {
    const p = planQuery(session, sql);
    new TestJob(p.plan, p.updating, T0).restore(saved);
  }

  it('fails, naming the operator, when the plan has other stateful operators', async () => {
    const saved = await savedState('SELECT g, COUNT(*) FROM ch GROUP BY g');
    expect(saved.operators.map((o) => o.id)).toEqual(['0:GroupAggregate']);
    expect(() => restoreInto('SELECT a.k, b.name FROM ch a JOIN ch2 b ON a.k = b.k', saved)).toThrow(/state for operator 0:GroupAggregate, which this plan does not have \(its stateful operators: \d+:StreamJoin\)/);
    expect(() => restoreInto('SELECT g, COUNT(*) FROM (SELECT a.g FROM ch a JOIN ch2 b ON a.k = b.k) GROUP BY g', saved)).toThrow(/no state for operator \d+:StreamJoin of this plan \(saved operators: 0:GroupAggregate\)/);
  });

  it('fails when an operator of the same kind computes something else', async () => {
    const saved = await savedState('SELECT g, COUNT(*) FROM ch GROUP BY g');
    expect(() => restoreInto('SELECT g, MAX(g) FROM ch GROUP BY g', saved)).toThrow(/operator 0:GroupAggregate is for output \(STRING, BIGINT\); the operator in this plan produces \(STRING, STRING\)/);
    // same output types, other aggregate: the accumulators refuse
    expect(() => restoreInto('SELECT g, SUM(CAST(v AS BIGINT)) FROM ch GROUP BY g', saved)).toThrow(/0:GroupAggregate.*(CountAccumulators|Sum)/);
  });

  it('fails on a snapshot of another format version or operator kind', async () => {
    const saved = await savedState('SELECT g, COUNT(*) FROM ch GROUP BY g');
    const old = structuredClone(saved);
    old.operators[0]!.state.version = 99;
    expect(() => restoreInto('SELECT g, COUNT(*) FROM ch GROUP BY g', old)).toThrow(/GroupAggregate has format version 99, this version of Freshet reads version 1/);
    const other = structuredClone(saved);
    other.operators[0]!.state.kind = 'Rank';
    expect(() => restoreInto('SELECT g, COUNT(*) FROM ch GROUP BY g', other)).toThrow(/written by a Rank operator and cannot be restored into GroupAggregate/);
    expect(() => restoreInto('SELECT g, COUNT(*) FROM ch GROUP BY g', { ...saved, version: 2 })).toThrow(/pipeline state has format version 2/);
  });

  it('a pipeline with an operator that cannot save its state refuses to snapshot, naming it', () => {
    // a processing-time lookup into a bounded changelog table without point lookups: a batch hash join holds the table
    const p = planQuery(session, 'SELECT v.u, n.name FROM pt v LEFT JOIN names FOR SYSTEM_TIME AS OF v.p AS n ON v.u = n.k');
    const job = new TestJob(p.plan, p.updating, T0);
    expect(job.pipeline.uncheckpointable).toEqual([expect.stringMatching(/^\d+:LookupJoin$/)]);
    expect(() => job.snapshot()).toThrow(/the state of operator \d+:LookupJoin cannot be saved in a checkpoint yet/);
  });

  it('ids follow the plan, not the order operators are built in', () => {
    // the temporal join builds its right input first; ids stay in plan pre-order
    const ids = planStateful('SELECT p.id, r.rate FROM pay p JOIN rates FOR SYSTEM_TIME AS OF p.ts AS r ON p.cur = r.cur');
    expect(ids.map((i) => i.split(':')[1])).toEqual(['TemporalJoin', 'WatermarkAssigner', 'WatermarkAssigner']);
    expect(planStateful('SELECT p.id, r.rate FROM pay p JOIN rates FOR SYSTEM_TIME AS OF p.ts AS r ON p.cur = r.cur')).toEqual(ids);
  });
});

describe('a lookup join at a checkpoint', () => {
  it('has no state, but refuses a snapshot while lookups are in flight', async () => {
    let answer: (() => void) | null = null;
    const deferred: Promise<void>[] = [];
    const emitted: number[] = [];
    const lookup: LookupFunction = {
      lookup: (_keys, n) => new Promise((resolve) => {
        answer = () => resolve({ probe: Int32Array.from({ length: n }, (_, i) => i), rows: batchFromRows([T.int()], Array.from({ length: n }, (_, i) => [i * 10])) });
      }),
      close: async () => {},
    };
    const ctx = { env: { timeZone: 'UTC', now: T0 }, defer: (p: Promise<void>) => { deferred.push(p); } } as unknown as ExecContext;
    const op = new LookupJoinOperator({ emit: (b) => emitted.push(b.length), end: () => {}, watermark: () => {}, idle: () => {} }, ctx, {
      joinType: 'inner', leftTypes: [T.int()], rightTypes: [T.int()], leftKeys: [0], fetchedTypes: [T.int()], calc: null, residual: null, lookup,
    });
    op.push(batchFromRows([T.int()], [[1], [2]]));
    expect(() => op.snapshotState()).toThrow(/1 batch\(es\) or signals in flight/);
    await Promise.resolve();
    answer!();
    await Promise.all(deferred);
    expect(emitted).toEqual([2]);
    const s = deserialize(serialize(op.snapshotState())) as OperatorSnapshot;
    expect(s).toEqual({ kind: 'LookupJoin', version: 1, state: {} });
  });
});
