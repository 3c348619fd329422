/**
 * Sorted rows per partition for Top-N operators (Rank, WindowRank): rows live in a RowArena, each
 * partition is a list of row ids kept in ORDER BY order (arrival order among equal keys), and the rank
 * functions are computed over a list on demand.
 */
import type { Column } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import type { SortKey } from '../plan-types.ts';
import type { RankFunction } from '../physical-plan.ts';
import type { RowArena } from '../../state/row-arena.ts';
import { growF64 } from '../../util/grow.ts';
import type { RowArenaSnapshot } from '../../state/row-arena.ts';
import { f64From } from './checkpointable.ts';
import { FULL_STATE, type StateWriter } from '../../state/state-delta.ts';

/** Rows and their arrival sequence numbers (the tie-breaker among equal ORDER BY keys). */
export interface TopNStateSnapshot {
  rows: RowArenaSnapshot;
  seq: Float64Array;
  nextSeq: number;
}
import { insertionPoint, peerComparator, stateComparator, type StateComparator } from './state-order.ts';

export interface Ranked {
  ids: number[];
  ranks: number[];
}

export class TopNState {
  readonly rows: RowArena;
  private readonly rankFn: RankFunction;
  private readonly start: number;
  private readonly end: number;
  private seq = new Float64Array(256);
  private nextSeq = 0;
  private readonly cmp: StateComparator;
  private readonly peers: StateComparator;

  constructor(rows: RowArena, types: readonly DataType[], orderKeys: readonly SortKey[], rankFn: RankFunction, start: number, end: number) {
    this.rows = rows;
    this.rankFn = rankFn;
    this.start = start;
    this.end = end;
    this.cmp = stateComparator(rows.columns, types, orderKeys, () => this.seq);
    this.peers = peerComparator(rows.columns, types, orderKeys);
  }

  /**
   * Stores row i of `cols` into `list` at its place. With `trim` (append-only input) rows that fall below
   * the rank range are cut off and returned, to be released by the caller once nothing refers to them.
   */
  insert(list: number[], cols: readonly Column[], i: number, trim: boolean): number[] {
    const id = this.rows.add(cols, i);
    this.seq = growF64(this.seq, id + 1);
    this.seq[id] = this.nextSeq++;
    list.splice(insertionPoint(list, id, this.cmp), 0, id);
    if (!trim || list.length <= this.end) return [];
    return list.splice(this.keepCount(list));
  }

  exportState(w: StateWriter = FULL_STATE): TopNStateSnapshot {
    return { rows: this.rows.exportState(w), seq: w.slots(this.seq, this.rows.capacity, this.rows.changed), nextSeq: this.nextSeq };
  }

  importState(s: TopNStateSnapshot): void {
    this.rows.importState(s.rows);
    this.seq = f64From(s.seq, 256);
    this.nextSeq = s.nextSeq;
  }

  /** Removes the row equal to row i of `cols` from `list`; returns its id (still stored), or -1. */
  removeEqual(list: number[], cols: readonly Column[], i: number): number {
    for (let j = list.length - 1; j >= 0; j--) {
      if (this.rows.equalsRow(list[j]!, cols, i)) return list.splice(j, 1)[0]!;
    }
    return -1;
  }

  /** The rows of `list` within the rank range, with their ranks. */
  ranked(list: readonly number[]): Ranked {
    const ids: number[] = [];
    const ranks: number[] = [];
    let rank = 0;
    let dense = 0;
    for (let i = 0; i < list.length; i++) {
      const id = list[i]!;
      const newPeerGroup = i === 0 || this.peers(list[i - 1]!, id) !== 0;
      if (newPeerGroup) dense++;
      if (this.rankFn === 'row_number') rank = i + 1;
      else if (this.rankFn === 'rank') rank = newPeerGroup ? i + 1 : rank;
      else rank = dense;
      if (rank > this.end) break;
      if (rank >= this.start) {
        ids.push(id);
        ranks.push(rank);
      }
    }
    return { ids, ranks };
  }

  /** How many leading rows of `list` rank within the range's end. */
  private keepCount(list: readonly number[]): number {
    if (this.rankFn === 'row_number') return Math.min(list.length, this.end);
    let rank = 0;
    let dense = 0;
    for (let i = 0; i < list.length; i++) {
      const newPeerGroup = i === 0 || this.peers(list[i - 1]!, list[i]!) !== 0;
      if (newPeerGroup) dense++;
      rank = this.rankFn === 'rank' ? (newPeerGroup ? i + 1 : rank) : dense;
      if (rank > this.end) return i;
    }
    return list.length;
  }
}
