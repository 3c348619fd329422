/**
 * Turns a statement's result into what the client prints: query rows as a table (formatted from their
 * internal representation with the session time zone), EXPLAIN and SHOW CREATE text as-is,
 * acknowledgements as [INFO] lines, warnings as [WARNING] lines. The session options that shape the
 * output (result mode, column width, row limit) are read for every result, so a SET takes effect on the
 * next statement.
 */
import type { RowsResult, StatementResult } from '../session/result.ts';
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

function alignOf(type: DataType): 'left' | 'right' {
  return isNumeric(type) || isInterval(type) ? 'right' : 'left';
}

/** "2 rows in set (0.01 seconds)", or "Empty set (...)". */
export function rowCountLine(rows: number, elapsedMs: number | undefined): string {
  const time = elapsedMs === undefined ? '' : ` (${(elapsedMs / 1000).toFixed(2)} seconds)`;
  if (rows === 0) return `Empty set${time}`;
  return `${rows} row${rows === 1 ? '' : 's'} in set${time}`;
}

export function renderRows(result: RowsResult, opts: RenderOptions, elapsedMs?: number): string {
  if (result.rows.length === 0) return rowCountLine(0, elapsedMs) + '\n';
  // Batch results are final, so every row is an insertion; the changelog view says so explicitly.
  const withOp = opts.resultMode === 'changelog' && result.command === 'SELECT';
  const columns: TableColumn[] = result.columns.map((c) => ({ header: c.name, align: alignOf(c.type) }));
  if (withOp) columns.unshift({ header: 'op', align: 'left' });
  const shown = result.rows.length > opts.maxRows ? result.rows.slice(0, opts.maxRows) : result.rows;
  const cells = shown.map((row) => {
    const texts = result.columns.map((c, i): string | null => {
      const v = row[i];
      return v === null || v === undefined ? null : formatValue(c.type, v, { timeZone: opts.timeZone });
    });
    if (withOp) texts.unshift('+I');
    return texts;
  });
  let out = renderTable(columns, cells, opts.maxColumnWidth);
  out += rowCountLine(result.rows.length, elapsedMs) + '\n';
  if (shown.length < result.rows.length) {
    out += `[WARNING] only the first ${shown.length} rows are shown; raise 'sql-client.execution.max-table-result.rows' to see more\n`;
  }
  return out;
}

/** Everything printed for a successful statement, warnings last. */
export function renderResult(result: StatementResult, opts: RenderOptions, elapsedMs?: number): string {
  let out: string;
  switch (result.kind) {
    case 'rows': out = renderRows(result, opts, elapsedMs); break;
    case 'text': out = result.text.endsWith('\n') ? result.text : result.text + '\n'; break;
    case 'ok': out = `[INFO] ${result.message}\n`; break;
  }
  for (const w of result.warnings) out += `[WARNING] ${w}\n`;
  return out;
}
