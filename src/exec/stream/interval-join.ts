/**
 * Interval join: an equality join whose rows must also be close in time,
 * `lower <= left.time - right.time <= upper`. Both inputs are append-only. A left row at time t can only
 * meet right rows with times in [t - upper, t - lower], so once the right input's watermark passes
 * t - lower it is dropped from state (emitted padded with NULLs first if it is on the outer side and
 * never matched); right rows likewise once the left watermark passes their time + upper. The output
 * watermark is held back by the interval, so rows emitted later are not late downstream.
 */
import type { Batch } from '../../types/batch.ts';
import { gatherColumnOrNull } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { physicalOf } from '../../types/data-type.ts';
import type { BoundExpr } from '../expr/expr.ts';
import { compilePairPredicate, type PairPredicateKernel } from '../expr/compile.ts';
import type { PhysicalJoinType } from '../physical-plan.ts';
import type { Emitter, ExecContext, Operator } from '../operator.ts';
import { WatermarkMerger } from '../operator.ts';
import { TimerQueue } from '../../state/timer-queue.ts';
import { JoinSide, type JoinSideSnapshot } from './join-side.ts';
import { PendingTimer, snapshotOf, stateOf, type Checkpointable, type OperatorSnapshot } from './checkpointable.ts';

const KIND = 'IntervalJoin';
const VERSION = 1;

interface IntervalJoinState {
  sides: [JoinSideSnapshot, JoinSideSnapshot];
  expiry: [{ times: Float64Array; ids: Int32Array }, { times: Float64Array; ids: Int32Array }];
  merger: ReturnType<WatermarkMerger['exportState']>;
  marks: number[];
  ended: number;
  clockAt: number | null;
}

export interface IntervalJoinSpec {
  joinType: PhysicalJoinType;
  leftTypes: DataType[];
  rightTypes: DataType[];
  leftKeys: number[];
  rightKeys: number[];
  nullSafe: boolean[];
  leftTime: number;
  rightTime: number;
  lower: number;
  upper: number;
  residual: BoundExpr | null;
  rowtime: boolean;
}

export class IntervalJoinOperator implements Operator, Checkpointable {
  private readonly out: Emitter;
  private readonly ctx: ExecContext;
  private readonly spec: IntervalJoinSpec;
  private readonly sides: [JoinSide, JoinSide];
  private readonly types: [DataType[], DataType[]];
  private readonly expiry: [TimerQueue, TimerQueue] = [new TimerQueue(), new TimerQueue()];
  private readonly residual: PairPredicateKernel | null;
  private readonly merger = new WatermarkMerger(2);
  /** watermark per input */
  private readonly marks = [-Infinity, -Infinity];
  private ended = 0;
  private readonly clockTimer = new PendingTimer();

  constructor(out: Emitter, ctx: ExecContext, spec: IntervalJoinSpec) {
    this.out = out;
    this.ctx = ctx;
    this.spec = spec;
    this.types = [spec.leftTypes, spec.rightTypes];
    this.sides = [
      new JoinSide(ctx.state, 'IntervalJoin(left)', spec.leftTypes, spec.leftKeys, spec.nullSafe),
      new JoinSide(ctx.state, 'IntervalJoin(right)', spec.rightTypes, spec.rightKeys, spec.nullSafe),
    ];
    this.residual = spec.residual ? compilePairPredicate(spec.residual, spec.leftTypes, spec.rightTypes, ctx.env) : null;
  }

  private outer(side: number): boolean {
    const t = this.spec.joinType;
    return side === 0 ? t === 'left' || t === 'full' : t === 'right' || t === 'full';
  }

  /** The other input's watermark at which a row of `side` with time `t` can meet no more rows. */
  private expiresAt(side: number, t: number): number {
    return side === 0 ? t - this.spec.lower : t + this.spec.upper;
  }

