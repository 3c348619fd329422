/**
 * Keyed state, part two: the rows an operator keeps (join sides, Top-N candidates, buffered window
 * rows), stored column-wise with a free list. A row is addressed by a stable id until released.
 */
import type { Column } from '../types/batch.ts';
import type { DataType } from '../types/data-type.ts';
import { SlotColumns, type SlotColumnsSnapshot } from './slot-columns.ts';
import { liveRemap } from './compaction.ts';
import { internalError } from '../util/errors.ts';

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

  constructor(types: readonly DataType[]) {
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
    const id = this.free.length > 0 ? this.free.pop()! : this.high++;
    this.columns.setFrom(id, cols, i);
    this.live++;
    return id;
  }

  release(id: number): void {
    this.columns.clear(id);
    this.free.push(id);
    this.live--;
  }

  exportState(): RowArenaSnapshot {
    return { columns: this.columns.exportState(this.high), free: Int32Array.from(this.free), high: this.high, live: this.live };
  }

  /** Restores into an empty arena of the same column types; row ids stay what they were. */
  importState(s: RowArenaSnapshot): void {
    if (this.high !== 0) throw internalError('state can only be restored into an empty row store');
    this.columns.importState(s.columns);
    this.free = Array.from(s.free);
    this.high = s.high;
    this.live = s.live;
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
