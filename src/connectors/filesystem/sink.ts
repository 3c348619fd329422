/**
 * Writes into a filesystem table. Rows go to files named `part-<uuid>-<n>.<ext>` in the partition
 * directory their partition values name (`k=v/...`; partition columns are not stored in the files).
 *
 * All files are first written into a hidden staging directory inside the table's path (`.staging-<uuid>`,
 * invisible to readers, on the same file system so moving is cheap). Only `finish()` moves them into
 * place, so a failed INSERT (`abort()`) leaves the table as it was. INSERT INTO only adds files.
 * INSERT OVERWRITE replaces the whole table when it is not partitioned, and otherwise each partition
 * that receives rows (plus the partition named by a full static PARTITION clause, even when no rows
 * arrive). Old files are listed first, new ones moved in, then the old ones deleted: a crash between
 * the two steps leaves extra rows, never lost ones.
 */
import { randomUUID } from 'node:crypto';
import type { Batch, Field } from '../../types/batch.ts';
import { gatherBatch } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { physicalOf } from '../../types/data-type.ts';
import { formatValue } from '../../types/value.ts';
import type { SinkContext, SinkOpenOptions, SinkTarget, SinkWriter, TableDescriptor } from '../connector.ts';
import type { FileIO, FileStatus } from '../../fs/file-io.ts';
import { joinPath } from '../../fs/file-io.ts';
import { fileIOFor } from '../../fs/resolve.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import type { FileWriter, FormatInstance } from '../formats/format.ts';
import { partitionPath, visibleFiles } from './partitions.ts';
import { filesystemTable, type FilesystemTable } from './options.ts';

interface OpenFile {
  writer: FileWriter;
  /** Path relative to the table root, e.g. `dt=1/part-<uuid>-0.csv`. */
  relative: string;
}

class FilesystemWriter implements SinkWriter {
  private readonly t: FilesystemTable;
  private readonly io: FileIO;
  private readonly format: FormatInstance;
  private readonly opts: SinkOpenOptions;
  private readonly timeZone: string;
  private readonly id = randomUUID();
  private readonly staging: string;
  private readonly keyIndexes: number[];
  private readonly keyTypes: DataType[];
  private readonly dataIndexes: number[];
  private readonly dataTypes: DataType[];
  private readonly open = new Map<string, OpenFile>();
  /** Files being closed or closed, relative to the table root. */
  private readonly closing: Promise<void>[] = [];
  private readonly done: string[] = [];
  private readonly pending: Promise<void>[] = [];
  private readonly touched = new Set<string>();
  private fileCount = 0;
  private rows = 0;

  constructor(t: FilesystemTable, io: FileIO, format: FormatInstance, opts: SinkOpenOptions, ctx: SinkContext) {
    this.t = t;
    this.io = io;
    this.format = format;
    this.opts = opts;
    this.timeZone = ctx.timeZone;
    this.staging = joinPath(t.path, `.staging-${this.id}`);
    this.keyIndexes = t.partitionKeys.map((k) => t.columns.findIndex((c) => c.name === k));
    this.keyTypes = this.keyIndexes.map((i) => t.columns[i]!.type);
    this.dataIndexes = t.fileFields.map((f) => t.columns.indexOf(f));
    this.dataTypes = t.fileFields.map((f) => f.type);
  }

  private newFile(dir: string): OpenFile {
    const name = `part-${this.id}-${this.fileCount++}.${this.t.format.extension}`;
    const relative = dir === '' ? name : `${dir}/${name}`;
    const path = joinPath(this.staging, relative);
    let writer: FileWriter | undefined;
    const ready = this.io.create(path).then((out) => { writer = this.format.createWriter(out); });
    // defer the first write until the file exists; later writes go straight to the writer
    const lazy: FileWriter = {
      write: (b) => (writer ? writer.write(b) : ready.then(() => writer!.write(b))),
      get bytesWritten() { return writer ? writer.bytesWritten : 0; },
      close: () => ready.then(() => writer!.close()),
      abort: () => ready.then(() => writer!.abort(), () => undefined),
    };
    return { writer: lazy, relative };
  }

  private fileFor(dir: string): OpenFile {
    let f = this.open.get(dir);
    if (f !== undefined && f.writer.bytesWritten >= this.t.rollingFileSize) {
      this.closing.push(f.writer.close());
      this.done.push(f.relative);
      f = undefined;
    }
    if (f === undefined) {
      f = this.newFile(dir);
      this.open.set(dir, f);
    }
    return f;
  }

