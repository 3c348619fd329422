/**
 * Helpers for testing connectors through their own APIs (no engine): table descriptors, a fake
 * ScanContext that can be cancelled and counts skipped records, and readers that turn batches into
 * `[kind, ...values]` rows.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Batch, Field } from '../../src/types/batch.ts';
import { ROW_KIND_NAMES, batchFromRows, batchToRows } from '../../src/types/batch.ts';
import type { ScanContext, ScanSource, TableDescriptor } from '../../src/connectors/connector.ts';

export function table(name: string, columns: Field[], options: Record<string, string>, partitionKeys: string[] = []): TableDescriptor {
  return { name, physicalColumns: columns, metadataColumns: [], partitionKeys, primaryKey: [], options };
}

export interface FakeScanContext extends ScanContext {
  streaming: boolean;
  cancelled: boolean;
  skipped: Array<{ where: string; reason: string }>;
}

export function scanContext(opts: { streaming?: boolean; batchSize?: number } = {}): FakeScanContext {
  const ctx: FakeScanContext = {
    timeZone: 'UTC',
    batchSize: opts.batchSize ?? 4096,
    streaming: opts.streaming ?? true,
    cancelled: false,
    skipped: [],
    isCancelled: () => ctx.cancelled,
    countSkipped: (where, reason) => { ctx.skipped.push({ where, reason }); },
  };
  return ctx;
}

/** A batch's rows as `['+I', v1, v2, ...]`. */
export function kindRows(batch: Batch, fields: readonly Field[]): unknown[][] {
  const rows = batchToRows(batch, fields.map((f) => f.type));
  return rows.map((r, i) => [ROW_KIND_NAMES[batch.kinds === null ? 0 : batch.kinds[i]!], ...r]);
}

/** Every row of a bounded read, as `['+I', ...values]`. */
export async function readAll(source: ScanSource, ctx: ScanContext = scanContext(), columns?: number[]): Promise<unknown[][]> {
  const cols = columns ?? source.fields.map((_f, i) => i);
  const out: unknown[][] = [];
  for await (const b of source.open({ columns: cols, predicates: [] }, ctx)) out.push(...kindRows(b, cols.map((c) => source.fields[c]!)));
  return out;
}

/** A batch of inserted rows (kinds null) or of rows with the given kinds. */
export function batchOf(fields: readonly Field[], rows: unknown[][], kinds?: number[]): Batch {
  return batchFromRows(fields.map((f) => f.type), rows, kinds === undefined ? undefined : Uint8Array.from(kinds));
}

/** Writes a file so it appears whole: written under a hidden name, then renamed. */
export function publish(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const hidden = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  fs.writeFileSync(hidden, text);
  fs.renameSync(hidden, file);
}

/** Visible files under a directory (names starting with '.' or '_' excluded at every level), relative and sorted. */
export function visible(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    if (!fs.existsSync(d)) return;
    for (const name of fs.readdirSync(d).sort()) {
      if (name.startsWith('.') || name.startsWith('_')) continue;
      const full = path.join(d, name);
      const r = rel === '' ? name : `${rel}/${name}`;
      if (fs.statSync(full).isDirectory()) walk(full, r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out;
}

/** The lines of every visible file under a directory, sorted (for order-insensitive checks). */
export function visibleLines(dir: string): string[] {
  return visible(dir).flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter((l) => l !== '')).sort();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with the next result of an iterator, or rejects if it takes longer than `ms` (a hung source). */
export async function nextWithin<T>(it: AsyncIterator<T>, ms: number): Promise<IteratorResult<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_r, reject) => { timer = setTimeout(() => reject(new Error(`no result within ${ms} ms`)), ms); });
  try {
    return await Promise.race([it.next(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
