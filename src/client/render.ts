/**
 * Turns a statement's result into what the client prints: query rows as a table (formatted from their
 * internal representation with the session time zone), EXPLAIN and SHOW CREATE text as-is,
 * acknowledgements as [INFO] lines, warnings as [WARNING] lines. The session options that shape the
 * output (result mode, column width, row limit) are read for every result, so a SET takes effect on the
 * next statement.
 */
import type { OkResult, ResultColumn, RowsResult, StatementResult, StreamResult } from '../session/result.ts';
import type { DataType } from '../types/data-type.ts';
import { isNumeric, isInterval } from '../types/data-type.ts';
import { formatValue } from '../types/value.ts';
import { renderTable, type TableColumn } from './table.ts';

export type ResultMode = 'table' | 'tableau' | 'changelog';

export interface RenderOptions {
  resultMode: ResultMode;
  maxColumnWidth: number;
  /** Most rows printed for one result; the rest are counted but not shown. */
  maxRows: number;
  timeZone: string;
}

/** The option values the renderer depends on, with safe fallbacks for values a -D could not check. */
export function renderOptionsFrom(options: { get(key: string): string; timeZone(): string }): RenderOptions {
  const mode = options.get('sql-client.execution.result-mode').toLowerCase();
  const width = Number(options.get('sql-client.display.max-column-width'));
  const rows = Number(options.get('sql-client.execution.max-table-result.rows'));
  return {
    resultMode: mode === 'changelog' || mode === 'tableau' ? mode : 'table',
    maxColumnWidth: Number.isInteger(width) && width > 0 ? width : 40,
    maxRows: Number.isInteger(rows) && rows > 0 ? rows : 10_000,
    timeZone: options.timeZone(),
  };
}

export function alignOf(type: DataType): 'left' | 'right' {
  return isNumeric(type) || isInterval(type) ? 'right' : 'left';
}

/** The text of each value of a row (internal representation), null for NULL. */
export function formatRow(columns: readonly ResultColumn[], row: readonly unknown[], timeZone: string): Array<string | null> {
  return columns.map((c, i): string | null => {
    const v = row[i];
    return v === null || v === undefined ? null : formatValue(c.type, v, { timeZone });
  });
}

/** What the client prints when a running statement was cancelled. */
export const CANCELLED_LINE = '[INFO] Statement cancelled.\n';

/** "2 rows in set (0.01 seconds)", or "Empty set (...)". */
export function rowCountLine(rows: number, elapsedMs: number | undefined): string {
  const time = elapsedMs === undefined ? '' : ` (${(elapsedMs / 1000).toFixed(2)} seconds)`;
  if (rows === 0) return `Empty set${time}`;
  return `${rows} row${rows === 1 ? '' : 's'} in set${time}`;
}

export function renderRows(result: RowsResult, opts: RenderOptions, elapsedMs?: number): string {
  // Batch results are final, so every row is an insertion; the changelog view says so explicitly.
  const withOp = opts.resultMode === 'changelog' && result.command === 'SELECT';
  const shown = result.rows.length > opts.maxRows ? result.rows.slice(0, opts.maxRows) : result.rows;
  // a savepoint's path is to be copied into SET 'execution.savepoint.path': never cut it
  const o = result.command === 'STOP JOB' ? { ...opts, maxColumnWidth: Infinity } : opts;
  return renderRowSet(result.columns, shown, result.rows.length, o, elapsedMs, withOp);
}

/**
 * Rows as a table, then the count line. `total` is the number of rows in the result, of which `shown`
 * are the first (at most sql-client.execution.max-table-result.rows); a warning says when some were
 * left out.
 */
export function renderRowSet(columns: readonly ResultColumn[], shown: readonly unknown[][], total: number, opts: RenderOptions, elapsedMs?: number, withOp = false): string {
  if (total === 0) return rowCountLine(0, elapsedMs) + '\n';
  const layout: TableColumn[] = columns.map((c) => ({ header: c.name, align: alignOf(c.type) }));
  if (withOp) layout.unshift({ header: 'op', align: 'left' });
  const cells = shown.map((row) => {
    const texts = formatRow(columns, row, opts.timeZone);
    if (withOp) texts.unshift('+I');
    return texts;
  });
  let out = renderTable(layout, cells, opts.maxColumnWidth);
  out += rowCountLine(total, elapsedMs) + '\n';
  if (shown.length < total) {
    out += `[WARNING] only the first ${shown.length} rows are shown; raise 'sql-client.execution.max-table-result.rows' to see more\n`;
  }
  return out;
}

/**
 * An acknowledgement. An INSERT that started a background job is announced as Flink's client does,
 * with the job's id (for SHOW JOBS and STOP JOB).
 */
export function renderOk(result: OkResult): string {
  if (result.jobId === undefined) return `[INFO] ${result.message}\n`;
  return '[INFO] Submitting SQL update statement to the cluster...\n'
    + '[INFO] SQL update statement has been successfully submitted to the cluster:\n'
    + `Job ID: ${result.jobId}\n`;
}

export function renderWarnings(warnings: readonly string[]): string {
  return warnings.map((w) => `[WARNING] ${w}\n`).join('');
}

/**
 * Everything printed for a successful statement, warnings last. Streaming query results are shown as
 * they arrive instead (stream-view.ts).
 */
export function renderResult(result: Exclude<StatementResult, StreamResult>, opts: RenderOptions, elapsedMs?: number): string {
  let out: string;
  switch (result.kind) {
    case 'rows': out = renderRows(result, opts, elapsedMs); break;
    case 'text': out = result.text.endsWith('\n') ? result.text : result.text + '\n'; break;
    case 'ok': out = renderOk(result); break;
  }
  return out + renderWarnings(result.warnings);
}
