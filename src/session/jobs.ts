/**
 * Background jobs of an engine: streaming INSERTs run on after the statement returns. SHOW JOBS lists
 * them (running and ended), STOP JOB ends one: its sources stop and what its sinks received is
 * committed.
 */
import { randomBytes } from 'node:crypto';
import { StreamJob } from '../exec/stream/driver.ts';
import { FreshetError, SqlState } from '../util/errors.ts';

export interface JobEntry {
  id: string;
  name: string;
  statement: string;
  job: StreamJob;
  /** Why the job failed, once it has. */
  error?: string;
  /** What its recovery met (a checkpoint that could not be read and was skipped, ...). */
  notes: string[];
  /** Settles once the job has ended and its end is recorded in the warehouse (jobs with a record). */
  recorded?: Promise<void>;
}

export class JobManager {
  private readonly jobs = new Map<string, JobEntry>();

  submit(name: string, statement: string, job: StreamJob, id = randomBytes(16).toString('hex')): JobEntry {
    const entry: JobEntry = { id, name, statement, job, notes: [] };
    this.jobs.set(id, entry);
    job.done.catch((e: unknown) => { entry.error = e instanceof Error ? e.message : String(e); });
    return entry;
  }

  has(id: string): boolean {
    return this.jobs.has(id);
  }

  list(): JobEntry[] {
    return [...this.jobs.values()].sort((a, b) => a.job.startedAt - b.job.startedAt);
  }

  get(id: string): JobEntry {
    const e = this.jobs.get(id);
    if (!e) {
      const running = this.list().filter((j) => j.job.status === 'RUNNING').map((j) => j.id);
      throw new FreshetError(SqlState.undefinedObject, `no job '${id}'`, {
        hint: running.length > 0 ? `Running jobs: ${running.join(', ')}. SHOW JOBS lists all.` : 'No job is running; SHOW JOBS lists the jobs of this engine.',
      });
    }
    return e;
  }

  /** Stops a running job and waits until it has committed and ended. */
  async stop(id: string): Promise<JobEntry> {
    const e = this.get(id);
    if (e.job.status !== 'RUNNING') {
      throw new FreshetError(SqlState.objectInUse, `job '${id}' is not running (${e.job.status})`, { hint: 'SHOW JOBS lists the jobs and their status.' });
    }
    e.job.stop();
    await e.job.done.catch(() => undefined);
    await e.recorded;
    return e;
  }

  /**
   * Stops every running job (the engine closes). Jobs with durable checkpoints are suspended instead:
   * they take a last checkpoint and stay RUNNING in the warehouse, so the next engine resumes them.
   */
  async stopAll(): Promise<void> {
    const running = this.list().filter((j) => j.job.status === 'RUNNING');
    for (const j of running) {
      if (j.job.durable) j.job.suspend();
      else j.job.stop();
    }
    await Promise.allSettled(running.map((j) => j.job.done));
  }

  /**
   * Ends every running job as a crash would (for tests of recovery): nothing more is committed or
   * checkpointed, and the jobs' records stay RUNNING.
   */
  async abandonAll(): Promise<void> {
    const running = this.list().filter((j) => j.job.status === 'RUNNING');
    for (const j of running) j.job.abandon();
    await Promise.allSettled(running.map((j) => j.job.done));
  }

  /** Lists a job whose recovery failed before it could be built. */
  addFailed(id: string, name: string, statement: string, error: unknown, notes: string[] = []): JobEntry {
    const job = StreamJob.failed(error);
    const entry: JobEntry = { id, name, statement, job, error: error instanceof Error ? error.message : String(error), notes };
    this.jobs.set(id, entry);
    return entry;
  }
}
