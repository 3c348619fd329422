/**
 * System tables: read-only views of a table's metadata, named `<table>$<kind>` (write them quoted:
 * SELECT * FROM `orders$snapshots`).
 *
 *   $snapshots   one row per snapshot kept
 *   $files       the data files of the latest snapshot (or the one 'scan.snapshot-id' names)
 *   $options     the table's options
 *   $schemas     every schema version
 *   $partitions  rows, files and bytes per partition
 *   $consumers   streaming consumers and the next snapshot each will read
 *   $audit_log   the table's rows with their change kind (+I, -U, +U, -D) as a `rowkind` column;
 *                read in streaming mode (or with 'incremental-between') it shows every change
 */
import type { Batch, Field } from '../../types/batch.ts';
import { batchFromRows, ColumnBuilder } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { T, notNull, typeToString, physicalOf } from '../../types/data-type.ts';
import { ROW_KIND_NAMES } from '../../types/batch.ts';
import type { ScanContext, ScanRequest, ScanSource } from '../../connectors/connector.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { didYouMean } from '../../util/suggest.ts';
import type { FileStoreTable } from '../table.ts';
import { resolveSnapshot } from '../read/table-scan.ts';
import { listConsumers } from '../consumer.ts';
import { partitionKeyOf } from '../paths.ts';
import { decodeValue, type JsonScalar } from '../value-codec.ts';
import { formatValue } from '../../types/value.ts';
import { StoreSource } from '../connector/source.ts';

export const SYSTEM_TABLES = ['snapshots', 'files', 'options', 'schemas', 'partitions', 'consumers', 'audit_log'] as const;
export type SystemTableKind = (typeof SYSTEM_TABLES)[number];

const S = (): DataType => T.string();
const NN = notNull;

function fieldsOf(kind: Exclude<SystemTableKind, 'audit_log'>): Field[] {
  const f = (name: string, type: DataType): Field => ({ name, type });
  switch (kind) {
    case 'snapshots': return [
      f('snapshot_id', NN(T.bigint())), f('schema_id', NN(T.bigint())), f('commit_user', NN(S())), f('commit_identifier', NN(T.bigint())),
      f('commit_kind', NN(S())), f('commit_time', NN(T.timestamp(3))), f('base_manifest_list', NN(S())), f('delta_manifest_list', NN(S())),
      f('changelog_manifest_list', S()), f('total_record_count', T.bigint()), f('delta_record_count', T.bigint()),
      f('changelog_record_count', T.bigint()), f('watermark', T.bigint()),
    ];
    case 'files': return [
      f('partition', NN(S())), f('bucket', NN(T.int())), f('file_path', NN(S())), f('file_format', NN(S())), f('schema_id', NN(T.bigint())),
      f('level', NN(T.int())), f('record_count', NN(T.bigint())), f('file_size_in_bytes', NN(T.bigint())), f('min_key', S()), f('max_key', S()),
      f('null_value_counts', S()), f('min_value_stats', S()), f('max_value_stats', S()), f('min_sequence_number', T.bigint()),
      f('max_sequence_number', T.bigint()), f('creation_time', T.timestamp(3)),
    ];
    case 'options': return [f('key', NN(S())), f('value', NN(S()))];
    case 'schemas': return [
      f('schema_id', NN(T.bigint())), f('fields', NN(S())), f('partition_keys', NN(S())), f('primary_keys', NN(S())),
      f('options', NN(S())), f('comment', S()), f('update_time', NN(T.timestamp(3))),
    ];
    case 'partitions': return [
      f('partition', NN(S())), f('record_count', NN(T.bigint())), f('file_size_in_bytes', NN(T.bigint())), f('file_count', NN(T.bigint())),
      f('last_update_time', T.timestamp(3)),
    ];
    case 'consumers': return [f('consumer_id', NN(S())), f('next_snapshot_id', NN(T.bigint()))];
  }
}

/** The columns of a system table of `table`. */
export function systemTableFields(table: FileStoreTable, kind: SystemTableKind): Field[] {
  if (kind === 'audit_log') return [{ name: 'rowkind', type: NN(S()) }, ...table.layout.fields];
  return fieldsOf(kind);
}

/** Splits `t$kind` into the table name and a known kind, or undefined when the name has no `$`. */
export function parseSystemName(name: string): { table: string; kind: SystemTableKind } | undefined {
  const i = name.lastIndexOf('$');
  if (i <= 0) return undefined;
  const kind = name.slice(i + 1).toLowerCase();
  if (!(SYSTEM_TABLES as readonly string[]).includes(kind)) {
    throw new FreshetError(SqlState.undefinedTable, `unknown system table '$${name.slice(i + 1)}' of table ${name.slice(0, i)}${didYouMean(kind, SYSTEM_TABLES)}`, {
      hint: `System tables: ${SYSTEM_TABLES.map((k) => '$' + k).join(', ')}.`,
    });
  }
  return { table: name.slice(0, i), kind: kind as SystemTableKind };
}

function partitionText(table: FileStoreTable, p: readonly JsonScalar[]): string {
  const layout = table.layout;
  return table.schema.partitionKeys.map((k, i) => {
    const t = layout.types[layout.partition[i]!]!;
    const v = decodeValue(t, p[i]);
    return `${k}=${v === null ? 'NULL' : formatValue(t, v)}`;
  }).join('/');
}

function statsText(schemaFields: ReadonlyArray<{ name: string }>, values: readonly (JsonScalar | number)[]): string {
  const o: Record<string, JsonScalar | number> = {};
  schemaFields.forEach((f, i) => { o[f.name] = values[i] ?? null; });
  return JSON.stringify(o);
}

