/**
 * Columnar batches: the unit operators exchange.
 *
 * A batch holds `length` rows as one Column per field. A Column is a typed array (or plain array for
 * object-like and wide-integer values; see `Physical` in data-type.ts) plus an optional null mask
 * (1 = NULL; `null` when the column has no NULLs). For changelog streams, `kinds` holds each row's kind
 * (0 +I, 1 -U, 2 +U, 3 -D — the bytes the table store writes); `null` means every row is +I.
 */
import type { DataType, Physical } from './data-type.ts';
import { physicalOf } from './data-type.ts';
import { normalize } from './int64.ts';

export type ColumnValues = Uint8Array | Int32Array | Float64Array | unknown[];

export interface Column {
  readonly values: ColumnValues;
  readonly nulls: Uint8Array | null;
}

export interface Field {
  readonly name: string;
  readonly type: DataType;
}

export interface Batch {
  readonly columns: readonly Column[];
  readonly length: number;
  readonly kinds: Uint8Array | null;
}

export const RowKind = { INSERT: 0, UPDATE_BEFORE: 1, UPDATE_AFTER: 2, DELETE: 3 } as const;
export type RowKindValue = 0 | 1 | 2 | 3;
export const ROW_KIND_NAMES = ['+I', '-U', '+U', '-D'] as const;

/** Rows per batch produced by sources and buffering operators. */
export const BATCH_SIZE = 4096;

export function isRetraction(kind: number): boolean {
  return kind === RowKind.UPDATE_BEFORE || kind === RowKind.DELETE;
}

export function emptyBatch(types: readonly DataType[]): Batch {
  return { columns: types.map((t) => emptyColumn(physicalOf(t))), length: 0, kinds: null };
}

export function emptyColumn(phys: Physical): Column {
  switch (phys) {
    case 'bool': return { values: new Uint8Array(0), nulls: null };
    case 'i32': return { values: new Int32Array(0), nulls: null };
    case 'f64': case 'i64': return { values: new Float64Array(0), nulls: null };
    default: return { values: [], nulls: null };
  }
}

export function isNullAt(col: Column, i: number): boolean {
  return col.nulls !== null && col.nulls[i] === 1;
}

/** The JS value at row i (booleans as true/false), or null. */
export function valueAt(col: Column, phys: Physical, i: number): unknown {
  if (col.nulls !== null && col.nulls[i] === 1) return null;
  const v = (col.values as ArrayLike<unknown>)[i];
  return phys === 'bool' ? v === 1 : v;
}

/** Appends values one at a time; grows typed arrays by doubling. */
export class ColumnBuilder {
  readonly phys: Physical;
  private values: ColumnValues;
  private nulls: Uint8Array | null = null;
  private n = 0;

  constructor(phys: Physical, capacity = 64) {
    this.phys = phys;
    const cap = Math.max(capacity, 4);
    this.values = phys === 'bool' ? new Uint8Array(cap) : phys === 'i32' ? new Int32Array(cap)
      : phys === 'f64' || phys === 'i64' ? new Float64Array(cap) : [];
  }

  get length(): number {
    return this.n;
  }

  private grow(): void {
    const v = this.values;
    if (Array.isArray(v)) return;
    if (this.n < v.length) return;
    const cap = v.length * 2;
    const next = v instanceof Uint8Array ? new Uint8Array(cap) : v instanceof Int32Array ? new Int32Array(cap) : new Float64Array(cap);
    next.set(v as never);
    this.values = next;
  }

  private markNull(i: number): void {
    if (this.nulls === null) this.nulls = new Uint8Array(Math.max(64, this.n * 2));
    if (i >= this.nulls.length) {
      const next = new Uint8Array(Math.max(this.nulls.length * 2, i + 1));
      next.set(this.nulls);
      this.nulls = next;
    }
    this.nulls[i] = 1;
  }

  append(v: unknown): void {
    if (v === null || v === undefined) {
      this.appendNull();
      return;
    }
    this.grow();
    const i = this.n++;
    switch (this.phys) {
      case 'bool': (this.values as Uint8Array)[i] = v === true || v === 1 ? 1 : 0; break;
      case 'i32': (this.values as Int32Array)[i] = v as number; break;
      case 'f64': (this.values as Float64Array)[i] = v as number; break;
      case 'i64': {
        // one representation per value (int64.ts): a bigint in the safe range is stored as a number, so
        // hashing, Map keys and equality agree with columns read from files or computed
        const x = typeof v === 'bigint' ? normalize(v) : v;
        if (typeof x === 'bigint' && !Array.isArray(this.values)) this.values = Array.from(this.values.subarray(0, i));
        (this.values as unknown[])[i] = x;
        break;
      }
      default: (this.values as unknown[])[i] = v;
    }
  }

