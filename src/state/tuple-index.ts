/**
 * A hash index from keys of several numeric columns (INT, BIGINT, DOUBLE, DATE, TIMESTAMP, ...) to slots,
 * in typed arrays: no string is built per key and no object is allocated per lookup. The key values
 * themselves live in the key space's SlotColumns; the index holds only slot numbers. Keys with a NULL or
 * a BIGINT beyond 2^53 are not indexed here (the key space falls back to its Map for them).
 */
import type { Column } from '../types/batch.ts';
import type { SlotColumns } from './slot-columns.ts';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function hashNumber(k: number): number {
  if (k === 0) k = 0; // -0 and 0 are one key
  if ((k | 0) === k) return Math.imul(k, 0x9e3779b1);
  f64[0] = k;
  return Math.imul(u32[0]! ^ Math.imul(u32[1]!, 0x85ebca6b), 0x9e3779b1);
}

function mix(h: number, x: number): number {
  h = Math.imul(h ^ x, 0x85ebca6b);
  return h ^ (h >>> 13);
}

export class TupleIndex {
  private readonly keys: SlotColumns;
  private readonly width: number;
  private table = new Int32Array(1024).fill(-1);
  private mask = 1023;
  private used = 0;

  constructor(keys: SlotColumns, width: number) {
    this.keys = keys;
    this.width = width;
  }

  /** Whether row i of `cols` can be indexed: no NULL and no bigint in its key columns. */
  indexable(cols: readonly Column[], i: number): boolean {
    for (let c = 0; c < this.width; c++) {
      const col = cols[c]!;
      if (col.nulls !== null && col.nulls[i] === 1) return false;
      if (typeof (col.values as ArrayLike<unknown>)[i] !== 'number') return false;
    }
    return true;
  }

  private hashRow(cols: readonly Column[], i: number): number {
    let h = 0x811c9dc5;
    for (let c = 0; c < this.width; c++) h = mix(h, hashNumber((cols[c]!.values as ArrayLike<number>)[i]!));
    return h;
  }

  private hashSlot(s: number): number {
    let h = 0x811c9dc5;
    for (let c = 0; c < this.width; c++) h = mix(h, hashNumber(this.keys.number(c, s)));
    return h;
  }

  private matches(s: number, cols: readonly Column[], i: number): boolean {
    for (let c = 0; c < this.width; c++) {
      const a = this.keys.number(c, s);
      const b = (cols[c]!.values as ArrayLike<number>)[i]!;
      if (a !== b && !(a !== a && b !== b)) return false;
    }
    return true;
  }

  /** The slot of row i's key, or -1. */
  find(cols: readonly Column[], i: number): number {
    const mask = this.mask;
    let p = this.hashRow(cols, i) & mask;
    for (;;) {
      const s = this.table[p]!;
      if (s < 0) return -1;
      if (this.matches(s, cols, i)) return s;
      p = (p + 1) & mask;
    }
  }

  /** Indexes slot s (whose key values are already stored). */
  insert(s: number): void {
    if ((this.used + 1) * 2 > this.mask) this.grow();
    const mask = this.mask;
    let p = this.hashSlot(s) & mask;
    while (this.table[p]! >= 0) p = (p + 1) & mask;
    this.table[p] = s;
    this.used++;
  }

  /** Removes slot s (backward-shift deletion, so lookups never stop early). */
  remove(s: number): void {
    const mask = this.mask;
    let p = this.hashSlot(s) & mask;
    while (this.table[p] !== s) {
      if (this.table[p]! < 0) return;
      p = (p + 1) & mask;
    }
    let hole = p;
    let i = p;
    for (;;) {
      i = (i + 1) & mask;
      const x = this.table[i]!;
      if (x < 0) break;
      const home = this.hashSlot(x) & mask;
      const between = hole <= i ? home > hole && home <= i : home > hole || home <= i;
      if (between) continue;
      this.table[hole] = x;
      hole = i;
    }
    this.table[hole] = -1;
    this.used--;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2).fill(-1);
    this.mask = this.table.length - 1;
    this.used = 0;
    for (const s of old) if (s >= 0) this.insert(s);
  }
}
