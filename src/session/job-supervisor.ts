/**
 * The life of a job with a record in the warehouse, across its runs: when a run ends, the record says
 * how (FINISHED, STOPPED and CANCELED jobs lose their checkpoints); when it fails, the job's restart
 * strategy (restart-strategy.ts, from the options it was submitted with) decides whether it is
 * restarted. A job to restart is RESTARTING (in SHOW JOBS and in its record) for the back-off, timed
 * by the engine's clock, and is then planned again from its statement and started from its latest
 * complete checkpoint under the same id and commit user (recovery.ts), so a table-store sink receives
 * every row exactly once across the restart. When no restart is left, the job is FAILED with the cause.
 *
 * A failure while a run starts that a restart cannot mend (its plan no longer fits its saved state, a
 * feature it needs is missing, its statement no longer binds) fails the job at once. Closing the engine
 * while a job waits for its restart leaves it RESTARTING in the warehouse: the next engine resumes it.
 */
import type { Engine } from './engine.ts';
import type { JobEntry, RestartWait } from './jobs.ts';
import type { JobRecord, JobRecordStatus } from './job-store.ts';
import { SessionOptions } from './options.ts';
import { RestartPolicy, restartConfigOf } from './restart-strategy.ts';
import { sleepUntil, type Clock } from '../exec/operator.ts';
import type { StreamJob } from '../exec/stream/driver.ts';
import { FreshetError, SqlState } from '../util/errors.ts';

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Why a failure is not worth a restart, or undefined when it may be. */
function unmendable(job: StreamJob, e: unknown): string | undefined {
  if (!job.failedToStart || !(e instanceof FreshetError)) return undefined;
  const s = e.sqlState;
  if (s === SqlState.dataCorrupted || s === SqlState.featureNotSupported || s.startsWith('42')) return 'the job cannot be built again as it was, so a restart would fail the same way';
  return undefined;
}

type WaitOutcome = 'due' | 'now' | 'detach';

class Wait implements RestartWait {
  readonly at: number;
  readonly outcome: Promise<WaitOutcome>;
  private settle!: (o: WaitOutcome) => void;
  private readonly abort = new AbortController();
  private readonly restarted: Promise<void>;
  private markStarted!: () => void;

  constructor(clock: Clock, at: number) {
    this.at = at;
    this.outcome = new Promise((r) => { this.settle = r; });
    this.restarted = new Promise((r) => { this.markStarted = r; });
    void sleepUntil(clock, at, this.abort.signal).then(() => this.settle('due'));
  }

  now(): Promise<void> {
    this.settle('now');
    this.abort.abort();
    return this.restarted;
  }

  /** Set once detach() was called (also while the restart was already under way). */
  detached = false;

  detach(): void {
    this.detached = true;
    this.settle('detach');
    this.abort.abort();
    this.markStarted();
  }

  started(): void {
    this.markStarted();
  }
}

/** Watches job `entry` (with `record` in the warehouse) until it ends for good; sets entry.recorded. */
export function supervise(engine: Engine, entry: JobEntry, record: JobRecord): void {
  const store = engine.jobStore;
  const policy = new RestartPolicy(restartConfigOf(new SessionOptions(record.options)));
  let current: JobRecord = record;

  const save = async (status: JobRecordStatus, error?: string): Promise<void> => {
    current = { ...current, status, restarts: entry.restarts, ...(entry.lastFailure !== undefined ? { lastFailure: entry.lastFailure } : {}), ...(error !== undefined ? { error } : {}) };
    try {
      await store.save(current);
      // it will not resume: its checkpoints are of no more use (a failed job keeps them, to look into)
      if (status === 'FINISHED' || status === 'STOPPED' || status === 'CANCELED') await store.dropCheckpoints(record.id);
    } catch {
      // the record stays as it was: the next engine resumes the job from its latest checkpoint and ends it
    }
  };

  const life = async (): Promise<void> => {
    for (;;) {
      const job = entry.job;
      let failure: unknown;
      let failed = false;
      try {
        await job.done;
      } catch (e) {
        failed = true;
        failure = e;
      }
      // abandoned or suspended (a crash, the engine closing): the record must not change
      if (job.isDetached) return;
      if (!failed) {
        await save(job.status as JobRecordStatus);
        return;
      }
      const cause = message(failure);
      const now = engine.clock.now();
      const refused = unmendable(job, failure);
      const decision = refused !== undefined ? { restart: false as const, reason: refused } : policy.onFailure(now);
      if (!decision.restart) {
        // a job that was never going to be restarted just fails with its cause
        const plain = entry.restarts === 0 && (refused !== undefined || policy.config.type === 'none');
        const error = plain ? cause : `${cause} (not restarted: ${decision.reason})`;
        entry.error = error;
        await save('FAILED', error);
        return;
      }
      entry.restarts++;
      entry.lastFailure = cause;
      entry.error = undefined;
      const wait = new Wait(engine.clock, now + decision.delay);
      entry.restarting = wait;
      await save('RESTARTING');
      if ((await wait.outcome) === 'detach') return;
      // RESTARTING until the new run has restored its state and runs
      await engine.restartJob(current, entry);
      entry.restarting = undefined;
      policy.onRestarted(engine.clock.now());
      wait.started();
      if (wait.detached) {
        // the engine closed while the run was being built: it is suspended like the others, and the
        // record stays RESTARTING for the next engine
        entry.job.suspend();
        await entry.job.done.catch(() => undefined);
        return;
      }
      if (entry.job.status === 'RUNNING') await save('RUNNING');
    }
  };

  entry.recorded = life();
  store.markLive(record.id, entry.recorded);
}