  /** The partition directory of each row (runs of equal values share one formatting). */
  private partitionDirs(batch: Batch): string[] {
    const n = batch.length;
    const out = new Array<string>(n);
    const phys = this.keyTypes.map(physicalOf);
    let prevRaw: unknown[] | null = null;
    let prevDir = '';
    for (let i = 0; i < n; i++) {
      const raw = this.keyIndexes.map((c, k) => {
        const col = batch.columns[c]!;
        if (col.nulls !== null && col.nulls[i] === 1) return null;
        const v = (col.values as ArrayLike<unknown>)[i];
        return phys[k] === 'bool' ? v === 1 : v;
      });
      if (prevRaw === null || raw.some((v, k) => v !== prevRaw![k])) {
        const text = raw.map((v, k) => (v === null ? null : formatValue(this.keyTypes[k]!, v, { timeZone: this.timeZone })));
        prevDir = partitionPath(this.t.partitionKeys, text, this.t.defaultPartitionName);
        prevRaw = raw;
      }
      out[i] = prevDir;
    }
    return out;
  }

  write(batch: Batch): Promise<void> {
    if (batch.length === 0) return Promise.resolve();
    if (batch.kinds !== null && batch.kinds.some((k) => k !== 0)) {
      throw new FreshetError(SqlState.featureNotSupported, `table ${this.t.name} (filesystem) accepts only inserted rows, not updates or deletes`);
    }
    this.rows += batch.length;
    const dataOnly = (b: Batch): Batch => ({ columns: this.dataIndexes.map((c) => b.columns[c]!), length: b.length, kinds: null });
    const writes: Promise<void>[] = [];
    if (this.keyIndexes.length === 0) {
      this.touched.add('');
      writes.push(this.fileFor('').writer.write(dataOnly(batch)));
    } else {
      const dirs = this.partitionDirs(batch);
      const groups = new Map<string, number[]>();
      for (let i = 0; i < dirs.length; i++) {
        let g = groups.get(dirs[i]!);
        if (g === undefined) groups.set(dirs[i]!, (g = []));
        g.push(i);
      }
      for (const [dir, rows] of groups) {
        this.touched.add(dir);
        const part = rows.length === batch.length ? dataOnly(batch) : gatherBatch(dataOnly(batch), this.dataTypes, rows);
        writes.push(this.fileFor(dir).writer.write(part));
      }
    }
    const all = Promise.all(writes).then(() => undefined);
    this.pending.push(all);
    return all;
  }

  async finish(): Promise<number> {
    await Promise.all(this.pending);
    for (const f of this.open.values()) {
      this.closing.push(f.writer.close());
      this.done.push(f.relative);
    }
    this.open.clear();
    await Promise.all(this.closing);

    // what INSERT OVERWRITE replaces
    const replaced: FileStatus[] = [];
    if (this.opts.overwrite) {
      const dirs = new Set(this.touched);
      if (this.keyIndexes.length === 0) dirs.add('');
      else if (this.t.partitionKeys.every((k) => k in this.opts.staticPartition)) {
        dirs.add(partitionPath(this.t.partitionKeys, this.t.partitionKeys.map((k) => this.opts.staticPartition[k]!), this.t.defaultPartitionName));
      }
      for (const d of dirs) replaced.push(...(await visibleFiles(this.io, d === '' ? this.t.path : joinPath(this.t.path, d))));
    }
    for (const rel of this.done) await this.io.rename(joinPath(this.staging, rel), joinPath(this.t.path, rel));
    for (const f of replaced) await this.io.delete(f.path);
    await this.io.delete(this.staging);
    return this.rows;
  }

  async abort(): Promise<void> {
    await Promise.allSettled(this.pending);
    await Promise.allSettled([...this.open.values()].map((f) => f.writer.abort()));
    await Promise.allSettled(this.closing);
    this.open.clear();
    await this.io.delete(this.staging);
  }
}

export class FilesystemSink implements SinkTarget {
  readonly fields: Field[];
  readonly partitionKeys: string[];
  readonly acceptsChanges = false;
  private readonly t: FilesystemTable;
  private readonly format: FormatInstance;
  private readonly io: FileIO;

  constructor(desc: TableDescriptor) {
    this.t = filesystemTable(desc);
    this.fields = this.t.columns;
    this.partitionKeys = this.t.partitionKeys;
    this.io = fileIOFor(this.t.path);
    this.format = this.t.format.bind(this.t.fileFields, desc.options, desc.name);
  }

  describe(): string {
    return `filesystem(path=${this.t.path}, format=${this.t.formatName})`;
  }

  async open(opts: SinkOpenOptions, ctx: SinkContext): Promise<SinkWriter> {
    const st = await this.io.stat(this.t.path);
    if (st !== undefined && !st.isDirectory) {
      throw new FreshetError(SqlState.invalidParameterValue, `cannot write to table ${this.t.name}: its path ${this.t.path} is a file`, {
        hint: "The filesystem sink writes files into a directory; point 'path' at a directory.",
      });
    }
    await this.io.mkdirs(this.t.path);
    return new FilesystemWriter(this.t, this.io, this.format, opts, ctx);
  }
}
