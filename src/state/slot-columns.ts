/**
 * Columnar storage addressed by slot number: the values of one row (or key) per slot, one growable
 * typed array per column (a plain array for strings and nested values), and a null mask per column.
 * Operators copy rows in with `setFrom` and read many rows out at once with `gather`, which builds
 * output columns without creating an object per row.
 *
 * Memory matters here (joins keep millions of rows): BIGINT and DECIMAL values live in a Float64Array
 * until a value beyond 2^53 (a bigint) arrives, which turns that column into a plain array; a null
 * mask is only allocated once a column holds a NULL; large stores grow by half, not double.
 */
import type { Column } from '../types/batch.ts';
import type { DataType, Physical } from '../types/data-type.ts';
import { physicalOf } from '../types/data-type.ts';
import { groupKeyOf } from '../types/value.ts';
import { internalError } from '../util/errors.ts';
import { ChangedSlots } from './changed-slots.ts';
import { FULL_STATE, type StateWriter } from './state-delta.ts';

type Store = Uint8Array | Int32Array | Float64Array | unknown[];

function allocate(phys: Physical, n: number): Store {
  switch (phys) {
    case 'bool': return new Uint8Array(n);
    case 'i32': return new Int32Array(n);
    case 'f64': case 'i64': return new Float64Array(n);
    default: return new Array<unknown>(n).fill(null);
  }
}

/** The next capacity: doubling while small, growing by half when large (less memory held twice while copying). */
function grown(cap: number, need: number): number {
  const next = cap < 1 << 20 ? cap * 2 : cap + (cap >> 1);
  return Math.max(need, next, 16);
}

const NO_NULLS = new Uint8Array(0);
const NO_CHANGES = new ChangedSlots(false);

/**
 * The values of slots [0, n) in bulk, for checkpoints: one store per column (the typed array, or the
 * plain array of a string/nested or widened BIGINT column) and its null mask (null: no NULL held).
 */
export interface SlotColumnsSnapshot {
  n: number;
  stores: Store[];
  nulls: Array<Uint8Array | null>;
}

export class SlotColumns {
  readonly types: readonly DataType[];
  readonly phys: Physical[];
  private stores: Store[];
  /** Per column: 1 = NULL; NO_NULLS until the column's first NULL. */
  private nulls: Uint8Array[];
  private cap = 0;

  constructor(types: readonly DataType[], capacity = 256) {
    this.types = types;
    this.phys = types.map(physicalOf);
    this.stores = this.phys.map((p) => allocate(p, 0));
    this.nulls = types.map(() => NO_NULLS);
    this.ensure(capacity);
  }

  get width(): number {
    return this.types.length;
  }

  /**
   * Copies slots [0, n) out (bulk copies of the stores, no object per slot); with the delta writer only
   * the slots marked in `changed`.
   */
  exportState(n: number, w: StateWriter = FULL_STATE, changed: ChangedSlots = NO_CHANGES): SlotColumnsSnapshot {
    const stores = this.stores.map((st) => w.slots(st, n, changed));
    // a null mask, once allocated, stays: a column without one had no NULL at the base either
    const nulls = this.nulls.map((nn) => (nn === NO_NULLS ? null : w.slots(nn, n, changed)));
    return { n, stores, nulls };
  }

  /** Replaces the contents with slots [0, s.n) of a snapshot of columns of the same types. */
  importState(s: SlotColumnsSnapshot): void {
    if (s.stores.length !== this.stores.length) throw internalError(`saved state has ${s.stores.length} columns where ${this.stores.length} are expected`);
    const n = s.n;
    const cap = Math.max(n, 16);
    for (let c = 0; c < this.stores.length; c++) {
      const saved = s.stores[c]!;
      let store: Store;
      if (Array.isArray(saved)) {
        store = saved.slice();
        for (let i = store.length; i < cap; i++) (store as unknown[]).push(null);
      } else {
        const want = allocate(this.phys[c]!, 0);
        if (Array.isArray(want) || want.constructor !== saved.constructor) throw internalError(`saved state of column ${c} is a ${saved.constructor.name}, not the ${Array.isArray(want) ? 'Array' : want.constructor.name} its type needs`);
        store = allocate(this.phys[c]!, cap);
        (store as Float64Array).set(saved as Float64Array);
      }
      this.stores[c] = store;
      const nn = s.nulls[c];
      if (nn === null || nn === undefined) this.nulls[c] = NO_NULLS;
      else {
        const m = new Uint8Array(cap);
        m.set(nn);
        this.nulls[c] = m;
      }
    }
    this.cap = cap;
  }

  /** Slots the storage has room for (its arrays' length): what compaction gives back. */
  get allocated(): number {
    return this.cap;
  }

