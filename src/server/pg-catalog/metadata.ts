/**
 * What the emulated catalog shows, read from the session's live Freshet catalog once per statement: the
 * databases of the current catalog as schemas (plus pg_catalog and information_schema), their tables,
 * views and materialized tables as relations with columns, primary keys as indexes, and the catalogs
 * as databases. Nothing is cached between queries, so a table created a moment ago is there.
 *
 * OIDs are stable: a hash of the object's qualified name into [16384, 2^31), so the same object has
 * the same OID in every query and every session, and joins between catalog tables agree.
 */
import { definitionOf, hasDefinition, userOptions } from '../../session/materialized/definition.ts';
import type { CatalogManager } from '../../catalog/catalog-manager.ts';
import type { CatalogObject } from '../../catalog/objects.ts';
import { redactOptions } from '../../catalog/show-create.ts';
import { typeToString, type DataType } from '../../types/data-type.ts';
import type { Field } from '../../types/batch.ts';
import { PG_TYPES, pgOidOf, pgQuoteIdent as quoteIdent, pgTypeModifier, pgTypeOid, type RegType } from '../../types/pg-types.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';

/** What a catalog query needs from its connection. */
export interface SessionView {
  readonly catalogs: CatalogManager;
  readonly user: string;
  /** A setting's value (Postgres GUC or Freshet option), undefined when unknown. */
  setting(name: string): string | undefined;
  /** set_config(): SET for the session. */
  setSetting(name: string, value: string): void;
  /** name, setting, description of every setting (SHOW ALL). */
  allSettings(): Array<[string, string, string]>;
  readonly serverVersion: string;
  readonly freshetVersion: string;
}

export const PG_CATALOG_OID = 11;
export const INFORMATION_SCHEMA_OID = 13000;
export const OWNER_OID = 10;
/** pg_class OIDs of catalog tables that other tables point at (classoid columns). */
export const ClassOid = { pg_class: 1259, pg_namespace: 2615, pg_database: 1262, pg_type: 1247, pg_proc: 1255, pg_constraint: 2606 } as const;

export interface Namespace {
  oid: number;
  name: string;
  comment?: string;
  system: boolean;
}

export interface Attr {
  num: number;
  name: string;
  typeOid: number;
  typmod: number;
  notNull: boolean;
  comment?: string;
  /** Computed columns: the expression. */
  generated?: string;
  /** The Freshet type as Freshet writes it. */
  freshetType: string;
}

export interface Relation {
  oid: number;
  name: string;
  ns: Namespace;
  /** r table, p partitioned table, v view, m materialized table, i index (primary key). */
  kind: 'r' | 'p' | 'v' | 'm' | 'i';
  attrs: Attr[];
  comment?: string;
  /** Views and materialized tables: the query. */
  definition?: string;
  options: Record<string, string>;
  /** Access method: the connector of a table ('filesystem', 'table-store', ...), btree for indexes. */
  am?: string;
  partitionKeys: string[];
  primaryKey?: { oid: number; name: string; attnums: number[] };
  /** Indexes: the table they belong to. */
  indexOf?: Relation;
  temporary: boolean;
  system: boolean;
}

export interface DatabaseInfo {
  oid: number;
  name: string;
  comment?: string;
}

/** FNV-1a of a string, into the user OID range [16384, 2^31). */
export function stableOid(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return 16384 + (h % (2 ** 31 - 16384));
}

export interface SystemTableDef {
  schema: 'pg_catalog' | 'information_schema';
  name: string;
  oid: number;
  /** Columns, with the Postgres types of PostgreSQL 15's catalog (see types/pg-types.ts). */
  columns: Field[];
}

function attrOf(num: number, name: string, type: DataType, extra: Partial<Attr> = {}): Attr {
  return { num, name, typeOid: pgOidOf(type), typmod: pgTypeModifier(type), notNull: type.nullable === false, freshetType: typeToString(type, false), ...extra };
}

