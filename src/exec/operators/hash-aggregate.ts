/**
 * Hash aggregate (bounded input): assigns each row a group id from its key columns and feeds the
 * aggregate accumulators column-wise; emits one row per group at the end. Without GROUP BY keys there is
 * exactly one group, even over empty input (SQL: `SELECT COUNT(*) FROM empty` is one row, 0).
 */
import type { Batch, Column } from '../../types/batch.ts';
import { ColumnBuilder } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { physicalOf } from '../../types/data-type.ts';
import type { AggCall } from '../plan-types.ts';
import type { Accumulators } from '../functions/aggregate/aggregate.ts';
import { GroupTable } from '../hash/group-table.ts';
import type { Emitter, ExecContext, Operator } from '../operator.ts';
import { createAccumulators } from './aggregate-calls.ts';

export class HashAggregateOperator implements Operator {
  private readonly out: Emitter;
  private readonly ctx: ExecContext;
  private readonly groupKeys: number[];
  private readonly aggs: AggCall[];
  private readonly groups: GroupTable;
  private readonly accs: Accumulators[];
  private identity = new Int32Array(0);
  private filterRows = new Int32Array(0);
  private filterGroups = new Int32Array(0);

  constructor(out: Emitter, ctx: ExecContext, inputTypes: DataType[], groupKeys: number[], aggs: AggCall[]) {
    this.out = out;
    this.ctx = ctx;
    this.groupKeys = groupKeys;
    this.aggs = aggs;
    this.groups = new GroupTable(groupKeys.map((k) => inputTypes[k]!));
    this.accs = aggs.map((a) => createAccumulators(a, inputTypes, false));
  }

  private rowsIdentity(n: number): Int32Array {
    if (this.identity.length < n) {
      this.identity = new Int32Array(Math.max(n, this.ctx.batchSize));
      for (let i = 0; i < this.identity.length; i++) this.identity[i] = i;
    }
    return this.identity;
  }

  push(batch: Batch): void {
    const n = batch.length;
    if (n === 0) return;
    const keyCols = this.groupKeys.map((k) => batch.columns[k]!);
    const ids = this.groups.assign(keyCols, null, n);
    const size = this.groups.size;
    this.ctx.reserveRows('HashAggregate groups', size);
    const rows = this.rowsIdentity(n);
    for (let a = 0; a < this.aggs.length; a++) {
      const agg = this.aggs[a]!;
      const acc = this.accs[a]!;
      acc.grow(size);
      const args: Column[] = agg.args.map((i) => batch.columns[i]!);
      if (agg.filter === null) {
        acc.add(args, rows, ids, n);
        continue;
      }
      const f = batch.columns[agg.filter]!;
      const fv = f.values as Uint8Array;
      const fn = f.nulls;
      if (this.filterRows.length < n) {
        this.filterRows = new Int32Array(n);
        this.filterGroups = new Int32Array(n);
      }
      let m = 0;
      for (let i = 0; i < n; i++) {
        if (fv[i] === 1 && (fn === null || fn[i] !== 1)) {
          this.filterRows[m] = i;
          this.filterGroups[m++] = ids[i]!;
        }
      }
      if (m > 0) acc.add(args, this.filterRows, this.filterGroups, m);
    }
  }

  end(): void {
    if (this.groupKeys.length === 0 && this.groups.size === 0) {
      this.groups.assign([], null, 0);
      for (const acc of this.accs) acc.grow(1);
    }
    const size = this.groups.size;
    const keyCols = this.groups.keyColumns();
    const aggCols = this.aggs.map((a, i) => {
      const b = new ColumnBuilder(physicalOf(a.type), size);
      const acc = this.accs[i]!;
      for (let g = 0; g < size; g++) b.append(acc.result(g));
      return b.build();
    });
    const columns = [...keyCols, ...aggCols];
    const bs = this.ctx.batchSize;
    for (let start = 0; start < size; start += bs) {
      const end = Math.min(size, start + bs);
      if (start === 0 && end === size) {
        this.out.emit({ columns, length: size, kinds: null });
        break;
      }
      this.out.emit({ columns: columns.map((c) => sliceCol(c, start, end)), length: end - start, kinds: null });
    }
    this.out.end();
  }
}

function sliceCol(c: Column, start: number, end: number): Column {
  const v = c.values;
  return {
    values: Array.isArray(v) ? v.slice(start, end) : (v as Float64Array).subarray(start, end),
    nulls: c.nulls === null ? null : c.nulls.subarray(start, end),
  };
}
