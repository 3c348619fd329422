/**
 * Jobs that resume from their checkpoints when an engine opens on the warehouse again, in one process.
 *
 * A streaming INSERT (a join and an aggregate from test queues into a primary-key table-store table)
 * takes checkpoints when the test asks (StreamJob.checkpoint), then "crashes" (JobManager.abandonAll:
 * nothing more is committed or checkpointed). The table then holds exactly what the last checkpoint
 * committed. A new engine on the warehouse resumes the job (same id and commit user) from that
 * checkpoint, reads the queues again from the positions it recorded, and once the input ends the table
 * equals the oracle (the same query folded over every input row in the test) — no row lost, none
 * counted twice. Also: a corrupted or missing checkpoint file gives an error naming it and the previous
 * checkpoint is used; a job whose plan no longer fits its state fails with the mismatch; a source that
 * cannot record its position fails the first checkpoint naming it; closing an engine suspends jobs.
 *
 * Waiting is by condition, never by a fixed sleep.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { deserialize } from 'node:v8';
import type { CheckpointData } from '../../src/exec/stream/checkpoint-storage.ts';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/session/engine.ts';
import { registerConnector } from '../../src/connectors/registry.ts';
import type { ScanContext, ScanRequest } from '../../src/connectors/connector.ts';
import { batchFromRows, type Batch } from '../../src/types/batch.ts';
import { drained, pushRows, resetQueues, rewindQueue } from './queue-connector.ts';
import { tempDir } from '../helpers/temp-dir.ts';
// the job under test, its input and its oracle are shared with the savepoint, restart and TTL tests
import { TOTALS, endInput, expected, plain, pushOrders, rows, sessions, showJobs, startJob, until } from './job-kit.ts';
import { setFaultHandler } from '../../src/store/fault-points.ts';

const engines: Engine[] = [];
let warehouse: string;

beforeEach(() => {
  resetQueues();
  warehouse = tempDir('freshet-recovery-');
});

afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

async function open(): Promise<Engine> {
  const e = await Engine.open({ warehouse });
  engines.push(e);
  return e;
}

/**
 * Feeds order batches [from, 8), ends the input, waits for the resumed job and checks the table against
 * the oracle (replaying from an older checkpoint rewrites committed keys with the same values).
 */
async function finishAndCheck(e: Engine, id: string, from = 6): Promise<void> {
  const job = e.jobs.get(id).job;
  await pushOrders(from, 8);
  endInput();
  await job.done;
  expect(plain(await rows(sessions(e).batch, TOTALS))).toEqual(expected(8));
}

function jobDir(id: string): string {
  return join(warehouse, '_jobs', id);
}

// ---------------------------------------------------------------------------------------------------

