/**
 * Table schemas: `schema/schema-<n>` files, each a complete JSON description of the table at one
 * version. Fields carry stable ids, so a data file written under schema 3 is read under schema 7 by
 * matching ids: a renamed column keeps its id, an added column (new id) reads as NULL from older files,
 * a dropped column's id simply disappears, and a widened type is cast on read.
 *
 * Every change writes `schema-<n+1>` with the atomic create-if-absent primitive, so two concurrent
 * ALTERs cannot both win; the loser gets a clear conflict error.
 */
import type { FileIO } from '../fs/file-io.ts';
import { joinPath } from '../fs/file-io.ts';
import type { DataType } from '../types/data-type.ts';
import { typeToString, withoutTimeAttribute } from '../types/data-type.ts';
import { FreshetError, SqlState } from '../util/errors.ts';
import { corrupted, encodeJson, readJsonFile } from './json-file.ts';

export interface SchemaField {
  id: number;
  name: string;
  type: DataType;
  comment?: string;
}

/**
 * A column as the SQL layer declared it. Physical columns point at a stored field by id; computed
 * and metadata columns are kept here only so the table reads back exactly as it was declared.
 */
export interface DeclaredColumn {
  kind: 'physical' | 'computed' | 'metadata';
  name: string;
  fieldId?: number;
  type?: DataType;
  expr?: string;
  metadataKey?: string;
  virtual?: boolean;
  comment?: string;
}

export interface TableSchema {
  id: number;
  fields: SchemaField[];
  highestFieldId: number;
  partitionKeys: string[];
  primaryKeys: string[];
  primaryKeyName?: string;
  options: Record<string, string>;
  comment?: string;
  /** Declared columns in order (physical, computed, metadata); absent for tables created through the API. */
  columns?: DeclaredColumn[];
  watermark?: { column: string; expr: string };
  timeMillis: number;
}

function typeForStorage(t: DataType): DataType {
  const plain = withoutTimeAttribute(t);
  return JSON.parse(JSON.stringify(plain)) as DataType;
}

/** A schema as stored: types without time-attribute marks, plain JSON. */
export function normalizeSchema(s: TableSchema): TableSchema {
  return {
    ...s,
    fields: s.fields.map((f) => ({ ...f, type: typeForStorage(f.type) })),
    columns: s.columns?.map((c) => (c.type ? { ...c, type: typeForStorage(c.type) } : { ...c })),
  };
}

/** Field by name (exact, then case-insensitive). */
export function fieldByName(s: TableSchema, name: string): SchemaField | undefined {
  return s.fields.find((f) => f.name === name) ?? s.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
}

export function fieldIndex(s: TableSchema, name: string): number {
  const f = fieldByName(s, name);
  return f === undefined ? -1 : s.fields.indexOf(f);
}

export function describeFields(s: TableSchema): string {
  return s.fields.map((f) => `${f.name} ${typeToString(f.type)}`).join(', ');
}

function checkSchema(raw: unknown, path: string): TableSchema {
  const s = raw as TableSchema;
  if (s === null || typeof s !== 'object' || typeof s.id !== 'number' || !Array.isArray(s.fields) || !Array.isArray(s.partitionKeys)
    || !Array.isArray(s.primaryKeys) || typeof s.options !== 'object' || typeof s.highestFieldId !== 'number') {
    throw corrupted('table schema', path, 'it lacks id, fields, partitionKeys, primaryKeys, options or highestFieldId');
  }
  for (const f of s.fields) {
    if (typeof f.id !== 'number' || typeof f.name !== 'string' || typeof f.type?.kind !== 'string') throw corrupted('table schema', path, 'a field lacks id, name or type');
  }
  return s;
}

export class SchemaManager {
  private readonly io: FileIO;
  readonly dir: string;
  private readonly cache = new Map<number, TableSchema>();

  constructor(io: FileIO, tablePath: string) {
    this.io = io;
    this.dir = joinPath(tablePath, 'schema');
  }

  path(id: number): string {
    return joinPath(this.dir, `schema-${id}`);
  }

  /** Ids of the schema files present, ascending. */
  async listIds(): Promise<number[]> {
    const ids: number[] = [];
    for (const f of await this.io.list(this.dir)) {
      const m = /^schema-(\d+)$/.exec(f.name);
      if (m && !f.isDirectory) ids.push(Number(m[1]));
    }
    return ids.sort((a, b) => a - b);
  }

  async schema(id: number): Promise<TableSchema> {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const path = this.path(id);
    if (!(await this.io.stat(path))) {
      throw new FreshetError(SqlState.dataCorrupted, `schema ${id} is missing: ${path} does not exist`, {
        hint: 'A data file or snapshot refers to a schema that was removed; restore the file from a backup.',
      });
    }
    const s = checkSchema(await readJsonFile(this.io, path, 'table schema'), path);
    this.cache.set(id, s);
    return s;
  }

  /** The newest schema, or undefined if the table has none (it does not exist). */
  async latest(): Promise<TableSchema | undefined> {
    const ids = await this.listIds();
    if (ids.length === 0) return undefined;
    return this.schema(ids[ids.length - 1]!);
  }

  async all(): Promise<TableSchema[]> {
    return Promise.all((await this.listIds()).map((id) => this.schema(id)));
  }

  /** Writes schema-0; false when the table already exists. */
  async create(schema: TableSchema): Promise<boolean> {
    const s = normalizeSchema({ ...schema, id: 0 });
    const created = await this.io.tryCreate(this.path(0), encodeJson(s));
    if (created) this.cache.set(0, s);
    return created;
  }

  /**
   * Writes the schema following `base`. Fails with a conflict error when another change was committed
   * since `base` was read.
   */
  async commitNext(base: TableSchema, next: Omit<TableSchema, 'id' | 'timeMillis'>, tableName: string): Promise<TableSchema> {
    const s = normalizeSchema({ ...next, id: base.id + 1, timeMillis: Date.now() });
    if (!(await this.io.tryCreate(this.path(s.id), encodeJson(s)))) {
      throw new FreshetError(SqlState.serializationFailure, `the schema of table ${tableName} was changed concurrently (schema ${s.id} already exists)`, {
        hint: 'Run the ALTER TABLE again: it applies to the new schema.',
      });
    }
    this.cache.set(s.id, s);
    return s;
  }
}
