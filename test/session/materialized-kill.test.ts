/**
 * Kill -9 of the engine while it maintains materialized tables in all three modes: a child process
 * keeps a continuous table's job running and refreshes a FULL and an INCREMENTAL table in a loop; the
 * test changes the sources (inserts, updates, deletes), starts a child, and SIGKILLs it at a seeded
 * random moment — during a refresh, a commit, a checkpoint or a start-up — eight times. Then an
 * engine opens on the warehouse, refreshes once, and every table must equal the batch oracle: nothing
 * lost, nothing applied twice, no refresh left half-done.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Engine } from '../../src/session/engine.ts';
import type { Session } from '../../src/session/session.ts';
import { TableStoreCatalog } from '../../src/catalog/table-store-catalog.ts';
import { TableWrite } from '../../src/store/write/table-write.ts';
import { TableCommit } from '../../src/store/commit/table-commit.ts';
import { batchFromRows } from '../../src/types/batch.ts';
import { T, notNull, type DataType } from '../../src/types/data-type.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { seededRandom } from '../support/seeded-random.ts';
import { MT_QUERY } from './mt-kill-child.ts';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'mt-kill-child.ts');
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const engines: Engine[] = [];

afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

/** Starts a child; SIGKILLs it `killAfter` ms after it is ready. Resolves when it is gone. */
function runChild(warehouse: string, killAfter: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, warehouse], { cwd: ROOT, env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killer: ReturnType<typeof setTimeout> | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killer === undefined && out.includes('ready')) killer = setTimeout(() => child.kill('SIGKILL'), killAfter);
    });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (killer) clearTimeout(killer);
      if (signal !== 'SIGKILL') reject(new Error(`the child ended by itself (code ${code}): ${err}`));
      else resolve(err);
    });
  });
}

const ORDER_TYPES: DataType[] = [notNull(T.int()), T.string(), T.int()];
const CUST_TYPES: DataType[] = [notNull(T.string()), notNull(T.string())];

async function rows(s: Session, sql: string): Promise<string[]> {
  const r = await s.execute(sql);
  if (r.kind !== 'rows') throw new Error(`expected rows from ${sql}`);
  return r.rows.map((x) => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))).sort();
}

it('kill -9 during continuous, incremental and full refreshes: every table converges to the oracle', async () => {
  const warehouse = tempDir('freshet-mt-kill-');
  const random = seededRandom(7);
  // the sources, created by an engine that closes before the children start
  const setup = await Engine.open({ warehouse });
  const s0 = setup.createSession({ 'execution.runtime-mode': 'batch', 'table.dml-sync': 'true' });
  await s0.execute('CREATE TABLE orders (id INT NOT NULL, cust STRING, amount INT, PRIMARY KEY (id) NOT ENFORCED)');
  await s0.execute('CREATE TABLE custs (cust STRING NOT NULL, region STRING NOT NULL, PRIMARY KEY (cust) NOT ENFORCED)');
  await s0.execute("INSERT INTO custs VALUES ('a', 'eu'), ('b', 'us'), ('c', 'ap')");
  await setup.close();

  const catalog = await TableStoreCatalog.open('default_catalog', warehouse);
  const live = new Set<number>();
  let commit = 0;
  const write = async (table: string, types: DataType[], changes: Array<[number, unknown[]]>): Promise<void> => {
    const t = catalog.storedTable('default_database', table)!;
    const w = new TableWrite(t);
    await w.write(batchFromRows(types, changes.map(([, r]) => r), Uint8Array.from(changes.map(([k]) => k))));
    await new TableCommit(t, 'test-writer').commit(await w.prepareCommit(), ++commit);
  };
  for (let k = 0; k < 8; k++) {
    const changes: Array<[number, unknown[]]> = [];
    for (let i = 0; i < 40; i++) {
      const id = 1 + Math.floor(random() * 60);
      if (random() < 0.2 && live.has(id)) {
        changes.push([3, [id, null, null]]);
        live.delete(id);
      } else {
        changes.push([live.has(id) ? 2 : 0, [id, ['a', 'b', 'c', 'd'][Math.floor(random() * 4)], Math.floor(random() * 100)]]);
        live.add(id);
      }
    }
    await write('orders', ORDER_TYPES, changes);
    if (k % 4 === 3) await write('custs', CUST_TYPES, [[2, ['a', ['eu', 'us', 'ap'][k % 3]!]]]);
    await runChild(warehouse, Math.floor(random() * 1500));
  }

  const e = await Engine.open({ warehouse, config: { 'table.local-time-zone': 'UTC' } });
  engines.push(e);
  const s = e.createSession({ 'execution.runtime-mode': 'batch', 'table.dml-sync': 'true' });
  const oracle = await rows(s, MT_QUERY);
  expect(oracle.length).toBeGreaterThan(0);
  await s.execute('ALTER MATERIALIZED TABLE m_inc REFRESH');
  await s.execute('ALTER MATERIALIZED TABLE m_full REFRESH');
  expect(await rows(s, 'SELECT * FROM m_full')).toEqual(oracle);
  expect(await rows(s, 'SELECT * FROM m_inc')).toEqual(oracle);
  const start = Date.now();
  while (JSON.stringify(await rows(s, 'SELECT * FROM m_cont')) !== JSON.stringify(oracle)) {
    if (Date.now() - start > 30_000) expect(await rows(s, 'SELECT * FROM m_cont')).toEqual(oracle);
    await new Promise((r) => setTimeout(r, 50));
  }
  const failed = (await rows(s, 'SHOW JOBS')).filter((j) => j.includes('FAILED'));
  expect(failed).toEqual([]);
}, 300_000);
