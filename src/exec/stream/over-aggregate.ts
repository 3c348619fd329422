/**
 * OVER aggregation in streaming mode: `agg(x) OVER (PARTITION BY k ORDER BY time ROWS|RANGE BETWEEN ..
 * PRECEDING AND CURRENT ROW)`, ROW_NUMBER, RANK, DENSE_RANK and LAG. Each row's result depends on the
 * rows before it only, so a row is emitted once, with its result, as soon as no earlier row can arrive:
 * when the watermark passes its time (event time) or right away (processing time). Rows already behind
 * the watermark when they arrive are late: dropped and counted.
 *
 * Per partition the operator keeps the accumulators of every call and, for bounded frames and LAG, the
 * most recent rows (to take them back out of the frame).
 */
import type { Batch, Column } from '../../types/batch.ts';
import { ColumnBuilder } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { physicalOf } from '../../types/data-type.ts';
import type { AggCall, WindowCall } from '../plan-types.ts';
import type { Emitter, ExecContext, Operator } from '../operator.ts';
import type { KeySlots } from '../../state/key-slots.ts';
import type { RowArena } from '../../state/row-arena.ts';
import { TimerQueue } from '../../state/timer-queue.ts';
import { AggregateState } from './aggregate-state.ts';
import type { KeySlotsSnapshot } from '../../state/key-slots.ts';
import type { RowArenaSnapshot } from '../../state/row-arena.ts';
import { snapshotOf, stateMismatch, stateOf, type Checkpointable, type OperatorSnapshot } from './checkpointable.ts';

const KIND = 'StreamOverAggregate';
const VERSION = 1;

interface StreamOverState {
  parts: KeySlotsSnapshot;
  rows: RowArenaSnapshot;
  /** per partition slot (null: none): its kept rows and counters */
  partitions: Array<{ ids: Int32Array; times: Float64Array; base: number; count: number; groups: number; frameStart: number[] } | null>;
  aggs: Array<unknown[] | null>;
  waiting: { times: Float64Array; ids: Int32Array };
  wm: number;
}

export interface StreamOverSpec {
  inputTypes: DataType[];
  calls: WindowCall[];
  timeColumn: number;
  rowtime: boolean;
}

interface Partition {
  /** processed rows still needed (bounded frames, LAG), oldest first; `base` is the absolute index of ids[0] */
  ids: number[];
  times: number[];
  base: number;
  /** rows processed */
  count: number;
  /** distinct times processed (DENSE_RANK) */
  groups: number;
  /** per call: absolute index of the first row still inside its frame */
  frameStart: number[];
}

const RANKS = new Set(['row_number', 'rank', 'dense_rank', 'lag']);

export class StreamOverAggregateOperator implements Operator, Checkpointable {
  private readonly out: Emitter;
  private readonly ctx: ExecContext;
  private readonly spec: StreamOverSpec;
  private readonly parts: KeySlots;
  private readonly rows: RowArena;
  private partitions: Array<Partition | undefined> = [];
  private readonly aggs: Array<AggregateState | null>;
  /** rows waiting for the watermark, by time (ties: arrival order, as ids grow) */
  private readonly waiting = new TimerQueue();
  private wm = -Infinity;
  /** how many recent rows a partition must keep */
  private readonly keepRows: number;
  private readonly keepRange: number;
  private one = new Int32Array(1);
  private oneSlot = new Int32Array(1);

  constructor(out: Emitter, ctx: ExecContext, spec: StreamOverSpec) {
    this.out = out;
    this.ctx = ctx;
    this.spec = spec;
    const first = spec.calls[0]!;
    this.parts = ctx.state.keySpace('OverAggregate', first.partitionBy.map((k) => spec.inputTypes[k]!));
    this.rows = ctx.state.rowStore('OverAggregate', spec.inputTypes);
    this.aggs = spec.calls.map((c) => {
      if (RANKS.has(c.fn)) return null;
      const call: AggCall = { fn: c.fn, args: c.args, constArgs: c.constArgs, distinct: c.distinct, filter: c.filter, orderBy: [], ignoreNulls: c.ignoreNulls, type: c.type, name: c.name };
      return new AggregateState([call], spec.inputTypes, true);
    });
    let keepRows = 0;
    let keepRange = 0;
    for (const c of spec.calls) {
      if (c.fn === 'lag') keepRows = Math.max(keepRows, Number(c.constArgs[0] ?? 1));
      else if (c.frame.start.kind === 'offset') {
        if (c.frame.units === 'rows') keepRows = Math.max(keepRows, -c.frame.start.offset + 1);
        else keepRange = Math.max(keepRange, -c.frame.start.offset);
      }
    }
    this.keepRows = keepRows;
    this.keepRange = keepRange;
  }

