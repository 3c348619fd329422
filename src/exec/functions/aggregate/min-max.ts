/**
 * MIN and MAX over any orderable type. Without retractions a group keeps only its best value; with them
 * (a retractable spec) every group keeps a count per distinct value from its first row on, so the next
 * best can be found when the best one leaves (as Flink does).
 */
import type { Column } from '../../../types/batch.ts';
import type { DataType } from '../../../types/data-type.ts';
import { physicalOf, typeToString } from '../../../types/data-type.ts';
import type { AggregateFunction, Accumulators } from './aggregate.ts';
import { remapArray } from './aggregate.ts';
import { comparatorFor, groupKeyOf, type Comparator } from '../../../types/value.ts';
import { internalError } from '../../../util/errors.ts';

class MinMaxAccumulators implements Accumulators {
  private best: unknown[] = [];
  private has: boolean[] = [];
  /** per group: value key → [value, count], kept once any retraction has happened */
  private bags: Array<Map<unknown, [unknown, number]> | undefined> = [];
  private readonly tracking: boolean;
  private readonly cmp: Comparator;
  private readonly dir: 1 | -1;
  private readonly bool: boolean;
  private readonly primitive: boolean;

  constructor(type: DataType, dir: 1 | -1, retractable: boolean) {
    this.tracking = retractable;
    this.cmp = comparatorFor(type);
    this.dir = dir;
    this.bool = physicalOf(type) === 'bool';
    this.primitive = physicalOf(type) !== 'obj' || type.kind === 'CHAR' || type.kind === 'VARCHAR';
  }

  grow(n: number): void {
    while (this.has.length < n) {
      this.has.push(false);
      this.best.push(null);
    }
  }

  private key(v: unknown): unknown {
    return this.primitive ? v : groupKeyOf(v);
  }

  add(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void {
    const col = args[0]!;
    const vals = col.values as ArrayLike<unknown>;
    const nulls = col.nulls;
    const { cmp, dir, best, has } = this;
    for (let k = 0; k < count; k++) {
      const i = rows[k]!;
      if (nulls !== null && nulls[i] === 1) continue;
      const g = groups[k]!;
      const v = this.bool ? vals[i] === 1 : vals[i];
      if (!has[g]) {
        has[g] = true;
        best[g] = v;
      } else if (cmp(v, best[g]) * dir < 0) best[g] = v;
      if (this.tracking) this.bagAdd(g, v, 1);
    }
  }

  private bagAdd(g: number, v: unknown, d: number): void {
    let bag = this.bags[g];
    if (!bag) {
      bag = new Map();
      this.bags[g] = bag;
    }
    const k = this.key(v);
    const e = bag.get(k);
    if (e) {
      e[1] += d;
      if (e[1] <= 0) bag.delete(k);
    } else if (d > 0) bag.set(k, [v, d]);
  }

  retract(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void {
    // a group that kept only its best value cannot know the next best one
    if (!this.tracking) throw internalError('MIN/MAX accumulators created without retraction support received a retraction');
    const col = args[0]!;
    const vals = col.values as ArrayLike<unknown>;
    const nulls = col.nulls;
    for (let k = 0; k < count; k++) {
      const i = rows[k]!;
      if (nulls !== null && nulls[i] === 1) continue;
      const g = groups[k]!;
      const v = this.bool ? vals[i] === 1 : vals[i];
      this.bagAdd(g, v, -1);
      this.recompute(g);
    }
  }

  private recompute(g: number): void {
    const bag = this.bags[g];
    if (!bag || bag.size === 0) {
      this.has[g] = false;
      this.best[g] = null;
      return;
    }
    let first = true;
    let b: unknown = null;
    for (const [v] of bag.values()) {
      if (first || this.cmp(v, b) * this.dir < 0) b = v;
      first = false;
    }
    this.has[g] = true;
    this.best[g] = b;
  }

  result(g: number): unknown {
    return this.has[g] ? this.best[g] : null;
  }

  reset(g: number): void {
    this.has[g] = false;
    this.best[g] = null;
    this.bags[g] = undefined;
  }

  compact(remap: Int32Array, n: number): void {
    this.has = remapArray(this.has, remap, n);
    this.best = remapArray(this.best, remap, n);
    this.bags = remapArray(this.bags, remap, n);
  }
}

function minMax(name: 'min' | 'max'): AggregateFunction {
  return {
    name,
    syntax: `${name.toUpperCase()}(x)`,
    resolve(argTypes) {
      const t = argTypes[0];
      if (argTypes.length !== 1 || !t) return `${name.toUpperCase()} takes one argument`;
      if (t.kind === 'MAP' || t.kind === 'MULTISET') return `${name.toUpperCase()} cannot order values of type ${typeToString(t, false)}`;
      return { type: { ...t, nullable: true, timeAttribute: undefined } as DataType };
    },
    create: (spec) => new MinMaxAccumulators(spec.argTypes[0]!, name === 'min' ? 1 : -1, spec.retractable),
  };
}

export const min = minMax('min');
export const max = minMax('max');
