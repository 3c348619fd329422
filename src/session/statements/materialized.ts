/**
 * CREATE [OR ALTER] / ALTER / DROP MATERIALIZED TABLE, SHOW MATERIALIZED TABLES, SHOW CREATE
 * MATERIALIZED TABLE and the materialized part of DESCRIBE EXTENDED. The manager
 * (materialized/manager.ts) runs what these statements set up.
 */
import type * as A from '../../sql/ast.ts';
import type { CatalogTable, ColumnSpec, ObjectIdentifier } from '../../catalog/objects.ts';
import { identifierToString, quoteIdent } from '../../catalog/objects.ts';
import { TableStoreCatalog } from '../../catalog/table-store-catalog.ts';
import { tableDescriptor } from '../../catalog/table-descriptor.ts';
import { findConnector, validateOptions } from '../../connectors/registry.ts';
import { redactOptions } from '../../catalog/show-create.ts';
import { matchName } from '../../catalog/catalog-manager.ts';
import { bindQuery } from '../../sql/bind/query.ts';
import { optionsOf } from '../../sql/bind/ddl.ts';
import { bindExpr } from '../../sql/bind/expr.ts';
import { Scope } from '../../sql/bind/scope.ts';
import { oneRow } from '../../sql/bind/relation.ts';
import { evaluateConstant } from '../../exec/expr/compile.ts';
import { isInsertOnly } from '../../planner/stream/changelog-mode.ts';
import { T, notNull, typeToString, typesEqualIgnoringNull, isCharacter, type DataType } from '../../types/data-type.ts';
import { formatValue } from '../../types/value.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { ok, type OkResult, type RowsResult, type TextResult } from '../result.ts';
import type { Session, StatementContext } from '../session.ts';
import type { Binder } from '../../sql/bind/binder.ts';
import { parseStatement } from '../../sql/parse.ts';
import { planStreaming } from './streaming.ts';
import { chooseMode, definitionOptions, FRESHNESS_THRESHOLD_OPTION, isMaterialized, userOptions, type MaterializedDefinition, type RefreshMode } from '../materialized/definition.ts';
import { checkSchedulable, DEFAULT_CONTINUOUS_FRESHNESS, DEFAULT_SCHEDULED_FRESHNESS, freshnessMillis, freshnessOf, freshnessText, type Freshness } from '../materialized/freshness.ts';
import type { MaterializedHandle } from '../materialized/manager.ts';
import { newStatus, type MaterializedStatus } from '../materialized/status.ts';
import { scheduleTimeAtOrBefore } from '../materialized/schedule.ts';
import { querySources, resetIncremental } from '../materialized/refresh.ts';

const nameOf = (q: A.QualifiedName): string => q.parts.map((p) => p.value).join('.');

function freshnessError(b: Binder) {
  return (m: string, loc: A.Loc, hint: string): FreshetError => b.error(SqlState.invalidParameterValue, m, loc, hint);
}

/** What the query produces: columns (names, types), whether it updates, and a unique key of NOT NULL columns. */
function analyse(session: Session, ctx: StatementContext, query: A.Query): { columns: Array<{ name: string; type: DataType }>; updating: boolean; key: string[] | undefined } {
  const b = session.binder(ctx);
  const bound = b.located(query.loc, () => {
    const prev = session.scanOptions;
    session.scanOptions = (id, table) => {
      if (session.catalogs.isTemporary(id)) {
        throw new FreshetError(SqlState.featureNotSupported, `the query of a materialized table cannot read temporary table ${id.name}`, { hint: 'It is refreshed outside this session: use a permanent table.' });
      }
      return prev?.(id, table);
    };
    try {
      return bindQuery(session.binder(ctx), query, null);
    } finally {
      session.scanOptions = prev;
    }
  });
  const columns = bound.plan.schema.map((f, i) => ({ name: bound.names[i]!, type: { ...f.type, timeAttribute: undefined } as DataType }));
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name.toLowerCase())) throw b.error(SqlState.duplicateColumn, `the query produces two columns named ${c.name}`, query.loc, 'Give each output column its own name with AS.');
    seen.add(c.name.toLowerCase());
  }
  const sp = planStreaming(bound.plan, ctx);
  const key = sp.uniqueKey?.map((i) => columns[i]!.name);
  const keyOk = key !== undefined && key.length > 0 && sp.uniqueKey!.every((i) => !columns[i]!.type.nullable);
  return { columns, updating: !isInsertOnly(sp.mode), key: keyOk ? key : undefined };
}

