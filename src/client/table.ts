/**
 * Draws already formatted cells as a bordered table in the style of Flink's tableau result mode:
 *
 *   +----------+---+
 *   | customer | n |
 *   +----------+---+
 *   | ann      | 2 |
 *   +----------+---+
 *
 * Widths are measured in terminal columns (see display-width.ts), so rows stay aligned with wide
 * characters, and no column grows beyond a maximum: longer values are cut and end with "...".
 */
import { cutToWidth, displayWidth, escapeControls } from './display-width.ts';

export type Align = 'left' | 'right';

export interface TableColumn {
  header: string;
  align: Align;
}

export const NULL_TEXT = '<NULL>';
const ELLIPSIS = '...';

/** `text` made to take at most `max` columns, ending with "..." when it had to be cut. */
export function fitCell(text: string, max: number): string {
  const clean = escapeControls(text);
  if (displayWidth(clean) <= max) return clean;
  // Too narrow for the ellipsis to leave anything of the value: cut plainly.
  if (max <= ELLIPSIS.length) return cutToWidth(clean, max);
  return cutToWidth(clean, max - ELLIPSIS.length) + ELLIPSIS;
}

function pad(text: string, width: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

/**
 * A table whose column widths are fixed before the rows are known, for rows printed as they arrive:
 * each value is cut to its column's width (ending with "...") rather than widening the column.
 */
export interface FixedTable {
  /** "+-----+---+" */
  border: string;
  /** "| a   | b |": the column headers. */
  header: string;
  /** One row of cells (null is shown as <NULL>). */
  row(cells: ReadonlyArray<string | null>): string;
}

export function fixedTable(columns: readonly TableColumn[], widths: readonly number[]): FixedTable {
  const line = (cells: ReadonlyArray<string | null>): string =>
    '| ' + columns.map((c, i) => pad(fitCell(cells[i] ?? NULL_TEXT, widths[i]!), widths[i]!, c.align)).join(' | ') + ' |';
  return {
    border: '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+',
    header: line(columns.map((c) => c.header)),
    row: line,
  };
}

/** The table as text, one line per row plus borders and header, ending with a newline. */
export function renderTable(columns: readonly TableColumn[], rows: ReadonlyArray<ReadonlyArray<string | null>>, maxColumnWidth: number): string {
  const max = Math.max(1, Math.floor(maxColumnWidth));
  const widths = columns.map((c) => displayWidth(fitCell(c.header, max)));
  for (const r of rows) {
    for (let i = 0; i < columns.length; i++) widths[i] = Math.max(widths[i]!, displayWidth(fitCell(r[i] ?? NULL_TEXT, max)));
  }
  const table = fixedTable(columns, widths);
  const out = [table.border, table.header, table.border];
  for (const r of rows) out.push(table.row(r));
  out.push(table.border);
  return out.join('\n') + '\n';
}
