/**
 * When is a window over? Event-time windows end when the watermark reaches end - 1 ms; processing-time
 * windows when the clock passes their end. Windows cut on a TIMESTAMP_LTZ (and all processing-time
 * windows, PROCTIME() being one) have wall-clock bounds in the session zone, converted to instants
 * before comparing. Shared by the window aggregate, window Top-N and window join.
 */
import type { WindowTime } from '../physical-plan.ts';
import type { ExecContext } from '../operator.ts';
import { localToInstant } from '../../types/temporal.ts';

export class WindowClock {
  readonly time: WindowTime;
  private readonly ctx: ExecContext;
  private readonly ltz: boolean;
  /** The input's watermark (event time), -Infinity before the first one. */
  watermark = -Infinity;

  constructor(ctx: ExecContext, time: WindowTime, ltz: boolean) {
    this.ctx = ctx;
    this.time = time;
    this.ltz = ltz;
  }

  /** The instant at which a window with this end is complete. */
  deadline(end: number): number {
    const last = end - 1;
    return this.ltz ? localToInstant(last, this.ctx.env.timeZone) : last;
  }

  /** Whether a window with this end is already complete (its rows are late). */
  isOver(end: number): boolean {
    const d = this.deadline(end);
    return this.time === 'rowtime' ? d <= this.watermark : d < this.ctx.clock.now();
  }

  /** Asks to be called when a window with this end is over by processing time. */
  onProcessingDeadline(end: number, fire: () => void): void {
    if (this.time === 'proctime') this.ctx.onProcessingTime(this.deadline(end) + 1, fire);
  }
}