  appendNull(): void {
    this.grow();
    const i = this.n++;
    if (Array.isArray(this.values)) this.values[i] = this.phys === 'i64' ? 0 : null;
    this.markNull(i);
  }

  /** Copies row i of `col` (same physical type). */
  appendFrom(col: Column, i: number): void {
    if (col.nulls !== null && col.nulls[i] === 1) this.appendNull();
    else if (this.phys === 'bool') this.append((col.values as Uint8Array)[i] === 1);
    else this.append((col.values as ArrayLike<unknown>)[i]);
  }

  build(): Column {
    const n = this.n;
    let values: ColumnValues;
    if (Array.isArray(this.values)) {
      values = this.values.length === n ? this.values : this.values.slice(0, n);
    } else {
      values = this.values.length === n ? this.values : (this.values as Float64Array).slice(0, n);
    }
    let nulls: Uint8Array | null = null;
    if (this.nulls !== null) {
      nulls = this.nulls.length >= n ? this.nulls.slice(0, n) : (() => { const x = new Uint8Array(n); x.set(this.nulls!); return x; })();
    }
    return { values, nulls };
  }
}

/** Builds a column from JS values (null for NULL; booleans as true/false). */
export function columnFromValues(type: DataType, values: readonly unknown[]): Column {
  const b = new ColumnBuilder(physicalOf(type), values.length);
  for (const v of values) b.append(v);
  return b.build();
}

/** Builds a batch from rows of JS values. */
export function batchFromRows(types: readonly DataType[], rows: readonly (readonly unknown[])[], kinds?: Uint8Array): Batch {
  const builders = types.map((t) => new ColumnBuilder(physicalOf(t), rows.length));
  for (const row of rows) {
    for (let c = 0; c < types.length; c++) builders[c]!.append(row[c]);
  }
  return { columns: builders.map((b) => b.build()), length: rows.length, kinds: kinds ?? null };
}

/** Reads a batch back as rows of JS values. */
export function batchToRows(batch: Batch, types: readonly DataType[]): unknown[][] {
  const phys = types.map(physicalOf);
  const rows: unknown[][] = new Array(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const row = new Array(types.length);
    for (let c = 0; c < types.length; c++) row[c] = valueAt(batch.columns[c]!, phys[c]!, i);
    rows[i] = row;
  }
  return rows;
}

/** The rows at `indices` (in that order) of a column. */
export function gatherColumn(col: Column, phys: Physical, indices: ArrayLike<number>, n = indices.length): Column {
  const src = col.values;
  let values: ColumnValues;
  if (Array.isArray(src)) {
    const out = new Array(n);
    for (let j = 0; j < n; j++) out[j] = src[indices[j]!];
    values = phys === 'i64' ? compactInt64(out) : out;
  } else {
    const out = src instanceof Uint8Array ? new Uint8Array(n) : src instanceof Int32Array ? new Int32Array(n) : new Float64Array(n);
    for (let j = 0; j < n; j++) out[j] = src[indices[j]!]!;
    values = out;
  }
  let nulls: Uint8Array | null = null;
  if (col.nulls !== null) {
    const cn = col.nulls;
    let any = 0;
    const out = new Uint8Array(n);
    for (let j = 0; j < n; j++) any |= out[j] = cn[indices[j]!]!;
    nulls = any ? out : null;
  }
  return { values, nulls };
}

/**
 * Like gatherColumn, but an index of -1 produces NULL (for the unmatched side of outer joins).
 */
export function gatherColumnOrNull(col: Column, phys: Physical, indices: ArrayLike<number>, n = indices.length): Column {
  const src = col.values;
  const nulls = new Uint8Array(n);
  let any = 0;
  const cn = col.nulls;
  let values: ColumnValues;
  if (Array.isArray(src)) {
    const out = new Array(n);
    for (let j = 0; j < n; j++) {
      const k = indices[j]!;
      if (k < 0 || (cn !== null && cn[k] === 1)) { out[j] = phys === 'i64' ? 0 : null; nulls[j] = 1; any = 1; } else out[j] = src[k];
    }
    values = phys === 'i64' ? compactInt64(out) : out;
  } else {
    const out = src instanceof Uint8Array ? new Uint8Array(n) : src instanceof Int32Array ? new Int32Array(n) : new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const k = indices[j]!;
      if (k < 0 || (cn !== null && cn[k] === 1)) { nulls[j] = 1; any = 1; } else out[j] = src[k]!;
    }
    values = out;
  }
  return { values, nulls: any ? nulls : null };
}

/** An all-NULL column of n rows. */
export function nullColumn(phys: Physical, n: number): Column {
  const nulls = new Uint8Array(n).fill(1);
  switch (phys) {
    case 'bool': return { values: new Uint8Array(n), nulls };
    case 'i32': return { values: new Int32Array(n), nulls };
    case 'f64': case 'i64': return { values: new Float64Array(n), nulls };
    default: return { values: new Array(n).fill(null), nulls };
  }
}

