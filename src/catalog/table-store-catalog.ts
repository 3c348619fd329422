/**
 * The table-store catalog: databases, tables, views and functions kept in a warehouse directory (local
 * or S3), the default catalog of `freshet sql-client` and `freshet server`.
 *
 *   <warehouse>/<db>.db/_database.json          a database (its comment and properties)
 *   <warehouse>/<db>.db/<table>/schema/...      a table stored in the table store
 *   <warehouse>/<db>.db/_catalog/<name>.json    a table of another connector, or a view
 *   <warehouse>/<db>.db/_functions/<name>.json  a function
 *
 * A CREATE TABLE without a 'connector' option (or with 'connector' = 'table-store') creates a table-store
 * table; any other connector's table is only recorded. Metadata is read when the catalog opens and kept
 * in memory (catalog reads are synchronous); every change is written through at once, with the atomic
 * create-if-absent primitive where two engines could race.
 *
 * `<table>$<kind>` names a system table of a table-store table (see store/system/system-tables.ts).
 */
import type { FileIO } from '../fs/file-io.ts';
import { joinPath } from '../fs/file-io.ts';
import { fileIOFor } from '../fs/resolve.ts';
import type { DataType } from '../types/data-type.ts';
import { canImplicitlyCast, typeToString, typesEqualIgnoringNull } from '../types/data-type.ts';
import { FreshetError, SqlState } from '../util/errors.ts';
import { didYouMean } from '../util/suggest.ts';
import { escapePartitionValue, unescapePartitionValue } from '../connectors/filesystem/partitions.ts';
import type { ConnectorFactory, TableDescriptor } from '../connectors/connector.ts';
import { FileStoreTable } from '../store/table.ts';
import type { DeclaredColumn, TableSchema } from '../store/schema.ts';
import { SchemaManager } from '../store/schema.ts';
import { STORE_CONNECTOR, storeDefinitionFactory, storeTableFactory } from '../store/connector/factory.ts';
import { decodeJson, encodeJson } from '../store/json-file.ts';
import { parseSystemName, systemTableFields, systemTableSource } from '../store/system/system-tables.ts';
import type { Catalog, CatalogFunction, CatalogObject, CatalogTable, ColumnSpec } from './objects.ts';

const CATALOG_OPTIONS = ['type', 'warehouse', 'default-database', 's3.endpoint', 's3.region', 's3.access-key', 's3.secret-key', 's3.path-style-access'];

interface Database {
  comment?: string;
  properties: Record<string, string>;
  /** Table-store tables: their latest schema. */
  stored: Map<string, TableSchema>;
  /** Other objects (connector tables, views). */
  objects: Map<string, CatalogObject>;
  functions: Map<string, CatalogFunction>;
}

/** Whether a table definition is stored in the table store (rather than only recorded). */
export function isManaged(t: CatalogTable): boolean {
  const c = t.options['connector'];
  return c === undefined || c === STORE_CONNECTOR;
}

function dirName(name: string): string {
  return escapePartitionValue(name);
}

/** A stored schema as the catalog object the SQL layer sees. */
function toCatalogTable(s: TableSchema, connector: ConnectorFactory): CatalogTable {
  const byId = new Map(s.fields.map((f) => [f.id, f]));
  const declared: DeclaredColumn[] = s.columns ?? s.fields.map((f) => ({ kind: 'physical' as const, name: f.name, fieldId: f.id }));
  const columns: ColumnSpec[] = declared.map((c) => {
    if (c.kind === 'physical') {
      const f = byId.get(c.fieldId!)!;
      return { name: f.name, kind: 'physical', type: f.type, comment: f.comment, fieldId: f.id };
    }
    return { name: c.name, kind: c.kind, type: c.type!, expr: c.expr, metadataKey: c.metadataKey, virtual: c.virtual, comment: c.comment };
  });
  return {
    kind: 'table',
    schema: {
      columns,
      watermark: s.watermark,
      primaryKey: s.primaryKeys.length > 0 ? { name: s.primaryKeyName, columns: [...s.primaryKeys] } : undefined,
    },
    partitionKeys: [...s.partitionKeys],
    options: { ...s.options },
    comment: s.comment,
    connector,
  };
}