describe('a job resumes from its latest checkpoint', () => {
  it('after a crash: the table holds the last checkpoint, the resumed job ends at the oracle exactly', async () => {
    const e1 = await open();
    const { id, s } = await startJob(e1);
    const job = e1.jobs.get(id).job;
    await pushOrders(0, 3);
    await job.checkpoint();
    await pushOrders(3, 5);
    await job.checkpoint();
    await pushOrders(5, 8); // read and aggregated, never checkpointed
    expect(job.checkpointStats.completed).toBe(2);
    await e1.jobs.abandonAll();
    // what a crash leaves: exactly the second checkpoint's commit
    expect(plain(await rows(s.batch, TOTALS))).toEqual(expected(5));
    const record = JSON.parse(readFileSync(join(jobDir(id), 'job.json'), 'utf8')) as { status: string; commitUser: string };
    expect(record.status).toBe('RUNNING');
    expect(record.commitUser).toBe(job.commitUser);

    const e2 = await open();
    const resumed = e2.jobs.get(id).job;
    expect(resumed.status).toBe('RUNNING');
    expect(resumed.commitUser).toBe(job.commitUser);
    expect(resumed.checkpointStats.lastId).toBe(2);
    // the resumed job reads batches 5..7 again (from its recorded position), then new ones
    await pushOrders(8, 10);
    await resumed.checkpoint();
    expect(resumed.checkpointStats.lastId).toBe(3);
    expect(plain(await rows(sessions(e2).batch, TOTALS))).toEqual(expected(10));
    await pushOrders(10, 12);
    endInput();
    await resumed.done;
    expect(resumed.status).toBe('FINISHED');
    expect(plain(await rows(sessions(e2).batch, TOTALS))).toEqual(expected(12));
    const jobs = await showJobs(e2);
    expect(jobs.map((j) => [j['job id'], j['status']])).toEqual([[id, 'FINISHED']]);
    await e2.jobs.get(id).recorded;
    expect(JSON.parse(readFileSync(join(jobDir(id), 'job.json'), 'utf8')).status).toBe('FINISHED');
    // it will not resume: its checkpoints are gone, its record stays
    expect(await checkpointDirs(id)).toEqual([]);

    // a finished job is not resumed again
    const e3 = await open();
    expect(e3.jobs.list()).toEqual([]);
  });

  // a crash after checkpoint 2 is complete, inside its commit: before the snapshot exists (the
  // resumed job commits the checkpoint's files), or after (committing them again is a no-op)
  for (const [point, committed] of [['commit:after-manifest-list', false], ['commit:after-snapshot', true]] as const) {
    it(`after a crash at ${point} of a complete checkpoint, the resumed job commits it exactly once`, async () => {
      const e1 = await open();
      const { id, s } = await startJob(e1);
      const job = e1.jobs.get(id).job;
      await pushOrders(0, 3);
      await job.checkpoint();
      await pushOrders(3, 5);
      setFaultHandler((p) => {
        if (p !== point) return;
        setFaultHandler(null);
        job.abandon();
        throw new Error(`crash at ${p}`);
      });
      try {
        await job.checkpoint();
      } finally {
        setFaultHandler(null);
      }
      await job.done.catch(() => undefined);
      expect(plain(await rows(s.batch, TOTALS))).toEqual(expected(committed ? 5 : 3));
      const e2 = await open();
      const resumed = e2.jobs.get(id).job;
      expect(resumed.checkpointStats.lastId).toBe(2);
      // committed when the job resumed, before any new input
      expect(plain(await rows(sessions(e2).batch, TOTALS))).toEqual(expected(5));
      const snaps = await rows(sessions(e2).batch, "SELECT commit_identifier FROM `totals$snapshots` WHERE commit_kind = 'APPEND'");
      expect(plain(snaps)).toEqual([[1], [2]]);
      await pushOrders(5, 6);
      endInput();
      await resumed.done;
      expect(plain(await rows(sessions(e2).batch, TOTALS))).toEqual(expected(6));
    });
  }

  it('a crash before the first checkpoint starts the job over; nothing was committed', async () => {
    const e1 = await open();
    const { id, s } = await startJob(e1);
    await pushOrders(0, 4);
    await e1.jobs.abandonAll();
    expect(await rows(s.batch, TOTALS)).toEqual([]);
    // without a position the sources read from their start: the queues are read again from the first batch
    rewindQueue('orders');
    rewindQueue('customers');
    const e2 = await open();
    const job = e2.jobs.get(id).job;
    expect(job.checkpointStats.lastId).toBe(0);
    await pushOrders(4, 6);
    endInput();
    await job.done;
    expect(plain(await rows(sessions(e2).batch, TOTALS))).toEqual(expected(6));
  });

  it('closing the engine suspends the job: it stays RUNNING and resumes at the next open', async () => {
    const e1 = await open();
    const { id } = await startJob(e1);
    await pushOrders(0, 3);
    await e1.close();
    engines.splice(engines.indexOf(e1), 1);
    expect(JSON.parse(readFileSync(join(jobDir(id), 'job.json'), 'utf8')).status).toBe('RUNNING');
    const e2 = await open();
    // the close took a last checkpoint: what the job had read is committed
    expect(plain(await rows(sessions(e2).batch, TOTALS))).toEqual(expected(3));
    const job = e2.jobs.get(id).job;
    await pushOrders(3, 5);
    endInput();
    await job.done;
    expect(plain(await rows(sessions(e2).batch, TOTALS))).toEqual(expected(5));
  });

  it('a second engine of the process on the warehouse leaves a job the first one runs alone', async () => {
    const e1 = await open();
    const { id } = await startJob(e1);
    const e2 = await open();
    expect(e2.jobs.list()).toEqual([]);
    await e1.jobs.abandonAll();
    const e3 = await open();
    expect(e3.jobs.get(id).job.status).toBe('RUNNING');
  });

  it('STOP JOB ends the job for good: it is not resumed', async () => {
    const e1 = await open();
    const { id, s } = await startJob(e1);
    await pushOrders(0, 2);
    await s.streaming.execute(`STOP JOB '${id}'`);
    expect(JSON.parse(readFileSync(join(jobDir(id), 'job.json'), 'utf8')).status).toBe('STOPPED');
    const e2 = await open();
    expect(e2.jobs.list()).toEqual([]);
    expect(plain(await rows(sessions(e2).batch, TOTALS))).toEqual(expected(2));
  });

  it('SHOW JOBS counts checkpoints and gives the last one\'s duration and size', async () => {
    const e1 = await open();
    const { id } = await startJob(e1);
    await pushOrders(0, 2);
    await e1.jobs.get(id).job.checkpoint();
    await e1.jobs.get(id).job.checkpoint();
    const [j] = await showJobs(e1);
    expect(j!['job id']).toBe(id);
    expect(j!['checkpoints']).toBe(2);
    expect(j!['last checkpoint ms']).toBeGreaterThanOrEqual(0);
    // what checkpoint 2 wrote: its state file and the shared file with the changes since checkpoint 1
    const size = readFileSync(join(jobDir(id), 'chk-2', 'state')).length + readFileSync(join(jobDir(id), 'shared', sharedFiles(id).find((n) => n.startsWith('2-delta-'))!)).length;
    expect(j!['last checkpoint bytes']).toBe(size);
    expect(j!['message']).toBeNull();
    // retention (num-retained 1): only the newest checkpoint is kept
    expect(await checkpointDirs(id)).toEqual(['chk-2']);
  });
});

