/**
 * Keyed state, part two: the rows an operator keeps (join sides, Top-N candidates, buffered window
 * rows), stored column-wise with a free list. A row is addressed by a stable id until released.
 */
import type { Column } from '../types/batch.ts';
import type { DataType } from '../types/data-type.ts';
import { SlotColumns, type SlotColumnsSnapshot } from './slot-columns.ts';
import { liveRemap } from './compaction.ts';
import { internalError } from '../util/errors.ts';
import { ChangedSlots } from './changed-slots.ts';
import { FULL_STATE, type StateWriter } from './state-delta.ts';

/** A RowArena in bulk: its rows' columns up to the highest id, and its free list (in order, so ids are reused alike). */
export interface RowArenaSnapshot {
  columns: SlotColumnsSnapshot;
  free: Int32Array;
  high: number;
  live: number;
}

export class RowArena {
  readonly columns: SlotColumns;
  private free: number[] = [];
  private high = 0;
  private live = 0;
  /** Rows added or released since the last checkpoint, plus those operators mark (per-row state they changed). */
  readonly changed: ChangedSlots;
  /** The free list's shortest length since the last checkpoint. */
  private freeLow = 0;
  /** Set by `compact` until the next checkpoint (see compactedSinceCheckpoint). */
  private renumbered = false;

  /** `trackChanges`: mark what changes for incremental checkpoints (see `changed`). */
  constructor(types: readonly DataType[], trackChanges = false) {
    this.changed = new ChangedSlots(trackChanges);
    this.columns = new SlotColumns(types);
  }

  /** Rows held. */
  get size(): number {
    return this.live;
  }

  /** Rows the storage has room for (shrinks when compacted). */
  get allocated(): number {
    return this.columns.allocated;
  }

  /** One past the highest id handed out (per-row side arrays need this many entries). */
  get capacity(): number {
    return this.high;
  }

  /** Stores row i of `cols`; returns its id. */
  add(cols: readonly Column[], i: number): number {
    let id: number;
    if (this.free.length > 0) {
      id = this.free.pop()!;
      if (this.free.length < this.freeLow) this.freeLow = this.free.length;
    } else id = this.high++;
    this.changed.mark(id);
    this.columns.setFrom(id, cols, i);
    this.live++;
    return id;
  }

  release(id: number): void {
    this.columns.clear(id);
    this.free.push(id);
    this.changed.mark(id);
    this.live--;
  }

  /** The rows in bulk; with the delta writer only those changed since the last checkpoint. */
  exportState(w: StateWriter = FULL_STATE): RowArenaSnapshot {
    return { columns: this.columns.exportState(this.high, w, this.changed), free: w.stack(this.free, this.freeLow), high: this.high, live: this.live };
  }

  /** A checkpoint recorded the state: changes are counted from here. */
  resetChanges(): void {
    this.changed.clear();
    this.freeLow = this.free.length;
    this.renumbered = false;
  }

  /**
   * Whether `compact` renumbered the rows since the last checkpoint: the marks no longer say what
   * changed against the checkpoint's row ids, so the next incremental checkpoint must be a full base.
   */
  get compactedSinceCheckpoint(): boolean {
    return this.renumbered;
  }

  /** Restores into an empty arena of the same column types; row ids stay what they were. */
  importState(s: RowArenaSnapshot): void {
    if (this.high !== 0) throw internalError('state can only be restored into an empty row store');
    this.columns.importState(s.columns);
    this.free = Array.from(s.free);
    this.high = s.high;
    this.live = s.live;
    this.resetChanges();
  }

  /**
   * Renumbers the rows densely, keeping their order (row `id` becomes the number of live rows below it)
   * and gives back the memory of released ones. Returns old id → new id (-1 for released ids); the
   * owner renumbers whatever it keeps by row id.
   */
  compact(): Int32Array {
    const remap = liveRemap(this.high, this.free);
    this.columns.compact(remap, this.live);
    this.free = [];
    this.freeLow = 0;
    this.renumbered = true;
    this.high = this.live;
    return remap;
  }

  /** All columns of rows ids[0..n). */
  gather(ids: ArrayLike<number>, n: number): Column[] {
    return this.columns.gather(ids, n);
  }

  equalsRow(id: number, cols: readonly Column[], i: number): boolean {
    return this.columns.equalsRow(id, cols, i);
  }
}
