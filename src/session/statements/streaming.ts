/**
 * Statements in the streaming runtime: a query starts a job whose changes the client reads as a
 * StreamResult; an INSERT (or statement set) starts a background job and returns its id, or with
 * `table.dml-sync` waits for it and reports the rows written.
 *
 * A background job with checkpoints gets a record and durable checkpoints in the warehouse
 * (job-store.ts), so that the next engine on the warehouse resumes it (recovery.ts), and a supervisor
 * that records how it ends and restarts it when it fails (job-supervisor.ts).
 *
 * With `execution.savepoint.path` set (or a path given by the embedding API), an INSERT's job starts
 * from that savepoint: operator state and source positions restored (see driver.ts). It is a new job,
 * with a commit user of its own: the savepoint's commits were made by the job that wrote it.
 */
import { randomBytes } from 'node:crypto';
import type { LogicalPlan } from '../../planner/logical-plan.ts';
import { optimize } from '../../planner/optimizer.ts';
import { planStream, type StreamPlan } from '../../planner/stream/stream-planner.ts';
import { isInsertOnly } from '../../planner/stream/changelog-mode.ts';
import type { PhysicalPlan } from '../../exec/physical-plan.ts';
import { physicalInputs } from '../../exec/physical-plan.ts';
import { StreamJob, type StreamJobStats, type StreamRunOptions } from '../../exec/stream/driver.ts';
import type { Clock } from '../../exec/operator.ts';
import { ok, type OkResult, type StreamResult } from '../result.ts';
import { ResultQueue } from '../result-queue.ts';
import type { Session, StatementContext } from '../session.ts';
import type { JobRecord } from '../job-store.ts';
import type { JobEntry } from '../jobs.ts';
import type { CheckpointStorage, CompletedCheckpoint } from '../../exec/stream/checkpoint-storage.ts';
import { readSavepoint } from '../../exec/stream/savepoint-storage.ts';
import { supervise } from '../job-supervisor.ts';

/** How a job that ran before is started again (recovery.ts). */
export interface ResumeSpec {
  record: JobRecord;
  storage: CheckpointStorage;
  /** The newest complete checkpoint that reads back; undefined: none was completed, start over. */
  checkpoint: CompletedCheckpoint | undefined;
  /** The highest checkpoint id any earlier run used. */
  lastCheckpointId: number;
  /** Errors met on newer checkpoints that could not be used (each names its file). */
  notes: string[];
  /** Set when `checkpoint` is the savepoint the job was started from (it has no checkpoint of its own yet). */
  savepoint?: { path: string; allowUnclaimed: boolean };
  /** The job being restarted after a failure (a new run under its id); absent at recovery. */
  restartOf?: JobEntry;
}

/** Plans a bound statement for the streaming runtime. */
export function planStreaming(plan: LogicalPlan, ctx: StatementContext): StreamPlan {
  return planStream(optimize(plan, { timeZone: ctx.timeZone, mode: 'streaming' }), { timeZone: ctx.timeZone });
}

export function streamRunOptions(session: Session, ctx: StatementContext, sp: StreamPlan, clock?: Clock): StreamRunOptions {
  const o = session.options;
  const mb = o.bool('table.exec.mini-batch.enabled');
  return {
    env: { timeZone: ctx.timeZone, now: ctx.now },
    clock: clock ?? session.engine.clock,
    stateTtl: o.millis('table.exec.state.ttl'),
    miniBatch: mb ? { latency: o.millis('table.exec.mini-batch.allow-latency'), size: o.int('table.exec.mini-batch.size') } : null,
    watermarkInterval: o.millis('pipeline.auto-watermark-interval'),
    idleTimeout: o.millis('table.exec.source.idle-timeout'),
    checkpointInterval: o.millis('execution.checkpointing.interval'),
    incrementalCheckpoints: o.bool('execution.checkpointing.incremental') ? { maxDeltas: o.int('execution.checkpointing.incremental.max-deltas') } : undefined,
    updating: (p: PhysicalPlan) => {
      const m = sp.modes.get(p);
      return m !== undefined && !isInsertOnly(m);
    },
  };
}

/** What a finished job has to tell: skipped malformed records, late rows dropped. */
export function jobWarnings(s: StreamJobStats): string[] {
  const out: string[] = [];
  if (s.skippedCount > 0) {
    const first = s.skipped[0]!;
    out.push(`skipped ${s.skippedCount} record(s); first at ${first.where}: ${first.reason}`);
  }
  if (s.lateRows > 0) {
    const by = [...s.lateBy].map(([op, n]) => `${n} in ${op}`).join(', ');
    out.push(`dropped ${s.lateRows} late row(s) that arrived after the watermark had passed their window (${by})`);
  }
  return out;
}

export async function startStreamingQuery(session: Session, ctx: StatementContext, plan: LogicalPlan, names: string[]): Promise<StreamResult> {
  const sp = planStreaming(plan, ctx);
  const types = plan.schema.map((f) => f.type);
  const job = new StreamJob(sp.plan, streamRunOptions(session, ctx, sp));
  const queue = new ResultQueue(types);
  job.addWait(() => queue.space());
  // closing the queue also releases a job paused because its reader is behind (or gone)
  const cancel = (): void => {
    job.cancel();
    queue.close();
  };
  queue.onAbandon = cancel;
  await job.start(queue);
  session.track({ cancel, done: job.done });
  const result: StreamResult = {
    kind: 'stream',
    command: 'SELECT',
    columns: names.map((name, i) => ({ name, type: types[i]! })),
    changes: queue,
    cancel,
    changelog: isInsertOnly(sp.mode) ? 'append' : 'updates',
    uniqueKey: sp.uniqueKey ?? undefined,
    orderBy: sp.orderBy ?? undefined,
    warnings: [],
  };
  endWithJob(job, queue, result);
  return result;
}