  snapshotState(): OperatorSnapshot {
    const state: StreamOverState = {
      parts: this.parts.exportState(),
      rows: this.rows.exportState(),
      partitions: Array.from(this.partitions, (p) => (p === undefined ? null : {
        ids: Int32Array.from(p.ids), times: Float64Array.from(p.times), base: p.base, count: p.count, groups: p.groups, frameStart: [...p.frameStart],
      })),
      aggs: this.aggs.map((a) => (a === null ? null : a.exportState())),
      waiting: this.waiting.exportState(),
      wm: this.wm,
    };
    return snapshotOf(KIND, VERSION, state);
  }

  restoreState(snap: OperatorSnapshot): void {
    const s = stateOf<StreamOverState>(snap, KIND, VERSION);
    if (s.aggs.length !== this.aggs.length) throw stateMismatch(`the saved ${KIND} state has ${s.aggs.length} calls where the plan has ${this.aggs.length}`);
    this.parts.importState(s.parts);
    this.rows.importState(s.rows);
    this.partitions = s.partitions.map((p) => (p === null ? undefined : {
      ids: Array.from(p.ids), times: Array.from(p.times), base: p.base, count: p.count, groups: p.groups, frameStart: [...p.frameStart],
    }));
    this.aggs.forEach((a, i) => {
      const saved = s.aggs[i];
      if (a === null || saved === null || saved === undefined) return;
      a.grow(this.parts.capacity);
      a.importState(saved);
    });
    this.waiting.importState(s.waiting);
    this.wm = s.wm;
  }

  push(batch: Batch): void {
    const n = batch.length;
    if (n === 0) return;
    const time = batch.columns[this.spec.timeColumn]!;
    const tv = time.values as Float64Array;
    let late = 0;
    const now = this.spec.rowtime ? 0 : this.ctx.clock.now();
    for (let i = 0; i < n; i++) {
      if (time.nulls !== null && time.nulls[i] === 1) {
        this.ctx.countSkipped('OverAggregate', 'a row whose time is NULL has no place in the order');
        continue;
      }
      const t = this.spec.rowtime ? tv[i]! : now;
      if (this.spec.rowtime && t <= this.wm) { late++; continue; }
      this.waiting.push(t, this.rows.add(batch.columns, i));
    }
    if (late > 0) this.ctx.countLate('OverAggregate', late);
    if (!this.spec.rowtime) this.release(Infinity);
  }

  /** Processes the waiting rows with times up to `upTo`, in time order, and emits them with their results. */
  private release(upTo: number): void {
    if (this.waiting.size === 0 || this.waiting.peekTime() > upTo) return;
    const ids: number[] = [];
    const times: number[] = [];
    while (this.waiting.size > 0 && this.waiting.peekTime() <= upTo) {
      times.push(this.waiting.peekTime());
      ids.push(this.waiting.pop());
    }
    // the heap pops equal times in no fixed order: arrival (id order among them) breaks ties
    const order = ids.map((_, k) => k).sort((a, b) => times[a]! - times[b]! || ids[a]! - ids[b]!);
    const sortedIds = order.map((k) => ids[k]!);
    const sortedTimes = order.map((k) => times[k]!);
    const m = sortedIds.length;
    const cols = this.rows.columns.asColumns();
    const partCols = this.spec.calls[0]!.partitionBy.map((k) => cols[k]!);
    const slots = Int32Array.from(this.parts.slots(partCols, Int32Array.from(sortedIds), m));
    const results: ColumnBuilder[] = this.spec.calls.map((c) => new ColumnBuilder(physicalOf(c.type), m));
    const values: unknown[][] = this.spec.calls.map(() => new Array(m));
    // peer groups: consecutive rows of one partition with the same time
    let k = 0;
    const touched = new Set<number>();
    while (k < m) {
      let j = k + 1;
      while (j < m && slots[j] === slots[k] && sortedTimes[j] === sortedTimes[k]) j++;
      const s = slots[k]!;
      this.processGroup(s, sortedIds, sortedTimes, k, j, values);
      // processed rows join the partition's history (later groups of this release may read them)
      const p = this.partitions[s]!;
      for (let r = k; r < j; r++) {
        p.ids.push(sortedIds[r]!);
        p.times.push(sortedTimes[r]!);
      }
      touched.add(s);
      k = j;
    }
    for (let c = 0; c < this.spec.calls.length; c++) for (let r = 0; r < m; r++) results[c]!.append(values[c]![r]);
    const columns: Column[] = [...this.rows.gather(sortedIds, m), ...results.map((b) => b.build())];
    this.out.emit({ columns, length: m, kinds: null });
    for (const s of touched) this.trim(s);
  }

  private partition(s: number): Partition {
    let p = this.partitions[s];
    if (p === undefined) {
      p = { ids: [], times: [], base: 0, count: 0, groups: 0, frameStart: this.spec.calls.map(() => 0) };
      this.partitions[s] = p;
    }
    return p;
  }

