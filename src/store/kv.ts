/**
 * Rows of a primary-key table as the LSM handles them: the table's columns (all of them, or the ones
 * a read needs, in a fixed order) plus, per row, a sequence number (the order versions of one key were
 * written in) and a value kind (+I, -U, +U, -D; the bytes data files store in _VALUE_KIND).
 */
import type { Column } from '../types/batch.ts';
import { ColumnBuilder } from '../types/batch.ts';
import type { Physical } from '../types/data-type.ts';

export interface KvBatch {
  readonly columns: readonly Column[];
  readonly kinds: Uint8Array;
  readonly seq: Float64Array;
  readonly length: number;
}

export function isAdd(kind: number): boolean {
  return kind === 0 || kind === 2;
}

/** Appends rows (copies of input rows, or rows a merge function made) into a new KvBatch. */
export class KvBuilder {
  private readonly builders: ColumnBuilder[];
  private kinds: Uint8Array;
  private seq: Float64Array;
  private n = 0;

  readonly phys: readonly Physical[];

  constructor(phys: readonly Physical[], capacity = 1024) {
    this.phys = phys;
    this.builders = phys.map((p) => new ColumnBuilder(p, capacity));
    this.kinds = new Uint8Array(capacity);
    this.seq = new Float64Array(capacity);
  }

  get length(): number {
    return this.n;
  }

  private ensure(): void {
    if (this.n < this.kinds.length) return;
    const k = new Uint8Array(this.kinds.length * 2);
    k.set(this.kinds);
    this.kinds = k;
    const s = new Float64Array(this.seq.length * 2);
    s.set(this.seq);
    this.seq = s;
  }

  /** Copies row `row` of `from`, with a kind and sequence number. */
  copy(from: KvBatch, row: number, kind: number, seq: number): void {
    this.ensure();
    const cols = from.columns;
    for (let c = 0; c < this.builders.length; c++) this.builders[c]!.appendFrom(cols[c]!, row);
    this.kinds[this.n] = kind;
    this.seq[this.n] = seq;
    this.n++;
  }

  /** Appends a row of internal values (null for NULL). */
  append(values: readonly unknown[], kind: number, seq: number): void {
    this.ensure();
    for (let c = 0; c < this.builders.length; c++) this.builders[c]!.append(values[c]);
    this.kinds[this.n] = kind;
    this.seq[this.n] = seq;
    this.n++;
  }

  build(): KvBatch {
    const out: KvBatch = { columns: this.builders.map((b) => b.build()), kinds: this.kinds.slice(0, this.n), seq: this.seq.slice(0, this.n), length: this.n };
    return out;
  }
}

/** The internal value at a row (null for NULL; booleans as 0/1). */
export function cell(col: Column, row: number): unknown {
  return col.nulls !== null && col.nulls[row] === 1 ? null : (col.values as ArrayLike<unknown>)[row];
}