async function metadataRows(table: FileStoreTable, kind: Exclude<SystemTableKind, 'audit_log'>, ctx: ScanContext): Promise<unknown[][]> {
  switch (kind) {
    case 'snapshots':
      return (await table.snapshots.all()).map((s) => [
        s.id, s.schemaId, s.commitUser, s.commitIdentifier, s.commitKind, s.timeMillis, s.baseManifestList, s.deltaManifestList,
        s.changelogManifestList, s.totalRecordCount, s.deltaRecordCount, s.changelogRecordCount, s.watermark,
      ]);
    case 'files': {
      const s = await resolveSnapshot(table, ctx.timeZone);
      if (!s) return [];
      const rows: unknown[][] = [];
      for (const e of await table.liveEntries(s)) {
        const f = e.file;
        const schema = await table.schemas.schema(f.schemaId);
        rows.push([
          partitionText(table, e.partition), e.bucket, table.filePath(e), 'parquet', f.schemaId, f.level, f.rowCount, f.fileSize,
          table.layout.hasPrimaryKey ? JSON.stringify(f.minKey) : null, table.layout.hasPrimaryKey ? JSON.stringify(f.maxKey) : null,
          statsText(schema.fields, f.nullCounts), statsText(schema.fields, f.minValues), statsText(schema.fields, f.maxValues),
          f.minSeq, f.maxSeq, f.creationTime,
        ]);
      }
      return rows.sort((a, b) => String(a[0]).localeCompare(String(b[0])) || (a[1] as number) - (b[1] as number) || (a[5] as number) - (b[5] as number));
    }
    case 'options':
      return Object.entries(table.schema.options).sort(([a], [b]) => a.localeCompare(b));
    case 'schemas':
      return (await table.schemas.all()).map((s) => [
        s.id, JSON.stringify(s.fields.map((f) => ({ id: f.id, name: f.name, type: typeToString(f.type) }))),
        JSON.stringify(s.partitionKeys), JSON.stringify(s.primaryKeys), JSON.stringify(s.options), s.comment ?? null, s.timeMillis,
      ]);
    case 'partitions': {
      const s = await table.snapshots.latest();
      if (!s) return [];
      const by = new Map<string, unknown[]>();
      for (const e of await table.liveEntries(s)) {
        const k = partitionKeyOf(e.partition);
        const row = by.get(k) ?? [partitionText(table, e.partition), 0, 0, 0, null];
        row[1] = (row[1] as number) + e.file.rowCount;
        row[2] = (row[2] as number) + e.file.fileSize;
        row[3] = (row[3] as number) + 1;
        row[4] = Math.max((row[4] as number | null) ?? 0, e.file.creationTime);
        by.set(k, row);
      }
      return [...by.values()].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    }
    case 'consumers':
      return (await listConsumers(table)).map((c) => [c.id, c.nextSnapshot]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  }
}

class MetadataSource implements ScanSource {
  readonly fields: Field[];
  readonly bounded = true;
  private readonly table: FileStoreTable;
  private readonly kind: Exclude<SystemTableKind, 'audit_log'>;

  constructor(table: FileStoreTable, kind: Exclude<SystemTableKind, 'audit_log'>) {
    this.table = table;
    this.kind = kind;
    this.fields = fieldsOf(kind);
  }

  describe(): string {
    return `table-store-system(${this.table.name}$${this.kind})`;
  }

  async *open(request: ScanRequest, ctx: ScanContext): AsyncIterable<Batch> {
    const rows = await metadataRows(await this.table.refreshed(), this.kind, ctx);
    const types = request.columns.map((c) => this.fields[c]!.type);
    for (let s = 0; s < rows.length; s += ctx.batchSize) {
      yield batchFromRows(types, rows.slice(s, s + ctx.batchSize).map((r) => request.columns.map((c) => r[c])));
    }
  }
}

/** `$audit_log`: the table's rows (or changes) with their kind as a column. */
class AuditLogSource implements ScanSource {
  readonly fields: Field[];
  readonly bounded: boolean;
  readonly changelogMode = 'append' as const;
  /** Positions are the inner read's (the same context goes through). */
  readonly resumable = true;
  private readonly inner: StoreSource;
  private readonly table: FileStoreTable;

  constructor(table: FileStoreTable, runtime: 'batch' | 'streaming') {
    this.table = table;
    // the changes themselves, kinds included, even where a batch read would show only rows
    this.inner = new StoreSource(table, runtime, true);
    this.bounded = this.inner.bounded;
    this.fields = systemTableFields(table, 'audit_log');
  }

  describe(): string {
    return `table-store-system(${this.table.name}$audit_log)`;
  }

  async *open(request: ScanRequest, ctx: ScanContext): AsyncIterable<Batch> {
    const dataColumns = request.columns.filter((c) => c > 0).map((c) => c - 1);
    const predicates = request.predicates.filter((p) => p.column > 0).map((p) => ({ ...p, column: p.column - 1 }));
    for await (const b of this.inner.open({ columns: dataColumns, predicates }, ctx)) {
      const kindCol = new ColumnBuilder(physicalOf(T.string()), b.length);
      for (let i = 0; i < b.length; i++) kindCol.append(ROW_KIND_NAMES[b.kinds === null ? 0 : b.kinds[i]!]);
      const kinds = kindCol.build();
      yield { columns: request.columns.map((c) => (c === 0 ? kinds : b.columns[dataColumns.indexOf(c - 1)]!)), length: b.length, kinds: null };
    }
  }
}

export function systemTableSource(table: FileStoreTable, kind: SystemTableKind, runtime: 'batch' | 'streaming'): ScanSource {
  return kind === 'audit_log' ? new AuditLogSource(table, runtime) : new MetadataSource(table, kind);
}
