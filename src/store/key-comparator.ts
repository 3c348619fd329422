/**
 * Ordering of primary keys across batches: the LSM sorts, merges and range-checks by it. Key columns
 * are NOT NULL (primary keys are), so the comparison is the types' value order, specialised per type
 * once per table instead of dispatched per row.
 */
import type { Column } from '../types/batch.ts';
import type { DataType } from '../types/data-type.ts';
import { physicalOf, isCharacter } from '../types/data-type.ts';
import { compareBytes, compareDouble, compareStrings } from '../types/value.ts';
import type { JsonScalar } from './value-codec.ts';
import { decodeValue, encodeValue, valueComparator } from './value-codec.ts';

/** Compares the key of row i of `a` with the key of row j of `b` (columns at the same positions). */
export type KeyComparator = (a: readonly Column[], i: number, b: readonly Column[], j: number) => number;

type ValueCompare = (x: unknown, y: unknown) => number;

export function valueCompare(t: DataType): ValueCompare {
  switch (physicalOf(t)) {
    case 'bool': case 'i32': return (x, y) => (x as number) - (y as number);
    // BIGINT/DECIMAL may mix numbers and bigints; the relational operators compare them exactly
    case 'i64': return (x, y) => ((x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0);
    case 'f64': return (x, y) => compareDouble(x as number, y as number);
    default:
      if (isCharacter(t)) return (x, y) => compareStrings(x as string, y as string);
      return (x, y) => compareBytes(x as Uint8Array, y as Uint8Array);
  }
}

export function keyComparator(positions: readonly number[], types: readonly DataType[]): KeyComparator {
  const cmps = types.map(valueCompare);
  if (positions.length === 1) {
    const p = positions[0]!;
    const t = types[0]!;
    const phys = physicalOf(t);
    if (phys === 'i32' || (phys === 'f64' && t.kind !== 'DOUBLE' && t.kind !== 'FLOAT')) {
      return (a, i, b, j) => (a[p]!.values as Float64Array)[i]! - (b[p]!.values as Float64Array)[j]!;
    }
    if (isCharacter(t)) return (a, i, b, j) => compareStrings((a[p]!.values as string[])[i]!, (b[p]!.values as string[])[j]!);
    const c = cmps[0]!;
    return (a, i, b, j) => c((a[p]!.values as ArrayLike<unknown>)[i], (b[p]!.values as ArrayLike<unknown>)[j]);
  }
  return (a, i, b, j) => {
    for (let k = 0; k < positions.length; k++) {
      const p = positions[k]!;
      const r = cmps[k]!((a[p]!.values as ArrayLike<unknown>)[i], (b[p]!.values as ArrayLike<unknown>)[j]);
      if (r !== 0) return r;
    }
    return 0;
  };
}

/**
 * Compares probe row i (its key columns in `probe`, in key order: a lookup's keys) with stored row j
 * (key columns at `positions` of `stored`).
 */
export type ProbeComparator = (probe: readonly Column[], i: number, stored: readonly Column[], j: number) => number;

export function probeComparator(positions: readonly number[], types: readonly DataType[]): ProbeComparator {
  const cmps = types.map(valueCompare);
  if (positions.length === 1) {
    const p = positions[0]!;
    const c = cmps[0]!;
    return (a, i, b, j) => c((a[0]!.values as ArrayLike<unknown>)[i], (b[p]!.values as ArrayLike<unknown>)[j]);
  }
  return (a, i, b, j) => {
    for (let k = 0; k < positions.length; k++) {
      const r = cmps[k]!((a[k]!.values as ArrayLike<unknown>)[i], (b[positions[k]!]!.values as ArrayLike<unknown>)[j]);
      if (r !== 0) return r;
    }
    return 0;
  };
}

/** The key of row i as encoded JSON values (for min/max key metadata). */
export function encodeKey(cols: readonly Column[], i: number, positions: readonly number[], types: readonly DataType[]): JsonScalar[] {
  return positions.map((p, k) => encodeValue(types[k]!, (cols[p]!.values as ArrayLike<unknown>)[i]));
}

/** Compares two encoded keys. */
export function compareEncodedKeys(a: readonly JsonScalar[], b: readonly JsonScalar[], types: readonly DataType[]): number {
  for (let k = 0; k < types.length; k++) {
    const t = types[k]!;
    const r = valueComparator(t)(decodeValue(t, a[k]), decodeValue(t, b[k]));
    if (r !== 0) return r;
  }
  return 0;
}
