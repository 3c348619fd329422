/**
 * A block of lines redrawn in place on a terminal while what it shows keeps changing (the `table`
 * result mode of a streaming query). Changes only mark the block stale; a timer redraws it at most
 * every `intervalMs` (100 ms: ten frames a second), so a fast stream costs one redraw per interval, not
 * one per change. The first frame waits for the first tick as well: a query that is done sooner never
 * draws one, and its result is printed like any other.
 *
 * A redraw moves the cursor up to the first line of the block, writes each line over the old one
 * (erasing what is left of it) and erases below the block when it got shorter. That only works while
 * the whole block is on the screen and no line wraps, so the caller fits the frame to the terminal's
 * height and every line is cut to its width. The cursor is hidden while frames are drawn.
 */
import { cutToWidth } from './display-width.ts';

/** A terminal the client may redraw on: process.stdout when it is a TTY, a recorder in tests. */
export interface Terminal {
  write(text: string): unknown;
  readonly columns?: number;
  readonly rows?: number;
}

export interface TerminalSize {
  columns: number;
  rows: number;
}

export const HIDE_CURSOR = '\x1b[?25l';
export const SHOW_CURSOR = '\x1b[?25h';
const ERASE_LINE_END = '\x1b[K';
const ERASE_BELOW = '\x1b[J';
const up = (n: number): string => (n > 0 ? `\x1b[${n}A` : '');

export const DEFAULT_REFRESH_MS = 100;

export class LiveBlock {
  private readonly terminal: Terminal;
  private readonly frame: (size: TerminalSize) => string[];
  private readonly intervalMs: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private stale = true;
  /** Lines of the block on the screen now (0 before the first frame). */
  private drawn = 0;
  /** Frames drawn so far. */
  frames = 0;

  /** `frame` gives the lines to show for the terminal's size; it is called for each redraw. */
  constructor(terminal: Terminal, frame: (size: TerminalSize) => string[], intervalMs = DEFAULT_REFRESH_MS) {
    this.terminal = terminal;
    this.frame = frame;
    this.intervalMs = intervalMs;
  }

  size(): TerminalSize {
    const columns = this.terminal.columns;
    const rows = this.terminal.rows;
    return {
      columns: columns !== undefined && columns > 0 ? columns : 80,
      rows: rows !== undefined && rows > 0 ? rows : 24,
    };
  }

  start(): void {
    this.timer ??= setInterval(() => {
      if (this.stale) this.draw();
    }, this.intervalMs);
  }

  /** What the block shows has changed; the next tick redraws it. */
  changed(): void {
    this.stale = true;
  }

  /**
   * Stops redrawing. `keep` leaves the block on the screen, drawn once more if it is stale (or never
   * drawn yet); otherwise it is erased. The cursor is shown again either way.
   */
  stop(keep: boolean): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (keep) {
      if (this.stale || this.drawn === 0) this.draw();
    } else if (this.drawn > 0) {
      this.terminal.write(`${up(this.drawn)}\r${ERASE_BELOW}`);
      this.drawn = 0;
    }
    if (this.frames > 0) this.terminal.write(SHOW_CURSOR);
  }

  private draw(): void {
    const size = this.size();
    const lines = this.frame(size);
    let out = this.frames === 0 ? HIDE_CURSOR : '';
    out += up(this.drawn) + '\r';
    for (const line of lines) out += cutToWidth(line, size.columns) + ERASE_LINE_END + '\n';
    out += ERASE_BELOW;
    this.terminal.write(out);
    this.drawn = lines.length;
    this.stale = false;
    this.frames++;
  }
}
