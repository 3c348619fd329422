/**
 * Exact 64-bit (and wider, for DECIMAL) integers with a fast path.
 *
 * A value is a `number` while it is a safe integer (|v| <= 2^53 - 1) and a `bigint` otherwise; a bigint in
 * the safe range is always normalised back to a number, so `typeof v === 'number'` is the fast path and
 * equal values have one representation (hashing and Map keys stay correct).
 */
import { FreshetError, SqlState } from '../util/errors.ts';

export type Int64 = number | bigint;

export const MAX_SAFE = Number.MAX_SAFE_INTEGER;
export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;
export const INT32_MAX = 2147483647;
export const INT32_MIN = -2147483648;

export function normalize(v: bigint): Int64 {
  return v <= 9007199254740991n && v >= -9007199254740991n ? Number(v) : v;
}

export function toBig(v: Int64): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

export function overflow(typeName: string): FreshetError {
  return new FreshetError(SqlState.numericOverflow, `${typeName} out of range`, {
    hint: 'CAST an operand to a wider type (BIGINT, DECIMAL(38, s) or DOUBLE) before the arithmetic.',
  });
}

function checkInt64(v: bigint): Int64 {
  if (v > INT64_MAX || v < INT64_MIN) throw overflow('BIGINT');
  return normalize(v);
}

export function addInt64(a: Int64, b: Int64): Int64 {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (r <= MAX_SAFE && r >= -MAX_SAFE) return r;
  }
  return checkInt64(toBig(a) + toBig(b));
}

export function subInt64(a: Int64, b: Int64): Int64 {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (r <= MAX_SAFE && r >= -MAX_SAFE) return r;
  }
  return checkInt64(toBig(a) - toBig(b));
}

export function mulInt64(a: Int64, b: Int64): Int64 {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    if (r <= MAX_SAFE && r >= -MAX_SAFE) return r === 0 ? 0 : r;
  }
  return checkInt64(toBig(a) * toBig(b));
}

export function divisionByZero(): FreshetError {
  return new FreshetError(SqlState.divisionByZero, 'division by zero', {
    hint: 'Guard the divisor, e.g. `x / NULLIF(y, 0)`.',
  });
}

/** Integer division truncating toward zero (SQL semantics). */
export function divInt64(a: Int64, b: Int64): Int64 {
  if (typeof b === 'number' ? b === 0 : b === 0n) throw divisionByZero();
  if (typeof a === 'number' && typeof b === 'number') {
    const r = Math.trunc(a / b);
    // the double quotient can be off by one when |a| is large; verify exactly
    if (Math.abs(a) < 2 ** 52) return r === 0 ? 0 : r;
  }
  return checkInt64(toBig(a) / toBig(b));
}

/** Remainder with the sign of the dividend (SQL MOD semantics). */
export function modInt64(a: Int64, b: Int64): Int64 {
  if (typeof b === 'number' ? b === 0 : b === 0n) throw divisionByZero();
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a % b;
    return r === 0 ? 0 : r;
  }
  return normalize(toBig(a) % toBig(b));
}

export function negInt64(a: Int64): Int64 {
  if (typeof a === 'number') return a === 0 ? 0 : -a;
  return checkInt64(-a);
}

export function cmpInt64(a: Int64, b: Int64): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const x = toBig(a);
  const y = toBig(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Checks that an integer fits a SQL integer type; the name is used in the error. */
export function checkIntRange(v: number, kind: 'TINYINT' | 'SMALLINT' | 'INT'): number {
  const [lo, hi] = kind === 'TINYINT' ? [-128, 127] : kind === 'SMALLINT' ? [-32768, 32767] : [INT32_MIN, INT32_MAX];
  if (v < lo || v > hi || Number.isNaN(v)) throw overflow(kind);
  return v === 0 ? 0 : v;
}

/** Parses a decimal integer literal; throws on anything else. */
export function parseInt64(text: string): Int64 {
  const s = text.trim();
  if (!/^[+-]?\d+$/.test(s)) {
    throw new FreshetError(SqlState.invalidTextRepresentation, `invalid input syntax for type BIGINT: "${text}"`);
  }
  return checkInt64(BigInt(s));
}

export function int64ToNumber(v: Int64): number {
  return typeof v === 'number' ? v : Number(v);
}

/** Converts a double to an exact integer (truncating), for CAST(double AS BIGINT). */
export function int64FromDouble(d: number): Int64 {
  if (!Number.isFinite(d)) throw overflow('BIGINT');
  const t = Math.trunc(d);
  if (t <= MAX_SAFE && t >= -MAX_SAFE) return t === 0 ? 0 : t;
  return checkInt64(BigInt(t));
}

// ---- unbounded variants (DECIMAL(38) values go beyond 64 bits; their precision is checked separately) ----

export function addWide(a: Int64, b: Int64): Int64 {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (r <= MAX_SAFE && r >= -MAX_SAFE) return r;
  }
  return normalize(toBig(a) + toBig(b));
}

export function subWide(a: Int64, b: Int64): Int64 {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (r <= MAX_SAFE && r >= -MAX_SAFE) return r;
  }
  return normalize(toBig(a) - toBig(b));
}

export function negWide(a: Int64): Int64 {
  return typeof a === 'number' ? (a === 0 ? 0 : -a) : normalize(-a);
}

export function absWide(a: Int64): Int64 {
  return typeof a === 'number' ? Math.abs(a) : normalize(a < 0n ? -a : a);
}
