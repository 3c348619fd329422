/**
 * Resuming continuous jobs when an engine opens on a warehouse (the embedded engine, the SQL client and
 * the server alike), and restarting a failed one (job-supervisor.ts). Every job whose record says
 * RUNNING (or RESTARTING) is planned again from its statement, with the
 * session options and the catalog/database it was submitted with, and started from its newest complete
 * checkpoint: operator state and source positions restored, the checkpoint's committables committed
 * again (a no-op where they already were), the same job id and commit user. A checkpoint that cannot
 * be read is reported (the error names the file) and the one before it is used.
 *
 * A job that cannot be resumed (its statement no longer plans, its plan does not fit its state, no
 * checkpoint reads back) is listed by SHOW JOBS as FAILED with the reason, and recorded as FAILED.
 */
import type { StatementSet, InsertStatement } from '../sql/ast.ts';
import { parseStatement } from '../sql/parse.ts';
import { bindInsert } from '../sql/bind/insert.ts';
import type { Engine } from './engine.ts';
import type { StatementContext } from './session.ts';
import { resumable, type JobRecord } from './job-store.ts';
import type { JobEntry } from './jobs.ts';
import { startStreamingInsert, type ResumeSpec } from './statements/streaming.ts';
import { readSavepoint } from '../exec/stream/savepoint-storage.ts';
import { StreamJob } from '../exec/stream/driver.ts';
import { FreshetError, SqlState } from '../util/errors.ts';

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Resumes every job the warehouse records as running (or restarting); never throws (failures are listed as FAILED jobs). */
export async function resumeJobs(engine: Engine): Promise<void> {
  let listed: Awaited<ReturnType<Engine['jobStore']['list']>>;
  try {
    listed = await engine.jobStore.list();
  } catch (e) {
    engine.recoveryErrors.push(`the jobs of the warehouse cannot be listed: ${message(e)}`);
    return;
  }
  engine.recoveryErrors.push(...listed.errors);
  for (const record of listed.records) {
    // a job another engine of this process runs is not started twice
    if (!resumable(record.status) || engine.jobStore.isLive(record.id)) continue;
    await resumeJob(engine, record);
  }
}

/** Starts one recorded job again from its newest complete checkpoint (recovery, or RESUME of a materialized table). */
export async function resumeJob(engine: Engine, record: JobRecord): Promise<void> {
  const notes: string[] = [];
  try {
    await startFromRecord(engine, record, notes);
  } catch (e) {
    const error = `job ${record.id} cannot be resumed: ${message(e)}`;
    // a job that got as far as starting is listed, and records its failure itself
    if (!engine.jobs.has(record.id)) {
      engine.jobs.addFailed(record.id, record.name, record.statement, new FreshetError(e instanceof FreshetError ? e.sqlState : SqlState.internalError, error), notes);
      await engine.jobStore.save({ ...record, status: 'FAILED', error }).catch(() => undefined);
    }
  }
}

/**
 * Starts job `entry` again after a failure (job-supervisor.ts): a new run replaces the failed one under
 * the same id. Never throws: a run that cannot be built is recorded as a failed run, for the
 * supervisor to judge like any other failure.
 */
export async function restartJob(engine: Engine, record: JobRecord, entry: JobEntry): Promise<void> {
  const failed = entry.job;
  try {
    await startFromRecord(engine, record, entry.notes, entry);
  } catch (e) {
    if (entry.job === failed) engine.jobs.replace(entry, StreamJob.failed(e));
  }
}

/**
 * Plans a recorded job's statement again, with the options and catalog/database it was submitted with,
 * and starts it from its newest complete checkpoint (or, before it completed one, from the savepoint it
 * was started from).
 */
async function startFromRecord(engine: Engine, record: JobRecord, notes: string[], restartOf?: JobEntry): Promise<void> {
  const session = engine.createSession(record.options);
  session.catalogs.currentCatalog = record.catalog;
  session.catalogs.currentDatabase = record.database;
  const storage = engine.jobStore.checkpoints(record.id, session.options.int('execution.checkpointing.num-retained'));
  let checkpoint = await storage.latest((e) => notes.push(message(e)));
  let lastCheckpointId = await storage.highestId();
  let savepoint: ResumeSpec['savepoint'];
  if (checkpoint === undefined && record.savepoint !== undefined) {
    checkpoint = (await readSavepoint(engine.fileIO(record.savepoint), record.savepoint)).checkpoint;
    lastCheckpointId = Math.max(lastCheckpointId, checkpoint.id);
    savepoint = { path: record.savepoint, allowUnclaimed: session.options.bool('execution.savepoint.ignore-unclaimed-state') };
  }
  const resume: ResumeSpec = { record, storage, checkpoint, lastCheckpointId, notes, savepoint, restartOf };
  const ctx: StatementContext = { source: record.statement, now: engine.clock.now(), timeZone: session.options.timeZone(), cancelled: false };
  await engine.functions.preload(session.catalogs.allFunctions());
  const st = parseStatement(record.statement);
  const b = session.binder(ctx);
  let inserts: InsertStatement[];
  if (st.kind === 'insert') inserts = [st];
  else if (st.kind === 'statementSet') inserts = (st as StatementSet).statements;
  else throw new FreshetError(SqlState.invalidParameterValue, `the statement of job ${record.id} is not an INSERT`);
  const plans = inserts.map((i) => bindInsert(b, i));
  const targets = plans.map((p) => (p.kind === 'sink' ? p.tableName : ''));
  await startStreamingInsert(session, ctx, plans, targets, plans.length, resume);
}
