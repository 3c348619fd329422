/**
 * The keyed-state interface stateful streaming operators use, and the heap backend behind it.
 *
 * Operators ask the backend for key spaces (KeySlots: key → dense slot) and row stores (RowArena) and
 * keep their per-key values in arrays indexed by slot. The planner never sees state: swapping the heap
 * backend for a disaggregated one (remote store as ground truth, local cache, batched asynchronous
 * reads) changes this module, not the operators' plans.
 *
 * Time-to-live (`table.exec.state.ttl`): a key not written for `ttl` milliseconds of processing time is
 * forgotten. `StateTtl` tracks the last write per slot. Expired state is never read, whether or not it
 * was removed yet (as Flink's NeverReturnExpired): operators check on access, remove it on a
 * processing-time sweep and when a checkpoint is taken (so it is not saved), and compact their key
 * spaces and row stores once most of their slots are free (state/compaction.ts), so memory and
 * checkpoints shrink after expiry. Outputs do not depend on when the sweep ran.
 */
import type { DataType } from '../types/data-type.ts';
import { KeySlots } from './key-slots.ts';
import { RowArena } from './row-arena.ts';
import { remapTyped } from './compaction.ts';
import type { ChangedSlots } from './changed-slots.ts';
import { FULL_STATE, type StateWriter } from './state-delta.ts';

export interface StateBackend {
  /** Milliseconds after which unwritten keyed state expires; 0 keeps state forever. */
  readonly ttl: number;
  keySpace(name: string, keyTypes: readonly DataType[]): KeySlots;
  rowStore(name: string, types: readonly DataType[]): RowArena;
  /** Gives back a key space or row store that is no longer needed (a window that fired). */
  drop(state: KeySlots | RowArena): void;
}

export class HeapStateBackend implements StateBackend {
  readonly ttl: number;
  /** Named state of this job, for inspection (tests, SHOW JOBS state size). */
  readonly registered: Array<{ name: string; state: KeySlots | RowArena }> = [];
  /** Whether key spaces and row stores mark what changes, for incremental checkpoints. */
  readonly trackChanges: boolean;

  constructor(ttl = 0, trackChanges = false) {
    this.ttl = ttl;
    this.trackChanges = trackChanges;
  }

  keySpace(name: string, keyTypes: readonly DataType[]): KeySlots {
    const s = new KeySlots(keyTypes, this.trackChanges);
    this.registered.push({ name, state: s });
    return s;
  }

  rowStore(name: string, types: readonly DataType[]): RowArena {
    const s = new RowArena(types, this.trackChanges);
    this.registered.push({ name, state: s });
    return s;
  }

  drop(state: KeySlots | RowArena): void {
    const i = this.registered.findIndex((r) => r.state === state);
    if (i >= 0) this.registered.splice(i, 1);
  }

  /**
   * A checkpoint has recorded the state of every key space and row store: what changes from now on is
   * what the next incremental checkpoint writes.
   */
  resetChanges(): void {
    for (const r of this.registered) r.state.resetChanges();
  }

  /**
   * Whether a key space or row store was compacted since the last checkpoint (state TTL gives back
   * the memory of expired keys): slot numbers changed, so the next incremental checkpoint writes a
   * full base instead of a delta.
   */
  compactedSinceCheckpoint(): boolean {
    for (const r of this.registered) if (r.state.compactedSinceCheckpoint) return true;
    return false;
  }

  /** Keys and rows held, over all operators. */
  entries(): number {
    let n = 0;
    for (const r of this.registered) n += r.state.size;
    return n;
  }

  /** Slots the key spaces and row stores have storage for (what memory follows; shrinks when they compact). */
  allocated(): number {
    let n = 0;
    for (const r of this.registered) n += r.state.allocated;
    return n;
  }
}

/** Last-write times of slots, and the sweep that finds the expired ones. */
export class StateTtl {
  readonly ttl: number;
  private lastWrite = new Float64Array(256);

  constructor(ttl: number) {
    this.ttl = ttl;
  }

  get enabled(): boolean {
    return this.ttl > 0;
  }

  touch(slot: number, now: number): void {
    if (slot >= this.lastWrite.length) {
      const next = new Float64Array(Math.max(slot + 1, this.lastWrite.length * 2));
      next.set(this.lastWrite);
      this.lastWrite = next;
    }
    this.lastWrite[slot] = now;
  }

  /** Whether slot s was last written at or before now - ttl: its state is gone, whether or not it was swept yet. */
  isExpired(slot: number, now: number): boolean {
    return this.lastWrite[slot]! <= now - this.ttl;
  }

  /** Follows a compaction of the key space (see state/compaction.ts). */
  compact(remap: Int32Array, n: number): void {
    this.lastWrite = remapTyped(this.lastWrite, remap, n, 0, 256);
  }

  /** Last-write times of slots [0, n) (written only for slots the key space marks as changed). */
  exportState(n: number, w: StateWriter = FULL_STATE, changed?: ChangedSlots): Float64Array {
    return changed === undefined ? this.lastWrite.slice(0, Math.min(n, this.lastWrite.length)) : w.slots(this.lastWrite, n, changed);
  }

  importState(saved: Float64Array): void {
    this.lastWrite = new Float64Array(Math.max(256, saved.length));
    this.lastWrite.set(saved);
  }

  /** Slots among `live` whose last write is older than now - ttl. */
  expired(live: Iterable<number>, now: number): number[] {
    const out: number[] = [];
    const limit = now - this.ttl;
    for (const s of live) if (this.lastWrite[s]! <= limit) out.push(s);
    return out;
  }
}
