/** CREATE / DROP / ALTER of tables, views, databases and catalogs; USE. */
import type * as A from '../../sql/ast.ts';
import type { CatalogObject, CatalogTable, ObjectIdentifier } from '../../catalog/objects.ts';
import { quoteIdent, identifierToString } from '../../catalog/objects.ts';
import { InMemoryCatalog } from '../../catalog/memory-catalog.ts';
import { matchName } from '../../catalog/catalog-manager.ts';
import { bindCreateTable, bindCreateView, optionsOf } from '../../sql/bind/ddl.ts';
import { tableDescriptor } from '../../catalog/table-descriptor.ts';
import { findConnector, validateOptions } from '../../connectors/registry.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { ok, type OkResult } from '../result.ts';
import type { Session, StatementContext } from '../session.ts';
import { executeInsert } from './insert.ts';
import { parseDataType, parseExpression } from '../../sql/parse.ts';
import { typeToString } from '../../types/data-type.ts';
import type { DataType } from '../../types/data-type.ts';
import { dropFunction } from './functions.ts';
import { dropMaterializedTable } from './materialized.ts';
import { isMaterialized } from '../materialized/definition.ts';

function objectKind(o: CatalogObject): string {
  return o.kind === 'view' ? 'view' : 'table';
}

/** Whether an object of that identifier exists (temporary or permanent). */
function existing(session: Session, id: ObjectIdentifier, temporary: boolean): CatalogObject | undefined {
  const cm = session.catalogs;
  if (temporary) return cm.isTemporary(id) ? cm.lookup([{ value: id.catalog, quoted: true }, { value: id.database, quoted: true }, { value: id.name, quoted: true }])?.object : undefined;
  return cm.catalog(id.catalog).getObject(id.database, id.name);
}

async function createObject(session: Session, id: ObjectIdentifier, object: CatalogObject, temporary: boolean): Promise<void> {
  if (temporary) session.catalogs.createTemporary(id, object);
  else await session.catalogs.catalog(id.catalog).createObject(id.database, id.name, object);
}

export async function createTable(session: Session, ctx: StatementContext, st: A.CreateTable): Promise<OkResult> {
  const b = session.binder(ctx);
  const id = b.located(st.name.loc, () => session.catalogs.qualify(st.name.parts));
  const prior = existing(session, id, st.temporary);
  if (prior) {
    if (st.ifNotExists) return ok('CREATE TABLE', `${objectKind(prior)} ${id.name} already exists, nothing changed`);
    throw b.error(SqlState.duplicateTable, `${st.temporary ? 'temporary ' : ''}${objectKind(prior)} ${identifierToString(id)} already exists`, st.name.loc,
      'Use CREATE TABLE IF NOT EXISTS, or DROP it first.');
  }
  const table = bindCreateTable(b, st, id);
  await createObject(session, id, table, st.temporary);
  if (st.asQuery) {
    try {
      const insert: A.InsertStatement = { kind: 'insert', overwrite: false, table: { parts: [{ value: id.catalog, quoted: true, loc: st.loc }, { value: id.database, quoted: true, loc: st.loc }, { value: id.name, quoted: true, loc: st.loc }], loc: st.name.loc }, hints: [], partition: [], source: st.asQuery, loc: st.loc };
      const r = await executeInsert(session, ctx, insert);
      return ok('CREATE TABLE', `table ${id.name} created; ${r.message}`, { rowCount: r.rowCount, warnings: r.warnings });
    } catch (e) {
      // a failed CTAS leaves nothing behind
      if (st.temporary) session.catalogs.dropTemporary(id);
      else await session.catalogs.catalog(id.catalog).dropObject(id.database, id.name);
      throw e;
    }
  }
  return ok('CREATE TABLE', `${st.temporary ? 'temporary ' : ''}table ${id.name} created`);
}

