/**
 * Background jobs of an engine: streaming INSERTs run on after the statement returns. SHOW JOBS lists
 * them (running and ended), STOP JOB ends one: its sources stop and what its sinks received is
 * committed; STOP JOB .. WITH SAVEPOINT also leaves a savepoint another job can start from.
 *
 * An entry is one job id over its whole life: a job with checkpoints that fails is restarted under
 * the same id (job-supervisor.ts), so `job` is its current run, and while it waits for its restart
 * the entry is RESTARTING.
 */
import { randomBytes } from 'node:crypto';
import { StreamJob, type JobStatus } from '../exec/stream/driver.ts';
import { newSavepointPath, writeSavepoint } from '../exec/stream/savepoint-storage.ts';
import type { FileIO } from '../fs/file-io.ts';
import { FreshetError, SqlState } from '../util/errors.ts';

export type JobEntryStatus = JobStatus | 'RESTARTING';

/** A failed job waiting for its restart. */
export interface RestartWait {
  /** When the restart is due (the engine's clock). */
  readonly at: number;
  /** Restarts now instead (STOP JOB of a restarting job); resolves once the new run started, or failed to. */
  now(): Promise<void>;
  /** Stops waiting and records nothing (the engine closes, a simulated crash): the next engine resumes the job. */
  detach(): void;
}

export interface JobEntry {
  id: string;
  name: string;
  statement: string;
  /** The current run of the job. */
  job: StreamJob;
  /** When its first run in this engine started (epoch ms); restarts keep it. */
  startedAt: number;
  /** Why the job failed for good, once it has. */
  error?: string;
  /** What its recovery met (a checkpoint that could not be read and was skipped, ...). */
  notes: string[];
  /** Settles once the job has ended for good and its end is recorded in the warehouse (jobs with a record). */
  recorded?: Promise<void>;
  /** How often the job was restarted after a failure. */
  restarts: number;
  /** The failure that caused the last restart. */
  lastFailure?: string;
  /** Set while the job waits to be restarted. */
  restarting?: RestartWait;
  /** Where STOP JOB .. WITH SAVEPOINT writes by default (`state.savepoints.dir` of the submitting session). */
  savepointDir?: string;
}

/** A job's status as SHOW JOBS gives it. */
export function statusOf(e: JobEntry): JobEntryStatus {
  return e.restarting !== undefined ? 'RESTARTING' : e.job.status;
}

/** Where savepoints go when neither the statement nor the job says. */
export interface SavepointPlace {
  defaultDir: string;
  io(path: string): FileIO;
}

export class JobManager {
  private readonly jobs = new Map<string, JobEntry>();
  private readonly savepoints: SavepointPlace;

  constructor(savepoints: SavepointPlace) {
    this.savepoints = savepoints;
  }

  submit(name: string, statement: string, job: StreamJob, id = randomBytes(16).toString('hex'), fields: Partial<Pick<JobEntry, 'restarts' | 'lastFailure' | 'savepointDir'>> = {}): JobEntry {
    const entry: JobEntry = { id, name, statement, job, startedAt: job.startedAt, notes: [], restarts: 0, ...fields };
    this.jobs.set(id, entry);
    this.watch(entry, job);
    return entry;
  }

  /** A new run of a job (a restart): the entry keeps its id, notes and restart count. */
  replace(entry: JobEntry, job: StreamJob): void {
    entry.job = job;
    entry.error = undefined;
    this.watch(entry, job);
  }

  private watch(entry: JobEntry, job: StreamJob): void {
    job.done.catch((e: unknown) => {
      if (entry.job === job) entry.error = e instanceof Error ? e.message : String(e);
    });
  }

  has(id: string): boolean {
    return this.jobs.has(id);
  }

  list(): JobEntry[] {
    return [...this.jobs.values()].sort((a, b) => a.startedAt - b.startedAt);
  }

  get(id: string): JobEntry {
    const e = this.jobs.get(id);
    if (!e) {
      const running = this.list().filter((j) => statusOf(j) === 'RUNNING' || statusOf(j) === 'RESTARTING').map((j) => j.id);
      throw new FreshetError(SqlState.undefinedObject, `no job '${id}'`, {
        hint: running.length > 0 ? `Running jobs: ${running.join(', ')}. SHOW JOBS lists all.` : 'No job is running; SHOW JOBS lists the jobs of this engine.',
      });
    }
    return e;
  }

