/**
 * Savepoints: STOP JOB .. WITH SAVEPOINT stops a job after a last consistent cut (sinks commit what they
 * received) and prints where the savepoint went; `SET 'execution.savepoint.path'` starts the next INSERT
 * from it. The job (orders joined with customers, totals per customer into a table-store table, see
 * job-kit.ts) is stopped with a savepoint, its own directory deleted, and a new job of the same query
 * started from the savepoint: the table ends equal to the oracle over every batch, so no row was lost
 * or counted twice across the two jobs (which commit as different commit users). Also: a savepoint
 * that does not fit the new plan fails the INSERT naming the savepoint and the operator or source;
 * ignore-unclaimed-state drops state the new plan has no place for; WITH DRAIN is refused; a job
 * that cannot record its state refuses the savepoint and runs on; a damaged savepoint is named; a job
 * started from a savepoint that crashes before its first checkpoint resumes from the savepoint; the
 * embedding API and the wire server do the same.
 */
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize } from 'node:v8';
import type { CheckpointData } from '../../src/exec/stream/checkpoint-storage.ts';
import type { PipelineSnapshot } from '../../src/exec/build.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { registerConnector } from '../../src/connectors/registry.ts';
import type { ScanContext, ScanRequest } from '../../src/connectors/connector.ts';
import { batchFromRows, type Batch } from '../../src/types/batch.ts';
import type { Engine } from '../../src/session/engine.ts';
import { drained, endQueue, pushRows, resetQueues } from './queue-connector.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { QUERY, TOTALS, Warehouse, createTables, customerRows, endInput, expected, orderBatch, plain, pushOrders, rows, sessions, showJobs, startJob, until } from './job-kit.ts';
import { startServer } from '../server/server-kit.ts';
import { StatementRunner } from '../../src/client/runner.ts';
import { RecordingOutput } from '../client/fakes.ts';

let wh: Warehouse;

beforeEach(() => {
  resetQueues();
  wh = new Warehouse(tempDir('freshet-savepoint-'));
});

afterEach(async () => {
  await wh.closeAll();
});

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Stops job `id` with a savepoint through SQL; returns the path the statement printed. */
async function stopWithSavepoint(e: Engine, id: string): Promise<string> {
  const r = await sessions(e).streaming.execute(`STOP JOB '${id}' WITH SAVEPOINT`);
  if (r.kind !== 'rows') throw new Error(`expected rows, got ${r.kind}`);
  expect(r.columns.map((c) => c.name)).toEqual(['savepoint path']);
  expect(r.rows).toHaveLength(1);
  return r.rows[0]![0] as string;
}

/** The id of the one checkpoint a savepoint holds. */
function checkpointOf(path: string): number {
  return JSON.parse(readFileSync(join(path, '_savepoint.json'), 'utf8')).checkpointId as number;
}

/** Starts the job's query from a savepoint in a new session; returns the job id. */
async function startFrom(e: Engine, path: string, extra: Record<string, string> = {}): Promise<string> {
  const s = sessions(e).streaming;
  await s.execute("SET 'execution.checkpointing.interval' = '1 h'");
  await s.execute(`SET 'execution.savepoint.path' = '${path}'`);
  for (const [k, v] of Object.entries(extra)) await s.execute(`SET '${k}' = '${v}'`);
  const r = await s.execute(QUERY);
  if (r.kind !== 'ok' || r.jobId === undefined) throw new Error('expected a job');
  return r.jobId;
}