export async function createView(session: Session, ctx: StatementContext, st: A.CreateView): Promise<OkResult> {
  const b = session.binder(ctx);
  const id = b.located(st.name.loc, () => session.catalogs.qualify(st.name.parts));
  const prior = existing(session, id, st.temporary);
  if (prior) {
    if (st.ifNotExists) return ok('CREATE VIEW', `${objectKind(prior)} ${id.name} already exists, nothing changed`);
    if (!st.orReplace || prior.kind !== 'view') {
      throw b.error(SqlState.duplicateTable, `${objectKind(prior)} ${identifierToString(id)} already exists`, st.name.loc,
        prior.kind === 'view' ? 'Use CREATE OR REPLACE VIEW to change it.' : 'Choose another name.');
    }
  }
  const view = bindCreateView(b, st, id);
  if (prior && !st.temporary) await session.catalogs.catalog(id.catalog).replaceObject(id.database, id.name, view);
  else await createObject(session, id, view, st.temporary);
  return ok('CREATE VIEW', `${st.temporary ? 'temporary ' : ''}view ${id.name} ${prior ? 'replaced' : 'created'}`);
}

export async function drop(session: Session, ctx: StatementContext, st: A.DropStatement): Promise<OkResult> {
  const b = session.binder(ctx);
  const cm = session.catalogs;
  switch (st.objectType) {
    case 'TABLE': case 'VIEW': {
      const want = st.objectType.toLowerCase();
      let r;
      try {
        r = cm.lookup(st.name.parts);
      } catch (e) {
        if (st.ifExists && e instanceof FreshetError) return ok(`DROP ${st.objectType}`, `${want} ${st.name.parts.map((p) => p.value).join('.')} does not exist, nothing changed`);
        throw b.at(e as FreshetError, st.name.loc);
      }
      if (!r || (st.temporary && !r.temporary)) {
        if (st.ifExists) return ok(`DROP ${st.objectType}`, `${want} ${st.name.parts.map((p) => p.value).join('.')} does not exist, nothing changed`);
        if (r && st.temporary) throw b.error(SqlState.undefinedTable, `${want} ${r.id.name} is not temporary`, st.name.loc, `Use DROP ${st.objectType} without TEMPORARY.`);
        throw b.at(cm.resolve(st.name.parts, want) as never, st.name.loc);
      }
      if (objectKind(r.object) !== want) {
        throw b.error(SqlState.wrongObjectType, `${r.id.name} is a ${objectKind(r.object)}, not a ${want}`, st.name.loc, `Use DROP ${objectKind(r.object).toUpperCase()}.`);
      }
      if (r.temporary && !st.temporary) {
        throw b.error(SqlState.objectInUse, `a temporary ${want} ${r.id.name} exists`, st.name.loc, `Drop it with DROP TEMPORARY ${st.objectType}; the permanent one, if any, is hidden until then.`);
      }
      if (isMaterialized(r.object)) {
        throw b.error(SqlState.wrongObjectType, `${r.id.name} is a materialized table`, st.name.loc, 'Use DROP MATERIALIZED TABLE: it stops the refresh first.');
      }
      if (r.temporary) cm.dropTemporary(r.id);
      else await cm.catalog(r.id.catalog).dropObject(r.id.database, r.id.name);
      return ok(`DROP ${st.objectType}`, `${r.temporary ? 'temporary ' : ''}${want} ${r.id.name} dropped`);
    }
    case 'DATABASE': {
      let target;
      try {
        target = cm.database(st.name.parts);
      } catch (e) {
        if (st.ifExists) return ok('DROP DATABASE', 'database does not exist, nothing changed');
        throw b.at(e as FreshetError, st.name.loc);
      }
      if (target.catalog.name === cm.currentCatalog && target.database === cm.currentDatabase) {
        throw b.error(SqlState.objectInUse, `cannot drop the current database ${target.database}`, st.name.loc, 'USE another database first.');
      }
      const objects = target.catalog.listObjects(target.database);
      if (objects.length > 0 && !st.cascade) {
        throw b.error(SqlState.objectInUse, `database ${target.database} is not empty (${objects.length} table(s) and view(s))`, st.name.loc, 'Use DROP DATABASE .. CASCADE to drop it with its contents.');
      }
      for (const o of objects) await target.catalog.dropObject(target.database, o);
      await target.catalog.dropDatabase(target.database, st.cascade);
      return ok('DROP DATABASE', `database ${target.database} dropped`);
    }
    case 'CATALOG': {
      const name = st.name.parts[0]!;
      const m = matchName(name, cm.listCatalogs());
      if (m === undefined) {
        if (st.ifExists) return ok('DROP CATALOG', `catalog ${name.value} does not exist, nothing changed`);
        throw b.at(cm.catalog(name) as never, st.name.loc);
      }
      if (m === cm.currentCatalog) throw b.error(SqlState.objectInUse, `cannot drop the current catalog ${m}`, st.name.loc, 'USE CATALOG another one first.');
      await cm.unregisterCatalog(m);
      return ok('DROP CATALOG', `catalog ${m} dropped`);
    }
    case 'FUNCTION': return dropFunction(session, ctx, st);
    case 'MATERIALIZED TABLE': return dropMaterializedTable(session, ctx, st);
  }
}

