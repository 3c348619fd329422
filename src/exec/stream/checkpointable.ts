/**
 * Operator state as plain data: the foundation of checkpoints and of incremental refresh. A stateful
 * streaming operator snapshots its complete state into an `OperatorSnapshot` and restores it into a
 * fresh instance built from the same plan; the restored operator then behaves exactly as the original
 * would have (same output, same order, same timers).
 *
 * A snapshot holds only values node:v8 `serialize` can encode (the on-disk encoding): typed arrays,
 * arrays, plain objects, numbers, strings, bigints, booleans, null/undefined, Maps and Sets. Per-key and
 * per-row state goes in bulk, as typed arrays indexed by slot or row id (slot numbers and row ids are
 * preserved, so free lists, iteration orders and tie-breaks come back exactly).
 *
 * Snapshots are taken between batches, when the job is at a consistent cut (operators are synchronous).
 * Processing-time timers are closures and are not saved as such: a snapshot records the times of the
 * timers the operator had pending and `restoreState` registers them again through `ctx.onProcessingTime`.
 * Each operator kind carries a format version; restoring a snapshot of another kind or version fails
 * with an error that names both.
 */
import { FreshetError, SqlState } from '../../util/errors.ts';
import type { ExecContext } from '../operator.ts';
import type { StateWriter } from '../../state/state-delta.ts';

type TimerHost = Pick<ExecContext, 'onProcessingTime'>;

export interface OperatorSnapshot {
  /** The operator kind that wrote it ('GroupAggregate', 'StreamJoin', ...). */
  kind: string;
  /** The format version of that kind's state. */
  version: number;
  state: unknown;
}

export interface Checkpointable {
  snapshotState(): OperatorSnapshot;
  /** Restores into a fresh instance built from the same plan (before any batch reached it). */
  restoreState(s: OperatorSnapshot): void;
}

/**
 * An operator whose snapshot can be incremental: given the delta writer (state-delta.ts) it writes only
 * the state of the slots and rows its key spaces and row stores marked as changed since the last
 * checkpoint, in the shape of its full snapshot. Operators that are not incremental are saved whole in
 * every checkpoint.
 */
export interface IncrementalCheckpointable extends Checkpointable {
  snapshotState(w?: StateWriter): OperatorSnapshot;
  readonly incrementalState: true;
}

export function isIncremental(x: Checkpointable): x is IncrementalCheckpointable {
  return (x as IncrementalCheckpointable).incrementalState === true;
}

export function isCheckpointable(x: unknown): x is Checkpointable {
  return typeof x === 'object' && x !== null && typeof (x as Checkpointable).snapshotState === 'function' && typeof (x as Checkpointable).restoreState === 'function';
}

/** The error of a snapshot that does not fit the operator or pipeline it is restored into. */
export function stateMismatch(message: string, hint?: string): FreshetError {
  return new FreshetError(SqlState.dataCorrupted, message, { hint: hint ?? 'State can only be restored into a job built from the same query plan; start the job without its saved state.' });
}

/** Checks a snapshot's kind and version; returns its state. */
export function stateOf<T>(s: OperatorSnapshot, kind: string, version: number): T {
  if (s === null || typeof s !== 'object' || typeof s.kind !== 'string') throw stateMismatch(`the saved state for ${kind} is not an operator snapshot`);
  if (s.kind !== kind) throw stateMismatch(`the saved state was written by a ${s.kind} operator and cannot be restored into ${kind}`);
  if (s.version !== version) {
    throw stateMismatch(`the saved state of ${kind} has format version ${s.version}, this version of Freshet reads version ${version}`, 'The state format changed between versions; start the job without its saved state.');
  }
  return s.state as T;
}

export function snapshotOf(kind: string, version: number, state: unknown): OperatorSnapshot {
  return { kind, version, state };
}

/**
 * A one-shot processing-time timer an operator keeps at most one of (mini-batch flush, TTL sweep,
 * watermark emission): it remembers when it is due, so a snapshot can record it and a restored
 * operator can register it again.
 */
export class PendingTimer {
  /** When the registered timer fires; null when none is registered. */
  at: number | null = null;

  get pending(): boolean {
    return this.at !== null;
  }

  /** Registers `fire` at `time` (no-op when a timer is already pending). */
  set(ctx: TimerHost, time: number, fire: () => void): void {
    if (this.at !== null) return;
    this.at = time;
    ctx.onProcessingTime(time, () => {
      this.at = null;
      fire();
    });
  }

  /** After a restore: registers `fire` again at the saved time, if one was pending. */
  restore(ctx: TimerHost, at: number | null, fire: () => void): void {
    this.at = null;
    if (at !== null && at !== undefined) this.set(ctx, at, fire);
  }
}

export { packLists, unpackLists, type ListsSnapshot } from '../../state/state-delta.ts';

/** A copy of a typed array's first n entries (the live part of a per-slot array). */
export function head<A extends Float64Array | Int32Array | Uint8Array>(a: A, n: number): A {
  return a.slice(0, Math.min(n, a.length)) as A;
}

/** A per-slot array restored from its saved head, with room for at least `min` entries (new entries: `fill`). */
export function f64From(saved: Float64Array, min: number): Float64Array<ArrayBuffer> {
  const a = new Float64Array(Math.max(saved.length, min, 16));
  a.set(saved);
  return a;
}

export function i32From(saved: Int32Array, min: number, fill = 0): Int32Array<ArrayBuffer> {
  const a = new Int32Array(Math.max(saved.length, min, 16));
  if (fill !== 0) a.fill(fill);
  a.set(saved);
  return a;
}

export function u8From(saved: Uint8Array, min: number): Uint8Array<ArrayBuffer> {
  const a = new Uint8Array(Math.max(saved.length, min, 16));
  a.set(saved);
  return a;
}
