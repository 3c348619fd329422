/**
 * Vocabulary shared by logical plans and the operators that execute them: sort keys, aggregate calls,
 * window function calls and frames.
 */
import type { DataType } from '../types/data-type.ts';

import type { SortKey } from '../types/sort/sort-key.ts';

export type { SortKey };

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


/**
 * A window table function (TUMBLE, HOP, CUMULATE, SESSION): how rows are assigned to windows by the
 * time column. Durations are milliseconds. Windows are aligned to the epoch (plus `offset`), in UTC.
 */
export interface TvfWindow {
  kind: 'tumble' | 'hop' | 'cumulate' | 'session';
  /** Input column with the time attribute (or any timestamp, in batch mode). */
  timeColumn: number;
  /** TUMBLE/HOP/CUMULATE: window size (CUMULATE: the largest window); SESSION: the gap. */
  size: number;
  /** HOP: slide; CUMULATE: step. */
  slide: number;
  offset: number;
  /** SESSION: columns a session is kept per (PARTITION BY). */
  partitionKeys: number[];
}