function a0(st: A.AlterTable): A.AlterTableAction {
  return st.action;
}

export async function alterTable(session: Session, ctx: StatementContext, st: A.AlterTable): Promise<OkResult> {
  const b = session.binder(ctx);
  const cm = session.catalogs;
  const r = cm.lookup(st.name.parts);
  if (!r) {
    const name = st.name.parts.map((p) => p.value).join('.');
    if (st.ifExists) return ok('ALTER TABLE', `${st.objectType.toLowerCase()} ${name} does not exist, nothing changed`);
    // resolving again raises the error that names what is missing (and suggests names); give it the position
    b.located(st.name.loc, () => cm.resolve(st.name.parts));
    throw b.error(SqlState.undefinedTable, `${st.objectType.toLowerCase()} ${name} does not exist`, st.name.loc);
  }
  if (r.object.kind !== st.objectType.toLowerCase() && !(st.objectType === 'TABLE' && r.object.kind === 'table')) {
    throw b.error(SqlState.wrongObjectType, `${r.id.name} is a ${objectKind(r.object)}`, st.name.loc, `Use ALTER ${objectKind(r.object).toUpperCase()}.`);
  }
  if (isMaterialized(r.object) && a0(st).kind !== 'setOptions' && a0(st).kind !== 'resetOptions') {
    throw b.error(SqlState.wrongObjectType, `${r.id.name} is a materialized table: its columns come from its query`, st.name.loc, 'Use ALTER MATERIALIZED TABLE .. AS <query> to change them.');
  }
  const save = async (o: CatalogObject): Promise<void> => {
    if (r.temporary) cm.createTemporary(r.id, o);
    else await cm.catalog(r.id.catalog).replaceObject(r.id.database, r.id.name, o);
  };
  const a = st.action;
  if (a.kind === 'rename') {
    const to = b.located(a.newName.loc, () => cm.qualify(a.newName.parts));
    if (to.catalog !== r.id.catalog || to.database !== r.id.database) throw b.error(SqlState.featureNotSupported, 'RENAME TO cannot move a table to another database', a.newName.loc);
    if (cm.lookup(a.newName.parts)) throw b.error(SqlState.duplicateTable, `${to.name} already exists`, a.newName.loc);
    if (r.temporary) {
      cm.dropTemporary(r.id);
      cm.createTemporary(to, r.object);
    } else await cm.catalog(r.id.catalog).renameObject(r.id.database, r.id.name, to.name);
    return ok('ALTER TABLE', `${objectKind(r.object)} ${r.id.name} renamed to ${to.name}`);
  }
  if (r.object.kind !== 'table') throw b.error(SqlState.featureNotSupported, 'views can only be renamed; use CREATE OR REPLACE VIEW to change the query', st.loc);
  const t: CatalogTable = structuredClone({ ...r.object, connector: undefined }) as CatalogTable;
  t.connector = r.object.connector;
  switch (a.kind) {
    case 'setOptions': Object.assign(t.options, optionsOf(b, a.options)); break;
    case 'resetOptions':
      for (const k of a.keys) {
        if (k === 'connector') throw b.error(SqlState.invalidParameterValue, "cannot RESET 'connector'", st.loc);
        delete t.options[k];
      }
      break;
    case 'renameColumn': {
      const name = matchName(a.from, t.schema.columns.map((c) => c.name));
      if (name === undefined) throw b.error(SqlState.undefinedColumn, `column \`${a.from.value}\` does not exist in ${r.id.name}`, a.from.loc);
      if (t.schema.columns.some((c) => c.name.toLowerCase() === a.to.value.toLowerCase())) throw b.error(SqlState.duplicateColumn, `column \`${a.to.value}\` already exists`, a.to.loc);
      if (t.schema.columns.some((c) => c.kind === 'computed' && new RegExp(`\\b${name}\\b`).test(c.expr!)) || t.schema.watermark?.column === name) {
        throw b.error(SqlState.objectInUse, `column ${name} is used by a computed column or the watermark`, a.from.loc);
      }
      for (const c of t.schema.columns) if (c.name === name) c.name = a.to.value;
      t.partitionKeys = t.partitionKeys.map((p) => (p === name ? a.to.value : p));
      if (t.schema.primaryKey) t.schema.primaryKey.columns = t.schema.primaryKey.columns.map((p) => (p === name ? a.to.value : p));
      break;
    }
    case 'dropColumns': {
      for (const c of a.columns) {
        const name = matchName(c, t.schema.columns.map((x) => x.name));
        if (name === undefined) throw b.error(SqlState.undefinedColumn, `column \`${c.value}\` does not exist in ${r.id.name}`, c.loc);
        if (t.partitionKeys.includes(name) || t.schema.primaryKey?.columns.includes(name) || t.schema.watermark?.column === name) {
          throw b.error(SqlState.objectInUse, `column ${name} is a partition, primary key or watermark column and cannot be dropped`, c.loc);
        }
        t.schema.columns = t.schema.columns.filter((x) => x.name !== name);
      }
      if (t.schema.columns.length === 0) throw b.error(SqlState.syntaxError, 'a table needs at least one column', st.loc);
      break;
    }
    case 'addColumns': case 'modifyColumns': {
      // rebuild through CREATE TABLE binding so every rule (types, computed columns) applies
      const defs = a.columns;
      for (const d of defs) {
        const at = t.schema.columns.findIndex((c) => c.name.toLowerCase() === d.name.value.toLowerCase());
        if (a.kind === 'addColumns' && at >= 0) throw b.error(SqlState.duplicateColumn, `column \`${d.name.value}\` already exists in ${r.id.name}`, d.name.loc);
        if (a.kind === 'modifyColumns' && at < 0) throw b.error(SqlState.undefinedColumn, `column \`${d.name.value}\` does not exist in ${r.id.name}`, d.name.loc);
      }
      const rebuilt = rebuildWith(session, ctx, r.id, t, defs, a.kind === 'addColumns' ? a.position : undefined);
      // stored columns keep their identity (field ids) through the rebuild
      for (const c of rebuilt.schema.columns) c.fieldId = t.schema.columns.find((x) => x.kind === 'physical' && x.name === c.name)?.fieldId;
      t.schema = rebuilt.schema;
      break;
    }
  }
  b.located(st.loc, () => {
    const desc = tableDescriptor(r.id, t);
    validateOptions(desc, findConnector(desc, t.connector));
  });
  await save(t);
  return ok('ALTER TABLE', `table ${r.id.name} altered`);
}

