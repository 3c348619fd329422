/**
 * One table of the table store: its directory, schema, snapshots and manifests, and the entry points
 * for writing (TableWrite + TableCommit), reading (scans) and maintenance.
 *
 * A FileStoreTable is a cheap handle: it caches immutable metadata (schemas, snapshots, manifests) and
 * reads anything mutable (the latest snapshot) from storage each time it is asked.
 */
import type { FileIO } from '../fs/file-io.ts';
import { FreshetError, SqlState } from '../util/errors.ts';
import { SchemaManager, type TableSchema } from './schema.ts';
import { SnapshotManager, type Snapshot } from './snapshot.ts';
import { ManifestStore, mergeEntries, type ManifestEntry } from './manifest.ts';
import { PathFactory } from './paths.ts';
import { TableLayout } from './layout.ts';

export class FileStoreTable {
  readonly io: FileIO;
  readonly path: string;
  /** Qualified name, for messages. */
  readonly name: string;
  readonly schemas: SchemaManager;
  readonly snapshots: SnapshotManager;
  readonly manifests: ManifestStore;
  readonly layout: TableLayout;
  readonly paths: PathFactory;
  /** Options given for this use only (OPTIONS hints, read options), on top of the stored ones. */
  readonly dynamicOptions: Record<string, string>;

  private constructor(io: FileIO, path: string, name: string, schema: TableSchema, dynamicOptions: Record<string, string>, shared?: FileStoreTable) {
    this.io = io;
    this.path = path;
    this.name = name;
    this.dynamicOptions = dynamicOptions;
    this.layout = new TableLayout(schema, name, dynamicOptions);
    this.schemas = shared?.schemas ?? new SchemaManager(io, path);
    this.snapshots = shared?.snapshots ?? new SnapshotManager(io, path);
    this.paths = new PathFactory(path, schema.partitionKeys, this.layout.partitionTypes, this.layout.options.partitionDefaultName());
    this.manifests = shared?.manifests ?? new ManifestStore(io, this.paths);
  }

  /** Opens the table at `path` with its latest schema; undefined if no table is there. */
  static async open(io: FileIO, path: string, name: string, dynamicOptions: Record<string, string> = {}): Promise<FileStoreTable | undefined> {
    const schema = await new SchemaManager(io, path).latest();
    return schema ? new FileStoreTable(io, path, name, schema, dynamicOptions) : undefined;
  }

  /** A handle on a table whose schema the caller already knows (a catalog keeps it in memory). */
  static fromSchema(io: FileIO, path: string, name: string, schema: TableSchema, dynamicOptions: Record<string, string> = {}): FileStoreTable {
    return new FileStoreTable(io, path, name, schema, dynamicOptions);
  }

  /** Creates a table (schema-0); fails if one exists at `path`. */
  static async create(io: FileIO, path: string, name: string, schema: Omit<TableSchema, 'id' | 'timeMillis'>): Promise<FileStoreTable> {
    const full: TableSchema = { ...schema, id: 0, timeMillis: Date.now() };
    new TableLayout(full, name).validate();
    if (!(await new SchemaManager(io, path).create(full))) {
      throw new FreshetError(SqlState.duplicateTable, `table ${name} already exists (${path} holds a schema)`, { hint: 'Use CREATE TABLE IF NOT EXISTS, or drop it first.' });
    }
    return new FileStoreTable(io, path, name, full, {});
  }

  /** The same table with more options for one use (hints), sharing caches. */
  withOptions(dynamic: Record<string, string>): FileStoreTable {
    if (Object.keys(dynamic).length === 0) return this;
    return new FileStoreTable(this.io, this.path, this.name, this.layout.schema, { ...this.dynamicOptions, ...dynamic }, this);
  }

  /** The same table as of another schema (time travel reads a snapshot with the schema it was written with). */
  withSchema(schema: TableSchema): FileStoreTable {
    if (schema.id === this.layout.schema.id) return this;
    return new FileStoreTable(this.io, this.path, this.name, schema, this.dynamicOptions, this);
  }

  /** The table as of its newest schema (after another session altered it). */
  async refreshed(): Promise<FileStoreTable> {
    const latest = await this.schemas.latest();
    if (!latest || latest.id === this.layout.schema.id) return this;
    return this.withSchema(latest);
  }

  get schema(): TableSchema {
    return this.layout.schema;
  }

  /** Live file entries of a snapshot (every partition and bucket). */
  async liveEntries(s: Snapshot): Promise<ManifestEntry[]> {
    const base = await this.manifests.readAll(s.baseManifestList);
    const delta = await this.manifests.readAll(s.deltaManifestList);
    return [...mergeEntries([...base, ...delta]).values()];
  }

  /** Entries a snapshot added and removed (its delta). */
  async deltaEntries(s: Snapshot): Promise<ManifestEntry[]> {
    return this.manifests.readAll(s.deltaManifestList);
  }

  /** Changelog file entries of a snapshot. */
  async changelogEntries(s: Snapshot): Promise<ManifestEntry[]> {
    return s.changelogManifestList === null ? [] : this.manifests.readAll(s.changelogManifestList);
  }

  /** Path of a data or changelog file of an entry. */
  filePath(e: ManifestEntry): string {
    return this.paths.dataFilePath(e.partition, e.bucket, e.file.fileName);
  }
}
