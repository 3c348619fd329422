/**
 * agg(DISTINCT x): wraps an aggregate so each (group, value) reaches it once. Counts per value make it
 * retractable: a value leaves the inner aggregate only when its last occurrence is retracted.
 */
import type { Column } from '../../../types/batch.ts';
import type { Accumulators } from './aggregate.ts';
import { groupKeyOf } from '../../../types/value.ts';

export class DistinctAccumulators implements Accumulators {
  private readonly inner: Accumulators;
  private seen = new Map<string, number>();
  private rowsBuf = new Int32Array(256);
  private groupsBuf = new Int32Array(256);

  constructor(inner: Accumulators) {
    this.inner = inner;
  }

  grow(n: number): void {
    this.inner.grow(n);
  }

  private keyOf(args: readonly Column[], i: number, g: number): string | null {
    let key = g + '|';
    for (const c of args) {
      if (c.nulls !== null && c.nulls[i] === 1) return null;
      key += groupKeyOf((c.values as ArrayLike<unknown>)[i]) + '|';
    }
    return key;
  }

  private buffers(count: number): void {
    if (this.rowsBuf.length < count) {
      this.rowsBuf = new Int32Array(count);
      this.groupsBuf = new Int32Array(count);
    }
  }

  add(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void {
    this.buffers(count);
    let m = 0;
    for (let k = 0; k < count; k++) {
      const key = this.keyOf(args, rows[k]!, groups[k]!);
      if (key === null) continue;
      const c = this.seen.get(key) ?? 0;
      this.seen.set(key, c + 1);
      if (c === 0) {
        this.rowsBuf[m] = rows[k]!;
        this.groupsBuf[m++] = groups[k]!;
      }
    }
    if (m > 0) this.inner.add(args, this.rowsBuf, this.groupsBuf, m);
  }

  retract(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void {
    this.buffers(count);
    let m = 0;
    for (let k = 0; k < count; k++) {
      const key = this.keyOf(args, rows[k]!, groups[k]!);
      if (key === null) continue;
      const c = this.seen.get(key) ?? 0;
      if (c <= 1) {
        this.seen.delete(key);
        if (c === 1) {
          this.rowsBuf[m] = rows[k]!;
          this.groupsBuf[m++] = groups[k]!;
        }
      } else this.seen.set(key, c - 1);
    }
    if (m > 0) this.inner.retract(args, this.rowsBuf, this.groupsBuf, m);
  }

  result(g: number): unknown {
    return this.inner.result(g);
  }

  reset(g: number): void {
    const prefix = g + '|';
    for (const k of this.seen.keys()) if (k.startsWith(prefix)) this.seen.delete(k);
    this.inner.reset(g);
  }
}