/** A column repeating one value n times. */
export function constantColumn(type: DataType, value: unknown, n: number): Column {
  const phys = physicalOf(type);
  if (value === null || value === undefined) return nullColumn(phys, n);
  switch (phys) {
    case 'bool': return { values: new Uint8Array(n).fill(value ? 1 : 0), nulls: null };
    case 'i32': return { values: new Int32Array(n).fill(value as number), nulls: null };
    case 'f64': return { values: new Float64Array(n).fill(value as number), nulls: null };
    case 'i64': {
      const x = typeof value === 'bigint' ? normalize(value) : value;
      return typeof x === 'bigint' ? { values: new Array(n).fill(x), nulls: null } : { values: new Float64Array(n).fill(x as number), nulls: null };
    }
    default: return { values: new Array(n).fill(value), nulls: null };
  }
}

/** A wide-integer column goes back to a Float64Array when all its values are numbers. */
export function compactInt64(values: unknown[]): ColumnValues {
  for (let i = 0; i < values.length; i++) if (typeof values[i] === 'bigint') return values;
  return Float64Array.from(values as number[]);
}

export function sliceColumn(col: Column, start: number, end: number): Column {
  const v = col.values;
  const values = Array.isArray(v) ? v.slice(start, end) : (v as Float64Array).subarray(start, end);
  return { values, nulls: col.nulls === null ? null : col.nulls.subarray(start, end) };
}

export function sliceBatch(batch: Batch, start: number, end: number): Batch {
  if (start === 0 && end >= batch.length) return batch;
  return {
    columns: batch.columns.map((c) => sliceColumn(c, start, end)),
    length: Math.max(0, Math.min(end, batch.length) - start),
    kinds: batch.kinds === null ? null : batch.kinds.subarray(start, end),
  };
}

/** Concatenates columns of the same physical type. */
export function concatColumns(cols: readonly Column[], phys: Physical): Column {
  if (cols.length === 1) return cols[0]!;
  let n = 0;
  let anyNull = false;
  let anyArray = false;
  for (const c of cols) {
    n += (c.values as ArrayLike<unknown>).length;
    if (c.nulls !== null) anyNull = true;
    if (Array.isArray(c.values)) anyArray = true;
  }
  let values: ColumnValues;
  if (phys === 'obj' || (phys === 'i64' && anyArray)) {
    const out: unknown[] = new Array(n);
    let o = 0;
    for (const c of cols) {
      const v = c.values as ArrayLike<unknown>;
      for (let i = 0; i < v.length; i++) out[o++] = v[i];
    }
    values = out;
  } else {
    const out = phys === 'bool' ? new Uint8Array(n) : phys === 'i32' ? new Int32Array(n) : new Float64Array(n);
    let o = 0;
    for (const c of cols) {
      out.set(c.values as never, o);
      o += (c.values as ArrayLike<unknown>).length;
    }
    values = out;
  }
  let nulls: Uint8Array | null = null;
  if (anyNull) {
    nulls = new Uint8Array(n);
    let o = 0;
    for (const c of cols) {
      const len = (c.values as ArrayLike<unknown>).length;
      if (c.nulls !== null) nulls.set(c.nulls.subarray(0, len), o);
      o += len;
    }
  }
  return { values, nulls };
}

export function concatBatches(batches: readonly Batch[], types: readonly DataType[]): Batch {
  if (batches.length === 1) return batches[0]!;
  if (batches.length === 0) return emptyBatch(types);
  const phys = types.map(physicalOf);
  const columns = phys.map((p, c) => concatColumns(batches.map((b) => b.columns[c]!), p));
  const length = batches.reduce((s, b) => s + b.length, 0);
  let kinds: Uint8Array | null = null;
  if (batches.some((b) => b.kinds !== null)) {
    kinds = new Uint8Array(length);
    let o = 0;
    for (const b of batches) {
      if (b.kinds !== null) kinds.set(b.kinds.subarray(0, b.length), o);
      o += b.length;
    }
  }
  return { columns, length, kinds };
}

/** Keeps only the rows at `indices`. */
export function gatherBatch(batch: Batch, types: readonly DataType[], indices: ArrayLike<number>, n = indices.length): Batch {
  const phys = types.map(physicalOf);
  const columns = batch.columns.map((c, i) => gatherColumn(c, phys[i]!, indices, n));
  let kinds: Uint8Array | null = null;
  if (batch.kinds !== null) {
    kinds = new Uint8Array(n);
    for (let j = 0; j < n; j++) kinds[j] = batch.kinds[indices[j]!]!;
  }
  return { columns, length: n, kinds };
}
