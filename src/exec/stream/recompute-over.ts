/**
 * OVER windows that cannot be computed row by row as time passes: ordered by something other than a
 * time attribute, looking at rows after the current one (LEAD, NTILE, frames ending in FOLLOWING), or
 * reading an updating input (an OVER window over a Top-N, as Nexmark q6 does). Every row of a
 * partition is kept; after a batch, each partition it changed is computed again, as batch mode
 * computes it, and compared with what was emitted: rows that appeared are inserted, rows that went are
 * deleted, rows whose results changed are updated (-U/+U).
 *
 * Work is proportional to the size of the partitions a batch touches, so this suits partitioned windows
 * over moderate partitions; a window over the whole input recomputes everything per batch.
 */
import type { Batch, Column } from '../../types/batch.ts';
import { ColumnBuilder } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { physicalOf } from '../../types/data-type.ts';
import type { WindowCall } from '../plan-types.ts';
import type { Emitter, ExecContext } from '../operator.ts';
import { ForwardingOperator } from '../operator.ts';
import type { KeySlots } from '../../state/key-slots.ts';
import type { RowArena } from '../../state/row-arena.ts';
import { OverAggregateOperator } from '../operators/over-aggregate.ts';
import { sameResult } from './change-builder.ts';
import type { KeySlotsSnapshot } from '../../state/key-slots.ts';
import type { RowArenaSnapshot } from '../../state/row-arena.ts';
import { snapshotOf, stateOf, type Checkpointable, type OperatorSnapshot } from './checkpointable.ts';

const KIND = 'RecomputeOverAggregate';
const VERSION = 1;

interface RecomputeOverState {
  keys: KeySlotsSnapshot;
  rows: RowArenaSnapshot;
  /** per partition slot (null: none): its row ids, and the results emitted per row (ids and values in the same order) */
  parts: Array<{ ids: Int32Array; emittedIds: Int32Array; emitted: unknown[][] } | null>;
}

interface Partition {
  /** Row ids in arrival order (batch mode breaks ties in input order, so this keeps results the same). */
  ids: number[];
  /** What was emitted for each row: the call results. */
  emitted: Map<number, unknown[]>;
}

export class RecomputeOverOperator extends ForwardingOperator implements Checkpointable {
  private readonly ctx: ExecContext;
  private readonly calls: WindowCall[];
  private readonly partitionKeys: number[];
  private readonly keys: KeySlots;
  private readonly rows: RowArena;
  private parts: Array<Partition | undefined> = [];
  private readonly over: OverAggregateOperator;

  /** `partitionKeys`: columns every call partitions by; rows are kept and recomputed per group of them. */
  constructor(out: Emitter, ctx: ExecContext, inputTypes: DataType[], calls: WindowCall[], partitionKeys: number[]) {
    super(out);
    this.ctx = ctx;
    this.calls = calls;
    this.partitionKeys = partitionKeys;
    this.keys = ctx.state.keySpace('OverAggregate', this.partitionKeys.map((k) => inputTypes[k]!));
    this.rows = ctx.state.rowStore('OverAggregate', inputTypes);
    this.over = new OverAggregateOperator({ emit: () => {}, end: () => {}, watermark: () => {}, idle: () => {} }, ctx, inputTypes, calls);
  }

  snapshotState(): OperatorSnapshot {
    const state: RecomputeOverState = {
      keys: this.keys.exportState(),
      rows: this.rows.exportState(),
      parts: Array.from(this.parts, (p) => (p === undefined ? null : { ids: Int32Array.from(p.ids), emittedIds: Int32Array.from(p.emitted.keys()), emitted: [...p.emitted.values()] })),
    };
    return snapshotOf(KIND, VERSION, state);
  }

  restoreState(snap: OperatorSnapshot): void {
    const s = stateOf<RecomputeOverState>(snap, KIND, VERSION);
    this.keys.importState(s.keys);
    this.rows.importState(s.rows);
    this.parts = s.parts.map((p) => {
      if (p === null) return undefined;
      const emitted = new Map<number, unknown[]>();
      p.emittedIds.forEach((id, j) => emitted.set(id, p.emitted[j]!));
      return { ids: Array.from(p.ids), emitted };
    });
  }

  push(batch: Batch): void {
    const n = batch.length;
    if (n === 0) return;
    const keyCols: Column[] = this.partitionKeys.map((k) => batch.columns[k]!);
    const slots = this.keys.slots(keyCols, null, n);
    const touched = new Set<number>();
    const gone: number[] = [];
    const kinds = batch.kinds;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      let p = this.parts[s];
      if (p === undefined) {
        p = { ids: [], emitted: new Map() };
        this.parts[s] = p;
      }
      touched.add(s);
      const k = kinds === null ? 0 : kinds[i]!;
      if (k === 0 || k === 2) {
        p.ids.push(this.rows.add(batch.columns, i));
        continue;
      }
      let at = -1;
      for (let j = p.ids.length - 1; j >= 0; j--) {
        if (this.rows.equalsRow(p.ids[j]!, batch.columns, i)) {
          at = j;
          break;
        }
      }
      if (at < 0) {
        this.ctx.countSkipped('OverAggregate', 'retraction of a row the OVER window has no state for');
        continue;
      }
      gone.push(p.ids.splice(at, 1)[0]!);
    }
    const outIds: number[] = [];
    const outKinds: number[] = [];
    const outResults: unknown[][] = [];
    for (const s of touched) this.recompute(this.parts[s]!, outIds, outKinds, outResults);
    this.emit(outIds, outKinds, outResults);
    for (const id of gone) this.rows.release(id);
    for (const s of touched) {
      if (this.parts[s]!.ids.length === 0) {
        this.parts[s] = undefined;
        this.keys.release(s);
      }
    }
  }

  /** Computes a partition again and records the differences with what was emitted. */
  private recompute(p: Partition, ids: number[], kinds: number[], results: unknown[][]): void {
    const m = p.ids.length;
    const now = new Map<number, unknown[]>();
    if (m > 0) {
      const batch: Batch = { columns: this.rows.gather(p.ids, m), length: m, kinds: null };
      const values = this.over.results(batch);
      for (let r = 0; r < m; r++) now.set(p.ids[r]!, values.map((col) => col[r]));
    }
    for (const [id, old] of p.emitted) {
      const cur = now.get(id);
      if (cur === undefined) {
        ids.push(id); kinds.push(3); results.push(old);
      } else if (!old.every((v, c) => sameResult(v, cur[c]))) {
        ids.push(id); kinds.push(1); results.push(old);
        ids.push(id); kinds.push(2); results.push(cur);
      }
    }
    for (const [id, cur] of now) {
      if (!p.emitted.has(id)) {
        ids.push(id); kinds.push(0); results.push(cur);
      }
    }
    p.emitted = now;
  }

  private emit(ids: number[], kinds: number[], results: unknown[][]): void {
    const m = ids.length;
    if (m === 0) return;
    const columns = this.rows.gather(ids, m);
    this.calls.forEach((c, i) => {
      const b = new ColumnBuilder(physicalOf(c.type), m);
      for (const r of results) b.append(r[i]);
      columns.push(b.build());
    });
    this.out.emit({ columns, length: m, kinds: kinds.every((k) => k === 0) ? null : Uint8Array.from(kinds) });
  }
}
