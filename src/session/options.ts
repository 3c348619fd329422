/**
 * Session options (`SET 'key' = 'value'`): the ones Freshet knows, their defaults, allowed values and
 * validation. Unknown keys are kept (as Flink does) but the SET answers with a warning, so that a typo
 * does not silently do nothing.
 */
import { checkTimeZone } from '../types/temporal.ts';
import { parseDuration } from '../connectors/options.ts';

export { parseDuration };
import { FreshetError, SqlState } from '../util/errors.ts';
import { nearMatches } from '../util/suggest.ts';

export interface OptionDef {
  key: string;
  default: string;
  description: string;
  values?: string[];
  validate?(value: string): string | undefined;
}

const duration = (v: string): string | undefined => (parseDuration(v) === undefined ? `'${v}' is not a duration; write e.g. '10 s', '5 min', '1 h' or a number of milliseconds` : undefined);
const positiveInt = (v: string): string | undefined => (/^\d+$/.test(v.trim()) && Number(v) > 0 ? undefined : `'${v}' is not a positive integer`);
const bool = ['true', 'false'];
const numberAtLeast = (min: number, max = Infinity) => (v: string): string | undefined => {
  const n = Number(v.trim());
  return v.trim() !== '' && Number.isFinite(n) && n >= min && n <= max ? undefined : `'${v}' is not a number ${max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`}`;
};
/** Flink's names of the restart strategies (and their aliases). */
export const RESTART_STRATEGIES: Record<string, 'none' | 'fixed-delay' | 'exponential-delay'> = {
  'none': 'none', 'off': 'none', 'disable': 'none',
  'fixed-delay': 'fixed-delay', 'fixeddelay': 'fixed-delay',
  'exponential-delay': 'exponential-delay', 'exponentialdelay': 'exponential-delay',
};

export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export const OPTION_DEFS: OptionDef[] = [
  { key: 'execution.runtime-mode', default: 'streaming', values: ['batch', 'streaming'], description: 'Runtime for queries: streaming (continuous, changelog results) or batch (bounded inputs, final results).' },
  { key: 'table.local-time-zone', default: 'default', description: "Session time zone for TIMESTAMP_LTZ and CURRENT_TIMESTAMP: an IANA name ('Europe/Berlin'), an offset ('+02:00') or 'default' (the machine's zone).",
    validate: (v) => {
      if (v === 'default') return undefined;
      try { checkTimeZone(v); return undefined; } catch (e) { return (e as Error).message; }
    } },
  { key: 'table.dml-sync', default: 'false', values: bool, description: 'Whether INSERT waits for its job to finish.' },
  { key: 'table.exec.resource.max-buffered-rows', default: '50000000', validate: positiveInt, description: 'Rows one buffering operator (sort, hash join build side, hash aggregate) may hold before the query fails with a clear error.' },
  { key: 'table.exec.state.ttl', default: '0 ms', validate: duration, description: 'How long streaming operators keep state for a key that is not updated (0 = forever).' },
  { key: 'table.exec.mini-batch.enabled', default: 'false', values: bool, description: 'Buffer input of streaming aggregates to fold updates of hot keys.' },
  { key: 'table.exec.mini-batch.allow-latency', default: '0 ms', validate: duration, description: 'Longest time input is buffered with mini-batch before updates are emitted.' },
  { key: 'table.exec.mini-batch.size', default: '1000', validate: positiveInt, description: 'Most input rows buffered with mini-batch before updates are emitted.' },
  { key: 'execution.checkpointing.interval', default: '0 ms', validate: duration, description: 'How often streaming jobs checkpoint: sinks make what they received visible (0 = only when the job ends). Background jobs with checkpoints resume from the latest one after a restart.' },
  { key: 'execution.checkpointing.num-retained', default: '1', validate: positiveInt, description: 'Complete checkpoints kept per job (a newer one that cannot be read falls back to an older one).' },
  { key: 'state.savepoints.dir', default: '', description: "Where STOP JOB .. WITH SAVEPOINT writes savepoints (a directory or s3:// location; default: the warehouse's _savepoints directory)." },
  { key: 'execution.savepoint.path', default: '', description: 'A savepoint the next INSERT jobs start from (operator state and source positions), until RESET.' },
  { key: 'execution.savepoint.ignore-unclaimed-state', default: 'false', values: bool, description: 'Start from a savepoint even when it holds state of operators the new plan does not have (that state is dropped).' },
  { key: 'restart-strategy.type', default: '', description: "How a failed job with checkpoints is restarted: none, fixed-delay or exponential-delay (default: exponential-delay for jobs with checkpoints, which are the only ones restarted).",
    validate: (v) => (v === '' || RESTART_STRATEGIES[v.trim().toLowerCase()] !== undefined ? undefined : `'${v}' is not a restart strategy; use none, fixed-delay or exponential-delay`) },
  { key: 'restart-strategy.fixed-delay.attempts', default: '1', validate: positiveInt, description: 'fixed-delay: restarts before the job fails for good.' },
  { key: 'restart-strategy.fixed-delay.delay', default: '1 s', validate: duration, description: 'fixed-delay: time between a failure and the restart.' },
  { key: 'restart-strategy.exponential-delay.initial-backoff', default: '1 s', validate: duration, description: 'exponential-delay: the first delay before a restart.' },
  { key: 'restart-strategy.exponential-delay.max-backoff', default: '1 min', validate: duration, description: 'exponential-delay: the longest delay before a restart.' },
  { key: 'restart-strategy.exponential-delay.backoff-multiplier', default: '1.5', validate: numberAtLeast(1), description: 'exponential-delay: each delay is the one before times this.' },
  { key: 'restart-strategy.exponential-delay.reset-backoff-threshold', default: '1 h', validate: duration, description: 'exponential-delay: a job that ran this long since its last restart starts again from the initial backoff and a fresh count of attempts.' },
  { key: 'restart-strategy.exponential-delay.attempts-before-reset-backoff', default: '10', validate: positiveInt, description: 'exponential-delay: restarts (since the backoff was last reset) before the job fails for good (Flink: unbounded).' },
  { key: 'restart-strategy.exponential-delay.jitter-factor', default: '0.1', validate: numberAtLeast(0, 1), description: 'exponential-delay: each delay varies at random by up to this fraction, so jobs that failed together do not restart together.' },
  { key: 'execution.checkpointing.incremental', default: 'true', values: bool, description: 'Whether durable checkpoints write only the keyed state that changed since the previous checkpoint (group aggregates, joins, deduplication, Top-N), so their duration and size follow the change rate rather than the state size.' },
  { key: 'execution.checkpointing.incremental.max-deltas', default: '20', validate: positiveInt, description: 'Incremental checkpoints in a row after a full one; the next writes the full state again, so recovery reads a bounded chain (one is also written when the changes add up to more than the full state).' },
  { key: 'materialized-table.refresh-mode.freshness-threshold', default: '30 min', validate: duration, description: 'Materialized tables whose FRESHNESS is below this refresh continuously; at or above it they refresh on a schedule (FULL or INCREMENTAL).' },
  { key: 'materialized-table.incremental.max-change-ratio', default: '0.3', validate: (v) => (Number.isFinite(Number(v)) && Number(v) >= 0 ? undefined : `'${v}' is not a non-negative number`), description: 'A scheduled refresh runs INCREMENTAL while the rows changed in its sources since the last refresh are at most this fraction of the rows a FULL run reads; above it, FULL.' },
  { key: 'pipeline.auto-watermark-interval', default: '200 ms', validate: duration, description: 'How often sources send their watermark downstream (0 = after every batch).' },
  { key: 'table.exec.source.idle-timeout', default: '0 ms', validate: duration, description: 'A source without rows for this long is idle and stops holding back the watermark (0 = never idle).' },
  { key: 'parallelism.default', default: '1', validate: positiveInt, description: 'Parallelism of jobs.' },
  { key: 'pipeline.name', default: '', description: 'Name of the next job.' },
  { key: 'sql-client.verbose', default: 'false', values: bool, description: 'Show stack traces with errors in the SQL client.' },
  { key: 'sql-client.execution.result-mode', default: 'table', values: ['table', 'changelog', 'tableau'], description: 'How the SQL client shows query results.' },
  { key: 'sql-client.display.max-column-width', default: '40', validate: positiveInt, description: 'Widest column the SQL client prints before cutting values.' },
  { key: 'sql-client.execution.max-table-result.rows', default: '10000', validate: positiveInt, description: 'Rows the SQL client shows for a query result (table mode).' },
];

const byKey = new Map(OPTION_DEFS.map((d) => [d.key, d]));

export function optionDef(key: string): OptionDef | undefined {
  return byKey.get(key);
}

/** Validates a value for a known key; returns a warning for unknown keys. */
export function checkOption(key: string, value: string): { warning?: string } {
  const def = byKey.get(key);
  if (!def) {
    const near = nearMatches(key, byKey.keys());
    return { warning: `'${key}' is not an option Freshet knows; it was stored but has no effect${near.length > 0 ? ` (did you mean '${near[0]}'?)` : ''}` };
  }
  if (def.values && !def.values.includes(value.toLowerCase())) {
    throw new FreshetError(SqlState.invalidParameterValue, `invalid value '${value}' for '${key}'`, { hint: `Allowed values: ${def.values.join(', ')}.` });
  }
  const err = def.validate?.(value);
  if (err) throw new FreshetError(SqlState.invalidParameterValue, `invalid value for '${key}': ${err}`);
  return {};
}

export class SessionOptions {
  private readonly values = new Map<string, string>();
  private readonly base: Record<string, string>;

  constructor(base: Record<string, string> = {}) {
    this.base = base;
  }

  get(key: string): string {
    return this.values.get(key) ?? this.base[key] ?? byKey.get(key)?.default ?? '';
  }

  set(key: string, value: string): { warning?: string } {
    const r = checkOption(key, value);
    this.values.set(key, byKey.get(key)?.values ? value.toLowerCase() : value);
    return r;
  }

  reset(key?: string): void {
    if (key === undefined) this.values.clear();
    else this.values.delete(key);
  }

  /** Options set in this session or the engine config (not defaults). */
  explicit(): Map<string, string> {
    const m = new Map<string, string>(Object.entries(this.base));
    for (const [k, v] of this.values) m.set(k, v);
    return m;
  }

  timeZone(): string {
    const v = this.get('table.local-time-zone');
    return v === 'default' || v === '' ? systemTimeZone() : v;
  }

  bool(key: string): boolean {
    return this.get(key).toLowerCase() === 'true';
  }

  int(key: string): number {
    return Number(this.get(key));
  }

  /** A duration option in milliseconds. */
  millis(key: string): number {
    return parseDuration(this.get(key)) ?? 0;
  }
}
