/** Sort: buffers its whole input, sorts a permutation of row positions, emits in batches. */
import type { Batch } from '../../types/batch.ts';
import { concatBatches, gatherBatch } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import type { SortKey } from '../plan-types.ts';
import { sortedPermutation } from '../../types/sort/row-comparator.ts';
import type { Emitter, ExecContext, Operator } from '../operator.ts';

export class SortOperator implements Operator {
  private readonly out: Emitter;
  private readonly ctx: ExecContext;
  private readonly types: DataType[];
  private readonly keys: SortKey[];
  private readonly batches: Batch[] = [];
  private rows = 0;

  constructor(out: Emitter, ctx: ExecContext, types: DataType[], keys: SortKey[]) {
    this.out = out;
    this.ctx = ctx;
    this.types = types;
    this.keys = keys;
  }

  push(batch: Batch): void {
    this.rows += batch.length;
    this.ctx.reserveRows('Sort', this.rows);
    this.batches.push(batch);
  }

  end(): void {
    const all = concatBatches(this.batches, this.types);
    this.batches.length = 0;
    const perm = sortedPermutation(all.columns, this.types, this.keys, all.length);
    const size = this.ctx.batchSize;
    for (let start = 0; start < all.length; start += size) {
      const n = Math.min(size, all.length - start);
      this.out.emit(gatherBatch(all, this.types, perm.subarray(start, start + n), n));
    }
    this.out.end();
  }
}
