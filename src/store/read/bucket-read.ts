/**
 * Reading the files of one bucket of a primary-key table as merged rows, in key order: files are
 * grouped into sections of overlapping key ranges; a section that is a single sorted run is read
 * straight through (only tombstones are dropped), others go through the k-way merge.
 */
import type { ColumnPredicate } from '../../connectors/connector.ts';
import { physicalOf, type Physical } from '../../types/data-type.ts';
import { gatherColumn } from '../../types/batch.ts';
import type { FileStoreTable } from '../table.ts';
import type { DataFileMeta, ManifestEntry } from '../manifest.ts';
import type { KvBatch } from '../kv.ts';
import { readDataFile } from '../data-file.ts';
import { intervalPartition } from '../lsm/levels.ts';
import { mergeRuns } from '../lsm/merge-reader.ts';
import { keyComparator } from '../key-comparator.ts';
import { createMergeFunction } from '../merge/create.ts';
import type { KeyGroup } from '../merge/merge-function.ts';
import { isRetractionKind } from '../merge/kinds.ts';
import { valueComparator } from '../value-codec.ts';

export interface BucketRead {
  table: FileStoreTable;
  partition: ManifestEntry['partition'];
  bucket: number;
  /** Table fields (indexes into the table's current fields) to produce, keys included. */
  fields: readonly number[];
  predicates?: readonly ColumnPredicate[];
  /** Drop tombstones (reads); compactions that keep older data below keep them. */
  dropDelete: boolean;
  batchSize: number;
}

/** Reads the rows of one file (a run member) as the table's current schema. */
export async function* readFile(r: BucketRead, f: DataFileMeta): AsyncGenerator<KvBatch> {
  const t = r.table;
  yield* readDataFile({
    io: t.io, path: t.paths.dataFilePath(r.partition, r.bucket, f.fileName), size: f.fileSize,
    fileSchema: await t.schemas.schema(f.schemaId), readSchema: t.schema, fields: r.fields, kv: true,
    predicates: r.predicates, batchSize: r.batchSize,
  });
}

async function* readRun(r: BucketRead, files: readonly DataFileMeta[]): AsyncGenerator<KvBatch> {
  for (const f of files) yield* readFile(r, f);
}

/** Rows of a batch that are not retractions. */
function withoutRetractions(b: KvBatch, phys: readonly Physical[]): KvBatch {
  let any = false;
  for (let i = 0; i < b.length; i++) if (isRetractionKind(b.kinds[i]!)) { any = true; break; }
  if (!any) return b;
  const keep: number[] = [];
  for (let i = 0; i < b.length; i++) if (!isRetractionKind(b.kinds[i]!)) keep.push(i);
  return {
    columns: b.columns.map((c, k) => gatherColumn(c, phys[k]!, keep)),
    kinds: Uint8Array.from(keep, (i) => b.kinds[i]!),
    seq: Float64Array.from(keep, (i) => b.seq[i]!),
    length: keep.length,
  };
}

/** The merge machinery for rows of `fields` (positions of keys, the merge function, group order). */
export function mergeSetup(table: FileStoreTable, fields: readonly number[]): {
  compare: ReturnType<typeof keyComparator>; merge: ReturnType<typeof createMergeFunction>; orderGroup: ((g: KeyGroup) => void) | undefined;
} {
  const layout = table.layout;
  const keyPos = layout.primaryKey.map((k) => fields.indexOf(k));
  const types = fields.map((f) => layout.types[f]!);
  const compare = keyComparator(keyPos, layout.keyTypes);
  const merge = createMergeFunction({ layout, fields, types });
  let orderGroup: ((g: KeyGroup) => void) | undefined;
  if (layout.sequenceFields.length > 0) {
    const seqPos = layout.sequenceFields.map((f) => fields.indexOf(f));
    const cmps = layout.sequenceFields.map((f) => valueComparator(layout.types[f]!));
    orderGroup = (g) => g.sortBy((a, b) => {
      for (let k = 0; k < seqPos.length; k++) {
        const x = g.value(a, seqPos[k]!);
        const y = g.value(b, seqPos[k]!);
        if (x === null || y === null) {
          if (x !== y) return x === null ? -1 : 1;
          continue;
        }
        const c = cmps[k]!(x, y);
        if (c !== 0) return c;
      }
      return g.seq(a) - g.seq(b);
    });
  }
  return { compare, merge, orderGroup };
}

/** The bucket's rows after merging, in key order. */
export async function* readBucket(r: BucketRead, files: readonly DataFileMeta[]): AsyncGenerator<KvBatch> {
  const layout = r.table.layout;
  const sections = intervalPartition(files, layout.keyTypes);
  const phys = r.fields.map((f) => physicalOf(layout.types[f]!));
  let setup: ReturnType<typeof mergeSetup> | undefined;
  for (const runs of sections) {
    if (runs.length === 1) {
      for await (const b of readRun(r, runs[0]!)) {
        const out = r.dropDelete ? withoutRetractions(b, phys) : b;
        if (out.length > 0) yield out;
      }
      continue;
    }
    setup ??= mergeSetup(r.table, r.fields);
    yield* mergeRuns(runs.map((files) => readRun(r, files)), {
      compare: setup.compare, merge: setup.merge, phys, dropDelete: r.dropDelete, orderGroup: setup.orderGroup, batchSize: r.batchSize,
    });
  }
}

/** The fields a read of `wanted` must include for merging (keys, sequence fields; every field for column-merging engines). */
export function fieldsForMerge(table: FileStoreTable, wanted: readonly number[]): number[] {
  const layout = table.layout;
  const e = layout.options.mergeEngine();
  if (e === 'partial-update' || e === 'aggregation') return layout.fields.map((_, i) => i);
  const out = [...wanted];
  for (const k of [...layout.primaryKey, ...layout.sequenceFields]) if (!out.includes(k)) out.push(k);
  return out;
}
