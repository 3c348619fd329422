/**
 * Builds output batches of changes row by row: a row kind plus one value per column, appended to
 * column builders. Stateful operators emit far fewer rows than they read, so this is not the hot path.
 */
import type { Batch, Column } from '../../types/batch.ts';
import { ColumnBuilder, BATCH_SIZE } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { physicalOf } from '../../types/data-type.ts';
import type { Emitter } from '../operator.ts';

export class ChangeBuilder {
  private readonly types: readonly DataType[];
  private builders: ColumnBuilder[];
  private kinds: number[] = [];
  private allInserts = true;

  constructor(types: readonly DataType[]) {
    this.types = types;
    this.builders = types.map((t) => new ColumnBuilder(physicalOf(t)));
  }

  get length(): number {
    return this.kinds.length;
  }

  /** Starts a row of the given kind; then every column gets exactly one value. */
  kind(k: number): void {
    this.kinds.push(k);
    if (k !== 0) this.allInserts = false;
  }

  value(c: number, v: unknown): void {
    this.builders[c]!.append(v);
  }

  from(c: number, col: Column, i: number): void {
    this.builders[c]!.appendFrom(col, i);
  }

  /** The rows built so far as a batch (null when empty); the builder starts over. */
  take(): Batch | null {
    const n = this.kinds.length;
    if (n === 0) return null;
    const columns = this.builders.map((b) => b.build());
    const kinds = this.allInserts ? null : Uint8Array.from(this.kinds);
    this.builders = this.types.map((t) => new ColumnBuilder(physicalOf(t)));
    this.kinds = [];
    this.allInserts = true;
    return { columns, length: n, kinds };
  }

  /** Emits what was built once it reaches a full batch (or always, with force). */
  flushTo(out: Emitter, force = true): void {
    if (!force && this.kinds.length < BATCH_SIZE) return;
    const b = this.take();
    if (b) out.emit(b);
  }
}

/** Equality of two result values as the changelog sees it: an update that changes nothing is not emitted. */
export function sameResult(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a === 'number' && typeof b === 'number') return a !== a && b !== b;
  if (typeof a === 'bigint' || typeof b === 'bigint') return typeof a !== 'object' && typeof b !== 'object' && BigInt(a as number) === BigInt(b as number);
  if (typeof a === 'object' && typeof b === 'object') return JSON.stringify(a, big) === JSON.stringify(b, big);
  return false;
}

function big(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString() + 'n';
  if (v instanceof Uint8Array) return Array.from(v);
  if (v instanceof Map) return [...v.entries()];
  return v;
}
