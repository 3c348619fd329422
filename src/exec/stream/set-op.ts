/**
 * INTERSECT and EXCEPT (DISTINCT or ALL) over changelogs: each distinct row has a count per input; the
 * number of copies in the result follows from the two counts (INTERSECT: both present / the smaller
 * count; EXCEPT: only on the left / the difference). When a batch changes the counts of a row, the
 * result gains (+I) or loses (-D) the difference in copies.
 */
import type { Batch } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import type { Emitter, Operator, ExecContext } from '../operator.ts';
import { WatermarkMerger } from '../operator.ts';
import type { KeySlots } from '../../state/key-slots.ts';
import { growF64 } from '../../util/grow.ts';
import { ChangeBuilder } from './change-builder.ts';
import type { KeySlotsSnapshot } from '../../state/key-slots.ts';
import { f64From, head, snapshotOf, stateOf, type Checkpointable, type OperatorSnapshot } from './checkpointable.ts';

const KIND = 'StreamSetOp';
const VERSION = 1;

interface SetOpState {
  rows: KeySlotsSnapshot;
  left: Float64Array;
  right: Float64Array;
  marks: ReturnType<WatermarkMerger['exportState']>;
  ended: number;
}

export class StreamSetOpOperator implements Operator, Checkpointable {
  private readonly out: Emitter;
  private readonly op: 'intersect' | 'except';
  private readonly all: boolean;
  private readonly rows: KeySlots;
  private counts: [Float64Array<ArrayBuffer>, Float64Array<ArrayBuffer>] = [new Float64Array(256), new Float64Array(256)];
  private readonly output: ChangeBuilder;
  private readonly marks = new WatermarkMerger(2);
  private ended = 0;

  constructor(out: Emitter, ctx: ExecContext, types: DataType[], op: 'intersect' | 'except', all: boolean) {
    this.out = out;
    this.op = op;
    this.all = all;
    this.rows = ctx.state.keySpace(op === 'intersect' ? 'Intersect' : 'Minus', types);
    this.output = new ChangeBuilder(types);
  }

  private copies(s: number): number {
    const l = this.counts[0][s]!;
    const r = this.counts[1][s]!;
    if (this.op === 'intersect') return this.all ? Math.min(l, r) : l > 0 && r > 0 ? 1 : 0;
    return this.all ? Math.max(l - r, 0) : l > 0 && r === 0 ? 1 : 0;
  }

  snapshotState(): OperatorSnapshot {
    const cap = this.rows.capacity;
    const state: SetOpState = { rows: this.rows.exportState(), left: head(this.counts[0], cap), right: head(this.counts[1], cap), marks: this.marks.exportState(), ended: this.ended };
    return snapshotOf(KIND, VERSION, state);
  }

  restoreState(snap: OperatorSnapshot): void {
    const s = stateOf<SetOpState>(snap, KIND, VERSION);
    this.rows.importState(s.rows);
    this.counts = [f64From(s.left, 256), f64From(s.right, 256)];
    this.marks.importState(s.marks);
    // not s.ended: a resumed job tells the operators again of every input that had ended (its source
    // runner re-sends the end), so a restored count would reach 2 before the other input ends
    this.ended = 0;
  }

  push(batch: Batch, port: number): void {
    const n = batch.length;
    if (n === 0) return;
    const slots = this.rows.slots(batch.columns, null, n);
    const cap = this.rows.capacity;
    this.counts = [growF64(this.counts[0], cap), growF64(this.counts[1], cap)];
    const before = new Map<number, number>();
    const kinds = batch.kinds;
    const counts = this.counts[port]!;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      if (!before.has(s)) before.set(s, this.copies(s));
      const k = kinds === null ? 0 : kinds[i]!;
      if (k === 0 || k === 2) counts[s]!++;
      else if (counts[s]! > 0) counts[s]!--;
    }
    const width = batch.columns.length;
    for (const [s, was] of before) {
      const now = this.copies(s);
      for (let d = was; d !== now; d += now > was ? 1 : -1) {
        this.output.kind(now > was ? 0 : 3);
        for (let c = 0; c < width; c++) this.output.value(c, this.rows.keys.get(c, s));
      }
      if (this.counts[0][s] === 0 && this.counts[1][s] === 0) this.rows.release(s);
    }
    this.output.flushTo(this.out);
  }

  watermark(wm: number, port: number): void {
    this.marks.forwardWatermark(port, wm, this.out);
  }

  idle(flag: boolean, port: number): void {
    this.marks.forwardIdle(port, flag, this.out);
  }

  end(port: number): void {
    this.marks.forwardEnd(port, this.out);
    if (++this.ended === 2) this.out.end();
  }
}
