/**
 * Materialized tables end to end through the Engine API.
 *
 * The core property: the same definition over the same evolving table-store sources gives the same
 * content in all three refresh modes after every refresh, and that content is what a batch run of the
 * query returns (the oracle). Sources change by inserts, updates and deletes (written as changelogs
 * straight into the table store); the query joins and aggregates.
 *
 * Then the lifecycle: SUSPEND / RESUME, SET FRESHNESS, SET REFRESH_MODE and ALTER .. AS keep committed
 * data; schedules run at wall-clock multiples (a manual clock) and a run missed while no engine was
 * open runs once when one opens; REFRESH PARTITION rewrites only that partition's files; a continuous
 * table's job resumes in the next engine. Waiting is by condition, never by a fixed sleep.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Engine } from '../../src/session/engine.ts';
import type { Session } from '../../src/session/session.ts';
import { TableStoreCatalog } from '../../src/catalog/table-store-catalog.ts';
import { TableWrite } from '../../src/store/write/table-write.ts';
import { TableCommit } from '../../src/store/commit/table-commit.ts';
import { batchFromRows } from '../../src/types/batch.ts';
import { ManualClock } from '../../src/exec/operator.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { T, notNull } from '../../src/types/data-type.ts';

const engines: Engine[] = [];

afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

async function open(warehouse: string, clock?: ManualClock): Promise<Engine> {
  const e = await Engine.open({ warehouse, config: { 'table.local-time-zone': 'UTC' }, clock });
  engines.push(e);
  return e;
}

function batchSession(e: Engine): Session {
  return e.createSession({ 'execution.runtime-mode': 'batch', 'table.dml-sync': 'true' });
}

async function rows(s: Session, sql: string): Promise<string[]> {
  const r = await s.execute(sql);
  if (r.kind !== 'rows') throw new Error(`expected rows from ${sql}, got ${r.kind}`);
  return r.rows.map((x) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))).sort();
}

async function until(cond: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Writes rows with change kinds (0 +I, 2 +U, 3 -D) into a table-store table as one commit. */
const commits = new Map<string, number>();
async function writeChanges(e: Engine, table: string, types: Parameters<typeof batchFromRows>[0], changes: Array<[number, unknown[]]>): Promise<void> {
  const c = e.catalogs.get('default_catalog') as TableStoreCatalog;
  const t = c.storedTable('default_database', table)!;
  const w = new TableWrite(t);
  await w.write(batchFromRows(types, changes.map(([, r]) => r), Uint8Array.from(changes.map(([k]) => k))));
  const n = (commits.get(t.path) ?? 0) + 1;
  commits.set(t.path, n);
  await new TableCommit(t, `test-writer-${table}`).commit(await w.prepareCommit(), n);
}

const QUERY = 'SELECT c.region, COUNT(*) AS n, SUM(o.amount) AS total, MAX(o.amount) AS top FROM orders AS o JOIN custs AS c ON o.cust = c.cust WHERE o.amount > 2 GROUP BY c.region';

async function setUpSources(e: Engine): Promise<Session> {
  const s = batchSession(e);
  await s.execute('CREATE TABLE orders (id INT NOT NULL, cust STRING, amount INT, PRIMARY KEY (id) NOT ENFORCED)');
  await s.execute('CREATE TABLE custs (cust STRING NOT NULL, region STRING NOT NULL, PRIMARY KEY (cust) NOT ENFORCED)');
  return s;
}

const ORDER_TYPES = [notNull(T.int()), T.string(), T.int()];
const CUST_TYPES = [notNull(T.string()), notNull(T.string())];

