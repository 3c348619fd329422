/**
 * Resuming a read at a checkpointed position: the rows before it are skipped (a read that is replayed
 * from the start of its file or snapshot produces them again), and the position after each batch
 * handed on is reported.
 */
import type { Batch } from '../types/batch.ts';
import { sliceBatch } from '../types/batch.ts';

/** Passes `src` on, skipping its first `skip` rows, and reports the rows taken so far after each batch. */
export async function* skipAndReport(src: AsyncIterable<Batch>, skip: number, report: (rows: number) => void): AsyncGenerator<Batch> {
  let rows = 0;
  for await (const b of src) {
    rows += b.length;
    let out = b;
    if (skip > 0) {
      const n = Math.min(skip, b.length);
      skip -= n;
      if (n === b.length) continue;
      out = sliceBatch(b, n, b.length);
    }
    report(rows);
    yield out;
  }
}