/** A catalog table as a schema to store; existing fields keep their ids, new ones get fresh ids. */
function toSchema(t: CatalogTable, previous: TableSchema | undefined): Omit<TableSchema, 'id' | 'timeMillis'> {
  let highest = previous?.highestFieldId ?? -1;
  const fields: TableSchema['fields'] = [];
  const columns: DeclaredColumn[] = [];
  for (const c of t.schema.columns) {
    if (c.kind === 'physical') {
      const id = c.fieldId !== undefined && previous?.fields.some((f) => f.id === c.fieldId) ? c.fieldId : ++highest;
      fields.push({ id, name: c.name, type: c.type, comment: c.comment });
      columns.push({ kind: 'physical', name: c.name, fieldId: id });
    } else {
      columns.push({ kind: c.kind, name: c.name, type: c.type, expr: c.expr, metadataKey: c.metadataKey, virtual: c.virtual, comment: c.comment });
    }
  }
  const options = Object.fromEntries(Object.entries(t.options).filter(([k]) => k !== 'connector'));
  return {
    fields, highestFieldId: highest, partitionKeys: [...t.partitionKeys], primaryKeys: t.schema.primaryKey?.columns ?? [],
    primaryKeyName: t.schema.primaryKey?.name, options, comment: t.comment, columns, watermark: t.schema.watermark,
  };
}

/** Checks that a new schema can read the data written under the old one. */
function checkEvolution(name: string, before: TableSchema, after: Omit<TableSchema, 'id' | 'timeMillis'>): void {
  const same = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(before.primaryKeys, after.primaryKeys)) {
    throw new FreshetError(SqlState.featureNotSupported, `table ${name}: the primary key of a table-store table cannot change (${before.primaryKeys.join(', ') || 'none'} → ${after.primaryKeys.join(', ') || 'none'})`, {
      hint: 'Create a new table with the new key and INSERT INTO it SELECT * FROM the old one.',
    });
  }
  if (!same(before.partitionKeys, after.partitionKeys)) {
    throw new FreshetError(SqlState.featureNotSupported, `table ${name}: the partition columns of a table-store table cannot change`, {
      hint: 'Create a new table partitioned as wanted and INSERT INTO it SELECT * FROM the old one.',
    });
  }
  for (const f of after.fields) {
    const old = before.fields.find((x) => x.id === f.id);
    if (!old || typesEqualIgnoringNull(old.type, f.type) && old.type.nullable === f.type.nullable) continue;
    const where = `column ${f.name} of table ${name}`;
    if (before.primaryKeys.includes(old.name) || before.partitionKeys.includes(old.name)) {
      throw new FreshetError(SqlState.featureNotSupported, `${where}: the type of a primary key or partition column cannot change`, {
        hint: 'Rows are placed in buckets and partitions by these values; a new table is needed.',
      });
    }
    if (old.type.nullable && !f.type.nullable) {
      throw new FreshetError(SqlState.featureNotSupported, `${where}: cannot become NOT NULL, stored rows may hold NULLs`);
    }
    if (!typesEqualIgnoringNull(old.type, f.type) && !widens(old.type, f.type)) {
      throw new FreshetError(SqlState.featureNotSupported, `${where}: ${typeToString(old.type, false)} cannot change to ${typeToString(f.type, false)}`, {
        hint: 'A column type may only widen, so stored values still fit: INT to BIGINT, FLOAT to DOUBLE, VARCHAR(n) to a longer VARCHAR or STRING, DECIMAL to a wider DECIMAL, TIMESTAMP(p) to a higher precision.',
      });
    }
  }
}

