/**
 * Fixed-capacity column buffers that text readers fill row by row and hand out as a Batch when full.
 * A row that turns out to be malformed halfway can be undone, so a skipped record leaves no trace.
 */
import type { Batch, Column } from '../../types/batch.ts';
import type { Physical } from '../../types/data-type.ts';

export class OutputColumn {
  readonly phys: Physical;
  private readonly capacity: number;
  values: Uint8Array | Int32Array | Float64Array | unknown[];
  nulls: Uint8Array | null = null;

  constructor(phys: Physical, capacity: number) {
    this.phys = phys;
    this.capacity = capacity;
    this.values = this.fresh();
  }

  private fresh(): Uint8Array | Int32Array | Float64Array | unknown[] {
    switch (this.phys) {
      case 'bool': return new Uint8Array(this.capacity);
      case 'i32': return new Int32Array(this.capacity);
      case 'f64': case 'i64': return new Float64Array(this.capacity);
      default: return new Array(this.capacity);
    }
  }

  setNull(i: number): void {
    if (this.nulls === null) this.nulls = new Uint8Array(this.capacity);
    this.nulls[i] = 1;
    if (Array.isArray(this.values)) this.values[i] = this.phys === 'i64' ? 0 : null;
  }

  /** A BIGINT/DECIMAL value: the column stays a Float64Array until a bigint arrives. */
  setInt64(i: number, v: number | bigint): void {
    if (typeof v === 'bigint' && !Array.isArray(this.values)) this.values = Array.from(this.values as Float64Array);
    (this.values as Float64Array)[i] = v as number;
  }

  /** Forgets row i (of a record being skipped). */
  undo(i: number): void {
    if (this.nulls !== null) this.nulls[i] = 0;
  }

  take(n: number): Column {
    const v = this.values;
    const values = Array.isArray(v) ? (v.length === n ? v : v.slice(0, n)) : v.length === n ? v : v.subarray(0, n);
    let nulls: Uint8Array | null = null;
    if (this.nulls !== null) {
      const sub = this.nulls.subarray(0, n);
      if (sub.indexOf(1) >= 0) nulls = sub;
    }
    this.values = this.fresh();
    this.nulls = null;
    return { values, nulls };
  }
}

export class BatchAssembler {
  readonly columns: OutputColumn[];
  readonly capacity: number;
  row = 0;

  constructor(phys: readonly Physical[], capacity: number) {
    this.capacity = capacity;
    this.columns = phys.map((p) => new OutputColumn(p, capacity));
  }

  get full(): boolean {
    return this.row >= this.capacity;
  }

  undoRow(): void {
    for (const c of this.columns) c.undo(this.row);
  }

  take(): Batch {
    const n = this.row;
    this.row = 0;
    return { columns: this.columns.map((c) => c.take(n)), length: n, kinds: null };
  }
}
