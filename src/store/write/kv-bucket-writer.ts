/**
 * The writer of one bucket of a primary-key table: a write buffer of incoming rows, flushed as sorted
 * level-0 files, and the bucket's LSM levels, compacted universally.
 *
 * Rows are buffered as the batches they came in (gathered to this bucket's rows), each with its kinds
 * and sequence numbers. A flush sorts the buffer by key (stable, so arrival order is kept within a key;
 * then by 'sequence.field' when set), merges the versions of each key with the merge engine, and writes
 * one run. Changelog files are written beside it for the 'input' and 'lookup' producers.
 */
import type { Batch, Column } from '../../types/batch.ts';
import { concatBatches, gatherBatch } from '../../types/batch.ts';
import { physicalOf } from '../../types/data-type.ts';
import type { Physical } from '../../types/data-type.ts';
import { sortedPermutation } from '../../types/sort/row-comparator.ts';
import type { FileStoreTable } from '../table.ts';
import type { DataFileMeta, ManifestEntry } from '../manifest.ts';
import type { KvBatch } from '../kv.ts';
import { KvBuilder } from '../kv.ts';
import { RollingWriter } from '../data-file.ts';
import { Levels } from '../lsm/levels.ts';
import { pickCompaction, fullCompaction, filesOf, type CompactUnit } from '../lsm/compaction.ts';
import { mergeRuns, emitGroup } from '../lsm/merge-reader.ts';
import { KeyGroup, type MergeFunction } from '../merge/merge-function.ts';
import { AggregationMerge } from '../merge/aggregation.ts';
import { LookupState } from '../changelog/lookup-changelog.ts';
import { mergeSetup, readBucket, readFile } from '../read/bucket-read.ts';
import type { CommitMessage } from './commit-message.ts';
import { INSERT } from '../merge/kinds.ts';

export interface BucketIncrement {
  newFiles: DataFileMeta[];
  changelogFiles: DataFileMeta[];
  compactBefore: DataFileMeta[];
  compactAfter: DataFileMeta[];
}

/** A rough size of a buffered row, for the write-buffer limit. */
function estimateRowBytes(b: Batch): number {
  let bytes = 16;
  const sample = Math.min(b.length, 32);
  for (const c of b.columns) {
    const v = c.values;
    if (!Array.isArray(v)) {
      bytes += v.BYTES_PER_ELEMENT;
      continue;
    }
    let s = 0;
    for (let i = 0; i < sample; i++) {
      const x = v[i];
      s += typeof x === 'string' ? 40 + x.length * 2 : x instanceof Uint8Array ? 40 + x.length : 16;
    }
    bytes += sample > 0 ? s / sample : 16;
  }
  return bytes;
}

export class KvBucketWriter {
  private readonly table: FileStoreTable;
  readonly partition: ManifestEntry['partition'];
  readonly bucket: number;
  readonly totalBuckets: number;
  private readonly dir: string;
  private readonly levels: Levels;
  private nextSeq: number;
  private readonly merge: MergeFunction;
  private readonly allFields: number[];
  private readonly phys: Physical[];
  private chunks: Batch[] = [];
  private chunkKinds: Uint8Array[] = [];
  private chunkSeq: Float64Array[] = [];
  private rowBytes = 0;
  bufferedRows = 0;
  private lookup: LookupState | null = null;
  private readonly producer: 'none' | 'input' | 'lookup';
  private inc: BucketIncrement = { newFiles: [], changelogFiles: [], compactBefore: [], compactAfter: [] };

  constructor(table: FileStoreTable, partition: ManifestEntry['partition'], bucket: number, files: readonly DataFileMeta[]) {
    this.table = table;
    this.partition = partition;
    this.bucket = bucket;
    const layout = table.layout;
    this.totalBuckets = layout.buckets;
    this.dir = table.paths.bucketDir(partition, bucket);
    this.levels = new Levels(files, layout.options.numLevels(), layout.keyTypes);
    this.nextSeq = this.levels.maxSequence() + 1;
    this.allFields = layout.fields.map((_, i) => i);
    this.phys = layout.types.map(physicalOf);
    this.merge = mergeSetup(table, this.allFields).merge;
    this.producer = layout.options.changelogProducer();
  }

  get bufferedBytes(): number {
    return this.bufferedRows * this.rowBytes;
  }

