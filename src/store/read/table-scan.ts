/**
 * Batch reads: which snapshot (the latest, or the one time travel names), which files of it (after
 * partition and statistics pruning), grouped into splits of one bucket, and reading a split as final
 * rows — merged by key for primary-key tables, as written for append tables.
 */
import type { ColumnPredicate } from '../../connectors/connector.ts';
import type { Batch } from '../../types/batch.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { parseTimestamp, localToInstant } from '../../types/temporal.ts';
import type { FileStoreTable } from '../table.ts';
import type { Snapshot } from '../snapshot.ts';
import type { DataFileMeta, ManifestEntry } from '../manifest.ts';
import { partitionKeyOf } from '../paths.ts';
import type { JsonScalar } from '../value-codec.ts';
import { fileMayMatch, partitionPasses } from './pruning.ts';
import { fieldsForMerge, readBucket } from './bucket-read.ts';
import { readDataFile } from '../data-file.ts';

export interface Split {
  partition: JsonScalar[];
  bucket: number;
  files: DataFileMeta[];
}

function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** The snapshot a read of the table should see: the one named by time-travel options, else the latest. */
export async function resolveSnapshot(table: FileStoreTable, timeZone: string): Promise<Snapshot | undefined> {
  const o = table.layout.options;
  const id = o.scanSnapshotId();
  if (id !== undefined) return table.snapshots.snapshot(id);
  let ts = o.scanTimestampMillis();
  const text = o.get('scan.timestamp');
  if (ts === undefined && text !== undefined) {
    let local: number;
    try {
      local = parseTimestamp(text);
    } catch {
      throw new FreshetError(SqlState.invalidParameterValue, `option 'scan.timestamp' of table ${table.name} must be a timestamp such as '2026-01-31 12:00:00', got '${text}'`);
    }
    ts = localToInstant(local, timeZone);
  }
  if (ts !== undefined) {
    const s = await table.snapshots.atOrBefore(ts);
    if (!s) {
      const first = await table.snapshots.earliestId();
      const earliest = first === undefined ? undefined : await table.snapshots.trySnapshot(first);
      throw new FreshetError(SqlState.invalidParameterValue, `table ${table.name} has no snapshot at or before ${formatTime(ts)} UTC`, {
        hint: earliest ? `The earliest snapshot kept (${earliest.id}) was committed at ${formatTime(earliest.timeMillis)} UTC.` : 'The table has no snapshots yet.',
      });
    }
    return s;
  }
  return table.snapshots.latest();
}

/** Groups live entries into one split per (partition, bucket), keeping those the predicates allow. */
export async function planSplits(table: FileStoreTable, entries: readonly ManifestEntry[], predicates: readonly ColumnPredicate[]): Promise<Split[]> {
  const layout = table.layout;
  const splits = new Map<string, Split>();
  for (const e of entries) {
    if (!partitionPasses(layout, e.partition, predicates)) continue;
    if (!fileMayMatch(layout, await table.schemas.schema(e.file.schemaId), e, predicates)) {
      // for primary-key tables a file is skipped only by key predicates (see pruning.ts)
      continue;
    }
    const k = `${partitionKeyOf(e.partition)}|${e.bucket}`;
    let s = splits.get(k);
    if (!s) splits.set(k, (s = { partition: e.partition, bucket: e.bucket, files: [] }));
    s.files.push(e.file);
  }
  return [...splits.values()];
}

/** Reads one split as final rows of `fields` (indexes into the table's fields). */
export async function* readSplit(table: FileStoreTable, split: Split, fields: readonly number[], predicates: readonly ColumnPredicate[], batchSize: number): AsyncGenerator<Batch> {
  const layout = table.layout;
  if (!layout.hasPrimaryKey) {
    for (const f of [...split.files].sort((a, b) => a.minSeq - b.minSeq)) {
      for await (const b of readDataFile({
        io: table.io, path: table.paths.dataFilePath(split.partition, split.bucket, f.fileName), size: f.fileSize,
        fileSchema: await table.schemas.schema(f.schemaId), readSchema: table.schema, fields, kv: false, predicates, batchSize,
      })) yield { columns: b.columns, length: b.length, kinds: null };
    }
    return;
  }
  const readFields = fieldsForMerge(table, fields);
  const positions = fields.map((f) => readFields.indexOf(f));
  const keyPredicates = predicates.filter((p) => layout.primaryKey.includes(p.column));
  for await (const b of readBucket({ table, partition: split.partition, bucket: split.bucket, fields: readFields, predicates: keyPredicates, dropDelete: true, batchSize }, split.files)) {
    yield { columns: positions.map((p) => b.columns[p]!), length: b.length, kinds: null };
  }
}
