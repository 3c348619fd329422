/**
 * Columnar storage addressed by slot number: the values of one row (or key) per slot, one growable
 * typed array (or plain array for strings, wide integers and nested values) per column, and a null mask.
 * Operators copy rows in with `setFrom` and read many rows out at once with `gather`, which builds
 * output columns without creating an object per row.
 */
import type { Column } from '../types/batch.ts';
import type { DataType, Physical } from '../types/data-type.ts';
import { physicalOf } from '../types/data-type.ts';
import { groupKeyOf } from '../types/value.ts';

type Store = Uint8Array | Int32Array | Float64Array | unknown[];

function allocate(phys: Physical, n: number): Store {
  switch (phys) {
    case 'bool': return new Uint8Array(n);
    case 'i32': return new Int32Array(n);
    case 'f64': return new Float64Array(n);
    default: return new Array<unknown>(n).fill(null);
  }
}

export class SlotColumns {
  readonly types: readonly DataType[];
  readonly phys: Physical[];
  private stores: Store[];
  private nulls: Uint8Array[];
  private cap = 0;

  constructor(types: readonly DataType[], capacity = 256) {
    this.types = types;
    this.phys = types.map(physicalOf);
    this.stores = this.phys.map((p) => allocate(p, 0));
    this.nulls = types.map(() => new Uint8Array(0));
    this.ensure(capacity);
  }

  get width(): number {
    return this.types.length;
  }

  /** Makes slots below `n` addressable. */
  ensure(n: number): void {
    if (n <= this.cap) return;
    const cap = Math.max(n, this.cap * 2, 16);
    for (let c = 0; c < this.stores.length; c++) {
      const old = this.stores[c]!;
      if (Array.isArray(old)) {
        for (let i = old.length; i < cap; i++) old.push(null);
      } else {
        const next = allocate(this.phys[c]!, cap) as Uint8Array;
        next.set(old as Uint8Array);
        this.stores[c] = next;
      }
      const nn = new Uint8Array(cap);
      nn.set(this.nulls[c]!);
      this.nulls[c] = nn;
    }
    this.cap = cap;
  }

  /** Copies row i of `cols` (all columns, same types) into slot s. */
  setFrom(s: number, cols: readonly Column[], i: number): void {
    if (s >= this.cap) this.ensure(s + 1);
    for (let c = 0; c < this.stores.length; c++) {
      const col = cols[c]!;
      const store = this.stores[c]!;
      if (col.nulls !== null && col.nulls[i] === 1) {
        this.nulls[c]![s] = 1;
        if (Array.isArray(store)) store[s] = null;
        continue;
      }
      this.nulls[c]![s] = 0;
      const v = (col.values as ArrayLike<unknown>)[i];
      if (Array.isArray(store)) store[s] = v;
      else (store as Float64Array)[s] = v as number;
    }
  }

  /** Copies row i of `col` into column c of slot s. */
  setColumnFrom(c: number, s: number, col: Column, i: number): void {
    if (s >= this.cap) this.ensure(s + 1);
    const store = this.stores[c]!;
    if (col.nulls !== null && col.nulls[i] === 1) {
      this.nulls[c]![s] = 1;
      if (Array.isArray(store)) store[s] = null;
      return;
    }
    this.nulls[c]![s] = 0;
    const v = (col.values as ArrayLike<unknown>)[i];
    if (Array.isArray(store)) store[s] = v;
    else (store as Float64Array)[s] = v as number;
  }

  /** Sets column c of slot s to a JS value (null for NULL; booleans as true/false). */
  set(c: number, s: number, v: unknown): void {
    if (s >= this.cap) this.ensure(s + 1);
    const store = this.stores[c]!;
    if (v === null || v === undefined) {
      this.nulls[c]![s] = 1;
      if (Array.isArray(store)) store[s] = null;
      return;
    }
    this.nulls[c]![s] = 0;
    if (Array.isArray(store)) store[s] = v;
    else if (this.phys[c] === 'bool') (store as Uint8Array)[s] = v === true || v === 1 ? 1 : 0;
    else (store as Float64Array)[s] = v as number;
  }

  isNull(c: number, s: number): boolean {
    return this.nulls[c]![s] === 1;
  }

  /** The JS value of column c at slot s (null for NULL; booleans as true/false). */
  get(c: number, s: number): unknown {
    if (this.nulls[c]![s] === 1) return null;
    const v = (this.stores[c] as ArrayLike<unknown>)[s];
    return this.phys[c] === 'bool' ? v === 1 : v;
  }

