/**
 * A regular join over two changelogs. Both inputs are kept in state (JoinSide); a row arriving on one
 * side is matched against the other side's rows with the same key (and the residual condition), then
 * stored. Retractions find and remove the stored row and retract what it produced.
 *
 * Outer joins: a row without a match is emitted padded with NULLs; when its first match arrives the
 * padded row is deleted (-D) before the joined row is inserted, and when its last match leaves the padded
 * row comes back. Semi and anti joins emit left rows as their match count leaves or reaches zero; a mark
 * join emits each left row with a boolean (IN / EXISTS in a SELECT list) and updates it when that flips.
 * NOT IN semantics (null-aware) also depend on whether the right side is empty or holds NULL keys; when
 * that changes, every left row is re-evaluated.
 */
import type { Batch, Column } from '../../types/batch.ts';
import { gatherColumnOrNull } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { physicalOf } from '../../types/data-type.ts';
import type { BoundExpr } from '../expr/expr.ts';
import { compilePairPredicate, type PairPredicateKernel } from '../expr/compile.ts';
import type { PhysicalJoinType } from '../physical-plan.ts';
import type { Emitter, ExecContext, Operator } from '../operator.ts';
import { WatermarkMerger } from '../operator.ts';
import { JoinSide, type JoinSideSnapshot } from './join-side.ts';
import { PendingTimer, snapshotOf, stateOf, u8From, type IncrementalCheckpointable, type OperatorSnapshot } from './checkpointable.ts';
import { remapTyped } from '../../state/compaction.ts';
import { FULL_STATE, type StateWriter } from '../../state/state-delta.ts';

const KIND = 'StreamJoin';
const VERSION = 1;

interface StreamJoinState {
  sides: [JoinSideSnapshot, JoinSideSnapshot];
  leftState: Uint8Array;
  rightTotal: number;
  rightNullKeys: number;
  marks: ReturnType<WatermarkMerger['exportState']>;
  ended: number;
  expiryAt: number | null;
}

export interface StreamJoinSpec {
  joinType: PhysicalJoinType;
  leftTypes: DataType[];
  rightTypes: DataType[];
  leftKeys: number[];
  rightKeys: number[];
  nullSafe: boolean[];
  residual: BoundExpr | null;
  nullAware: boolean;
}

const INSERT = 0;
const UPDATE_BEFORE = 1;
const UPDATE_AFTER = 2;
const DELETE = 3;
const FALSE = 0;
const TRUE = 1;
const UNKNOWN = 2;

/** Output rows of one push: kind, row of the arriving batch (or -1), stored row of the other side (or -1). */
class Out {
  kinds: number[] = [];
  batchRows: number[] = [];
  stateRows: number[] = [];
  marks: number[] = [];

  push(kind: number, batchRow: number, stateRow: number, mark = 0): void {
    this.kinds.push(kind);
    this.batchRows.push(batchRow);
    this.stateRows.push(stateRow);
    this.marks.push(mark);
  }

  clear(): void {
    this.kinds.length = 0;
    this.batchRows.length = 0;
    this.stateRows.length = 0;
    this.marks.length = 0;
  }
}

export class StreamJoinOperator implements Operator, IncrementalCheckpointable {
  readonly incrementalState = true;
  private readonly out: Emitter;
  private readonly ctx: ExecContext;
  private readonly t: PhysicalJoinType;
  private readonly sides: [JoinSide, JoinSide];
  private readonly types: [DataType[], DataType[]];
  private readonly residual: PairPredicateKernel | null;
  private readonly nullAware: boolean;
  private readonly marks = new WatermarkMerger(2);
  private readonly buf = new Out();
  private ended = 0;
  /** mark/anti joins: the value last emitted for each left row */
  private leftState = new Uint8Array(256);
  private rightTotal = 0;
  private rightNullKeys = 0;
  private readonly expiry = new PendingTimer();

