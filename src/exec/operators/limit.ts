/** LIMIT/OFFSET: passes rows through until enough have been seen, then stops the sources below. */
import type { Batch } from '../../types/batch.ts';
import { sliceBatch } from '../../types/batch.ts';
import type { Emitter, ExecContext, Operator } from '../operator.ts';
import { snapshotOf, stateOf, type Checkpointable, type OperatorSnapshot } from '../stream/checkpointable.ts';

const KIND = 'Limit';
const VERSION = 1;

interface LimitState {
  toSkip: number;
  emitted: number;
  done: boolean;
}

export class LimitOperator implements Operator, Checkpointable {
  private readonly out: Emitter;
  private readonly ctx: ExecContext;
  private readonly limit: number | null;
  private toSkip: number;
  private emitted = 0;
  private done = false;
  private readonly sources: readonly number[];

  constructor(out: Emitter, ctx: ExecContext, limit: number | null, offset: number, sources: readonly number[]) {
    this.out = out;
    this.ctx = ctx;
    this.limit = limit;
    this.toSkip = offset;
    this.sources = sources;
    if (limit === 0) this.finish();
  }

  snapshotState(): OperatorSnapshot {
    const state: LimitState = { toSkip: this.toSkip, emitted: this.emitted, done: this.done };
    return snapshotOf(KIND, VERSION, state);
  }

  /** A limit that was already satisfied stops its sources again (and has ended its output before). */
  restoreState(snap: OperatorSnapshot): void {
    const s = stateOf<LimitState>(snap, KIND, VERSION);
    this.toSkip = s.toSkip;
    this.emitted = s.emitted;
    if (s.done && !this.done) {
      this.done = true;
      this.ctx.stopSources(this.sources);
    }
  }

  push(batch: Batch): void {
    if (this.done) return;
    let b = batch;
    if (this.toSkip > 0) {
      if (b.length <= this.toSkip) {
        this.toSkip -= b.length;
        return;
      }
      b = sliceBatch(b, this.toSkip, b.length);
      this.toSkip = 0;
    }
    if (this.limit !== null && this.emitted + b.length >= this.limit) {
      b = sliceBatch(b, 0, this.limit - this.emitted);
      this.emitted += b.length;
      if (b.length > 0) this.out.emit(b);
      this.finish();
      return;
    }
    this.emitted += b.length;
    this.out.emit(b);
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.ctx.stopSources(this.sources);
    this.out.end();
  }

  watermark(wm: number): void {
    if (!this.done) this.out.watermark(wm);
  }

  idle(flag: boolean): void {
    if (!this.done) this.out.idle(flag);
  }

  end(): void {
    this.finish();
  }
}
