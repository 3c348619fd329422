/**
 * SUM and AVG.
 * SUM: integers → BIGINT (exact, overflow is an error), DECIMAL(p, s) → DECIMAL(38, s), FLOAT/DOUBLE → DOUBLE.
 * AVG: integers and floating point → DOUBLE, DECIMAL(p, s) → DECIMAL(38, max(s, 6)).
 * Exact sums keep a double while the running total is a safe integer and switch to bigint beyond.
 */
import type { Column } from '../../../types/batch.ts';
import type { DataType } from '../../../types/data-type.ts';
import { T, isNumeric, isInteger, typeToString, withNullable } from '../../../types/data-type.ts';
import type { AggregateFunction, Accumulators } from './aggregate.ts';
import { growF64, remapArray, remapTyped } from './aggregate.ts';
import { type Int64, normalize, toBig, INT64_MAX, INT64_MIN, overflow, MAX_SAFE } from '../../../types/int64.ts';
import { checkPrecision, divRoundHalfUp, pow10Big, rescale } from '../../../types/decimal.ts';

/** Exact running sums per group: number fast path, bigint when needed. */
class ExactSums {
  sums = new Float64Array(16);
  big: Array<bigint | undefined> = [];
  counts = new Float64Array(16);
  private readonly limit: 'bigint' | 'decimal';

  constructor(limit: 'bigint' | 'decimal') {
    this.limit = limit;
  }

  grow(n: number): void {
    this.sums = growF64(this.sums, n);
    this.counts = growF64(this.counts, n);
  }

  apply(col: Column, rows: Int32Array, groups: Int32Array, count: number, sign: 1 | -1): void {
    const vals = col.values as ArrayLike<number | bigint>;
    const nulls = col.nulls;
    const sums = this.sums;
    const counts = this.counts;
    for (let k = 0; k < count; k++) {
      const i = rows[k]!;
      if (nulls !== null && nulls[i] === 1) continue;
      const g = groups[k]!;
      counts[g]! += sign;
      const v = vals[i]!;
      const b = this.big[g];
      if (b === undefined && typeof v === 'number') {
        const r = sums[g]! + sign * v;
        if (r <= MAX_SAFE && r >= -MAX_SAFE) {
          sums[g] = r;
          continue;
        }
      }
      const next = (b ?? BigInt(sums[g]!)) + BigInt(sign) * toBig(v);
      const n = normalize(next);
      if (typeof n === 'number') {
        this.big[g] = undefined;
        sums[g] = n;
      } else this.big[g] = next;
    }
  }

  total(g: number): Int64 | null {
    if ((this.counts[g] ?? 0) <= 0) return null;
    const b = this.big[g];
    if (b === undefined) return this.sums[g]!;
    if (this.limit === 'bigint' && (b > INT64_MAX || b < INT64_MIN)) throw overflow('BIGINT');
    return b;
  }

  reset(g: number): void {
    this.sums[g] = 0;
    this.counts[g] = 0;
    this.big[g] = undefined;
  }

  compact(remap: Int32Array, n: number): void {
    this.sums = remapTyped(this.sums, remap, n);
    this.counts = remapTyped(this.counts, remap, n);
    this.big = remapArray(this.big, remap, n);
  }
}

/** Floating sums with a count (so that SUM over only NULLs is NULL). */
class DoubleSums {
  sums = new Float64Array(16);
  counts = new Float64Array(16);

  grow(n: number): void {
    this.sums = growF64(this.sums, n);
    this.counts = growF64(this.counts, n);
  }

  apply(col: Column, rows: Int32Array, groups: Int32Array, count: number, sign: 1 | -1): void {
    const vals = col.values as Float64Array;
    const nulls = col.nulls;
    const sums = this.sums;
    const counts = this.counts;
    if (nulls === null) {
      for (let k = 0; k < count; k++) {
        const g = groups[k]!;
        sums[g]! += sign * vals[rows[k]!]!;
        counts[g]! += sign;
      }
      return;
    }
    for (let k = 0; k < count; k++) {
      const i = rows[k]!;
      if (nulls[i] === 1) continue;
      const g = groups[k]!;
      sums[g]! += sign * vals[i]!;
      counts[g]! += sign;
    }
  }

  reset(g: number): void {
    this.sums[g] = 0;
    this.counts[g] = 0;
  }

  compact(remap: Int32Array, n: number): void {
    this.sums = remapTyped(this.sums, remap, n);
    this.counts = remapTyped(this.counts, remap, n);
  }
}

class SumAccumulators implements Accumulators {
  private readonly exact: ExactSums | null;
  private readonly dbl: DoubleSums | null;
  private readonly scale: number;