/** The creating session's options the table's job and refreshes run with (not those about this session alone). */
function jobOptions(session: Session): Record<string, string> {
  const own = /^(execution\.runtime-mode|table\.dml-sync|sql-client\..*|pipeline\.name|execution\.savepoint\.path|materialized-table\.start-snapshots)$/;
  return Object.fromEntries([...session.options.explicit()].filter(([k]) => !own.test(k)));
}

function thresholdMs(session: Session): number {
  return session.options.millis(FRESHNESS_THRESHOLD_OPTION);
}

/** The table-store catalog a materialized table must live in. */
function storeCatalog(session: Session, b: Binder, id: ObjectIdentifier, loc: A.Loc): TableStoreCatalog {
  const c = session.catalogs.catalog(id.catalog);
  if (!(c instanceof TableStoreCatalog)) {
    throw b.error(SqlState.featureNotSupported, `catalog ${id.catalog} is not a table-store catalog: materialized tables are stored in the table store`, loc,
      "Create it in the default catalog, or in a catalog created WITH ('type' = 'table-store', 'warehouse' = ...).");
  }
  return c;
}

function resolveHandle(session: Session, b: Binder, name: A.QualifiedName): MaterializedHandle {
  const r = b.located(name.loc, () => session.catalogs.resolve(name.parts, 'materialized table'));
  const h = session.engine.materialized.handle(r.id);
  if (!h) throw b.error(SqlState.wrongObjectType, `${r.id.name} is a ${r.object.kind === 'view' ? 'view' : 'table'}, not a materialized table`, name.loc, 'SHOW MATERIALIZED TABLES lists them.');
  return h;
}

// ---------------------------------------------------------------------------------- CREATE