  /** Rows [from, to) of one partition and one time, in arrival order. */
  private processGroup(s: number, ids: number[], times: number[], from: number, to: number, values: unknown[][]): void {
    const p = this.partition(s);
    const t = times[from]!;
    const before = p.count;
    p.groups++;
    const rowsBatch: Batch = { columns: this.rows.columns.asColumns(), length: this.rows.capacity, kinds: null };
    this.oneSlot[0] = s;
    for (let c = 0; c < this.spec.calls.length; c++) {
      const call = this.spec.calls[c]!;
      const acc = this.aggs[c];
      const out = values[c]!;
      if (call.fn === 'row_number') { for (let r = from; r < to; r++) out[r] = before + (r - from) + 1; continue; }
      if (call.fn === 'rank') { for (let r = from; r < to; r++) out[r] = before + 1; continue; }
      if (call.fn === 'dense_rank') { for (let r = from; r < to; r++) out[r] = p.groups; continue; }
      if (call.fn === 'lag') {
        const off = Number(call.constArgs[0] ?? 1);
        for (let r = from; r < to; r++) {
          const pos = before + (r - from) - off; // absolute index of the row `off` back
          let v: unknown = call.constArgs.length > 1 ? call.constArgs[1] : null;
          if (pos >= 0) v = this.rows.columns.get(call.args[0]!, this.idAt(p, pos, ids, from, before));
          out[r] = v;
        }
        continue;
      }
      acc!.grow(this.parts.capacity);
      const frame = call.frame;
      if (frame.units === 'rows') {
        for (let r = from; r < to; r++) {
          const abs = before + (r - from);
          if (frame.start.kind === 'offset') {
            // rows leaving the frame: everything before abs - n
            const first = abs + frame.start.offset;
            while (p.frameStart[c]! < first) this.retractAt(acc!, p, c, ids, from, before, rowsBatch);
          }
          this.one[0] = ids[r]!;
          acc!.add(rowsBatch, this.one, this.oneSlot, 1);
          out[r] = acc!.result(0, s);
        }
        continue;
      }
      // RANGE: every peer is inside the frame; rows older than t - n leave it
      if (frame.start.kind === 'offset') {
        const limit = t + frame.start.offset;
        while (p.frameStart[c]! < before && this.timeAt(p, p.frameStart[c]!) < limit) this.retractAt(acc!, p, c, ids, from, before, rowsBatch);
      }
      for (let r = from; r < to; r++) {
        this.one[0] = ids[r]!;
        acc!.add(rowsBatch, this.one, this.oneSlot, 1);
      }
      const v = acc!.result(0, s);
      for (let r = from; r < to; r++) out[r] = v;
    }
    p.count += to - from;
  }

  private timeAt(p: Partition, abs: number): number {
    return p.times[abs - p.base]!;
  }

  /** The row at absolute position `abs` of a partition: in its history, or in the group being processed. */
  private idAt(p: Partition, abs: number, ids: number[], from: number, before: number): number {
    return abs >= before ? ids[from + (abs - before)]! : p.ids[abs - p.base]!;
  }

  /** Takes the oldest row of call c's frame back out of its accumulator. */
  private retractAt(acc: AggregateState, p: Partition, c: number, ids: number[], from: number, before: number, rows: Batch): void {
    const abs = p.frameStart[c]!;
    this.one[0] = this.idAt(p, abs, ids, from, before);
    acc.retract(rows, this.one, this.oneSlot, 1);
    p.frameStart[c] = abs + 1;
  }

  /** Forgets the oldest rows of a partition once no bounded frame or LAG can read them. */
  private trim(s: number): void {
    const p = this.partitions[s]!;
    const last = p.times[p.times.length - 1] ?? -Infinity;
    let minStart = p.count;
    this.spec.calls.forEach((c, i) => {
      if (this.aggs[i] !== null && c.frame.start.kind === 'offset') minStart = Math.min(minStart, p.frameStart[i]!);
    });
    let drop = 0;
    while (drop < p.ids.length) {
      const abs = p.base + drop;
      const byRows = p.count - abs > this.keepRows;
      const byRange = this.keepRange === 0 || p.times[drop]! < last - this.keepRange;
      if (!(byRows && byRange && abs < minStart)) break;
      drop++;
    }
    if (drop > 0) {
      for (const x of p.ids.splice(0, drop)) this.rows.release(x);
      p.times.splice(0, drop);
      p.base += drop;
    }
  }

  watermark(wm: number): void {
    if (wm > this.wm) {
      this.wm = wm;
      if (this.spec.rowtime) this.release(wm);
    }
    this.out.watermark(wm);
  }

  idle(flag: boolean): void {
    this.out.idle(flag);
  }

  end(): void {
    this.release(Infinity);
    this.out.end();
  }
}
