/**
 * `freshet bench batch --rows N`: scan-filter-aggregate, hash join and sort over the same Parquet files
 * in Freshet and in DuckDB (one thread), timed in the same run, with the ratio. The files are written
 * by DuckDB once per row count and reused. Results of the aggregate and join queries are compared, so
 * a fast wrong answer cannot go unnoticed.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Engine } from '../src/session/engine.ts';
import type { StatementResult } from '../src/session/result.ts';
import { formatValue } from '../src/types/value.ts';
import { benchRoot, saveResults, table, type BenchArgs } from './main.ts';

interface Query {
  name: string;
  freshet: string;
  duckdb: string;
  /** Compare the two engines' rows (order-insensitive). */
  compare: boolean;
}

const QUERIES: Query[] = [
  {
    name: 'scan-filter-aggregate',
    freshet: 'SELECT k, COUNT(*) AS n, SUM(v) AS s, AVG(v) AS a FROM facts WHERE v > 100 GROUP BY k',
    duckdb: 'SELECT k, COUNT(*) AS n, SUM(v) AS s, AVG(v) AS a FROM facts WHERE v > 100 GROUP BY k',
    compare: true,
  },
  {
    name: 'hash join',
    freshet: 'SELECT o.region, COUNT(*) AS n, SUM(f.v) AS s FROM facts f JOIN orders o ON f.oid = o.id GROUP BY o.region',
    duckdb: 'SELECT o.region, COUNT(*) AS n, SUM(f.v) AS s FROM facts f JOIN orders o ON f.oid = o.id GROUP BY o.region',
    compare: true,
  },
  {
    name: 'sort',
    freshet: 'INSERT INTO sorted SELECT id, v FROM facts ORDER BY v, id',
    duckdb: 'CREATE OR REPLACE TEMP TABLE sorted AS SELECT id, v FROM facts ORDER BY v, id',
    compare: false,
  },
];

async function ensureData(dir: string, rows: number): Promise<{ facts: string; orders: string }> {
  mkdirSync(dir, { recursive: true });
  const facts = join(dir, `facts-${rows}.parquet`);
  const orders = join(dir, `orders-${Math.min(rows, 1_000_000)}.parquet`);
  if (existsSync(facts) && existsSync(orders)) return { facts, orders };
  process.stdout.write(`generating ${rows} rows of Parquet data in ${dir} ...\n`);
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const nOrders = Math.min(rows, 1_000_000);
  await c.run('SELECT setseed(0.42)');
  // write to a temporary name and rename, so an interrupted run leaves no half file behind
  await c.run(`COPY (SELECT i::BIGINT AS id, (random() * 1000)::INT AS k, round(random() * 1000, 4)::DOUBLE AS v,
      ['alpha','beta','gamma','delta','epsilon','zeta','eta','theta','iota','kappa'][(i % 10) + 1] AS cat,
      (random() * ${nOrders - 1})::BIGINT AS oid
    FROM range(${rows}) t(i)) TO '${facts}.tmp' (FORMAT PARQUET)`);
  await c.run(`COPY (SELECT i::BIGINT AS id, 'region-' || (i % 7) AS region FROM range(${nOrders}) t(i)) TO '${orders}.tmp' (FORMAT PARQUET)`);
  renameSync(`${facts}.tmp`, facts);
  renameSync(`${orders}.tmp`, orders);
  c.closeSync();
  return { facts, orders };
}

function canonicalRows(r: StatementResult): string[] {
  if (r.kind !== 'rows') return [];
  return r.rows.map((row) => row.map((v, i) => {
    const t = r.columns[i]!.type;
    if (v === null) return 'NULL';
    if (t.kind === 'DOUBLE' || t.kind === 'FLOAT') return Number(v).toPrecision(10);
    return formatValue(t, v);
  }).join('|')).sort();
}

function canonicalDuck(rows: unknown[][]): string[] {
  return rows.map((row) => row.map((v) => {
    if (v === null) return 'NULL';
    if (typeof v === 'number' && !Number.isInteger(v)) return v.toPrecision(10);
    return String(v);
  }).join('|')).sort();
}

async function time<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await f();
  return { ms: performance.now() - t0, value };
}

export async function run(args: BenchArgs): Promise<void> {
  const rows = Number(args.flags.get('rows') ?? 1_000_000);
  const runs = Number(args.flags.get('runs') ?? 3);
  const dir = args.flags.get('data') ?? join(benchRoot, 'data');
  const files = await ensureData(dir, rows);

  const engine = await Engine.open();
  const s = engine.createSession();
  await s.execute(`CREATE TABLE facts (id BIGINT, k INT, v DOUBLE, cat STRING, oid BIGINT) WITH ('connector' = 'filesystem', 'path' = '${files.facts}', 'format' = 'parquet')`);
  await s.execute(`CREATE TABLE orders (id BIGINT, region STRING) WITH ('connector' = 'filesystem', 'path' = '${files.orders}', 'format' = 'parquet')`);
  await s.execute(`CREATE TABLE sorted (id BIGINT, v DOUBLE) WITH ('connector' = 'blackhole')`);

  const duck = await DuckDBInstance.create(':memory:', { threads: '1' });
  const dc = await duck.connect();
  await dc.run(`CREATE VIEW facts AS SELECT * FROM read_parquet('${files.facts}')`);
  await dc.run(`CREATE VIEW orders AS SELECT * FROM read_parquet('${files.orders}')`);

  const results: Array<Record<string, unknown>> = [];
  for (const q of QUERIES) {
    const fr: number[] = [];
    const dr: number[] = [];
    let fRows: StatementResult | undefined;
    let dRows: unknown[][] = [];
    for (let i = 0; i < runs; i++) {
      const f = await time(() => s.execute(q.freshet));
      fr.push(f.ms);
      fRows = f.value;
      const d = await time(async () => (await dc.runAndReadAll(q.duckdb)).getRowsJS() as unknown[][]);
      dr.push(d.ms);
      dRows = d.value;
    }
    const best = (xs: number[]) => Math.min(...xs);
    let check = '-';
    if (q.compare) {
      const a = canonicalRows(fRows!);
      const b = canonicalDuck(dRows);
      check = a.length === b.length && a.every((x, i) => x === b[i]) ? 'equal' : 'DIFFERENT';
    }
    results.push({ query: q.name, freshetMs: best(fr), duckdbMs: best(dr), ratio: best(fr) / best(dr), results: check, runsFreshetMs: fr, runsDuckdbMs: dr });
  }
  dc.closeSync();
  await engine.close();

  process.stdout.write(`\nbatch benchmark: ${rows.toLocaleString('en-US')} rows, best of ${runs} runs, DuckDB with 1 thread, same Parquet files\n\n`);
  process.stdout.write(table(['query', 'Freshet (s)', 'DuckDB (s)', 'ratio', 'results'], results.map((r) => [
    String(r.query), ((r.freshetMs as number) / 1000).toFixed(3), ((r.duckdbMs as number) / 1000).toFixed(3), (r.ratio as number).toFixed(2) + 'x', String(r.results),
  ])) + '\n');
  const file = saveResults('batch', { rows, runs, node: process.version, results });
  process.stdout.write(`\nresults written to ${file}\n`);
}
