/**
 * The catalogs a session sees, the current catalog and database, and temporary objects (which shadow
 * permanent ones of the same name). Resolves names written in SQL to catalog objects.
 *
 * Matching: an exact match wins; otherwise an unquoted name matches case-insensitively when exactly one
 * candidate fits. Unknown names get an error that names what was searched and suggests near matches.
 */
import type { Catalog, CatalogObject, ObjectIdentifier, CatalogFunction } from './objects.ts';
import { identifierToString, quoteIdent } from './objects.ts';
import { FreshetError, SqlState } from '../util/errors.ts';
import { didYouMean } from '../util/suggest.ts';

export interface NamePart {
  value: string;
  quoted: boolean;
}

export interface ResolvedObject {
  id: ObjectIdentifier;
  object: CatalogObject;
  temporary: boolean;
}

/** Finds `name` among `candidates`: exact, else (unquoted) the unique case-insensitive match. */
export function matchName(name: NamePart, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  if (list.includes(name.value)) return name.value;
  if (name.quoted) return undefined;
  const lower = name.value.toLowerCase();
  const hits = list.filter((c) => c.toLowerCase() === lower);
  return hits.length === 1 ? hits[0] : undefined;
}

const key = (id: ObjectIdentifier): string => `${id.catalog}\u0000${id.database}\u0000${id.name}`;

export class CatalogManager {
  /** Shared by every session of an engine: a catalog created in one session is visible in the others. */
  private readonly catalogs: Map<string, Catalog>;
  /** Per session. */
  private readonly temporary = new Map<string, { id: ObjectIdentifier; object: CatalogObject }>();
  /** Temporary functions of the session (TEMPORARY: in a database; TEMPORARY SYSTEM: unqualified). */
  private readonly temporaryFunctions = new Map<string, { id: ObjectIdentifier; fn: CatalogFunction }>();
  private readonly systemFunctions = new Map<string, CatalogFunction>();
  currentCatalog: string;
  currentDatabase: string;

  constructor(catalogs: Map<string, Catalog>, defaultCatalog: string) {
    this.catalogs = catalogs;
    const c = catalogs.get(defaultCatalog)!;
    this.currentCatalog = c.name;
    this.currentDatabase = c.defaultDatabase;
  }

  registerCatalog(c: Catalog): void {
    this.catalogs.set(c.name, c);
  }

  async unregisterCatalog(name: string): Promise<void> {
    const c = this.catalogs.get(name);
    this.catalogs.delete(name);
    await c?.close?.();
  }

  listCatalogs(): string[] {
    return [...this.catalogs.keys()];
  }

  hasCatalog(name: string): boolean {
    return this.catalogs.has(name);
  }

  /** The catalog called `name`, or a 3D000 error listing the catalogs that exist. */
  catalog(name: NamePart | string): Catalog {
    const part = typeof name === 'string' ? { value: name, quoted: true } : name;
    const m = matchName(part, this.catalogs.keys());
    if (m === undefined) {
      throw new FreshetError(SqlState.undefinedCatalog, `catalog ${quoteIdent(part.value)} does not exist${didYouMean(part.value, this.catalogs.keys())}`, {
        hint: `Catalogs: ${[...this.catalogs.keys()].join(', ')}.`,
      });
    }
    return this.catalogs.get(m)!;
  }

  /** The database (catalog, name) a possibly qualified database name refers to. */
  database(parts: NamePart[]): { catalog: Catalog; database: string } {
    const cat = parts.length >= 2 ? this.catalog(parts[0]!) : this.catalog(this.currentCatalog);
    const dbPart = parts[parts.length - 1]!;
    const dbs = cat.listDatabases();
    const m = matchName(dbPart, dbs);
    if (m === undefined) {
      throw new FreshetError(SqlState.undefinedSchema, `database ${quoteIdent(dbPart.value)} does not exist in catalog ${quoteIdent(cat.name)}${didYouMean(dbPart.value, dbs)}`, {
        hint: dbs.length > 0 ? `Databases in ${cat.name}: ${dbs.join(', ')}.` : undefined,
      });
    }
    return { catalog: cat, database: m };
  }

  /**
   * The identifier a name refers to (catalog and database filled in from the current ones), without
   * requiring the object to exist. Catalog and database must exist.
   */
  qualify(parts: NamePart[]): ObjectIdentifier {
    if (parts.length === 0 || parts.length > 3) {
      throw new FreshetError(SqlState.invalidName, `a table name has one to three parts (catalog.database.table), got ${parts.length}`);
    }
    const name = parts[parts.length - 1]!;
    const { catalog, database } = parts.length === 1 ? this.database([{ value: this.currentCatalog, quoted: true }, { value: this.currentDatabase, quoted: true }]) : this.database(parts.slice(0, -1));
    // keep the stored spelling when the object exists under another case
    const existing = matchName(name, this.objectNames(catalog.name, database));
    return { catalog: catalog.name, database, name: existing ?? name.value };
  }

