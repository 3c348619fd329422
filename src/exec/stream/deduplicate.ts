/**
 * Deduplication: `ROW_NUMBER() OVER (PARTITION BY k ORDER BY time [DESC]) = 1` over an append-only
 * stream keeps one row per key: the first (ASC) or the last (DESC) by the time attribute. By processing
 * time the first row is final at once (append-only output); by event time an earlier row may still
 * arrive, and keeping the last row always updates. Ties on event time keep the row that arrived first
 * (ASC) or last (DESC). Changes within a batch are folded into one per key.
 *
 * With state TTL a key not written for the TTL is gone the moment it expires (see state/backend.ts):
 * its next row is a first row again, whether or not the sweep removed the key yet; expired keys are
 * removed by the sweep and before a snapshot, and keys and rows are compacted once mostly free.
 */
import type { Batch, Column } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import type { Emitter, ExecContext } from '../operator.ts';
import { ForwardingOperator } from '../operator.ts';
import type { KeySlots } from '../../state/key-slots.ts';
import type { RowArena } from '../../state/row-arena.ts';
import { StateTtl } from '../../state/backend.ts';
import { growI32Filled } from '../../util/grow.ts';
import { remapTyped, worthCompacting } from '../../state/compaction.ts';
import type { KeySlotsSnapshot } from '../../state/key-slots.ts';
import type { RowArenaSnapshot } from '../../state/row-arena.ts';
import { PendingTimer, i32From, snapshotOf, stateOf, type IncrementalCheckpointable, type OperatorSnapshot } from './checkpointable.ts';
import { FULL_STATE, type StateWriter } from '../../state/state-delta.ts';

const KIND = 'Deduplicate';
const VERSION = 1;

interface DeduplicateState {
  keys: KeySlotsSnapshot;
  rows: RowArenaSnapshot;
  kept: Int32Array;
  ttl: Float64Array | null;
  ttlAt: number | null;
}

/** `kept` marker of a key whose first row (by arrival) was emitted: the row itself is not needed any more. */
const SEEN = 0x7fffffff;

export interface DeduplicateSpec {
  inputTypes: DataType[];
  keys: number[];
  keepLast: boolean;
  timeColumn: number;
  rowtime: boolean;
  /** Append a constant rank column (1). */
  outputRank: boolean;
}

export class DeduplicateOperator extends ForwardingOperator implements IncrementalCheckpointable {
  readonly incrementalState = true;
  private readonly ctx: ExecContext;
  private readonly spec: DeduplicateSpec;
  private readonly keys: KeySlots;
  private readonly rows: RowArena;
  private readonly ttl: StateTtl;
  /** the row kept per key (-1: none yet) */
  private kept = new Int32Array(256).fill(-1);
  private readonly ttlTimer = new PendingTimer();

  constructor(out: Emitter, ctx: ExecContext, spec: DeduplicateSpec) {
    super(out);
    this.ctx = ctx;
    this.spec = spec;
    this.keys = ctx.state.keySpace('Deduplicate', spec.keys.map((k) => spec.inputTypes[k]!));
    this.rows = ctx.state.rowStore('Deduplicate', spec.inputTypes);
    this.ttl = new StateTtl(ctx.state.ttl);
  }

