/**
 * The child process of materialized-kill.test.ts: opens an engine on the warehouse (which resumes the
 * continuous table's job and runs missed schedules), creates the materialized tables if an earlier
 * child did not, then refreshes the scheduled ones again and again until it is killed.
 *
 *   node --import tsx test/session/mt-kill-child.ts '<warehouse>'
 *
 * It prints `ready` once the engine is open and the tables exist.
 */
import { pathToFileURL } from 'node:url';
import { Engine } from '../../src/session/engine.ts';

export const MT_QUERY = 'SELECT c.region, COUNT(*) AS n, SUM(o.amount) AS total FROM orders AS o JOIN custs AS c ON o.cust = c.cust GROUP BY c.region';

async function main(warehouse: string): Promise<void> {
  const engine = await Engine.open({ warehouse, config: { 'table.local-time-zone': 'UTC' } });
  const s = engine.createSession({ 'execution.runtime-mode': 'batch', 'table.dml-sync': 'true', 'execution.checkpointing.interval': '100 ms' });
  const shown = await s.execute('SHOW MATERIALIZED TABLES');
  const have = new Set(shown.kind === 'rows' ? shown.rows.map((r) => r[0]) : []);
  const create = async (name: string, clause: string): Promise<void> => {
    if (!have.has(name)) await s.execute(`CREATE MATERIALIZED TABLE ${name} ${clause} AS ${MT_QUERY}`);
  };
  await create('m_full', "FRESHNESS = INTERVAL '1' HOUR REFRESH_MODE = FULL");
  await create('m_inc', "FRESHNESS = INTERVAL '1' HOUR REFRESH_MODE = INCREMENTAL");
  await create('m_cont', "FRESHNESS = INTERVAL '1' SECOND");
  process.stdout.write('ready\n');
  for (;;) {
    await s.execute('ALTER MATERIALIZED TABLE m_inc REFRESH');
    await s.execute('ALTER MATERIALIZED TABLE m_full REFRESH');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  main(process.argv[2]!).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