export async function createMaterializedTable(session: Session, ctx: StatementContext, st: A.CreateMaterializedTable): Promise<OkResult> {
  const b = session.binder(ctx);
  const id = b.located(st.name.loc, () => session.catalogs.qualify(st.name.parts));
  const catalog = storeCatalog(session, b, id, st.name.loc);
  const prior = catalog.getObject(id.database, id.name);
  if (prior) {
    if (!st.orAlter) {
      throw b.error(SqlState.duplicateTable, `${isMaterialized(prior) ? 'materialized table' : prior.kind} ${identifierToString(id)} already exists`, st.name.loc,
        isMaterialized(prior) ? 'Use CREATE OR ALTER MATERIALIZED TABLE or ALTER MATERIALIZED TABLE .. AS to change its query.' : 'Choose another name.');
    }
    if (!isMaterialized(prior)) throw b.error(SqlState.wrongObjectType, `${id.name} is a ${prior.kind}, not a materialized table: CREATE OR ALTER cannot replace it`, st.name.loc);
    return alterQuery(session, ctx, resolveHandle(session, b, st.name), st.query, st.queryText, st.loc);
  }
  const { columns, updating, key } = analyse(session, ctx, st.query);
  const logical: MaterializedDefinition['logicalMode'] = st.refreshMode?.mode ?? 'AUTOMATIC';
  const fresh: Freshness = st.freshness ? freshnessOf(st.freshness, freshnessError(b))
    : logical === 'CONTINUOUS' || (logical === 'AUTOMATIC' && thresholdMs(session) > 3 * 60_000) ? DEFAULT_CONTINUOUS_FRESHNESS : DEFAULT_SCHEDULED_FRESHNESS;
  const { mode } = chooseMode(fresh, logical, thresholdMs(session));
  if (mode === 'SCHEDULED') checkSchedulable(fresh, st.freshness?.loc ?? st.loc, freshnessError(b));

  // columns from the query; primary key columns must be NOT NULL outputs
  const specs: ColumnSpec[] = columns.map((c) => ({ name: c.name, kind: 'physical', type: c.type }));
  let pk: CatalogTable['schema']['primaryKey'];
  if (st.primaryKey) {
    const cols = st.primaryKey.columns.map((p) => {
      const name = matchName(p, specs.map((c) => c.name));
      if (name === undefined) throw b.error(SqlState.undefinedColumn, `PRIMARY KEY column \`${p.value}\` is not a column the query produces`, p.loc, `Columns: ${specs.map((c) => c.name).join(', ')}.`);
      const col = specs.find((c) => c.name === name)!;
      if (col.type.nullable) {
        throw b.error(SqlState.invalidColumnReference, `PRIMARY KEY column \`${name}\` may be NULL in the query's result`, p.loc, `Make it NOT NULL in the query, e.g. COALESCE(${name}, ..) or a WHERE ${name} IS NOT NULL.`);
      }
      return name;
    });
    pk = { name: st.primaryKey.name?.value, columns: cols };
  } else if (key !== undefined && updating) {
    // the query's own unique key: its changes are upserts by it
    pk = { columns: key };
    for (const c of specs) if (key.includes(c.name)) c.type = notNull(c.type);
  }
  if (mode === 'CONTINUOUS' && updating && pk === undefined) {
    throw b.error(SqlState.featureNotSupported, `the query of ${id.name} updates its results and has no unique key of NOT NULL columns, so a continuous refresh cannot apply its changes`, st.query.loc,
      'Declare a PRIMARY KEY (..) NOT ENFORCED on NOT NULL output columns, or use REFRESH_MODE = FULL.');
  }
  const partitionKeys = st.partitionedBy.map((p) => {
    const name = matchName(p, specs.map((c) => c.name));
    if (name === undefined) throw b.error(SqlState.undefinedColumn, `PARTITIONED BY column \`${p.value}\` is not a column the query produces`, p.loc, `Columns: ${specs.map((c) => c.name).join(', ')}.`);
    return name;
  });
  const options = optionsOf(b, st.options);
  for (const o of st.options) {
    const m = /^partition\.fields\.(.+)\.date-formatter$/.exec(o.key);
    if (!m) continue;
    const col = specs.find((c) => c.name === m[1]);
    if (!col || !partitionKeys.includes(col.name)) {
      throw b.error(SqlState.invalidParameterValue, `option '${o.key}' names ${m[1]}, which is not a partition column`, o.loc, partitionKeys.length > 0 ? `Partition columns: ${partitionKeys.join(', ')}.` : 'The table has no PARTITIONED BY.');
    }
    if (!isCharacter(col.type)) throw b.error(SqlState.invalidParameterValue, `a date-formatter applies only to string partition columns; ${col.name} is ${typeToString(col.type)}`, o.loc);
  }
  const def: MaterializedDefinition = { query: st.queryText, catalog: session.catalogs.currentCatalog, database: session.catalogs.currentDatabase, freshness: fresh, logicalMode: logical, mode };
  const table: CatalogTable = { kind: 'table', schema: { columns: specs, primaryKey: pk }, partitionKeys, options: { ...options, ...definitionOptions(def) }, comment: st.comment };
  b.located(st.loc, () => {
    const desc = tableDescriptor(id, table);
    validateOptions(desc, findConnector(desc, catalog.managedConnector(table)));
  });
  await catalog.createObject(id.database, id.name, table);
  const manager = session.engine.materialized;
  const h = manager.handle(id)!;
  try {
    const s = newStatus();
    s.resumeOptions = jobOptions(session);
    await manager.saveStatus(h, s);
    await manager.exclusive(id, () => activate(session, ctx, h, s, 'create'));
  } catch (e) {
    // a materialized table that cannot be filled is not left behind
    await catalog.dropObject(id.database, id.name).catch(() => undefined);
    throw e;
  }
  const how = mode === 'CONTINUOUS' ? `refreshed continuously (commits every ${fresh.value} ${fresh.unit.toLowerCase()}${fresh.value > 1 ? 's' : ''})` : `refreshed ${logical === 'AUTOMATIC' ? 'on a schedule' : logical} every ${fresh.value} ${fresh.unit.toLowerCase()}${fresh.value > 1 ? 's' : ''}`;
  return ok('CREATE MATERIALIZED TABLE', `materialized table ${id.name} created, ${how}`);
}

