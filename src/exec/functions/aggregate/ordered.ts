/**
 * `agg(x ORDER BY y)` (ARRAY_AGG .. ORDER BY, LISTAGG .. WITHIN GROUP) in streaming aggregates, where
 * rows cannot be sorted before they are aggregated because they keep arriving and leaving. Each group
 * keeps its rows' values sorted by the ORDER BY keys (ties in arrival order); a result feeds them, in
 * that order, to a fresh accumulator of the wrapped aggregate, so it means exactly what the batch form
 * (sort, then aggregate) means.
 */
import type { Column } from '../../../types/batch.ts';
import { columnFromValues } from '../../../types/batch.ts';
import type { DataType } from '../../../types/data-type.ts';
import { physicalOf } from '../../../types/data-type.ts';
import { comparatorFor, valuesEqual, type Comparator } from '../../../types/value.ts';
import type { SortKey } from '../../plan-types.ts';
import type { Accumulators } from './aggregate.ts';
import { remapArray } from './aggregate.ts';

interface Entry {
  args: unknown[];
  keys: unknown[];
  seq: number;
}

export class OrderedAccumulators implements Accumulators {
  private readonly make: () => Accumulators;
  private readonly argTypes: readonly DataType[];
  private readonly keyTypes: readonly DataType[];
  private readonly order: readonly SortKey[];
  private readonly cmps: Comparator[];
  private groups: Array<Entry[] | undefined> = [];
  private seq = 0;

  /** `args` given to add/retract are the aggregate's arguments followed by the ORDER BY columns. */
  constructor(make: () => Accumulators, argTypes: readonly DataType[], keyTypes: readonly DataType[], order: readonly SortKey[]) {
    this.make = make;
    this.argTypes = argTypes;
    this.keyTypes = keyTypes;
    this.order = order;
    this.cmps = keyTypes.map((t) => comparatorFor(t));
  }

  grow(n: number): void {
    while (this.groups.length < n) this.groups.push(undefined);
  }

  private compare(a: Entry, b: Entry): number {
    for (let k = 0; k < this.order.length; k++) {
      const o = this.order[k]!;
      const x = a.keys[k];
      const y = b.keys[k];
      if (x === null || y === null) {
        if (x === y) continue;
        return (x === null) === o.nullsFirst ? -1 : 1;
      }
      const c = this.cmps[k]!(x, y);
      if (c !== 0) return o.desc ? -c : c;
    }
    return a.seq - b.seq;
  }

  private read(cols: readonly Column[], from: number, types: readonly DataType[], i: number): unknown[] {
    return types.map((t, j) => {
      const c = cols[from + j]!;
      if (c.nulls !== null && c.nulls[i] === 1) return null;
      const v = (c.values as ArrayLike<unknown>)[i];
      return physicalOf(t) === 'bool' ? v === 1 : v;
    });
  }

  add(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void {
    const na = this.argTypes.length;
    for (let k = 0; k < count; k++) {
      const i = rows[k]!;
      const e: Entry = { args: this.read(args, 0, this.argTypes, i), keys: this.read(args, na, this.keyTypes, i), seq: this.seq++ };
      let list = this.groups[groups[k]!];
      if (!list) {
        list = [];
        this.groups[groups[k]!] = list;
      }
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.compare(list[mid]!, e) <= 0) lo = mid + 1;
        else hi = mid;
      }
      list.splice(lo, 0, e);
    }
  }

  retract(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void {
    const na = this.argTypes.length;
    const same = (a: unknown[], b: unknown[]): boolean => a.every((x, j) => (x === null ? b[j] === null : b[j] !== null && valuesEqual(x, b[j])));
    for (let k = 0; k < count; k++) {
      const list = this.groups[groups[k]!];
      if (!list) continue;
      const i = rows[k]!;
      const a = this.read(args, 0, this.argTypes, i);
      const key = this.read(args, na, this.keyTypes, i);
      for (let j = list.length - 1; j >= 0; j--) {
        if (same(list[j]!.args, a) && same(list[j]!.keys, key)) {
          list.splice(j, 1);
          break;
        }
      }
    }
  }

  result(g: number): unknown {
    const list = this.groups[g] ?? [];
    const acc = this.make();
    acc.grow(1);
    const n = list.length;
    if (n > 0) {
      const cols = this.argTypes.map((t, j) => columnFromValues(t, list.map((e) => e.args[j])));
      const rows = new Int32Array(n);
      for (let k = 0; k < n; k++) rows[k] = k;
      acc.add(cols, rows, new Int32Array(n), n);
    }
    return acc.result(0);
  }

  reset(g: number): void {
    this.groups[g] = undefined;
  }

  compact(remap: Int32Array, n: number): void {
    this.groups = remapArray(this.groups, remap, n);
  }
}
