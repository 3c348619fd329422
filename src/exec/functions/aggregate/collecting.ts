/**
 * Aggregates that keep the values they saw, in arrival order: FIRST_VALUE, LAST_VALUE (both skip NULLs),
 * LISTAGG (skips NULLs, ',' by default) and ARRAY_AGG (keeps NULLs unless IGNORE NULLS).
 * Retraction removes the most recent equal value.
 */
import type { Column } from '../../../types/batch.ts';
import type { DataType } from '../../../types/data-type.ts';
import { T, physicalOf, isCharacter, typeToString, nullable } from '../../../types/data-type.ts';
import type { AggregateFunction, Accumulators, AccumulatorSpec } from './aggregate.ts';
import { remapArray } from './aggregate.ts';
import { valuesEqual } from '../../../types/value.ts';

type Finish = (values: unknown[]) => unknown;

class ValueLists implements Accumulators {
  private lists: Array<unknown[] | undefined> = [];
  private readonly keepNulls: boolean;
  private readonly bool: boolean;
  private readonly finish: Finish;
  constructor(type: DataType, keepNulls: boolean, finish: Finish) {
    this.keepNulls = keepNulls;
    this.bool = physicalOf(type) === 'bool';
    this.finish = finish;
  }

  grow(n: number): void {
    while (this.lists.length < n) this.lists.push(undefined);
  }

  add(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void {
    const col = args[0]!;
    const vals = col.values as ArrayLike<unknown>;
    const nulls = col.nulls;
    for (let k = 0; k < count; k++) {
      const i = rows[k]!;
      const isNull = nulls !== null && nulls[i] === 1;
      if (isNull && !this.keepNulls) continue;
      const g = groups[k]!;
      const v = isNull ? null : this.bool ? vals[i] === 1 : vals[i];
      let l = this.lists[g];
      if (!l) {
        l = [];
        this.lists[g] = l;
      }
      l.push(v);
    }
  }

  retract(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void {
    const col = args[0]!;
    const vals = col.values as ArrayLike<unknown>;
    const nulls = col.nulls;
    for (let k = 0; k < count; k++) {
      const i = rows[k]!;
      const isNull = nulls !== null && nulls[i] === 1;
      if (isNull && !this.keepNulls) continue;
      const l = this.lists[groups[k]!];
      if (!l) continue;
      const v = isNull ? null : this.bool ? vals[i] === 1 : vals[i];
      for (let j = l.length - 1; j >= 0; j--) {
        const x = l[j];
        if (x === null ? v === null : v !== null && valuesEqual(x, v)) {
          l.splice(j, 1);
          break;
        }
      }
    }
  }

  result(g: number): unknown {
    const l = this.lists[g];
    return l === undefined || l.length === 0 ? null : this.finish(l);
  }

  reset(g: number): void {
    this.lists[g] = undefined;
  }

  compact(remap: Int32Array, n: number): void {
    this.lists = remapArray(this.lists, remap, n);
  }
}

export const firstValue: AggregateFunction = {
  name: 'first_value',
  syntax: 'FIRST_VALUE(x): the first non-NULL value',
  resolve: (argTypes) => (argTypes.length === 1 ? { type: nullable({ ...argTypes[0]!, timeAttribute: undefined } as DataType) } : 'FIRST_VALUE takes one argument'),
  create: (spec) => new ValueLists(spec.argTypes[0]!, false, (l) => l[0]),
};

export const lastValue: AggregateFunction = {
  name: 'last_value',
  syntax: 'LAST_VALUE(x): the last non-NULL value',
  resolve: (argTypes) => (argTypes.length === 1 ? { type: nullable({ ...argTypes[0]!, timeAttribute: undefined } as DataType) } : 'LAST_VALUE takes one argument'),
  create: (spec) => new ValueLists(spec.argTypes[0]!, false, (l) => l[l.length - 1]),
};

export const listagg: AggregateFunction = {
  name: 'listagg',
  aliases: ['string_agg'],
  syntax: "LISTAGG(s [, separator]): the non-NULL strings joined, ',' by default",
  resolve(argTypes, constArgs) {
    const t = argTypes[0];
    if (!t || argTypes.length !== 1 || constArgs.length > 1) return 'LISTAGG takes a string and an optional literal separator';
    if (!isCharacter(t) && t.kind !== 'NULL') return `LISTAGG needs a STRING argument, got ${typeToString(t, false)}`;
    return { type: T.string(), argTypes: [T.string()] };
  },
  create: (spec: AccumulatorSpec) => {
    const sep = spec.constArgs.length > 0 ? String(spec.constArgs[0]) : ',';
    return new ValueLists(spec.argTypes[0]!, false, (l) => l.join(sep));
  },
};

export const arrayAgg: AggregateFunction = {
  name: 'array_agg',
  syntax: 'ARRAY_AGG(x [IGNORE NULLS])',
  resolve: (argTypes) => (argTypes.length === 1 ? { type: T.array(argTypes[0]!.kind === 'NULL' ? T.string() : { ...argTypes[0]!, timeAttribute: undefined } as DataType) } : 'ARRAY_AGG takes one argument'),
  create: (spec) => new ValueLists(spec.argTypes[0]!, !spec.ignoreNulls, (l) => [...l]),
};
