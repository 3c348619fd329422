/**
 * Writes into a filesystem table. Rows go to part files named `part-<uuid>-<n>.<ext>` in the partition
 * directory their partition values name (`k=v/...`; partition columns are not stored in the files).
 *
 * Files are written into a hidden staging directory inside the table's path (`.staging-<uuid>`,
 * invisible to readers, on the same file system so moving is cheap) and become visible only when they
 * are committed: moved into place by a rename, so a reader sees a whole file or none of it.
 *
 * A batch INSERT commits once, in `finish()`, so a failed INSERT (`abort()`) leaves the table as it
 * was. A streaming INSERT never finishes: the runtime calls `commit()` at each checkpoint (see
 * CommittableSinkWriter below), and between commits a rolling policy closes part files that grew past
 * 'sink.rolling-policy.file-size' or were open longer than 'sink.rolling-policy.rollover-interval'
 * (checked on every write and every 'sink.rolling-policy.check-interval'); rolled files wait, hidden,
 * for the next commit.
 *
 * Partition commit ('sink.partition-commit.policy.kind' = 'success-file'): at a commit, each partition
 * that received rows and has had none for 'sink.partition-commit.delay' gets a `_SUCCESS` file, telling
 * downstream tools the partition is complete; `finish()` commits every partition written. A partition
 * that receives rows again is committed again (the marker is rewritten).
 *
 * INSERT INTO only adds files. INSERT OVERWRITE (batch only) replaces the whole table when it is not
 * partitioned, and otherwise each partition that receives rows (plus the partition named by a full
 * static PARTITION clause, even when no rows arrive). Old files are listed first, new ones moved in,
 * then the old ones deleted: a crash between the two steps leaves extra rows, never lost ones.
 *
 * Plain formats hold only inserted rows; changelog formats (debezium-json, canal-json) store each row
 * with its kind, so they accept updates and deletes.
 */
import { randomUUID } from 'node:crypto';
import type { Batch, Field } from '../../types/batch.ts';
import { ROW_KIND_NAMES, gatherBatch } from '../../types/batch.ts';
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

/**
 * The writer of a streaming INSERT. The contract with the runtime:
 *
 * - `commit()` makes every row handed to `write()` before the call visible in the table. It waits for
 *   those writes, closes the part files they went to, and renames each file from the staging directory
 *   into place; when the promise resolves, all of them are visible. Each file appears whole, and the
 *   files of one commit appear one right after another (there is no single atomic step for several
 *   files on a plain file system). Rows written after the call starts go to new part files and belong
 *   to the next commit. Then partitions due for commit get their success file. Calls may overlap; they
 *   run one after another, in call order.
 * - `finish()` commits everything else, commits every partition written (whatever the delay), removes
 *   the staging directory, and returns the number of rows written in total.
 * - `abort()` drops what was not committed yet; committed files stay (they are part of the table).
 * - After a failed commit (an I/O error), the writer accepts nothing more but `abort()`; files the
 *   failed commit had already moved stay visible.
 * - INSERT OVERWRITE cannot commit in steps (old files would be deleted before all new ones exist):
 *   `commit()` on such a writer throws; it commits once, in `finish()`.
 *
 * The runtime calls `commit()` when a checkpoint completes (execution.checkpointing.interval), so the
 * files of a streaming INSERT become visible once per checkpoint.
 */
export interface CommittableSinkWriter extends SinkWriter {
  commit(): Promise<void>;
}

/** What the sink may find in its SinkContext besides the time zone (both optional). */
interface SinkRuntime extends SinkContext {
  /** The processing-time clock (epoch ms) for rolling and partition commit; tests inject one. */
  readonly clock?: () => number;
}

interface OpenFile {
  writer: FileWriter;
  /** Path relative to the table root, e.g. `dt=1/part-<uuid>-0.csv`. */
  relative: string;
  /** When the file was started (clock ms), for the rollover interval. */
  opened: number;
}

/** A closed (or closing) part file waiting for the next commit. */
interface RolledFile {
  relative: string;
  closed: Promise<void>;
}

/** A partition directory written to, for partition commit. */
interface PartitionState {
  /** Clock ms of the last write into it. */
  lastWrite: number;
  /** Counts writes, so a commit can tell whether rows arrived while it ran. */
  version: number;
  /** Rows arrived since the partition was last committed. */
  uncommitted: boolean;
}

