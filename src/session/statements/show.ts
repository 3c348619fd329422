/** SHOW ..., DESCRIBE, SHOW CREATE TABLE/VIEW. */
import type * as A from '../../sql/ast.ts';
import { T, notNull, typeToString } from '../../types/data-type.ts';
import type { CatalogTable, ColumnSpec } from '../../catalog/objects.ts';
import { showCreateTable, showCreateView } from '../../catalog/show-create.ts';
import { builtinScalarFunctions } from '../../exec/functions/registry.ts';
import { builtinAggregates } from '../../exec/functions/aggregate/registry.ts';
import { WINDOW_ONLY } from '../../sql/bind/window.ts';
import { likeMatcher } from '../../exec/functions/scalar/operators.ts';
import { SqlState } from '../../util/errors.ts';
import type { RowsResult, TextResult } from '../result.ts';
import type { Session, StatementContext } from '../session.ts';
import { statusOf } from '../jobs.ts';
import { describeMaterialized, showCreateMaterializedTable, showMaterializedTables } from './materialized.ts';

function listResult(column: string, values: string[], like?: A.ShowStatement['like']): RowsResult {
  let v = [...values].sort((a, b) => a.localeCompare(b));
  if (like) {
    const m = likeMatcher(like.pattern, null, like.ilike);
    v = v.filter((x) => m(x) !== like.not);
  }
  return { kind: 'rows', command: 'SHOW', columns: [{ name: column, type: notNull(T.string()) }], rows: v.map((x) => [x]), warnings: [] };
}

function describeRows(t: { schema: CatalogTable['schema'] } | null, columns: ColumnSpec[]): unknown[][] {
  return columns.map((c) => {
    const pk = t?.schema.primaryKey?.columns.includes(c.name);
    let extras: string | null = null;
    if (c.kind === 'computed') extras = `AS ${c.expr}`;
    else if (c.kind === 'metadata') extras = `METADATA${c.metadataKey && c.metadataKey !== c.name ? ` FROM '${c.metadataKey}'` : ''}${c.virtual ? ' VIRTUAL' : ''}`;
    const wm = t?.schema.watermark?.column === c.name ? t.schema.watermark.expr : null;
    const type = wm ? `${typeToString({ ...c.type, nullable: true })} *ROWTIME*` : typeToString({ ...c.type, nullable: true });
    return [c.name, type, c.type.nullable, pk ? `PRI(${t!.schema.primaryKey!.columns.join(', ')})` : null, extras, wm];
  });
}

const DESCRIBE_COLUMNS = [
  { name: 'name', type: notNull(T.string()) },
  { name: 'type', type: notNull(T.string()) },
  { name: 'null', type: notNull(T.boolean()) },
  { name: 'key', type: T.string() },
  { name: 'extras', type: T.string() },
  { name: 'watermark', type: T.string() },
];

/** DESCRIBE EXTENDED: the columns, and for a materialized table its definition, refresh state and history. */
export async function describeExtended(session: Session, ctx: StatementContext, name: A.QualifiedName): Promise<RowsResult> {
  const r = describe(session, ctx, name);
  const id = session.binder(ctx).located(name.loc, () => session.catalogs.resolve(name.parts)).id;
  const extra = await describeMaterialized(session, id);
  return extra ? { ...r, rows: [...r.rows, ...extra] } : r;
}

export function describe(session: Session, ctx: StatementContext, name: A.QualifiedName, like?: A.ShowStatement['like']): RowsResult {
  const b = session.binder(ctx);
  const r = b.located(name.loc, () => session.catalogs.resolve(name.parts));
  let rows: unknown[][];
  if (r.object.kind === 'view') {
    rows = r.object.columns.map((c) => [c.name, typeToString({ ...c.type, nullable: true }), c.type.nullable, null, null, null]);
  } else {
    rows = describeRows(r.object, r.object.schema.columns);
  }
  if (like) {
    const m = likeMatcher(like.pattern, null, like.ilike);
    rows = rows.filter((row) => m(row[0] as string) !== like.not);
  }
  return { kind: 'rows', command: 'DESCRIBE', columns: DESCRIBE_COLUMNS, rows, warnings: [] };
}

