/**
 * SESSION window aggregation. Rows wait per partition (the session's PARTITION BY keys). A session is a
 * run of rows of one partition, sorted by time, where each row starts no later than the previous rows'
 * time plus the gap (sessions that touch merge); it ends at its last row's time plus the gap. Once the
 * watermark reaches a session's end no row can join it any more: its rows are aggregated by the other
 * group keys, one +I row per group with window_start, window_end and window_time, and forgotten.
 *
 * Rows whose own session would already be over when they arrive (time + gap - 1 <= watermark) are late:
 * dropped and counted. Retractions remove a waiting row.
 */
import type { Batch, Column } from '../../types/batch.ts';
import { BATCH_SIZE } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { T } from '../../types/data-type.ts';
import type { AggCall, TvfWindow } from '../plan-types.ts';
import type { Emitter, ExecContext, Operator } from '../operator.ts';
import type { KeySlots } from '../../state/key-slots.ts';
import type { RowArena } from '../../state/row-arena.ts';
import { TimerQueue } from '../../state/timer-queue.ts';
import { GroupTable } from '../hash/group-table.ts';
import { instantToLocal, localToInstant } from '../../types/temporal.ts';
import { AggregateState } from './aggregate-state.ts';
import { ChangeBuilder } from './change-builder.ts';
import type { KeySlotsSnapshot } from '../../state/key-slots.ts';
import type { RowArenaSnapshot } from '../../state/row-arena.ts';
import { f64From, head, packLists, snapshotOf, stateOf, unpackLists, type Checkpointable, type ListsSnapshot, type OperatorSnapshot } from './checkpointable.ts';

const KIND = 'SessionWindowAggregate';
const VERSION = 1;

interface SessionState {
  parts: KeySlotsSnapshot;
  rows: RowArenaSnapshot;
  waiting: ListsSnapshot;
  times: Float64Array;
  /** nextCheck as parallel arrays, in insertion order (the order sessions close in at the end) */
  checkSlots: Int32Array;
  checkTimes: Float64Array;
  timers: { times: Float64Array; ids: Int32Array };
  watermark: number;
}

export interface SessionAggregateSpec {
  inputTypes: DataType[];
  outputTypes: DataType[];
  window: TvfWindow;
  groupKeys: number[];
  aggs: AggCall[];
  ltz: boolean;
}

interface Session {
  ids: number[];
  start: number;
  end: number;
}

export class SessionWindowAggregateOperator implements Operator, Checkpointable {
  private readonly out: Emitter;
  private readonly ctx: ExecContext;
  private readonly spec: SessionAggregateSpec;
  private readonly parts: KeySlots;
  private readonly rows: RowArena;
  /** rows waiting per partition slot */
  private waiting: Array<number[] | undefined> = [];
  /** the time (session-local) of each waiting row */
  private times = new Float64Array(256);
  /** per partition: the earliest time a session of it could end (the timer currently registered) */
  private readonly nextCheck = new Map<number, number>();
  private readonly timers = new TimerQueue();
  private currentWatermark = -Infinity;
  private readonly gap: number;

  constructor(out: Emitter, ctx: ExecContext, spec: SessionAggregateSpec) {
    this.out = out;
    this.ctx = ctx;
    this.spec = spec;
    this.gap = spec.window.size;
    this.parts = ctx.state.keySpace('SessionWindowAggregate', spec.window.partitionKeys.map((k) => spec.inputTypes[k]!));
    this.rows = ctx.state.rowStore('SessionWindowAggregate', spec.inputTypes);
  }

  snapshotState(): OperatorSnapshot {
    const state: SessionState = {
      parts: this.parts.exportState(),
      rows: this.rows.exportState(),
      waiting: packLists(this.waiting),
      times: head(this.times, this.rows.capacity),
      checkSlots: Int32Array.from(this.nextCheck.keys()),
      checkTimes: Float64Array.from(this.nextCheck.values()),
      timers: this.timers.exportState(),
      watermark: this.currentWatermark,
    };
    return snapshotOf(KIND, VERSION, state);
  }

