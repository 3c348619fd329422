/**
 * What catalogs store: tables (a schema plus connector options), views (a query text and the schema it
 * produces) and functions. Objects are plain data so catalogs can persist them as JSON.
 */
import type { DataType } from '../types/data-type.ts';
import type { ConnectorFactory } from '../connectors/connector.ts';

export interface ObjectIdentifier {
  catalog: string;
  database: string;
  name: string;
}

export function quoteIdent(s: string): string {
  return '`' + s.replace(/`/g, '``') + '`';
}

export function identifierToString(id: ObjectIdentifier): string {
  return `${quoteIdent(id.catalog)}.${quoteIdent(id.database)}.${quoteIdent(id.name)}`;
}

export function plainName(id: ObjectIdentifier): string {
  return `${id.catalog}.${id.database}.${id.name}`;
}

export interface ColumnSpec {
  name: string;
  kind: 'physical' | 'computed' | 'metadata';
  type: DataType;
  /** computed columns: the expression as written */
  expr?: string;
  /** metadata columns: the connector's key (defaults to the name) */
  metadataKey?: string;
  virtual?: boolean;
  comment?: string;
  /** Physical columns of tables the catalog stores itself: the stored field's stable id. */
  fieldId?: number;
}

export interface TableSchemaSpec {
  columns: ColumnSpec[];
  watermark?: { column: string; expr: string };
  primaryKey?: { name?: string; columns: string[] };
}

export interface CatalogTable {
  kind: 'table';
  schema: TableSchemaSpec;
  partitionKeys: string[];
  options: Record<string, string>;
  comment?: string;
  /** Tables whose storage is the catalog itself (the table store) supply their own connector. */
  connector?: ConnectorFactory;
}

export interface CatalogView {
  kind: 'view';
  /** The query text as written. */
  query: string;
  /** Catalog and database the view was created in: unqualified names inside resolve against them. */
  catalog: string;
  database: string;
  /** Output columns (names and types) at creation. */
  columns: Array<{ name: string; type: DataType }>;
  comment?: string;
}

export type CatalogObject = CatalogTable | CatalogView;

export interface CatalogFunction {
  /** 'path/to/module.js#export' */
  className: string;
  language: string;
}

/** A catalog: databases of tables, views and functions. Reads are synchronous (from memory). */
export interface Catalog {
  readonly name: string;
  /** 'in-memory', 'table-store', ... */
  readonly type: string;
  readonly defaultDatabase: string;
  /** Options it was created with (secrets redacted by whoever shows them). */
  readonly options: Record<string, string>;

  listDatabases(): string[];
  getDatabase(name: string): { comment?: string; properties: Record<string, string> } | undefined;
  createDatabase(name: string, comment: string | undefined, properties: Record<string, string>): Promise<void>;
  dropDatabase(name: string, cascade: boolean): Promise<void>;

  listObjects(database: string): string[];
  getObject(database: string, name: string): CatalogObject | undefined;
  createObject(database: string, name: string, object: CatalogObject): Promise<void>;
  replaceObject(database: string, name: string, object: CatalogObject): Promise<void>;
  dropObject(database: string, name: string): Promise<void>;
  renameObject(database: string, name: string, newName: string): Promise<void>;

  listFunctions(database: string): string[];
  getFunction(database: string, name: string): CatalogFunction | undefined;
  createFunction(database: string, name: string, fn: CatalogFunction): Promise<void>;
  dropFunction(database: string, name: string): Promise<void>;

  /**
   * For catalogs that store tables themselves (the table store): the connector that validates a
   * definition about to be created here, when the definition names no connector of its own.
   */
  managedConnector?(table: CatalogTable): ConnectorFactory | undefined;
  /** Reads the catalog's objects from storage again (objects changed by other engines). */
  refresh?(): Promise<void>;

  close?(): Promise<void>;
}
