/**
 * Window Top-N (and window deduplication, its rn = 1 case): rows are collected per window end and
 * partition, keeping only the rows that can still rank within N (the input is append-only); when the
 * window is over, each partition's ranked rows are emitted once as +I and the window's state is dropped.
 * Rows for a window that is already over are late: dropped and counted.
 */
import type { Batch, Column } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import type { SortKey } from '../plan-types.ts';
import type { RankFunction, WindowTime } from '../physical-plan.ts';
import type { Emitter, ExecContext, Operator } from '../operator.ts';
import type { KeySlots } from '../../state/key-slots.ts';
import { TopNState } from './top-n-state.ts';
import { WindowClock } from './window-clock.ts';
import type { KeySlotsSnapshot } from '../../state/key-slots.ts';
import type { TopNStateSnapshot } from './top-n-state.ts';
import { packLists, snapshotOf, stateOf, unpackLists, type Checkpointable, type ListsSnapshot, type OperatorSnapshot } from './checkpointable.ts';

const KIND = 'WindowRank';
const VERSION = 1;

interface WindowRankState {
  watermark: number;
  rows: TopNStateSnapshot;
  buckets: Array<{ end: number; keys: KeySlotsSnapshot; lists: ListsSnapshot }>;
}

export interface WindowRankSpec {
  inputTypes: DataType[];
  windowEnd: number;
  partitionKeys: number[];
  orderKeys: SortKey[];
  rankFn: RankFunction;
  start: number;
  end: number;
  outputRank: boolean;
  time: WindowTime;
  ltz: boolean;
}

interface Bucket {
  keys: KeySlots;
  lists: Array<number[] | undefined>;
}

export class WindowRankOperator implements Operator, Checkpointable {
  private readonly out: Emitter;
  private readonly ctx: ExecContext;
  private readonly spec: WindowRankSpec;
  private readonly state: TopNState;
  private readonly buckets = new Map<number, Bucket>();
  private readonly clock: WindowClock;

  constructor(out: Emitter, ctx: ExecContext, spec: WindowRankSpec) {
    this.out = out;
    this.ctx = ctx;
    this.spec = spec;
    this.state = new TopNState(ctx.state.rowStore('WindowRank', spec.inputTypes), spec.inputTypes, spec.orderKeys, spec.rankFn, spec.start, spec.end);
    this.clock = new WindowClock(ctx, spec.time, spec.ltz);
  }

  private bucket(end: number): Bucket {
    let b = this.buckets.get(end);
    if (b === undefined) {
      b = { keys: this.ctx.state.keySpace('WindowRank', this.spec.partitionKeys.map((k) => this.spec.inputTypes[k]!)), lists: [] };
      this.buckets.set(end, b);
      this.clock.onProcessingDeadline(end, () => this.fireWhere((e) => e === end));
    }
    return b;
  }

  snapshotState(): OperatorSnapshot {
    const state: WindowRankState = {
      watermark: this.clock.watermark,
      rows: this.state.exportState(),
      buckets: [...this.buckets].map(([end, b]) => ({ end, keys: b.keys.exportState(), lists: packLists(b.lists) })),
    };
    return snapshotOf(KIND, VERSION, state);
  }

  restoreState(snap: OperatorSnapshot): void {
    const s = stateOf<WindowRankState>(snap, KIND, VERSION);
    this.clock.watermark = s.watermark;
    this.state.importState(s.rows);
    for (const saved of s.buckets) {
      const b = this.bucket(saved.end);
      b.keys.importState(saved.keys);
      b.lists = unpackLists(saved.lists);
    }
  }

  push(batch: Batch): void {
    const n = batch.length;
    if (n === 0) return;
    const ends = batch.columns[this.spec.windowEnd]!.values as Float64Array;
    const keyCols: Column[] = this.spec.partitionKeys.map((k) => batch.columns[k]!);
    let late = 0;
    const released: number[] = [];
    const one = new Int32Array(1);
    for (let i = 0; i < n; i++) {
      const e = ends[i]!;
      if (!this.buckets.has(e) && this.clock.isOver(e)) {
        late++;
        continue;
      }
      const b = this.bucket(e);
      one[0] = i;
      const s = b.keys.slots(keyCols, one, 1)[0]!;
      let list = b.lists[s];
      if (list === undefined) {
        list = [];
        b.lists[s] = list;
      }
      released.push(...this.state.insert(list, batch.columns, i, true));
    }
    for (const id of released) this.state.rows.release(id);
    if (late > 0) this.ctx.countLate('WindowRank', late);
  }

  private fireWhere(due: (end: number) => boolean): void {
    const ready = [...this.buckets.keys()].filter(due).sort((a, b) => a - b);
    for (const e of ready) {
      const b = this.buckets.get(e)!;
      this.buckets.delete(e);
      const ids: number[] = [];
      const ranks: number[] = [];
      for (const list of b.lists) {
        if (list === undefined) continue;
        const r = this.state.ranked(list);
        ids.push(...r.ids);
        ranks.push(...r.ranks);
      }
      if (ids.length > 0) {
        const columns = this.state.rows.gather(ids, ids.length);
        if (this.spec.outputRank) columns.push({ values: Float64Array.from(ranks), nulls: null });
        this.out.emit({ columns, length: ids.length, kinds: null });
      }
      for (const list of b.lists) if (list !== undefined) for (const id of list) this.state.rows.release(id);
      this.ctx.state.drop(b.keys);
    }
  }

  watermark(wm: number): void {
    if (wm > this.clock.watermark) {
      this.clock.watermark = wm;
      if (this.clock.time === 'rowtime') this.fireWhere((e) => this.clock.isOver(e));
    }
    this.out.watermark(wm);
  }

  idle(flag: boolean): void {
    this.out.idle(flag);
  }

  end(): void {
    this.fireWhere(() => true);
    this.out.end();
  }
}
