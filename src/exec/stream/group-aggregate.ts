/**
 * Group aggregation over a changelog (streaming). Per key: a row count and the accumulators; +I/+U rows
 * add, -U/-D rows retract. Changes are folded per batch (or per mini-batch): a key touched many times
 * emits one change, and a change that leaves the result as it was emits nothing. A key's first row is
 * `+I`, a change `-U old, +U new`, and a key whose count falls to zero `-D` (its state is dropped).
 * Without GROUP BY there is exactly one row, which exists even over no input (COUNT(*) = 0).
 *
 * With state TTL a key not written for the TTL is gone the moment it expires (see state/backend.ts):
 * a row for it starts the key over (+I), whether or not the sweep has removed it yet; expired keys are
 * removed by the sweep and before a snapshot, and the key space is compacted once mostly free.
 */
import type { Batch, Column } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import type { AggCall } from '../plan-types.ts';
import type { Emitter, ExecContext, Operator } from '../operator.ts';
import type { KeySlots } from '../../state/key-slots.ts';
import { StateTtl } from '../../state/backend.ts';
import { growF64, growI32, growU8 } from '../../util/grow.ts';
import { remapTyped, worthCompacting } from '../../state/compaction.ts';
import { AggregateState } from './aggregate-state.ts';
import { ChangeBuilder, sameResult } from './change-builder.ts';
import { PendingTimer, f64From, u8From, snapshotOf, stateMismatch, stateOf, type IncrementalCheckpointable, type OperatorSnapshot } from './checkpointable.ts';
import { FULL_STATE, type StateWriter } from '../../state/state-delta.ts';
import type { KeySlotsSnapshot } from '../../state/key-slots.ts';

const KIND = 'GroupAggregate';
const VERSION = 1;

interface GroupAggregateState {
  keys: KeySlotsSnapshot;
  counts: Float64Array;
  emitted: Uint8Array;
  aggs: unknown[];
  ttl: Float64Array | null;
  /** the pending mini-batch: slots touched since the last flush, in order, and their results before */
  dirty: Int32Array;
  before: unknown[][];
  pendingRows: number;
  flushAt: number | null;
  ttlAt: number | null;
}

export class GroupAggregateOperator implements Operator, IncrementalCheckpointable {
  readonly incrementalState = true;
  private readonly out: Emitter;
  private readonly ctx: ExecContext;
  private readonly groupKeys: number[];
  private readonly keys: KeySlots;
  private readonly aggs: AggregateState;
  private readonly output: ChangeBuilder;
  private readonly ttl: StateTtl;
  /** rows per slot */
  private counts = new Float64Array(256);
  /** 1 when the slot's row has been emitted (and not deleted) */
  private emitted = new Uint8Array(256);
  /** slots changed since the last flush, in first-touch order, with the results they had before */
  private dirty: number[] = [];
  private dirtyMark = new Int32Array(256);
  private before: unknown[][] = [];
  private pendingRows = 0;
  private readonly flushTimer = new PendingTimer();
  private addRows = new Int32Array(1024);
  private addSlots = new Int32Array(1024);
  private subRows = new Int32Array(1024);
  private subSlots = new Int32Array(1024);
  private readonly ttlTimer = new PendingTimer();

  /**
   * `retracting`: the input carries -U/-D rows, so accumulators keep what taking rows back needs (MIN and
   * MAX keep counts per value); over an insert-only input they keep just the result.
   */
  constructor(out: Emitter, ctx: ExecContext, inputTypes: DataType[], groupKeys: number[], aggs: AggCall[], outputTypes: DataType[], retracting: boolean) {
    this.out = out;
    this.ctx = ctx;
    this.groupKeys = groupKeys;
    this.keys = ctx.state.keySpace('GroupAggregate', groupKeys.map((k) => inputTypes[k]!));
    this.aggs = new AggregateState(aggs, inputTypes, retracting);
    this.output = new ChangeBuilder(outputTypes);
    this.ttl = new StateTtl(ctx.state.ttl);
    this.before = aggs.map(() => []);
  }

  private ensure(n: number): void {
    this.counts = growF64(this.counts, n);
    this.emitted = growU8(this.emitted, n);
    this.dirtyMark = growI32(this.dirtyMark, n);
    this.aggs.grow(n);
  }

  private buffers(n: number): void {
    if (this.addRows.length >= n) return;
    this.addRows = new Int32Array(n);
    this.addSlots = new Int32Array(n);
    this.subRows = new Int32Array(n);
    this.subSlots = new Int32Array(n);
  }