describe('STOP JOB .. WITH SAVEPOINT and a job started from the savepoint', () => {
  it('commit, stop and print the path; the new job continues where the old one stopped, every row exactly once', async () => {
    const e = await wh.open();
    const { id, s } = await startJob(e);
    const job = e.jobs.get(id).job;
    await pushOrders(0, 3);
    await job.checkpoint();
    await pushOrders(3, 5);
    const path = await stopWithSavepoint(e, id);
    expect(path).toMatch(new RegExp(`^${escape(join(wh.dir, '_savepoints'))}/savepoint-${id.slice(0, 6)}-[0-9a-f]{12}$`));
    // the savepoint's cut is committed: every batch the job read
    expect(job.status).toBe('STOPPED');
    expect(plain(await rows(s.batch, TOTALS))).toEqual(expected(5));
    expect(JSON.parse(readFileSync(join(wh.jobDir(id), 'job.json'), 'utf8')).status).toBe('STOPPED');
    // a directory of its own: a description, one checkpoint with its completion marker
    expect(readdirSync(path).sort()).toEqual(['_savepoint.json', 'chk-2']);
    expect(readdirSync(join(path, 'chk-2')).sort()).toEqual(['_COMPLETED', 'state']);
    expect(JSON.parse(readFileSync(join(path, '_savepoint.json'), 'utf8'))).toMatchObject({ format: 'freshet-savepoint', jobId: id, checkpointId: 2, statement: QUERY });

    // self-contained: the old job's directory may go
    rmSync(wh.jobDir(id), { recursive: true });
    // batches that arrive while no job runs are read by the job started from the savepoint
    pushRows('orders', orderBatch(5));
    pushRows('orders', orderBatch(6));
    const id2 = await startFrom(e, path);
    expect(id2).not.toBe(id);
    const job2 = e.jobs.get(id2).job;
    expect(job2.checkpointStats.lastId).toBe(2);
    expect(job2.commitUser).not.toBe(job.commitUser);
    await pushOrders(7, 9);
    await job2.checkpoint();
    expect(job2.checkpointStats.lastId).toBe(3);
    expect(plain(await rows(s.batch, TOTALS))).toEqual(expected(9));
    await pushOrders(9, 10);
    endInput();
    await job2.done;
    expect(job2.status).toBe('FINISHED');
    expect(plain(await rows(s.batch, TOTALS))).toEqual(expected(10));
    // two jobs, two commit users, identifiers numbered on from the savepoint
    const snaps = await rows(s.batch, "SELECT commit_user, commit_identifier FROM `totals$snapshots` WHERE commit_kind = 'APPEND'");
    expect(snaps.map((r) => [r[0] === job.commitUser ? 'old' : r[0] === job2.commitUser ? 'new' : r[0], Number(r[1])]).sort()).toEqual([['new', 3], ['new', 4], ['old', 1], ['old', 2]]);
    // the savepoint outlives both jobs
    expect(existsSync(join(path, 'chk-2', '_COMPLETED'))).toBe(true);
  });

  it('a job with incremental checkpoints: the savepoint holds its whole state, and restores after the job directory is deleted', async () => {
    const e = await wh.open();
    const { id, s } = await startJob(e, { 'execution.checkpointing.incremental': 'true', 'execution.checkpointing.incremental.max-deltas': '10' });
    const job = e.jobs.get(id).job;
    const shared = (dir: string): string[] => readdirSync(join(dir, 'shared')).map((f) => f.replace(/-[0-9a-f]+$/, '')).sort();
    // a base, then deltas (each far smaller than the base)
    await pushOrders(0, 30);
    await job.checkpoint();
    await pushOrders(30, 31);
    await job.checkpoint();
    await pushOrders(31, 32);
    await job.checkpoint();
    expect(shared(wh.jobDir(id))).toEqual(['1-base', '2-delta', '3-delta']);
    await pushOrders(32, 33);
    const path = await stopWithSavepoint(e, id);
    // the savepoint: one checkpoint holding the operator state itself, no shared files, no list of them
    expect(readdirSync(path).sort()).toEqual(['_savepoint.json', 'chk-4']);
    const data = deserialize(readFileSync(join(path, 'chk-4', 'state'))) as CheckpointData;
    expect(data.stateFiles).toBeUndefined();
    const pipeline = deserialize(data.pipeline) as PipelineSnapshot;
    expect(pipeline.delta).toBeUndefined();
    expect(pipeline.operators.length).toBeGreaterThan(0);
    rmSync(wh.jobDir(id), { recursive: true, force: true });
    pushRows('orders', orderBatch(33));
    const id2 = await startFrom(e, path, { 'execution.checkpointing.incremental': 'true' });
    const job2 = e.jobs.get(id2).job;
    await pushOrders(34, 35);
    await job2.checkpoint();
    await pushOrders(35, 36);
    await job2.checkpoint();
    // the new job's chain starts with a base of its own, in its own directory
    expect(shared(wh.jobDir(id2))).toEqual(['5-base', '6-delta']);
    expect(plain(await rows(s.batch, TOTALS))).toEqual(expected(36));
    // and a crash of the new job resumes from its own chain
    await e.jobs.abandonAll();
    const e2 = await wh.open();
    const resumed = e2.jobs.get(id2).job;
    await until(() => resumed.status === 'RUNNING', 'the resumed job');
    await pushOrders(36, 37);
    endInput();
    await resumed.done;
    expect(plain(await rows(sessions(e2).batch, TOTALS))).toEqual(expected(37));
  });

  it('a job started from a savepoint that crashes before its first checkpoint resumes from the savepoint', async () => {
    const e1 = await wh.open();
    const { id } = await startJob(e1);
    await pushOrders(0, 3);
    const path = await stopWithSavepoint(e1, id);
    const id2 = await startFrom(e1, path);
    await pushOrders(3, 5);
    await e1.jobs.abandonAll();
    // nothing of the new job was committed
    expect(plain(await rows(sessions(e1).batch, TOTALS))).toEqual(expected(3));
    expect(JSON.parse(readFileSync(join(wh.jobDir(id2), 'job.json'), 'utf8')).savepoint).toBe(path);
    const e2 = await wh.open();
    const job = e2.jobs.get(id2).job;
    expect(job.status).toBe('RUNNING');
    expect(job.checkpointStats.lastId).toBe(checkpointOf(path));
    await pushOrders(5, 6);
    endInput();
    await job.done;
    expect(plain(await rows(sessions(e2).batch, TOTALS))).toEqual(expected(6));
  });

  it('RESET execution.savepoint.path: the next INSERT starts without it', async () => {
    const e = await wh.open();
    const { id } = await startJob(e);
    await pushOrders(0, 2);
    const path = await stopWithSavepoint(e, id);
    const s = sessions(e).streaming;
    await s.execute(`SET 'execution.savepoint.path' = '${path}'`);
    await s.execute("RESET 'execution.savepoint.path'");
    await s.execute("SET 'execution.checkpointing.interval' = '1 h'");
    const r = await s.execute(QUERY);
    const id2 = r.kind === 'ok' ? r.jobId! : '';
    expect(e.jobs.get(id2).job.checkpointStats.lastId).toBe(0);
    expect(JSON.parse(readFileSync(join(wh.jobDir(id2), 'job.json'), 'utf8')).savepoint).toBeUndefined();
  });

  it('the embedding API: JobManager.stopWithSavepoint and Session.executeFromSavepoint', async () => {
    const e = await wh.open();
    const { id, s } = await startJob(e);
    await pushOrders(0, 4);
    const path = await e.jobs.stopWithSavepoint(id);
    expect(path.startsWith(join(wh.dir, '_savepoints', 'savepoint-'))).toBe(true);
    const other = join(wh.dir, 'elsewhere');
    const r = await sessions(e).streaming.executeFromSavepoint(QUERY, path);
    const id2 = r.kind === 'ok' ? r.jobId! : '';
    // it is a job without checkpoints here (the session has no interval): still started from the savepoint
    expect(e.jobs.get(id2).job.checkpointStats.lastId).toBe(checkpointOf(path));
    await pushOrders(4, 6);
    // a savepoint directory given explicitly
    const path2 = await e.jobs.stopWithSavepoint(id2, other);
    expect(path2.startsWith(join(other, `savepoint-${id2.slice(0, 6)}-`))).toBe(true);
    expect(plain(await rows(s.batch, TOTALS))).toEqual(expected(6));
    await expect(sessions(e).streaming.executeFromSavepoint('SELECT 1', path)).rejects.toThrow('only an INSERT or a statement set can start from a savepoint');
  });

  it('state.savepoints.dir chooses where savepoints go', async () => {
    const e = await wh.open();
    const dir = join(wh.dir, 'sp');
    const { id } = await startJob(e, { 'state.savepoints.dir': dir });
    await pushOrders(0, 1);
    const path = await stopWithSavepoint(e, id);
    expect(path.startsWith(join(dir, `savepoint-${id.slice(0, 6)}-`))).toBe(true);
  });
});

