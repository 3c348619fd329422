/**
 * Exactly once across kill -9: a continuous job (kill-child.ts) reads a bounded Nexmark stream and
 * writes, as one statement set, (a) per auction its bid count, total and top price joined with the
 * auction's seller and category into a primary-key table (an aggregate and a join), and (b) the bids of
 * some bidders into an append table (where a row written twice would show). It checkpoints every
 * 100 ms. The test kills the child with SIGKILL at seeded random moments while the job runs, starting a
 * new child each time (its engine resumes the job from its latest checkpoint); after the last kill a
 * child runs the job to its end. Then both tables must equal the batch oracle, the same queries in
 * batch mode over the same Nexmark events, row for row; and no checkpoint was committed twice.
 *
 * Once on a local warehouse (20 kills), once on S3 (s3rver behind the fault-injecting proxy, faults on
 * while the children run; fewer kills, each S3 run being slower).
 *
 * Where the kills land differs from run to run (process start-up and pacing are timing); what must hold
 * does not depend on it: at any kill moment the table holds some checkpoint's commit, and the finished
 * job holds the oracle.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/session/engine.ts';
import type { Session } from '../../src/session/session.ts';
import { FAULT_KINDS, startS3Server, type TestS3Server } from '../support/s3-server.ts';
import { seededRandom } from '../support/seeded-random.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import type { KillConfig } from './kill-child.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./kill-child.ts', import.meta.url));

const NEXMARK = "'connector' = 'nexmark', 'events.num' = '200000', 'seed' = '7'";

const TABLES = [
  `CREATE TABLE auction (id BIGINT, itemName STRING, description STRING, initialBid BIGINT, reserve BIGINT, dateTime TIMESTAMP(3), expires TIMESTAMP(3), seller BIGINT, category BIGINT, extra STRING) WITH (${NEXMARK}, 'nexmark.table' = 'auction')`,
  `CREATE TABLE bid (auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP(3), extra STRING) WITH (${NEXMARK}, 'nexmark.table' = 'bid')`,
  "CREATE TABLE auction_bids (id BIGINT, seller BIGINT, category BIGINT, bids BIGINT, total BIGINT, top BIGINT, PRIMARY KEY (id) NOT ENFORCED) WITH ('bucket' = '2')",
  'CREATE TABLE some_bids (auction BIGINT, bidder BIGINT, price BIGINT, dateTime TIMESTAMP(3))',
];

const AUCTION_BIDS = `SELECT a.id, a.seller, a.category, b.bids, b.total, b.top
  FROM auction AS a
  JOIN (SELECT auction, COUNT(*) AS bids, SUM(price) AS total, MAX(price) AS top FROM bid GROUP BY auction) AS b
  ON a.id = b.auction`;
const SOME_BIDS = 'SELECT auction, bidder, price, dateTime FROM bid WHERE MOD(bidder, 50) = 0';

const STATEMENT = `EXECUTE STATEMENT SET BEGIN
  INSERT INTO auction_bids ${AUCTION_BIDS};
  INSERT INTO some_bids ${SOME_BIDS};
END`;

interface Run {
  /** The child printed `running`: its job had started (or resumed). */
  running: boolean;
  ended: string | undefined;
  signal: NodeJS.Signals | null;
  code: number | null;
  stderr: string;
}

/** Runs a child; with `killAfter`, SIGKILLs it that many ms after it says its job runs. */
function runChild(cfg: KillConfig, killAfter: number | undefined): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(cfg)], { cwd: ROOT, env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const run: Run = { running: false, ended: undefined, signal: null, code: null, stderr: '' };
    let out = '';
    let killer: ReturnType<typeof setTimeout> | undefined;
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (!run.running && /^running /m.test(out)) {
        run.running = true;
        if (killAfter !== undefined) killer = setTimeout(() => child.kill('SIGKILL'), killAfter);
      }
      const m = /^ended (.*)$/m.exec(out);
      if (m) run.ended = m[1];
    });
    child.stderr!.on('data', (d: Buffer) => { run.stderr += d.toString(); });
    // a child that neither ends nor dies is a failure, not a hang
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (killer) clearTimeout(killer);
      run.code = code;
      run.signal = signal;
      resolve(run);
    });
  });
}

const sorted = (rs: unknown[][]): string[] => rs.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).sort();

async function rows(s: Session, sql: string): Promise<string[]> {
  const r = await s.execute(sql);
  if (r.kind !== 'rows') throw new Error(`expected rows from ${sql}`);
  return sorted(r.rows);
}

/**
 * Creates the tables, kills `kills` children at seeded random moments, lets one more run the job to
 * its end, and checks the tables against the batch oracle.
 */