  /** The entry of a job that runs (a restarting one is restarted at once, to stop it cleanly). */
  private async running(id: string): Promise<JobEntry> {
    const e = this.get(id);
    if (e.restarting !== undefined) await e.restarting.now();
    if (e.job.status !== 'RUNNING' || e.job.stopping !== 'run') {
      throw new FreshetError(SqlState.objectInUse, `job '${id}' is not running (${e.job.stopping !== 'run' && e.job.status === 'RUNNING' ? 'stopping' : statusOf(e)})`, { hint: 'SHOW JOBS lists the jobs and their status.' });
    }
    return e;
  }

  /** Stops a running job and waits until it has committed and ended. */
  async stop(id: string): Promise<JobEntry> {
    const e = await this.running(id);
    e.job.stop();
    await e.job.done.catch(() => undefined);
    await e.recorded;
    return e;
  }

  /**
   * Stops a running job with a savepoint (see StreamJob.stopWithSavepoint) under `dir` (default: the
   * job's `state.savepoints.dir`, else the warehouse's `_savepoints`); returns the savepoint's path once
   * the job has ended and its end is recorded. When the savepoint cannot be taken the job runs on.
   */
  async stopWithSavepoint(id: string, dir?: string): Promise<string> {
    const e = await this.running(id);
    const target = dir ?? e.savepointDir ?? this.savepoints.defaultDir;
    const path = newSavepointPath(target, e.id);
    const io = this.savepoints.io(target);
    const written = await e.job.stopWithSavepoint(async (data) => {
      await writeSavepoint(io, path, data, { jobId: e.id, jobName: e.name, statement: e.statement });
      return path;
    });
    await e.recorded;
    return written;
  }

  /**
   * Ends job `id` for now without recording how (a materialized table suspending its job, or about to
   * stop it; the caller records what it becomes): a running job takes a last checkpoint and stops, a
   * job waiting for its restart stops waiting (it is not restarted; its latest checkpoint stays). Resolves
   * once the job's supervisor has let go of it. Does nothing for a job that has ended.
   */
  async suspend(id: string): Promise<void> {
    const e = this.get(id);
    const wait = e.restarting;
    if (wait !== undefined) {
      wait.detach();
      // a restart already under way suspends the new run itself (job-supervisor.ts)
      await e.recorded;
      e.restarting = undefined;
    } else if (e.job.status === 'RUNNING') e.job.suspend();
    await e.job.done.catch(() => undefined);
    await e.recorded;
  }

  /**
   * Stops every running job (the engine closes). Jobs with durable checkpoints are suspended instead:
   * they take a last checkpoint and stay RUNNING in the warehouse, so the next engine resumes them (so
   * do jobs waiting for a restart).
   */
  async stopAll(): Promise<void> {
    for (const j of this.list()) j.restarting?.detach();
    const running = this.list().filter((j) => j.job.status === 'RUNNING');
    for (const j of running) {
      if (j.job.durable) j.job.suspend();
      else j.job.stop();
    }
    await Promise.allSettled(running.map((j) => j.job.done));
    await Promise.allSettled(this.list().map((j) => j.recorded));
  }

  /**
   * Ends every running job as a crash would (for tests of recovery): nothing more is committed or
   * checkpointed, and the jobs' records stay RUNNING.
   */
  async abandonAll(): Promise<void> {
    for (const j of this.list()) j.restarting?.detach();
    const running = this.list().filter((j) => j.job.status === 'RUNNING');
    for (const j of running) j.job.abandon();
    await Promise.allSettled(running.map((j) => j.job.done));
    await Promise.allSettled(this.list().map((j) => j.recorded));
  }

  /** Lists a job whose recovery failed before it could be built. */
  addFailed(id: string, name: string, statement: string, error: unknown, notes: string[] = []): JobEntry {
    const job = StreamJob.failed(error);
    const entry: JobEntry = { id, name, statement, job, startedAt: job.startedAt, error: error instanceof Error ? error.message : String(error), notes, restarts: 0 };
    this.jobs.set(id, entry);
    return entry;
  }
}