  restoreState(snap: OperatorSnapshot): void {
    const s = stateOf<SessionState>(snap, KIND, VERSION);
    this.parts.importState(s.parts);
    this.rows.importState(s.rows);
    this.waiting = unpackLists(s.waiting);
    this.times = f64From(s.times, 256);
    this.nextCheck.clear();
    for (let i = 0; i < s.checkSlots.length; i++) this.nextCheck.set(s.checkSlots[i]!, s.checkTimes[i]!);
    this.timers.importState(s.timers);
    this.currentWatermark = s.watermark;
  }

  /** Session times are wall-clock times for TIMESTAMP_LTZ, like the SESSION table function's. */
  private local(ts: number): number {
    return this.spec.ltz ? instantToLocal(ts, this.ctx.env.timeZone) : ts;
  }

  /** The watermark value at which a session ending at `end` (session-local) is complete. */
  private closesAt(end: number): number {
    return this.spec.ltz ? localToInstant(end, this.ctx.env.timeZone) : end;
  }

  push(batch: Batch): void {
    const n = batch.length;
    if (n === 0) return;
    const w = this.spec.window;
    const partCols: Column[] = w.partitionKeys.map((k) => batch.columns[k]!);
    const slots = this.parts.slots(partCols, null, n);
    const time = batch.columns[w.timeColumn]!;
    const tv = time.values as Float64Array;
    const tn = time.nulls;
    const kinds = batch.kinds;
    let late = 0;
    const touched = new Set<number>();
    for (let i = 0; i < n; i++) {
      if (tn !== null && tn[i] === 1) {
        this.ctx.countSkipped('SessionWindowAggregate', 'a row whose time is NULL belongs to no session');
        continue;
      }
      const s = slots[i]!;
      const t = this.local(tv[i]!);
      if (this.closesAt(t + this.gap) - 1 <= this.currentWatermark) {
        late++;
        continue;
      }
      let list = this.waiting[s];
      if (list === undefined) {
        list = [];
        this.waiting[s] = list;
      }
      const k = kinds === null ? 0 : kinds[i]!;
      if (k === 0 || k === 2) {
        const id = this.rows.add(batch.columns, i);
        if (id >= this.times.length) {
          const next = new Float64Array(Math.max(id + 1, this.times.length * 2));
          next.set(this.times);
          this.times = next;
        }
        this.times[id] = t;
        list.push(id);
      } else {
        const at = list.findIndex((id) => this.rows.equalsRow(id, batch.columns, i));
        if (at < 0) {
          late++;
          continue;
        }
        this.rows.release(list[at]!);
        list.splice(at, 1);
      }
      touched.add(s);
    }
    if (late > 0) this.ctx.countLate('SessionWindowAggregate', late);
    for (const s of touched) this.schedule(s);
  }

  /**
   * Registers when partition s could first have a complete session: its earliest row plus the gap (a
   * lower bound), or `earliestEnd` when the sessions were just computed.
   */
  private schedule(s: number, earliestEnd?: number): void {
    const list = this.waiting[s];
    if (list === undefined || list.length === 0) {
      this.nextCheck.delete(s);
      if (list !== undefined) {
        this.waiting[s] = undefined;
        this.parts.release(s);
      }
      return;
    }
    let min = Infinity;
    if (earliestEnd === undefined) {
      for (const id of list) if (this.times[id]! < min) min = this.times[id]!;
      min += this.gap;
    } else min = earliestEnd;
    const at = this.closesAt(min);
    if (this.nextCheck.get(s) === at) return;
    this.nextCheck.set(s, at);
    this.timers.push(at, s);
  }

  watermark(wm: number): void {
    if (wm > this.currentWatermark) {
      this.currentWatermark = wm;
      this.fire(wm);
    }
    this.out.watermark(wm);
  }

