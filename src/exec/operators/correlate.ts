/**
 * UNNEST as a lateral join: for each input row, one output row per element of the collection(s);
 * several collections are zipped (shorter ones padded with NULL); a MAP yields (key, value) rows; an
 * ARRAY of ROWs yields the rows' fields. With `outer`, rows whose collections are empty are kept with NULLs.
 */
import type { Batch, Column } from '../../types/batch.ts';
import { ColumnBuilder, gatherColumn } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { physicalOf } from '../../types/data-type.ts';
import type { BoundExpr } from '../expr/expr.ts';
import { compileColumn, type ColumnKernel } from '../expr/compile.ts';
import type { Emitter, ExecContext } from '../operator.ts';
import { ForwardingOperator } from '../operator.ts';

export class CorrelateOperator extends ForwardingOperator {
  private readonly inputTypes: DataType[];
  private readonly kernels: ColumnKernel[];
  private readonly exprTypes: DataType[];
  private readonly outTypes: DataType[];
  private readonly withOrdinality: boolean;
  private readonly outer: boolean;

  constructor(out: Emitter, ctx: ExecContext, inputTypes: DataType[], exprs: BoundExpr[], outTypes: DataType[], withOrdinality: boolean, outer: boolean) {
    super(out);
    this.inputTypes = inputTypes;
    this.kernels = exprs.map((e) => compileColumn(e, inputTypes, ctx.env));
    this.exprTypes = exprs.map((e) => e.type);
    this.outTypes = outTypes.slice(inputTypes.length);
    this.withOrdinality = withOrdinality;
    this.outer = outer;
  }

  /** The rows (as arrays of output values) that one collection value produces. */
  private expand(t: DataType, v: unknown): unknown[][] {
    if (v === null || v === undefined) return [];
    if (t.kind === 'MAP') return [...(v as Map<unknown, unknown>)].map(([k, x]) => [k, x]);
    const items = v as unknown[];
    if (t.element!.kind === 'ROW') return items.map((r) => (r === null ? t.element!.fields!.map(() => null) : [...(r as unknown[])]));
    return items.map((x) => [x]);
  }

  push(batch: Batch): void {
    const n = batch.length;
    const colls = this.kernels.map((k) => k(batch, null, n));
    const parent: number[] = [];
    const builders = this.outTypes.map((t) => new ColumnBuilder(physicalOf(t)));
    for (let i = 0; i < n; i++) {
      const lists = colls.map((c, e) => this.expand(this.exprTypes[e]!, c.nulls !== null && c.nulls[i] === 1 ? null : (c.values as unknown[])[i]));
      const len = Math.max(0, ...lists.map((l) => l.length));
      if (len === 0 && this.outer) {
        parent.push(i);
        for (const b of builders) b.appendNull();
        continue;
      }
      for (let r = 0; r < len; r++) {
        parent.push(i);
        let o = 0;
        lists.forEach((l, e) => {
          const width = this.widthOf(this.exprTypes[e]!);
          const row = l[r];
          for (let w = 0; w < width; w++) builders[o++]!.append(row ? row[w] ?? null : null);
        });
        if (this.withOrdinality) builders[o]!.append(r + 1);
      }
    }
    if (parent.length === 0) return;
    const idx = Int32Array.from(parent);
    const left: Column[] = batch.columns.map((c, i) => gatherColumn(c, physicalOf(this.inputTypes[i]!), idx));
    let kinds: Uint8Array | null = null;
    if (batch.kinds !== null) {
      kinds = new Uint8Array(idx.length);
      for (let k = 0; k < idx.length; k++) kinds[k] = batch.kinds[idx[k]!]!;
    }
    this.out.emit({ columns: [...left, ...builders.map((b) => b.build())], length: idx.length, kinds });
  }

  private widthOf(t: DataType): number {
    if (t.kind === 'MAP') return 2;
    if (t.element?.kind === 'ROW') return t.element.fields!.length;
    return 1;
  }
}
