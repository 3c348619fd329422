/**
 * Bounded reads of a filesystem table: find the data files (pruning partition directories with pushed
 * predicates), let the format read the requested data columns of each file, and add partition values
 * and metadata columns as constants per file.
 *
 * Predicates on partition columns are evaluated exactly here (a partition value is the same for every
 * row of a directory), so the engine drops them from its own filter. Predicates on data columns are
 * used only by formats with statistics (parquet) to skip row groups; the engine still applies them.
 */
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

export class FilesystemSource implements ScanSource {
  readonly fields: Field[];
  readonly bounded = true;
  private readonly table: FilesystemTable;
  private readonly format: FormatInstance;
  private readonly io: FileIO;
  private readonly origins: FieldOrigin[];
  private readonly partitionColumns: PartitionColumn[];

  constructor(desc: TableDescriptor) {
    this.table = filesystemTable(desc);
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
    return `filesystem(path=${this.table.path}, format=${this.table.formatName}${this.table.partitionKeys.length > 0 ? `, partitions=[${this.table.partitionKeys.join(', ')}]` : ''})`;
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

  async *open(req: ScanRequest, ctx: ScanContext): AsyncIterable<Batch> {
    const t = this.table;
    const root = await this.io.stat(t.path);
    if (root === undefined) {
      throw new FreshetError(SqlState.ioError, `path ${t.path} of table ${t.name} does not exist`, {
        hint: 'Check the table\'s \'path\' option. A directory is created by the first INSERT into the table.',
      });
    }
    const partitionPreds = req.predicates.filter((p) => this.origins[p.column]?.kind === 'partition');
    const files = await discoverFiles(this.io, root, this.partitionColumns, partitionPreds, t.defaultPartitionName, ctx.timeZone, t.name);

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

    for (const entry of files) {
      if (ctx.isCancelled()) return;
      for await (const b of this.format.read(this.io, entry.file, { columns: dataColumns, predicates: dataPreds }, ctx)) {
        if (b.length === 0) continue;
        const columns: Column[] = req.columns.map((c, j) => {
          const o = origins[j]!;
          if (o.kind === 'data') return b.columns[position[j]!]!;
          return constantColumn(this.fields[c]!.type, constantOf(o, entry), b.length);
        });
        yield { columns, length: b.length, kinds: null };
        if (ctx.isCancelled()) return;
      }
    }
  }
}

function constantOf(o: FieldOrigin, entry: DataFileEntry): unknown {
  if (o.kind === 'partition') return entry.values[o.index] ?? null;
  if (o.kind !== 'metadata') return null;
  const f = entry.file;
  const raw = o.key === 'file.path' ? f.path : o.key === 'file.name' ? f.name : o.key === 'file.size' ? f.size : Math.floor(f.modificationTime);
  return o.cast(raw);
}