  /** Remembers a slot's results before its first change in this flush. */
  private touch(s: number): void {
    if (this.dirtyMark[s] !== 0) return;
    this.dirty.push(s);
    this.dirtyMark[s] = this.dirty.length;
    const emitted = this.emitted[s] === 1;
    for (let a = 0; a < this.aggs.width; a++) this.before[a]!.push(emitted ? this.aggs.result(a, s) : null);
  }

  push(batch: Batch): void {
    const n = batch.length;
    if (n === 0) return;
    const keyCols: Column[] = this.groupKeys.map((k) => batch.columns[k]!);
    const slots = this.keys.slots(keyCols, null, n);
    const created = this.keys.created;
    this.ensure(this.keys.capacity);
    this.buffers(n);
    const kinds = batch.kinds;
    const ttl = this.ttl.enabled;
    const now = ttl ? this.ctx.clock.now() : 0;
    let na = 0;
    let ns = 0;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      // expired state is gone even before the sweep removes it: the key starts over (its first touch here)
      if (ttl && created[i] === 0 && this.dirtyMark[s] === 0 && this.ttl.isExpired(s, now)) this.forget(s);
      this.touch(s);
      const k = kinds === null ? 0 : kinds[i]!;
      if (k === 0 || k === 2) {
        this.addRows[na] = i;
        this.addSlots[na++] = s;
      } else {
        this.subRows[ns] = i;
        this.subSlots[ns++] = s;
      }
    }
    const counts = this.counts;
    for (let k = 0; k < na; k++) counts[this.addSlots[k]!]!++;
    this.aggs.add(batch, this.addRows, this.addSlots, na);
    if (ns > 0) {
      // a retraction of a row the state never saw (state expired, a changelog that starts mid-way) is dropped
      let m = 0;
      let dropped = 0;
      for (let k = 0; k < ns; k++) {
        const s = this.subSlots[k]!;
        if (counts[s]! > 0) {
          counts[s]!--;
          this.subRows[m] = this.subRows[k]!;
          this.subSlots[m++] = s;
        } else dropped++;
      }
      this.aggs.retract(batch, this.subRows, this.subSlots, m);
      if (dropped > 0) this.ctx.countSkipped('GroupAggregate', 'retraction of a row the aggregate has no state for (expired or never inserted)');
    }
    if (ttl) {
      for (let i = 0; i < n; i++) this.ttl.touch(slots[i]!, now);
      this.scheduleTtl();
    }
    this.pendingRows += n;
    const mb = this.ctx.miniBatch;
    if (mb === null || this.pendingRows >= mb.size) this.flush();
    else if (!this.flushTimer.pending) this.flushTimer.set(this.ctx, this.ctx.clock.now() + mb.latency, () => this.flush());
  }

  /** Emits the net change of every key touched since the last flush. */
  private flush(): void {
    const global = this.groupKeys.length === 0;
    const width = this.aggs.width;
    const changedSlots = this.keys.changed;
    for (let d = 0; d < this.dirty.length; d++) {
      const s = this.dirty[d]!;
      this.dirtyMark[s] = 0;
      // a mini-batch may flush after the checkpoint that saw its rows arrive: what it writes is a change
      changedSlots.mark(s);
      const was = this.emitted[s] === 1;
      if (this.counts[s] === 0 && !global) {
        if (was) this.emitRow(3, s, d, true);
        this.emitted[s] = 0;
        this.aggs.reset(s);
        this.keys.release(s);
        continue;
      }
      if (!was) {
        this.emitRow(0, s, d, false);
        this.emitted[s] = 1;
        continue;
      }
      let changed = false;
      for (let a = 0; a < width && !changed; a++) changed = !sameResult(this.before[a]![d], this.aggs.result(a, s));
      if (!changed) continue;
      this.emitRow(1, s, d, true);
      this.emitRow(2, s, d, false);
    }
    this.dirty = [];
    for (const b of this.before) b.length = 0;
    this.pendingRows = 0;
    this.output.flushTo(this.out);
  }

  private emitRow(kind: number, s: number, d: number, old: boolean): void {
    const o = this.output;
    o.kind(kind);
    const kw = this.groupKeys.length;
    for (let c = 0; c < kw; c++) o.value(c, this.keys.keys.get(c, s));
    for (let a = 0; a < this.aggs.width; a++) o.value(kw + a, old ? this.before[a]![d] : this.aggs.result(a, s));
  }

  private scheduleTtl(): void {
    if (this.ttlTimer.pending) return;
    const every = Math.max(1, Math.floor(this.ttl.ttl / 2));
    this.ttlTimer.set(this.ctx, this.ctx.clock.now() + every, () => this.expire());
  }

  /**
   * The pending mini-batch is part of the state (the slots touched since the last flush and their
   * results before), so a restored operator emits exactly what this one would have at its next flush.
   * `flushPending` is the alternative a checkpoint barrier may take instead (Flink flushes mini-batches
   * at barriers).
   *
   * Incremental: every per-key array is written at the keys' changed slots (every slot a batch touched
   * comes from `keys.slots`, and released keys are marked by the key space); the pending mini-batch is
   * small and written whole.
   */
  snapshotState(w: StateWriter = FULL_STATE): OperatorSnapshot {
    // expired keys are not saved: they are gone already, so a restored job never sees them (their
    // release marks them, so a delta records the removal); a delta is written on the slot numbers of
    // the chain's base, so it never compacts (the sweep does, and the next checkpoint is a full base)
    if (this.ttl.enabled) this.removeExpired(this.ctx.clock.now(), !w.delta);
    const cap = this.keys.capacity;
    const changed = this.keys.changed;
    const state: GroupAggregateState = {
      keys: this.keys.exportState(w),
      counts: w.slots(this.counts, cap, changed),
      emitted: w.slots(this.emitted, cap, changed),
      aggs: this.aggs.exportState(w, changed),
      ttl: this.ttl.enabled ? this.ttl.exportState(cap, w, changed) : null,
      dirty: Int32Array.from(this.dirty),
      before: this.before.map((b) => [...b]),
      pendingRows: this.pendingRows,
      flushAt: this.flushTimer.at,
      ttlAt: this.ttlTimer.at,
    };
    return snapshotOf(KIND, VERSION, state);
  }

  restoreState(snap: OperatorSnapshot): void {
    const s = stateOf<GroupAggregateState>(snap, KIND, VERSION);
    if (s.aggs.length !== this.aggs.width) throw stateMismatch(`the saved ${KIND} state has ${s.aggs.length} aggregates where the plan has ${this.aggs.width}`);
    this.keys.importState(s.keys);
    const cap = Math.max(this.keys.capacity, 256);
    this.counts = f64From(s.counts, cap);
    this.emitted = u8From(s.emitted, cap);
    this.dirtyMark = new Int32Array(cap);
    this.aggs.grow(cap);
    this.aggs.importState(s.aggs);
    if (s.ttl !== null && this.ttl.enabled) this.ttl.importState(s.ttl);
    this.dirty = Array.from(s.dirty);
    this.dirty.forEach((slot, d) => { this.dirtyMark[slot] = d + 1; });
    this.before = s.before.map((b) => [...b]);
    this.pendingRows = s.pendingRows;
    this.flushTimer.restore(this.ctx, s.flushAt, () => this.flush());
    if (this.ttl.enabled) this.ttlTimer.restore(this.ctx, s.ttlAt, () => this.expire());
  }

  /** Emits the pending mini-batch now (a checkpoint barrier may flush instead of saving it). */
  flushPending(): void {
    if (this.dirty.length > 0) this.flush();
  }

  /** State not written for the TTL is forgotten silently, as Flink does: a later row for the key starts over. */
  private expire(): void {
    this.flush();
    this.removeExpired(this.ctx.clock.now());
    if (this.keys.size > 0) this.scheduleTtl();
  }

  /** A key's state as if it had never been written (the key stays). */
  private forget(s: number): void {
    this.counts[s] = 0;
    this.emitted[s] = 0;
    this.aggs.reset(s);
  }

  /**
   * Removes the expired keys (those of the pending mini-batch were written within it and stay), then
   * compacts the key space when most of it is free (and `compact` allows). Emits nothing: the keys are
   * gone already.
   */
  private removeExpired(now: number, compact = true): void {
    for (const s of this.ttl.expired(this.keys.liveSlots(), now)) {
      if (this.dirtyMark[s] !== 0) continue;
      this.forget(s);
      this.keys.release(s);
    }
    if (!compact || this.dirty.length > 0 || !worthCompacting(this.keys.capacity, this.keys.size) || !this.aggs.compactable) return;
    const remap = this.keys.compact();
    const n = this.keys.capacity;
    this.counts = remapTyped(this.counts, remap, n, 0, 256);
    this.emitted = remapTyped(this.emitted, remap, n, 0, 256);
    this.dirtyMark = new Int32Array(Math.max(n, 256));
    this.aggs.compact(remap, n);
    this.ttl.compact(remap, n);
  }

  watermark(wm: number): void {
    if (this.dirty.length > 0) this.flush();
    this.out.watermark(wm);
  }

  idle(flag: boolean): void {
    this.out.idle(flag);
  }

  end(): void {
    if (this.groupKeys.length === 0 && this.keys.size === 0) {
      // the one row of a global aggregate exists even when no row arrived
      this.keys.slots([], null, 1);
      this.ensure(this.keys.capacity);
      this.touch(0);
    }
    this.flush();
    this.out.end();
  }
}