function widens(from: DataType, to: DataType): boolean {
  if (from.kind === 'VARCHAR' && to.kind === 'VARCHAR') return (to.length ?? 0) >= (from.length ?? 0);
  if (from.kind === 'CHAR') return (to.kind === 'VARCHAR' || to.kind === 'CHAR') && (to.length ?? 0) >= (from.length ?? 0);
  if ((from.kind === 'TIMESTAMP' || from.kind === 'TIMESTAMP_LTZ') && to.kind === from.kind) return (to.precision ?? 6) >= (from.precision ?? 6);
  if (from.kind === 'DATE' || from.kind === 'TIME' || from.kind === 'BOOLEAN') return false;
  return canImplicitlyCast(from, to);
}

export class TableStoreCatalog implements Catalog {
  readonly name: string;
  readonly type = 'table-store';
  readonly defaultDatabase: string;
  readonly options: Record<string, string>;
  readonly warehouse: string;
  private readonly io: FileIO;
  private readonly dbs = new Map<string, Database>();

  private constructor(name: string, warehouse: string, io: FileIO, options: Record<string, string>) {
    this.name = name;
    this.warehouse = warehouse.endsWith('/') && warehouse.length > 1 ? warehouse.slice(0, -1) : warehouse;
    this.io = io;
    this.options = options;
    this.defaultDatabase = options['default-database'] ?? 'default_database';
  }

  /** Opens (creating if needed) the catalog in `warehouse` and reads its metadata. */
  static async open(name: string, warehouse: string, options: Record<string, string> = {}): Promise<TableStoreCatalog> {
    const unknown = Object.keys(options).filter((k) => !CATALOG_OPTIONS.includes(k));
    if (unknown.length > 0) {
      throw new FreshetError(SqlState.invalidParameterValue, `catalog ${name}: unsupported option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}${didYouMean(unknown[0]!, CATALOG_OPTIONS)}`, {
        hint: `Options of a table-store catalog: ${CATALOG_OPTIONS.join(', ')}.`,
      });
    }
    const c = new TableStoreCatalog(name, warehouse, fileIOFor(warehouse, options), options);
    await c.load();
    if (!c.dbs.has(c.defaultDatabase)) await c.createDatabase(c.defaultDatabase, undefined, {});
    return c;
  }

  private dbPath(db: string): string {
    return joinPath(this.warehouse, `${dirName(db)}.db`);
  }

  tablePath(db: string, table: string): string {
    return joinPath(this.dbPath(db), dirName(table));
  }

  private async readJson(path: string, what: string): Promise<unknown> {
    return decodeJson(await this.io.readAll(path), what, path);
  }

  private async load(): Promise<void> {
    this.dbs.clear();
    for (const d of await this.io.list(this.warehouse)) {
      if (!d.isDirectory || !d.name.endsWith('.db')) continue;
      const name = unescapePartitionValue(d.name.slice(0, -3));
      const db: Database = { properties: {}, stored: new Map(), objects: new Map(), functions: new Map() };
      for (const c of await this.io.list(d.path)) {
        if (!c.isDirectory && c.name === '_database.json') {
          const meta = (await this.readJson(c.path, 'database')) as { comment?: string; properties?: Record<string, string> };
          db.comment = meta.comment;
          db.properties = meta.properties ?? {};
        } else if (c.isDirectory && c.name === '_catalog') {
          for (const o of await this.io.list(c.path)) {
            if (!o.name.endsWith('.json')) continue;
            db.objects.set(unescapePartitionValue(o.name.slice(0, -5)), (await this.readJson(o.path, 'catalog object')) as CatalogObject);
          }
        } else if (c.isDirectory && c.name === '_functions') {
          for (const o of await this.io.list(c.path)) {
            if (!o.name.endsWith('.json')) continue;
            db.functions.set(unescapePartitionValue(o.name.slice(0, -5)), (await this.readJson(o.path, 'function')) as CatalogFunction);
          }
        } else if (c.isDirectory && !c.name.startsWith('_') && !c.name.startsWith('.')) {
          const schema = await new SchemaManager(this.io, c.path).latest();
          if (schema) db.stored.set(unescapePartitionValue(c.name), schema);
        }
      }
      this.dbs.set(name, db);
    }
  }