  /** Emits every session that ends at or before `wm`. */
  private fire(wm: number): void {
    const due = new Set<number>();
    while (this.timers.size > 0 && this.timers.peekTime() <= wm) {
      const t = this.timers.peekTime();
      const s = this.timers.pop();
      if (this.nextCheck.get(s) === t) due.add(s);
    }
    if (due.size === 0) return;
    const closed: Session[] = [];
    for (const s of due) {
      this.nextCheck.delete(s);
      const list = this.waiting[s]!;
      const remaining: number[] = [];
      let earliestEnd = Infinity;
      for (const session of this.sessionsOf(list)) {
        if (this.closesAt(session.end) <= wm) closed.push(session);
        else {
          remaining.push(...session.ids);
          earliestEnd = Math.min(earliestEnd, session.end);
        }
      }
      this.waiting[s] = remaining;
      this.schedule(s, earliestEnd);
    }
    this.emit(closed);
  }

  /** The sessions of a partition's rows, by time. */
  private sessionsOf(list: number[]): Session[] {
    const sorted = [...list].sort((a, b) => this.times[a]! - this.times[b]! || a - b);
    const out: Session[] = [];
    let cur: Session | null = null;
    for (const id of sorted) {
      const t = this.times[id]!;
      if (cur !== null && t <= cur.end) {
        cur.ids.push(id);
        cur.end = Math.max(cur.end, t + this.gap);
        continue;
      }
      cur = { ids: [id], start: t, end: t + this.gap };
      out.push(cur);
    }
    return out;
  }

  /** Aggregates closed sessions by (session, group keys), one output row per group. */
  private emit(closed: Session[]): void {
    if (closed.length === 0) return;
    const spec = this.spec;
    for (let from = 0; from < closed.length;) {
      // bounded work per step: sessions in chunks of about a batch of rows
      let rows = 0;
      let to = from;
      while (to < closed.length && (rows === 0 || rows + closed[to]!.ids.length <= BATCH_SIZE)) rows += closed[to++]!.ids.length;
      const chunk = closed.slice(from, to);
      from = to;
      const ids: number[] = [];
      const sessionOf: number[] = [];
      chunk.forEach((s, j) => {
        for (const id of s.ids) {
          ids.push(id);
          sessionOf.push(j);
        }
      });
      const m = ids.length;
      const batch: Batch = { columns: this.rows.gather(ids, m), length: m, kinds: null };
      const sessionCol: Column = { values: Float64Array.from(sessionOf), nulls: null };
      const groups = new GroupTable([T.double(), ...spec.groupKeys.map((k) => spec.inputTypes[k]!)]);
      const gids = groups.assign([sessionCol, ...spec.groupKeys.map((k) => batch.columns[k]!)], null, m);
      const aggs = new AggregateState(spec.aggs, spec.inputTypes, false);
      aggs.grow(groups.size);
      const identity = new Int32Array(m);
      for (let k = 0; k < m; k++) identity[k] = k;
      aggs.add(batch, identity, gids, m);
      const keyCols = groups.keyColumns();
      const o = new ChangeBuilder(spec.outputTypes);
      const kw = spec.groupKeys.length;
      for (let g = 0; g < groups.size; g++) {
        const session = chunk[(keyCols[0]!.values as Float64Array)[g]!]!;
        o.kind(0);
        for (let c = 0; c < kw; c++) {
          const col = keyCols[c + 1]!;
          o.from(c, col, g);
        }
        for (let a = 0; a < spec.aggs.length; a++) o.value(kw + a, aggs.result(a, g));
        const end = session.end;
        o.value(kw + spec.aggs.length, session.start);
        o.value(kw + spec.aggs.length + 1, end);
        o.value(kw + spec.aggs.length + 2, spec.ltz ? localToInstant(end, this.ctx.env.timeZone) - 1 : end - 1);
      }
      for (const id of ids) this.rows.release(id);
      o.flushTo(this.out);
    }
  }

  idle(flag: boolean): void {
    this.out.idle(flag);
  }

  end(): void {
    // bounded input: every session is complete
    this.currentWatermark = Infinity;
    const closed: Session[] = [];
    for (const s of [...this.nextCheck.keys()]) {
      closed.push(...this.sessionsOf(this.waiting[s]!));
      this.waiting[s] = undefined;
    }
    this.nextCheck.clear();
    this.emit(closed);
    this.out.end();
  }
}