/** Makes a table ACTIVATED: starts its job, or runs a first refresh and arms its schedule. Call inside `exclusive`. */
async function activate(session: Session, ctx: StatementContext, h: MaterializedHandle, s: MaterializedStatus, trigger: 'create' | 'query change', from?: Record<string, number>): Promise<void> {
  const manager = session.engine.materialized;
  if (h.def.mode === 'CONTINUOUS') {
    s.jobId = await manager.startContinuous(h, s, ctx, from);
  } else {
    const r = await manager.refreshNow(h, s, {}, trigger);
    if (r.error !== undefined) throw new FreshetError(SqlState.internalError, `the first refresh of ${h.id.name} failed: ${r.error}`);
    s.lastScheduleTime = scheduleTimeAtOrBefore(session.engine.clock.now(), h.def.freshness, session.options.timeZone());
  }
  s.status = 'ACTIVATED';
  await manager.saveStatus(h, s);
  manager.arm(h.id);
}

// ---------------------------------------------------------------------------------- ALTER

export async function alterMaterializedTable(session: Session, ctx: StatementContext, st: A.AlterMaterializedTable): Promise<OkResult> {
  const b = session.binder(ctx);
  const h0 = resolveHandle(session, b, st.name);
  const a = st.action;
  if (a.kind === 'as') return alterQuery(session, ctx, h0, a.query, a.queryText, a.loc);
  const manager = session.engine.materialized;
  return manager.exclusive(h0.id, async () => {
    const h = manager.handle(h0.id)!;
    const s = await manager.status(h);
    const name = h.id.name;
    if (s.status === 'INITIALIZING') throw b.error(SqlState.objectInUse, `materialized table ${name} is still initializing`, st.loc, 'Wait for its first refresh to finish.');
    switch (a.kind) {
      case 'suspend': {
        if (s.status === 'SUSPENDED') throw b.error(SqlState.objectInUse, `materialized table ${name} is already suspended`, a.loc, 'RESUME it to refresh it again.');
        if (h.def.mode === 'CONTINUOUS' && s.jobId) await manager.suspendContinuous(s.jobId);
        manager.disarm(h.id);
        s.status = 'SUSPENDED';
        await manager.saveStatus(h, s);
        return ok('ALTER MATERIALIZED TABLE', `materialized table ${name} suspended${h.def.mode === 'CONTINUOUS' ? '; its job stopped with a checkpoint it resumes from' : '; its schedule is paused'}`);
      }
      case 'resume': {
        if (s.status === 'ACTIVATED') throw b.error(SqlState.objectInUse, `materialized table ${name} is not suspended`, a.loc, 'Only a suspended materialized table can be resumed.');
        const opts = optionsOf(b, a.options);
        s.resumeOptions = { ...(s.resumeOptions ?? {}), ...opts };
        if (h.def.mode === 'CONTINUOUS') {
          if (s.jobId) await manager.resumeContinuous(s.jobId, opts);
          else s.jobId = await manager.startContinuous(h, s, ctx);
        }
        s.status = 'ACTIVATED';
        await manager.saveStatus(h, s);
        manager.arm(h.id);
        return ok('ALTER MATERIALIZED TABLE', `materialized table ${name} resumed`);
      }
      case 'refresh': {
        const partition = refreshPartition(b, h, a.partition);
        const where = Object.keys(partition).length > 0 ? ` partition ${Object.entries(partition).map(([k, v]) => `${k}=${v}`).join(', ')}` : '';
        // the previous manual or scheduled run of the same extent is the estimate
        const like = s.history.find((x) => x.error === undefined && (x.partition === undefined) === (Object.keys(partition).length === 0));
        session.progress?.({ label: `refreshing ${name}${where}`, expectedMs: like?.durationMs ?? null });
        const r = await manager.refreshNow(h, s, partition, 'manual');
        if (r.error !== undefined) throw new FreshetError(SqlState.internalError, `refresh of ${name} failed, its content is unchanged: ${r.error}`, { hint: 'DESCRIBE EXTENDED shows the refresh history.' });
        return ok('ALTER MATERIALIZED TABLE', `materialized table ${name}${where} refreshed (${r.mode}): ${r.rowsChanged} row${r.rowsChanged === 1 ? '' : 's'} written in ${r.durationMs} ms`, { rowCount: r.rowsChanged });
      }
      case 'setFreshness': {
        const fresh = freshnessOf(a.freshness, freshnessError(b));
        return changeDefinition(session, ctx, h, s, { ...h.def, freshness: fresh }, a.freshness.loc);
      }
      case 'setRefreshMode':
        return changeDefinition(session, ctx, h, s, { ...h.def, logicalMode: a.mode.mode as RefreshMode }, a.mode.loc);
    }
  });
}