describe('the three refresh modes agree with the batch oracle after every refresh', () => {
  const op = fc.oneof(
    fc.record({ t: fc.constant('order' as const), id: fc.integer({ min: 1, max: 8 }), cust: fc.constantFrom('a', 'b', 'c', 'd', 'e'), amount: fc.integer({ min: 0, max: 40 }), del: fc.boolean() }),
    fc.record({ t: fc.constant('cust' as const), cust: fc.constantFrom('a', 'b', 'c', 'd'), region: fc.constantFrom('eu', 'us', 'ap'), del: fc.boolean() }),
  );
  it('FULL, INCREMENTAL, CONTINUOUS and the cost-based choice over inserts, updates and deletes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 4 }), async (rounds) => {
        const e = await open(tempDir('freshet-mt-modes-'));
        const s = await setUpSources(e);
        await s.execute("SET 'execution.checkpointing.interval' = '100 ms'");
        await s.execute(`CREATE MATERIALIZED TABLE m_full FRESHNESS = INTERVAL '1' HOUR REFRESH_MODE = FULL AS ${QUERY}`);
        await s.execute(`CREATE MATERIALIZED TABLE m_inc FRESHNESS = INTERVAL '1' HOUR REFRESH_MODE = INCREMENTAL AS ${QUERY}`);
        await s.execute(`CREATE MATERIALIZED TABLE m_cont FRESHNESS = INTERVAL '1' SECOND AS ${QUERY}`);
        // chosen by cost at every run: small rounds run INCREMENTAL, large ones FULL, in any order
        await s.execute("SET 'materialized-table.incremental.max-change-ratio' = '0.5'");
        await s.execute(`CREATE MATERIALIZED TABLE m_auto FRESHNESS = INTERVAL '1' HOUR AS ${QUERY}`);
        const live = { orders: new Set<number>(), custs: new Set<string>() };
        for (const round of rounds) {
          for (const o of round) {
            if (o.t === 'order') {
              const kind = o.del ? (live.orders.has(o.id) ? 3 : 0) : live.orders.has(o.id) ? 2 : 0;
              await writeChanges(e, 'orders', ORDER_TYPES, [[kind, [o.id, o.cust, o.amount]]]);
              if (kind === 3) live.orders.delete(o.id);
              else live.orders.add(o.id);
            } else {
              const kind = o.del ? (live.custs.has(o.cust) ? 3 : 0) : live.custs.has(o.cust) ? 2 : 0;
              await writeChanges(e, 'custs', CUST_TYPES, [[kind, [o.cust, o.region]]]);
              if (kind === 3) live.custs.delete(o.cust);
              else live.custs.add(o.cust);
            }
          }
          await s.execute('ALTER MATERIALIZED TABLE m_full REFRESH');
          await s.execute('ALTER MATERIALIZED TABLE m_inc REFRESH');
          await s.execute('ALTER MATERIALIZED TABLE m_auto REFRESH');
          const oracle = await rows(s, QUERY);
          expect(await rows(s, 'SELECT * FROM m_auto')).toEqual(oracle);
          expect(await rows(s, 'SELECT * FROM m_full')).toEqual(oracle);
          expect(await rows(s, 'SELECT * FROM m_inc')).toEqual(oracle);
          await until(async () => JSON.stringify(await rows(s, 'SELECT * FROM m_cont')) === JSON.stringify(oracle), 'the continuous table to reach the oracle');
        }
        await e.close();
        engines.splice(engines.indexOf(e), 1);
      }),
      { numRuns: 5, seed: 20261121, endOnFailure: true },
    );
  }, 240_000);
});

