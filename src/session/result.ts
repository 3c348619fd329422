/** What executing a statement returns: rows, a text (EXPLAIN, SHOW CREATE), or an acknowledgement. */
import type { DataType } from '../types/data-type.ts';
import { comparatorFor, groupKeyOf } from '../types/value.ts';

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
  /**
   * The query's ORDER BY (without LIMIT): a changelog has no order, so this only says how to show the
   * rows the changes add up to.
   */
  orderBy?: Array<{ index: number; desc: boolean; nullsFirst: boolean }>;
}

export type StatementResult = RowsResult | TextResult | OkResult | StreamResult;

/**
 * The table a changelog adds up to: +I and +U add a row, -U and -D remove one equal row (a retraction of
 * a row that is not there is ignored). Rows keep the order they were added in.
 */
export class ChangelogTable {
  private readonly rows = new Map<string, unknown[][]>();
  private readonly order: Array<{ key: string; row: unknown[] } | undefined> = [];
  private readonly slots = new Map<unknown[], number>();

  apply(change: ChangeBatch): void {
    for (let i = 0; i < change.rows.length; i++) {
      const row = change.rows[i]!;
      const key = groupKeyOf(row);
      const kind = change.kinds[i]!;
      if (kind === 0 || kind === 2) {
        let list = this.rows.get(key);
        if (!list) {
          list = [];
          this.rows.set(key, list);
        }
        list.push(row);
        this.slots.set(row, this.order.length);
        this.order.push({ key, row });
        continue;
      }
      const list = this.rows.get(key);
      if (!list || list.length === 0) continue;
      const gone = list.pop()!;
      if (list.length === 0) this.rows.delete(key);
      this.order[this.slots.get(gone)!] = undefined;
      this.slots.delete(gone);
    }
  }

  /** The rows, in the order they were added. */
  toRows(): unknown[][] {
    const out: unknown[][] = [];
    for (const e of this.order) if (e) out.push(e.row);
    return out;
  }
}

/** Rows in the order of a query's ORDER BY (stable: rows equal on the keys keep their order). */
export function sortByOrder(rows: unknown[][], types: readonly DataType[], orderBy: StreamResult['orderBy']): unknown[][] {
  if (!orderBy || orderBy.length === 0) return rows;
  const keys = orderBy.map((k) => ({ ...k, cmp: comparatorFor(types[k.index]!) }));
  return rows.map((row, i) => ({ row, i })).sort((a, b) => {
    for (const k of keys) {
      const x = a.row[k.index];
      const y = b.row[k.index];
      const xn = x === null || x === undefined;
      const yn = y === null || y === undefined;
      if (xn || yn) {
        if (xn === yn) continue;
        return xn === k.nullsFirst ? -1 : 1;
      }
      const c = k.cmp(x, y);
      if (c !== 0) return k.desc ? -c : c;
    }
    return a.i - b.i;
  }).map((e) => e.row);
}

/** Reads a streaming result to its end and returns the rows its changes add up to (bounded inputs). */
export async function collectStream(result: StreamResult): Promise<unknown[][]> {
  const table = new ChangelogTable();
  for await (const change of result.changes) table.apply(change);
  return table.toRows();
}

/** The rows of a query result, whichever runtime produced it (a streaming result is read to its end). */
export async function resultRows(result: StatementResult): Promise<unknown[][]> {
  if (result.kind === 'rows') return result.rows;
  if (result.kind === 'stream') return collectStream(result);
  throw new Error(`the statement returned no rows (${result.kind})`);
}

export function ok(command: string, message: string, extra: Partial<OkResult> = {}): OkResult {
  return { kind: 'ok', command, message, warnings: [], ...extra };
}
