/**
 * K-way merge of sorted runs into one stream with one row per key (the merge engine's result).
 *
 * Each run yields KvBatches sorted by key, and for equal keys by sequence number. A small binary heap
 * orders the runs' current rows by (key, sequence number, run); the rows of one key are collected into
 * a group, oldest first, and handed to the merge function. Runs are read a batch at a time, so memory
 * stays at one batch per run whatever the data size; the only await is when a run needs its next batch.
 */
import type { Physical } from '../../types/data-type.ts';
import type { KvBatch } from '../kv.ts';
import { KvBuilder } from '../kv.ts';
import type { KeyComparator } from '../key-comparator.ts';
import type { MergeFunction } from '../merge/merge-function.ts';
import { KeyGroup, MERGED, MERGED_AFTER_DELETE, NONE } from '../merge/merge-function.ts';
import { DELETE, INSERT, isRetractionKind } from '../merge/kinds.ts';

export interface MergeOptions {
  compare: KeyComparator;
  merge: MergeFunction;
  /** Physical layout of the merged rows (for building output batches). */
  phys: readonly Physical[];
  /** Drop tombstones (no older data can exist below what is merged, or this is a read). */
  dropDelete: boolean;
  /** Orders a group's members when `sequence.field` is set (else they are in sequence-number order). */
  orderGroup?: (g: KeyGroup) => void;
  batchSize: number;
}

class Cursor {
  batch: KvBatch | null = null;
  row = 0;
  readonly iter: AsyncIterator<KvBatch>;
  readonly run: number;

  constructor(iter: AsyncIterator<KvBatch>, run: number) {
    this.iter = iter;
    this.run = run;
  }

  /** Moves to the first row of the next non-empty batch; false at the end of the run. */
  async fetch(): Promise<boolean> {
    for (;;) {
      const r = await this.iter.next();
      if (r.done) {
        this.batch = null;
        return false;
      }
      if (r.value.length > 0) {
        this.batch = r.value;
        this.row = 0;
        return true;
      }
    }
  }
}

export async function* mergeRuns(runs: ReadonlyArray<AsyncIterable<KvBatch>>, o: MergeOptions): AsyncGenerator<KvBatch> {
  const cursors: Cursor[] = runs.map((r, i) => new Cursor(r[Symbol.asyncIterator](), i));
  const heap: Cursor[] = [];
  const less = (a: Cursor, b: Cursor): boolean => {
    const c = o.compare(a.batch!.columns, a.row, b.batch!.columns, b.row);
    if (c !== 0) return c < 0;
    const sa = a.batch!.seq[a.row]!;
    const sb = b.batch!.seq[b.row]!;
    if (sa !== sb) return sa < sb;
    return a.run < b.run;
  };
  const siftDown = (i: number): void => {
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const m = r < n && less(heap[r]!, heap[l]!) ? r : l;
      if (!less(heap[m]!, heap[i]!)) return;
      [heap[m], heap[i]] = [heap[i]!, heap[m]!];
      i = m;
    }
  };
  const siftUp = (i: number): void => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i]!, heap[p]!)) return;
      [heap[p], heap[i]] = [heap[i]!, heap[p]!];
      i = p;
    }
  };
  try {
    for (const c of cursors) {
      if (await c.fetch()) {
        heap.push(c);
        siftUp(heap.length - 1);
      }
    }
    const group = new KeyGroup();
    let out = new KvBuilder(o.phys, o.batchSize);
    while (heap.length > 0) {
      group.clear();
      const first = heap[0]!;
      const keyBatch = first.batch!;
      const keyRow = first.row;
      while (heap.length > 0) {
        const c = heap[0]!;
        if (group.size > 0 && o.compare(c.batch!.columns, c.row, keyBatch.columns, keyRow) !== 0) break;
        group.add(c.batch!, c.row);
        // await only when the run needs its next batch, not once per row
        if (++c.row < c.batch!.length || (await c.fetch())) siftDown(0);
        else {
          const last = heap.pop()!;
          if (heap.length > 0) {
            heap[0] = last;
            siftDown(0);
          }
        }
      }
      if (o.orderGroup && group.size > 1) o.orderGroup(group);
      emitGroup(group, o, out);
      if (out.length >= o.batchSize) {
        yield out.build();
        out = new KvBuilder(o.phys, o.batchSize);
      }
    }
    if (out.length > 0) yield out.build();
  } finally {
    await Promise.all(cursors.map((c) => c.iter.return?.()));
  }
}

/** Appends the merge result of one group to `out`. */
export function emitGroup(group: KeyGroup, o: Pick<MergeOptions, 'merge' | 'dropDelete'>, out: KvBuilder): void {
  const mf = o.merge;
  const r = mf.merge(group);
  if (r >= 0) {
    const kind = group.kind(r);
    if (o.dropDelete && isRetractionKind(kind)) return;
    out.copy(group.batches[r]!, group.rows[r]!, kind, group.seq(r));
  } else if (r === MERGED) {
    out.append(mf.row!, INSERT, mf.rowSeq!);
  } else if (r === MERGED_AFTER_DELETE) {
    if (!o.dropDelete) {
      const d = mf.deleteMember!;
      out.copy(group.batches[d]!, group.rows[d]!, DELETE, group.seq(d));
    }
    out.append(mf.row!, INSERT, mf.rowSeq!);
  } else if (r !== NONE) {
    throw new Error(`merge function returned ${r}`);
  }
}