describe('lifecycle', () => {
  it('SUSPEND / RESUME, SET FRESHNESS, SET REFRESH_MODE and ALTER AS keep committed data', async () => {
    const e = await open(tempDir('freshet-mt-life-'));
    const s = await setUpSources(e);
    await s.execute("SET 'execution.checkpointing.interval' = '100 ms'");
    await s.execute("INSERT INTO custs VALUES ('a', 'eu'), ('b', 'us')");
    await s.execute("INSERT INTO orders VALUES (1, 'a', 10), (2, 'b', 20)");
    await s.execute(`CREATE MATERIALIZED TABLE m FRESHNESS = INTERVAL '1' SECOND AS ${QUERY}`);
    const same = async (): Promise<boolean> => JSON.stringify(await rows(s, 'SELECT * FROM m')) === JSON.stringify(await rows(s, QUERY));
    await until(same, 'the first result');
    const jobs = async (): Promise<string[]> => (await rows(s, 'SHOW JOBS')).filter((r) => r.includes('materialized-table_m'));

    // suspended: its data stays, changes wait
    await s.execute('ALTER MATERIALIZED TABLE m SUSPEND');
    const before = await rows(s, 'SELECT * FROM m');
    await s.execute("INSERT INTO orders VALUES (3, 'a', 30)");
    expect(await rows(s, 'SELECT * FROM m')).toEqual(before);
    expect((await rows(s, 'SHOW MATERIALIZED TABLES'))[0]).toContain('SUSPENDED');
    await s.execute("ALTER MATERIALIZED TABLE m RESUME WITH ('execution.checkpointing.interval' = '50 ms')");
    await until(same, 'the change made while suspended');
    expect((await jobs()).filter((j) => j.includes('RUNNING'))).toHaveLength(1);

    // a new freshness: the same job, still continuous
    await s.execute("ALTER MATERIALIZED TABLE m SET FRESHNESS = INTERVAL '2' SECOND");
    await s.execute("INSERT INTO orders VALUES (4, 'b', 40)");
    await until(same, 'a change after SET FRESHNESS');

    // to FULL: the job ends, the data stays; a manual refresh picks up changes
    await s.execute('ALTER MATERIALIZED TABLE m SET REFRESH_MODE = FULL');
    expect((await jobs()).filter((j) => j.includes('RUNNING'))).toHaveLength(0);
    expect(await same()).toBe(true);
    await s.execute("INSERT INTO orders VALUES (5, 'a', 50)");
    expect(await same()).toBe(false);
    await s.execute('ALTER MATERIALIZED TABLE m REFRESH');
    expect(await same()).toBe(true);

    // back to CONTINUOUS: a new job continues from the refreshed content
    await s.execute('ALTER MATERIALIZED TABLE m SET REFRESH_MODE = CONTINUOUS');
    await s.execute("INSERT INTO orders VALUES (1, 'b', 11)");
    await until(same, 'a change after switching back to CONTINUOUS');

    // a query change that adds a column: old columns keep their values, the new one is filled
    await s.execute(`ALTER MATERIALIZED TABLE m AS ${QUERY.replace('MAX(o.amount) AS top', 'MAX(o.amount) AS top, MIN(o.amount) AS low')}`);
    const q2 = QUERY.replace('MAX(o.amount) AS top', 'MAX(o.amount) AS top, MIN(o.amount) AS low');
    await until(async () => JSON.stringify(await rows(s, 'SELECT * FROM m')) === JSON.stringify(await rows(s, q2)), 'the new query result');
    await s.execute("INSERT INTO orders VALUES (6, 'a', 3)");
    await until(async () => JSON.stringify(await rows(s, 'SELECT * FROM m')) === JSON.stringify(await rows(s, q2)), 'a change after the query change');
    expect((await jobs()).filter((j) => j.includes('RUNNING'))).toHaveLength(1);

    // DROP stops the job and removes the table
    await s.execute('DROP MATERIALIZED TABLE m');
    expect((await jobs()).filter((j) => j.includes('RUNNING'))).toHaveLength(0);
    await expect(s.execute('SELECT * FROM m')).rejects.toThrow(/m/);
  }, 120_000);

  it('a continuous table resumes in the next engine; a scheduled one catches up on a missed run', async () => {
    const warehouse = tempDir('freshet-mt-restart-');
    const clock = new ManualClock(Date.parse('2026-01-01T10:07:00Z'));
    let e = await open(warehouse, clock);
    let s = await setUpSources(e);
    await s.execute("SET 'execution.checkpointing.interval' = '100 ms'");
    await s.execute("INSERT INTO custs VALUES ('a', 'eu')");
    await s.execute("INSERT INTO orders VALUES (1, 'a', 10)");
    await s.execute(`CREATE MATERIALIZED TABLE mc FRESHNESS = INTERVAL '1' SECOND AS ${QUERY}`);
    // below the threshold a table refreshes continuously; at or above it, on a schedule
    await s.execute("SET 'materialized-table.refresh-mode.freshness-threshold' = '10 min'");
    await s.execute(`CREATE MATERIALIZED TABLE ms FRESHNESS = INTERVAL '15' MINUTE AS ${QUERY}`);
    const sameAs = (t: string) => async (): Promise<boolean> => JSON.stringify(await rows(s, `SELECT * FROM ${t}`)) === JSON.stringify(await rows(s, QUERY));
    await until(sameAs('mc'), 'the continuous table');
    expect(await sameAs('ms')()).toBe(true);

    // the schedule: nothing before 10:15, a run at 10:15
    await s.execute("INSERT INTO orders VALUES (2, 'a', 20)");
    clock.set(Date.parse('2026-01-01T10:14:59Z'));
    await e.materialized.runDue();
    expect(await sameAs('ms')()).toBe(false);
    clock.set(Date.parse('2026-01-01T10:15:00Z'));
    await e.materialized.runDue();
    expect(await sameAs('ms')()).toBe(true);
    const shown = (await rows(s, 'SHOW MATERIALIZED TABLES')).find((r) => r.startsWith('["ms"'))!;
    expect(shown).toContain('"2026-01-01 10:30:00.000"');

    // the engine closes; changes arrive; the next engine opens after a scheduled time passed
    await e.close();
    engines.splice(engines.indexOf(e), 1);
    clock.set(Date.parse('2026-01-01T10:31:00Z'));
    e = await open(warehouse, clock);
    s = batchSession(e);
    await s.execute("INSERT INTO orders VALUES (3, 'a', 30)");
    await until(sameAs('mc'), 'the resumed continuous job');
    // ms ran once at open (for 10:30) — before the last insert
    const history = (await rows(s, 'DESCRIBE EXTENDED ms')).filter((r) => r.startsWith('["2026-01-01 10:31') && r.includes('catch-up'));
    expect(history).toHaveLength(1);
    await s.execute('ALTER MATERIALIZED TABLE ms REFRESH');
    expect(await sameAs('ms')()).toBe(true);
  }, 120_000);

  it('a query change of an incremental table: the next run starts its state again and fills the new column', async () => {
    const e = await open(tempDir('freshet-mt-alter-inc-'));
    const s = await setUpSources(e);
    await s.execute("INSERT INTO custs VALUES ('a', 'eu'), ('b', 'us')");
    await s.execute("INSERT INTO orders VALUES (1, 'a', 10), (2, 'b', 20)");
    await s.execute(`CREATE MATERIALIZED TABLE mi FRESHNESS = INTERVAL '1' HOUR REFRESH_MODE = INCREMENTAL AS ${QUERY}`);
    const q2 = QUERY.replace('MAX(o.amount) AS top', 'MAX(o.amount) AS top, MIN(o.amount) AS low');
    await s.execute(`ALTER MATERIALIZED TABLE mi AS ${q2}`);
    await s.execute("INSERT INTO orders VALUES (3, 'a', 30)");
    await s.execute('ALTER MATERIALIZED TABLE mi REFRESH');
    expect(await rows(s, 'SELECT * FROM mi')).toEqual(await rows(s, q2));
    await s.execute("INSERT INTO orders VALUES (4, 'a', 40)");
    await s.execute('ALTER MATERIALIZED TABLE mi REFRESH');
    expect(await rows(s, 'SELECT * FROM mi')).toEqual(await rows(s, q2));
  }, 60_000);

  it('a table that reads another is refreshed after it; a failed refresh keeps the content and records why', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T10:00:30Z'));
    const warehouse = tempDir('freshet-mt-deps-');
    let e = await open(warehouse, clock);
    let s = await setUpSources(e);
    await s.execute("INSERT INTO custs VALUES ('a', 'eu'), ('b', 'us')");
    await s.execute("INSERT INTO orders VALUES (1, 'a', 10), (2, 'b', 20)");
    await s.execute("SET 'materialized-table.refresh-mode.freshness-threshold' = '1 s'");
    // created in the "wrong" order: the downstream table first would read an empty upstream
    await s.execute(`CREATE MATERIALIZED TABLE up FRESHNESS = INTERVAL '1' MINUTE AS ${QUERY}`);
    await s.execute("CREATE MATERIALIZED TABLE down FRESHNESS = INTERVAL '1' MINUTE AS SELECT SUM(n) AS orders, SUM(total) AS total FROM up");
    // a new engine reads the catalog in name order: down before up
    await e.close();
    engines.splice(engines.indexOf(e), 1);
    e = await open(warehouse, clock);
    s = batchSession(e);
    expect(e.materialized.all().map((h) => h.id.name)).toEqual(['down', 'up']);
    await s.execute("INSERT INTO orders VALUES (3, 'a', 30)");
    clock.set(Date.parse('2026-01-01T10:01:00Z'));
    await e.materialized.runDue();
    // one pass: up ran first, so down already reflects order 3
    expect(await rows(s, 'SELECT * FROM down')).toEqual(['[3,60]']);

    // a source disappears: the next run fails, the content stays, the error is shown
    await s.execute('DROP TABLE custs');
    clock.set(Date.parse('2026-01-01T10:02:00Z'));
    await e.materialized.runDue();
    expect(await rows(s, 'SELECT * FROM down')).toEqual(['[3,60]']);
    const shown = (await rows(s, 'SHOW MATERIALIZED TABLES')).find((r) => r.startsWith('["up"'))!;
    expect(shown).toMatch(/custs/);
    const described = (await rows(s, 'DESCRIBE EXTENDED up')).filter((r) => r.startsWith('["last error"'));
    expect(described[0]).toMatch(/custs/);
    await expect(s.execute('ALTER MATERIALIZED TABLE up REFRESH')).rejects.toThrow(/refresh of up failed, its content is unchanged/);
  }, 60_000);

  it('REFRESH PARTITION rewrites only that partition', async () => {
    const e = await open(tempDir('freshet-mt-part-'));
    const s = batchSession(e);
    await s.execute('CREATE TABLE events (id INT NOT NULL, dt STRING, v INT, PRIMARY KEY (id) NOT ENFORCED)');
    await s.execute("INSERT INTO events VALUES (1, '2024-01-01', 1), (2, '2024-01-01', 2), (3, '2024-01-02', 3), (4, '2024-01-03', 4)");
    await s.execute("CREATE MATERIALIZED TABLE daily PARTITIONED BY (dt) WITH ('partition.fields.dt.date-formatter' = 'yyyy-MM-dd') FRESHNESS = INTERVAL '1' DAY AS SELECT dt, COUNT(*) AS n, SUM(v) AS total FROM events GROUP BY dt");
    const files = async (): Promise<Map<string, string[]>> => {
      const m = new Map<string, string[]>();
      for (const r of await rows(s, 'SELECT `partition`, file_path FROM `daily$files`')) {
        const [p, f] = JSON.parse(r) as [string, string];
        m.set(p, [...(m.get(p) ?? []), f].sort());
      }
      return m;
    };
    const before = await files();
    expect(before.size).toBe(3);
    await s.execute("INSERT INTO events VALUES (5, '2024-01-02', 50), (6, '2024-01-03', 60)");
    const r = await s.execute("ALTER MATERIALIZED TABLE daily REFRESH PARTITION (dt = '2024-01-02')");
    expect(r.kind === 'ok' && r.message).toMatch(/partition dt=2024-01-02 refreshed \(FULL\): 1 row written/);
    const after = await files();
    for (const [p, f] of before) {
      if (p.includes('2024-01-02')) expect(after.get(p)).not.toEqual(f);
      else expect(after.get(p)).toEqual(f);
    }
    expect(await rows(s, 'SELECT * FROM daily')).toEqual(['["2024-01-01",2,3]', '["2024-01-02",2,53]', '["2024-01-03",1,4]']);
  }, 60_000);
});