describe('savepoints that do not fit', () => {
  async function savepointOfJob(e: Engine): Promise<{ path: string; id: string }> {
    const { id } = await startJob(e);
    await pushOrders(0, 2);
    return { path: await stopWithSavepoint(e, id), id };
  }

  it('another query fails the INSERT, naming the savepoint and the operator', async () => {
    const e = await wh.open();
    const { path } = await savepointOfJob(e);
    const s = sessions(e).streaming;
    await s.execute(`SET 'execution.savepoint.path' = '${path}'`);
    const before = e.jobs.list().length;
    const err = await s.execute('INSERT INTO totals SELECT customer, CAST(NULL AS STRING), COUNT(*), SUM(amount) FROM orders GROUP BY customer').catch((x: unknown) => x);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(new RegExp(`^savepoint ${escape(path)} does not fit this job: (operator \\d+:\\w+: )?the saved state (has state for operator \\d+:\\w+, which this plan does not have|has no state for operator \\d+:\\w+ of this plan)`));
    expect(e.jobs.list()).toHaveLength(before);
  });

  it('the same query over another table fails, naming the source', async () => {
    const e = await wh.open();
    const { path } = await savepointOfJob(e);
    const s = sessions(e).streaming;
    await s.execute("CREATE TABLE orders2 (customer INT, amount BIGINT) WITH ('connector' = 'test-queue', 'queue' = 'orders2')");
    await s.execute(`SET 'execution.savepoint.path' = '${path}'`);
    await expect(s.execute(QUERY.replace('FROM orders AS o', 'FROM orders2 AS o'))).rejects.toThrow(
      `savepoint ${path} does not fit this job: the saved position of source 0 is for test-queue(orders); source 0 of this plan reads test-queue(orders2)`,
    );
  });

  it('state the new plan has no place for fails it, unless execution.savepoint.ignore-unclaimed-state', async () => {
    const e = await wh.open();
    const s = sessions(e);
    await createTables(s.batch);
    // the second INSERT reads a queue of its own (a test queue serves one reader at a time)
    await s.batch.execute("CREATE TABLE more (customer INT, amount BIGINT) WITH ('connector' = 'test-queue', 'queue' = 'more')");
    await s.batch.execute('CREATE TABLE counts (customer INT, n BIGINT, PRIMARY KEY (customer) NOT ENFORCED)');
    await s.batch.execute('CREATE TABLE copy (customer INT, amount BIGINT)');
    await s.streaming.execute("SET 'execution.checkpointing.interval' = '1 h'");
    const set = (second: string): string => `EXECUTE STATEMENT SET BEGIN ${QUERY}; ${second}; END`;
    const r = await s.streaming.execute(set('INSERT INTO counts SELECT customer, COUNT(*) FROM more GROUP BY customer'));
    const id = r.kind === 'ok' ? r.jobId! : '';
    pushRows('customers', customerRows());
    await drained('customers');
    await pushOrders(0, 3);
    for (const b of [0, 1]) pushRows('more', orderBatch(b));
    await drained('more');
    const path = await stopWithSavepoint(e, id);
    expect(plain(await rows(s.batch, 'SELECT n FROM counts WHERE customer = 0'))).toEqual([[[0, 1].flatMap(orderBatch).filter((o) => o[0] === 0).length]]);
    // the second INSERT now copies rows, without state: the counts' aggregate state is unclaimed
    const copy = set('INSERT INTO copy SELECT customer, amount FROM more');
    await s.streaming.execute(`SET 'execution.savepoint.path' = '${path}'`);
    const err = await s.streaming.execute(copy).then(() => ({ message: 'no error', hint: undefined }), (x: unknown) => x as Error & { hint?: string });
    expect(err.message).toMatch(/the saved state has state for operator \d+:GroupAggregate, which this plan does not have/);
    expect(err.hint).toContain("SET 'execution.savepoint.ignore-unclaimed-state' = 'true'");
    await s.streaming.execute("SET 'execution.savepoint.ignore-unclaimed-state' = 'true'");
    const r2 = await s.streaming.execute(copy);
    const job = e.jobs.get(r2.kind === 'ok' ? r2.jobId! : '').job;
    await pushOrders(3, 5);
    for (const b of [2, 3]) pushRows('more', orderBatch(b));
    await drained('more');
    endInput();
    endQueue('more');
    await job.done;
    expect(job.status).toBe('FINISHED');
    // the totals go on from the savepoint; the copy starts at the savepoint's position of its source
    expect(plain(await rows(s.batch, TOTALS))).toEqual(expected(5));
    const copied = [2, 3].flatMap(orderBatch).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    expect(plain(await rows(s.batch, 'SELECT customer, amount FROM copy'))).toEqual(copied);
  });

  it('a damaged or missing savepoint is named', async () => {
    const e = await wh.open();
    const { path } = await savepointOfJob(e);
    const state = join(path, `chk-${checkpointOf(path)}`, 'state');
    const bytes = readFileSync(state);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(state, bytes);
    const s = sessions(e).streaming;
    await s.execute(`SET 'execution.savepoint.path' = '${path}'`);
    await expect(s.execute(QUERY)).rejects.toThrow(new RegExp(`^savepoint ${escape(path)} cannot be used: checkpoint file ${escape(state)} is corrupted: its SHA-256 is`));
    const missing = join(wh.dir, 'no-such-savepoint');
    await s.execute(`SET 'execution.savepoint.path' = '${missing}'`);
    await expect(s.execute(QUERY)).rejects.toThrow(`savepoint ${missing} cannot be used: there is nothing at that path`);
  });
});

