/**
 * stream ≡ batch ≡ DuckDB. Random changelogs (inserts, updates and deletes, as debezium-json files) with
 * event times out of order within the watermark bound run through aggregates, joins, semi/anti joins,
 * Top-N and TUMBLE/HOP/SESSION windows in streaming mode; the rows the resulting changelog adds up to
 * must equal the batch result over the same files, which must equal DuckDB's answer over the final
 * tables (the changes applied).
 *
 * Timing model: rows of `a` arrive with their event time up to 4.9 s before their arrival (so out of
 * order), and are updated or deleted only while their time is less than 4.9 s behind the arrival time;
 * the watermark trails the largest time by 5 s. So no row and no retraction is ever behind the
 * watermark, some come within 0.1 s of it, and every window sees all its changes before it fires. `b` is a small dimension table updated at any time (no windows read it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Engine } from '../../src/session/engine.ts';
import type { Session } from '../../src/session/session.ts';
import { collectStream, type StatementResult } from '../../src/session/result.ts';
import { Oracle, freshetCell, outcomeText, outcomesAgree, EXACT_DOUBLES, type Outcome } from './support/oracle.ts';
import { INT, STRING, TIMESTAMP, type TableSpec } from './support/sql-model.ts';
import { SEED, TEST_TIMEOUT, fcParams } from './support/runner.ts';

const T0 = Date.UTC(2024, 0, 1);
const BOUND = 5000;

interface RowA { id: number; k: number | null; v: number | null; ts: number }
interface RowB { k: number; name: string }

type Change<R> = { op: 'c'; after: R } | { op: 'u'; before: R; after: R } | { op: 'd'; before: R };

/** One step of the generator: time passes, then a row is inserted, updated or deleted. */
interface Step {
  dt: number;
  what: 'insert' | 'update' | 'delete';
  k: number | null;
  v: number | null;
  jitter: number;
  pick: number;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  dt: fc.integer({ min: 0, max: 400 }),
  what: fc.constantFrom<Step['what']>('insert', 'insert', 'insert', 'update', 'update', 'delete'),
  k: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null, freq: 8 }),
  v: fc.option(fc.integer({ min: -5, max: 20 }), { nil: null, freq: 8 }),
  jitter: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 4500, max: BOUND - 101 })),
  pick: fc.nat(),
});

const dimStepArb = fc.record({
  k: fc.integer({ min: 0, max: 4 }),
  name: fc.constantFrom('x', 'y', 'z'),
  what: fc.constantFrom('upsert', 'upsert', 'delete'),
});

/** Plays the steps: a changelog of `a` respecting the timing model, and the final rows. */
function playA(steps: Step[]): { changes: Change<RowA>[]; final: RowA[] } {
  const live = new Map<number, { row: RowA; arrived: number }>();
  const changes: Change<RowA>[] = [];
  let now = T0 + 10_000;
  let nextId = 1;
  for (const s of steps) {
    now += s.dt;
    // a row may change while its time is less than the bound behind what has arrived (minus a margin)
    const recent = [...live.values()].filter((e) => e.row.ts > now - (BOUND - 100));
    if (s.what === 'insert' || recent.length === 0) {
      const row: RowA = { id: nextId++, k: s.k, v: s.v, ts: now - s.jitter };
      live.set(row.id, { row, arrived: now });
      changes.push({ op: 'c', after: row });
      continue;
    }
    const e = recent[s.pick % recent.length]!;
    if (s.what === 'update') {
      const after: RowA = { ...e.row, k: s.k, v: s.v };
      changes.push({ op: 'u', before: e.row, after });
      e.row = after;
    } else {
      changes.push({ op: 'd', before: e.row });
      live.delete(e.row.id);
    }
  }
  return { changes, final: [...live.values()].map((e) => e.row).sort((x, y) => x.id - y.id) };
}

function playB(steps: Array<{ k: number; name: string; what: string }>): { changes: Change<RowB>[]; final: RowB[] } {
  const live = new Map<number, RowB>();
  const changes: Change<RowB>[] = [];
  for (const s of steps) {
    const prior = live.get(s.k);
    if (s.what === 'delete') {
      if (prior) {
        changes.push({ op: 'd', before: prior });
        live.delete(s.k);
      }
      continue;
    }
    const row = { k: s.k, name: s.name };
    changes.push(prior ? { op: 'u', before: prior, after: row } : { op: 'c', after: row });
    live.set(s.k, row);
  }
  return { changes, final: [...live.values()].sort((x, y) => x.k - y.k) };
}

const tsText = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

function debezium<R>(c: Change<R>, json: (r: R) => object): string {
  const before = c.op === 'c' ? null : json(c.before);
  const after = c.op === 'd' ? null : json(c.after);
  return JSON.stringify({ before, after, op: c.op });
}

