/**
 * Prints a streaming result change by change, as a table that grows downwards (the `changelog` and
 * `tableau` result modes): the header once, then one row per change with its kind in an `op` column,
 * then a closing border and a summary.
 *
 *   +----+----------+----+
 *   | op | customer |  n |
 *   +----+----------+----+
 *   | +I | ann      |  1 |
 *   | -U | ann      |  1 |
 *   | +U | ann      |  2 |
 *   +----+----------+----+
 *
 * Rows are printed before later ones are known, so column widths come from the column types (an INT
 * needs 11 columns at most, a DATE 10, a STRING up to sql-client.display.max-column-width) and a
 * longer value is cut. `changelog` aligns like the other tables (numbers right, the rest left) and
 * ends with a count of changes and rows; `tableau` prints as Flink's client does: every column
 * right-aligned, ending with "Received a total of N rows".
 */
import type { ChangeBatch, ResultColumn } from '../session/result.ts';
import type { DataType } from '../types/data-type.ts';
import { MAX_VARCHAR_LENGTH } from '../types/data-type.ts';
import { displayWidth } from './display-width.ts';
import { CANCELLED_LINE, alignOf, formatRow, type RenderOptions } from './render.ts';
import { NULL_TEXT, fitCell, fixedTable, type FixedTable, type TableColumn } from './table.ts';

export type ChangelogStyle = 'changelog' | 'tableau';

export type StreamEnd = 'ended' | 'cancelled' | 'failed';

export const OP_TEXT: readonly string[] = ['+I', '-U', '+U', '-D'];

/** The widest text a value of `type` can have, or undefined when it has no useful bound. */
function textWidthOf(type: DataType): number | undefined {
  const fraction = (p: number | undefined): number => (p !== undefined && p > 0 ? p + 1 : 0);
  switch (type.kind) {
    case 'NULL': return 0;
    case 'BOOLEAN': return 5;
    case 'TINYINT': return 4;
    case 'SMALLINT': return 6;
    case 'INT': return 11;
    case 'BIGINT': return 20;
    case 'FLOAT': return 15;
    case 'DOUBLE': return 24;
    // Sign, digits, point (and a leading 0 when every digit is after the point).
    case 'DECIMAL': {
      const p = type.precision ?? 10;
      const s = type.scale ?? 0;
      return 1 + Math.max(p, s + 1) + (s > 0 ? 1 : 0);
    }
    case 'CHAR': case 'VARCHAR':
      return type.length !== undefined && type.length < MAX_VARCHAR_LENGTH ? type.length : undefined;
    case 'BINARY': case 'VARBINARY':
      return type.length !== undefined && type.length < MAX_VARCHAR_LENGTH ? 2 * type.length + 3 : undefined;
    case 'DATE': return 10;
    case 'TIME': return 8 + fraction(type.precision);
    case 'TIMESTAMP': case 'TIMESTAMP_LTZ': return 19 + fraction(type.precision ?? 6);
    case 'INTERVAL_YEAR_MONTH': return 13;
    case 'INTERVAL_DAY_TIME': return 23;
    default: return undefined;
  }
}

/** How wide to print a column whose values are not known yet. */
export function columnWidthFor(column: ResultColumn, maxColumnWidth: number): number {
  const max = Math.max(1, Math.floor(maxColumnWidth));
  const text = textWidthOf(column.type) ?? max;
  const nulls = column.type.nullable ? NULL_TEXT.length : 0;
  const header = displayWidth(fitCell(column.name, max));
  return Math.min(max, Math.max(text, nulls, header, 1));
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export class ChangelogPrinter {
  private readonly columns: readonly ResultColumn[];
  private readonly style: ChangelogStyle;
  private readonly timeZone: string;
  private readonly write: (text: string) => void;
  private readonly table: FixedTable;
  private changes = 0;
  /** Rows the result has now: additions less removals. */
  private rows = 0;

  constructor(columns: readonly ResultColumn[], style: ChangelogStyle, opts: RenderOptions, write: (text: string) => void) {
    this.columns = columns;
    this.style = style;
    this.timeZone = opts.timeZone;
    this.write = write;
    const layout: TableColumn[] = [
      { header: 'op', align: style === 'tableau' ? 'right' : 'left' },
      ...columns.map((c): TableColumn => ({ header: c.name, align: style === 'tableau' ? 'right' : alignOf(c.type) })),
    ];
    this.table = fixedTable(layout, [2, ...columns.map((c) => columnWidthFor(c, opts.maxColumnWidth))]);
  }

  /** The header, printed as soon as the query runs. */
  start(): void {
    this.write(`${this.table.border}\n${this.table.header}\n${this.table.border}\n`);
  }

  print(batch: ChangeBatch): void {
    if (batch.rows.length === 0) return;
    let out = '';
    for (let i = 0; i < batch.rows.length; i++) {
      const kind = batch.kinds[i]!;
      out += this.table.row([OP_TEXT[kind] ?? '??', ...formatRow(this.columns, batch.rows[i]!, this.timeZone)]) + '\n';
      this.rows += kind === 0 || kind === 2 ? 1 : -1;
    }
    this.changes += batch.rows.length;
    this.write(out);
  }

  /** Closes the table and sums up; after a failure only closes it (the error follows). */
  finish(end: StreamEnd, elapsedMs: number): void {
    let out = this.changes > 0 ? this.table.border + '\n' : '';
    if (this.style === 'tableau') {
      if (end === 'ended') out += `Received a total of ${plural(this.changes, 'row')}\n`;
      if (end === 'cancelled') out += `Query terminated, received a total of ${plural(this.changes, 'row')}\n`;
    } else if (end !== 'failed') {
      const rows = this.rows === 0 ? 'the result is empty' : `${plural(this.rows, 'row')} in the result`;
      out += `${plural(this.changes, 'change')}, ${rows} (${(elapsedMs / 1000).toFixed(2)} seconds)\n`;
      if (end === 'cancelled') out += CANCELLED_LINE;
    }
    this.write(out);
  }
}