async function checkpointDirs(id: string): Promise<string[]> {
  return readdirSync(jobDir(id)).filter((n) => n.startsWith('chk-')).sort();
}

/** The shared state files of incremental checkpoints, by name ('<checkpoint>-base-<r>' or '<checkpoint>-delta-<r>'). */
function sharedFiles(id: string): string[] {
  const dir = join(jobDir(id), 'shared');
  return existsSync(dir) ? readdirSync(dir).sort((a, b) => parseInt(a, 10) - parseInt(b, 10)) : [];
}

/** The shared files a checkpoint lists, as kinds: ['1-base', '2-delta', ...]. */
function chainOf(id: string, chk: number): string[] {
  const data = deserialize(readFileSync(join(jobDir(id), `chk-${chk}`, 'state'))) as CheckpointData;
  return (data.stateFiles ?? []).map((f) => f.name.replace(/-[0-9a-f]{8}$/, ''));
}

describe('damaged checkpoints', () => {
  /** Runs the job to two checkpoints (three retained) and crashes it. */
  async function crashAfterTwo(): Promise<string> {
    const e1 = await open();
    const { id } = await startJob(e1, { 'execution.checkpointing.num-retained': '3' });
    const job = e1.jobs.get(id).job;
    await pushOrders(0, 3);
    await job.checkpoint();
    await pushOrders(3, 6);
    await job.checkpoint();
    await e1.jobs.abandonAll();
    expect(await checkpointDirs(id)).toEqual(['chk-1', 'chk-2']);
    return id;
  }

  it('a corrupted state file is reported by name and the previous checkpoint is used', async () => {
    const id = await crashAfterTwo();
    const state = join(jobDir(id), 'chk-2', 'state');
    const bytes = readFileSync(state);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(state, bytes);
    const e2 = await open();
    const entry = e2.jobs.get(id);
    expect(entry.job.checkpointStats.lastId).toBe(1);
    expect(entry.notes).toHaveLength(1);
    expect(entry.notes[0]).toMatch(/^checkpoint file .*chk-2\/state is corrupted: its SHA-256 is [0-9a-f]{64}, the checkpoint wrote [0-9a-f]{64}$/);
    expect((await showJobs(e2))[0]!['message']).toBe(entry.notes[0]);
    await finishAndCheck(e2, id);
  });

  it('a missing state file is reported by name and the previous checkpoint is used', async () => {
    const id = await crashAfterTwo();
    rmSync(join(jobDir(id), 'chk-2', 'state'));
    const e2 = await open();
    const entry = e2.jobs.get(id);
    expect(entry.notes).toEqual([`checkpoint file ${join(jobDir(id), 'chk-2', 'state')} is missing`]);
    expect(entry.job.checkpointStats.lastId).toBe(1);
    await finishAndCheck(e2, id);
  });

  it('a truncated state file and an unreadable marker are reported by name', async () => {
    const id = await crashAfterTwo();
    const state = join(jobDir(id), 'chk-2', 'state');
    const bytes = readFileSync(state);
    writeFileSync(state, bytes.subarray(0, 10));
    writeFileSync(join(jobDir(id), 'chk-1', '_COMPLETED'), '{"id": 1, "size"');
    const e2 = await open();
    const entry = e2.jobs.get(id);
    // both checkpoints are unusable: the job fails, naming the files
    expect(entry.job.status).toBe('FAILED');
    expect(entry.notes).toEqual([
      `checkpoint file ${state} has 10 bytes, the checkpoint wrote ${bytes.length}`,
      `checkpoint file ${join(jobDir(id), 'chk-1', '_COMPLETED')} is not valid JSON`,
    ]);
    expect(entry.error).toBe(`job ${id} cannot be resumed: checkpoint file ${join(jobDir(id), 'chk-1', '_COMPLETED')} is not valid JSON`);
    const [j] = await showJobs(e2);
    expect(j!['status']).toBe('FAILED');
    expect(String(j!['message'])).toContain('chk-1/_COMPLETED is not valid JSON');
    const record = JSON.parse(readFileSync(join(jobDir(id), 'job.json'), 'utf8')) as { status: string; error: string };
    expect(record.status).toBe('FAILED');
    expect(record.error).toBe(entry.error);
  });

  it('a checkpoint without its completion marker does not exist', async () => {
    const id = await crashAfterTwo();
    rmSync(join(jobDir(id), 'chk-2', '_COMPLETED'));
    const e2 = await open();
    const entry = e2.jobs.get(id);
    expect(entry.notes).toEqual([]);
    expect(entry.job.checkpointStats.lastId).toBe(1);
    // new checkpoints number on past the incomplete one
    await pushOrders(6, 7);
    await entry.job.checkpoint();
    expect(entry.job.checkpointStats.lastId).toBe(3);
    await finishAndCheck(e2, id, 7);
  });

  it('a job whose plan no longer fits its state fails with the mismatch, listed by SHOW JOBS', async () => {
    const id = await crashAfterTwo();
    const file = join(jobDir(id), 'job.json');
    const record = JSON.parse(readFileSync(file, 'utf8')) as { statement: string };
    // the same sink, fed by a different query: no join any more
    record.statement = 'INSERT INTO totals SELECT customer, CAST(NULL AS STRING), COUNT(*), SUM(amount) FROM orders GROUP BY customer';
    writeFileSync(file, JSON.stringify(record));
    const e2 = await open();
    const entry = e2.jobs.get(id);
    expect(entry.job.status).toBe('FAILED');
    expect(entry.error).toMatch(/the saved state (has state for operator|has no state for operator)/);
    const [j] = await showJobs(e2);
    expect(j!['status']).toBe('FAILED');
    expect(j!['message']).toBe(entry.error);
    await until(() => JSON.parse(readFileSync(file, 'utf8')).status === 'FAILED', 'the record to say FAILED');
  });
});

