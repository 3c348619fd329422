/** Expand: each input row becomes one row per projection list (GROUPING SETS, ROLLUP, CUBE). */
import type { Batch } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import type { BoundExpr } from '../expr/expr.ts';
import { compileColumn, type ColumnKernel } from '../expr/compile.ts';
import type { Emitter, ExecContext } from '../operator.ts';
import { ForwardingOperator } from '../operator.ts';

export class ExpandOperator extends ForwardingOperator {
  private readonly kernels: ColumnKernel[][];

  constructor(out: Emitter, ctx: ExecContext, inputTypes: DataType[], projections: BoundExpr[][]) {
    super(out);
    this.kernels = projections.map((ps) => ps.map((e) => compileColumn(e, inputTypes, ctx.env)));
  }

  push(batch: Batch): void {
    for (const ks of this.kernels) {
      this.out.emit({ columns: ks.map((k) => k(batch, null, batch.length)), length: batch.length, kinds: batch.kinds });
    }
  }
}
