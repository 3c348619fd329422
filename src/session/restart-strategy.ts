/**
 * Restart strategies (Flink's `restart-strategy.*` options): after a job with checkpoints fails, how
 * long to wait before it is restarted from its latest complete checkpoint, and when to give up.
 *
 * - `none`: never restart.
 * - `fixed-delay`: up to `attempts` restarts over the job's life, each `delay` after the failure.
 * - `exponential-delay`: the first restart `initial-backoff` after the failure, each next one
 *   `backoff-multiplier` times later than the one before, at most `max-backoff`, each varied at random
 *   by up to `jitter-factor`; after `attempts-before-reset-backoff` restarts the job fails for good. A job
 *   that ran for `reset-backoff-threshold` since it was last restarted starts over: initial backoff,
 *   attempts counted afresh.
 *
 * Jobs with checkpoints default to exponential-delay, as in Flink, but bounded: 10 attempts before the
 * backoff resets (Flink's default is unbounded), so a job that cannot succeed ends FAILED. The policy
 * is pure (the caller passes the time and the random source), so tests drive it with a manual clock.
 */
import { RESTART_STRATEGIES, type SessionOptions } from './options.ts';

export type RestartStrategyType = 'none' | 'fixed-delay' | 'exponential-delay';

export interface RestartConfig {
  type: RestartStrategyType;
  fixedAttempts: number;
  fixedDelay: number;
  initialBackoff: number;
  maxBackoff: number;
  multiplier: number;
  resetThreshold: number;
  attemptsBeforeReset: number;
  jitter: number;
}

/** The restart strategy a job's options ask for (`restart-strategy.type` unset: exponential-delay). */
export function restartConfigOf(o: SessionOptions): RestartConfig {
  const t = o.get('restart-strategy.type').trim().toLowerCase();
  return {
    type: t === '' ? 'exponential-delay' : RESTART_STRATEGIES[t] ?? 'none',
    fixedAttempts: o.int('restart-strategy.fixed-delay.attempts'),
    fixedDelay: o.millis('restart-strategy.fixed-delay.delay'),
    initialBackoff: o.millis('restart-strategy.exponential-delay.initial-backoff'),
    maxBackoff: o.millis('restart-strategy.exponential-delay.max-backoff'),
    multiplier: Number(o.get('restart-strategy.exponential-delay.backoff-multiplier')),
    resetThreshold: o.millis('restart-strategy.exponential-delay.reset-backoff-threshold'),
    attemptsBeforeReset: o.int('restart-strategy.exponential-delay.attempts-before-reset-backoff'),
    jitter: Number(o.get('restart-strategy.exponential-delay.jitter-factor')),
  };
}

/** What to do after a failure: restart after `delay` ms, or give up (`reason` says which limit was reached). */
export type RestartDecision = { restart: true; delay: number } | { restart: false; reason: string };

export class RestartPolicy {
  readonly config: RestartConfig;
  private readonly random: () => number;
  /** Restarts granted over the job's life (fixed-delay) or since the backoff was last reset (exponential). */
  private attempts = 0;
  private backoff = 0;
  private lastRestart: number | undefined;

  constructor(config: RestartConfig, random: () => number = Math.random) {
    this.config = config;
    this.random = random;
  }

  /** Called when the job failed at `now`. */
  onFailure(now: number): RestartDecision {
    const c = this.config;
    switch (c.type) {
      case 'none':
        return { restart: false, reason: "restart-strategy.type is 'none'" };
      case 'fixed-delay':
        if (this.attempts >= c.fixedAttempts) return { restart: false, reason: `it was restarted ${this.attempts} time(s), as many as restart-strategy.fixed-delay.attempts allows` };
        this.attempts++;
        return { restart: true, delay: c.fixedDelay };
      case 'exponential-delay': {
        if (this.lastRestart !== undefined && now - this.lastRestart >= c.resetThreshold) {
          // it ran long enough since its last restart: this failure is a new episode
          this.attempts = 0;
        }
        if (this.attempts >= c.attemptsBeforeReset) {
          return { restart: false, reason: `it was restarted ${this.attempts} time(s) in a row, as many as restart-strategy.exponential-delay.attempts-before-reset-backoff allows` };
        }
        this.backoff = this.attempts === 0 ? Math.min(c.initialBackoff, c.maxBackoff) : Math.min(this.backoff * c.multiplier, c.maxBackoff);
        this.attempts++;
        const spread = this.backoff * c.jitter;
        const delay = spread > 0 ? this.backoff + spread * (2 * this.random() - 1) : this.backoff;
        return { restart: true, delay: Math.max(0, Math.round(delay)) };
      }
    }
  }

  /** Called when the job has been started again at `now`. */
  onRestarted(now: number): void {
    this.lastRestart = now;
  }
}