class FilesystemWriter implements CommittableSinkWriter {
  private readonly t: FilesystemTable;
  private readonly io: FileIO;
  private readonly format: FormatInstance;
  private readonly opts: SinkOpenOptions;
  private readonly timeZone: string;
  private readonly clock: () => number;
  private readonly keepKinds: boolean;
  private readonly id = randomUUID();
  private readonly staging: string;
  private readonly keyIndexes: number[];
  private readonly keyTypes: DataType[];
  private readonly dataIndexes: number[];
  private readonly dataTypes: DataType[];
  private readonly open = new Map<string, OpenFile>();
  private rolled: RolledFile[] = [];
  /** Writes under way (each removes itself when it settles). */
  private readonly inflight = new Set<Promise<void>>();
  /** The first error of a write or close nobody awaited; fails the next commit. */
  private failure: unknown = undefined;
  private readonly partitions = new Map<string, PartitionState>();
  /** Partition directories that received rows (what INSERT OVERWRITE replaces). */
  private readonly touched = new Set<string>();
  private commits: Promise<void> = Promise.resolve();
  private state: 'open' | 'failed' | 'finished' | 'aborted' = 'open';
  private readonly timer: ReturnType<typeof setInterval>;
  private fileCount = 0;
  private rows = 0;

  constructor(t: FilesystemTable, io: FileIO, format: FormatInstance, opts: SinkOpenOptions, ctx: SinkContext) {
    this.t = t;
    this.io = io;
    this.format = format;
    this.opts = opts;
    this.timeZone = ctx.timeZone;
    this.clock = (ctx as SinkRuntime).clock ?? Date.now;
    this.keepKinds = t.format.changelog === true;
    this.staging = joinPath(t.path, `.staging-${this.id}`);
    this.keyIndexes = t.partitionKeys.map((k) => t.columns.findIndex((c) => c.name === k));
    this.keyTypes = this.keyIndexes.map((i) => t.columns[i]!.type);
    this.dataIndexes = t.fileFields.map((f) => t.columns.indexOf(f));
    this.dataTypes = t.fileFields.map((f) => f.type);
    this.timer = setInterval(() => this.rollOld(), t.checkInterval);
    // a writer nobody finishes must not keep the process alive
    this.timer.unref?.();
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
    return { writer: lazy, relative, opened: this.clock() };
  }

  /** Closes an open part file; it becomes visible at the next commit. */
  private roll(dir: string, f: OpenFile): void {
    this.open.delete(dir);
    const closed = f.writer.close();
    closed.catch((e: unknown) => { this.failure ??= e; });
    this.rolled.push({ relative: f.relative, closed });
  }

  /** The rollover interval, checked every check-interval. */
  private rollOld(): void {
    if (this.state !== 'open') return;
    const now = this.clock();
    for (const [dir, f] of [...this.open]) {
      if (now - f.opened >= this.t.rolloverInterval) this.roll(dir, f);
    }
  }