describe('incremental checkpoints', () => {
  const kinds = (id: string): string[] => sharedFiles(id).map((n) => n.replace(/-[0-9a-f]{8}$/, ''));

  it('write a full base, then changes; a new base after max-deltas; retention deletes shared files no kept checkpoint lists; a resumed job goes on with the chain', async () => {
    const e1 = await open();
    const { id } = await startJob(e1, { 'execution.checkpointing.num-retained': '2', 'execution.checkpointing.incremental.max-deltas': '2' });
    const job = e1.jobs.get(id).job;
    // customers no order refers to: join state the checkpoints after the first do not touch
    pushRows('customers', Array.from({ length: 2000 }, (_, i) => [1000 + i, `other${i}`]));
    await drained('customers');
    for (let c = 1; c <= 3; c++) {
      await pushOrders(c - 1, c);
      await job.checkpoint();
    }
    expect(chainOf(id, 3)).toEqual(['1-base', '2-delta', '3-delta']);
    expect(await checkpointDirs(id)).toEqual(['chk-2', 'chk-3']);
    // the deltas hold the keys and rows an order batch touched, not the 2,000 customers
    const sizeOf = (prefix: string): number => readFileSync(join(jobDir(id), 'shared', sharedFiles(id).find((n) => n.startsWith(prefix))!)).length;
    expect(sizeOf('3-delta-') * 5).toBeLessThan(sizeOf('1-base-'));
    await pushOrders(3, 4);
    await job.checkpoint();
    expect(chainOf(id, 4)).toEqual(['4-base']);
    // chk-3 is kept and lists the old chain
    expect(kinds(id)).toEqual(['1-base', '2-delta', '3-delta', '4-base']);
    // a file a crash left behind before its checkpoint completed: nothing lists it
    writeFileSync(join(jobDir(id), 'shared', '9-delta-0badf00d'), 'partial');
    await pushOrders(4, 5);
    await job.checkpoint();
    expect(chainOf(id, 5)).toEqual(['4-base', '5-delta']);
    expect(kinds(id)).toEqual(['4-base', '5-delta']);
    await e1.jobs.abandonAll();

    const e2 = await open();
    const resumed = e2.jobs.get(id).job;
    expect(resumed.checkpointStats.lastId).toBe(5);
    await pushOrders(5, 6);
    await resumed.checkpoint();
    expect(chainOf(id, 6)).toEqual(['4-base', '5-delta', '6-delta']);
    await finishAndCheck(e2, id, 6);
  });

  /** Two checkpoints (a base and a delta, both retained), then a crash. */
  async function crashAfterTwo(): Promise<{ id: string; base: string; delta: string }> {
    const e1 = await open();
    const { id } = await startJob(e1, { 'execution.checkpointing.num-retained': '3' });
    const job = e1.jobs.get(id).job;
    await pushOrders(0, 3);
    await job.checkpoint();
    await pushOrders(3, 6);
    await job.checkpoint();
    await e1.jobs.abandonAll();
    const [base, delta] = sharedFiles(id).map((n) => join(jobDir(id), 'shared', n)) as [string, string];
    expect(chainOf(id, 2)).toEqual(['1-base', '2-delta']);
    return { id, base, delta };
  }

  it('a corrupted delta file is reported by name and the previous checkpoint is used', async () => {
    const { id, delta } = await crashAfterTwo();
    const bytes = readFileSync(delta);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(delta, bytes);
    const e2 = await open();
    const entry = e2.jobs.get(id);
    expect(entry.notes).toEqual([expect.stringMatching(new RegExp(`^checkpoint file ${delta.replace(/[.]/g, '\\.')} is corrupted: its SHA-256 is [0-9a-f]{64}, the checkpoint wrote [0-9a-f]{64}$`))]);
    expect(entry.job.checkpointStats.lastId).toBe(1);
    await finishAndCheck(e2, id);
  });

  it('a missing or truncated delta file is reported by name and the previous checkpoint is used', async () => {
    const { id, delta } = await crashAfterTwo();
    rmSync(delta);
    const e2 = await open();
    expect(e2.jobs.get(id).notes).toEqual([`checkpoint file ${delta} is missing`]);
    expect(e2.jobs.get(id).job.checkpointStats.lastId).toBe(1);
    await finishAndCheck(e2, id);
  });

  it('a damaged base fails every checkpoint built on it, naming the file', async () => {
    const { id, base } = await crashAfterTwo();
    const bytes = readFileSync(base);
    writeFileSync(base, bytes.subarray(0, 20));
    const e2 = await open();
    const entry = e2.jobs.get(id);
    const note = `checkpoint file ${base} has 20 bytes, the checkpoint wrote ${bytes.length}`;
    expect(entry.notes).toEqual([note, note]);
    expect(entry.job.status).toBe('FAILED');
    expect(entry.error).toBe(`job ${id} cannot be resumed: ${note}`);
  });

  it("with 'execution.checkpointing.incremental' = 'false' every checkpoint holds the whole state", async () => {
    const e1 = await open();
    const { id } = await startJob(e1, { 'execution.checkpointing.incremental': 'false' });
    const job = e1.jobs.get(id).job;
    await pushOrders(0, 2);
    await job.checkpoint();
    await pushOrders(2, 4);
    await job.checkpoint();
    expect(sharedFiles(id)).toEqual([]);
    expect(chainOf(id, 2)).toEqual([]);
    await e1.jobs.abandonAll();
    const e2 = await open();
    expect(e2.jobs.get(id).job.checkpointStats.lastId).toBe(2);
    await finishAndCheck(e2, id, 4);
  });
});

