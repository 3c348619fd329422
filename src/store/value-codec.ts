/**
 * Column values in JSON metadata (manifest statistics, partition values, key ranges): internal
 * representations (see data-type.ts `Physical`) to JSON and back, exactly. BIGINT and DECIMAL beyond
 * 2^53 become digit strings, doubles that JSON cannot hold (NaN, ±Infinity) become their names, bytes
 * become base64. Nested types (ARRAY, MAP, ROW) carry no statistics.
 */
import type { DataType } from '../types/data-type.ts';
import { isCharacter, isBinary, physicalOf } from '../types/data-type.ts';
import { comparatorFor } from '../types/value.ts';
import type { Comparator } from '../types/value.ts';

export type JsonScalar = null | boolean | number | string;

/** Whether values of the type have an order usable for min/max statistics and key ranges. */
export function hasStats(t: DataType): boolean {
  switch (physicalOf(t)) {
    case 'bool': case 'i32': case 'f64': case 'i64': return true;
    default: return isCharacter(t) || isBinary(t);
  }
}

export function encodeValue(t: DataType, v: unknown): JsonScalar {
  if (v === null || v === undefined) return null;
  switch (physicalOf(t)) {
    case 'bool': return v === true || v === 1;
    case 'i32': return v as number;
    case 'f64': {
      const d = v as number;
      return Number.isFinite(d) ? d : String(d);
    }
    case 'i64': return typeof v === 'bigint' ? v.toString() : (v as number);
    default:
      if (typeof v === 'string') return v;
      if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
      return null;
  }
}

export function decodeValue(t: DataType, j: JsonScalar | undefined): unknown {
  if (j === null || j === undefined) return null;
  switch (physicalOf(t)) {
    case 'bool': return j === true || j === 1 ? 1 : 0;
    case 'i32': return Number(j);
    case 'f64': return typeof j === 'string' ? Number(j) : j;
    case 'i64': {
      if (typeof j === 'number') return j;
      const b = BigInt(j as string);
      return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
    }
    default:
      if (isBinary(t)) return new Uint8Array(Buffer.from(j as string, 'base64'));
      return j;
  }
}

/** Compares internal values of a type (booleans as 0/1); nulls are not expected. */
export function valueComparator(t: DataType): Comparator {
  if (physicalOf(t) === 'bool') return (a, b) => (a as number) - (b as number);
  return comparatorFor(t);
}

/** Strings longer than this are not kept whole in statistics (a shorter prefix is a valid lower bound). */
export const MAX_STAT_STRING = 64;
