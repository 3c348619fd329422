/**
 * ORDER BY .. LIMIT n (Top-N): keeps only the best offset + n rows seen so far, compacting whenever the
 * buffer doubles, so memory stays proportional to n rather than to the input.
 */
import type { Batch } from '../../types/batch.ts';
import { concatBatches, gatherBatch, sliceBatch } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import type { SortKey } from '../plan-types.ts';
import { sortedPermutation } from '../../types/sort/row-comparator.ts';
import type { Emitter, ExecContext, Operator } from '../operator.ts';

export class SortLimitOperator implements Operator {
  private readonly out: Emitter;
  private readonly ctx: ExecContext;
  private readonly types: DataType[];
  private readonly keys: SortKey[];
  private readonly keep: number;
  private readonly offset: number;
  private kept: Batch | null = null;
  private pending: Batch[] = [];
  private pendingRows = 0;

  constructor(out: Emitter, ctx: ExecContext, types: DataType[], keys: SortKey[], limit: number, offset: number) {
    this.out = out;
    this.ctx = ctx;
    this.types = types;
    this.keys = keys;
    this.keep = limit + offset;
    this.offset = offset;
  }

  private compact(): void {
    const parts = this.kept ? [this.kept, ...this.pending] : this.pending;
    const all = concatBatches(parts, this.types);
    const perm = sortedPermutation(all.columns, this.types, this.keys, all.length);
    const n = Math.min(this.keep, all.length);
    this.kept = gatherBatch(all, this.types, perm, n);
    this.pending = [];
    this.pendingRows = 0;
  }

  push(batch: Batch): void {
    if (this.keep === 0) return;
    this.pending.push(batch);
    this.pendingRows += batch.length;
    if (this.pendingRows >= Math.max(this.keep, this.ctx.batchSize)) this.compact();
  }

  end(): void {
    this.compact();
    const result = this.kept!;
    const rows = sliceBatch(result, Math.min(this.offset, result.length), result.length);
    if (rows.length > 0) this.out.emit(rows);
    this.out.end();
  }
}
