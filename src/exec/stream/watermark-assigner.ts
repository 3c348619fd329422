/**
 * Computes a source's watermark from its declaration (`WATERMARK FOR ts AS ts - INTERVAL '5' SECOND`):
 * the largest value of the expression seen so far. It is sent downstream after a batch when at least
 * `pipeline.auto-watermark-interval` of processing time has passed since the last one (0: after every
 * batch that advances it), and once more, as +infinity, when a bounded input ends: everything is then
 * complete. Rows pass through unchanged; operators that care about lateness judge it themselves.
 */
import type { Batch } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import type { BoundExpr } from '../expr/expr.ts';
import { compileColumn, type ColumnKernel } from '../expr/compile.ts';
import type { Emitter, ExecContext, Operator } from '../operator.ts';
import { PendingTimer, snapshotOf, stateOf, type Checkpointable, type OperatorSnapshot } from './checkpointable.ts';

const KIND = 'WatermarkAssigner';
const VERSION = 1;

interface WatermarkState {
  current: number;
  emitted: number;
  lastEmitAt: number;
  timerAt: number | null;
}

export class WatermarkAssignerOperator implements Operator, Checkpointable {
  private readonly out: Emitter;
  private readonly ctx: ExecContext;
  private readonly kernel: ColumnKernel;
  private current = -Infinity;
  private emitted = -Infinity;
  private lastEmitAt = -Infinity;
  private readonly timer = new PendingTimer();

  constructor(out: Emitter, ctx: ExecContext, inputTypes: DataType[], watermark: BoundExpr) {
    this.out = out;
    this.ctx = ctx;
    this.kernel = compileColumn(watermark, inputTypes, ctx.env);
  }

  push(batch: Batch): void {
    const n = batch.length;
    if (n === 0) return;
    const col = this.kernel(batch, null, n);
    const v = col.values as Float64Array;
    const nulls = col.nulls;
    let max = this.current;
    if (nulls === null) {
      for (let i = 0; i < n; i++) if (v[i]! > max) max = v[i]!;
    } else {
      for (let i = 0; i < n; i++) if (nulls[i] !== 1 && v[i]! > max) max = v[i]!;
    }
    this.current = max;
    this.out.emit(batch);
    this.maybeEmit();
  }

  private maybeEmit(): void {
    if (this.current <= this.emitted) return;
    const interval = this.ctx.watermarkInterval;
    const now = interval > 0 ? this.ctx.clock.now() : 0;
    if (interval <= 0 || now - this.lastEmitAt >= interval) {
      this.emitted = this.current;
      this.lastEmitAt = now;
      this.out.watermark(this.current);
      return;
    }
    // a source that goes quiet must still see its last watermark go out
    if (!this.timer.pending) this.timer.set(this.ctx, this.lastEmitAt + interval, () => this.maybeEmit());
  }

  /** The watermark computed so far, the one last sent, and when (a restored source continues from them). */
  snapshotState(): OperatorSnapshot {
    const state: WatermarkState = { current: this.current, emitted: this.emitted, lastEmitAt: this.lastEmitAt, timerAt: this.timer.at };
    return snapshotOf(KIND, VERSION, state);
  }

  restoreState(snap: OperatorSnapshot): void {
    const s = stateOf<WatermarkState>(snap, KIND, VERSION);
    this.current = s.current;
    this.emitted = s.emitted;
    this.lastEmitAt = s.lastEmitAt;
    this.timer.restore(this.ctx, s.timerAt, () => this.maybeEmit());
  }

  watermark(): void {
    // watermarks are defined here, not inherited from the source
  }

  idle(flag: boolean): void {
    this.out.idle(flag);
  }

  end(): void {
    this.out.watermark(Infinity);
    this.out.end();
  }
}