/** Writes a changelog as debezium-json files of a few events each (each file is a batch: watermarks move between them). */
function writeChanges<R>(dir: string, changes: Change<R>[], json: (r: R) => object, perFile: number): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (let f = 0; f * perFile < changes.length; f++) {
    const lines = changes.slice(f * perFile, (f + 1) * perFile).map((c) => debezium(c, json));
    writeFileSync(join(dir, `part-${String(f).padStart(5, '0')}.json`), lines.join('\n') + '\n');
  }
  if (changes.length === 0) writeFileSync(join(dir, 'part-00000.json'), '');
}

interface Query {
  title: string;
  freshet: string;
  duck: string;
}

const WINDOW_START = (size: number, back = 0): string => `make_timestamp(((epoch_ms(ts) // ${size}) - ${back}) * ${size} * 1000)`;

const QUERIES: Query[] = [
  {
    title: 'group aggregate with retractions (MIN/MAX, COUNT DISTINCT)',
    freshet: 'SELECT k, COUNT(*), COUNT(v), SUM(v), MIN(v), MAX(v), COUNT(DISTINCT v) FROM a GROUP BY k',
    duck: 'SELECT k, COUNT(*), COUNT(v), SUM(v), MIN(v), MAX(v), COUNT(DISTINCT v) FROM a GROUP BY k',
  },
  {
    title: 'global aggregate (one row, even when everything was deleted)',
    freshet: 'SELECT COUNT(*), SUM(v), MAX(k) FROM a',
    duck: 'SELECT COUNT(*), SUM(v), MAX(k) FROM a',
  },
  {
    title: 'DISTINCT',
    freshet: 'SELECT DISTINCT k, v FROM a',
    duck: 'SELECT DISTINCT k, v FROM a',
  },
  {
    title: 'inner join of two changelogs, aggregated',
    freshet: 'SELECT a.k, b.name, COUNT(*), SUM(a.v) FROM a JOIN b ON a.k = b.k GROUP BY a.k, b.name',
    duck: 'SELECT a.k, b.name, COUNT(*), SUM(a.v) FROM a JOIN b ON a.k = b.k GROUP BY a.k, b.name',
  },
  {
    title: 'left join (NULL-padded rows come and go)',
    freshet: 'SELECT a.id, b.name FROM a LEFT JOIN b ON a.k = b.k',
    duck: 'SELECT a.id, b.name FROM a LEFT JOIN b ON a.k = b.k',
  },
  {
    title: 'full join with an extra condition',
    freshet: 'SELECT a.id, b.k FROM a FULL JOIN b ON a.k = b.k AND a.v > 5',
    duck: 'SELECT a.id, b.k FROM a FULL JOIN b ON a.k = b.k AND a.v > 5',
  },
  {
    title: 'semi and anti joins',
    freshet: "SELECT id, k IN (SELECT k FROM b WHERE name <> 'x') FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.k = a.v)",
    duck: "SELECT id, k IN (SELECT k FROM b WHERE name <> 'x') FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.k = a.v)",
  },
  {
    title: 'Top-2 per key over a changelog',
    freshet: 'SELECT k, id, v FROM (SELECT k, id, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC NULLS LAST, id) AS rn FROM a) WHERE rn <= 2',
    duck: 'SELECT k, id, v FROM a QUALIFY ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC NULLS LAST, id) <= 2',
  },
  {
    title: 'TUMBLE window aggregate',
    freshet: "SELECT k, window_start, COUNT(*), SUM(v), MAX(v) FROM TABLE(TUMBLE(TABLE a, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY k, window_start, window_end",
    duck: `SELECT k, ${WINDOW_START(10000)} AS ws, COUNT(*), SUM(v), MAX(v) FROM a GROUP BY k, ws`,
  },
  {
    title: 'HOP window aggregate',
    freshet: "SELECT window_start, window_end, COUNT(*), MIN(v) FROM TABLE(HOP(TABLE a, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) GROUP BY window_start, window_end",
    duck: `SELECT ws, ws + INTERVAL 10 SECOND, COUNT(*), MIN(v) FROM (SELECT v, ${WINDOW_START(5000)} - r.i * INTERVAL 5 SECOND AS ws FROM a, range(0, 2) r(i)) GROUP BY ws`,
  },
  {
    title: 'SESSION window aggregate per key',
    freshet: "SELECT k, window_start, window_end, COUNT(*), SUM(v) FROM TABLE(SESSION(TABLE a PARTITION BY k, DESCRIPTOR(ts), INTERVAL '3' SECOND)) GROUP BY k, window_start, window_end",
    duck: `WITH marked AS (SELECT k, v, ts, CASE WHEN ts - LAG(ts) OVER (PARTITION BY k ORDER BY ts) <= INTERVAL 3 SECOND THEN 0 ELSE 1 END AS first FROM a),
      numbered AS (SELECT k, v, ts, SUM(first) OVER (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING) AS sid FROM marked)
      SELECT k, MIN(ts), MAX(ts) + INTERVAL 3 SECOND, COUNT(*), SUM(v) FROM numbered GROUP BY k, sid`,
  },
  {
    title: 'window Top-1 per window',
    freshet: "SELECT window_start, id, v FROM (SELECT window_start, id, v, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY v DESC NULLS LAST, id) AS rn FROM TABLE(TUMBLE(TABLE a, DESCRIPTOR(ts), INTERVAL '10' SECOND))) WHERE rn = 1",
    duck: `SELECT ${WINDOW_START(10000)} AS ws, id, v FROM a QUALIFY ROW_NUMBER() OVER (PARTITION BY ws ORDER BY v DESC NULLS LAST, id) = 1`,
  },
];

