/**
 * Writing to a table: routes each row to its partition and bucket and keeps one bucket writer per
 * (partition, bucket) touched. Nothing written is visible until the commit messages from
 * `prepareCommit` are committed (TableCommit); what was never committed is removed by `abort` (or by
 * orphan-file cleanup after a crash).
 *
 * A bucket writer starts from the bucket's files in the latest snapshot (the LSM levels and the next
 * sequence number of a primary-key bucket), except when overwriting: the new rows then replace the
 * partition and start from nothing.
 */
import type { Batch } from '../../types/batch.ts';
import { keyEncoder, type KeyValue } from '../../types/key-encoder.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import type { FileStoreTable } from '../table.ts';
import type { DataFileMeta, ManifestEntry } from '../manifest.ts';
import { partitionKeyOf } from '../paths.ts';
import { encodeValue, type JsonScalar } from '../value-codec.ts';
import { isRetractionKind } from '../merge/kinds.ts';
import type { Snapshot } from '../snapshot.ts';
import type { CommitMessage } from './commit-message.ts';
import { isEmptyMessage } from './commit-message.ts';
import { KvBucketWriter } from './kv-bucket-writer.ts';
import { AppendBucketWriter } from './append-bucket-writer.ts';
import { hit } from '../fault-points.ts';

type BucketWriter = KvBucketWriter | AppendBucketWriter;

export interface TableWriteOptions {
  /** Rows replace what is there (INSERT OVERWRITE): bucket writers start empty. */
  overwrite?: boolean;
}

export class TableWrite {
  private table: FileStoreTable;
  private readonly overwrite: boolean;
  private readonly writers = new Map<string, BucketWriter>();
  private base: Snapshot | undefined | null = null;
  private baseFiles: Map<string, DataFileMeta[]> | null = null;
  /** Distinct partitions seen, by their key encoding: the encoded values and a small id. */
  private readonly partitions = new Map<KeyValue, { id: number; values: JsonScalar[] }>();
  private readonly encodePartition: ReturnType<typeof keyEncoder>;
  /** Partitions rows were written to (for dynamic INSERT OVERWRITE). */
  readonly touchedPartitions = new Map<string, JsonScalar[]>();

  constructor(table: FileStoreTable, opts: TableWriteOptions = {}) {
    this.table = table;
    this.overwrite = opts.overwrite ?? false;
    const layout = table.layout;
    this.encodePartition = keyEncoder(layout.partitionTypes, layout.partitionTypes.map(() => true));
  }

  /** Forgets the cached view of the table's files (after a commit conflict: another writer changed them). */
  refresh(table?: FileStoreTable): void {
    if (table) this.table = table;
    this.base = null;
    this.baseFiles = null;
    this.writers.clear();
  }

  private async filesOf(partition: JsonScalar[], bucket: number): Promise<DataFileMeta[]> {
    if (this.overwrite) return [];
    if (this.baseFiles === null) {
      this.base ??= await this.table.snapshots.latest();
      const map = new Map<string, DataFileMeta[]>();
      if (this.base) {
        for (const e of await this.table.liveEntries(this.base)) {
          const k = `${partitionKeyOf(e.partition)}|${e.bucket}`;
          let list = map.get(k);
          if (!list) map.set(k, (list = []));
          list.push(e.file);
          if (e.totalBuckets !== this.table.layout.buckets && this.table.layout.buckets > 0) {
            throw new FreshetError(SqlState.objectInUse, `table ${this.table.name}: partition ${JSON.stringify(e.partition)} was written with ${e.totalBuckets} buckets, the table now says ${this.table.layout.buckets}`, {
              hint: "Rewrite the partition with INSERT OVERWRITE to change its bucket count, or set 'bucket' back.",
            });
          }
        }
      }
      this.baseFiles = map;
    }
    return this.baseFiles.get(`${partitionKeyOf(partition)}|${bucket}`) ?? [];
  }

  private async writerFor(partition: JsonScalar[], bucket: number): Promise<BucketWriter> {
    const k = `${partitionKeyOf(partition)}|${bucket}`;
    let w = this.writers.get(k);
    if (!w) {
      const files = await this.filesOf(partition, bucket);
      w = this.table.layout.hasPrimaryKey ? new KvBucketWriter(this.table, partition, bucket, files) : new AppendBucketWriter(this.table, partition, bucket, files);
      this.writers.set(k, w);
      this.touchedPartitions.set(partitionKeyOf(partition), partition);
    }
    return w;
  }

