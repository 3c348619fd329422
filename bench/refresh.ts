/**
 * `freshet bench refresh`: how long a FULL and an INCREMENTAL refresh of the same materialized table
 * take when 0.1%, 1% and 10% of the source changed since the last refresh, and the end-to-end lag of a
 * CONTINUOUS table (a source commit until the change is visible in the table) with FRESHNESS 1 second.
 *
 *   freshet bench refresh [--rows 10000000] [--groups 100000] [--lag-samples 40] [--seed 42]
 *
 * The source is `orders (id BIGINT primary key, cust INT, amount INT)`, 4 buckets, with the input
 * changelog producer, written as a CDC source writes it (each update as a -U before-image and a +U), so
 * that its changes can be read as changelog files; the
 * table is `SELECT cust, COUNT(*), SUM(amount) FROM orders GROUP BY cust`. Each step
 * updates a seeded random share of the rows (new amounts, some moved to another customer) in one
 * commit, then refreshes the FULL table and the INCREMENTAL one and checks both equal a batch run of
 * the query. The lag part writes one small commit every 200 ms into a second source and polls the
 * continuous table (every 10 ms) for the change.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../src/session/engine.ts';
import type { Session } from '../src/session/session.ts';
import { TableStoreCatalog } from '../src/catalog/table-store-catalog.ts';
import { TableWrite } from '../src/store/write/table-write.ts';
import { TableCommit } from '../src/store/commit/table-commit.ts';
import { BATCH_SIZE, batchFromRows } from '../src/types/batch.ts';
import { T, notNull } from '../src/types/data-type.ts';
import { seededRandom } from '../test/support/seeded-random.ts';
import { saveResults, table, type BenchArgs } from './main.ts';

const TYPES = [notNull(T.bigint()), notNull(T.int()), T.int()];
const QUERY = 'SELECT cust, COUNT(*) AS orders, SUM(amount) AS total FROM orders GROUP BY cust';

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

async function scalar(s: Session, sql: string): Promise<string> {
  const r = await s.execute(sql);
  if (r.kind !== 'rows') throw new Error(`expected rows from ${sql}`);
  return JSON.stringify(r.rows, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

async function refreshMs(s: Session, name: string): Promise<{ ms: number; mode: string }> {
  const t0 = performance.now();
  const r = await s.execute(`ALTER MATERIALIZED TABLE ${name} REFRESH`);
  const ms = performance.now() - t0;
  const mode = r.kind === 'ok' ? /\((FULL|INCREMENTAL)\)/.exec(r.message)?.[1] ?? '?' : '?';
  return { ms, mode };
}

export async function run(args: BenchArgs): Promise<void> {
  const rows = Number(args.flags.get('rows') ?? 10_000_000);
  const groups = Number(args.flags.get('groups') ?? 100_000);
  const lagSamples = Number(args.flags.get('lag-samples') ?? 40);
  const random = seededRandom(Number(args.flags.get('seed') ?? 42));
  const dir = mkdtempSync(join(tmpdir(), 'freshet-bench-refresh-'));
  const out: Record<string, unknown> = { rows, groups };
  try {
    const engine = await Engine.open({ warehouse: dir, config: { 'table.local-time-zone': 'UTC' } });
    const s = engine.createSession({ 'execution.runtime-mode': 'batch', 'table.dml-sync': 'true' });
    await s.execute("CREATE TABLE orders (id BIGINT NOT NULL, cust INT NOT NULL, amount INT, PRIMARY KEY (id) NOT ENFORCED) WITH ('bucket' = '4', 'changelog-producer' = 'input')");
    const catalog = engine.catalogs.get('default_catalog') as TableStoreCatalog;
    const orders = catalog.storedTable('default_database', 'orders')!;
    let commit = 0;
    const amounts = new Int32Array(rows);
    const custs = new Int32Array(rows);

    // load
    let t0 = performance.now();
    {
      const w = new TableWrite(orders);
      for (let start = 0; start < rows; start += BATCH_SIZE) {
        const n = Math.min(BATCH_SIZE, rows - start);
        const ids = new BigInt64Array(n);
        const cs = new Int32Array(n);
        const as = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          ids[i] = BigInt(start + i);
          cs[i] = custs[start + i] = Math.floor(random() * groups);
          as[i] = amounts[start + i] = Math.floor(random() * 1000);
        }
        await w.write(batchFromRows(TYPES, Array.from({ length: n }, (_, i) => [ids[i], cs[i], as[i]])));
      }
      await new TableCommit(orders, 'bench-writer').commit(await w.prepareCommit(), ++commit);
    }
    const loadMs = performance.now() - t0;
    process.stdout.write(`loaded ${rows} rows in ${secs(loadMs)}\n`);

    t0 = performance.now();
    await s.execute(`CREATE MATERIALIZED TABLE m_full FRESHNESS = INTERVAL '1' HOUR REFRESH_MODE = FULL AS ${QUERY}`);
    const createFull = performance.now() - t0;
    t0 = performance.now();
    await s.execute(`CREATE MATERIALIZED TABLE m_inc FRESHNESS = INTERVAL '1' HOUR REFRESH_MODE = INCREMENTAL AS ${QUERY}`);
    const createInc = performance.now() - t0;
    process.stdout.write(`created: FULL ${secs(createFull)}, INCREMENTAL (first run reads everything) ${secs(createInc)}\n`);
    out.createMs = { full: createFull, incremental: createInc };

    const steps: Array<Record<string, unknown>> = [];
    const result: string[][] = [];
    for (const share of [0.001, 0.01, 0.1]) {
      const n = Math.round(rows * share);
      const w = new TableWrite(orders);
      const changed = new Set<number>();
      while (changed.size < n) changed.add(Math.floor(random() * rows));
      const ids = [...changed].sort((a, b) => a - b);
      t0 = performance.now();
      for (let start = 0; start < ids.length; start += BATCH_SIZE) {
        const part = ids.slice(start, start + BATCH_SIZE);
        const changes: unknown[][] = [];
        const kinds: number[] = [];
        for (const id of part) {
          changes.push([BigInt(id), custs[id]!, amounts[id]!]);
          kinds.push(1);
          amounts[id] = Math.floor(random() * 1000);
          if (random() < 0.2) custs[id] = Math.floor(random() * groups);
          changes.push([BigInt(id), custs[id]!, amounts[id]!]);
          kinds.push(2);
        }
        await w.write(batchFromRows(TYPES, changes, Uint8Array.from(kinds)));
      }
      await new TableCommit(orders, 'bench-writer').commit(await w.prepareCommit(), ++commit);
      const writeMs = performance.now() - t0;
      const full = await refreshMs(s, 'm_full');
      const inc = await refreshMs(s, 'm_inc');
      const oracle = await scalar(s, `SELECT COUNT(*), SUM(orders), SUM(total) FROM (${QUERY})`);
      const a = await scalar(s, 'SELECT COUNT(*), SUM(orders), SUM(total) FROM m_full');
      const b = await scalar(s, 'SELECT COUNT(*), SUM(orders), SUM(total) FROM m_inc');
      if (a !== oracle || b !== oracle) throw new Error(`results differ after ${share * 100}% changed: oracle ${oracle}, FULL ${a}, INCREMENTAL ${b}`);
      steps.push({ share, changedRows: n, sourceWriteMs: writeMs, fullMs: full.ms, incrementalMs: inc.ms, incrementalRanAs: inc.mode });
      result.push([`${share * 100}%`, String(n), secs(writeMs), secs(full.ms), `${secs(inc.ms)}${inc.mode !== 'INCREMENTAL' ? ` (${inc.mode})` : ''}`, `${(full.ms / inc.ms).toFixed(1)}x`]);
      process.stdout.write(`${share * 100}% changed: FULL ${secs(full.ms)}, INCREMENTAL ${secs(inc.ms)}\n`);
    }
    out.steps = steps;
    process.stdout.write('\n' + table(['changed', 'rows', 'source write', 'FULL', 'INCREMENTAL', 'speed-up'], result) + '\n\n');

    // continuous lag
    await s.execute('CREATE TABLE ticks (k INT NOT NULL, seq BIGINT, PRIMARY KEY (k) NOT ENFORCED)');
    const ticks = catalog.storedTable('default_database', 'ticks')!;
    await s.execute("SET 'execution.checkpointing.interval' = '1 s'");
    await s.execute("CREATE MATERIALIZED TABLE m_cont FRESHNESS = INTERVAL '1' SECOND AS SELECT k, MAX(seq) AS seq, COUNT(*) AS n FROM ticks GROUP BY k");
    const lags: number[] = [];
    for (let i = 1; i <= lagSamples; i++) {
      const w = new TableWrite(ticks);
      await w.write(batchFromRows([notNull(T.int()), T.bigint()], [[i % 10, BigInt(i)]]));
      await new TableCommit(ticks, 'bench-ticks').commit(await w.prepareCommit(), i);
      const committed = performance.now();
      for (;;) {
        const r = await s.execute(`SELECT seq FROM m_cont WHERE k = ${i % 10}`);
        if (r.kind === 'rows' && r.rows.length > 0 && BigInt(r.rows[0]![0] as bigint) === BigInt(i)) break;
        if (performance.now() - committed > 30_000) throw new Error(`tick ${i} did not reach the continuous table within 30 s`);
        await new Promise((res) => setTimeout(res, 10));
      }
      lags.push(performance.now() - committed);
      await new Promise((res) => setTimeout(res, 200 * random()));
    }
    out.continuousLagMs = { p50: quantile(lags, 0.5), p99: quantile(lags, 0.99), max: Math.max(...lags), samples: lags.length };
    process.stdout.write(table(['CONTINUOUS, FRESHNESS 1 s', 'p50', 'p99', 'max'], [[`lag over ${lags.length} commits`, `${quantile(lags, 0.5).toFixed(0)} ms`, `${quantile(lags, 0.99).toFixed(0)} ms`, `${Math.max(...lags).toFixed(0)} ms`]]) + '\n');
    await engine.close();
    process.stdout.write(`results: ${saveResults('refresh', out)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