async function killAndRecover(warehouse: string, catalogOptions: Record<string, string>, kills: number, seed: number, hooks: { during?: (on: boolean) => void } = {}): Promise<void> {
  const setup = await Engine.open({ warehouse, catalogOptions });
  const ddl = setup.createSession();
  for (const t of TABLES) await ddl.execute(t);
  await setup.close();

  const cfg: KillConfig = {
    warehouse, catalogOptions, statement: STATEMENT, paceMs: 120, paceSeed: 0,
    options: { 'execution.runtime-mode': 'streaming', 'execution.checkpointing.interval': '100 ms', 'execution.checkpointing.num-retained': '2', 'table.local-time-zone': 'UTC' },
  };
  const random = seededRandom(seed);
  const runs: Run[] = [];
  hooks.during?.(true);
  try {
    for (let i = 0; i < kills; i++) {
      const run = await runChild({ ...cfg, paceSeed: seed + i }, Math.floor(random() * 300));
      runs.push(run);
      expect(run.running, `child ${i} started its job:\n${run.stderr}`).toBe(true);
      // killed as planned, or it had already ended the job and exited by itself
      if (run.signal !== 'SIGKILL') expect({ code: run.code, ended: run.ended, stderr: run.stderr }, `child ${i}`).toEqual({ code: 0, ended: 'FINISHED', stderr: '' });
    }
    const last = await runChild({ ...cfg, paceSeed: seed + kills }, undefined);
    expect({ code: last.code, ended: last.ended, stderr: last.stderr }).toEqual({ code: 0, ended: 'FINISHED', stderr: '' });
  } finally {
    hooks.during?.(false);
  }
  // most kills should land while the job works; a kill after its end is a valid moment too
  expect(runs.filter((r) => r.signal === 'SIGKILL').length).toBeGreaterThan(0);

  const check = await Engine.open({ warehouse, catalogOptions });
  try {
    const b = check.createSession({ 'execution.runtime-mode': 'batch', 'table.local-time-zone': 'UTC' });
    const oracleAuctions = await rows(b, AUCTION_BIDS);
    const oracleBids = await rows(b, SOME_BIDS);
    expect(oracleAuctions.length).toBeGreaterThan(1000);
    expect(oracleBids.length).toBeGreaterThan(1000);
    const auctions = await rows(b, 'SELECT id, seller, category, bids, total, top FROM auction_bids');
    const bids = await rows(b, 'SELECT auction, bidder, price, dateTime FROM some_bids');
    expect(auctions.length).toBe(oracleAuctions.length);
    expect(auctions).toEqual(oracleAuctions);
    expect(bids.length, 'rows of the append table: none lost, none twice').toBe(oracleBids.length);
    expect(bids).toEqual(oracleBids);
    // every commit came from the one job, each checkpoint committed once, in order
    for (const t of ['auction_bids', 'some_bids']) {
      const snaps = (await b.execute(`SELECT commit_user, commit_identifier, commit_kind FROM \`${t}$snapshots\``));
      if (snaps.kind !== 'rows') throw new Error('expected rows');
      const appends = snaps.rows.filter((r) => r[2] === 'APPEND');
      expect(new Set(appends.map((r) => r[0])).size, `${t}: one commit user`).toBe(1);
      const ids = appends.map((r) => Number(r[1]));
      expect(ids, `${t}: checkpoint ids of its commits`).toEqual([...ids].sort((x, y) => x - y));
      expect(new Set(ids).size, `${t}: no checkpoint committed twice`).toBe(ids.length);
    }
    const jobs = await check.jobStore.list();
    expect(jobs.records.map((r) => r.status)).toEqual(['FINISHED']);
    expect(check.jobs.list()).toEqual([]);
  } finally {
    await check.close();
  }
}

describe('a continuous job killed with SIGKILL and restarted', () => {
  it('20 times on a local warehouse ends with the tables of the batch oracle, exactly', async () => {
    await killAndRecover(join(tempDir('freshet-kill-'), 'warehouse'), {}, 20, 20_260_101);
  }, 240_000);

  describe('on S3 with faults', () => {
    let server: TestS3Server;
    beforeAll(async () => {
      server = await startS3Server({ bucket: 'kill', seed: 99 });
    });
    afterAll(async () => {
      server?.faults.off();
      await server?.stop();
    });

    it('6 times ends with the tables of the batch oracle, exactly', async () => {
      await killAndRecover(`s3://${server.bucket}/warehouse`, server.options, 6, 20_260_202, {
        during: (on) => {
          if (!on) return server.faults.off();
          server.faults.set({ rate: 0.03, kinds: FAULT_KINDS.filter((k) => k !== 'latency') });
          server.faults.next('drop-after', 2);
          server.faults.next('slowdown', 2);
        },
      });
      const faults = Object.values(server.stats.faults).reduce((a, b) => a + b, 0);
      expect(faults, 'faults injected while the jobs ran').toBeGreaterThanOrEqual(4);
    }, 240_000);
  });
});