/** The partition of a manual REFRESH, checked against the table's partition columns. */
function refreshPartition(b: Binder, h: MaterializedHandle, spec: Array<{ name: A.Identifier; value: A.Expr }>): Record<string, string> {
  const out: Record<string, string> = {};
  const keys = h.table.partitionKeys;
  for (const p of spec) {
    const name = matchName(p.name, keys);
    if (name === undefined) {
      throw b.error(SqlState.undefinedColumn, `\`${p.name.value}\` is not a partition column of ${h.id.name}`, p.name.loc, keys.length > 0 ? `Partition columns: ${keys.join(', ')}.` : `${h.id.name} is not partitioned.`);
    }
    const col = h.table.schema.columns.find((c) => c.name === name)!;
    if (!isCharacter(col.type)) {
      throw b.error(SqlState.featureNotSupported, `REFRESH PARTITION takes string partition columns; ${name} is ${typeToString(col.type)}`, p.name.loc,
        `String partition columns: ${keys.filter((k) => isCharacter(h.table.schema.columns.find((c) => c.name === k)!.type)).join(', ') || 'none'}.`);
    }
    const v = bindExpr(b, p.value, { scope: new Scope([]), input: { plan: oneRow() }, clause: 'PARTITION' });
    if (v.kind !== 'literal') throw b.error(SqlState.syntaxError, 'partition values must be constants', p.value.loc);
    const value = evaluateConstant(v, { timeZone: b.env.timeZone, now: b.env.now });
    if (value === null) throw b.error(SqlState.nullValueNotAllowed, `partition column ${name} cannot be NULL`, p.value.loc);
    out[name] = formatValue(col.type, value, { timeZone: b.env.timeZone });
  }
  return out;
}

/** SET FRESHNESS / SET REFRESH_MODE: stores the new definition and moves the table to its new mode. Inside `exclusive`. */
async function changeDefinition(session: Session, ctx: StatementContext, h: MaterializedHandle, s: MaterializedStatus, next: MaterializedDefinition, loc: A.Loc): Promise<OkResult> {
  const b = session.binder(ctx);
  const manager = session.engine.materialized;
  const { mode, reason } = chooseMode(next.freshness, next.logicalMode, thresholdMs(session));
  if (mode === 'SCHEDULED') checkSchedulable(next.freshness, loc, freshnessError(b));
  if (mode === 'CONTINUOUS' && h.table.schema.primaryKey === undefined) {
    const { updating } = analyse(session, { ...ctx, source: h.def.query }, parseQuery(h.def.query));
    if (updating) throw b.error(SqlState.featureNotSupported, `${h.id.name} has no primary key, and its query updates its results: it cannot refresh continuously`, loc, 'Use REFRESH_MODE = FULL or INCREMENTAL.');
  }
  const def: MaterializedDefinition = { ...next, mode };
  const active = s.status === 'ACTIVATED';
  const wasContinuous = h.def.mode === 'CONTINUOUS';
  // leave the old mode: a continuous job ends (what it received is committed)
  if (wasContinuous && s.jobId) {
    if (mode === 'CONTINUOUS') await manager.suspendContinuous(s.jobId);
    else {
      await manager.stopContinuous(s.jobId);
      s.jobId = undefined;
    }
  }
  manager.disarm(h.id);
  await saveDefinition(session, h, def);
  const nh = manager.handle(h.id)!;
  if (mode === 'CONTINUOUS') {
    if (wasContinuous && s.jobId) {
      // same job, new commit interval
      const record = await session.engine.jobStore.read(s.jobId);
      if (record) await session.engine.jobStore.save({ ...record, options: { ...record.options, 'execution.checkpointing.interval': `${freshnessMillis(def.freshness)} ms` } });
      if (active) await manager.resumeContinuous(s.jobId, {});
    } else if (active) {
      // the table holds the result at the last refresh's snapshots: the job continues from there
      const r = await manager.refreshNow(nh, s, {}, 'query change');
      if (r.error !== undefined) throw new FreshetError(SqlState.internalError, `the refresh before starting the continuous job failed: ${r.error}`);
      s.jobId = await manager.startContinuous(nh, s, ctx, r.sourceSnapshots);
    }
  } else if (active) {
    s.lastScheduleTime = scheduleTimeAtOrBefore(session.engine.clock.now(), def.freshness, session.options.timeZone());
  }
  await manager.saveStatus(nh, s);
  if (active) manager.arm(h.id);
  return ok('ALTER MATERIALIZED TABLE', `materialized table ${h.id.name}: freshness ${freshnessText(def.freshness)}, refresh mode ${def.mode === 'CONTINUOUS' ? 'CONTINUOUS' : def.logicalMode === 'AUTOMATIC' ? 'scheduled (FULL or INCREMENTAL by cost)' : def.logicalMode} (${reason})`);
}