describe('STOP JOB .. WITH SAVEPOINT refused', () => {
  it('WITH DRAIN is not supported: the job runs on', async () => {
    const e = await wh.open();
    const { id } = await startJob(e);
    const err = await sessions(e).streaming.execute(`STOP JOB '${id}' WITH SAVEPOINT WITH DRAIN`).then(() => ({ message: 'no error', hint: undefined }), (x: unknown) => x as Error & { hint?: string });
    expect(err.message).toBe('STOP JOB .. WITH DRAIN is not supported');
    expect(err.hint).toContain(`Use STOP JOB '${id}' WITH SAVEPOINT`);
    expect(e.jobs.get(id).job.status).toBe('RUNNING');
  });

  it('a job that cannot record its state refuses the savepoint, naming the source, and runs on', async () => {
    registerConnector({
      identifier: 'test-unresumable',
      requiredOptions: [],
      optionalOptions: [],
      createSource: (d) => ({
        fields: d.physicalColumns,
        bounded: false,
        describe: () => `test-unresumable(${d.name})`,
        async *open(req: ScanRequest, ctx: ScanContext): AsyncIterable<Batch> {
          const b = batchFromRows(d.physicalColumns.map((f) => f.type), [[1]]);
          yield { columns: req.columns.map((c) => b.columns[c]!), length: 1, kinds: null };
          while (!ctx.isCancelled()) await new Promise((r) => setTimeout(r, 10));
        },
      }),
    });
    const e = await wh.open();
    const s = sessions(e);
    await s.batch.execute("CREATE TABLE fixed (k INT) WITH ('connector' = 'test-unresumable')");
    await s.batch.execute("CREATE TABLE sink_t (k INT) WITH ('connector' = 'blackhole')");
    const r = await s.streaming.execute('INSERT INTO sink_t SELECT k FROM fixed');
    const id = r.kind === 'ok' ? r.jobId! : '';
    await until(() => e.jobs.get(id).job.stats.rowsIn === 1, 'the row to be read');
    await expect(s.streaming.execute(`STOP JOB '${id}' WITH SAVEPOINT`)).rejects.toThrow('source test-unresumable(default_catalog.default_database.fixed) cannot record its read position');
    expect(e.jobs.get(id).job.status).toBe('RUNNING');
    expect((await showJobs(e))[0]!['status']).toBe('RUNNING');
    await s.streaming.execute(`STOP JOB '${id}'`);
    expect(e.jobs.get(id).job.status).toBe('STOPPED');
  });

  it('a job that is not running', async () => {
    const e = await wh.open();
    const { id } = await startJob(e);
    await sessions(e).streaming.execute(`STOP JOB '${id}'`);
    await expect(sessions(e).streaming.execute(`STOP JOB '${id}' WITH SAVEPOINT`)).rejects.toThrow(`job '${id}' is not running (STOPPED)`);
  });
});

