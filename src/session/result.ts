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
}

export type StatementResult = RowsResult | TextResult | OkResult;

export function ok(command: string, message: string, extra: Partial<OkResult> = {}): OkResult {
  return { kind: 'ok', command, message, warnings: [], ...extra };
}