  push(batch: Batch, port: number): void {
    const n = batch.length;
    if (n === 0) return;
    if (!this.spec.rowtime) this.advanceByClock();
    const S = this.sides[port]!;
    const O = this.sides[1 - port]!;
    const { lower, upper } = this.spec;
    const cols = batch.columns;
    const keyCols = S.keyColumns(cols);
    const sTime = cols[port === 0 ? this.spec.leftTime : this.spec.rightTime]!;
    const oTimeCol = port === 0 ? this.spec.rightTime : this.spec.leftTime;
    const oCols = O.columnsView();
    const oTimes = oCols[oTimeCol]!.values as Float64Array;
    const oTimeNulls = oCols[oTimeCol]!.nulls;
    const pairRow: number[] = [];
    const pairState: number[] = [];
    const valid = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (sTime.nulls !== null && sTime.nulls[i] === 1) continue; // no time: matches nothing
      valid[i] = 1;
      if (S.nullKey(cols, i)) continue;
      const t = (sTime.values as Float64Array)[i]!;
      // left - right within [lower, upper]
      const lo = port === 0 ? t - upper : t + lower;
      const hi = port === 0 ? t - lower : t + upper;
      for (let r = O.first(keyCols, i); r >= 0; r = O.nextOf(r)) {
        if (oTimeNulls !== null && oTimeNulls[r] === 1) continue;
        const rt = oTimes[r]!;
        if (rt < lo || rt > hi) continue;
        pairRow.push(i);
        pairState.push(r);
      }
    }
    let pass: Uint8Array | null = null;
    if (this.residual !== null && pairRow.length > 0) {
      const view: Batch = { columns: oCols, length: O.arena.capacity, kinds: null };
      const rows = Int32Array.from(pairRow);
      const states = Int32Array.from(pairState);
      const r = port === 0 ? this.residual(batch, view, rows, states, rows.length) : this.residual(view, batch, states, rows, rows.length);
      pass = new Uint8Array(rows.length);
      for (let k = 0; k < r.n; k++) pass[r.sel[k]!] = 1;
    }
    const outRows: number[] = [];
    const outState: number[] = [];
    const matched = new Int32Array(n);
    for (let k = 0; k < pairRow.length; k++) {
      if (pass !== null && pass[k] !== 1) continue;
      outRows.push(pairRow[k]!);
      outState.push(pairState[k]!);
      matched[pairRow[k]!]!++;
      O.matches[pairState[k]!]!++;
    }
    // store the rows that may still meet future rows of the other side; emit the others at once if outer
    const otherMark = this.spec.rowtime ? this.marks[1 - port]! : this.ctx.clock.now();
    const storeIdx: number[] = [];
    for (let i = 0; i < n; i++) {
      if (valid[i] === 0) {
        if (this.outer(port)) { outRows.push(i); outState.push(-1); }
        continue;
      }
      const exp = this.expiresAt(port, (sTime.values as Float64Array)[i]!);
      if (exp > otherMark && !S.nullKey(cols, i)) storeIdx.push(i);
      else if (this.outer(port) && matched[i] === 0) { outRows.push(i); outState.push(-1); }
    }
    if (storeIdx.length > 0) {
      const slots = S.keys.slots(keyCols, Int32Array.from(storeIdx), storeIdx.length);
      for (let k = 0; k < storeIdx.length; k++) {
        const i = storeIdx[k]!;
        const id = S.add(cols, i, slots[k]!);
        S.matches[id] = matched[i]!;
        this.expiry[port]!.push(this.expiresAt(port, (sTime.values as Float64Array)[i]!), id);
      }
    }
    this.emitPairs(batch, port, outRows, outState);
    if (!this.spec.rowtime) this.scheduleClock();
  }

  private emitPairs(batch: Batch, port: number, rows: number[], state: number[]): void {
    const m = rows.length;
    if (m === 0) return;
    const ri = Int32Array.from(rows);
    const si = Int32Array.from(state);
    const own = batch.columns.map((c, j) => gatherColumnOrNull(c, physicalOf(this.types[port]![j]!), ri, m));
    const other = this.sides[1 - port]!.arena.gather(si, m);
    this.out.emit({ columns: port === 0 ? [...own, ...other] : [...other, ...own], length: m, kinds: null });
  }

  /** Drops rows of `side` that the other side's watermark `mark` has made unmatchable (padding outer ones). */
  private expire(side: number, mark: number): void {
    const q = this.expiry[side]!;
    const S = this.sides[side]!;
    const padded: number[] = [];
    const gone: number[] = [];
    while (q.size > 0 && q.peekTime() <= mark) {
      const id = q.pop();
      if (this.outer(side) && S.matches[id] === 0) padded.push(id);
      gone.push(id);
    }
    if (padded.length > 0) {
      const m = padded.length;
      const own = S.arena.gather(padded, m);
      const none = this.sides[1 - side]!.arena.gather(new Int32Array(m).fill(-1), m);
      this.out.emit({ columns: side === 0 ? [...own, ...none] : [...none, ...own], length: m, kinds: null });
    }
    for (const id of gone) S.remove(id);
    S.releaseEmptyKeys();
  }

  watermark(wm: number, port: number): void {
    if (!this.spec.rowtime) return;
    if (wm > this.marks[port]!) {
      this.marks[port] = wm;
      this.expire(1 - port, wm);
    }
    const w = this.merger.update(port, wm);
    if (w !== undefined && w !== Infinity) this.out.watermark(w - this.holdBack());
  }

  /** How far behind the inputs the output watermark stays: rows emitted later have times down to this far back. */
  private holdBack(): number {
    return Math.max(0, this.spec.upper, -this.spec.lower);
  }

  idle(flag: boolean, port: number): void {
    const w = this.merger.setIdle(port, flag);
    if (w !== undefined && w !== Infinity) this.out.watermark(w - this.holdBack());
  }

  private advanceByClock(): void {
    const now = this.ctx.clock.now();
    this.expire(0, now);
    this.expire(1, now);
  }

  private scheduleClock(): void {
    if (this.clockTimer.pending) return;
    const next = Math.min(this.expiry[0].peekTime(), this.expiry[1].peekTime());
    if (next === Infinity) return;
    this.clockTimer.set(this.ctx, next, () => this.onClock());
  }

  private onClock(): void {
    this.advanceByClock();
    this.scheduleClock();
  }

  snapshotState(): OperatorSnapshot {
    const state: IntervalJoinState = {
      sides: [this.sides[0].exportState(), this.sides[1].exportState()],
      expiry: [this.expiry[0].exportState(), this.expiry[1].exportState()],
      merger: this.merger.exportState(),
      marks: [...this.marks],
      ended: this.ended,
      clockAt: this.clockTimer.at,
    };
    return snapshotOf(KIND, VERSION, state);
  }

  restoreState(snap: OperatorSnapshot): void {
    const s = stateOf<IntervalJoinState>(snap, KIND, VERSION);
    this.sides[0].importState(s.sides[0]);
    this.sides[1].importState(s.sides[1]);
    this.expiry[0].importState(s.expiry[0]);
    this.expiry[1].importState(s.expiry[1]);
    this.merger.importState(s.merger);
    this.marks[0] = s.marks[0]!;
    this.marks[1] = s.marks[1]!;
    // not s.ended: a resumed job tells the operators again of every input that had ended (its source
    // runner re-sends the end), so a restored count would reach 2 before the other input ends
    this.ended = 0;
    this.clockTimer.restore(this.ctx, s.clockAt, () => this.onClock());
  }

  end(port: number): void {
    // an ended input sends no more rows: the other side's rows waiting for it expire
    this.marks[port] = Infinity;
    this.expire(1 - port, Infinity);
    if (++this.ended < 2) return;
    this.out.end();
  }
}