  private partitionOf(batch: Batch, row: number): { id: number; values: JsonScalar[] } {
    const layout = this.table.layout;
    const cols = layout.partition.map((p) => batch.columns[p]!);
    const key = this.encodePartition(cols, row)!;
    let p = this.partitions.get(key);
    if (!p) {
      const values = layout.partition.map((f, k) => {
        const c = cols[k]!;
        return encodeValue(layout.types[f]!, c.nulls !== null && c.nulls[row] === 1 ? null : (c.values as ArrayLike<unknown>)[row]);
      });
      p = { id: this.partitions.size, values };
      this.partitions.set(key, p);
    }
    return p;
  }

  /** Writes a batch with every table field, in order; kinds (null: all +I) are kept for primary-key tables. */
  async write(batch: Batch): Promise<void> {
    if (batch.length === 0) return;
    const layout = this.table.layout;
    if (!layout.hasPrimaryKey && batch.kinds !== null) {
      for (let i = 0; i < batch.length; i++) {
        if (isRetractionKind(batch.kinds[i]!)) {
          throw new FreshetError(SqlState.featureNotSupported, `table ${layout.name} has no primary key, so it cannot take updates or deletes (-U/-D)`, {
            hint: 'Declare PRIMARY KEY (..) NOT ENFORCED on the table to write a changelog into it.',
          });
        }
      }
    }
    const buckets = layout.buckets;
    const n = batch.length;
    if (layout.partition.length === 0 && buckets <= 1) {
      await this.add(await this.writerFor([], 0), batch, null);
      return;
    }
    // group rows by (partition, bucket); numbers as group keys, no per-row strings
    const width = Math.max(1, buckets);
    const groups = new Map<number, { partition: JsonScalar[]; bucket: number; rows: number[] }>();
    const none = { id: 0, values: [] as JsonScalar[] };
    for (let i = 0; i < n; i++) {
      const p = layout.partition.length === 0 ? none : this.partitionOf(batch, i);
      const bucket = buckets > 1 ? layout.bucketHash(batch.columns, i) % buckets : 0;
      const k = p.id * width + bucket;
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { partition: p.values, bucket, rows: [] }));
      g.rows.push(i);
    }
    for (const g of groups.values()) {
      const w = await this.writerFor(g.partition, g.bucket);
      await this.add(w, batch, groups.size === 1 ? null : Int32Array.from(g.rows));
    }
  }

  private async add(w: BucketWriter, batch: Batch, rows: Int32Array | null): Promise<void> {
    if (w instanceof AppendBucketWriter) {
      await w.add(batch, rows);
      return;
    }
    w.add(batch, rows);
    // the write buffer limit holds for all buckets together: flush the biggest buffer first
    const limit = this.table.layout.options.writeBufferSize();
    let total = 0;
    for (const x of this.writers.values()) total += x.bufferedBytes;
    while (total > limit) {
      let biggest: KvBucketWriter | null = null;
      for (const x of this.writers.values()) if (x instanceof KvBucketWriter && (biggest === null || x.bufferedBytes > biggest.bufferedBytes)) biggest = x;
      if (biggest === null || biggest.bufferedBytes === 0) break;
      total -= biggest.bufferedBytes;
      await biggest.flush();
    }
  }

  /**
   * Flushes every bucket and returns what to commit. `fullCompaction` compacts every touched bucket
   * completely (CALL sys.compact).
   */
  async prepareCommit(fullCompaction = false): Promise<CommitMessage[]> {
    const out: CommitMessage[] = [];
    for (const w of this.writers.values()) {
      const m = await w.prepare(fullCompaction);
      if (!isEmptyMessage(m)) out.push(m);
    }
    hit('write:after-data-files');
    return out;
  }

  /** Opens writers for the given buckets (compaction of buckets nothing was written to). */
  async touch(partition: JsonScalar[], bucket: number): Promise<void> {
    await this.writerFor(partition, bucket);
  }

  /** The live entries of the latest snapshot (what a writer starts from). */
  async baseEntries(): Promise<ManifestEntry[]> {
    this.base ??= await this.table.snapshots.latest();
    return this.base ? this.table.liveEntries(this.base) : [];
  }

  /** Removes files written and not handed to a commit. */
  async abort(): Promise<void> {
    for (const w of this.writers.values()) {
      if (w instanceof AppendBucketWriter) await w.abort();
      for (const f of w.uncommittedFiles()) await this.table.io.delete(f).catch(() => undefined);
    }
    this.writers.clear();
  }
}
