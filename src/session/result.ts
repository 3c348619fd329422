/** What executing a statement returns: rows, a text (EXPLAIN, SHOW CREATE), or an acknowledgement. */
import type { DataType } from '../types/data-type.ts';

export interface ResultColumn {
  name: string;
  type: DataType;
}

interface Common {
  /** Command tag, as Postgres clients expect it: SELECT, INSERT, CREATE TABLE, SET, ... */
  command: string;
  /** Things the user should know that are not errors (skipped bad records, unknown options). */
  warnings: string[];
}

export interface RowsResult extends Common {
  kind: 'rows';
  columns: ResultColumn[];
  rows: unknown[][];
}

export interface TextResult extends Common {
  kind: 'text';
  text: string;
}

export interface OkResult extends Common {
  kind: 'ok';
  message: string;
  /** Rows written by INSERT. */
  rowCount?: number;
  /** The background job an INSERT started (streaming mode without table.dml-sync). */
  jobId?: string;
}

/** Rows that changed, with their kinds: 0 +I (insert), 1 -U (update before), 2 +U (update after), 3 -D (delete). */
export interface ChangeBatch {
  kinds: Uint8Array;
  /** Internal values, like RowsResult.rows. */
  rows: unknown[][];
}

/**
 * A query in streaming mode: its result is a changelog that grows while the query runs. A query over
 * bounded inputs ends by itself; over unbounded ones it runs until cancelled.
 */
export interface StreamResult extends Common {
  kind: 'stream';
  columns: ResultColumn[];
  /**
   * Changes in the order they happen. Iterate once; the query advances as you consume (a consumer that
   * stops pulling holds the query back rather than buffering without bound). Ends when the query
   * finishes or is cancelled; a failure of the query is thrown by the iterator.
   */
  changes: AsyncIterable<ChangeBatch>;
  /** Stops the query; the iterator then ends. */
  cancel(): void;
  /** Which changes the stream can contain: only +I (append-only), or updates too. */
  changelog: 'append' | 'updates';
  /** Columns that identify a row when the stream has a unique key (updates replace by key). */
  uniqueKey?: number[];
}

export type StatementResult = RowsResult | TextResult | OkResult | StreamResult;

/**
 * Applies a changelog to a list of rows (the final table a bounded streaming query produces). Rows are
 * compared by value; -U and -D remove one equal row, +I and +U add one.
 */
export function applyChanges(table: unknown[][], change: ChangeBatch, key: (row: unknown[]) => string): void {
  for (let i = 0; i < change.rows.length; i++) {
    const row = change.rows[i]!;
    const kind = change.kinds[i]!;
    if (kind === 0 || kind === 2) table.push(row);
    else {
      const k = key(row);
      const at = table.findIndex((r) => key(r) === k);
      if (at >= 0) table.splice(at, 1);
    }
  }
}

export function ok(command: string, message: string, extra: Partial<OkResult> = {}): OkResult {
  return { kind: 'ok', command, message, warnings: [], ...extra };
}
