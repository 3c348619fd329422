/**
 * Vocabulary shared by logical plans and the operators that execute them: sort keys, aggregate calls,
 * window function calls and frames.
 */
import type { DataType } from '../types/data-type.ts';

export interface SortKey {
  index: number;
  desc: boolean;
  nullsFirst: boolean;
}

export interface AggCall {
  /** Canonical aggregate name from the aggregate registry (count, sum, avg, min, ...). */
  fn: string;
  /** Input columns (the binder projects argument expressions below the aggregate). */
  args: number[];
  /** Constant arguments after the column ones (LISTAGG's separator). */
  constArgs: unknown[];
  distinct: boolean;
  /** Input column holding the FILTER (WHERE ..) condition, or null. */
  filter: number | null;
  /** ORDER BY inside the call (ARRAY_AGG(x ORDER BY y), LISTAGG .. WITHIN GROUP). */
  orderBy: SortKey[];
  ignoreNulls: boolean;
  type: DataType;
  name: string;
}

export type FrameBound =
  | { kind: 'unboundedPreceding' }
  | { kind: 'unboundedFollowing' }
  | { kind: 'currentRow' }
  /** ROWS: a row count; RANGE: a distance in the order key's unit (milliseconds for time). Negative = preceding. */
  | { kind: 'offset'; offset: number };

export interface Frame {
  units: 'rows' | 'range';
  start: FrameBound;
  end: FrameBound;
}

export interface WindowCall {
  fn: string;
  args: number[];
  constArgs: unknown[];
  partitionBy: number[];
  orderBy: SortKey[];
  frame: Frame;
  distinct: boolean;
  filter: number | null;
  ignoreNulls: boolean;
  type: DataType;
  name: string;
}

