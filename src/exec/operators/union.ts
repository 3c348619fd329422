/** UNION ALL: forwards batches of every input; ends when all inputs have ended. */
import type { Batch } from '../../types/batch.ts';
import type { Emitter, Operator } from '../operator.ts';

export class UnionOperator implements Operator {
  private readonly out: Emitter;
  private open: number;

  constructor(out: Emitter, inputs: number) {
    this.out = out;
    this.open = inputs;
  }

  push(batch: Batch): void {
    this.out.emit(batch);
  }

  end(): void {
    if (--this.open === 0) this.out.end();
  }
}
