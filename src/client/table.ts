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

/** The table as text, one line per row plus borders and header, ending with a newline. */
export function renderTable(columns: readonly TableColumn[], rows: ReadonlyArray<ReadonlyArray<string | null>>, maxColumnWidth: number): string {
  const max = Math.max(1, Math.floor(maxColumnWidth));
  const header = columns.map((c) => fitCell(c.header, max));
  const body = rows.map((r) => columns.map((_, i) => fitCell(r[i] ?? NULL_TEXT, max)));
  const widths = header.map((h) => displayWidth(h));
  for (const r of body) {
    for (let i = 0; i < r.length; i++) widths[i] = Math.max(widths[i]!, displayWidth(r[i]!));
  }
  const border = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => pad(c, widths[i]!, columns[i]!.align)).join(' | ') + ' |';
  const out = [border, line(header), border];
  for (const r of body) out.push(line(r));
  out.push(border);
  return out.join('\n') + '\n';
}
