/** Calc: filter rows by a compiled predicate and compute the projected columns (compiled expressions). */
import type { Batch } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import type { BoundExpr } from '../expr/expr.ts';
import { compileColumn, compilePredicate, type ColumnKernel, type PredicateKernel } from '../expr/compile.ts';
import type { Emitter, ExecContext } from '../operator.ts';
import { ForwardingOperator } from '../operator.ts';

export class CalcOperator extends ForwardingOperator {
  private readonly predicate: PredicateKernel | null;
  private readonly columns: ColumnKernel[];
  /** The input's watermark, which CURRENT_WATERMARK(..) reads. */
  private readonly watermarkCell = { value: null as number | null };

  constructor(out: Emitter, ctx: ExecContext, inputTypes: DataType[], projection: BoundExpr[], condition: BoundExpr | null, inputNames: string[]) {
    super(out);
    const env = { ...ctx.env, inputNames, watermark: this.watermarkCell };
    this.predicate = condition ? compilePredicate(condition, inputTypes, env) : null;
    this.columns = projection.map((e) => compileColumn(e, inputTypes, env));
  }

  push(batch: Batch): void {
    let sel: Int32Array | null = null;
    let n = batch.length;
    if (this.predicate !== null) {
      const r = this.predicate(batch, null, n);
      if (r.n === 0) return;
      if (r.n < n) {
        sel = r.sel;
        n = r.n;
      }
    }
    const columns = this.columns.map((k) => k(batch, sel, n));
    let kinds = batch.kinds;
    if (kinds !== null && sel !== null) {
      const k2 = new Uint8Array(n);
      for (let j = 0; j < n; j++) k2[j] = kinds[sel[j]!]!;
      kinds = k2;
    }
    this.out.emit({ columns, length: n, kinds });
  }

  override watermark(wm: number): void {
    if (Number.isFinite(wm)) this.watermarkCell.value = wm;
    this.out.watermark(wm);
  }
}
