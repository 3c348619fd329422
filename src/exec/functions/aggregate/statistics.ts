/**
 * VAR_POP, VAR_SAMP (VARIANCE), STDDEV_POP, STDDEV_SAMP (STDDEV): DOUBLE, by Welford's method, which is
 * numerically stable and can be run backwards for retractions. BOOL_AND and BOOL_OR count trues and falses.
 */
import type { Column } from '../../../types/batch.ts';
import { T, isNumeric, typeToString, withNullable } from '../../../types/data-type.ts';
import type { AggregateFunction, Accumulators } from './aggregate.ts';
import { growF64, remapTyped } from './aggregate.ts';

type Kind = 'var_pop' | 'var_samp' | 'stddev_pop' | 'stddev_samp';

class Welford implements Accumulators {
  private n = new Float64Array(16);
  private mean = new Float64Array(16);
  private m2 = new Float64Array(16);
  private readonly kind: Kind;

  constructor(kind: Kind) {
    this.kind = kind;
  }

  grow(size: number): void {
    this.n = growF64(this.n, size);
    this.mean = growF64(this.mean, size);
    this.m2 = growF64(this.m2, size);
  }

  add(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void {
    const vals = args[0]!.values as Float64Array;
    const nulls = args[0]!.nulls;
    const { n, mean, m2 } = this;
    for (let k = 0; k < count; k++) {
      const i = rows[k]!;
      if (nulls !== null && nulls[i] === 1) continue;
      const g = groups[k]!;
      const x = vals[i]!;
      const c = ++n[g]!;
      const d = x - mean[g]!;
      mean[g]! += d / c;
      m2[g]! += d * (x - mean[g]!);
    }
  }

  retract(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void {
    const vals = args[0]!.values as Float64Array;
    const nulls = args[0]!.nulls;
    const { n, mean, m2 } = this;
    for (let k = 0; k < count; k++) {
      const i = rows[k]!;
      if (nulls !== null && nulls[i] === 1) continue;
      const g = groups[k]!;
      const x = vals[i]!;
      const c = --n[g]!;
      if (c <= 0) {
        n[g] = 0; mean[g] = 0; m2[g] = 0;
        continue;
      }
      const d = x - mean[g]!;
      mean[g]! -= d / c;
      m2[g]! -= d * (x - mean[g]!);
    }
  }

  result(g: number): unknown {
    const c = this.n[g] ?? 0;
    const m2 = Math.max(0, this.m2[g] ?? 0);
    switch (this.kind) {
      case 'var_pop': return c >= 1 ? m2 / c : null;
      case 'stddev_pop': return c >= 1 ? Math.sqrt(m2 / c) : null;
      case 'var_samp': return c >= 2 ? m2 / (c - 1) : null;
      case 'stddev_samp': return c >= 2 ? Math.sqrt(m2 / (c - 1)) : null;
    }
  }

  reset(g: number): void {
    this.n[g] = 0;
    this.mean[g] = 0;
    this.m2[g] = 0;
  }

  compact(remap: Int32Array, n: number): void {
    this.n = remapTyped(this.n, remap, n);
    this.mean = remapTyped(this.mean, remap, n);
    this.m2 = remapTyped(this.m2, remap, n);
  }
}

function statistic(kind: Kind, aliases: string[]): AggregateFunction {
  return {
    name: kind,
    aliases,
    syntax: `${kind.toUpperCase()}(x)`,
    resolve(argTypes) {
      const t = argTypes[0];
      if (!t || argTypes.length !== 1) return `${kind.toUpperCase()} takes one argument`;
      if (!isNumeric(t) && t.kind !== 'NULL') return `${kind.toUpperCase()} needs a numeric argument, got ${typeToString(t, false)}`;
      return { type: T.double(), argTypes: [withNullable(T.double(), t.nullable)] };
    },
    create: () => new Welford(kind),
  };
}

class BoolCounts implements Accumulators {
  private trues = new Float64Array(16);
  private falses = new Float64Array(16);
  private readonly and: boolean;

  constructor(and: boolean) {
    this.and = and;
  }

  grow(n: number): void {
    this.trues = growF64(this.trues, n);
    this.falses = growF64(this.falses, n);
  }

  private apply(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number, d: number): void {
    const vals = args[0]!.values as Uint8Array;
    const nulls = args[0]!.nulls;
    for (let k = 0; k < count; k++) {
      const i = rows[k]!;
      if (nulls !== null && nulls[i] === 1) continue;
      if (vals[i] === 1) this.trues[groups[k]!]! += d;
      else this.falses[groups[k]!]! += d;
    }
  }

  add(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void {
    this.apply(args, rows, groups, count, 1);
  }

  retract(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void {
    this.apply(args, rows, groups, count, -1);
  }

  result(g: number): unknown {
    const t = this.trues[g] ?? 0;
    const f = this.falses[g] ?? 0;
    if (t + f <= 0) return null;
    return this.and ? f <= 0 : t > 0;
  }

  reset(g: number): void {
    this.trues[g] = 0;
    this.falses[g] = 0;
  }

  compact(remap: Int32Array, n: number): void {
    this.trues = remapTyped(this.trues, remap, n);
    this.falses = remapTyped(this.falses, remap, n);
  }
}

function boolAgg(name: 'bool_and' | 'bool_or', aliases: string[]): AggregateFunction {
  return {
    name,
    aliases,
    syntax: `${name.toUpperCase()}(b)`,
    resolve(argTypes) {
      const t = argTypes[0];
      if (!t || argTypes.length !== 1 || (t.kind !== 'BOOLEAN' && t.kind !== 'NULL')) return `${name.toUpperCase()} needs one BOOLEAN argument`;
      return { type: T.boolean(), argTypes: [withNullable(T.boolean(), t.nullable)] };
    },
    create: () => new BoolCounts(name === 'bool_and'),
  };
}

export const varPop = statistic('var_pop', []);
export const varSamp = statistic('var_samp', ['variance']);
export const stddevPop = statistic('stddev_pop', []);
export const stddevSamp = statistic('stddev_samp', ['stddev']);
export const boolAnd = boolAgg('bool_and', ['every']);
export const boolOr = boolAgg('bool_or', []);
