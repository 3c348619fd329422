/**
 * An index over rows that are already sorted by key (a bucket's merged rows come out in key order):
 * the batches themselves, searched by binary search. It costs no memory beyond the rows and no work to
 * build, where a hash map would allocate a key and an entry per row (seconds and hundreds of MB for a
 * bucket of millions of rows).
 */
import type { Column } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { keyComparator, probeComparator, type KeyComparator, type ProbeComparator } from '../key-comparator.ts';

export interface SortedRows {
  readonly columns: readonly Column[];
  readonly length: number;
}

export class SortedIndex<B extends SortedRows> {
  private readonly batchList: B[] = [];
  /** ends[b]: rows in batches 0..b. */
  private readonly ends: number[] = [];
  private readonly probe: ProbeComparator;
  private readonly rows: KeyComparator;

  /** `positions`: where the key columns are in the stored batches; `types`: their types. */
  constructor(positions: readonly number[], types: readonly DataType[]) {
    this.probe = probeComparator(positions, types);
    this.rows = keyComparator(positions, types);
  }

  /**
   * Appends a batch whose rows follow the rows added so far in strictly increasing key order; false
   * (and nothing added) if they do not, so that the caller can index them another way.
   */
  add(b: B): boolean {
    if (b.length === 0) return true;
    const cols = b.columns;
    for (let i = 1; i < b.length; i++) if (this.rows(cols, i - 1, cols, i) >= 0) return false;
    const last = this.batchList[this.batchList.length - 1];
    if (last && this.rows(last.columns, last.length - 1, cols, 0) >= 0) return false;
    this.batchList.push(b);
    this.ends.push(this.length + b.length);
    return true;
  }

  /** The batches added, in order. */
  batches(): readonly B[] {
    return this.batchList;
  }

  get length(): number {
    return this.ends.length === 0 ? 0 : this.ends[this.ends.length - 1]!;
  }

  /** Finds the key of probe row i; on a hit sets `into` to its batch and row and returns true. */
  find(probe: readonly Column[], i: number, into: { b: B | null; r: number }): boolean {
    let lo = 0;
    let hi = this.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const bi = this.batchOf(mid);
      const b = this.batchList[bi]!;
      const r = bi === 0 ? mid : mid - this.ends[bi - 1]!;
      const c = this.probe(probe, i, b.columns, r);
      if (c === 0) {
        into.b = b;
        into.r = r;
        return true;
      }
      if (c < 0) hi = mid - 1;
      else lo = mid + 1;
    }
    return false;
  }

  private batchOf(row: number): number {
    const ends = this.ends;
    let lo = 0;
    let hi = ends.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ends[mid]! > row) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