/** The stored definition's query, parsed again. */
function parseQuery(text: string): A.Query {
  const st = parseStatement(text);
  if (st.kind !== 'queryStatement') throw new FreshetError(SqlState.dataCorrupted, 'the stored definition of the materialized table is not a query');
  return st.query;
}

/** Writes a new definition (and columns) into the table's schema. */
async function saveDefinition(session: Session, h: MaterializedHandle, def: MaterializedDefinition, columns?: ColumnSpec[]): Promise<void> {
  const t: CatalogTable = { ...h.table, schema: { ...h.table.schema, columns: columns ?? h.table.schema.columns }, options: { ...userOptions(h.table.options), ...definitionOptions(def) } };
  await session.catalogs.catalog(h.id.catalog).replaceObject(h.id.database, h.id.name, t);
}

/** ALTER .. AS / CREATE OR ALTER: a new query whose columns extend the old ones at the end. */
async function alterQuery(session: Session, ctx: StatementContext, h0: MaterializedHandle, query: A.Query, queryText: string, loc: A.Loc): Promise<OkResult> {
  const b = session.binder(ctx);
  const manager = session.engine.materialized;
  return manager.exclusive(h0.id, async () => {
    const h = manager.handle(h0.id)!;
    const s = await manager.status(h);
    if (s.status === 'INITIALIZING') throw b.error(SqlState.objectInUse, `materialized table ${h.id.name} is still initializing`, loc, 'Wait for its first refresh to finish.');
    const { columns, updating } = analyse(session, ctx, query);
    const old = h.table.schema.columns;
    for (let i = 0; i < old.length; i++) {
      const o = old[i]!;
      const n = columns[i];
      if (n === undefined) {
        throw b.error(SqlState.featureNotSupported, `the new query drops column ${i + 1} (${o.name}) of ${h.id.name}`, query.loc, `A query change may only add columns at the end; the table's columns are ${old.map((c) => c.name).join(', ')}.`);
      }
      if (n.name !== o.name || !typesEqualIgnoringNull(n.type, o.type)) {
        throw b.error(SqlState.featureNotSupported, `column ${i + 1} of the new query is ${n.name} ${typeToString(n.type)}, the table has ${o.name} ${typeToString(o.type)} there`, query.loc,
          'A query change may only add columns at the end, keeping the existing ones (names, types and order).');
      }
    }
    if (h.def.mode === 'CONTINUOUS' && updating && h.table.schema.primaryKey === undefined) {
      throw b.error(SqlState.featureNotSupported, `the new query updates its results and ${h.id.name} has no primary key, so a continuous refresh cannot apply its changes`, query.loc, 'Keep the query append-only, or SET REFRESH_MODE = FULL first.');
    }
    const added: ColumnSpec[] = columns.slice(old.length).map((c) => ({ name: c.name, kind: 'physical', type: { ...c.type, nullable: true } }));
    const def: MaterializedDefinition = { ...h.def, query: queryText, catalog: session.catalogs.currentCatalog, database: session.catalogs.currentDatabase };
    const running = h.def.mode === 'CONTINUOUS' && s.jobId !== undefined && s.status === 'ACTIVATED';
    if (h.def.mode === 'CONTINUOUS' && s.jobId !== undefined) await manager.stopContinuous(s.jobId);
    s.jobId = undefined;
    await saveDefinition(session, h, def, [...old, ...added]);
    const nh = manager.handle(h.id)!;
    // the operator state of incremental runs belongs to the old query
    await resetIncremental(session.engine, s);
    if (running) {
      try {
        // the new query's result replaces the old one, and its job continues from there
        const r = await manager.refreshNow(nh, s, {}, 'query change');
        if (r.error !== undefined) throw new FreshetError(SqlState.internalError, r.error);
        s.jobId = await manager.startContinuous(nh, s, ctx, r.sourceSnapshots);
      } catch (e) {
        s.status = 'SUSPENDED';
        await manager.saveStatus(nh, s);
        throw new FreshetError(SqlState.internalError, `the query of ${h.id.name} changed, but its new job did not start: ${e instanceof Error ? e.message : String(e)}`, {
          hint: 'The table keeps its content and is SUSPENDED; fix the cause and RESUME it, or change the query again.',
        });
      }
    }
    await manager.saveStatus(nh, s);
    return ok('ALTER MATERIALIZED TABLE', `materialized table ${h.id.name}: query changed${added.length > 0 ? `, columns added: ${added.map((c) => c.name).join(', ')}` : ''}${h.def.mode === 'CONTINUOUS' ? '' : '; the next refresh uses it'}`);
  });
}