  async refresh(): Promise<void> {
    await this.load();
  }

  private db(name: string): Database {
    const d = this.dbs.get(name);
    if (!d) throw new FreshetError(SqlState.undefinedSchema, `database ${name} does not exist in catalog ${this.name}`);
    return d;
  }

  listDatabases(): string[] {
    return [...this.dbs.keys()];
  }

  getDatabase(name: string): { comment?: string; properties: Record<string, string> } | undefined {
    const d = this.dbs.get(name);
    return d && { comment: d.comment, properties: d.properties };
  }

  async createDatabase(name: string, comment: string | undefined, properties: Record<string, string>): Promise<void> {
    const path = joinPath(this.dbPath(name), '_database.json');
    if (!(await this.io.tryCreate(path, encodeJson({ comment, properties })))) {
      // another engine created it meanwhile: take what is there
      await this.load();
      if (this.dbs.has(name)) return;
    }
    this.dbs.set(name, { comment, properties, stored: new Map(), objects: new Map(), functions: new Map() });
  }

  async dropDatabase(name: string): Promise<void> {
    await this.io.delete(this.dbPath(name));
    this.dbs.delete(name);
  }

  listObjects(database: string): string[] {
    const d = this.dbs.get(database);
    return d ? [...d.stored.keys(), ...d.objects.keys()] : [];
  }

  /** The table-store table behind a name, for procedures and tests. */
  storedTable(database: string, name: string): FileStoreTable | undefined {
    const s = this.dbs.get(database)?.stored.get(name);
    return s ? FileStoreTable.fromSchema(this.io, this.tablePath(database, name), `${this.name}.${database}.${name}`, s) : undefined;
  }

  private storedObject(database: string, name: string, schema: TableSchema): CatalogTable {
    const d = this.db(database);
    return toCatalogTable(schema, storeTableFactory(this.io, this.tablePath(database, name), () => d.stored.get(name) ?? schema));
  }

  getObject(database: string, name: string): CatalogObject | undefined {
    const d = this.dbs.get(database);
    if (!d) return undefined;
    const s = d.stored.get(name);
    if (s) return this.storedObject(database, name, s);
    const o = d.objects.get(name);
    if (o) return o;
    const sys = name.includes('$') ? parseSystemName(name) : undefined;
    if (sys) {
      const base = this.storedTable(database, sys.table) ?? this.storedTable(database, [...d.stored.keys()].find((k) => k.toLowerCase() === sys.table.toLowerCase()) ?? '');
      if (!base) return undefined;
      const fields = systemTableFields(base, sys.kind);
      const connector: ConnectorFactory = {
        identifier: `${STORE_CONNECTOR}-system`,
        requiredOptions: [],
        optionalOptions: ['scan.*', 'incremental-between*', 'consumer-id', 'continuous.discovery-interval', 'streaming-read-overwrite'],
        createSource: (desc: TableDescriptor) => {
          const dynamic = Object.fromEntries(Object.entries(desc.options).filter(([k]) => k !== 'connector'));
          return systemTableSource(base.withOptions(dynamic), sys.kind, desc.runtimeMode ?? 'streaming');
        },
      };
      return {
        kind: 'table',
        schema: { columns: fields.map((f) => ({ name: f.name, kind: 'physical' as const, type: f.type })) },
        partitionKeys: [],
        options: {},
        comment: `system table ${sys.kind} of ${sys.table}`,
        connector,
      };
    }
    return undefined;
  }

  managedConnector(table: CatalogTable): ConnectorFactory | undefined {
    return isManaged(table) ? storeDefinitionFactory : undefined;
  }

  private objectPath(database: string, name: string): string {
    return joinPath(this.dbPath(database), '_catalog', `${dirName(name)}.json`);
  }

