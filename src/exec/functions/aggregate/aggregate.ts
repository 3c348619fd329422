/**
 * Aggregate functions. An aggregate is resolved once (argument and result types) and then creates
 * `Accumulators`: columnar state for all groups of one operator, indexed by a dense group id.
 *
 * `add` and `retract` take a batch's argument columns plus parallel arrays of (row, group) pairs, so the
 * per-row loop lives inside each accumulator and stays monomorphic. Retraction (streaming updates and
 * deletes) is part of the contract from the start: every aggregate can take rows back.
 */
import type { Column } from '../../../types/batch.ts';
import type { DataType } from '../../../types/data-type.ts';

export interface AccumulatorSpec {
  argTypes: DataType[];
  resultType: DataType;
  constArgs: unknown[];
  ignoreNulls: boolean;
  /**
   * The accumulators will see retractions (sliding OVER frames, streaming updates): keep from the first
   * row whatever taking rows back needs. Without it, `retract` is never called.
   */
  retractable: boolean;
}

export interface Accumulators {
  /** Makes room for group ids below `n`. */
  grow(n: number): void;
  /** Accumulates rows[k] of `args` into groups[k], for k < count. */
  add(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void;
  /** Takes rows back (the inverse of add). */
  retract(args: readonly Column[], rows: Int32Array, groups: Int32Array, count: number): void;
  /** The current result of group g (null for SQL NULL). */
  result(g: number): unknown;
  /** Forgets group g (its id may be reused). */
  reset(g: number): void;
  /**
   * Renumbers the groups after the owner compacted its key space: group g becomes remap[g] (-1: gone,
   * already reset), `n` groups are left (see state/compaction.ts). Accumulators without it keep their
   * owner from compacting.
   */
  compact?(remap: Int32Array, n: number): void;
}

export interface AggregateFunction {
  name: string;
  aliases?: string[];
  syntax: string;
  /** Result type and argument types (casts the binder inserts), or an error message. */
  resolve(argTypes: DataType[], constArgs: unknown[]): { type: DataType; argTypes?: DataType[] } | string;
  create(spec: AccumulatorSpec): Accumulators;
  /** The result over no rows is not NULL (COUNT gives 0). Needed when decorrelating subqueries. */
  emptyValue?: unknown;
}

export { growF64, growU8, growI32 } from '../../../util/grow.ts';
export { remapTyped, remapArray } from '../../../state/compaction.ts';

export function isNull(col: Column, i: number): boolean {
  return col.nulls !== null && col.nulls[i] === 1;
}