  /** The raw stored value (numbers for numeric columns; 1/0 for booleans). */
  raw(c: number, s: number): unknown {
    return (this.stores[c] as ArrayLike<unknown>)[s];
  }

  isNumber(c: number, s: number): boolean {
    return this.nulls[c]![s] !== 1 && typeof (this.stores[c] as ArrayLike<unknown>)[s] === 'number';
  }

  number(c: number, s: number): number {
    return (this.stores[c] as ArrayLike<number>)[s]!;
  }

  /** Drops references held by slot s (strings, nested values) so they can be collected. */
  clear(s: number): void {
    for (let c = 0; c < this.stores.length; c++) {
      const store = this.stores[c]!;
      if (Array.isArray(store)) store[s] = null;
    }
  }

  /** Column c of slots[0..n) as a Column; a negative slot gives NULL (the padded side of an outer join). */
  gatherColumn(c: number, slots: ArrayLike<number>, n: number): Column {
    const store = this.stores[c]!;
    const nullsIn = this.nulls[c]!;
    let nulls: Uint8Array | null = null;
    for (let k = 0; k < n; k++) {
      const s = slots[k]!;
      if (s < 0 || nullsIn[s] === 1) {
        nulls = new Uint8Array(n);
        break;
      }
    }
    if (nulls !== null) {
      for (let k = 0; k < n; k++) {
        const s = slots[k]!;
        nulls[k] = s < 0 ? 1 : nullsIn[s]!;
      }
    }
    let values: Column['values'];
    const phys = this.phys[c]!;
    if (Array.isArray(store)) {
      if (phys === 'i64') {
        // BIGINT stays in a Float64Array unless a value is beyond the safe range
        let wide = false;
        for (let k = 0; k < n; k++) {
          const s = slots[k]!;
          if (s >= 0 && typeof store[s] === 'bigint') { wide = true; break; }
        }
        if (wide) {
          const a = new Array<unknown>(n);
          for (let k = 0; k < n; k++) {
            const s = slots[k]!;
            a[k] = s < 0 ? 0 : store[s] ?? 0;
          }
          values = a;
        } else {
          const a = new Float64Array(n);
          for (let k = 0; k < n; k++) {
            const s = slots[k]!;
            a[k] = s < 0 ? 0 : (store[s] as number | null) ?? 0;
          }
          values = a;
        }
      } else {
        const a = new Array<unknown>(n);
        for (let k = 0; k < n; k++) {
          const s = slots[k]!;
          a[k] = s < 0 ? null : store[s];
        }
        values = a;
      }
    } else {
      const a = phys === 'bool' ? new Uint8Array(n) : phys === 'i32' ? new Int32Array(n) : new Float64Array(n);
      const src = store as Float64Array;
      for (let k = 0; k < n; k++) {
        const s = slots[k]!;
        if (s >= 0) a[k] = src[s]!;
      }
      values = a;
    }
    return { values, nulls };
  }

  /**
   * The stores themselves as columns indexed by slot, without copying: compiled predicates can read
   * state rows where they lie. Valid until the next `ensure` grows the stores.
   */
  asColumns(): Column[] {
    return this.stores.map((values, c) => ({ values: values as Column['values'], nulls: this.nulls[c]! }));
  }

  /** All columns of slots[0..n). */
  gather(slots: ArrayLike<number>, n: number): Column[] {
    const out: Column[] = [];
    for (let c = 0; c < this.stores.length; c++) out.push(this.gatherColumn(c, slots, n));
    return out;
  }

  /** Whether slot s holds the same values as row i of `cols` (NULL equals NULL). */
  equalsRow(s: number, cols: readonly Column[], i: number): boolean {
    for (let c = 0; c < this.stores.length; c++) {
      const col = cols[c]!;
      const an = this.nulls[c]![s] === 1;
      const bn = col.nulls !== null && col.nulls[i] === 1;
      if (an || bn) {
        if (an !== bn) return false;
        continue;
      }
      const a = (this.stores[c] as ArrayLike<unknown>)[s];
      const b = (col.values as ArrayLike<unknown>)[i];
      if (a === b) continue;
      if (typeof a === 'number' && typeof b === 'number') {
        if (a !== a && b !== b) continue;
        return false;
      }
      if (typeof a === 'bigint' || typeof b === 'bigint') {
        if (BigInt(a as number) === BigInt(b as number)) continue;
        return false;
      }
      if (typeof a === 'object' && typeof b === 'object' && groupKeyOf(a) === groupKeyOf(b)) continue;
      return false;
    }
    return true;
  }
}