  private fileFor(dir: string, now: number): OpenFile {
    let f = this.open.get(dir);
    if (f !== undefined && (f.writer.bytesWritten >= this.t.rollingFileSize || now - f.opened >= this.t.rolloverInterval)) {
      this.roll(dir, f);
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

  private usable(what: string): void {
    if (this.state === 'open') return;
    if (this.state === 'failed') throw this.failure;
    throw new FreshetError(SqlState.internalError, `cannot ${what}: the writer of table ${this.t.name} is already ${this.state}`);
  }

  private rejectChanges(kinds: Uint8Array): void {
    for (let i = 0; i < kinds.length; i++) {
      if (kinds[i] === 0) continue;
      throw new FreshetError(SqlState.featureNotSupported, `the filesystem sink cannot store updates or deletes: table ${this.t.name} (format '${this.t.formatName}') received a ${ROW_KIND_NAMES[kinds[i]!] ?? kinds[i]} row`, {
        hint: "Write to an upsert-capable sink instead (a table with a PRIMARY KEY on a connector that applies updates, such as a table-store table), make the query insert-only (for example a window aggregation instead of a plain GROUP BY), or store the changelog itself with 'format' = 'debezium-json' or 'canal-json'.",
      });
    }
  }

  private track(p: Promise<void>): Promise<void> {
    this.inflight.add(p);
    p.then(() => this.inflight.delete(p), (e: unknown) => {
      this.inflight.delete(p);
      this.failure ??= e;
    });
    return p;
  }

  write(batch: Batch): Promise<void> {
    this.usable('write');
    if (batch.length === 0) return Promise.resolve();
    if (!this.keepKinds && batch.kinds !== null) this.rejectChanges(batch.kinds);
    this.rows += batch.length;
    const now = this.clock();
    const kinds = this.keepKinds ? batch.kinds : null;
    const dataOnly = (b: Batch): Batch => ({ columns: this.dataIndexes.map((c) => b.columns[c]!), length: b.length, kinds });
    const writes: Promise<void>[] = [];
    if (this.keyIndexes.length === 0) {
      this.touched.add('');
      writes.push(this.fileFor('', now).writer.write(dataOnly(batch)));
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
        if (this.t.successFileName !== undefined) {
          const p = this.partitions.get(dir);
          if (p === undefined) this.partitions.set(dir, { lastWrite: now, version: 0, uncommitted: true });
          else { p.lastWrite = now; p.version++; p.uncommitted = true; }
        }
        const part = rows.length === batch.length ? dataOnly(batch) : gatherBatch(dataOnly(batch), this.dataTypes, rows);
        writes.push(this.fileFor(dir, now).writer.write(part));
      }
    }
    return this.track(Promise.all(writes).then(() => undefined));
  }

  commit(): Promise<void> {
    try {
      this.usable('commit');
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.opts.overwrite) {
      return Promise.reject(new FreshetError(SqlState.featureNotSupported, `INSERT OVERWRITE into table ${this.t.name} cannot commit before it finishes`, {
        hint: 'Streaming INSERTs append (INSERT INTO); INSERT OVERWRITE runs in batch mode.',
      }));
    }
    return this.enqueueCommit(false);
  }

  /**
   * Takes what has been written so far (synchronously, so later writes belong to the next commit) and
   * queues its commit behind earlier ones.
   */
  private enqueueCommit(final: boolean): Promise<void> {
    for (const [dir, f] of [...this.open]) this.roll(dir, f);
    const files = this.rolled;
    this.rolled = [];
    const writes = [...this.inflight];
    const now = this.clock();
    const due: Array<[string, number]> = [];
    for (const [dir, p] of this.partitions) {
      if (p.uncommitted && (final || now - p.lastWrite >= this.t.partitionCommitDelay)) due.push([dir, p.version]);
    }
    const run = async (): Promise<void> => {
      await Promise.all(writes);
      await Promise.all(files.map((f) => f.closed));
      if (this.failure !== undefined) throw this.failure;
      const replaced = final && this.opts.overwrite ? await this.replacedFiles() : [];
      for (const f of files) await this.io.rename(joinPath(this.staging, f.relative), joinPath(this.t.path, f.relative));
      for (const f of replaced) await this.io.delete(f.path);
      for (const [dir, version] of due) {
        const p = this.partitions.get(dir)!;
        // rows that arrived while this commit ran are not visible yet: the partition waits for the next one
        if (p.version !== version) continue;
        const marker = await this.io.create(joinPath(this.t.path, dir, this.t.successFileName!));
        await marker.close();
        p.uncommitted = false;
      }
    };
    const done = this.commits.then(run);
    done.catch((e: unknown) => {
      this.failure ??= e;
      if (this.state === 'open') this.state = 'failed';
    });
    this.commits = done.catch(() => undefined);
    return done;
  }

  /** The files INSERT OVERWRITE replaces (listed before the new files move in). */
  private async replacedFiles(): Promise<FileStatus[]> {
    const dirs = new Set(this.touched);
    if (this.keyIndexes.length === 0) dirs.add('');
    else if (this.t.partitionKeys.every((k) => k in this.opts.staticPartition)) {
      dirs.add(partitionPath(this.t.partitionKeys, this.t.partitionKeys.map((k) => this.opts.staticPartition[k]!), this.t.defaultPartitionName));
    }
    const out: FileStatus[] = [];
    for (const d of dirs) out.push(...(await visibleFiles(this.io, d === '' ? this.t.path : joinPath(this.t.path, d))));
    return out;
  }

  async finish(): Promise<number> {
    this.usable('finish');
    clearInterval(this.timer);
    await this.enqueueCommit(true);
    this.state = 'finished';
    await this.io.delete(this.staging);
    return this.rows;
  }

  async abort(): Promise<void> {
    if (this.state === 'aborted') return;
    this.state = 'aborted';
    clearInterval(this.timer);
    await Promise.allSettled([...this.inflight]);
    await Promise.allSettled([...this.open.values()].map((f) => f.writer.abort()));
    await Promise.allSettled(this.rolled.map((f) => f.closed));
    await this.commits;
    this.open.clear();
    this.rolled = [];
    await this.io.delete(this.staging);
  }
}

export class FilesystemSink implements SinkTarget {
  readonly fields: Field[];
  readonly partitionKeys: string[];
  /** Only changelog formats can store updates and deletes. */
  readonly acceptsChanges: boolean;
  private readonly t: FilesystemTable;
  private readonly format: FormatInstance;
  private readonly io: FileIO;

  constructor(desc: TableDescriptor) {
    this.t = filesystemTable(desc);
    this.fields = this.t.columns;
    this.partitionKeys = this.t.partitionKeys;
    this.io = fileIOFor(this.t.path);
    this.format = this.t.format.bind(this.t.fileFields, desc.options, desc.name);
    this.format.checkWrite?.();
    this.acceptsChanges = this.t.format.changelog === true;
  }

  describe(): string {
    return `filesystem(path=${this.t.path}, format=${this.t.formatName})`;
  }

  async open(opts: SinkOpenOptions, ctx: SinkContext): Promise<CommittableSinkWriter> {
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
