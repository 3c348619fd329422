/**
 * ORDER BY a rowtime attribute (then other keys) in streaming mode: rows wait until the watermark
 * passes their time, then leave in order. Rows already behind the watermark cannot be put in order any
 * more: they are dropped and counted.
 */
import type { Batch } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import type { SortKey } from '../plan-types.ts';
import type { Emitter, ExecContext, Operator } from '../operator.ts';
import type { RowArena } from '../../state/row-arena.ts';
import { TimerQueue } from '../../state/timer-queue.ts';
import { growF64 } from '../../util/grow.ts';
import { stateComparator } from './state-order.ts';
import type { RowArenaSnapshot } from '../../state/row-arena.ts';
import { f64From, head, snapshotOf, stateOf, type Checkpointable, type OperatorSnapshot } from './checkpointable.ts';

const KIND = 'TemporalSort';
const VERSION = 1;

interface TemporalSortState {
  rows: RowArenaSnapshot;
  waiting: { times: Float64Array; ids: Int32Array };
  seq: Float64Array;
  nextSeq: number;
  wm: number;
}

export class TemporalSortOperator implements Operator, Checkpointable {
  private readonly out: Emitter;
  private readonly ctx: ExecContext;
  private readonly rows: RowArena;
  private readonly waiting = new TimerQueue();
  private readonly timeColumn: number;
  private readonly cmp: (a: number, b: number) => number;
  private seq = new Float64Array(256);
  private nextSeq = 0;
  private wm = -Infinity;

  constructor(out: Emitter, ctx: ExecContext, types: DataType[], keys: SortKey[]) {
    this.out = out;
    this.ctx = ctx;
    this.rows = ctx.state.rowStore('TemporalSort', types);
    this.timeColumn = keys[0]!.index;
    this.cmp = stateComparator(this.rows.columns, types, keys, () => this.seq);
  }

  snapshotState(): OperatorSnapshot {
    const state: TemporalSortState = { rows: this.rows.exportState(), waiting: this.waiting.exportState(), seq: head(this.seq, this.rows.capacity), nextSeq: this.nextSeq, wm: this.wm };
    return snapshotOf(KIND, VERSION, state);
  }

  restoreState(snap: OperatorSnapshot): void {
    const s = stateOf<TemporalSortState>(snap, KIND, VERSION);
    this.rows.importState(s.rows);
    this.waiting.importState(s.waiting);
    this.seq = f64From(s.seq, 256);
    this.nextSeq = s.nextSeq;
    this.wm = s.wm;
  }

  push(batch: Batch): void {
    const time = batch.columns[this.timeColumn]!;
    const tv = time.values as Float64Array;
    let late = 0;
    for (let i = 0; i < batch.length; i++) {
      const t = time.nulls !== null && time.nulls[i] === 1 ? -Infinity : tv[i]!;
      if (t <= this.wm) { late++; continue; }
      const id = this.rows.add(batch.columns, i);
      this.seq = growF64(this.seq, id + 1);
      this.seq[id] = this.nextSeq++;
      this.waiting.push(t, id);
    }
    if (late > 0) this.ctx.countLate('TemporalSort', late);
  }

  private release(upTo: number): void {
    const ids: number[] = [];
    while (this.waiting.size > 0 && this.waiting.peekTime() <= upTo) ids.push(this.waiting.pop());
    if (ids.length === 0) return;
    ids.sort(this.cmp);
    this.out.emit({ columns: this.rows.gather(ids, ids.length), length: ids.length, kinds: null });
    for (const id of ids) this.rows.release(id);
  }

  watermark(wm: number): void {
    if (wm > this.wm) {
      this.wm = wm;
      this.release(wm);
    }
    this.out.watermark(wm);
  }

  idle(flag: boolean): void {
    this.out.idle(flag);
  }

  end(): void {
    this.release(Infinity);
    this.out.end();
  }
}