/** Splits a possibly qualified, possibly quoted name: `a."B c"` → ['a', 'B c']. Unquoted parts are lower-cased. */
export function splitQualified(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === '"') {
      let v = '';
      i++;
      while (i < s.length) {
        if (s[i] === '"') {
          if (s[i + 1] === '"') { v += '"'; i += 2; continue; }
          i++;
          break;
        }
        v += s[i];
        i++;
      }
      out.push(v);
    } else {
      let j = i;
      while (j < s.length && s[j] !== '.') j++;
      out.push(s.slice(i, j).trim());
      i = j;
    }
    if (s[i] === '.') i++;
  }
  return out;
}

export class CatalogSnapshot {
  readonly session: SessionView;
  readonly catalogName: string;
  readonly currentSchema: string;
  private cache?: { namespaces: Namespace[]; relations: Relation[] };
  private byOid?: Map<number, Relation>;
  private readonly systemTables: readonly SystemTableDef[];

  constructor(session: SessionView, systemTables: readonly SystemTableDef[]) {
    this.session = session;
    this.catalogName = session.catalogs.currentCatalog;
    this.currentSchema = session.catalogs.currentDatabase;
    this.systemTables = systemTables;
  }

  databases(): DatabaseInfo[] {
    return this.session.catalogs.listCatalogs().map((name) => ({ oid: stableOid(`catalog\u0000${name}`), name }));
  }

  namespaces(): Namespace[] {
    return this.load().namespaces;
  }

  relations(): Relation[] {
    return this.load().relations;
  }

  relation(oid: number): Relation | undefined {
    if (!this.byOid) this.byOid = new Map(this.relations().map((r) => [r.oid, r]));
    return this.byOid.get(oid);
  }

  /** Namespaces searched for unqualified names: pg_catalog, then the current database. */
  isVisible(r: Relation): boolean {
    return r.ns.oid === PG_CATALOG_OID || (r.ns.name === this.currentSchema && !r.ns.system);
  }

  /** Access methods: heap and btree as in Postgres, and one per connector in use. */
  accessMethods(): Array<{ oid: number; name: string; type: 't' | 'i' }> {
    const out = new Map<string, { oid: number; name: string; type: 't' | 'i' }>([
      ['heap', { oid: 2, name: 'heap', type: 't' }], ['btree', { oid: 403, name: 'btree', type: 'i' }],
    ]);
    for (const r of this.relations()) {
      if (r.am && !out.has(r.am)) out.set(r.am, { oid: this.amOid(r.am), name: r.am, type: 't' });
    }
    return [...out.values()];
  }

  amOid(name: string | undefined): number {
    if (name === undefined) return 0;
    if (name === 'heap') return 2;
    if (name === 'btree') return 403;
    return stableOid(`am\u0000${name}`);
  }

  private load(): { namespaces: Namespace[]; relations: Relation[] } {
    if (this.cache) return this.cache;
    const cm = this.session.catalogs;
    const catalog = cm.catalog(this.catalogName);
    const namespaces: Namespace[] = [
      { oid: PG_CATALOG_OID, name: 'pg_catalog', system: true, comment: 'system catalog schema' },
      { oid: INFORMATION_SCHEMA_OID, name: 'information_schema', system: true },
    ];
    const relations: Relation[] = [];
    const sysNs = { pg_catalog: namespaces[0]!, information_schema: namespaces[1]! };
    for (const t of this.systemTables) {
      relations.push({
        oid: t.oid, name: t.name, ns: sysNs[t.schema], kind: t.schema === 'pg_catalog' ? 'r' : 'v', options: {}, partitionKeys: [], temporary: false, system: true,
        am: t.schema === 'pg_catalog' ? 'heap' : undefined,
        attrs: t.columns.map((c, i) => ({ num: i + 1, name: c.name, typeOid: pgOidOf(c.type), typmod: -1, notNull: false, freshetType: typeToString(c.type, false) })),
      });
    }
    for (const db of catalog.listDatabases()) {
      const ns: Namespace = { oid: stableOid(`schema\u0000${this.catalogName}\u0000${db}`), name: db, system: false, comment: catalog.getDatabase(db)?.comment };
      namespaces.push(ns);
      for (const name of cm.objectNames(this.catalogName, db).sort()) {
        const found = cm.lookup([{ value: this.catalogName, quoted: true }, { value: db, quoted: true }, { value: name, quoted: true }]);
        if (!found) continue;
        relations.push(...this.relationsOf(ns, name, found.object, found.temporary, catalog.type));
      }
    }
    this.cache = { namespaces, relations };
    return this.cache;
  }