export async function show(session: Session, ctx: StatementContext, st: A.ShowStatement): Promise<RowsResult | TextResult> {
  const cm = session.catalogs;
  const b = session.binder(ctx);
  switch (st.what) {
    case 'CATALOGS': return listResult('catalog name', cm.listCatalogs(), st.like);
    case 'CURRENT CATALOG': return listResult('current catalog name', [cm.currentCatalog]);
    case 'CURRENT DATABASE': return listResult('current database name', [cm.currentDatabase]);
    case 'DATABASES': {
      const c = b.located(st.loc, () => (st.from ? cm.catalog(st.from.parts[0]!) : cm.catalog(cm.currentCatalog)));
      return listResult('database name', c.listDatabases(), st.like);
    }
    case 'TABLES': case 'VIEWS': case 'MATERIALIZED TABLES': {
      const { catalog, database } = b.located(st.from?.loc ?? st.loc, () => (st.from ? cm.database(st.from.parts) : cm.database([{ value: cm.currentCatalog, quoted: true }, { value: cm.currentDatabase, quoted: true }])));
      if (st.what === 'MATERIALIZED TABLES') return showMaterializedTables(session, st, { catalog: catalog.name, database });
      const names = cm.objectNames(catalog.name, database).filter((n) => {
        const o = cm.lookup([{ value: catalog.name, quoted: true }, { value: database, quoted: true }, { value: n, quoted: true }])!.object;
        if (st.what === 'VIEWS') return o.kind === 'view';
        // as in Flink, SHOW TABLES lists every table-like object, views included
        return true;
      });
      return listResult(st.what === 'VIEWS' ? 'view name' : 'table name', names, st.like);
    }
    case 'FUNCTIONS': {
      const names = [
        ...builtinScalarFunctions(session.dialect).flatMap((f) => [f.name, ...(f.aliases ?? [])]).filter((n) => /^[a-z_][a-z0-9_]*$/.test(n) && !n.endsWith('_ctor') && n !== 'item' && n !== 'field' && n !== 'in_set' && n !== 'negate'),
        ...builtinAggregates().flatMap((f) => [f.name, ...(f.aliases ?? [])]),
        ...WINDOW_ONLY,
      ];
      return listResult('function name', [...new Set(names.map((n) => n.toUpperCase()))], st.like);
    }
    case 'USER FUNCTIONS': return listResult('function name', session.catalogs.userFunctionNames(), st.like);
    case 'JOBS': {
      // checkpoints: completed by this run; the last one's duration (cut to commit) and the bytes it
      // wrote (with incremental checkpoints, its delta or base and its state file);
      // restarts after failures (restart-strategy.*) and the failure that caused the last one
      const rows = session.engine.jobs.list().map((j) => {
        const c = j.job.checkpointStats;
        const message = [j.error, ...j.notes].filter((m) => m !== undefined).join('; ');
        return [j.id, j.name, statusOf(j), new Date(j.startedAt).toISOString(), c.completed, c.lastDuration, c.lastSize, j.restarts, j.lastFailure ?? null, message === '' ? null : message];
      });
      return {
        kind: 'rows', command: 'SHOW',
        columns: [
          { name: 'job id', type: T.string() }, { name: 'job name', type: T.string() }, { name: 'status', type: T.string() }, { name: 'start time', type: T.string() },
          { name: 'checkpoints', type: T.int() }, { name: 'last checkpoint ms', type: T.int() }, { name: 'last checkpoint bytes', type: T.int() },
          { name: 'restarts', type: T.int() }, { name: 'last failure', type: T.string() }, { name: 'message', type: T.string() },
        ],
        rows, warnings: [],
      };
    }
    case 'COLUMNS': return describe(session, ctx, st.name!, st.like);
    case 'CREATE MATERIALIZED TABLE': return showCreateMaterializedTable(session, ctx, st.name!);
    case 'CREATE TABLE': case 'CREATE VIEW': {
      const r = b.located(st.name!.loc, () => cm.resolve(st.name!.parts));
      const wantView = st.what === 'CREATE VIEW';
      if ((r.object.kind === 'view') !== wantView) {
        throw b.error(SqlState.wrongObjectType, `${r.id.name} is a ${r.object.kind}`, st.name!.loc, `Use SHOW CREATE ${r.object.kind === 'view' ? 'VIEW' : 'TABLE'}.`);
      }
      const text = r.object.kind === 'view' ? showCreateView(r.id, r.object, r.temporary) : showCreateTable(r.id, r.object, r.temporary);
      return { kind: 'text', command: 'SHOW', text, warnings: [] };
    }
    case 'PARTITIONS': {
      const r = b.located(st.name!.loc, () => cm.resolve(st.name!.parts));
      if (r.object.kind !== 'table' || r.object.partitionKeys.length === 0) throw b.error(SqlState.wrongObjectType, `${r.id.name} is not a partitioned table`, st.name!.loc);
      throw b.error(SqlState.featureNotSupported, 'SHOW PARTITIONS needs the table store, which is not available yet', st.loc);
    }
  }
}