  /** An object as stored (the connector factory is not data). */
  private plain(o: CatalogObject): CatalogObject {
    if (o.kind !== 'table') return o;
    const { connector: _drop, ...rest } = o;
    return rest;
  }

  async createObject(database: string, name: string, object: CatalogObject): Promise<void> {
    const d = this.db(database);
    if (object.kind === 'table' && isManaged(object)) {
      const t = await FileStoreTable.create(this.io, this.tablePath(database, name), `${this.name}.${database}.${name}`, toSchema(object, undefined));
      d.stored.set(name, t.schema);
      return;
    }
    if (!(await this.io.tryCreate(this.objectPath(database, name), encodeJson(this.plain(object))))) {
      throw new FreshetError(SqlState.duplicateTable, `${object.kind} ${name} already exists in ${this.name}.${database} (created by another session)`);
    }
    d.objects.set(name, this.plain(object));
  }

  async replaceObject(database: string, name: string, object: CatalogObject): Promise<void> {
    const d = this.db(database);
    const stored = d.stored.get(name);
    if (stored) {
      if (object.kind !== 'table') throw new FreshetError(SqlState.wrongObjectType, `${name} is a table-store table, not a view`);
      const next = toSchema(object, stored);
      const qualified = `${this.name}.${database}.${name}`;
      checkEvolution(qualified, stored, next);
      const manager = new SchemaManager(this.io, this.tablePath(database, name));
      const latest = (await manager.latest()) ?? stored;
      if (latest.id !== stored.id) {
        throw new FreshetError(SqlState.serializationFailure, `the schema of table ${qualified} was changed by another engine (schema ${latest.id} exists)`, {
          hint: 'Run the statement again.',
        });
      }
      d.stored.set(name, await manager.commitNext(latest, next, qualified));
      return;
    }
    await this.io.writeFile(this.objectPath(database, name), encodeJson(this.plain(object)));
    d.objects.set(name, this.plain(object));
  }

  async dropObject(database: string, name: string): Promise<void> {
    const d = this.db(database);
    if (d.stored.has(name)) {
      await this.io.delete(this.tablePath(database, name));
      d.stored.delete(name);
      return;
    }
    await this.io.delete(this.objectPath(database, name));
    d.objects.delete(name);
  }

  async renameObject(database: string, name: string, newName: string): Promise<void> {
    const d = this.db(database);
    const s = d.stored.get(name);
    if (s) {
      const from = this.tablePath(database, name);
      const to = this.tablePath(database, newName);
      if (this.io.scheme === 'file') await this.io.rename(from, to);
      else {
        // object stores have no directories to move: copy every file, then remove the old ones
        const prefix = from.endsWith('/') ? from : from + '/';
        for (const f of await this.io.listRecursive(from)) await this.io.rename(f.path, joinPath(to, f.path.slice(prefix.length)));
        await this.io.delete(from);
      }
      d.stored.delete(name);
      d.stored.set(newName, s);
      return;
    }
    const o = d.objects.get(name);
    if (!o) return;
    await this.createObject(database, newName, o);
    await this.io.delete(this.objectPath(database, name));
    d.objects.delete(name);
  }

  listFunctions(database: string): string[] {
    return [...(this.dbs.get(database)?.functions.keys() ?? [])];
  }

  getFunction(database: string, name: string): CatalogFunction | undefined {
    return this.dbs.get(database)?.functions.get(name);
  }

  async createFunction(database: string, name: string, fn: CatalogFunction): Promise<void> {
    await this.io.writeFile(joinPath(this.dbPath(database), '_functions', `${dirName(name)}.json`), encodeJson(fn));
    this.db(database).functions.set(name, fn);
  }

  async dropFunction(database: string, name: string): Promise<void> {
    await this.io.delete(joinPath(this.dbPath(database), '_functions', `${dirName(name)}.json`));
    this.db(database).functions.delete(name);
  }
}