describe('savepoints in the SQL client', () => {
  it('STOP JOB .. WITH SAVEPOINT prints the path as a table, as Flink\'s client does', async () => {
    const e = await wh.open();
    const { id } = await startJob(e);
    await pushOrders(0, 1);
    const output = new RecordingOutput();
    const runner = new StatementRunner(sessions(e).streaming, output);
    const sql = `STOP JOB '${id}' WITH SAVEPOINT`;
    expect(await runner.run({ text: sql, offset: 0 }, sql)).toBe('ok');
    const path = readdirSync(join(wh.dir, '_savepoints')).map((n) => join(wh.dir, '_savepoints', n));
    expect(path).toHaveLength(1);
    expect(output.text).toMatch(new RegExp(`\\| +savepoint path +\\|\\n\\+-+\\+\\n\\| ${escape(path[0]!)} +\\|\\n`));
    expect(output.text).toMatch(/1 row in set/);
  });
});

describe('savepoints over the wire', () => {
  it('STOP JOB .. WITH SAVEPOINT answers a row with the path; SET execution.savepoint.path starts the next INSERT from it', async () => {
    const e = await wh.open();
    const ts = await startServer({}, e);
    const sql = postgres({ host: '127.0.0.1', port: ts.port, user: 'app', database: 'freshet', max: 1, onnotice: () => {} });
    try {
      const { id } = await startJob(e);
      await pushOrders(0, 3);
      const stopped = await sql.unsafe(`STOP JOB '${id}' WITH SAVEPOINT`);
      const path = stopped[0]!['savepoint path'] as string;
      expect(path).toMatch(/\/savepoint-[0-9a-f]{6}-[0-9a-f]{12}$/);
      // wire sessions run batch unless told otherwise
      await sql.unsafe("SET 'execution.runtime-mode' = 'streaming'");
      await sql.unsafe("SET 'execution.checkpointing.interval' = '1 h'");
      await sql.unsafe(`SET 'execution.savepoint.path' = '${path}'`);
      await sql.unsafe(QUERY);
      const running = (await showJobs(e)).filter((j) => j['status'] === 'RUNNING');
      expect(running).toHaveLength(1);
      const job = e.jobs.get(running[0]!['job id'] as string).job;
      expect(job.checkpointStats.lastId).toBe(checkpointOf(path));
      await pushOrders(3, 4);
      endInput();
      await job.done;
      expect(plain(await rows(sessions(e).batch, TOTALS))).toEqual(expected(4));
    } finally {
      await sql.end();
      await ts.close();
    }
  });
});