  /** Names of permanent and temporary objects in a database. */
  objectNames(catalog: string, database: string): string[] {
    const names = new Set(this.catalogs.get(catalog)?.listObjects(database) ?? []);
    for (const t of this.temporary.values()) if (t.id.catalog === catalog && t.id.database === database) names.add(t.id.name);
    return [...names];
  }

  /** Looks an object up; temporary objects shadow permanent ones. */
  lookup(parts: NamePart[]): ResolvedObject | undefined {
    const id = this.qualify(parts);
    const tmp = this.temporary.get(key(id));
    if (tmp) return { id, object: tmp.object, temporary: true };
    const obj = this.catalogs.get(id.catalog)!.getObject(id.database, id.name);
    return obj ? { id, object: obj, temporary: false } : undefined;
  }

  /** Looks an object up or throws 42P01 naming where it looked and suggesting near names. */
  resolve(parts: NamePart[], what = 'table'): ResolvedObject {
    const r = this.lookup(parts);
    if (r) return r;
    const id = this.qualify(parts);
    const names = this.objectNames(id.catalog, id.database);
    throw new FreshetError(SqlState.undefinedTable, `${what} ${quoteIdent(id.name)} does not exist in ${quoteIdent(id.catalog)}.${quoteIdent(id.database)}${didYouMean(id.name, names)}`, {
      hint: names.length === 0 ? 'The database is empty; create the table with CREATE TABLE first.' : names.length <= 10 ? `Tables and views there: ${names.sort().join(', ')}.` : 'SHOW TABLES lists them.',
    });
  }

  isTemporary(id: ObjectIdentifier): boolean {
    return this.temporary.has(key(id));
  }

  createTemporary(id: ObjectIdentifier, object: CatalogObject): void {
    this.temporary.set(key(id), { id, object });
  }

  dropTemporary(id: ObjectIdentifier): boolean {
    return this.temporary.delete(key(id));
  }

  temporaryObjects(): Array<{ id: ObjectIdentifier; object: CatalogObject }> {
    return [...this.temporary.values()];
  }

  /**
   * A user-defined function by name: a temporary system function (unqualified names), then a temporary
   * function, then a catalog function of the database the name refers to. Names match case-insensitively.
   */
  lookupFunction(parts: NamePart[]): { id: ObjectIdentifier; fn: CatalogFunction; temporary: boolean } | undefined {
    if (parts.length === 1) {
      const sys = this.systemFunctions.get(parts[0]!.value.toLowerCase());
      if (sys) return { id: { catalog: '', database: '', name: parts[0]!.value.toLowerCase() }, fn: sys, temporary: true };
    }
    let id: ObjectIdentifier;
    try {
      id = this.qualify(parts);
    } catch {
      return undefined;
    }
    const lower = { ...id, name: id.name.toLowerCase() };
    const tmp = this.temporaryFunctions.get(key(lower));
    if (tmp) return { id: tmp.id, fn: tmp.fn, temporary: true };
    const c = this.catalogs.get(id.catalog);
    if (!c) return undefined;
    const name = c.listFunctions(id.database).find((n) => n.toLowerCase() === lower.name);
    const fn = name === undefined ? undefined : c.getFunction(id.database, name);
    return fn ? { id: { ...id, name: name! }, fn, temporary: false } : undefined;
  }

  createTemporaryFunction(id: ObjectIdentifier, fn: CatalogFunction, system: boolean): void {
    if (system) this.systemFunctions.set(id.name.toLowerCase(), fn);
    else this.temporaryFunctions.set(key({ ...id, name: id.name.toLowerCase() }), { id, fn });
  }

  dropTemporaryFunction(id: ObjectIdentifier, system: boolean): boolean {
    return system ? this.systemFunctions.delete(id.name.toLowerCase()) : this.temporaryFunctions.delete(key({ ...id, name: id.name.toLowerCase() }));
  }

  /** User-defined functions visible in the current database (SHOW USER FUNCTIONS). */
  userFunctionNames(): string[] {
    const names = new Set<string>(this.systemFunctions.keys());
    for (const f of this.temporaryFunctions.values()) if (f.id.catalog === this.currentCatalog && f.id.database === this.currentDatabase) names.add(f.id.name);
    for (const n of this.catalogs.get(this.currentCatalog)?.listFunctions(this.currentDatabase) ?? []) names.add(n);
    return [...names].sort();
  }

  /** Every function definition the session can reach (to load their modules before binding). */
  allFunctions(): CatalogFunction[] {
    const out: CatalogFunction[] = [...this.systemFunctions.values(), ...[...this.temporaryFunctions.values()].map((f) => f.fn)];
    for (const c of this.catalogs.values()) for (const db of c.listDatabases()) for (const n of c.listFunctions(db)) out.push(c.getFunction(db, n)!);
    return out;
  }

  describe(id: ObjectIdentifier): string {
    return identifierToString(id);
  }
}
