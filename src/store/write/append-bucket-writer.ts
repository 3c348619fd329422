/**
 * The writer of one bucket of an append table (no key: rows are kept as written). Rows stream into
 * Parquet files of about 'target-file-size'; at prepare time small files of the bucket are compacted
 * into bigger ones once there are 'compaction.min.file-num' of them, oldest first, so a table fed by
 * frequent small commits does not turn into thousands of tiny files.
 */
import type { Batch } from '../../types/batch.ts';
import { gatherBatch } from '../../types/batch.ts';
import type { FileStoreTable } from '../table.ts';
import type { DataFileMeta, ManifestEntry } from '../manifest.ts';
import { RollingWriter } from '../data-file.ts';
import { readDataFile } from '../data-file.ts';
import type { CommitMessage } from './commit-message.ts';

export class AppendBucketWriter {
  private readonly table: FileStoreTable;
  readonly partition: ManifestEntry['partition'];
  readonly bucket: number;
  readonly totalBuckets: number;
  private readonly dir: string;
  /** Files of the bucket that are live (committed before, or written since and not compacted away). */
  private live: DataFileMeta[];
  private nextSeq: number;
  private current: RollingWriter | null = null;
  private newFiles: DataFileMeta[] = [];
  private compactBefore: DataFileMeta[] = [];
  private compactAfter: DataFileMeta[] = [];
  readonly bufferedRows = 0;
  readonly bufferedBytes = 0;

  constructor(table: FileStoreTable, partition: ManifestEntry['partition'], bucket: number, files: readonly DataFileMeta[]) {
    this.table = table;
    this.partition = partition;
    this.bucket = bucket;
    this.totalBuckets = table.layout.buckets;
    this.dir = table.paths.bucketDir(partition, bucket);
    this.live = [...files];
    this.nextSeq = files.reduce((m, f) => Math.max(m, f.maxSeq), -1) + 1;
  }

  private writer(source: 'APPEND' | 'COMPACT'): RollingWriter {
    return new RollingWriter({
      io: this.table.io, layout: this.table.layout, dir: this.dir, level: 0, source,
      newFileName: () => this.table.paths.newFileName('data'), targetFileSize: this.table.layout.options.targetFileSize(),
    });
  }

  async add(batch: Batch, rows: Int32Array | null): Promise<void> {
    const b = rows === null ? batch : gatherBatch(batch, this.table.layout.types, rows);
    if (b.length === 0) return;
    this.current ??= this.writer('APPEND');
    const first = this.nextSeq;
    this.nextSeq += b.length;
    await this.current.writeAppend(b, first);
  }

  async flush(): Promise<void> {
    if (!this.current) return;
    const files = await this.current.close();
    this.current = null;
    this.newFiles.push(...files);
    this.live.push(...files);
  }

  /** Rewrites the oldest small files into files of the target size; false when too few are small. */
  private async compact(full: boolean): Promise<boolean> {
    const o = this.table.layout.options;
    const target = o.targetFileSize();
    const small = this.live.filter((f) => f.fileSize < target * 0.7).sort((a, b) => a.minSeq - b.minSeq);
    if (small.length < (full ? 2 : o.minFileNum())) return false;
    const picked = small.slice(0, o.maxFileNum());
    const out = this.writer('COMPACT');
    const t = this.table;
    try {
      for (const f of picked) {
        let seq = f.minSeq;
        for await (const b of readDataFile({
          io: t.io, path: `${this.dir}/${f.fileName}`, size: f.fileSize, fileSchema: await t.schemas.schema(f.schemaId), readSchema: t.schema,
          fields: t.layout.fields.map((_, i) => i), kv: false, batchSize: 8192,
        })) {
          await out.writeAppend({ columns: b.columns, length: b.length, kinds: null }, seq);
          seq += b.length;
        }
      }
    } catch (e) {
      await out.abort();
      throw e;
    }
    const after = await out.close();
    const unseen = new Set(this.compactAfter);
    this.compactBefore.push(...picked.filter((f) => !unseen.has(f)));
    this.compactAfter = [...this.compactAfter.filter((f) => !picked.includes(f)), ...after];
    for (const f of picked.filter((x) => unseen.has(x))) await this.table.io.delete(`${this.dir}/${f.fileName}`);
    this.live = [...this.live.filter((f) => !picked.includes(f)), ...after];
    return picked.length >= 2;
  }

  async prepare(fullCompaction: boolean): Promise<CommitMessage> {
    await this.flush();
    if (fullCompaction) await this.compact(true);
    else if (!this.table.layout.options.writeOnly()) await this.compact(false);
    const msg: CommitMessage = {
      partition: this.partition, bucket: this.bucket, totalBuckets: this.totalBuckets,
      newFiles: this.newFiles, changelogFiles: [], compactBefore: this.compactBefore, compactAfter: this.compactAfter,
    };
    this.newFiles = [];
    this.compactBefore = [];
    this.compactAfter = [];
    return msg;
  }

  uncommittedFiles(): string[] {
    return [...this.newFiles, ...this.compactAfter].map((f) => `${this.dir}/${f.fileName}`);
  }

  async abort(): Promise<void> {
    await this.current?.abort();
    this.current = null;
  }
}
