/**
 * Event-time temporal join: `FROM l JOIN r FOR SYSTEM_TIME AS OF l.t ON l.k = r.pk`. The right input is
 * a versioned table: each +I/+U row is a version of its key valid from its rowtime, each -D a tombstone
 * (-U is superseded by the +U that follows). A left row waits until the watermarks of both inputs pass
 * its time, then meets the version of its key that was valid at that time (the latest one not after it;
 * among versions with the same time, the one that arrived last). Versions that no waiting or future left
 * row can see are dropped. The same operator runs in batch mode, where everything fires at the end.
 */
import type { Batch, Column } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import type { BoundExpr } from '../expr/expr.ts';
import { compilePairPredicate, type PairPredicateKernel } from '../expr/compile.ts';
import type { Emitter, ExecContext, Operator } from '../operator.ts';
import { WatermarkMerger } from '../operator.ts';
import type { KeySlots } from '../../state/key-slots.ts';
import type { RowArena } from '../../state/row-arena.ts';
import { TimerQueue } from '../../state/timer-queue.ts';
import type { KeySlotsSnapshot } from '../../state/key-slots.ts';
import type { RowArenaSnapshot } from '../../state/row-arena.ts';
import { snapshotOf, stateOf, type Checkpointable, type OperatorSnapshot } from './checkpointable.ts';

const KIND = 'TemporalJoin';
const VERSION = 1;

interface TemporalJoinState {
  left: RowArenaSnapshot;
  right: RowArenaSnapshot;
  versionKeys: KeySlotsSnapshot;
  /** per version key slot: how many versions (-1: none), then all versions' times and row ids */
  counts: Int32Array;
  times: Float64Array;
  ids: Int32Array;
  waiting: { times: Float64Array; ids: Int32Array };
  merger: ReturnType<WatermarkMerger['exportState']>;
  wm: number;
  ended: number;
}

export interface TemporalJoinSpec {
  joinType: 'inner' | 'left';
  leftTypes: DataType[];
  rightTypes: DataType[];
  leftKeys: number[];
  rightKeys: number[];
  nullSafe: boolean[];
  leftTime: number;
  rightTime: number;
  residual: BoundExpr | null;
}

/** A key's versions, sorted by time; id -1 is a tombstone. */
interface Versions {
  times: number[];
  ids: number[];
}

export class TemporalJoinOperator implements Operator, Checkpointable {
  private readonly out: Emitter;
  private readonly spec: TemporalJoinSpec;
  private readonly left: RowArena;
  private readonly right: RowArena;
  private readonly versionKeys: KeySlots;
  private versions: Array<Versions | undefined> = [];
  private readonly waiting = new TimerQueue();
  private readonly merger = new WatermarkMerger(2);
  private readonly residual: PairPredicateKernel | null;
  private readonly strict: number[];
  private wm = -Infinity;
  private ended = 0;

  constructor(out: Emitter, ctx: ExecContext, spec: TemporalJoinSpec) {
    this.out = out;
    this.spec = spec;
    this.left = ctx.state.rowStore('TemporalJoin(left)', spec.leftTypes);
    this.right = ctx.state.rowStore('TemporalJoin(versions)', spec.rightTypes);
    this.versionKeys = ctx.state.keySpace('TemporalJoin(versions)', spec.rightKeys.map((k) => spec.rightTypes[k]!));
    this.residual = spec.residual ? compilePairPredicate(spec.residual, spec.leftTypes, spec.rightTypes, ctx.env) : null;
    this.strict = spec.nullSafe.map((s, i) => (s ? -1 : i)).filter((i) => i >= 0);
  }

  snapshotState(): OperatorSnapshot {
    const n = this.versions.length;
    const counts = new Int32Array(n);
    let total = 0;
    for (let s = 0; s < n; s++) {
      const v = this.versions[s];
      counts[s] = v === undefined ? -1 : v.times.length;
      if (v !== undefined) total += v.times.length;
    }
    const times = new Float64Array(total);
    const ids = new Int32Array(total);
    let k = 0;
    for (const v of this.versions) {
      if (v === undefined) continue;
      for (let j = 0; j < v.times.length; j++, k++) {
        times[k] = v.times[j]!;
        ids[k] = v.ids[j]!;
      }
    }
    const state: TemporalJoinState = {
      left: this.left.exportState(), right: this.right.exportState(), versionKeys: this.versionKeys.exportState(),
      counts, times, ids, waiting: this.waiting.exportState(), merger: this.merger.exportState(), wm: this.wm, ended: this.ended,
    };
    return snapshotOf(KIND, VERSION, state);
  }

  restoreState(snap: OperatorSnapshot): void {
    const s = stateOf<TemporalJoinState>(snap, KIND, VERSION);
    this.left.importState(s.left);
    this.right.importState(s.right);
    this.versionKeys.importState(s.versionKeys);
    this.versions = new Array(s.counts.length);
    let k = 0;
    for (let slot = 0; slot < s.counts.length; slot++) {
      const c = s.counts[slot]!;
      if (c < 0) continue;
      this.versions[slot] = { times: Array.from(s.times.subarray(k, k + c)), ids: Array.from(s.ids.subarray(k, k + c)) };
      k += c;
    }
    this.waiting.importState(s.waiting);
    this.merger.importState(s.merger);
    this.wm = s.wm;
    this.ended = s.ended;
  }