const A_COLUMNS = [{ name: 'id', type: INT }, { name: 'k', type: INT }, { name: 'v', type: INT }, { name: 'ts', type: TIMESTAMP }];
const B_COLUMNS = [{ name: 'k', type: INT }, { name: 'name', type: STRING }];

async function rowsOf(r: StatementResult): Promise<Outcome> {
  if (r.kind !== 'rows' && r.kind !== 'stream') return { ok: true, rows: [], types: [] };
  const rows = r.kind === 'rows' ? r.rows : await collectStream(r);
  return { ok: true, types: r.columns.map((c) => c.type.kind), rows: rows.map((row) => row.map((v, i) => freshetCell(r.columns[i]!.type, v))) };
}

async function run(s: Session, sql: string): Promise<Outcome> {
  try {
    return await rowsOf(await s.execute(sql));
  } catch (e) {
    return { ok: false, message: (e as Error).message, crash: true };
  }
}

describe('streaming results equal batch results equal DuckDB, over changelogs with retractions', () => {
  let oracle: Oracle;
  let dir: string;
  let streaming: Session;
  let batch: Session;

  beforeAll(async () => {
    oracle = await Oracle.open();
    dir = mkdtempSync(join(tmpdir(), 'freshet-stream-batch-'));
    const engine = await Engine.open();
    const ddl = [
      `CREATE TEMPORARY TABLE a (id INT, k INT, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '${BOUND / 1000}' SECOND) WITH ('connector' = 'filesystem', 'path' = '${dir}/a', 'format' = 'debezium-json')`,
      `CREATE TEMPORARY TABLE b (k INT, name STRING) WITH ('connector' = 'filesystem', 'path' = '${dir}/b', 'format' = 'debezium-json')`,
    ];
    streaming = engine.createSession({ 'execution.runtime-mode': 'streaming', 'pipeline.auto-watermark-interval': '0', 'table.local-time-zone': 'UTC' });
    batch = engine.createSession({ 'execution.runtime-mode': 'batch', 'table.local-time-zone': 'UTC' });
    for (const d of ddl) await streaming.execute(d);
    for (const d of ddl) await batch.execute(d);
  });

  afterAll(() => {
    oracle?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('holds for random changelogs', { timeout: TEST_TIMEOUT * 3 }, async () => {
    let cases = 0;
    let retractions = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { maxLength: 60 }), fc.array(dimStepArb, { maxLength: 12 }), fc.integer({ min: 1, max: 6 }), async (stepsA, stepsB, perFile) => {
        cases++;
        const a = playA(stepsA);
        const b = playB(stepsB);
        retractions += a.changes.filter((c) => c.op !== 'c').length;
        writeChanges(join(dir, 'a'), a.changes, (r) => ({ id: r.id, k: r.k, v: r.v, ts: tsText(r.ts) }), perFile);
        writeChanges(join(dir, 'b'), b.changes, (r) => ({ k: r.k, name: r.name }), 3);
        const finalA: TableSpec = { name: 'a', columns: A_COLUMNS, rows: a.final.map((r) => [r.id, r.k, r.v, r.ts]) };
        const finalB: TableSpec = { name: 'b', columns: B_COLUMNS, rows: b.final.map((r) => [r.k, r.name]) };
        await oracle.createTable({ ...finalA, name: 'a' });
        await oracle.createTable({ ...finalB, name: 'b' });
        for (const q of QUERIES) {
          const st = await run(streaming, q.freshet);
          const bt = await run(batch, q.freshet);
          const dk = await oracle.duckdb(q.duck);
          const opts = { rowsort: true, tol: EXACT_DOUBLES };
          if (!outcomesAgree(st, bt, opts) || !outcomesAgree(bt, dk, opts)) {
            throw new Error([
              `${q.title} (seed ${SEED}): streaming, batch and DuckDB disagree`,
              q.freshet,
              `streaming: ${outcomeText(st)}`,
              `batch: ${outcomeText(bt)}`,
              `DuckDB: ${outcomeText(dk)}`,
              `changes of a: ${a.changes.map((c) => `${c.op} ${JSON.stringify(c.op === 'd' ? c.before : c.after)}`).join('; ')}`,
              `changes of b: ${b.changes.map((c) => `${c.op} ${JSON.stringify(c.op === 'd' ? c.before : c.after)}`).join('; ')}`,
              `rows per file of a: ${perFile}`,
            ].join('\n'));
          }
        }
      }),
      fcParams(25),
    );
    // the generator must exercise what the property is about
    expect(cases).toBeGreaterThan(0);
    expect(retractions).toBeGreaterThan(cases);
  });
});
