/**
 * Window join: both inputs are windowed (window_start/window_end columns) and the join condition
 * equates their windows. Rows wait per window end; when the window is over on both inputs, its rows are
 * joined once (inner, outer, semi or anti) and emitted as +I, and the window's state is dropped. Rows
 * for a window that is already over are late: dropped and counted.
 */
import type { Batch, Column } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import type { BoundExpr } from '../expr/expr.ts';
import { compilePairPredicate, type PairPredicateKernel } from '../expr/compile.ts';
import type { PhysicalJoinType, WindowTime } from '../physical-plan.ts';
import type { Emitter, ExecContext, Operator } from '../operator.ts';
import { WatermarkMerger } from '../operator.ts';
import type { RowArena } from '../../state/row-arena.ts';
import { keyEncoder, type KeyEncoder, type KeyValue } from '../../types/key-encoder.ts';
import { WindowClock } from './window-clock.ts';
import type { RowArenaSnapshot } from '../../state/row-arena.ts';
import { snapshotOf, stateOf, type Checkpointable, type OperatorSnapshot } from './checkpointable.ts';

const KIND = 'WindowJoin';
const VERSION = 1;

interface WindowJoinState {
  watermark: number;
  merger: ReturnType<WatermarkMerger['exportState']>;
  ended: number;
  arenas: [RowArenaSnapshot, RowArenaSnapshot];
  buckets: Array<{ end: number; left: Int32Array; right: Int32Array }>;
}

export interface WindowJoinSpec {
  joinType: PhysicalJoinType;
  leftTypes: DataType[];
  rightTypes: DataType[];
  leftWindowEnd: number;
  rightWindowEnd: number;
  leftKeys: number[];
  rightKeys: number[];
  nullSafe: boolean[];
  residual: BoundExpr | null;
  time: WindowTime;
  ltz: boolean;
}

export class WindowJoinOperator implements Operator, Checkpointable {
  private readonly out: Emitter;
  private readonly ctx: ExecContext;
  private readonly spec: WindowJoinSpec;
  private readonly arenas: [RowArena, RowArena];
  private readonly buckets = new Map<number, [number[], number[]]>();
  private readonly clock: WindowClock;
  private readonly merger = new WatermarkMerger(2);
  private readonly residual: PairPredicateKernel | null;
  private readonly encoders: [KeyEncoder, KeyEncoder];
  private ended = 0;

  constructor(out: Emitter, ctx: ExecContext, spec: WindowJoinSpec) {
    this.out = out;
    this.ctx = ctx;
    this.spec = spec;
    this.arenas = [ctx.state.rowStore('WindowJoin(left)', spec.leftTypes), ctx.state.rowStore('WindowJoin(right)', spec.rightTypes)];
    this.clock = new WindowClock(ctx, spec.time, spec.ltz);
    this.residual = spec.residual ? compilePairPredicate(spec.residual, spec.leftTypes, spec.rightTypes, ctx.env) : null;
    this.encoders = [
      keyEncoder(spec.leftKeys.map((k) => spec.leftTypes[k]!), spec.nullSafe),
      keyEncoder(spec.rightKeys.map((k) => spec.rightTypes[k]!), spec.nullSafe),
    ];
  }

  private bucket(end: number): [number[], number[]] {
    let b = this.buckets.get(end);
    if (b === undefined) {
      b = [[], []];
      this.buckets.set(end, b);
      this.clock.onProcessingDeadline(end, () => this.fireWhere((e) => e === end));
    }
    return b;
  }

  snapshotState(): OperatorSnapshot {
    const state: WindowJoinState = {
      watermark: this.clock.watermark,
      merger: this.merger.exportState(),
      ended: this.ended,
      arenas: [this.arenas[0].exportState(), this.arenas[1].exportState()],
      buckets: [...this.buckets].map(([end, [l, r]]) => ({ end, left: Int32Array.from(l), right: Int32Array.from(r) })),
    };
    return snapshotOf(KIND, VERSION, state);
  }

  restoreState(snap: OperatorSnapshot): void {
    const s = stateOf<WindowJoinState>(snap, KIND, VERSION);
    this.clock.watermark = s.watermark;
    this.merger.importState(s.merger);
    this.ended = s.ended;
    this.arenas[0].importState(s.arenas[0]);
    this.arenas[1].importState(s.arenas[1]);
    for (const saved of s.buckets) {
      const b = this.bucket(saved.end);
      for (const id of saved.left) b[0].push(id);
      for (const id of saved.right) b[1].push(id);
    }
  }

