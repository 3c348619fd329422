/** Reading a streaming result's changes in the background, as text. */
import type { StreamResult } from '../../src/session/result.ts';
import { ROW_KIND_NAMES } from '../../src/types/batch.ts';

/** A row as `[a, 1, NULL]`. */
export function rowText(row: readonly unknown[]): string {
  return `[${row.map((v) => (v === null ? 'NULL' : String(v))).join(', ')}]`;
}

/** Reads a streaming result in the background; `changes` shows `+I[a, 1]`-style lines as they come. */
export function watch(r: StreamResult): { changes: string[]; done: Promise<void> } {
  const changes: string[] = [];
  const done = (async () => {
    for await (const b of r.changes) {
      b.rows.forEach((row, i) => changes.push(`${ROW_KIND_NAMES[b.kinds[i]!]}${rowText(row)}`));
    }
  })();
  return { changes, done };
}