  /** `bounded`: a BIGINT result must stay within 64 bits (SUM); AVG only needs the exact total. */
  constructor(argType: DataType, bounded = true) {
    const approx = argType.kind === 'FLOAT' || argType.kind === 'DOUBLE';
    this.exact = approx ? null : new ExactSums(argType.kind === 'DECIMAL' || !bounded ? 'decimal' : 'bigint');
    this.dbl = approx ? new DoubleSums() : null;
    this.scale = argType.scale ?? 0;
  }

  grow(n: number): void {
    this.exact?.grow(n);
    this.dbl?.grow(n);
  }

  add(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void {
    if (this.exact) this.exact.apply(args[0]!, rows, groups, count, 1);
    else this.dbl!.apply(args[0]!, rows, groups, count, 1);
  }

  retract(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void {
    if (this.exact) this.exact.apply(args[0]!, rows, groups, count, -1);
    else this.dbl!.apply(args[0]!, rows, groups, count, -1);
  }

  result(g: number): unknown {
    if (this.exact) {
      const t = this.exact.total(g);
      return t === null ? null : this.scale > 0 ? checkPrecision(t, 38, this.scale) : t;
    }
    return (this.dbl!.counts[g] ?? 0) > 0 ? this.dbl!.sums[g]! : null;
  }

  reset(g: number): void {
    this.exact?.reset(g);
    this.dbl?.reset(g);
  }

  compact(remap: Int32Array, n: number): void {
    this.exact?.compact(remap, n);
    this.dbl?.compact(remap, n);
  }
}

class AvgAccumulators implements Accumulators {
  private readonly sum: SumAccumulators;
  private readonly counts: { c: Float64Array<ArrayBuffer> } = { c: new Float64Array(16) };
  private readonly argType: DataType;
  private readonly resultScale: number;

  constructor(argType: DataType, resultType: DataType) {
    this.sum = new SumAccumulators(argType, false);
    this.argType = argType;
    this.resultScale = resultType.scale ?? 0;
  }

  grow(n: number): void {
    this.sum.grow(n);
    this.counts.c = growF64(this.counts.c, n);
  }

  private count(col: Column, rows: Int32Array, groups: Int32Array, count: number, d: number): void {
    const c = this.counts.c;
    const nulls = col.nulls;
    for (let k = 0; k < count; k++) if (nulls === null || nulls[rows[k]!] !== 1) c[groups[k]!]! += d;
  }

  add(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void {
    this.sum.add(args, rows, groups, count);
    this.count(args[0]!, rows, groups, count, 1);
  }

  retract(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void {
    this.sum.retract(args, rows, groups, count);
    this.count(args[0]!, rows, groups, count, -1);
  }

  result(g: number): unknown {
    const n = this.counts.c[g] ?? 0;
    if (n <= 0) return null;
    const s = this.sum.result(g);
    if (s === null) return null;
    if (this.argType.kind === 'DECIMAL') {
      const from = this.argType.scale ?? 0;
      const shifted = toBig(rescale(s as Int64, from, this.resultScale));
      return divRoundHalfUp(shifted, BigInt(n));
    }
    return Number(s) / n;
  }

  reset(g: number): void {
    this.sum.reset(g);
    this.counts.c[g] = 0;
  }

  compact(remap: Int32Array, n: number): void {
    this.sum.compact(remap, n);
    this.counts.c = remapTyped(this.counts.c, remap, n);
  }
}

export const sum: AggregateFunction = {
  name: 'sum',
  syntax: 'SUM(x)',
  resolve(argTypes) {
    const t = argTypes[0];
    if (argTypes.length !== 1 || !t) return 'SUM takes one argument';
    if (t.kind === 'NULL') return { type: T.int(), argTypes: [T.int()] };
    if (!isNumeric(t)) return `SUM needs a numeric argument, got ${typeToString(t, false)}`;
    if (isInteger(t)) return { type: T.bigint(), argTypes: [withNullable(T.bigint(), t.nullable)] };
    if (t.kind === 'DECIMAL') return { type: T.decimal(38, t.scale ?? 0) };
    return { type: T.double(), argTypes: [withNullable(T.double(), t.nullable)] };
  },
  create: (spec) => new SumAccumulators(spec.argTypes[0]!),
};

export const avg: AggregateFunction = {
  name: 'avg',
  syntax: 'AVG(x)',
  resolve(argTypes) {
    const t = argTypes[0];
    if (argTypes.length !== 1 || !t) return 'AVG takes one argument';
    if (t.kind === 'NULL') return { type: T.double(), argTypes: [T.double()] };
    if (!isNumeric(t)) return `AVG needs a numeric argument, got ${typeToString(t, false)}`;
    if (t.kind === 'DECIMAL') return { type: T.decimal(38, Math.max(t.scale ?? 0, 6)) };
    if (isInteger(t)) return { type: T.double(), argTypes: [withNullable(T.bigint(), t.nullable)] };
    return { type: T.double(), argTypes: [withNullable(T.double(), t.nullable)] };
  },
  create: (spec) => new AvgAccumulators(spec.argTypes[0]!, spec.resultType),
};

void pow10Big;
