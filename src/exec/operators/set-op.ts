/**
 * INTERSECT and EXCEPT, [ALL] or DISTINCT, by counting rows of the right input per distinct row and
 * then streaming the left input against the counts. NULLs compare equal here, as SQL set operations
 * require.
 */
import type { Batch } from '../../types/batch.ts';
import { gatherBatch } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { keyEncoder, type KeyEncoder, type KeyValue } from '../../types/key-encoder.ts';
import type { Emitter, ExecContext, Operator } from '../operator.ts';

export class HashSetOpOperator implements Operator {
  private readonly out: Emitter;
  private readonly ctx: ExecContext;
  private readonly types: DataType[];
  private readonly op: 'intersect' | 'except';
  private readonly all: boolean;
  private readonly encode: KeyEncoder;
  private readonly rightCounts = new Map<KeyValue, number>();
  private readonly seen = new Map<KeyValue, number>();
  private rightDone = false;
  private waiting: Batch[] = [];
  private leftDone = false;

  constructor(out: Emitter, ctx: ExecContext, types: DataType[], op: 'intersect' | 'except', all: boolean) {
    this.out = out;
    this.ctx = ctx;
    this.types = types;
    this.op = op;
    this.all = all;
    this.encode = keyEncoder(types, types.map(() => true));
  }

  push(batch: Batch, port: number): void {
    if (port === 1) {
      for (let i = 0; i < batch.length; i++) {
        const k = this.encode(batch.columns, i)!;
        this.rightCounts.set(k, (this.rightCounts.get(k) ?? 0) + 1);
      }
      this.ctx.reserveRows('set operation', this.rightCounts.size);
      return;
    }
    if (!this.rightDone) {
      this.waiting.push(batch);
      return;
    }
    this.left(batch);
  }

  private left(batch: Batch): void {
    const keep = new Int32Array(batch.length);
    let m = 0;
    for (let i = 0; i < batch.length; i++) {
      const k = this.encode(batch.columns, i)!;
      const r = this.rightCounts.get(k) ?? 0;
      const s = this.seen.get(k) ?? 0;
      this.seen.set(k, s + 1);
      let emit: boolean;
      if (this.all) emit = this.op === 'intersect' ? s < r : s >= r;
      else emit = s === 0 && (this.op === 'intersect' ? r > 0 : r === 0);
      if (emit) keep[m++] = i;
    }
    if (m > 0) this.out.emit(gatherBatch(batch, this.types, keep, m));
  }

  end(port: number): void {
    if (port === 1) {
      this.rightDone = true;
      for (const b of this.waiting) this.left(b);
      this.waiting = [];
    } else this.leftDone = true;
    if (this.rightDone && this.leftDone) this.out.end();
  }
}
