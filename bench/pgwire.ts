/**
 * `freshet bench pgwire`: point queries over the Postgres wire protocol on a materialized table while
 * a continuous materialized table is being maintained, beside the same client load against the
 * machine's PostgreSQL on the same data.
 *
 *   freshet bench pgwire [--clients 50] [--seconds 10] [--keys 100000] [--pg postgres://postgres@127.0.0.1:5432/postgres]
 *
 * Freshet: `accounts (id BIGINT primary key, balance INT)` with `keys` rows; a scheduled materialized
 * table `balances` over it (what the clients query), and a continuous one `totals` fed by a writer that
 * commits a change every 100 ms for the whole run. Each client (node-postgres, extended protocol, a
 * prepared statement) asks `SELECT id, balance FROM balances WHERE id = $1` with random keys, one query
 * at a time. PostgreSQL: the same rows in a table with a primary key, the same clients and query. Prints
 * queries/s and latency p50/p99 for both; the PostgreSQL part is skipped (and says so) when it cannot
 * be reached.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Engine } from '../src/session/engine.ts';
import { PgServer } from '../src/server/server.ts';
import { applyConfigObject, defaultConfig } from '../src/server/config.ts';
import { TableStoreCatalog } from '../src/catalog/table-store-catalog.ts';
import { TableWrite } from '../src/store/write/table-write.ts';
import { TableCommit } from '../src/store/commit/table-commit.ts';
import { BATCH_SIZE, batchFromRows } from '../src/types/batch.ts';
import { T, notNull } from '../src/types/data-type.ts';
import { seededRandom } from '../test/support/seeded-random.ts';
import { saveResults, table, type BenchArgs } from './main.ts';

interface LoadResult {
  queries: number;
  seconds: number;
  p50: number;
  p99: number;
  errors: number;
}

function quantile(xs: Float64Array, n: number, q: number): number {
  const s = xs.slice(0, n).sort();
  return s[Math.min(n - 1, Math.floor(q * n))] ?? 0;
}

/** `clients` connections each running the point query back to back for `seconds`. */
async function load(config: pg.ClientConfig, clients: number, seconds: number, keys: number, seed: number): Promise<LoadResult> {
  const conns: pg.Client[] = [];
  for (let i = 0; i < clients; i++) {
    const c = new pg.Client(config);
    await c.connect();
    conns.push(c);
  }
  const lat = new Float64Array(5_000_000);
  let n = 0;
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(conns.map(async (c, i) => {
    const random = seededRandom(seed + i);
    while (performance.now() < end) {
      const id = Math.floor(random() * keys);
      const t0 = performance.now();
      try {
        const r = await c.query({ name: 'point', text: 'SELECT id, balance FROM balances WHERE id = $1', values: [id] });
        if (r.rows.length !== 1) errors++;
      } catch {
        errors++;
      }
      if (n < lat.length) lat[n++] = performance.now() - t0;
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  await Promise.all(conns.map((c) => c.end()));
  return { queries: n, seconds: elapsed, p50: quantile(lat, n, 0.5), p99: quantile(lat, n, 0.99), errors };
}

export async function run(args: BenchArgs): Promise<void> {
  const clients = Number(args.flags.get('clients') ?? 50);
  const seconds = Number(args.flags.get('seconds') ?? 10);
  const keys = Number(args.flags.get('keys') ?? 100_000);
  const pgUrl = args.flags.get('pg') ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dir = mkdtempSync(join(tmpdir(), 'freshet-bench-pgwire-'));
  const rows: string[][] = [];
  const out: Record<string, unknown> = { clients, seconds, keys };
  const random = seededRandom(7);
  const balances = Int32Array.from({ length: keys }, () => Math.floor(random() * 10_000));
  try {
    const engine = await Engine.open({ warehouse: dir, config: { 'table.local-time-zone': 'UTC' } });
    const s = engine.createSession({ 'execution.runtime-mode': 'batch', 'table.dml-sync': 'true' });
    await s.execute('CREATE TABLE accounts (id BIGINT NOT NULL, balance INT, PRIMARY KEY (id) NOT ENFORCED)');
    await s.execute('CREATE TABLE ticks (k INT NOT NULL, v BIGINT, PRIMARY KEY (k) NOT ENFORCED)');
    const catalog = engine.catalogs.get('default_catalog') as TableStoreCatalog;
    const accounts = catalog.storedTable('default_database', 'accounts')!;
    const types = [notNull(T.bigint()), T.int()];
    const w = new TableWrite(accounts);
    for (let start = 0; start < keys; start += BATCH_SIZE) {
      const part: unknown[][] = [];
      for (let i = start; i < Math.min(keys, start + BATCH_SIZE); i++) part.push([i, balances[i]]);
      await w.write(batchFromRows(types, part));
    }
    await new TableCommit(accounts, 'bench').commit(await w.prepareCommit(), 1);
    await s.execute("CREATE MATERIALIZED TABLE balances FRESHNESS = INTERVAL '1' HOUR AS SELECT id, balance FROM accounts");
    await s.execute("SET 'execution.checkpointing.interval' = '1 s'");
    await s.execute("CREATE MATERIALIZED TABLE totals FRESHNESS = INTERVAL '1' SECOND AS SELECT k, SUM(v) AS v, COUNT(*) AS n FROM ticks GROUP BY k");
    // the continuous table is maintained during the whole run
    const ticks = catalog.storedTable('default_database', 'ticks')!;
    let writing = true;
    let tick = 0;
    const writer = (async () => {
      while (writing) {
        const tw = new TableWrite(ticks);
        await tw.write(batchFromRows([notNull(T.int()), T.bigint()], [[tick % 100, tick]]));
        await new TableCommit(ticks, 'bench-ticks').commit(await tw.prepareCommit(), ++tick);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const server = new PgServer(engine, applyConfigObject(defaultConfig(), { host: '127.0.0.1', port: 0 }), 'bench');
    const port = await server.listen();
    const freshet = await load({ host: '127.0.0.1', port, user: 'bench', database: 'freshet' }, clients, seconds, keys, 1);
    writing = false;
    await writer;
    out.freshet = { ...freshet, commitsDuringRun: tick };
    rows.push(['Freshet (MT, continuous MT maintained)', String(freshet.queries), (freshet.queries / freshet.seconds).toFixed(0), `${freshet.p50.toFixed(2)} ms`, `${freshet.p99.toFixed(2)} ms`, String(freshet.errors)]);
    await server.close();
    await engine.close();

    try {
      const admin = new pg.Client({ connectionString: pgUrl });
      await admin.connect();
      await admin.query('DROP TABLE IF EXISTS balances');
      await admin.query('CREATE TABLE balances (id BIGINT PRIMARY KEY, balance INT)');
      for (let start = 0; start < keys; start += 10_000) {
        const ids = Array.from({ length: Math.min(10_000, keys - start) }, (_, i) => start + i);
        await admin.query('INSERT INTO balances SELECT * FROM unnest($1::bigint[], $2::int[])', [ids, ids.map((i) => balances[i])]);
      }
      await admin.query('ANALYZE balances');
      const postgres = await load({ connectionString: pgUrl }, clients, seconds, keys, 1);
      await admin.query('DROP TABLE balances');
      await admin.end();
      out.postgres = postgres;
      rows.push(['PostgreSQL (same rows, primary key)', String(postgres.queries), (postgres.queries / postgres.seconds).toFixed(0), `${postgres.p50.toFixed(2)} ms`, `${postgres.p99.toFixed(2)} ms`, String(postgres.errors)]);
    } catch (e) {
      rows.push([`PostgreSQL at ${pgUrl}: not reached (${e instanceof Error ? e.message : String(e)})`, '-', '-', '-', '-', '-']);
    }
    process.stdout.write(`${clients} clients, ${seconds} s, point queries on ${keys} keys\n\n`);
    process.stdout.write(table(['target', 'queries', 'queries/s', 'p50', 'p99', 'errors'], rows) + '\n');
    process.stdout.write(`results: ${saveResults('pgwire', out)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