  constructor(out: Emitter, ctx: ExecContext, spec: StreamJoinSpec) {
    this.out = out;
    this.ctx = ctx;
    this.t = spec.joinType === 'single' ? 'left' : spec.joinType;
    this.types = [spec.leftTypes, spec.rightTypes];
    this.sides = [
      new JoinSide(ctx.state, 'Join(left)', spec.leftTypes, spec.leftKeys, spec.nullSafe),
      new JoinSide(ctx.state, 'Join(right)', spec.rightTypes, spec.rightKeys, spec.nullSafe),
    ];
    this.residual = spec.residual ? compilePairPredicate(spec.residual, spec.leftTypes, spec.rightTypes, ctx.env) : null;
    this.nullAware = spec.nullAware;
  }

  /** State TTL: rows not written for `table.exec.state.ttl` are forgotten, checked every half TTL. */
  private scheduleExpiry(): void {
    const ttl = this.ctx.state.ttl;
    if (ttl <= 0 || this.expiry.pending) return;
    this.expiry.set(this.ctx, this.ctx.clock.now() + Math.max(1, Math.floor(ttl / 2)), () => this.expire());
  }

  private expire(): void {
    this.removeExpired();
    if (this.sides[0].rows + this.sides[1].rows > 0) this.scheduleExpiry();
  }

  /** Rows written before now - TTL are expired: invisible from here on, as if removed (see join-side.ts). */
  private hideExpired(): void {
    const limit = this.ctx.clock.now() - this.ctx.state.ttl;
    for (const side of this.sides) side.hideWrittenBefore(limit);
  }

  /** Removes the expired rows (between batches), then (when `compact` allows) compacts sides that are mostly free. */
  private removeExpired(compact = true): void {
    const limit = this.ctx.clock.now() - this.ctx.state.ttl;
    for (const side of this.sides) side.expireBefore(limit);
    if (!compact) return;
    const rows = this.sides[0].compact();
    if (rows !== null) this.leftState = remapTyped(this.leftState, rows, this.sides[0].arena.capacity, 0, 256);
    this.sides[1].compact();
  }

  /**
   * Incremental: rows and keys are written where the sides' row stores and key spaces marked changes
   * (rows added or removed, their list neighbours, match counts and semi/anti values changed on the
   * other side's rows); the rest is a few counters.
   */
  snapshotState(w: StateWriter = FULL_STATE): OperatorSnapshot {
    // expired rows are not saved: they are gone already, so a restored job never sees them (removing
    // them marks them, so a delta records the removal); a delta is written on the row and slot numbers
    // of the chain's base, so it never compacts (the sweep does; the next checkpoint is a full base)
    if (this.ctx.state.ttl > 0) this.removeExpired(!w.delta);
    const state: StreamJoinState = {
      sides: [this.sides[0].exportState(w), this.sides[1].exportState(w)],
      leftState: w.slots(this.leftState, this.sides[0].arena.capacity, this.sides[0].arena.changed),
      rightTotal: this.rightTotal,
      rightNullKeys: this.rightNullKeys,
      marks: this.marks.exportState(),
      ended: this.ended,
      expiryAt: this.expiry.at,
    };
    return snapshotOf(KIND, VERSION, state);
  }

  restoreState(snap: OperatorSnapshot): void {
    const s = stateOf<StreamJoinState>(snap, KIND, VERSION);
    this.sides[0].importState(s.sides[0]);
    this.sides[1].importState(s.sides[1]);
    this.leftState = u8From(s.leftState, 256);
    this.rightTotal = s.rightTotal;
    this.rightNullKeys = s.rightNullKeys;
    this.marks.importState(s.marks);
    // not s.ended: a resumed job tells the operators again of every input that had ended (its source
    // runner re-sends the end), so a restored count would reach 2 before the other input ends
    this.ended = 0;
    if (this.ctx.state.ttl > 0) this.expiry.restore(this.ctx, s.expiryAt, () => this.expire());
  }

  private preserved(side: number): boolean {
    const t = this.t;
    return side === 0 ? t === 'left' || t === 'full' : t === 'right' || t === 'full';
  }

  private leftOnly(): boolean {
    return this.t === 'semi' || this.t === 'anti' || this.t === 'mark';
  }

