/**
 * The changes a snapshot made, as rows with kinds — what streaming and incremental reads emit:
 *  - append tables: the rows of the files the snapshot added (+I);
 *  - primary-key tables with a changelog producer ('input', 'lookup'): the snapshot's changelog files;
 *  - primary-key tables without one ('none'): the snapshot's new data files, normalized against the
 *    table's state (kept per bucket) into exact +I / -U,+U / -D changes.
 * COMPACT snapshots change no rows; OVERWRITE snapshots are skipped unless 'streaming-read-overwrite'.
 */
import type { ColumnPredicate } from '../../connectors/connector.ts';
import type { Batch } from '../../types/batch.ts';
import { physicalOf } from '../../types/data-type.ts';
import type { FileStoreTable } from '../table.ts';
import type { Snapshot } from '../snapshot.ts';
import type { ManifestEntry } from '../manifest.ts';
import { partitionKeyOf } from '../paths.ts';
import type { KvBatch } from '../kv.ts';
import { readDataFile } from '../data-file.ts';
import { partitionPasses } from './pruning.ts';
import { mergeSetup, readBucket, readFile } from './bucket-read.ts';
import { LookupState } from '../changelog/lookup-changelog.ts';
import type { Split } from './table-scan.ts';

/** Per-bucket state of what a reader has emitted, to turn merged upserts into exact changes. */
export class Normalizer {
  private readonly table: FileStoreTable;
  private readonly states = new Map<string, LookupState>();
  private readonly allFields: number[];

  constructor(table: FileStoreTable) {
    this.table = table;
    this.allFields = table.layout.fields.map((_, i) => i);
  }

  state(partition: ManifestEntry['partition'], bucket: number): LookupState {
    const k = `${partitionKeyOf(partition)}|${bucket}`;
    let s = this.states.get(k);
    if (!s) {
      const layout = this.table.layout;
      const setup = mergeSetup(this.table, this.allFields);
      s = new LookupState(layout.primaryKey, layout.keyTypes, layout.types.map(physicalOf), setup.merge, true, setup.orderGroup);
      this.states.set(k, s);
    }
    return s;
  }

  get fields(): number[] {
    return this.allFields;
  }
}

function project(b: KvBatch, positions: readonly number[], withKinds: boolean): Batch {
  return { columns: positions.map((p) => b.columns[p]!), length: b.length, kinds: withKinds ? b.kinds : null };
}

/**
 * Reads a full snapshot as +I rows of `fields`; with a normalizer (primary-key tables without a
 * changelog producer), every bucket's rows also become its state.
 */
export async function* readFull(table: FileStoreTable, splits: readonly Split[], fields: readonly number[], batchSize: number, normalizer: Normalizer | null): AsyncGenerator<Batch> {
  const layout = table.layout;
  for (const split of splits) {
    if (!layout.hasPrimaryKey) {
      for (const f of [...split.files].sort((a, b) => a.minSeq - b.minSeq)) {
        for await (const b of readDataFile({
          io: table.io, path: table.paths.dataFilePath(split.partition, split.bucket, f.fileName), size: f.fileSize,
          fileSchema: await table.schemas.schema(f.schemaId), readSchema: table.schema, fields, kv: false, batchSize,
        })) yield { columns: b.columns, length: b.length, kinds: null };
      }
      continue;
    }
    const readFields = normalizer ? normalizer.fields : fields;
    const positions = fields.map((f) => readFields.indexOf(f));
    const state = normalizer?.state(split.partition, split.bucket);
    for await (const b of readBucket({ table, partition: split.partition, bucket: split.bucket, fields: readFields as number[], dropDelete: true, batchSize }, split.files)) {
      state?.load(b);
      yield project(b, positions, false);
    }
  }
}

/** The changes of one snapshot (see the module comment), as rows of `fields` with kinds. */
export async function* snapshotChanges(table: FileStoreTable, s: Snapshot, fields: readonly number[], predicates: readonly ColumnPredicate[], batchSize: number, normalizer: Normalizer | null): AsyncGenerator<Batch> {
  const layout = table.layout;
  if (s.commitKind === 'COMPACT') return;
  if (s.commitKind === 'OVERWRITE' && !layout.options.streamingReadOverwrite()) return;
  const producer = layout.options.changelogProducer();
  if (!layout.hasPrimaryKey) {
    const added = (await table.deltaEntries(s)).filter((e) => e.kind === 'ADD' && partitionPasses(layout, e.partition, predicates));
    for (const e of added.sort((a, b) => a.file.minSeq - b.file.minSeq)) {
      for await (const b of readDataFile({
        io: table.io, path: table.filePath(e), size: e.file.fileSize, fileSchema: await table.schemas.schema(e.file.schemaId),
        readSchema: table.schema, fields, kv: false, batchSize,
      })) yield { columns: b.columns, length: b.length, kinds: null };
    }
    return;
  }
  if (producer !== 'none') {
    const files = (await table.changelogEntries(s)).filter((e) => partitionPasses(layout, e.partition, predicates));
    for (const e of files.sort((a, b) => a.file.minSeq - b.file.minSeq)) {
      for await (const b of readFile({ table, partition: e.partition, bucket: e.bucket, fields, dropDelete: false, batchSize }, e.file)) {
        yield project(b, fields.map((_, i) => i), true);
      }
    }
    return;
  }
  // no changelog producer: new data files are merged upserts; the normalizer turns them into exact changes
  const norm = normalizer!;
  const positions = fields.map((f) => norm.fields.indexOf(f));
  const added = (await table.deltaEntries(s)).filter((e) => e.kind === 'ADD' && e.file.level === 0 && partitionPasses(layout, e.partition, predicates));
  for (const e of added.sort((a, b) => a.file.minSeq - b.file.minSeq)) {
    const state = norm.state(e.partition, e.bucket);
    for await (const b of readFile({ table, partition: e.partition, bucket: e.bucket, fields: norm.fields, dropDelete: false, batchSize }, e.file)) {
      const changes = state.produce(b);
      if (changes.length > 0) yield project(changes, positions, true);
    }
  }
}
