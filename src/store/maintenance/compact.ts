/**
 * Manual full compaction (CALL sys.compact): every bucket (of the chosen partitions) is merged into
 * one sorted run at the top level, dropping tombstones; append tables get their small files merged.
 * The result is one COMPACT snapshot.
 */
import { randomUUID } from 'node:crypto';
import type { FileStoreTable } from '../table.ts';
import type { JsonScalar } from '../value-codec.ts';
import { partitionKeyOf } from '../paths.ts';
import { TableWrite } from '../write/table-write.ts';
import { TableCommit, type CommitResult } from '../commit/table-commit.ts';
import { hit } from '../fault-points.ts';

export async function compactTable(t: FileStoreTable, partitions?: (p: readonly JsonScalar[]) => boolean): Promise<CommitResult> {
  const w = new TableWrite(t);
  const seen = new Set<string>();
  for (const e of await w.baseEntries()) {
    if (partitions && !partitions(e.partition)) continue;
    const k = `${partitionKeyOf(e.partition)}|${e.bucket}`;
    if (seen.has(k)) continue;
    seen.add(k);
    await w.touch(e.partition, e.bucket);
  }
  try {
    const messages = await w.prepareCommit(true);
    hit('compact:after-rewrite');
    return await new TableCommit(t, `compact-${randomUUID()}`).commit(messages);
  } catch (e) {
    await w.abort();
    throw e;
  }
}