// ---------------------------------------------------------------------------------- DROP

export async function dropMaterializedTable(session: Session, ctx: StatementContext, st: A.DropStatement): Promise<OkResult> {
  const b = session.binder(ctx);
  const r = b.located(st.name.loc, () => session.catalogs.lookup(st.name.parts));
  if (!r) {
    if (st.ifExists) return ok('DROP MATERIALIZED TABLE', `materialized table ${nameOf(st.name)} does not exist, nothing changed`);
    b.located(st.name.loc, () => session.catalogs.resolve(st.name.parts, 'materialized table'));
  }
  const h = resolveHandle(session, b, st.name);
  const manager = session.engine.materialized;
  return manager.exclusive(h.id, async () => {
    const s = await manager.status(h);
    manager.disarm(h.id);
    // the refresh pipeline goes first, then the table and its files
    if (s.jobId) await manager.stopContinuous(s.jobId);
    if (s.incrementalJobId) await session.engine.jobStore.dropCheckpoints(s.incrementalJobId);
    await session.catalogs.catalog(h.id.catalog).dropObject(h.id.database, h.id.name);
    return ok('DROP MATERIALIZED TABLE', `materialized table ${h.id.name} dropped`);
  });
}

// ---------------------------------------------------------------------------------- SHOW / DESCRIBE

function time(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function modeName(h: MaterializedHandle): string {
  if (h.def.mode === 'CONTINUOUS') return 'CONTINUOUS';
  return h.def.logicalMode === 'AUTOMATIC' ? 'SCHEDULED' : h.def.logicalMode;
}

export async function showMaterializedTables(session: Session, st: A.ShowStatement, database: { catalog: string; database: string }): Promise<RowsResult> {
  const manager = session.engine.materialized;
  const rows: unknown[][] = [];
  const hs = manager.all().filter((h) => h.id.catalog === database.catalog && h.id.database === database.database).sort((a, b) => a.id.name.localeCompare(b.id.name));
  for (const h of hs) {
    const s = await manager.status(h);
    const last = h.def.mode === 'CONTINUOUS' ? undefined : s.lastRefresh;
    rows.push([
      h.id.name, modeName(h), freshnessText(h.def.freshness), s.status,
      h.def.mode === 'CONTINUOUS' ? time(await manager.reflectedTime(h, s)) : time(last?.time), last?.mode ?? null, last?.durationMs ?? null, last?.rowsChanged ?? null,
      time(manager.nextRun(h, s)), await manager.lag(h, s).catch(() => null), s.lastError && (!s.lastRefresh || s.lastError.time > s.lastRefresh.time) ? s.lastError.message : null,
    ]);
  }
  let out = rows;
  if (st.like) {
    const { likeMatcher } = await import('../../exec/functions/scalar/operators.ts');
    const m = likeMatcher(st.like.pattern, null, st.like.ilike);
    out = rows.filter((r) => m(r[0] as string) !== st.like!.not);
  }
  return {
    kind: 'rows', command: 'SHOW',
    columns: [
      { name: 'table name', type: notNull(T.string()) }, { name: 'refresh mode', type: T.string() }, { name: 'freshness', type: T.string() }, { name: 'status', type: T.string() },
      { name: 'last refresh', type: T.string() }, { name: 'last run mode', type: T.string() }, { name: 'last run ms', type: T.bigint() }, { name: 'rows changed', type: T.bigint() },
      { name: 'next run', type: T.string() }, { name: 'data lag ms', type: T.bigint() }, { name: 'error', type: T.string() },
    ],
    rows: out, warnings: [],
  };
}

export function showCreateMaterializedTable(session: Session, ctx: StatementContext, name: A.QualifiedName): TextResult {
  const b = session.binder(ctx);
  const h = resolveHandle(session, b, name);
  const lines = [`CREATE MATERIALIZED TABLE ${identifierToString(h.id)}`];
  if (h.table.schema.primaryKey) lines.push(`  (${h.table.schema.primaryKey.name ? `CONSTRAINT ${quoteIdent(h.table.schema.primaryKey.name)} ` : ''}PRIMARY KEY (${h.table.schema.primaryKey.columns.map(quoteIdent).join(', ')}) NOT ENFORCED)`);
  if (h.table.comment) lines.push(`COMMENT '${h.table.comment.replace(/'/g, "''")}'`);
  if (h.table.partitionKeys.length > 0) lines.push(`PARTITIONED BY (${h.table.partitionKeys.map(quoteIdent).join(', ')})`);
  const opts = Object.entries(redactOptions(userOptions(h.table.options)));
  if (opts.length > 0) lines.push(`WITH (\n${opts.map(([k, v]) => `  '${k}' = '${v.replace(/'/g, "''")}'`).join(',\n')}\n)`);
  lines.push(`FRESHNESS = ${freshnessText(h.def.freshness)}`);
  if (h.def.logicalMode !== 'AUTOMATIC') lines.push(`REFRESH_MODE = ${h.def.logicalMode}`);
  lines.push(`AS ${h.def.query}`);
  return { kind: 'text', command: 'SHOW', text: lines.join('\n'), warnings: [] };
}

