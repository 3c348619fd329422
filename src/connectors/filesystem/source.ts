/**
 * Reads of a filesystem table: find the data files (pruning partition directories with pushed
 * predicates), let the format read the requested data columns of each file, and add partition values
 * and metadata columns as constants per file.
 *
 * The read is bounded (the files present when it starts) unless 'source.monitor-interval' is set: then,
 * after those files, it lists the path again at that interval and reads each file it has not seen yet,
 * once, in the order files appear (files are immutable once visible; writers keep unfinished files
 * under names starting with '.' or '_', which are never listed). Such a read never ends by itself; it
 * stops when the consumer cancels it.
 *
 * Changelog formats (debezium-json, canal-json) produce batches with row kinds. Unbounded reads and
 * changelogs need the streaming runtime: a scan whose ScanContext does not say `streaming: true` is
 * refused with an error, as the batch runtime would otherwise run forever or treat deletes as inserts.
 *
 * A streaming read reports its position (files read whole, and the file being read with the rows of it
 * taken so far) so that a job resumes after a checkpoint: files done are skipped, and the current file is
 * read again past the rows already taken (formats read a file the same way every time).
 *
 * Predicates on partition columns are evaluated exactly here (a partition value is the same for every
 * row of a directory), so the engine drops them from its own filter. Predicates on data columns are
 * used only by formats with statistics (parquet) to skip row groups; the engine still applies them.
 */
import { skipAndReport } from '../resume.ts';
import type { Batch, Column, Field } from '../../types/batch.ts';
import { constantColumn } from '../../types/batch.ts';
import { makeCast } from '../../types/cast.ts';
import type { ColumnPredicate, ScanContext, ScanRequest, ScanSource, TableDescriptor } from '../connector.ts';
import type { FileIO } from '../../fs/file-io.ts';
import { fileIOFor } from '../../fs/resolve.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import type { FormatInstance } from '../formats/format.ts';
import { discoverFiles, type DataFileEntry, type PartitionColumn } from './partitions.ts';
import { METADATA_KEYS, filesystemTable, type FilesystemTable } from './options.ts';

/** Where a source field comes from. */
type FieldOrigin =
  | { kind: 'data'; index: number }
  | { kind: 'partition'; index: number }
  | { kind: 'metadata'; key: string; cast: (v: unknown) => unknown };

/** How often a waiting source checks whether it was cancelled. */
const CANCEL_POLL_MS = 50;

/** Whether a scan runs in a streaming job: the streaming runtime marks its ScanContext with `streaming: true`. */
function streamingScan(ctx: ScanContext): boolean {
  return (ctx as ScanContext & { readonly streaming?: boolean }).streaming === true;
}

/** Waits `ms` (in short sleeps, never spinning); false if the scan was cancelled meanwhile. */
async function pause(ms: number, ctx: ScanContext): Promise<boolean> {
  const end = Date.now() + ms;
  while (!ctx.isCancelled()) {
    const left = end - Date.now();
    if (left <= 0) return true;
    await new Promise<void>((resolve) => setTimeout(resolve, Math.min(left, CANCEL_POLL_MS)));
  }
  return false;
}

