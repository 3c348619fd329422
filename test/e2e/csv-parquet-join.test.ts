/**
 * The foundation's end-to-end promise: `freshet sql-client -e` creates a CSV table and a Parquet table,
 * joins and aggregates them, and prints the same answer DuckDB computes from the same files.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { tempDir } from '../helpers/temp-dir.ts';

const run = promisify(execFile);
const bin = join(import.meta.dirname, '..', '..', 'bin', 'freshet');

/** Rows of the bordered tables the client prints (header excluded). */
function printedRows(stdout: string): string[][] {
  const tables: string[][][] = [];
  let current: string[][] | null = null;
  let sawHeader = false;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('+-')) {
      if (current === null) { current = []; sawHeader = false; }
      continue;
    }
    if (line.startsWith('|') && current !== null) {
      const cells = line.slice(1, -1).split('|').map((c) => c.trim());
      if (!sawHeader) sawHeader = true;
      else current.push(cells);
      continue;
    }
    if (current !== null && line.trim() !== '') { tables.push(current); current = null; }
  }
  if (current !== null) tables.push(current);
  return tables[tables.length - 1] ?? [];
}

describe('sql-client over CSV and Parquet files', () => {
  it('joins and aggregates a CSV and a Parquet table like DuckDB does', async () => {
    const dir = tempDir('freshet-e2e-');
    const csv = join(dir, 'customers.csv');
    const parquet = join(dir, 'orders.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    await c.run('SELECT setseed(0.7)');
    await c.run(`COPY (SELECT i AS id, 'customer ' || i AS name, ['north', 'south', 'east', 'west', NULL][1 + (i % 5)] AS region
      FROM range(1, 201) t(i)) TO '${csv}' (FORMAT CSV, HEADER false)`);
    await c.run(`COPY (SELECT i AS order_id, (1 + floor(random() * 230))::INT AS customer_id,
        round(random() * 1000, 2)::DECIMAL(10, 2) AS amount
      FROM range(5000) t(i)) TO '${parquet}' (FORMAT PARQUET)`);
    const query = `SELECT c.region, COUNT(*) AS orders, SUM(o.amount) AS total, MAX(o.amount) AS biggest
      FROM orders o JOIN customers c ON o.customer_id = c.id
      WHERE o.amount > 10 GROUP BY c.region ORDER BY c.region NULLS LAST`;
    const script = [
      `CREATE TABLE customers (id INT, name STRING, region STRING) WITH ('connector' = 'filesystem', 'path' = '${csv}', 'format' = 'csv')`,
      `CREATE TABLE orders (order_id BIGINT, customer_id INT, amount DECIMAL(10, 2)) WITH ('connector' = 'filesystem', 'path' = '${parquet}', 'format' = 'parquet')`,
      query,
    ].join(';\n') + ';';
    const { stdout } = await run(process.execPath, [bin, 'sql-client', '--warehouse', join(dir, 'warehouse'), '-e', script], { env: { ...process.env, TZ: 'UTC' } });
    const freshet = printedRows(stdout).map((r) => r.map((v) => (v === '<NULL>' ? 'NULL' : v)));

    await c.run(`CREATE VIEW customers AS SELECT * FROM read_csv('${csv}', header = false, columns = {'id': 'INT', 'name': 'VARCHAR', 'region': 'VARCHAR'})`);
    await c.run(`CREATE VIEW orders AS SELECT * FROM read_parquet('${parquet}')`);
    const duck = (await c.runAndReadAll(query)).getRowsJS().map((r) => r.map((v) => (v === null ? 'NULL' : typeof v === 'object' ? String(v) : String(v))));
    c.closeSync();

    expect(freshet.length).toBe(5);
    // DuckDB prints DECIMAL(38, 2) sums without trailing zeros; compare numerically per column
    expect(freshet.map((r) => [r[0], Number(r[1]), Number(r[2]).toFixed(2), Number(r[3]).toFixed(2)]))
      .toEqual(duck.map((r) => [r[0], Number(r[1]), Number(r[2]).toFixed(2), Number(r[3]).toFixed(2)]));
  }, 60_000);
});
