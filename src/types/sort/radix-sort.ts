/**
 * Stable LSD radix sort of row positions by numeric keys (INT-like, BIGINT within ±2^53, DOUBLE,
 * DATE, TIMESTAMP). Each key is turned into an unsigned bit pattern that orders like the value
 * (IEEE-754 trick for doubles: flip the sign bit of positives, all bits of negatives; invert for DESC),
 * then sorted 16 bits at a time, least significant key first. Because every pass is stable, this sorts by
 * all keys at once, and NULLs are placed by one more stable pass per key. About n·(passes) memory moves
 * instead of n·log n comparator calls, which is what makes large ORDER BYs affordable in JavaScript.
 */
import type { Column } from '../batch.ts';
import type { SortKey } from './sort-key.ts';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Whether a key column can be radix sorted (typed numeric values). */
export function radixSortable(col: Column, kind: string): boolean {
  if (Array.isArray(col.values)) return false;
  return col.values instanceof Float64Array || col.values instanceof Int32Array || (col.values instanceof Uint8Array && kind === 'BOOLEAN');
}

/**
 * One stable pass over the 16-bit digit of `word` at `shift`: scatters (perm, hi, lo) by that digit.
 * Returns false (and moves nothing) when every row has the same digit.
 */
function pass(
  word: Uint32Array, shift: number, n: number,
  perm: Int32Array, hi: Uint32Array, lo: Uint32Array,
  perm2: Int32Array, hi2: Uint32Array, lo2: Uint32Array, counts: Int32Array,
): boolean {
  counts.fill(0);
  for (let k = 0; k < n; k++) counts[(word[k]! >>> shift) & 0xffff]!++;
  for (let d = 0; d < 65536; d++) {
    const c = counts[d]!;
    if (c === n) return false;
    if (c !== 0) break;
  }
  let sum = 0;
  for (let d = 0; d < 65536; d++) {
    const c = counts[d]!;
    counts[d] = sum;
    sum += c;
  }
  for (let k = 0; k < n; k++) {
    const at = counts[(word[k]! >>> shift) & 0xffff]!++;
    perm2[at] = perm[k]!;
    hi2[at] = hi[k]!;
    lo2[at] = lo[k]!;
  }
  return true;
}

/** A stable permutation of rows 0..n-1 ordered by `keys` (all radix-sortable). */
export function radixPermutation(columns: readonly Column[], keys: readonly SortKey[], n: number): Int32Array {
  let perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  let perm2 = new Int32Array(n);
  let hi2 = new Uint32Array(n);
  let lo2 = new Uint32Array(n);
  const counts = new Int32Array(65536);
  const swap = (): void => {
    [perm, perm2] = [perm2, perm];
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
  };
  for (let ki = keys.length - 1; ki >= 0; ki--) {
    const key = keys[ki]!;
    const col = columns[key.index]!;
    const vals = col.values;
    const invert = key.desc ? 0xffffffff : 0;
    // the key's bit pattern, in the current order of perm
    let wide = false;
    if (vals instanceof Float64Array) {
      wide = true;
      for (let k = 0; k < n; k++) {
        const v = vals[perm[k]!]!;
        let h: number;
        let l: number;
        if (v !== v) {
          // NaN sorts above every number, +Infinity included
          h = 0xffffffff;
          l = 0xffffffff;
        } else {
          f64[0] = v === 0 ? 0 : v; // -0 and 0 are equal
          h = u32[1]!;
          l = u32[0]!;
          if (h & 0x80000000) { h = ~h >>> 0; l = ~l >>> 0; } else h = (h | 0x80000000) >>> 0;
        }
        hi[k] = (h ^ invert) >>> 0;
        lo[k] = (l ^ invert) >>> 0;
      }
    } else {
      const iv = vals as Int32Array | Uint8Array;
      const signed = vals instanceof Int32Array;
      for (let k = 0; k < n; k++) {
        const v = iv[perm[k]!]!;
        lo[k] = ((signed ? (v ^ 0x80000000) : v) ^ invert) >>> 0;
        hi[k] = 0;
      }
    }
    if (pass(lo, 0, n, perm, hi, lo, perm2, hi2, lo2, counts)) swap();
    if (pass(lo, 16, n, perm, hi, lo, perm2, hi2, lo2, counts)) swap();
    if (wide) {
      if (pass(hi, 0, n, perm, hi, lo, perm2, hi2, lo2, counts)) swap();
      if (pass(hi, 16, n, perm, hi, lo, perm2, hi2, lo2, counts)) swap();
    }
    // NULLs first or last: one stable partition on the null flag (their values above are garbage, but
    // the partition only keeps the relative order the lower keys gave them)
    const nulls = col.nulls;
    if (nulls !== null) {
      let o = 0;
      const first = key.nullsFirst;
      for (let k = 0; k < n; k++) if ((nulls[perm[k]!] === 1) === first) perm2[o++] = perm[k]!;
      for (let k = 0; k < n; k++) if ((nulls[perm[k]!] === 1) !== first) perm2[o++] = perm[k]!;
      [perm, perm2] = [perm2, perm];
    }
  }
  return perm;
}