/** Applies added or modified column definitions by re-binding the table as a CREATE TABLE. */
function rebuildWith(session: Session, ctx: StatementContext, id: ObjectIdentifier, t: CatalogTable, defs: A.ColumnDef[], position: { first: boolean; after?: A.Identifier } | undefined): CatalogTable {
  const loc = { start: 0, end: 0 };
  const ident = (value: string): A.Identifier => ({ value, quoted: true, loc });
  const existingDefs: A.ColumnDef[] = t.schema.columns.map((c) => {
    const replaced = defs.find((d) => d.name.value.toLowerCase() === c.name.toLowerCase());
    if (replaced) return replaced;
    if (c.kind === 'computed') return { kind: 'computed', name: ident(c.name), expr: null as never, exprText: c.expr!, comment: c.comment, loc };
    const typeNode = parseDataType(typeToSql(c.type));
    if (c.kind === 'metadata') return { kind: 'metadata', name: ident(c.name), type: typeNode, key: c.metadataKey, virtual: c.virtual ?? false, comment: c.comment, loc };
    return { kind: 'physical', name: ident(c.name), type: typeNode, comment: c.comment, primaryKey: false, loc };
  });
  const added = defs.filter((d) => !t.schema.columns.some((c) => c.name.toLowerCase() === d.name.value.toLowerCase()));
  let columns = existingDefs;
  if (position?.first) columns = [...added, ...existingDefs];
  else if (position?.after) {
    const at = existingDefs.findIndex((d) => d.name.value.toLowerCase() === position.after!.value.toLowerCase());
    columns = [...existingDefs.slice(0, at + 1), ...added, ...existingDefs.slice(at + 1)];
  } else columns = [...existingDefs, ...added];
  // computed expressions of existing columns come back as text
  const reparsed = columns.map((c) => (c.kind === 'computed' && c.expr === null ? { ...c, expr: parseExprOrThrow(c.exprText) } : c));
  const st: A.CreateTable = {
    kind: 'createTable', temporary: false, ifNotExists: false,
    name: { parts: [ident(id.catalog), ident(id.database), ident(id.name)], loc },
    columns: reparsed,
    watermark: t.schema.watermark ? { column: { parts: [ident(t.schema.watermark.column)], loc }, expr: parseExprOrThrow(t.schema.watermark.expr), exprText: t.schema.watermark.expr, loc } : undefined,
    primaryKey: t.schema.primaryKey ? { columns: t.schema.primaryKey.columns.map(ident), loc } : undefined,
    partitionedBy: t.partitionKeys.map(ident),
    options: Object.entries(t.options).map(([key, value]) => ({ key, value, loc })),
    loc,
  };
  return bindCreateTable(session.binder(ctx), st, id);
}