  private relationsOf(ns: Namespace, name: string, o: CatalogObject, temporary: boolean, catalogType: string): Relation[] {
    const oid = stableOid(`relation\u0000${this.catalogName}\u0000${ns.name}\u0000${name}`);
    const base = { oid, name, ns, temporary, system: false, comment: o.comment, partitionKeys: [] as string[], options: {} as Record<string, string> };
    if (o.kind === 'view') {
      return [{ ...base, kind: 'v', definition: o.query, attrs: o.columns.map((c, i) => attrOf(i + 1, c.name, c.type)) }];
    }
    const pk = o.schema.primaryKey;
    const attrs = o.schema.columns.map((c, i) => attrOf(i + 1, c.name, c.type, {
      notNull: c.type.nullable === false || (pk?.columns.includes(c.name) ?? false),
      comment: c.comment,
      generated: c.kind === 'computed' ? c.expr : c.kind === 'metadata' ? `METADATA${c.metadataKey ? ` FROM '${c.metadataKey}'` : ''}${c.virtual ? ' VIRTUAL' : ''}` : undefined,
    }));
    // a materialized table is relkind 'm'; its query is what pg_get_viewdef (and psql's \d+) shows
    const materialized = hasDefinition(o);
    const kind = materialized ? 'm' : o.partitionKeys.length > 0 ? 'p' : 'r';
    const table: Relation = {
      ...base, kind, attrs, partitionKeys: o.partitionKeys, options: redactOptions(userOptions(o.options)),
      am: o.options['connector'] ?? (o.connector ? catalogType : undefined),
      definition: materialized ? definitionOf(o, name).query : undefined,
    };
    if (!pk) return [table];
    const indexName = pk.name ?? `${name}_pkey`;
    table.primaryKey = {
      oid: stableOid(`index\u0000${this.catalogName}\u0000${ns.name}\u0000${name}`), name: indexName,
      attnums: pk.columns.map((c) => attrs.find((a) => a.name === c)?.num ?? 0),
    };
    const index: Relation = {
      oid: table.primaryKey.oid, name: indexName, ns, kind: 'i', temporary, system: false, options: {}, partitionKeys: [], am: 'btree', indexOf: table,
      attrs: table.primaryKey.attnums.map((n, i) => ({ ...attrs[n - 1]!, num: i + 1 })),
    };
    return [table, index];
  }

  // ---- reg* types ----

  /** The name behind a reg* OID, as Postgres prints it; the number itself when nothing has that OID. */
  regName(t: RegType, oid: number): string {
    switch (t) {
      case 'regclass': {
        const r = this.relation(oid);
        if (!r) return String(oid);
        return this.isVisible(r) ? quoteIdent(r.name) : `${quoteIdent(r.ns.name)}.${quoteIdent(r.name)}`;
      }
      case 'regnamespace': {
        const n = this.namespaces().find((x) => x.oid === oid);
        return n ? quoteIdent(n.name) : String(oid);
      }
      case 'regtype': {
        const ty = PG_TYPES.find((x) => x.oid === oid);
        return ty ? ty.name : String(oid);
      }
      case 'regrole':
        return oid === OWNER_OID ? this.session.user : String(oid);
    }
  }

