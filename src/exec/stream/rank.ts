/**
 * Top-N per partition over a changelog (ROW_NUMBER / RANK / DENSE_RANK .. WHERE rank BETWEEN start AND
 * end). Each partition keeps its rows sorted; after a batch, the partitions it touched compare their
 * ranked rows before and after: rows that left the range are deleted, rows that entered are inserted,
 * and (when the rank is a column of the result) rows whose rank moved are updated.
 *
 * Over an append-only input a row below the range can never come back, so a partition keeps only the
 * rows that rank within it; with retractions every row is kept, as any of them may move up.
 */
import type { Batch, Column } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import type { SortKey } from '../plan-types.ts';
import type { RankFunction } from '../physical-plan.ts';
import type { Emitter, ExecContext } from '../operator.ts';
import { ForwardingOperator } from '../operator.ts';
import type { KeySlots } from '../../state/key-slots.ts';
import { TopNState, type Ranked, type TopNStateSnapshot } from './top-n-state.ts';
import type { KeySlotsSnapshot } from '../../state/key-slots.ts';
import { snapshotOf, stateOf, unpackLists, type IncrementalCheckpointable, type ListsSnapshot, type OperatorSnapshot } from './checkpointable.ts';
import { FULL_STATE, type StateWriter } from '../../state/state-delta.ts';

const KIND = 'Rank';
const VERSION = 1;

interface RankState {
  keys: KeySlotsSnapshot;
  rows: TopNStateSnapshot;
  /** per partition slot: its row ids in rank order */
  lists: ListsSnapshot;
}

export interface RankSpec {
  inputTypes: DataType[];
  partitionKeys: number[];
  orderKeys: SortKey[];
  rankFn: RankFunction;
  start: number;
  end: number;
  outputRank: boolean;
  /** Whether the input carries retractions (then every row of a partition is kept). */
  retracting: boolean;
}

export class RankOperator extends ForwardingOperator implements IncrementalCheckpointable {
  readonly incrementalState = true;
  private readonly ctx: ExecContext;
  private readonly spec: RankSpec;
  private readonly keys: KeySlots;
  private readonly state: TopNState;
  private lists: Array<number[] | undefined> = [];

  constructor(out: Emitter, ctx: ExecContext, spec: RankSpec) {
    super(out);
    this.ctx = ctx;
    this.spec = spec;
    this.keys = ctx.state.keySpace('Rank', spec.partitionKeys.map((k) => spec.inputTypes[k]!));
    this.state = new TopNState(ctx.state.rowStore('Rank', spec.inputTypes), spec.inputTypes, spec.orderKeys, spec.rankFn, spec.start, spec.end);
  }

  push(batch: Batch): void {
    const n = batch.length;
    if (n === 0) return;
    const keyCols: Column[] = this.spec.partitionKeys.map((k) => batch.columns[k]!);
    const slots = this.keys.slots(keyCols, null, n);
    const before = new Map<number, Ranked>();
    const released: number[] = [];
    const kinds = batch.kinds;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      let list = this.lists[s];
      if (list === undefined) {
        list = [];
        this.lists[s] = list;
      }
      if (!before.has(s)) before.set(s, this.state.ranked(list));
      const k = kinds === null ? 0 : kinds[i]!;
      if (k === 0 || k === 2) {
        // rows past the range never return over an append-only input
        released.push(...this.state.insert(list, batch.columns, i, !this.spec.retracting));
        continue;
      }
      const id = this.state.removeEqual(list, batch.columns, i);
      if (id < 0) this.ctx.countSkipped('Rank', 'retraction of a row the Top-N has no state for (expired, never inserted, or below the kept rows)');
      else released.push(id);
    }
    this.emitChanges(before);
    for (const id of released) this.state.rows.release(id);
    for (const s of before.keys()) {
      if (this.lists[s]!.length === 0) {
        this.lists[s] = undefined;
        this.keys.release(s);
      }
    }
  }

  /** Incremental: a partition's list changes only when a batch touches the partition (its slot comes from `keys.slots`). */
  snapshotState(w: StateWriter = FULL_STATE): OperatorSnapshot {
    const state: RankState = {
      keys: this.keys.exportState(w),
      rows: this.state.exportState(w),
      lists: w.lists(this.lists, Math.min(this.lists.length, this.keys.capacity), this.keys.changed),
    };
    return snapshotOf(KIND, VERSION, state);
  }

  restoreState(snap: OperatorSnapshot): void {
    const s = stateOf<RankState>(snap, KIND, VERSION);
    this.keys.importState(s.keys);
    this.state.importState(s.rows);
    this.lists = unpackLists(s.lists);
  }

  private emitChanges(before: Map<number, Ranked>): void {
    const ids: number[] = [];
    const kinds: number[] = [];
    const ranks: number[] = [];
    const outputRank = this.spec.outputRank;
    for (const [s, old] of before) {
      const now = this.state.ranked(this.lists[s]!);
      const oldRank = new Map<number, number>();
      old.ids.forEach((id, j) => oldRank.set(id, old.ranks[j]!));
      const newRank = new Map<number, number>();
      now.ids.forEach((id, j) => newRank.set(id, now.ranks[j]!));
      for (let j = 0; j < old.ids.length; j++) {
        const id = old.ids[j]!;
        const r = newRank.get(id);
        if (r === undefined) {
          ids.push(id); kinds.push(3); ranks.push(old.ranks[j]!);
        } else if (outputRank && r !== old.ranks[j]) {
          ids.push(id); kinds.push(1); ranks.push(old.ranks[j]!);
          ids.push(id); kinds.push(2); ranks.push(r);
        }
      }
      for (let j = 0; j < now.ids.length; j++) {
        const id = now.ids[j]!;
        if (!oldRank.has(id)) {
          ids.push(id); kinds.push(0); ranks.push(now.ranks[j]!);
        }
      }
    }
    const m = ids.length;
    if (m === 0) return;
    const columns = this.state.rows.gather(ids, m);
    if (outputRank) columns.push({ values: Float64Array.from(ranks), nulls: null });
    const allInserts = kinds.every((k) => k === 0);
    this.out.emit({ columns, length: m, kinds: allInserts ? null : Uint8Array.from(kinds) });
  }
}
