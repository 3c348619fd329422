/**
 * Window table functions as an operator: every input row is emitted once per window it belongs to,
 * with window_start, window_end and window_time (= window_end - 1 ms) appended. Rows whose time is
 * NULL belong to no window and are dropped.
 *
 * TUMBLE, HOP and CUMULATE assign windows row by row (no state). SESSION windows depend on the rows
 * around them: here (bounded input) rows are buffered, sorted per partition and merged while the gap
 * between consecutive rows is at most the session gap; the streaming session aggregate merges
 * incrementally instead.
 */
import type { Batch, Column } from '../../types/batch.ts';
import { concatBatches, gatherColumn } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { physicalOf } from '../../types/data-type.ts';
import type { TvfWindow } from '../plan-types.ts';
import { forEachWindow } from '../windows.ts';
import { sortedPermutation } from '../../types/sort/row-comparator.ts';
import { keyEncoder } from '../../types/key-encoder.ts';
import { instantToLocal, localToInstant } from '../../types/temporal.ts';
import type { Emitter, ExecContext, Operator } from '../operator.ts';

export class WindowTvfOperator implements Operator {
  private readonly out: Emitter;
  private readonly ctx: ExecContext;
  private readonly types: DataType[];
  private readonly window: TvfWindow;
  /** TIMESTAMP_LTZ: windows align to the session zone's wall clock. */
  private readonly ltz: boolean;
  private readonly buffered: Batch[] = [];

  constructor(out: Emitter, ctx: ExecContext, inputTypes: DataType[], window: TvfWindow) {
    this.out = out;
    this.ctx = ctx;
    this.types = inputTypes;
    this.window = window;
    this.ltz = inputTypes[window.timeColumn]!.kind === 'TIMESTAMP_LTZ';
  }

  push(batch: Batch): void {
    if (this.window.kind === 'session') {
      this.buffered.push(batch);
      return;
    }
    const time = batch.columns[this.window.timeColumn]!;
    const tv = time.values as Float64Array;
    const tn = time.nulls;
    const rows: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    const zone = this.ctx.env.timeZone;
    for (let i = 0; i < batch.length; i++) {
      if (tn !== null && tn[i] === 1) {
        this.ctx.countSkipped('WindowTableFunction', 'a row whose time is NULL belongs to no window');
        continue;
      }
      const ts = this.ltz ? instantToLocal(tv[i]!, zone) : tv[i]!;
      forEachWindow(this.window, ts, (s, e) => {
        rows.push(i);
        starts.push(s);
        ends.push(e);
      });
    }
    this.emitRows(batch, Int32Array.from(rows), Float64Array.from(starts), Float64Array.from(ends));
  }

  private emitRows(batch: Batch, rows: Int32Array, starts: Float64Array, ends: Float64Array): void {
    const n = rows.length;
    if (n === 0) return;
    const zone = this.ctx.env.timeZone;
    const times = new Float64Array(n);
    for (let k = 0; k < n; k++) times[k] = this.ltz ? localToInstant(ends[k]!, zone) - 1 : ends[k]! - 1;
    const columns: Column[] = batch.columns.map((c, i) => gatherColumn(c, physicalOf(this.types[i]!), rows, n));
    columns.push({ values: starts, nulls: null }, { values: ends, nulls: null }, { values: times, nulls: null });
    let kinds: Uint8Array | null = null;
    if (batch.kinds !== null) {
      kinds = new Uint8Array(n);
      for (let k = 0; k < n; k++) kinds[k] = batch.kinds[rows[k]!]!;
    }
    this.out.emit({ columns, length: n, kinds });
  }

  watermark(wm: number): void {
    this.out.watermark(wm);
  }

  idle(flag: boolean): void {
    this.out.idle(flag);
  }

  end(): void {
    if (this.window.kind === 'session') this.emitSessions();
    this.out.end();
  }

  /** Bounded input: sessions per partition from the rows sorted by time. */
  private emitSessions(): void {
    const all = concatBatches(this.buffered, this.types);
    this.buffered.length = 0;
    const w = this.window;
    const keys = [...w.partitionKeys.map((index) => ({ index, desc: false, nullsFirst: true })), { index: w.timeColumn, desc: false, nullsFirst: true }];
    const perm = sortedPermutation(all.columns, this.types, keys, all.length);
    const enc = keyEncoder(w.partitionKeys.map((k) => this.types[k]!), w.partitionKeys.map(() => true));
    const partCols = w.partitionKeys.map((k) => all.columns[k]!);
    const time = all.columns[w.timeColumn]!;
    const tv = time.values as Float64Array;
    const zone = this.ctx.env.timeZone;
    const rows: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    let k = 0;
    while (k < perm.length) {
      const row = perm[k]!;
      if (time.nulls !== null && time.nulls[row] === 1) { k++; continue; }
      // one session: extend while the next row of the same partition starts before the session ends
      const part = enc(partCols, row);
      const first = k;
      const start = this.ltz ? instantToLocal(tv[row]!, zone) : tv[row]!;
      let end = start + w.size;
      k++;
      while (k < perm.length) {
        const r = perm[k]!;
        if (enc(partCols, r) !== part) break;
        const ts = this.ltz ? instantToLocal(tv[r]!, zone) : tv[r]!;
        // windows that touch merge (Flink's rule): a row exactly `gap` after the last joins the session
        if (ts > end) break;
        end = Math.max(end, ts + w.size);
        k++;
      }
      for (let j = first; j < k; j++) {
        rows.push(perm[j]!);
        starts.push(start);
        ends.push(end);
      }
    }
    this.emitRows(all, Int32Array.from(rows), Float64Array.from(starts), Float64Array.from(ends));
  }
}
