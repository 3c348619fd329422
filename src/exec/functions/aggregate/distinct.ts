/**
 * agg(DISTINCT x): wraps an aggregate so each (group, value) reaches it once. Counts per value make it
 * retractable: a value leaves the inner aggregate only when its last occurrence is retracted.
 */
import type { Column } from '../../../types/batch.ts';
import type { Accumulators } from './aggregate.ts';
import { remapArray } from './aggregate.ts';
import { groupKeyOf } from '../../../types/value.ts';

/**
 * The (row, group) pairs passed on to the inner aggregate: scratch shared by all DISTINCT accumulators
 * (calls never nest), kept out of the accumulators so that their fields are only state (checkpoints
 * save every field, see accumulator-snapshot.ts).
 */
let rowsBuf = new Int32Array(256);
let groupsBuf = new Int32Array(256);

export class DistinctAccumulators implements Accumulators {
  private readonly inner: Accumulators;
  /** per group: value → occurrences (one Map per group, so forgetting a group is O(1)) */
  private seen: Array<Map<unknown, number> | undefined> = [];

  constructor(inner: Accumulators) {
    this.inner = inner;
  }

  grow(n: number): void {
    this.inner.grow(n);
  }

  /** The value's identity within its group: the value itself for numbers and strings. */
  private keyOf(args: readonly Column[], i: number): unknown {
    if (args.length === 1) {
      const c = args[0]!;
      if (c.nulls !== null && c.nulls[i] === 1) return null;
      const v = (c.values as ArrayLike<unknown>)[i];
      if (typeof v === 'number') return v === 0 ? 0 : v;
      if (typeof v === 'string' || typeof v === 'bigint') return v;
      return groupKeyOf(v);
    }
    let key = '';
    for (const c of args) {
      if (c.nulls !== null && c.nulls[i] === 1) return null;
      key += groupKeyOf((c.values as ArrayLike<unknown>)[i]) + '|';
    }
    return key;
  }

  private mapOf(g: number): Map<unknown, number> {
    let m = this.seen[g];
    if (m === undefined) {
      m = new Map();
      this.seen[g] = m;
    }
    return m;
  }

  private buffers(count: number): void {
    if (rowsBuf.length < count) {
      rowsBuf = new Int32Array(count);
      groupsBuf = new Int32Array(count);
    }
  }

  add(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void {
    this.buffers(count);
    let m = 0;
    for (let k = 0; k < count; k++) {
      const key = this.keyOf(args, rows[k]!);
      if (key === null) continue;
      const seen = this.mapOf(groups[k]!);
      const c = seen.get(key) ?? 0;
      seen.set(key, c + 1);
      if (c === 0) {
        rowsBuf[m] = rows[k]!;
        groupsBuf[m++] = groups[k]!;
      }
    }
    if (m > 0) this.inner.add(args, rowsBuf, groupsBuf, m);
  }

  retract(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void {
    this.buffers(count);
    let m = 0;
    for (let k = 0; k < count; k++) {
      const key = this.keyOf(args, rows[k]!);
      if (key === null) continue;
      const seen = this.mapOf(groups[k]!);
      const c = seen.get(key) ?? 0;
      if (c <= 1) {
        seen.delete(key);
        if (c === 1) {
          rowsBuf[m] = rows[k]!;
          groupsBuf[m++] = groups[k]!;
        }
      } else seen.set(key, c - 1);
    }
    if (m > 0) this.inner.retract(args, rowsBuf, groupsBuf, m);
  }

  result(g: number): unknown {
    return this.inner.result(g);
  }

  reset(g: number): void {
    this.seen[g] = undefined;
    this.inner.reset(g);
  }

  /** Present only when the wrapped accumulators can compact too. */
  get compact(): ((remap: Int32Array, n: number) => void) | undefined {
    const inner = this.inner;
    if (inner.compact === undefined) return undefined;
    return (remap, n) => {
      this.seen = remapArray(this.seen, remap, n);
      inner.compact!(remap, n);
    };
  }
}
