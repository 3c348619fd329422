/**
 * Compares rows of one (concatenated) batch by sort keys. Nulls sort first or last per key; values use
 * each type's order (NaN above all doubles). The common case of one key without NULLs compares
 * typed-array values directly.
 */
import type { Column } from '../batch.ts';
import type { DataType } from '../data-type.ts';
import { physicalOf, isCharacter } from '../data-type.ts';
import { comparatorFor, compareStrings } from '../value.ts';
import type { SortKey } from './sort-key.ts';
import { radixPermutation, radixSortable } from './radix-sort.ts';

export type RowComparator = (i: number, j: number) => number;

export function rowComparator(columns: readonly Column[], types: readonly DataType[], keys: readonly SortKey[]): RowComparator {
  const parts = keys.map((k) => {
    const col = columns[k.index]!;
    const t = types[k.index]!;
    const phys = physicalOf(t);
    const vals = col.values as ArrayLike<unknown>;
    const nulls = col.nulls;
    const dir = k.desc ? -1 : 1;
    const nullOrder = k.nullsFirst ? -1 : 1;
    const numeric = (phys === 'i32' || phys === 'bool' || (phys === 'f64' && t.kind !== 'DOUBLE' && t.kind !== 'FLOAT')) && !Array.isArray(vals);
    const str = isCharacter(t);
    const cmp = comparatorFor(t);
    return { vals, nulls, dir, nullOrder, numeric, str, cmp };
  });
  if (parts.length === 1) {
    const { vals, nulls, dir, nullOrder, numeric, str, cmp } = parts[0]!;
    const nv = vals as ArrayLike<number>;
    const sv = vals as ArrayLike<string>;
    if (nulls === null) {
      if (numeric) return (i, j) => dir * (nv[i]! - nv[j]!);
      if (str) return (i, j) => dir * compareStrings(sv[i]!, sv[j]!);
      return (i, j) => dir * cmp(vals[i], vals[j]);
    }
    return (i, j) => {
      const an = nulls[i] === 1;
      const bn = nulls[j] === 1;
      if (an || bn) return an === bn ? 0 : an ? nullOrder : -nullOrder;
      return dir * cmp(vals[i], vals[j]);
    };
  }
  return (i, j) => {
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k]!;
      if (p.nulls !== null) {
        const an = p.nulls[i] === 1;
        const bn = p.nulls[j] === 1;
        if (an || bn) {
          if (an === bn) continue;
          return an ? p.nullOrder : -p.nullOrder;
        }
      }
      const c = p.cmp(p.vals[i], p.vals[j]);
      if (c !== 0) return p.dir * c;
    }
    return 0;
  };
}

/** Below this many rows a comparison sort is as fast as radix passes over 64K-entry histograms. */
const RADIX_MIN_ROWS = 20_000;

/** A stable permutation of rows 0..n-1 sorted by `keys`. */
export function sortedPermutation(columns: readonly Column[], types: readonly DataType[], keys: readonly SortKey[], n: number): Int32Array {
  if (n >= RADIX_MIN_ROWS && keys.length > 0 && keys.every((k) => radixSortable(columns[k.index]!, types[k.index]!.kind))) {
    return radixPermutation(columns, keys, n);
  }
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  if (keys.length === 0 || n < 2) return perm;
  const cmp = rowComparator(columns, types, keys);
  // typed-array sort with a comparator is not guaranteed stable; break ties by position
  perm.sort((a, b) => cmp(a, b) || a - b);
  return perm;
}
