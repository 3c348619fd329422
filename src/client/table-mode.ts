/**
 * The `table` result mode of a streaming query: the changes are applied to a materialized view of the
 * result, and the view is shown as a table.
 *
 * On a terminal the table is redrawn in place while the query runs (live-block.ts), with a status line
 * under it:
 *
 *   +----------+---+
 *   | customer | n |
 *   +----------+---+
 *   | ann      | 2 |
 *   | bob      | 1 |
 *   +----------+---+
 *   2 rows. Refreshing... (q to quit / Ctrl-C)
 *
 * The live table shows as many of the last rows as fit the screen (and no more than
 * sql-client.execution.max-table-result.rows); the status line says how many there are in all. When
 * the query finishes, the live table gives way to the final result, printed as a batch result is: the
 * first max-table-result.rows rows, "N rows in set (x seconds)" and a warning when rows were left
 * out. When it is cancelled (q, Ctrl-C), the last frame stays with the count as its status line.
 *
 * When the output is not a terminal, nothing is printed until the query ends; then the final result.
 */
import type { ChangeBatch, ResultColumn, StreamResult } from '../session/result.ts';
import { sortByOrder } from '../session/result.ts';
import type { StreamEnd } from './changelog-printer.ts';
import { isQuitKey, type KeyInput } from './keys.ts';
import { LiveBlock, type Terminal, type TerminalSize } from './live-block.ts';
import { MaterializedView } from './materialized-view.ts';
import { CANCELLED_LINE, alignOf, formatRow, renderRowSet, type RenderOptions } from './render.ts';
import { renderTable, type TableColumn } from './table.ts';

export interface TableModeContext {
  /** Where the final result goes when there is no terminal. */
  write(text: string): void;
  /** A terminal to redraw on; absent when the output is not one. */
  terminal?: Terminal;
  /** Key presses (for q); absent when none can be read. */
  keys?: KeyInput;
  /** Asks for the query to be cancelled (q was pressed). */
  quit(): void;
  refreshMs?: number;
}

/** Lines of a frame besides its rows: three above them, the bottom border and the status line below. */
const FRAME_OVERHEAD = 5;

const plural = (n: number): string => `${n} row${n === 1 ? '' : 's'}`;

export class TableModeView {
  private readonly columns: readonly ResultColumn[];
  private readonly opts: RenderOptions;
  private readonly ctx: TableModeContext;
  private readonly view: MaterializedView;
  private readonly live: LiveBlock | undefined;
  private release: (() => void) | undefined;
  /** The status line of the frame: while running, then how it ended. */
  private status: (count: string) => string;

  /** The query's ORDER BY: the final table is shown in its order (a changelog arrives in no order). */
  private readonly orderBy: StreamResult['orderBy'];

  constructor(columns: readonly ResultColumn[], uniqueKey: readonly number[] | undefined, opts: RenderOptions, ctx: TableModeContext, orderBy?: StreamResult['orderBy']) {
    this.columns = columns;
    this.orderBy = orderBy;
    this.opts = opts;
    this.ctx = ctx;
    this.view = new MaterializedView(uniqueKey);
    this.live = ctx.terminal === undefined ? undefined : new LiveBlock(ctx.terminal, (size) => this.frame(size), ctx.refreshMs);
    const keysHint = ctx.keys === undefined ? '(Ctrl-C to stop)' : '(q to quit / Ctrl-C)';
    this.status = (count) => `${count}. Refreshing... ${keysHint}`;
  }

  /** Rows in the result now. */
  get size(): number {
    return this.view.size;
  }

  start(): void {
    if (this.live === undefined) return;
    this.live.start();
    this.release = this.ctx.keys?.capture((key) => {
      if (isQuitKey(key)) this.ctx.quit();
    });
  }

  print(batch: ChangeBatch): void {
    this.view.apply(batch);
    this.live?.changed();
  }

  finish(end: StreamEnd, elapsedMs: number): void {
    this.release?.();
    this.release = undefined;
    const seconds = `(${(elapsedMs / 1000).toFixed(2)} seconds)`;
    if (this.live !== undefined && end !== 'ended') {
      // Keep what the user was looking at, with how it ended.
      this.status = end === 'cancelled' ? (count) => `${count} ${seconds}` : (count) => `${count} when the query failed`;
      this.live.changed();
      this.live.stop(true);
      if (end === 'cancelled') this.ctx.terminal!.write(CANCELLED_LINE);
      return;
    }
    this.live?.stop(false);
    if (end === 'failed') return;
    const shown = this.orderBy
      ? sortByOrder(this.view.first(this.view.size), this.columns.map((c) => c.type), this.orderBy).slice(0, this.opts.maxRows)
      : this.view.first(this.opts.maxRows);
    let out = renderRowSet(this.columns, shown, this.view.size, this.opts, elapsedMs);
    if (end === 'cancelled') out += CANCELLED_LINE;
    if (this.ctx.terminal !== undefined) this.ctx.terminal.write(out);
    else this.ctx.write(out);
  }

  /** The table of the last rows that fit the screen, and the status line. */
  private frame(size: TerminalSize): string[] {
    // One line more stays free for the cursor below the frame, so the frame never scrolls the screen.
    const fit = Math.max(1, size.rows - FRAME_OVERHEAD - 1);
    const rows = this.view.last(Math.min(fit, this.opts.maxRows));
    const layout: TableColumn[] = this.columns.map((c) => ({ header: c.name, align: alignOf(c.type) }));
    const table = renderTable(layout, rows.map((r) => formatRow(this.columns, r, this.opts.timeZone)), this.opts.maxColumnWidth);
    const total = this.view.size;
    const count = plural(total) + (rows.length < total ? `, the last ${rows.length} shown` : '');
    const lines = table.split('\n');
    lines.pop();
    lines.push(this.status(count));
    return lines;
  }
}
