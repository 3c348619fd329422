/**
 * UNION ALL: forwards batches of every input; ends when all inputs have ended. Its watermark is the
 * smallest of its (active) inputs'.
 */
import type { Batch } from '../../types/batch.ts';
import type { Emitter, Operator } from '../operator.ts';
import { WatermarkMerger } from '../operator.ts';
import { snapshotOf, stateOf, type Checkpointable, type OperatorSnapshot } from '../stream/checkpointable.ts';

const KIND = 'Union';
const VERSION = 1;

interface UnionState {
  open: number;
  marks: ReturnType<WatermarkMerger['exportState']>;
}

/** Checkpointable for its combined watermark (which never moves back) and the inputs still open. */
export class UnionOperator implements Operator, Checkpointable {
  private readonly out: Emitter;
  private open: number;
  private readonly marks: WatermarkMerger;

  constructor(out: Emitter, inputs: number) {
    this.out = out;
    this.open = inputs;
    this.marks = new WatermarkMerger(inputs);
  }

  snapshotState(): OperatorSnapshot {
    const state: UnionState = { open: this.open, marks: this.marks.exportState() };
    return snapshotOf(KIND, VERSION, state);
  }

  restoreState(snap: OperatorSnapshot): void {
    const s = stateOf<UnionState>(snap, KIND, VERSION);
    this.open = s.open;
    this.marks.importState(s.marks);
  }

  push(batch: Batch): void {
    this.out.emit(batch);
  }

  watermark(wm: number, port: number): void {
    this.marks.forwardWatermark(port, wm, this.out);
  }

  idle(flag: boolean, port: number): void {
    this.marks.forwardIdle(port, flag, this.out);
  }

  end(port: number): void {
    this.marks.forwardEnd(port, this.out);
    if (--this.open === 0) this.out.end();
  }
}
