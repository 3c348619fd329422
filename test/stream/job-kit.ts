/**
 * A continuous job for tests of checkpoints, savepoints and restarts: orders (a test queue) joined with
 * customer names (another queue), totals per customer into a primary-key table-store table. Input
 * batches are a pure function of their number, so the oracle (the query folded over the first n order
 * batches) is known; comparing the table with it shows any row lost or counted twice.
 *
 * Waiting is by condition, never by a fixed sleep.
 */
import { join } from 'node:path';
import { Engine } from '../../src/session/engine.ts';
import type { Clock } from '../../src/exec/operator.ts';
import type { Session } from '../../src/session/session.ts';
import { drained, endQueue, pushRows } from './queue-connector.ts';

export const QUERY = `INSERT INTO totals
  SELECT o.customer, c.name, COUNT(*), SUM(o.amount)
  FROM orders AS o JOIN customers AS c ON o.customer = c.id
  GROUP BY o.customer, c.name`;

export const TOTALS = 'SELECT customer, name, orders, total FROM totals';

export async function createTables(s: Session): Promise<void> {
  await s.execute("CREATE TABLE IF NOT EXISTS orders (customer INT, amount BIGINT) WITH ('connector' = 'test-queue', 'queue' = 'orders')");
  await s.execute("CREATE TABLE IF NOT EXISTS customers (id INT, name STRING) WITH ('connector' = 'test-queue', 'queue' = 'customers')");
  await s.execute("CREATE TABLE IF NOT EXISTS totals (customer INT, name STRING, orders BIGINT, total BIGINT, PRIMARY KEY (customer) NOT ENFORCED) WITH ('bucket' = '2')");
}

/** Input batches: customers first, then orders in batches (a pure function of the batch number). */
export const customerRows = (): unknown[][] => Array.from({ length: 12 }, (_, i) => [i, `c${i}`]);
export const orderBatch = (n: number): unknown[][] => Array.from({ length: 20 }, (_, i) => [(n * 7 + i * 5) % 12, n * 100 + i]);

const byJson = (a: unknown[], b: unknown[]): number => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);

/** The oracle: the query folded over order batches [0, batches). */
export function expected(batches: number): unknown[][] {
  const by = new Map<number, { n: number; s: number }>();
  for (let b = 0; b < batches; b++) {
    for (const [k, v] of orderBatch(b) as Array<[number, number]>) {
      const t = by.get(k) ?? { n: 0, s: 0 };
      t.n++;
      t.s += v;
      by.set(k, t);
    }
  }
  return [...by].map(([k, t]) => [k, `c${k}`, t.n, t.s]).sort(byJson);
}

/** Normalizes BIGINT values (numbers or bigints) for comparison. */
export const plain = (rs: unknown[][]): unknown[][] => rs.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)));

export async function rows(s: Session, sql: string): Promise<unknown[][]> {
  const r = await s.execute(sql);
  if (r.kind !== 'rows') throw new Error(`expected rows from ${sql}, got ${r.kind}`);
  return [...r.rows].sort(byJson);
}

export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function pushOrders(from: number, to: number): Promise<void> {
  for (let b = from; b < to; b++) pushRows('orders', orderBatch(b));
  await drained('orders');
}

export function endInput(): void {
  endQueue('orders');
  endQueue('customers');
}

export function sessions(e: Engine): { batch: Session; streaming: Session } {
  return {
    batch: e.createSession({ 'execution.runtime-mode': 'batch', 'table.local-time-zone': 'UTC' }),
    streaming: e.createSession({ 'execution.runtime-mode': 'streaming', 'table.local-time-zone': 'UTC' }),
  };
}

export async function showJobs(e: Engine): Promise<Array<Record<string, unknown>>> {
  const r = await e.createSession().execute('SHOW JOBS');
  if (r.kind !== 'rows') throw new Error('expected rows');
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c.name, row[i]])));
}

/** Engines opened on one warehouse, closed after each test. */
export class Warehouse {
  readonly dir: string;
  private readonly engines: Engine[] = [];

  constructor(dir: string) {
    this.dir = dir;
  }

  async open(clock?: Clock): Promise<Engine> {
    const e = await Engine.open({ warehouse: this.dir, clock });
    this.engines.push(e);
    return e;
  }

  /** Closes an engine now (its jobs are suspended). */
  async close(e: Engine): Promise<void> {
    this.engines.splice(this.engines.indexOf(e), 1);
    await e.close();
  }

  async closeAll(): Promise<void> {
    for (const e of this.engines.splice(0)) await e.close();
  }

  jobDir(id: string): string {
    return join(this.dir, '_jobs', id);
  }
}

/**
 * Submits the job (checkpoints every hour, so the test takes them) with extra session options and
 * feeds the customers; returns its id and the sessions.
 */
export async function startJob(e: Engine, opts: Record<string, string> = {}): Promise<{ id: string; s: ReturnType<typeof sessions> }> {
  const s = sessions(e);
  await createTables(s.batch);
  await s.streaming.execute("SET 'execution.checkpointing.interval' = '1 h'");
  for (const [k, v] of Object.entries(opts)) await s.streaming.execute(`SET '${k}' = '${v}'`);
  const r = await s.streaming.execute(QUERY);
  if (r.kind !== 'ok' || r.jobId === undefined) throw new Error('expected a job');
  pushRows('customers', customerRows());
  await drained('customers');
  return { id: r.jobId, s };
}
