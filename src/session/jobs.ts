/**
 * Background jobs of an engine: streaming INSERTs run on after the statement returns. SHOW JOBS lists
 * them (running and ended), STOP JOB ends one: its sources stop and what its sinks received is
 * committed.
 */
import { randomBytes } from 'node:crypto';
import type { StreamJob } from '../exec/stream/driver.ts';
import { FreshetError, SqlState } from '../util/errors.ts';

export interface JobEntry {
  id: string;
  name: string;
  statement: string;
  job: StreamJob;
  /** Why the job failed, once it has. */
  error?: string;
}

export class JobManager {
  private readonly jobs = new Map<string, JobEntry>();

  submit(name: string, statement: string, job: StreamJob): JobEntry {
    const id = randomBytes(16).toString('hex');
    const entry: JobEntry = { id, name, statement, job };
    this.jobs.set(id, entry);
    job.done.catch((e: unknown) => { entry.error = e instanceof Error ? e.message : String(e); });
    return entry;
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
    return e;
  }

  /** Stops every running job (the engine closes). */
  async stopAll(): Promise<void> {
    const running = this.list().filter((j) => j.job.status === 'RUNNING');
    for (const j of running) j.job.stop();
    await Promise.allSettled(running.map((j) => j.job.done));
  }
}