describe('sources that cannot resume', () => {
  it('fail the first checkpoint with an error that names the source', async () => {
    registerConnector({
      identifier: 'test-fixed-rows',
      requiredOptions: [],
      optionalOptions: [],
      createSource: (d) => ({
        fields: d.physicalColumns,
        bounded: false,
        describe: () => `test-fixed-rows(${d.name})`,
        async *open(req: ScanRequest, ctx: ScanContext): AsyncIterable<Batch> {
          const b = batchFromRows(d.physicalColumns.map((f) => f.type), [[1, 10n]]);
          yield { columns: req.columns.map((c) => b.columns[c]!), length: 1, kinds: null };
          while (!ctx.isCancelled()) await new Promise((r) => setTimeout(r, 10));
        },
      }),
    });
    const e = await open();
    const s = sessions(e);
    await s.batch.execute("CREATE TABLE fixed (k INT, v BIGINT) WITH ('connector' = 'test-fixed-rows')");
    await s.batch.execute('CREATE TABLE out_t (k INT, v BIGINT, PRIMARY KEY (k) NOT ENFORCED)');
    await s.streaming.execute("SET 'execution.checkpointing.interval' = '1 h'");
    const r = await s.streaming.execute('INSERT INTO out_t SELECT k, v FROM fixed');
    const job = e.jobs.get(r.kind === 'ok' ? r.jobId! : '').job;
    await job.checkpoint();
    await expect(job.done).rejects.toThrow('source test-fixed-rows(default_catalog.default_database.fixed) cannot record its read position, so the job cannot take a checkpoint to resume from');
    expect(job.status).toBe('FAILED');
  });
});