/** The rows DESCRIBE EXTENDED adds for a materialized table (in the describe columns: name, value). */
export async function describeMaterialized(session: Session, id: ObjectIdentifier): Promise<unknown[][] | undefined> {
  const manager = session.engine.materialized;
  const h = manager.handle(id);
  if (!h) return undefined;
  const s = await manager.status(h);
  const { reason } = chooseMode(h.def.freshness, h.def.logicalMode, thresholdMs(session));
  const row = (k: string, v: string | number | null | undefined): unknown[] => [k, v === null || v === undefined ? '' : String(v), true, null, null, null];
  const out: unknown[][] = [
    row('# materialized table', ''),
    row('definition query', h.def.query),
    row('freshness', freshnessText(h.def.freshness)),
    row('refresh mode', `${modeName(h)} (${reason})`),
    row('status', s.status),
  ];
  if (s.jobId) out.push(row('job id', s.jobId));
  const sources = (() => { try { return querySources(session.engine, h.def).map((x) => x.name); } catch { return []; } })();
  out.push(row('sources', sources.join(', ')));
  const last = s.lastRefresh;
  if (last) {
    out.push(row('last refresh', `${time(last.time)} ${last.mode} (${last.trigger}), ${last.durationMs} ms, ${last.rowsChanged} rows changed`));
    out.push(row('last refresh reason', last.reason));
    out.push(row('source snapshots', Object.entries(last.sourceSnapshots).map(([k, v]) => `${k}@${v}`).join(', ')));
  }
  if (h.def.mode === 'CONTINUOUS') out.push(row('reflects source commits up to', time(await manager.reflectedTime(h, s))));
  out.push(row('next run', time(manager.nextRun(h, s))));
  out.push(row('data lag ms', await manager.lag(h, s).catch(() => null)));
  if (s.lastError) out.push(row('last error', `${time(s.lastError.time)}: ${s.lastError.message}`));
  out.push(row('# refresh history', ''));
  for (const r of s.history) {
    out.push(row(time(r.time) ?? '', `${r.error !== undefined ? 'FAILED' : r.mode} ${r.trigger}${r.partition ? ` partition ${Object.entries(r.partition).map(([k, v]) => `${k}=${v}`).join(',')}` : ''}: ${r.durationMs} ms, ${r.rowsChanged} rows${r.error !== undefined ? `, ${r.error}` : ` (${r.reason})`}`));
  }
  return out;
}