  /** The OID of a named object, or the error Postgres gives when there is none. */
  regOid(t: RegType, name: string): number {
    switch (t) {
      case 'regclass': {
        const rel = this.findRelation(splitQualified(name));
        if (!rel) throw new FreshetError(SqlState.undefinedTable, `relation "${name}" does not exist`);
        return rel.oid;
      }
      case 'regnamespace': {
        const n = this.namespaces().find((x) => x.name === splitQualified(name)[0]);
        if (!n) throw new FreshetError(SqlState.undefinedSchema, `schema "${name}" does not exist`);
        return n.oid;
      }
      case 'regtype': {
        const parts = splitQualified(name);
        const oid = pgTypeOid(parts[parts.length - 1]!);
        if (oid === undefined) throw new FreshetError(SqlState.undefinedObject, `type "${name}" does not exist`);
        return oid;
      }
      case 'regrole':
        if (name === this.session.user) return OWNER_OID;
        throw new FreshetError(SqlState.undefinedObject, `role "${name}" does not exist`);
    }
  }

  // ---- what the catalog functions show ----

  /** The search path as the session resolves names: its current database. */
  searchPath(): string {
    return `"$user", ${this.currentSchema}`;
  }

  /** obj_description(): the comment of a relation or namespace (`catalog` names which, or either). */
  description(oid: number, catalog: string | undefined): string | null {
    if (catalog === undefined || catalog === 'pg_class') {
      const r = this.relation(oid);
      if (r && !r.system) return r.comment ?? null;
    }
    if (catalog === undefined || catalog === 'pg_namespace') {
      const n = this.namespaces().find((x) => x.oid === oid);
      if (n) return n.comment ?? null;
    }
    return null;
  }

  /** col_description(). */
  columnDescription(oid: number, attnum: number): string | null {
    const r = this.relation(oid);
    if (!r || r.system || r.kind === 'i') return null;
    return r.attrs.find((x) => x.num === attnum)?.comment ?? null;
  }

  /** pg_get_viewdef(): the view's query as written, as Postgres prints it (a leading space, a semicolon). */
  viewDefinition(oid: number): string | null {
    const r = this.relation(oid);
    if (!r?.definition) return null;
    return ` ${r.definition.trim().replace(/;\s*$/, '')};`;
  }

  /** pg_get_indexdef(): the CREATE INDEX of a primary key, or (column > 0) the name of one of its columns. */
  indexDefinition(oid: number, column: number): string | null {
    const r = this.relation(oid);
    if (!r || r.kind !== 'i') return null;
    if (column > 0) return r.attrs[column - 1] ? quoteIdent(r.attrs[column - 1]!.name) : '';
    return indexDef(r);
  }

  /** pg_get_constraintdef() of a primary key constraint (OID: the index's + 1). */
  constraintDefinition(oid: number): string | null {
    const r = this.relations().find((x) => x.primaryKey && x.primaryKey.oid + 1 === oid);
    return r ? `PRIMARY KEY (${r.primaryKey!.attnums.map((n) => quoteIdent(r.attrs[n - 1]!.name)).join(', ')})` : null;
  }

  /** pg_get_partkeydef(). */
  partitionKeyDefinition(oid: number): string | null {
    const r = this.relation(oid);
    return r && r.kind === 'p' ? `LIST (${r.partitionKeys.map(quoteIdent).join(', ')})` : null;
  }

  /** A relation by [name] (searched in pg_catalog, then the current database) or [schema, name]. */
  findRelation(parts: string[]): Relation | undefined {
    const rels = this.relations();
    if (parts.length >= 2) {
      const [schema, name] = parts.slice(-2) as [string, string];
      return rels.find((r) => r.ns.name === schema && r.name === name);
    }
    const name = parts[0]!;
    return rels.find((r) => r.name === name && r.ns.oid === PG_CATALOG_OID) ?? rels.find((r) => r.name === name && this.isVisible(r));
  }
}

/** pg_get_indexdef of a primary-key index. */
export function indexDef(ix: Relation): string {
  const t = ix.indexOf!;
  return `CREATE UNIQUE INDEX ${quoteIdent(ix.name)} ON ${quoteIdent(t.ns.name)}.${quoteIdent(t.name)} USING btree (${ix.attrs.map((a) => quoteIdent(a.name)).join(', ')})`;
}