function formatMillis(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** Files found by a later listing: oldest first (the order they appeared), then by path. */
function byArrival(a: DataFileEntry, b: DataFileEntry): number {
  const t = a.file.modificationTime - b.file.modificationTime;
  if (t !== 0) return t;
  return a.file.path < b.file.path ? -1 : a.file.path > b.file.path ? 1 : 0;
}

/** Where a streaming read is: the files read whole, and the rows taken of the file being read. */
interface FilesystemPosition {
  done: string[];
  file: string | null;
  rows: number;
}

export class FilesystemSource implements ScanSource {
  readonly fields: Field[];
  readonly resumable = true;
  /** False with 'source.monitor-interval': the read keeps watching the path for new files. */
  readonly bounded: boolean;
  /**
   * The rows' kinds: 'append' (inserts only) for csv, json and parquet; 'retract' (+I, -U, +U, -D) for
   * the changelog formats.
   */
  readonly changelogMode: 'append' | 'retract';
  private readonly table: FilesystemTable;
  private readonly format: FormatInstance;
  private readonly io: FileIO;
  private readonly origins: FieldOrigin[];
  private readonly partitionColumns: PartitionColumn[];

  constructor(desc: TableDescriptor) {
    this.table = filesystemTable(desc);
    this.bounded = this.table.monitorInterval === undefined;
    this.changelogMode = this.table.format.changelog === true ? 'retract' : 'append';
    this.io = fileIOFor(this.table.path);
    this.format = this.table.format.bind(this.table.fileFields, desc.options, desc.name);
    const t = this.table;
    this.fields = [...t.columns, ...desc.metadataColumns.map((m) => ({ name: m.name, type: m.type }))];
    this.origins = [
      ...t.columns.map((c): FieldOrigin => (t.partitionKeys.includes(c.name)
        ? { kind: 'partition', index: t.partitionKeys.indexOf(c.name) }
        : { kind: 'data', index: t.fileFields.indexOf(c) })),
      ...desc.metadataColumns.map((m): FieldOrigin => ({ kind: 'metadata', key: m.key, cast: makeCast(METADATA_KEYS[m.key]!, m.type, { timeZone: 'UTC' }) })),
    ];
    this.partitionColumns = t.partitionKeys.map((k) => {
      const field = t.columns.findIndex((c) => c.name === k);
      return { name: k, type: t.columns[field]!.type, field };
    });
  }

  describe(): string {
    const t = this.table;
    return `filesystem(path=${t.path}, format=${t.formatName}${t.partitionKeys.length > 0 ? `, partitions=[${t.partitionKeys.join(', ')}]` : ''}${t.monitorInterval !== undefined ? `, monitor-interval=${formatMillis(t.monitorInterval)}` : ''})`;
  }

  predicateSupport(p: ColumnPredicate): 'exact' | 'prune' | 'none' {
    const o = this.origins[p.column];
    if (o === undefined) return 'none';
    if (o.kind === 'partition') return 'exact';
    if (o.kind === 'data' && this.format.canPrune({ ...p, column: o.index })) return 'prune';
    return 'none';
  }

  estimatedRows(): number | undefined {
    const bytes = this.io.sizeHint?.(this.table.path);
    return bytes === undefined ? undefined : Math.max(1, Math.round(bytes / this.format.bytesPerRow));
  }

  private readPlan(req: ScanRequest): ReadPlan {
    const origins = req.columns.map((c) => this.origins[c]!);
    const dataColumns: number[] = [];
    const position = origins.map((o) => {
      if (o.kind !== 'data') return -1;
      const at = dataColumns.indexOf(o.index);
      if (at >= 0) return at;
      dataColumns.push(o.index);
      return dataColumns.length - 1;
    });
    const dataPreds = req.predicates.flatMap((p) => {
      const o = this.origins[p.column];
      return o?.kind === 'data' ? [{ ...p, column: o.index }] : [];
    });
    return { columns: req.columns, origins, position, dataColumns, dataPreds };
  }

  /** The batches of one file, with partition and metadata columns added; stops early when cancelled. */
  private async *readFile(entry: DataFileEntry, plan: ReadPlan, ctx: ScanContext): AsyncIterable<Batch> {
    for await (const b of this.format.read(this.io, entry.file, { columns: plan.dataColumns, predicates: plan.dataPreds }, ctx)) {
      if (b.length === 0) continue;
      const columns: Column[] = plan.columns.map((c, j) => {
        const o = plan.origins[j]!;
        if (o.kind === 'data') return b.columns[plan.position[j]!]!;
        return constantColumn(this.fields[c]!.type, constantOf(o, entry), b.length);
      });
      yield { columns, length: b.length, kinds: b.kinds };
      if (ctx.isCancelled()) return;
    }
  }

  async *open(req: ScanRequest, ctx: ScanContext): AsyncIterable<Batch> {
    const t = this.table;
    if (!streamingScan(ctx)) {
      if (!this.bounded) {
        throw new FreshetError(SqlState.featureNotSupported, `table ${t.name} is unbounded (filesystem with 'source.monitor-interval') and cannot be read in batch mode`, {
          hint: "Query it in streaming mode, or remove 'source.monitor-interval' to read the files present once.",
        });
      }
      if (this.changelogMode !== 'append' && ctx.materializeChanges !== true) {
        throw new FreshetError(SqlState.featureNotSupported, `table ${t.name} has format '${t.formatName}', a changelog with updates and deletes, which batch mode cannot read`, {
          hint: "Query it in streaming mode, or store the rows in an insert-only format such as 'json'.",
        });
      }
    }
    const root = await this.io.stat(t.path);
    if (root === undefined) {
      throw new FreshetError(SqlState.ioError, `path ${t.path} of table ${t.name} does not exist`, {
        hint: 'Check the table\'s \'path\' option. A directory is created by the first INSERT into the table.',
      });
    }
    const partitionPreds = req.predicates.filter((p) => this.origins[p.column]?.kind === 'partition');
    const discover = (): Promise<DataFileEntry[]> =>
      discoverFiles(this.io, root, this.partitionColumns, partitionPreds, t.defaultPartitionName, ctx.timeZone, t.name);

    const plan = this.readPlan(req);
    const restored = ctx.restoredPosition as FilesystemPosition | undefined;
    if (restored !== undefined && (typeof restored !== 'object' || restored === null || !Array.isArray(restored.done))) {
      throw new FreshetError(SqlState.dataCorrupted, `a checkpoint holds a position for table ${t.name} that is not a filesystem read position`);
    }
    const seen = new Set<string>(restored?.done ?? []);
    // a new array whenever a file is done: reported positions are never changed afterwards
    let done: string[] = restored?.done ?? [];
    const read = async function* (this: FilesystemSource, entry: DataFileEntry): AsyncIterable<Batch> {
      const path = entry.file.path;
      seen.add(path);
      const skip = restored !== undefined && restored.file === path ? restored.rows : 0;
      yield* skipAndReport(this.readFile(entry, plan, ctx), skip, (rows) => ctx.reportPosition?.({ done, file: path, rows } satisfies FilesystemPosition));
      done = [...done, path];
    };
    for (const entry of await discover()) {
      if (seen.has(entry.file.path)) continue;
      if (ctx.isCancelled()) return;
      yield* read.call(this, entry);
    }
    if (t.monitorInterval === undefined) return;
    for (;;) {
      if (!(await pause(t.monitorInterval, ctx))) return;
      const fresh = (await discover()).filter((e) => !seen.has(e.file.path)).sort(byArrival);
      for (const entry of fresh) {
        if (ctx.isCancelled()) return;
        yield* read.call(this, entry);
      }
    }
  }
}

/** What to ask of the format for a request, and where each requested column comes from. */
interface ReadPlan {
  columns: number[];
  origins: FieldOrigin[];
  /** For data columns: the position among the columns the format reads; -1 otherwise. */
  position: number[];
  dataColumns: number[];
  dataPreds: ColumnPredicate[];
}

function constantOf(o: FieldOrigin, entry: DataFileEntry): unknown {
  if (o.kind === 'partition') return entry.values[o.index] ?? null;
  if (o.kind !== 'metadata') return null;
  const f = entry.file;
  const raw = o.key === 'file.path' ? f.path : o.key === 'file.name' ? f.name : o.key === 'file.size' ? f.size : Math.floor(f.modificationTime);
  return o.cast(raw);
}
