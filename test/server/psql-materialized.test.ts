/**
 * Materialized tables as psql sees them: relkind 'm', listed by \dm (not by \dt), and \d+ shows the
 * definition query the way Postgres shows a materialized view's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Engine } from '../../src/session/engine.ts';
import { startServer, type TestServer } from './server-kit.ts';

const PSQL = ['/usr/bin/psql', '/usr/lib/postgresql/15/bin/psql'].find((p) => existsSync(p));

function psql(port: number, command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-U', 'alice', '-d', 'freshet', '-X', '-v', 'ON_ERROR_STOP=1', '-c', command];
  return new Promise((resolve) => {
    execFile(PSQL!, args, { env: { PATH: process.env.PATH ?? '', PGCONNECT_TIMEOUT: '10', PGSSLMODE: 'disable', PAGER: '', COLUMNS: '200' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

let engine: Engine;
let ts: TestServer;

beforeAll(async () => {
  engine = await Engine.open({});
  ts = await startServer({}, engine);
  const s = engine.createSession({ 'execution.runtime-mode': 'batch', 'table.dml-sync': 'true' });
  await s.execute('CREATE TABLE orders (id BIGINT NOT NULL, customer STRING NOT NULL, amount INT, PRIMARY KEY (id) NOT ENFORCED)');
  await s.execute("INSERT INTO orders VALUES (1, 'ann', 10), (2, 'bob', 20)");
  await s.execute("CREATE MATERIALIZED TABLE totals FRESHNESS = INTERVAL '1' HOUR AS SELECT customer, SUM(amount) AS total FROM orders GROUP BY customer");
  engine.releaseSession(s);
});

afterAll(async () => {
  await ts.close();
  await engine.close();
});

describe.skipIf(!PSQL)('materialized tables in psql', () => {
  it('\\dm lists them, \\dt does not', async () => {
    const dm = await psql(ts.port, '\\dm');
    expect(dm.stderr).toBe('');
    expect(dm.stdout).toContain(' default_database | totals | materialized view | alice');
    const dt = await psql(ts.port, '\\dt');
    expect(dt.stdout).not.toContain('totals');
  });

  it('\\d+ shows the definition', async () => {
    const r = await psql(ts.port, '\\d+ totals');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Materialized view "default_database.totals"');
    expect(r.stdout).toContain('View definition:');
    expect(r.stdout).toContain('SELECT customer, SUM(amount) AS total FROM orders GROUP BY customer;');
  });

  it('is queried like a table', async () => {
    const r = await psql(ts.port, 'SELECT * FROM totals ORDER BY customer');
    expect(r.stdout).toContain(' ann      |    10');
  });
});