  push(batch: Batch): void {
    const n = batch.length;
    if (n === 0) return;
    const { keepLast, rowtime, timeColumn } = this.spec;
    const keyCols: Column[] = this.spec.keys.map((k) => batch.columns[k]!);
    const slots = this.keys.slots(keyCols, null, n);
    this.kept = growI32Filled(this.kept, this.keys.capacity, -1);
    if (this.ttl.enabled) {
      // expired state is gone even before the sweep removes it: the key's next row is a first row again
      const created = this.keys.created;
      const now = this.ctx.clock.now();
      for (let i = 0; i < n; i++) {
        const s = slots[i]!;
        if (created[i] === 0 && this.kept[s] !== -1 && this.ttl.isExpired(s, now)) this.forget(s);
      }
    }
    const time = batch.columns[timeColumn]!;
    const tv = time.values as Float64Array;
    const tn = time.nulls;
    // first-touch snapshot of the kept row, and the candidate chosen within this batch (batch row index)
    const before = new Map<number, number>();
    const chosen = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      if (!before.has(s)) before.set(s, this.kept[s]!);
      const current = chosen.get(s);
      if (current === undefined && this.kept[s]! < 0) {
        chosen.set(s, i);
        continue;
      }
      if (!keepLast && !rowtime) continue; // the first row by arrival is final
      if (keepLast && !rowtime) {
        chosen.set(s, i);
        continue;
      }
      // by event time: compare with the batch's candidate or the kept row
      const t = tn !== null && tn[i] === 1 ? -Infinity : tv[i]!;
      const other = current !== undefined ? (tn !== null && tn[current] === 1 ? -Infinity : tv[current]!) : this.keptTime(this.kept[s]!);
      if (keepLast ? t >= other : t < other) chosen.set(s, i);
    }
    const ids: number[] = [];
    const kinds: number[] = [];
    const released: number[] = [];
    const now = this.ttl.enabled ? this.ctx.clock.now() : 0;
    for (const [s, i] of chosen) {
      const old = before.get(s)!;
      const id = this.rows.add(batch.columns, i);
      if (old >= 0) {
        ids.push(old); kinds.push(1);
        ids.push(id); kinds.push(2);
        released.push(old);
      } else {
        ids.push(id); kinds.push(0);
      }
      this.kept[s] = id;
      if (this.ttl.enabled) this.ttl.touch(s, now);
    }
    if (ids.length > 0) {
      const columns = this.rows.gather(ids, ids.length);
      if (this.spec.outputRank) columns.push({ values: new Float64Array(ids.length).fill(1), nulls: null });
      this.out.emit({ columns, length: ids.length, kinds: kinds.every((k) => k === 0) ? null : Uint8Array.from(kinds) });
    }
    for (const id of released) this.rows.release(id);
    if (!keepLast && !rowtime) {
      // nothing later can replace a first row by arrival: keep the key, not the row
      for (const [s] of chosen) {
        this.rows.release(this.kept[s]!);
        this.kept[s] = SEEN;
      }
    }
    if (this.ttl.enabled) this.scheduleTtl();
  }

  private keptTime(id: number): number {
    const cols = this.rows.columns;
    return cols.isNull(this.spec.timeColumn, id) ? -Infinity : cols.number(this.spec.timeColumn, id);
  }

  private scheduleTtl(): void {
    if (this.ttlTimer.pending) return;
    this.ttlTimer.set(this.ctx, this.ctx.clock.now() + Math.max(1, Math.floor(this.ttl.ttl / 2)), () => this.expire());
  }

  private expire(): void {
    this.removeExpired(this.ctx.clock.now());
    if (this.keys.size > 0) this.scheduleTtl();
  }

  /** A key's state as if it had never been written (the key stays). */
  private forget(s: number): void {
    const id = this.kept[s]!;
    if (id >= 0 && id !== SEEN) this.rows.release(id);
    this.kept[s] = -1;
  }

  /**
   * Removes the expired keys and their rows, then (when `compact` allows) compacts keys and rows when
   * most of them are free.
   */
  private removeExpired(now: number, compact = true): void {
    for (const s of this.ttl.expired(this.keys.liveSlots(), now)) {
      this.forget(s);
      this.keys.release(s);
    }
    if (!compact) return;
    if (worthCompacting(this.rows.capacity, this.rows.size)) {
      const remap = this.rows.compact();
      for (let s = 0; s < this.keys.capacity; s++) {
        const id = this.kept[s]!;
        if (id >= 0 && id !== SEEN) this.kept[s] = remap[id]!;
      }
    }
    if (worthCompacting(this.keys.capacity, this.keys.size)) {
      const remap = this.keys.compact();
      const n = this.keys.capacity;
      this.kept = remapTyped(this.kept, remap, n, -1, 256);
      this.ttl.compact(remap, n);
    }
  }

  /** Incremental: the kept row per key changes only for keys a batch touched or that expired. */
  snapshotState(w: StateWriter = FULL_STATE): OperatorSnapshot {
    // expired keys are not saved: they are gone already, so a restored job never sees them (their
    // release marks them, so a delta records the removal); a delta is written on the slot and row
    // numbers of the chain's base, so it never compacts (the sweep does; the next checkpoint is a base)
    if (this.ttl.enabled) this.removeExpired(this.ctx.clock.now(), !w.delta);
    const cap = this.keys.capacity;
    const changed = this.keys.changed;
    const state: DeduplicateState = {
      keys: this.keys.exportState(w),
      rows: this.rows.exportState(w),
      kept: w.slots(this.kept, cap, changed),
      ttl: this.ttl.enabled ? this.ttl.exportState(cap, w, changed) : null,
      ttlAt: this.ttlTimer.at,
    };
    return snapshotOf(KIND, VERSION, state);
  }

  restoreState(snap: OperatorSnapshot): void {
    const s = stateOf<DeduplicateState>(snap, KIND, VERSION);
    this.keys.importState(s.keys);
    this.rows.importState(s.rows);
    this.kept = i32From(s.kept, 256, -1);
    if (this.ttl.enabled) {
      if (s.ttl !== null) this.ttl.importState(s.ttl);
      this.ttlTimer.restore(this.ctx, s.ttlAt, () => this.expire());
    }
  }
}