  push(batch: Batch, port: number): void {
    if (port === 0) this.pushLeft(batch);
    else this.pushRight(batch);
  }

  private pushLeft(batch: Batch): void {
    const time = batch.columns[this.spec.leftTime]!;
    const tv = time.values as Float64Array;
    const pending: number[] = [];
    for (let i = 0; i < batch.length; i++) {
      const id = this.left.add(batch.columns, i);
      const t = time.nulls !== null && time.nulls[i] === 1 ? -Infinity : tv[i]!;
      this.waiting.push(t, id);
      if (t <= this.wm) pending.push(id);
    }
    // rows already behind the watermark are joined at once with what the versions say now
    if (pending.length > 0) this.fire(this.wm);
  }

  private pushRight(batch: Batch): void {
    const keyCols: Column[] = this.spec.rightKeys.map((k) => batch.columns[k]!);
    const slots = this.versionKeys.slots(keyCols, null, batch.length);
    const time = batch.columns[this.spec.rightTime]!;
    const tv = time.values as Float64Array;
    const kinds = batch.kinds;
    for (let i = 0; i < batch.length; i++) {
      const k = kinds === null ? 0 : kinds[i]!;
      if (k === 1) continue; // -U: the +U that follows is the new version
      if (time.nulls !== null && time.nulls[i] === 1) continue;
      const s = slots[i]!;
      let v = this.versions[s];
      if (v === undefined) {
        v = { times: [], ids: [] };
        this.versions[s] = v;
      }
      const t = tv[i]!;
      const id = k === 3 ? -1 : this.right.add(batch.columns, i);
      // after every version with the same or an earlier time: the latest arrival wins a tie
      let at = v.times.length;
      while (at > 0 && v.times[at - 1]! > t) at--;
      v.times.splice(at, 0, t);
      v.ids.splice(at, 0, id);
      this.prune(v);
    }
  }

  /** Keeps, of the versions at or before the watermark, only the latest: no future left row sees the others. */
  private prune(v: Versions): void {
    let last = -1;
    for (let j = 0; j < v.times.length && v.times[j]! <= this.wm; j++) last = j;
    if (last <= 0) return;
    for (let j = 0; j < last; j++) if (v.ids[j]! >= 0) this.right.release(v.ids[j]!);
    v.times.splice(0, last);
    v.ids.splice(0, last);
  }

  /** Joins the waiting left rows with times up to `wm`. */
  private fire(wm: number): void {
    const ids: number[] = [];
    while (this.waiting.size > 0 && this.waiting.peekTime() <= wm) ids.push(this.waiting.pop());
    if (ids.length === 0) return;
    const L = this.left.columns.asColumns();
    const keyCols = this.spec.leftKeys.map((k) => L[k]!);
    const lt = L[this.spec.leftTime]!;
    const pairsL: number[] = [];
    const pairsR: number[] = [];
    const touched = new Set<Versions>();
    for (const id of ids) {
      if (this.strict.some((c) => keyCols[c]!.nulls !== null && keyCols[c]!.nulls![id] === 1)) continue;
      const s = this.versionKeys.find(keyCols, id);
      const v = s < 0 ? undefined : this.versions[s];
      if (v === undefined) continue;
      touched.add(v);
      const t = lt.nulls !== null && lt.nulls[id] === 1 ? -Infinity : (lt.values as Float64Array)[id]!;
      let j = v.times.length - 1;
      while (j >= 0 && v.times[j]! > t) j--;
      if (j >= 0 && v.ids[j]! >= 0) {
        pairsL.push(id);
        pairsR.push(v.ids[j]!);
      }
    }
    let keepL = pairsL;
    let keepR = pairsR;
    if (this.residual !== null && pairsL.length > 0) {
      const r = this.residual(
        { columns: L, length: this.left.capacity, kinds: null },
        { columns: this.right.columns.asColumns(), length: this.right.capacity, kinds: null },
        Int32Array.from(pairsL), Int32Array.from(pairsR), pairsL.length,
      );
      keepL = [];
      keepR = [];
      for (let k = 0; k < r.n; k++) {
        keepL.push(pairsL[r.sel[k]!]!);
        keepR.push(pairsR[r.sel[k]!]!);
      }
    }
    if (this.spec.joinType === 'left') {
      const matched = new Set(keepL);
      for (const id of ids) {
        if (!matched.has(id)) {
          keepL.push(id);
          keepR.push(-1);
        }
      }
    }
    const m = keepL.length;
    if (m > 0) {
      const columns = [...this.left.gather(keepL, m), ...this.right.gather(keepR, m)];
      this.out.emit({ columns, length: m, kinds: null });
    }
    for (const id of ids) this.left.release(id);
    for (const v of touched) this.prune(v);
  }

  watermark(wm: number, port: number): void {
    this.advance(this.merger.update(port, wm));
  }

  idle(flag: boolean, port: number): void {
    this.advance(this.merger.setIdle(port, flag));
  }

  private advance(w: number | undefined): void {
    if (w === undefined) return;
    this.wm = w;
    this.fire(w);
    if (w !== Infinity) this.out.watermark(w);
  }

  end(port: number): void {
    // the right side ending leaves its versions valid forever; the left side ending leaves nothing to join
    if (port === 1) this.advance(this.merger.close(1));
    if (++this.ended < 2) return;
    this.fire(Infinity);
    this.out.end();
  }
}
