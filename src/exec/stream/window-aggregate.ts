/**
 * Window aggregation (GROUP BY window_start, window_end, ..) over windowed rows. Rows are grouped per
 * window end into a bucket with its own key space and accumulators; when the watermark (or the clock,
 * for processing-time windows) passes a window's end, the bucket emits one +I row per group and is
 * dropped. Rows for a window that is already over are late: dropped and counted. Retractions are
 * accepted (a changelog input) until the window fires.
 */
import type { Batch, Column } from '../../types/batch.ts';
import { valueAt } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import type { AggCall } from '../plan-types.ts';
import type { WindowTime } from '../physical-plan.ts';
import type { Emitter, ExecContext, Operator } from '../operator.ts';
import type { KeySlots } from '../../state/key-slots.ts';
import { growF64 } from '../../util/grow.ts';
import { AggregateState } from './aggregate-state.ts';
import { ChangeBuilder } from './change-builder.ts';
import { WindowClock } from './window-clock.ts';
import type { KeySlotsSnapshot } from '../../state/key-slots.ts';
import { f64From, head, snapshotOf, stateOf, type Checkpointable, type OperatorSnapshot } from './checkpointable.ts';

const KIND = 'WindowAggregate';
const VERSION = 1;

interface WindowAggregateState {
  watermark: number;
  /** the open windows, in the order they were opened */
  buckets: Array<{ end: number; start: unknown; time: unknown; keys: KeySlotsSnapshot; counts: Float64Array; aggs: unknown[] }>;
}

export interface WindowAggregateSpec {
  inputTypes: DataType[];
  outputTypes: DataType[];
  windowStart: number;
  windowEnd: number;
  /** window_time among the group keys, or -1 */
  windowTime: number;
  groupKeys: number[];
  aggs: AggCall[];
  time: WindowTime;
  ltz: boolean;
  /** The input carries retractions (accumulators must be able to take rows back). */
  retracting: boolean;
}

/** One window's groups; the window's own columns (start, end, time) are the same for all of them. */
class Bucket {
  readonly end: number;
  /** window_start and window_time of the window, from its first row */
  start: unknown = null;
  time: unknown = null;
  readonly keys: KeySlots;
  readonly aggs: AggregateState;
  counts = new Float64Array(16);

  constructor(end: number, keys: KeySlots, spec: WindowAggregateSpec) {
    this.end = end;
    this.keys = keys;
    this.aggs = new AggregateState(spec.aggs, spec.inputTypes, spec.retracting);
  }
}

export class WindowAggregateOperator implements Operator, Checkpointable {
  private readonly out: Emitter;
  private readonly ctx: ExecContext;
  private readonly spec: WindowAggregateSpec;
  /** group keys other than the window's own columns, in group-key order (the window is the bucket) */
  private readonly bucketKeys: number[];
  private readonly bucketKeyTypes: DataType[];
  private readonly buckets = new Map<number, Bucket>();
  private readonly clock: WindowClock;
  private readonly output: ChangeBuilder;
  private addRows = new Int32Array(1024);
  private subRows = new Int32Array(1024);
  private subSlots = new Int32Array(1024);

  constructor(out: Emitter, ctx: ExecContext, spec: WindowAggregateSpec) {
    this.out = out;
    this.ctx = ctx;
    this.spec = spec;
    this.bucketKeys = spec.groupKeys.filter((k) => k !== spec.windowEnd && k !== spec.windowStart && k !== spec.windowTime);
    this.bucketKeyTypes = this.bucketKeys.map((k) => spec.inputTypes[k]!);
    this.clock = new WindowClock(ctx, spec.time, spec.ltz);
    this.output = new ChangeBuilder(spec.outputTypes);
  }

  private bucket(end: number): Bucket {
    let b = this.buckets.get(end);
    if (b === undefined) {
      b = new Bucket(end, this.ctx.state.keySpace('WindowAggregate', this.bucketKeyTypes), this.spec);
      this.buckets.set(end, b);
      this.clock.onProcessingDeadline(end, () => this.fireUntil((e) => e === end));
    }
    return b;
  }

  snapshotState(): OperatorSnapshot {
    const state: WindowAggregateState = {
      watermark: this.clock.watermark,
      buckets: [...this.buckets.values()].map((b) => ({
        end: b.end, start: b.start, time: b.time, keys: b.keys.exportState(), counts: head(b.counts, b.keys.capacity), aggs: b.aggs.exportState(),
      })),
    };
    return snapshotOf(KIND, VERSION, state);
  }

