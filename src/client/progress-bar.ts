/**
 * A one-line progress display for a long statement the engine can estimate (a manual REFRESH of a
 * materialized table): drawn on the terminal after the statement has run for a second, redrawn a few
 * times a second, erased when the statement ends. The estimate is the duration of the table's previous
 * run of the same kind; without one the line shows the elapsed time only. It never reaches 100% before
 * the statement is done: a run slower than the last stays at 99%.
 */
import type { StatementProgress } from '../session/session.ts';
import type { Terminal } from './live-block.ts';
import { cutToWidth } from './display-width.ts';

const FIRST_FRAME_MS = 1000;
const FRAME_MS = 250;
const BAR = 24;

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The line for `elapsed` ms into a statement expected to take `expected` ms (null: unknown). */
export function progressLine(p: StatementProgress, elapsed: number, columns = 80): string {
  let text: string;
  if (p.expectedMs !== null && p.expectedMs > 0) {
    const share = Math.min(0.99, elapsed / p.expectedMs);
    const filled = Math.round(share * BAR);
    text = `${p.label} [${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ~${Math.floor(share * 100)}%  ${secs(elapsed)} of ~${secs(p.expectedMs)}`;
  } else text = `${p.label} ... ${secs(elapsed)}`;
  return cutToWidth(text, Math.max(10, columns - 1));
}

export class ProgressBar {
  private readonly terminal: Terminal;
  private readonly progress: StatementProgress;
  private readonly started = performance.now();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private drawn = false;

  constructor(terminal: Terminal, progress: StatementProgress) {
    this.terminal = terminal;
    this.progress = progress;
    this.timer = setTimeout(() => this.frame(), FIRST_FRAME_MS);
  }

  private frame(): void {
    this.terminal.write(`\r${progressLine(this.progress, performance.now() - this.started, this.terminal.columns)}\x1b[K`);
    this.drawn = true;
    this.timer = setTimeout(() => this.frame(), FRAME_MS);
  }

  /** Stops and erases the line (if one was drawn). */
  end(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.drawn) this.terminal.write('\r\x1b[K');
    this.drawn = false;
  }
}