  push(batch: Batch, port: number): void {
    const n = batch.length;
    const ends = batch.columns[port === 0 ? this.spec.leftWindowEnd : this.spec.rightWindowEnd]!.values as Float64Array;
    const arena = this.arenas[port]!;
    let late = 0;
    for (let i = 0; i < n; i++) {
      const e = ends[i]!;
      if (!this.buckets.has(e) && this.clock.isOver(e)) {
        late++;
        continue;
      }
      this.bucket(e)[port]!.push(arena.add(batch.columns, i));
    }
    if (late > 0) this.ctx.countLate('WindowJoin', late);
  }

  private fireWhere(due: (end: number) => boolean): void {
    const ready = [...this.buckets.keys()].filter(due).sort((a, b) => a - b);
    for (const e of ready) {
      const [l, r] = this.buckets.get(e)!;
      this.buckets.delete(e);
      this.joinWindow(l, r);
      for (const id of l) this.arenas[0].release(id);
      for (const id of r) this.arenas[1].release(id);
    }
  }

  /** Joins one window's rows: a hash table on the right rows' keys, probed by the left rows. */
  private joinWindow(leftIds: number[], rightIds: number[]): void {
    const t = this.spec.joinType;
    const L = this.arenas[0].columns.asColumns();
    const R = this.arenas[1].columns.asColumns();
    const lk = this.spec.leftKeys.map((k) => L[k]!);
    const rk = this.spec.rightKeys.map((k) => R[k]!);
    const table = new Map<KeyValue, number[]>();
    for (const id of rightIds) {
      const key = this.encoders[1](rk, id);
      if (key === undefined) continue;
      let list = table.get(key);
      if (list === undefined) {
        list = [];
        table.set(key, list);
      }
      list.push(id);
    }
    const pl: number[] = [];
    const pr: number[] = [];
    for (const id of leftIds) {
      const key = this.encoders[0](lk, id);
      const list = key === undefined ? undefined : table.get(key);
      if (list) for (const r of list) { pl.push(id); pr.push(r); }
    }
    let pass: Uint8Array | null = null;
    if (this.residual && pl.length > 0) {
      const lb: Batch = { columns: L, length: this.arenas[0].capacity, kinds: null };
      const rb: Batch = { columns: R, length: this.arenas[1].capacity, kinds: null };
      const res = this.residual(lb, rb, Int32Array.from(pl), Int32Array.from(pr), pl.length);
      pass = new Uint8Array(pl.length);
      for (let k = 0; k < res.n; k++) pass[res.sel[k]!] = 1;
    }
    const outL: number[] = [];
    const outR: number[] = [];
    const matchedL = new Set<number>();
    const matchedR = new Set<number>();
    for (let k = 0; k < pl.length; k++) {
      if (pass !== null && pass[k] !== 1) continue;
      matchedL.add(pl[k]!);
      matchedR.add(pr[k]!);
      if (t !== 'semi' && t !== 'anti') { outL.push(pl[k]!); outR.push(pr[k]!); }
    }
    if (t === 'semi' || t === 'anti') {
      for (const id of leftIds) if (matchedL.has(id) === (t === 'semi')) outL.push(id);
      this.emitRows(outL, null);
      return;
    }
    if (t === 'left' || t === 'full') for (const id of leftIds) if (!matchedL.has(id)) { outL.push(id); outR.push(-1); }
    if (t === 'right' || t === 'full') for (const id of rightIds) if (!matchedR.has(id)) { outL.push(-1); outR.push(id); }
    this.emitRows(outL, outR);
  }

  private emitRows(left: number[], right: number[] | null): void {
    const m = left.length;
    if (m === 0) return;
    const columns: Column[] = this.arenas[0].gather(left, m);
    if (right !== null) columns.push(...this.arenas[1].gather(right, m));
    this.out.emit({ columns, length: m, kinds: null });
  }

  watermark(wm: number, port: number): void {
    this.advance(this.merger.update(port, wm));
  }

  idle(flag: boolean, port: number): void {
    this.advance(this.merger.setIdle(port, flag));
  }

  /** The combined watermark moved: windows it passed are over. */
  private advance(w: number | undefined): void {
    if (w === undefined || w === Infinity) return;
    this.clock.watermark = w;
    if (this.clock.time === 'rowtime') this.fireWhere((e) => this.clock.isOver(e));
    this.out.watermark(w);
  }

  end(port: number): void {
    this.advance(this.merger.close(port));
    if (++this.ended < 2) return;
    this.fireWhere(() => true);
    this.out.end();
  }
}