  /** Reopens the saved windows (processing-time windows register their deadlines again). */
  restoreState(snap: OperatorSnapshot): void {
    const s = stateOf<WindowAggregateState>(snap, KIND, VERSION);
    this.clock.watermark = s.watermark;
    for (const saved of s.buckets) {
      const b = this.bucket(saved.end);
      b.start = saved.start;
      b.time = saved.time;
      b.keys.importState(saved.keys);
      b.counts = f64From(saved.counts, 16);
      b.aggs.grow(Math.max(b.keys.capacity, b.counts.length));
      b.aggs.importState(saved.aggs);
    }
  }

  push(batch: Batch): void {
    const n = batch.length;
    if (n === 0) return;
    const ends = batch.columns[this.spec.windowEnd]!.values as Float64Array;
    // rows per window end, in arrival order (a batch usually spans one or two windows)
    const groups = new Map<number, number[]>();
    let late = 0;
    for (let i = 0; i < n; i++) {
      const e = ends[i]!;
      let g = groups.get(e);
      if (g === undefined) {
        if (this.clock.isOver(e)) {
          late++;
          continue;
        }
        g = [];
        groups.set(e, g);
      }
      g.push(i);
    }
    if (late > 0) this.ctx.countLate('WindowAggregate', late);
    const keyCols: Column[] = this.bucketKeys.map((k) => batch.columns[k]!);
    const kinds = batch.kinds;
    for (const [e, rows] of groups) {
      const b = this.bucket(e);
      if (b.start === null) {
        b.start = valueAt(batch.columns[this.spec.windowStart]!, 'f64', rows[0]!);
        if (this.spec.windowTime >= 0) b.time = valueAt(batch.columns[this.spec.windowTime]!, 'f64', rows[0]!);
      }
      const m = rows.length;
      const rowIdx = Int32Array.from(rows);
      const slots = b.keys.slots(keyCols, rowIdx, m);
      b.counts = growF64(b.counts, b.keys.capacity);
      b.aggs.grow(b.keys.capacity);
      if (kinds === null) {
        for (let k = 0; k < m; k++) b.counts[slots[k]!]!++;
        b.aggs.add(batch, rowIdx, slots, m);
        continue;
      }
      if (this.addRows.length < m) {
        this.addRows = new Int32Array(m);
        this.subRows = new Int32Array(m);
        this.subSlots = new Int32Array(m);
      }
      const addSlots = new Int32Array(m);
      let na = 0;
      let ns = 0;
      for (let k = 0; k < m; k++) {
        const kind = kinds[rowIdx[k]!]!;
        if (kind === 0 || kind === 2) {
          this.addRows[na] = rowIdx[k]!;
          addSlots[na++] = slots[k]!;
        } else {
          this.subRows[ns] = rowIdx[k]!;
          this.subSlots[ns++] = slots[k]!;
        }
      }
      for (let k = 0; k < na; k++) b.counts[addSlots[k]!]!++;
      b.aggs.add(batch, this.addRows, addSlots, na);
      let kept = 0;
      for (let k = 0; k < ns; k++) {
        const s = this.subSlots[k]!;
        if (b.counts[s]! > 0) {
          b.counts[s]!--;
          this.subRows[kept] = this.subRows[k]!;
          this.subSlots[kept++] = s;
        }
      }
      b.aggs.retract(batch, this.subRows, this.subSlots, kept);
    }
  }

  /** Emits and drops the buckets whose window end satisfies `due`, in end order. */
  private fireUntil(due: (end: number) => boolean): void {
    const ready = [...this.buckets.keys()].filter(due).sort((a, b) => a - b);
    for (const e of ready) this.fire(this.buckets.get(e)!);
    this.output.flushTo(this.out);
  }

  private fire(b: Bucket): void {
    this.buckets.delete(b.end);
    this.ctx.state.drop(b.keys);
    const spec = this.spec;
    const o = this.output;
    const keyPos = new Map(this.bucketKeys.map((k, j) => [k, j]));
    const kw = spec.groupKeys.length;
    for (let s = 0; s < b.keys.capacity; s++) {
      if (!(b.counts[s]! > 0)) continue;
      o.kind(0);
      for (let c = 0; c < kw; c++) {
        const k = spec.groupKeys[c]!;
        o.value(c, k === spec.windowEnd ? b.end : k === spec.windowStart ? b.start : k === spec.windowTime ? b.time : b.keys.keys.get(keyPos.get(k)!, s));
      }
      for (let a = 0; a < spec.aggs.length; a++) o.value(kw + a, b.aggs.result(a, s));
      o.flushTo(this.out, false);
    }
  }

  watermark(wm: number): void {
    if (wm > this.clock.watermark) {
      this.clock.watermark = wm;
      if (this.clock.time === 'rowtime') this.fireUntil((e) => this.clock.isOver(e));
    }
    this.out.watermark(wm);
  }

  idle(flag: boolean): void {
    this.out.idle(flag);
  }

  end(): void {
    // bounded input: every window is complete
    this.fireUntil(() => true);
    this.out.end();
  }
}