  /** Buffers rows of `batch` (all table fields, in order); `rows` selects this bucket's rows (null: all). */
  add(batch: Batch, rows: Int32Array | null): void {
    const layout = this.table.layout;
    let b = rows === null ? batch : gatherBatch(batch, layout.types, rows);
    // the merge engine may refuse or drop retractions; fail before anything is buffered
    if (b.kinds !== null) {
      let keep: number[] | null = null;
      for (let i = 0; i < b.length; i++) {
        if (!this.merge.accept(b.kinds[i]!)) {
          keep ??= Array.from({ length: i }, (_, j) => j);
        } else keep?.push(i);
      }
      if (keep !== null) b = gatherBatch(b, layout.types, keep);
    }
    if (b.length === 0) return;
    const seq = new Float64Array(b.length);
    for (let i = 0; i < b.length; i++) seq[i] = this.nextSeq++;
    const kinds = b.kinds ?? new Uint8Array(b.length);
    this.chunks.push(b);
    this.chunkKinds.push(kinds);
    this.chunkSeq.push(seq);
    if (this.rowBytes === 0) this.rowBytes = estimateRowBytes(b);
    this.bufferedRows += b.length;
  }

  /** The buffer sorted by key (and sequence field), versions of a key merged: one row per key. */
  private sortAndMerge(): { raw: KvBatch; merged: KvBatch } {
    const layout = this.table.layout;
    const types = layout.types;
    const all = concatBatches(this.chunks, types);
    const n = all.length;
    const kinds = new Uint8Array(n);
    const seq = new Float64Array(n);
    let o = 0;
    for (let c = 0; c < this.chunkKinds.length; c++) {
      kinds.set(this.chunkKinds[c]!, o);
      seq.set(this.chunkSeq[c]!, o);
      o += this.chunkKinds[c]!.length;
    }
    const raw: KvBatch = { columns: all.columns, kinds, seq, length: n };
    let columns: readonly Column[] = all.columns;
    if (this.merge instanceof AggregationMerge && this.merge.needsPrepare) columns = this.prepared(columns, n);
    const keys = [...layout.primaryKey, ...layout.sequenceFields].map((index) => ({ index, desc: false, nullsFirst: true }));
    const perm = sortedPermutation(columns, types, keys, n);
    const sortedBatch = gatherBatch({ columns, length: n, kinds: null }, types, perm);
    const sorted: KvBatch = { columns: sortedBatch.columns, kinds: Uint8Array.from(perm, (i) => kinds[i]!), seq: Float64Array.from(perm, (i) => seq[i]!), length: n };
    // versions of one key are adjacent now; without duplicates (and engines whose single rows are final) nothing merges
    const cmp = layout.keyCompare;
    const engine = layout.options.mergeEngine();
    let dup = false;
    for (let i = 1; i < n; i++) if (cmp(sorted.columns, i - 1, sorted.columns, i) === 0) { dup = true; break; }
    if (!dup && (engine === 'deduplicate' || engine === 'first-row')) return { raw, merged: sorted };
    const out = new KvBuilder(this.phys, n);
    const group = new KeyGroup();
    let i = 0;
    while (i < n) {
      group.clear();
      group.add(sorted, i);
      let j = i + 1;
      while (j < n && cmp(sorted.columns, i, sorted.columns, j) === 0) group.add(sorted, j++);
      emitGroup(group, { merge: this.merge, dropDelete: false }, out);
      i = j;
    }
    return { raw, merged: out.build() };
  }

