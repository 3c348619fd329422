/** A catalog kept in memory: the default `default_catalog`, and `'type' = 'generic_in_memory'` catalogs. */
import type { Catalog, CatalogFunction, CatalogObject } from './objects.ts';
import { FreshetError, SqlState } from '../util/errors.ts';

interface Database {
  comment?: string;
  properties: Record<string, string>;
  objects: Map<string, CatalogObject>;
  functions: Map<string, CatalogFunction>;
}

export class InMemoryCatalog implements Catalog {
  readonly name: string;
  readonly type = 'generic_in_memory';
  readonly defaultDatabase: string;
  readonly options: Record<string, string>;
  private readonly dbs = new Map<string, Database>();

  constructor(name: string, defaultDatabase = 'default_database', options: Record<string, string> = {}) {
    this.name = name;
    this.defaultDatabase = defaultDatabase;
    this.options = options;
    this.dbs.set(defaultDatabase, { properties: {}, objects: new Map(), functions: new Map() });
  }

  private db(name: string): Database {
    const d = this.dbs.get(name);
    if (!d) throw new FreshetError(SqlState.undefinedSchema, `database ${name} does not exist in catalog ${this.name}`, { hint: 'SHOW DATABASES lists the databases there are.' });
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
    this.dbs.set(name, { comment, properties, objects: new Map(), functions: new Map() });
  }

  async dropDatabase(name: string): Promise<void> {
    this.dbs.delete(name);
  }

  listObjects(database: string): string[] {
    return [...(this.dbs.get(database)?.objects.keys() ?? [])];
  }

  getObject(database: string, name: string): CatalogObject | undefined {
    return this.dbs.get(database)?.objects.get(name);
  }

  async createObject(database: string, name: string, object: CatalogObject): Promise<void> {
    this.db(database).objects.set(name, object);
  }

  async replaceObject(database: string, name: string, object: CatalogObject): Promise<void> {
    this.db(database).objects.set(name, object);
  }

  async dropObject(database: string, name: string): Promise<void> {
    this.db(database).objects.delete(name);
  }

  async renameObject(database: string, name: string, newName: string): Promise<void> {
    const d = this.db(database);
    const o = d.objects.get(name);
    if (o) {
      d.objects.delete(name);
      d.objects.set(newName, o);
    }
  }

  listFunctions(database: string): string[] {
    return [...(this.dbs.get(database)?.functions.keys() ?? [])];
  }

  getFunction(database: string, name: string): CatalogFunction | undefined {
    return this.dbs.get(database)?.functions.get(name);
  }

  async createFunction(database: string, name: string, fn: CatalogFunction): Promise<void> {
    this.db(database).functions.set(name, fn);
  }

  async dropFunction(database: string, name: string): Promise<void> {
    this.db(database).functions.delete(name);
  }
}
