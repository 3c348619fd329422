/**
 * psql 15's describe meta-commands against the server: \d, \dt, \dv, \dm, \di, \dn, \l, \d name, \d+ name.
 * Each one is a series of catalog queries (up to ten for \d+), so the output only appears when every
 * query of the series works; ON_ERROR_STOP makes any failure show as a non-zero exit and an ERROR.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Engine } from '../../src/session/engine.ts';
import { startServer, type TestServer } from './server-kit.ts';

const PSQL = ['/usr/bin/psql', '/usr/lib/postgresql/15/bin/psql'].find((p) => existsSync(p));

interface Run { code: number; stdout: string; stderr: string }

function psql(port: number, ...commands: string[]): Promise<Run> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-U', 'alice', '-d', 'freshet', '-X', '-v', 'ON_ERROR_STOP=1'];
  for (const c of commands) args.push('-c', c);
  return new Promise((resolve) => {
    execFile(PSQL!, args, { env: { PATH: process.env.PATH ?? '', PGCONNECT_TIMEOUT: '10', PGSSLMODE: 'disable', PAGER: '', COLUMNS: '200' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Runs one meta-command and insists it worked. */
async function meta(port: number, command: string): Promise<string> {
  const r = await psql(port, command);
  expect(r.stderr, `${command} wrote to stderr`).toBe('');
  expect(r.code, `${command} failed`).toBe(0);
  expect(r.stdout).not.toMatch(/ERROR/);
  return r.stdout;
}

const lines = (...ls: string[]): string => ls.join('\n') + '\n';

let engine: Engine;
let ts: TestServer;

beforeAll(async () => {
  engine = await Engine.open({});
  ts = await startServer({}, engine);
  const s = engine.createSession({ 'execution.runtime-mode': 'batch' });
  await s.execute("CREATE DATABASE sales COMMENT 'sales data'");
  await s.execute("CREATE TABLE orders (id BIGINT NOT NULL, customer VARCHAR(40) COMMENT 'who ordered', amount DECIMAL(10, 2), day STRING, "
    + "placed TIMESTAMP(3), PRIMARY KEY (id, day) NOT ENFORCED) COMMENT 'all orders' PARTITIONED BY (day)");
  await s.execute('CREATE TABLE items (sku STRING, qty INT, total AS qty * 2)');
  await s.execute('CREATE TABLE skus (sku STRING NOT NULL, PRIMARY KEY (sku) NOT ENFORCED)');
  await s.execute('CREATE VIEW big_orders AS SELECT id, amount FROM orders WHERE amount > 100');
  await s.execute('CREATE TABLE sales.leads (name STRING)');
  engine.releaseSession(s);
});

afterAll(async () => {
  await ts.close();
  await engine.close();
});