  /** Columns with aggregate inputs turned into stored values (count's 0/1). */
  private prepared(columns: readonly Column[], n: number): Column[] {
    const m = this.merge as AggregationMerge;
    const rows = new Array<unknown>(columns.length);
    const builders = columns.map(() => [] as unknown[]);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < columns.length; c++) {
        const col = columns[c]!;
        rows[c] = col.nulls !== null && col.nulls[i] === 1 ? null : (col.values as ArrayLike<unknown>)[i];
      }
      m.prepare(rows);
      for (let c = 0; c < columns.length; c++) builders[c]!.push(rows[c]);
    }
    const kb = new KvBuilder(this.phys, n);
    for (let i = 0; i < n; i++) kb.append(builders.map((b) => b[i]), INSERT, 0);
    return [...kb.build().columns];
  }

  private async lookupState(): Promise<LookupState> {
    if (this.lookup) return this.lookup;
    const layout = this.table.layout;
    const state = new LookupState(layout.primaryKey, layout.keyTypes, this.phys, this.merge, layout.options.rowDeduplicate(), mergeSetup(this.table, this.allFields).orderGroup);
    // the bucket as committed before this writer's own files
    const files = this.levels.allFiles().filter((f) => !this.inc.newFiles.includes(f));
    for await (const b of readBucket({ table: this.table, partition: this.partition, bucket: this.bucket, fields: this.allFields, dropDelete: true, batchSize: 8192 }, files)) state.load(b);
    this.lookup = state;
    return state;
  }

  private writer(level: number, source: 'APPEND' | 'COMPACT', changelog = false): RollingWriter {
    const o = this.table.layout.options;
    return new RollingWriter({
      io: this.table.io, layout: this.table.layout, dir: this.dir, level, source, changelog,
      newFileName: () => this.table.paths.newFileName(changelog ? 'changelog' : 'data'), targetFileSize: o.targetFileSize(),
    });
  }

  /** Writes the buffer as a level-0 run (and its changelog). */
  async flush(): Promise<void> {
    if (this.bufferedRows === 0) return;
    const lookup = this.producer === 'lookup' ? await this.lookupState() : null;
    const { raw, merged } = this.sortAndMerge();
    this.chunks = [];
    this.chunkKinds = [];
    this.chunkSeq = [];
    this.bufferedRows = 0;
    const data = this.writer(0, 'APPEND');
    try {
      await data.writeKv(merged);
      const files = await data.close();
      for (const f of files) {
        this.levels.addLevel0(f);
        this.inc.newFiles.push(f);
      }
    } catch (e) {
      await data.abort();
      throw e;
    }
    const changes = lookup ? lookup.produce(merged) : this.producer === 'input' ? raw : null;
    if (changes && changes.length > 0) {
      const cl = this.writer(0, 'APPEND', true);
      try {
        await cl.writeKv(changes);
        this.inc.changelogFiles.push(...(await cl.close()));
      } catch (e) {
        await cl.abort();
        throw e;
      }
    }
    // writers stall (compact at once) when runs pile up past the stop trigger
    const o = this.table.layout.options;
    if (!o.writeOnly() && this.levels.numberOfSortedRuns() >= o.stopTrigger()) await this.compact(false);
  }

  private async rewrite(unit: CompactUnit): Promise<DataFileMeta[]> {
    const r = { table: this.table, partition: this.partition, bucket: this.bucket, fields: this.allFields, dropDelete: unit.dropDelete, batchSize: 8192 };
    const setup = mergeSetup(this.table, this.allFields);
    const runs = unit.runs.map((run) => (async function* () { for (const f of run.files) yield* readFile(r, f); })());
    const out = this.writer(unit.outputLevel, 'COMPACT');
    try {
      for await (const b of mergeRuns(runs, { compare: setup.compare, merge: setup.merge, phys: this.phys, dropDelete: unit.dropDelete, orderGroup: setup.orderGroup, batchSize: 8192 })) {
        await out.writeKv(b);
      }
      return await out.close();
    } catch (e) {
      await out.abort();
      throw e;
    }
  }

  /** Runs one compaction if the tree needs it (or a full one); false when there was nothing to do. */
  async compact(full: boolean): Promise<boolean> {
    const o = this.table.layout.options;
    const unit = full ? fullCompaction(this.levels) : pickCompaction(this.levels, { trigger: o.compactionTrigger(), maxSizeAmplification: o.maxSizeAmplification(), sizeRatio: o.sizeRatio() });
    if (!unit) return false;
    const before = filesOf(unit);
    const after = await this.rewrite(unit);
    this.levels.update(before, after);
    // new files stay in the APPEND snapshot even when compacted at once (streaming readers read it);
    // outputs of an earlier compaction of this same commit were never visible and just go away
    const unseen = new Set(this.inc.compactAfter);
    this.inc.compactBefore.push(...before.filter((f) => !unseen.has(f)));
    this.inc.compactAfter = [...this.inc.compactAfter.filter((f) => !before.includes(f)), ...after];
    for (const f of before.filter((x) => unseen.has(x))) await this.table.io.delete(`${this.dir}/${f.fileName}`);
    return true;
  }

  /** Flushes and compacts as needed; returns what the next commit must record. */
  async prepare(fullCompaction: boolean): Promise<CommitMessage> {
    await this.flush();
    const o = this.table.layout.options;
    if (fullCompaction) await this.compact(true);
    else if (!o.writeOnly()) {
      // each round reduces the number of runs; a few rounds put any tree back in shape
      for (let round = 0; round < 8 && (await this.compact(false)); round++);
    }
    const inc = this.inc;
    this.inc = { newFiles: [], changelogFiles: [], compactBefore: [], compactAfter: [] };
    return { partition: this.partition, bucket: this.bucket, totalBuckets: this.totalBuckets, ...inc };
  }

  /** Files written and not yet handed to a commit (to remove them when the write is abandoned). */
  uncommittedFiles(): string[] {
    return [...this.inc.newFiles, ...this.inc.changelogFiles, ...this.inc.compactAfter].map((f) => `${this.dir}/${f.fileName}`);
  }
}