/** Ends a streaming result's queue when its job ends: closed with the job's warnings, or failed. */
export function endWithJob(job: StreamJob, queue: ResultQueue, result: StreamResult): void {
  job.done.then(
    (stats) => {
      result.warnings.push(...jobWarnings(stats));
      queue.close();
    },
    (e: unknown) => queue.fail(e),
  );
}

function readsUnbounded(p: PhysicalPlan): boolean {
  if (p.kind === 'TableSourceScan') return !p.source.bounded;
  // a lookup join's right table is only asked, never read to its end
  if (p.kind === 'LookupJoin' && p.lookup) return readsUnbounded(p.left);
  return physicalInputs(p).some(readsUnbounded);
}

/** The Flink-style default name of an INSERT job. */
function jobName(session: Session, targets: string[]): string {
  const n = session.options.get('pipeline.name');
  return n !== '' ? n : `insert-into_${targets.join(',')}`;
}

/** Starts the job of one or more INSERTs (their sinks are the roots of `plans`). */
export async function startStreamingInsert(session: Session, ctx: StatementContext, plans: LogicalPlan[], targets: string[], statements: number, resume?: ResumeSpec): Promise<OkResult> {
  const planned = plans.map((p) => planStreaming(p, ctx));
  const root: PhysicalPlan = planned.length === 1 ? planned[0]!.plan : { kind: 'Union', inputs: planned.map((p) => p.plan), schema: [] };
  const modes = new Map(planned.flatMap((p) => [...p.modes]));
  const sp: StreamPlan = { plan: root, modes, mode: planned[0]!.mode, uniqueKey: null, orderBy: null };
  const opts = streamRunOptions(session, ctx, sp);
  const engine = session.engine;
  // a new job may start from a savepoint; a resumed one knows where it starts from
  const savepointPath = resume === undefined ? ctx.savepoint ?? (session.options.get('execution.savepoint.path').trim() || undefined) : undefined;
  if (savepointPath !== undefined) {
    const { checkpoint } = await readSavepoint(engine.fileIO(savepointPath), savepointPath);
    opts.resumeFrom = checkpoint;
    opts.lastCheckpointId = checkpoint.id;
    opts.savepoint = { path: savepointPath, allowUnclaimed: session.options.bool('execution.savepoint.ignore-unclaimed-state') };
  }
  // a background job with checkpoints is recorded in the warehouse, to be resumed after a restart
  const store = engine.jobStore;
  const durable = resume !== undefined || (opts.checkpointInterval > 0 && !session.options.bool('table.dml-sync'));
  const record: JobRecord | undefined = !durable ? undefined : resume?.record ?? store.newRecord({
    id: randomBytes(16).toString('hex'), name: jobName(session, targets), statement: ctx.source,
    options: Object.fromEntries(session.options.explicit()), catalog: session.catalogs.currentCatalog, database: session.catalogs.currentDatabase,
    savepoint: savepointPath,
  });
  if (record !== undefined) {
    opts.checkpointStorage = resume?.storage ?? store.checkpoints(record.id, session.options.int('execution.checkpointing.num-retained'));
    opts.commitUser = record.commitUser;
    if (resume !== undefined) {
      opts.resumeFrom = resume.checkpoint;
      opts.lastCheckpointId = resume.lastCheckpointId;
      opts.savepoint = resume.savepoint;
    }
    if (resume === undefined) await store.save(record);
  }
  const job = new StreamJob(root, opts);
  const sink = { push: () => {}, end: () => {} };
  const savepointDir = session.options.get('state.savepoints.dir').trim() || undefined;
  if (resume !== undefined) {
    if (resume.restartOf !== undefined) {
      engine.jobs.replace(resume.restartOf, job);
      await job.start(sink);
      return ok('INSERT', `job ${resume.record.id} restarted`, { jobId: resume.record.id });
    }
    // a resumed job is listed even when it cannot start (its plan no longer fits its state, ...)
    const entry = engine.jobs.submit(resume.record.name, resume.record.statement, job, resume.record.id, {
      restarts: resume.record.restarts ?? 0, lastFailure: resume.record.lastFailure, savepointDir,
    });
    entry.notes.push(...resume.notes);
    supervise(engine, entry, resume.record);
    await job.start(sink);
    return ok('INSERT', `job ${entry.id} resumed`, { jobId: entry.id });
  }
  try {
    await job.start(sink);
  } catch (e) {
    if (record !== undefined) await store.save({ ...record, status: 'FAILED', error: e instanceof Error ? e.message : String(e) }).catch(() => undefined);
    throw e;
  }
  const warnings: string[] = [];
  // a job over bounded inputs ends, and commits then; one that may run forever needs checkpoints to publish
  if (session.options.millis('execution.checkpointing.interval') === 0 && job.hasCommittingSinks() && readsUnbounded(root)) {
    warnings.push("execution.checkpointing.interval is not set: files the job writes become visible when it ends (or is stopped); SET 'execution.checkpointing.interval' = '10 s' to commit them as it runs");
  }
  if (session.options.bool('table.dml-sync')) {
    const stats = await job.done;
    const n = stats.written.reduce((s, x) => s + x, 0);
    const what = statements === 1 ? `into ${targets[0]}` : `by ${statements} statements`;
    return ok('INSERT', `${n} row${n === 1 ? '' : 's'} inserted ${what}`, { rowCount: n, warnings: [...warnings, ...jobWarnings(stats)] });
  }
  const entry = engine.jobs.submit(jobName(session, targets), ctx.source, job, record?.id, { savepointDir });
  if (record !== undefined) supervise(engine, entry, record);
  return ok('INSERT', `job ${entry.id} submitted`, { jobId: entry.id, warnings });
}