describe.skipIf(!PSQL)('psql meta-commands', () => {
  it('\\d lists tables and views of the current database', async () => {
    expect(await meta(ts.port, '\\d')).toBe(lines(
      '                     List of relations',
      '      Schema      |    Name    |       Type        | Owner ',
      '------------------+------------+-------------------+-------',
      ' default_database | big_orders | view              | alice',
      ' default_database | items      | table             | alice',
      ' default_database | orders     | partitioned table | alice',
      ' default_database | skus       | table             | alice',
      '(4 rows)',
      '',
    ));
  });

  it('\\dt lists tables, \\dv views, \\dm nothing yet', async () => {
    const dt = await meta(ts.port, '\\dt');
    expect(dt).toContain(' default_database | items  | table             | alice');
    expect(dt).toContain(' default_database | orders | partitioned table | alice');
    expect(dt).not.toContain('big_orders');
    const dv = await meta(ts.port, '\\dv');
    expect(dv).toContain(' default_database | big_orders | view | alice');
    expect(dv).toContain('(1 row)');
    const dm = await psql(ts.port, '\\dm');
    expect(dm.code).toBe(0);
    expect(dm.stderr).toBe('Did not find any relations.\n');
  });

  it('\\dt schema.* lists another database', async () => {
    expect(await meta(ts.port, '\\dt sales.*')).toContain(' sales  | leads | table | alice');
  });

  it('\\di lists primary keys as indexes', async () => {
    const out = await meta(ts.port, '\\di');
    expect(out).toContain(' default_database | orders_pkey | index | alice | orders');
    expect(out).toContain(' default_database | skus_pkey   | index | alice | skus');
  });

  it('\\dn lists databases as schemas, \\dn+ with comments', async () => {
    expect(await meta(ts.port, '\\dn')).toBe(lines(
      '     List of schemas',
      '       Name       | Owner ',
      '------------------+-------',
      ' default_database | alice',
      ' sales            | alice',
      '(2 rows)',
      '',
    ));
    expect(await meta(ts.port, '\\dn+')).toMatch(/ sales +\| alice \| +\| sales data/);
  });

  it('\\l lists catalogs as databases', async () => {
    const out = await meta(ts.port, '\\l');
    expect(out).toContain('List of databases');
    expect(out).toMatch(/ default_catalog \| alice \| UTF8 +\| C +\| C +\| +\| libc /);
  });

  it('\\d table shows columns, types, nullability, partition key and primary key', async () => {
    expect(await meta(ts.port, '\\d orders')).toBe(lines(
      '                Partitioned table "default_database.orders"',
      '  Column  |              Type              | Collation | Nullable | Default ',
      '----------+--------------------------------+-----------+----------+---------',
      ' id       | bigint                         |           | not null | ',
      ' customer | character varying(40)          |           |          | ',
      ' amount   | numeric(10,2)                  |           |          | ',
      ' day      | text                           |           | not null | ',
      ' placed   | timestamp(3) without time zone |           |          | ',
      'Partition key: LIST (day)',
      'Indexes:',
      '    "orders_pkey" PRIMARY KEY, btree (id, day)',
      'Number of partitions: 0',
      '',
    ));
  });

  it('\\d+ table adds storage, comments and the access method (the connector)', async () => {
    const out = await meta(ts.port, '\\d+ orders');
    expect(out).toMatch(/ customer \| character varying\(40\) +\| +\| +\| +\| extended \| +\| +\| who ordered/);
    expect(out).toContain('Partition key: LIST (day)');
    const skus = await meta(ts.port, '\\d+ skus');
    expect(skus).toContain('Table "default_database.skus"');
    expect(skus).toContain('"skus_pkey" PRIMARY KEY, btree (sku)');
    expect(skus).toContain('Access method: table-store');
  });

  it('\\d shows computed columns as generated', async () => {
    expect(await meta(ts.port, '\\d items')).toMatch(/ total +\| integer +\| +\| +\| generated always as \(qty \* 2\) stored/);
  });

  it('\\d+ view shows its definition', async () => {
    const out = await meta(ts.port, '\\d+ big_orders');
    expect(out).toContain('View "default_database.big_orders"');
    expect(out).toMatch(/ amount +\| numeric\(10,2\) /);
    expect(out).toContain('View definition:\n SELECT id, amount FROM orders WHERE amount > 100;\n');
  });

  it('\\d index describes the primary key', async () => {
    const out = await meta(ts.port, '\\d orders_pkey');
    expect(out).toContain('Index "default_database.orders_pkey"');
    expect(out).toContain('primary key, btree, for table "default_database.orders"');
  });

  it('\\d of an unknown name says so, and sees objects created a moment ago', async () => {
    const r = await psql(ts.port, '\\d later');
    expect(r.stderr).toBe('Did not find any relation named "later".\n');
    const s = engine.createSession({ 'execution.runtime-mode': 'batch' });
    await s.execute('CREATE TABLE later (x INT)');
    engine.releaseSession(s);
    expect(await meta(ts.port, '\\d later')).toContain(' x      | integer |');
  });
});