function parseExprOrThrow(text: string): A.Expr {
  return parseExpression(text);
}

function typeToSql(t: DataType): string {
  return typeToString({ ...t, timeAttribute: undefined } as DataType);
}

export async function createCatalog(session: Session, ctx: StatementContext, st: A.CreateCatalog): Promise<OkResult> {
  const b = session.binder(ctx);
  const cm = session.catalogs;
  if (cm.hasCatalog(st.name.value)) {
    if (st.ifNotExists) return ok('CREATE CATALOG', `catalog ${st.name.value} already exists, nothing changed`);
    throw b.error(SqlState.duplicateObject, `catalog ${quoteIdent(st.name.value)} already exists`, st.name.loc);
  }
  const options = optionsOf(b, st.options);
  const type = options['type'];
  const catalog = await b.locatedAsync(st.loc, () => session.engine.createCatalog(st.name.value, type, options));
  cm.registerCatalog(catalog);
  return ok('CREATE CATALOG', `catalog ${st.name.value} created`);
}

export function newInMemoryCatalog(name: string, options: Record<string, string>): InMemoryCatalog {
  return new InMemoryCatalog(name, options['default-database'] ?? 'default_database', options);
}

export async function createDatabase(session: Session, ctx: StatementContext, st: A.CreateDatabase): Promise<OkResult> {
  const b = session.binder(ctx);
  const cm = session.catalogs;
  const parts = st.name.parts;
  const catalog = b.located(st.name.loc, () => (parts.length === 2 ? cm.catalog(parts[0]!) : cm.catalog(cm.currentCatalog)));
  const name = parts[parts.length - 1]!.value;
  if (matchName(parts[parts.length - 1]!, catalog.listDatabases()) !== undefined) {
    if (st.ifNotExists) return ok('CREATE DATABASE', `database ${name} already exists, nothing changed`);
    throw b.error(SqlState.duplicateObject, `database ${quoteIdent(name)} already exists in catalog ${quoteIdent(catalog.name)}`, st.name.loc);
  }
  await catalog.createDatabase(name, st.comment, optionsOf(b, st.options));
  return ok('CREATE DATABASE', `database ${name} created`);
}

export function use(session: Session, ctx: StatementContext, st: A.UseStatement): OkResult {
  const b = session.binder(ctx);
  const cm = session.catalogs;
  if (st.catalog) {
    const c = b.located(st.name.loc, () => cm.catalog(st.name.parts[0]!));
    cm.currentCatalog = c.name;
    cm.currentDatabase = c.defaultDatabase;
    return ok('USE', `using catalog ${c.name}`);
  }
  const { catalog, database } = b.located(st.name.loc, () => cm.database(st.name.parts));
  cm.currentCatalog = catalog.name;
  cm.currentDatabase = database;
  return ok('USE', `using database ${catalog.name}.${database}`);
}