  /**
   * Moves the value of every slot s with remap[s] >= 0 to slot remap[s] and forgets the others, into
   * new arrays sized for the `n` slots left: memory held for released slots is given back.
   */
  compact(remap: Int32Array, n: number): void {
    const cap = Math.max(n, 16);
    const m = Math.min(remap.length, this.cap);
    for (let c = 0; c < this.stores.length; c++) {
      const old = this.stores[c]!;
      let store: Store;
      if (Array.isArray(old)) {
        const a = new Array<unknown>(cap).fill(null);
        for (let s = 0; s < m; s++) if (remap[s]! >= 0) a[remap[s]!] = old[s];
        store = a;
      } else {
        const a = new (old.constructor as Float64ArrayConstructor)(cap);
        for (let s = 0; s < m; s++) if (remap[s]! >= 0) a[remap[s]!] = (old as Float64Array)[s]!;
        store = a;
      }
      this.stores[c] = store;
      const nn = this.nulls[c]!;
      if (nn !== NO_NULLS) {
        const a = new Uint8Array(cap);
        for (let s = 0; s < m; s++) if (remap[s]! >= 0) a[remap[s]!] = nn[s]!;
        this.nulls[c] = a;
      }
    }
    this.cap = cap;
  }

  /** Makes slots below `n` addressable. */
  ensure(n: number): void {
    if (n <= this.cap) return;
    const cap = grown(this.cap, n);
    for (let c = 0; c < this.stores.length; c++) {
      const old = this.stores[c]!;
      if (Array.isArray(old)) {
        for (let i = old.length; i < cap; i++) old.push(null);
      } else {
        const next = new (old.constructor as Float64ArrayConstructor)(cap);
        next.set(old as Float64Array);
        this.stores[c] = next;
      }
      const nn = this.nulls[c]!;
      if (nn !== NO_NULLS) {
        const next = new Uint8Array(cap);
        next.set(nn);
        this.nulls[c] = next;
      }
    }
    this.cap = cap;
  }

  private markNull(c: number, s: number): void {
    let nn = this.nulls[c]!;
    if (nn === NO_NULLS) {
      nn = new Uint8Array(this.cap);
      this.nulls[c] = nn;
    }
    nn[s] = 1;
    const store = this.stores[c]!;
    if (Array.isArray(store)) store[s] = null;
  }

  /** A BIGINT column received a value beyond 2^53: from now on it is a plain array. */
  private widen(c: number): unknown[] {
    const wide = Array.from(this.stores[c] as Float64Array) as unknown[];
    this.stores[c] = wide;
    return wide;
  }

  private put(c: number, s: number, v: unknown): void {
    let store = this.stores[c]!;
    const nn = this.nulls[c]!;
    if (nn !== NO_NULLS) nn[s] = 0;
    if (Array.isArray(store)) {
      store[s] = v;
      return;
    }
    if (typeof v === 'bigint') store = this.widen(c);
    if (Array.isArray(store)) store[s] = v;
    else (store as Float64Array)[s] = v as number;
  }

  /** Copies row i of `cols` (all columns, same types) into slot s. */
  setFrom(s: number, cols: readonly Column[], i: number): void {
    if (s >= this.cap) this.ensure(s + 1);
    for (let c = 0; c < this.stores.length; c++) {
      const col = cols[c]!;
      if (col.nulls !== null && col.nulls[i] === 1) this.markNull(c, s);
      else this.put(c, s, (col.values as ArrayLike<unknown>)[i]);
    }
  }

  /** Copies row i of `col` into column c of slot s. */
  setColumnFrom(c: number, s: number, col: Column, i: number): void {
    if (s >= this.cap) this.ensure(s + 1);
    if (col.nulls !== null && col.nulls[i] === 1) this.markNull(c, s);
    else this.put(c, s, (col.values as ArrayLike<unknown>)[i]);
  }

  /** Sets column c of slot s to a JS value (null for NULL; booleans as true/false). */
  set(c: number, s: number, v: unknown): void {
    if (s >= this.cap) this.ensure(s + 1);
    if (v === null || v === undefined) this.markNull(c, s);
    else if (this.phys[c] === 'bool') this.put(c, s, v === true || v === 1 ? 1 : 0);
    else this.put(c, s, v);
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
        nulls[k] = s < 0 || nullsIn[s] === 1 ? 1 : 0;
      }
    }
    let values: Column['values'];
    const phys = this.phys[c]!;
    if (Array.isArray(store)) {
      const a = new Array<unknown>(n);
      const empty = phys === 'i64' ? 0 : null;
      for (let k = 0; k < n; k++) {
        const s = slots[k]!;
        a[k] = s < 0 ? empty : store[s] ?? empty;
      }
      values = a;
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
    return this.stores.map((values, c) => ({ values: values as Column['values'], nulls: this.nulls[c] === NO_NULLS ? null : this.nulls[c]! }));
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