  push(batch: Batch, port: number): void {
    const n = batch.length;
    if (n === 0) return;
    if (this.ctx.state.ttl > 0) this.hideExpired();
    const S = this.sides[port]!;
    const O = this.sides[1 - port]!;
    const cols = batch.columns;
    const keyCols = S.keyColumns(cols);
    const kinds = batch.kinds;

    // candidate pairs: each row against the other side's rows with its key
    const pairRow: number[] = [];
    const pairState: number[] = [];
    const start = new Int32Array(n + 1);
    const nullKey = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      start[i] = pairRow.length;
      if (S.nullKey(cols, i)) {
        nullKey[i] = 1;
        continue;
      }
      for (let r = O.first(keyCols, i); r >= 0; r = O.nextOf(r)) {
        pairRow.push(i);
        pairState.push(r);
      }
    }
    start[n] = pairRow.length;
    let pass: Uint8Array | null = null;
    if (this.residual !== null && pairRow.length > 0) {
      const m = pairRow.length;
      const view: Batch = { columns: O.columnsView(), length: O.arena.capacity, kinds: null };
      const rows = Int32Array.from(pairRow);
      const states = Int32Array.from(pairState);
      const r = port === 0 ? this.residual(batch, view, rows, states, m) : this.residual(view, batch, states, rows, m);
      pass = new Uint8Array(m);
      for (let k = 0; k < r.n; k++) pass[r.sel[k]!] = 1;
    }

    // slots for rows that will be stored (assigned up front; keys emptied during the batch are released after)
    const storeRows: number[] = [];
    for (let i = 0; i < n; i++) {
      const k = kinds === null ? INSERT : kinds[i]!;
      if ((k === INSERT || k === UPDATE_AFTER) && this.stores(port, nullKey[i] === 1)) storeRows.push(i);
    }
    const slotOf = new Int32Array(n).fill(-1);
    if (storeRows.length > 0) {
      const slots = S.keys.slots(keyCols, Int32Array.from(storeRows), storeRows.length);
      for (let k = 0; k < storeRows.length; k++) slotOf[storeRows[k]!] = slots[k]!;
    }

