/**
 * The accumulators of one aggregating operator, fed column-wise: rows of a batch go to slots (groups,
 * windows, sessions) in one call per aggregate, with FILTER (WHERE ..) applied per aggregate. Shared by
 * the group, window and session aggregates of the streaming runtime.
 */
import type { Batch, Column } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import type { AggCall } from '../plan-types.ts';
import type { Accumulators } from '../functions/aggregate/aggregate.ts';
import { createAccumulators, orderedArgs } from '../operators/aggregate-calls.ts';
import { restoreAccumulators, snapshotAccumulators } from './accumulator-snapshot.ts';
import { stateMismatch } from './checkpointable.ts';
import type { StateWriter } from '../../state/state-delta.ts';
import type { ChangedSlots } from '../../state/changed-slots.ts';

export class AggregateState {
  readonly aggs: readonly AggCall[];
  private readonly accs: Accumulators[];
  private fRows = new Int32Array(1024);
  private fSlots = new Int32Array(1024);

  /** Input columns each call reads (its arguments, and ORDER BY keys of ordered calls). */
  private readonly argCols: number[][];

  constructor(aggs: readonly AggCall[], inputTypes: readonly DataType[], retractable: boolean) {
    this.aggs = aggs;
    // rows arrive unsorted: calls with ORDER BY keep their own order
    this.accs = aggs.map((a) => createAccumulators(a, inputTypes, retractable, true));
    this.argCols = aggs.map(orderedArgs);
  }

  /** Makes room for slots below n. */
  grow(n: number): void {
    for (const a of this.accs) a.grow(n);
  }

  add(batch: Batch, rows: Int32Array, slots: Int32Array, n: number): void {
    this.apply(batch, rows, slots, n, false);
  }

  retract(batch: Batch, rows: Int32Array, slots: Int32Array, n: number): void {
    this.apply(batch, rows, slots, n, true);
  }

  private apply(batch: Batch, rows: Int32Array, slots: Int32Array, n: number, retract: boolean): void {
    if (n === 0) return;
    for (let a = 0; a < this.aggs.length; a++) {
      const agg = this.aggs[a]!;
      const acc = this.accs[a]!;
      const args: Column[] = this.argCols[a]!.map((i) => batch.columns[i]!);
      if (agg.filter === null) {
        if (retract) acc.retract(args, rows, slots, n);
        else acc.add(args, rows, slots, n);
        continue;
      }
      const f = batch.columns[agg.filter]!;
      const fv = f.values as Uint8Array;
      const fn = f.nulls;
      if (this.fRows.length < n) {
        this.fRows = new Int32Array(n);
        this.fSlots = new Int32Array(n);
      }
      let m = 0;
      for (let k = 0; k < n; k++) {
        const i = rows[k]!;
        if (fv[i] === 1 && (fn === null || fn[i] !== 1)) {
          this.fRows[m] = i;
          this.fSlots[m++] = slots[k]!;
        }
      }
      if (m === 0) continue;
      if (retract) acc.retract(args, this.fRows, this.fSlots, m);
      else acc.add(args, this.fRows, this.fSlots, m);
    }
  }

  /** Result of aggregate a for slot s. */
  result(a: number, s: number): unknown {
    return this.accs[a]!.result(s);
  }

  /** Forgets slot s. */
  reset(s: number): void {
    for (const a of this.accs) a.reset(s);
  }

  /** Whether every call's accumulators can follow a compaction of the key space (see compact). */
  get compactable(): boolean {
    return this.accs.every((a) => a.compact !== undefined);
  }

  /** Renumbers the slots after the key space was compacted (remap[old] = new, -1: gone); n are left. */
  compact(remap: Int32Array, n: number): void {
    for (const a of this.accs) a.compact!(remap, n);
  }

  /** Every call's accumulators, as plain data (see accumulator-snapshot.ts); with the delta writer, the groups in `changed`. */
  exportState(w?: StateWriter, changed?: ChangedSlots): unknown[] {
    return this.accs.map((a) => snapshotAccumulators(a, w, changed));
  }

  /** Restores into the fresh accumulators of the same calls. */
  importState(saved: unknown[]): void {
    if (!Array.isArray(saved) || saved.length !== this.accs.length) throw stateMismatch(`saved state has ${Array.isArray(saved) ? saved.length : 0} aggregate calls where ${this.accs.length} are expected`);
    for (let a = 0; a < this.accs.length; a++) restoreAccumulators(this.accs[a]!, saved[a], this.aggs[a]!.fn.toUpperCase());
  }

  get width(): number {
    return this.aggs.length;
  }
}
