/** COUNT(*) and COUNT(x): BIGINT NOT NULL, 0 over no rows. */
import type { Column } from '../../../types/batch.ts';
import { T, notNull } from '../../../types/data-type.ts';
import type { AggregateFunction, Accumulators } from './aggregate.ts';
import { growF64, remapTyped } from './aggregate.ts';

class CountAccumulators implements Accumulators {
  private counts = new Float64Array(16);
  private readonly star: boolean;

  constructor(star: boolean) {
    this.star = star;
  }

  grow(n: number): void {
    this.counts = growF64(this.counts, n);
  }

  private apply(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number, d: number): void {
    const c = this.counts;
    if (this.star || args[0]!.nulls === null) {
      for (let k = 0; k < count; k++) c[groups[k]!]! += d;
      return;
    }
    const nulls = args[0]!.nulls;
    for (let k = 0; k < count; k++) if (nulls[rows[k]!] !== 1) c[groups[k]!]! += d;
  }

  add(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void {
    this.apply(args, rows, groups, count, 1);
  }

  retract(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void {
    this.apply(args, rows, groups, count, -1);
  }

  result(g: number): unknown {
    return this.counts[g] ?? 0;
  }

  reset(g: number): void {
    this.counts[g] = 0;
  }

  compact(remap: Int32Array, n: number): void {
    this.counts = remapTyped(this.counts, remap, n);
  }
}

export const count: AggregateFunction = {
  name: 'count',
  syntax: 'COUNT(*), COUNT(x), COUNT(DISTINCT x)',
  resolve: (argTypes) => (argTypes.length <= 1 ? { type: notNull(T.bigint()) } : 'COUNT takes one argument (or *)'),
  create: (spec) => new CountAccumulators(spec.argTypes.length === 0),
  emptyValue: 0,
};