    const out = this.buf;
    out.clear();
    const leftOnly = this.leftOnly();
    let globalChanged = false;
    for (let i = 0; i < n; i++) {
      const k = kinds === null ? INSERT : kinds[i]!;
      const insert = k === INSERT || k === UPDATE_AFTER;
      const matched: number[] = [];
      for (let p = start[i]!; p < start[i + 1]!; p++) if (pass === null || pass[p] === 1) matched.push(pairState[p]!);
      if (leftOnly) {
        globalChanged = (port === 0 ? this.leftRow(batch, i, k, insert, matched, nullKey[i] === 1, slotOf[i]!) : this.rightRowForLeftOnly(batch, i, insert, matched, nullKey[i] === 1, slotOf[i]!)) || globalChanged;
        continue;
      }
      this.regularRow(port, batch, i, k, insert, matched, slotOf[i]!);
    }
    S.releaseEmptyKeys();
    this.emit(batch, port);
    if (globalChanged) this.reevaluateLeft();
    if (this.ctx.state.ttl > 0) this.scheduleExpiry();
  }

  /** Whether rows of side `port` are kept: the other side may match them later (or they are padded). */
  private stores(port: number, nullKey: boolean): boolean {
    if (!nullKey) return true;
    // a NULL key never matches; only rows that are emitted on their own need to be found again
    if (this.leftOnly()) return true;
    return this.preserved(port);
  }

  private regularRow(port: number, batch: Batch, i: number, k: number, insert: boolean, matched: number[], slot: number): void {
    const S = this.sides[port]!;
    const O = this.sides[1 - port]!;
    const out = this.buf;
    const oPres = this.preserved(1 - port);
    const sPres = this.preserved(port);
    if (insert) {
      const kind = k === UPDATE_AFTER ? UPDATE_AFTER : INSERT;
      for (const r of matched) {
        if (oPres && O.matches[r] === 0) out.push(DELETE, -1, r);
        if (oPres) {
          O.matches[r]!++;
          O.markRow(r);
        }
        out.push(kind, i, r);
      }
      if (matched.length === 0 && sPres) out.push(kind, i, -1);
      if (slot >= 0) {
        const id = S.add(batch.columns, i, slot);
        S.matches[id] = matched.length;
        if (this.ctx.state.ttl > 0) S.touch(id, this.ctx.clock.now());
      }
      return;
    }
    const id = S.find(batch.columns, S.keyColumns(batch.columns), i);
    if (id < 0) {
      if (!S.nullKey(batch.columns, i) || sPres) this.ctx.countSkipped('Join', 'retraction of a row the join has no state for (expired or never inserted)');
      return;
    }
    const kind = k === UPDATE_BEFORE ? UPDATE_BEFORE : DELETE;
    for (const r of matched) {
      out.push(kind, i, r);
      if (oPres) O.markRow(r);
      if (oPres && --O.matches[r]! === 0) out.push(INSERT, -1, r);
    }
    if (matched.length === 0 && sPres) out.push(kind, i, -1);
    S.remove(id);
  }

  /** The value a left row has for mark and anti joins (FALSE, TRUE or UNKNOWN). */
  private valueOf(matches: number, leftKeyNull: boolean): number {
    if (matches > 0) return TRUE;
    if (this.nullAware && this.rightTotal > 0 && (this.rightNullKeys > 0 || leftKeyNull)) return UNKNOWN;
    return FALSE;
  }

  /** Whether a left row with this value is in the output of a semi or anti join. */
  private present(v: number): boolean {
    return this.t === 'semi' ? v === TRUE : v === FALSE;
  }

  private growLeftState(id: number): void {
    if (id >= this.leftState.length) {
      const next = new Uint8Array(Math.max(id + 1, this.leftState.length * 2));
      next.set(this.leftState);
      this.leftState = next;
    }
  }

  /** A left row of a semi, anti or mark join arrives or leaves. */
  private leftRow(batch: Batch, i: number, k: number, insert: boolean, matched: number[], nullKey: boolean, slot: number): boolean {
    const L = this.sides[0];
    const out = this.buf;
    if (insert) {
      const v = this.valueOf(matched.length, nullKey);
      const id = L.add(batch.columns, i, slot);
      L.matches[id] = matched.length;
      if (this.ctx.state.ttl > 0) L.touch(id, this.ctx.clock.now());
      this.growLeftState(id);
      this.leftState[id] = v;
      const kind = k === UPDATE_AFTER ? UPDATE_AFTER : INSERT;
      if (this.t === 'mark') out.push(kind, i, -1, v);
      else if (this.present(v)) out.push(kind, i, -1);
      return false;
    }
    const id = L.find(batch.columns, L.keyColumns(batch.columns), i);
    if (id < 0) {
      this.ctx.countSkipped('Join', 'retraction of a row the join has no state for (expired or never inserted)');
      return false;
    }
    const v = this.leftState[id]!;
    const kind = k === UPDATE_BEFORE ? UPDATE_BEFORE : DELETE;
    if (this.t === 'mark') out.push(kind, i, -1, v);
    else if (this.present(v)) out.push(kind, i, -1);
    L.remove(id);
    return false;
  }

  /** A right row of a semi, anti or mark join arrives or leaves: left rows whose value flips are re-emitted. */
  private rightRowForLeftOnly(batch: Batch, i: number, insert: boolean, matched: number[], nullKey: boolean, slot: number): boolean {
    const R = this.sides[1];
    const L = this.sides[0];
    const beforeTotal = this.rightTotal;
    const beforeNulls = this.rightNullKeys;
    if (insert) {
      const id = R.add(batch.columns, i, slot);
      if (this.ctx.state.ttl > 0) R.touch(id, this.ctx.clock.now());
      this.rightTotal++;
      if (nullKey) this.rightNullKeys++;
      for (const r of matched) {
        L.matches[r]!++;
        L.markRow(r);
      }
    } else {
      const id = R.find(batch.columns, R.keyColumns(batch.columns), i);
      if (id < 0) {
        this.ctx.countSkipped('Join', 'retraction of a row the join has no state for (expired or never inserted)');
        return false;
      }
      R.remove(id);
      this.rightTotal--;
      if (nullKey) this.rightNullKeys--;
      for (const r of matched) {
        L.matches[r]!--;
        L.markRow(r);
      }
    }
    const global = this.nullAware && ((beforeTotal === 0) !== (this.rightTotal === 0) || (beforeNulls === 0) !== (this.rightNullKeys === 0));
    if (!global) for (const r of matched) this.refreshLeft(r);
    return global;
  }

  /** Re-emits stored left row r if its value changed. */
  private refreshLeft(r: number): void {
    const L = this.sides[0];
    const leftKeyNull = L.nullKey(L.columnsView(), r);
    const v = this.valueOf(L.matches[r]!, leftKeyNull);
    const was = this.leftState[r]!;
    if (v === was) return;
    this.leftState[r] = v;
    this.sides[0].markRow(r);
    const out = this.buf;
    if (this.t === 'mark') {
      out.push(UPDATE_BEFORE, -1, r, was);
      out.push(UPDATE_AFTER, -1, r, v);
    } else if (this.present(was) !== this.present(v)) {
      out.push(this.present(v) ? INSERT : DELETE, -1, r);
    }
  }

  /** NOT IN semantics changed for every unmatched left row (the right side became empty or got a NULL key). */
  private reevaluateLeft(): void {
    this.buf.clear();
    for (const r of this.sides[0].allRows()) this.refreshLeft(r);
    this.emitFromState();
  }

  /** Builds the output batch of one push: columns of the arriving batch, of stored rows, or NULLs. */
  private emit(batch: Batch, port: number): void {
    const o = this.buf;
    const m = o.kinds.length;
    if (m === 0) return;
    const batchIdx = Int32Array.from(o.batchRows);
    const stateIdx = Int32Array.from(o.stateRows);
    const fromBatch = (types: DataType[]): Column[] => batch.columns.map((c, j) => gatherColumnOrNull(c, physicalOf(types[j]!), batchIdx, m));
    const fromState = (side: number): Column[] => this.sides[side]!.arena.gather(stateIdx, m);
    let columns: Column[];
    if (this.leftOnly()) {
      columns = port === 0 ? fromBatch(this.types[0]) : fromState(0);
      if (this.t === 'mark') columns.push(this.markColumn());
    } else {
      const own = fromBatch(this.types[port]!);
      const other = fromState(1 - port);
      columns = port === 0 ? [...own, ...other] : [...other, ...own];
    }
    this.out.emit({ columns, length: m, kinds: kindsOf(o.kinds) });
    o.clear();
  }

  private emitFromState(): void {
    const o = this.buf;
    const m = o.kinds.length;
    if (m === 0) return;
    const columns = this.sides[0].arena.gather(Int32Array.from(o.stateRows), m);
    if (this.t === 'mark') columns.push(this.markColumn());
    this.out.emit({ columns, length: m, kinds: kindsOf(o.kinds) });
    o.clear();
  }

  private markColumn(): Column {
    const marks = this.buf.marks;
    const m = marks.length;
    const values = new Uint8Array(m);
    let nulls: Uint8Array | null = null;
    for (let k = 0; k < m; k++) {
      if (marks[k] === TRUE) values[k] = 1;
      else if (marks[k] === UNKNOWN) (nulls ??= new Uint8Array(m))[k] = 1;
    }
    return { values, nulls };
  }

  watermark(wm: number, port: number): void {
    this.marks.forwardWatermark(port, wm, this.out);
  }

  idle(flag: boolean, port: number): void {
    this.marks.forwardIdle(port, flag, this.out);
  }

  end(port: number): void {
    this.marks.forwardEnd(port, this.out);
    if (++this.ended === 2) this.out.end();
  }
}

function kindsOf(kinds: number[]): Uint8Array | null {
  for (const k of kinds) if (k !== INSERT) return Uint8Array.from(kinds);
  return null;
}
