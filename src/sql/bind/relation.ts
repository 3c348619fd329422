/**
 * The FROM clause: catalog tables (their computed and metadata columns, the rowtime attribute), views,
 * common table expressions, derived tables, joins (ON, USING, NATURAL) and lateral relations
 * (UNNEST, LATERAL subqueries).
 */
import type * as A from '../ast.ts';
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { inputRef, transformExpr, call, hasOuterRefs, visitExpr } from '../../exec/expr/expr.ts';
import type { LogicalPlan } from '../../planner/logical-plan.ts';
import * as L from '../../planner/logical-plan.ts';
import type { DataType } from '../../types/data-type.ts';
import { T, nullable, notNull, withTimeAttribute, typeToString, typesEqualIgnoringNull } from '../../types/data-type.ts';
import type { CatalogTable, CatalogView, ObjectIdentifier } from '../../catalog/objects.ts';
import { plainName } from '../../catalog/objects.ts';
import type { ResolvedObject } from '../../catalog/catalog-manager.ts';
import { matchName } from '../../catalog/catalog-manager.ts';
import { tableDescriptor } from '../../catalog/table-descriptor.ts';
import { createSource } from '../../connectors/registry.ts';
import { evaluateConstant } from '../../exec/expr/compile.ts';
import { localToInstant } from '../../types/temporal.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { parseExpression, parseStatement } from '../parse.ts';
import type { Binder } from './binder.ts';
import { Scope, type ScopeColumn } from './scope.ts';
import { andAll, bindExpr, coerce, requireBoolean, scalarCall, type ExprContext } from './expr.ts';
import { bindQuery } from './query.ts';
import { pullCorrelation } from './subquery.ts';
import { WINDOW_TVFS, bindWindowTvf } from './window-tvf.ts';
import { bindFromFunction, systemTable } from './postgres.ts';

export interface Bound {
  plan: LogicalPlan;
  scope: Scope;
}

function scopeOf(plan: LogicalPlan, qualifier: string | null, names: string[], parent: Scope | null): Scope {
  return new Scope(plan.schema.map((f, i) => ({ qualifier, name: names[i] ?? f.name, index: i, type: f.type })), parent);
}

function applyAliases(b: Binder, plan: LogicalPlan, names: string[], aliases: A.Identifier[] | undefined, loc: A.Loc, what: string): string[] {
  if (!aliases) return names;
  if (aliases.length !== names.length) {
    throw b.error(SqlState.syntaxError, `${what} has ${names.length} column(s) but ${aliases.length} alias(es) were given`, loc);
  }
  void plan;
  return aliases.map((a) => a.value);
}

/** One row, no columns: the input of SELECT without FROM and of standalone UNNEST. */
export function oneRow(): LogicalPlan {
  return L.values([[]], []);
}

export function bindFrom(b: Binder, items: A.TableRef[], outer: Scope | null): Bound {
  if (items.length === 0) return { plan: oneRow(), scope: new Scope([], outer) };
  let acc = bindTableRef(b, items[0]!, outer, null);
  for (const item of items.slice(1)) {
    if (isLateral(b, item)) acc = bindLateral(b, acc, item, 'INNER', undefined, outer);
    else {
      const right = bindTableRef(b, item, outer, null);
      acc = combine(b, acc, right, 'CROSS', null, outer, item.loc);
    }
  }
  return acc;
}

function isLateral(b: Binder, ref: A.TableRef): boolean {
  return ref.kind === 'unnest' || (ref.kind === 'derived' && ref.lateral) || (ref.kind === 'tableFunction' && (ref.lateral || isPostgresFunction(b, ref)));
}

/** A function call in FROM of the Postgres dialect (not a window table function): lateral, as Postgres makes them. */
function isPostgresFunction(b: Binder, ref: A.TableFunctionRef): boolean {
  return b.postgres && !WINDOW_TVFS.includes(ref.call.name.parts.map((p) => p.value).join('.').toUpperCase());
}

/** `unnest(x) AS a` written as a function call (`pg_catalog.unnest`): the UNNEST relation. */
function asUnnest(ref: A.TableFunctionRef): A.UnnestRef | undefined {
  const name = ref.call.name.parts[ref.call.name.parts.length - 1]!.value.toLowerCase();
  if (name !== 'unnest') return undefined;
  return { kind: 'unnest', exprs: ref.call.args, withOrdinality: false, lateral: true, alias: ref.alias, columnAliases: ref.columnAliases, loc: ref.loc };
}

export function bindTableRef(b: Binder, ref: A.TableRef, outer: Scope | null, _left: Bound | null): Bound {
  switch (ref.kind) {
    case 'table': return bindNamedTable(b, ref, outer);
    case 'derived': {
      if (ref.lateral) throw b.error(SqlState.syntaxError, 'LATERAL needs a table to its left', ref.loc);
      const r = bindQuery(b, ref.query, outer);
      const names = applyAliases(b, r.plan, r.names, ref.columnAliases, ref.loc, 'the subquery');
      return { plan: r.plan, scope: scopeOf(r.plan, ref.alias?.value ?? null, names, outer) };
    }
    case 'join': return bindJoin(b, ref, outer);
    case 'unnest': {
      const base: Bound = { plan: oneRow(), scope: new Scope([], outer) };
      return bindLateral(b, base, ref, 'INNER', undefined, outer);
    }
    case 'tableFunction': {
      const name = ref.call.name.parts.map((p) => p.value).join('.').toUpperCase();
      if (WINDOW_TVFS.includes(name)) return bindWindowTvf(b, ref, outer);
      if (isPostgresFunction(b, ref)) return bindLateral(b, { plan: oneRow(), scope: new Scope([], outer) }, ref, 'INNER', undefined, outer);
      throw b.error(SqlState.undefinedFunction, `unknown table function ${name}`, ref.loc, `Table functions: ${WINDOW_TVFS.join(', ')}, UNNEST.`);
    }
  }
}

/** An OPTIONS('k' = 'v') hint on a table: options for this use of the table (dynamic table options). */
export function hintOptions(b: Binder, hints: readonly A.Hint[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of hints) {
    if (h.name !== 'OPTIONS') continue;
    if (h.args.length > 0 || h.options.length === 0) {
      throw b.error(SqlState.syntaxError, "OPTIONS takes 'key' = 'value' pairs", h.loc, "Write the hint as OPTIONS('scan.snapshot-id' = '3') after the table name.");
    }
    for (const [k, v] of h.options) {
      if (k in out) throw b.error(SqlState.duplicateObject, `option '${k}' is given twice in OPTIONS`, h.loc);
      if (k === 'connector') throw b.error(SqlState.invalidParameterValue, "OPTIONS cannot change a table's 'connector'", h.loc);
      out[k] = v;
    }
  }
  return out;
}

/**
 * `FROM t FOR SYSTEM_TIME AS OF TIMESTAMP '..'` (a constant, not a column of another table): time
 * travel, the table as it was then. Undefined when the expression refers to columns (a temporal join).
 */
function timeTravel(b: Binder, ref: A.NamedTableRef): Record<string, string> | undefined {
  const st = ref.systemTime;
  if (!st) return undefined;
  let e: BoundExpr;
  try {
    e = bindExpr(b, st, { scope: new Scope([]), input: { plan: oneRow() }, clause: 'FOR SYSTEM_TIME AS OF' });
  } catch (err) {
    if (err instanceof FreshetError && (err.sqlState === SqlState.undefinedColumn || err.sqlState === SqlState.undefinedTable)) return undefined;
    throw err;
  }
  if (e.kind !== 'literal' && e.type.kind !== 'TIMESTAMP' && e.type.kind !== 'TIMESTAMP_LTZ') return undefined;
  if (e.type.kind !== 'TIMESTAMP' && e.type.kind !== 'TIMESTAMP_LTZ') {
    throw b.error(SqlState.datatypeMismatch, `FOR SYSTEM_TIME AS OF needs a timestamp, not ${typeToString(e.type, false)}`, st.loc, "Write FOR SYSTEM_TIME AS OF TIMESTAMP '2026-01-31 12:00:00'.");
  }
  const v = b.located(st.loc, () => evaluateConstant(e, { timeZone: b.env.timeZone, now: b.env.now })) as number | null;
  if (v === null) throw b.error(SqlState.nullValueNotAllowed, 'FOR SYSTEM_TIME AS OF NULL names no point in time', st.loc);
  // a TIMESTAMP is wall-clock time in the session time zone; snapshots are stamped in UTC
  const ms = e.type.kind === 'TIMESTAMP' ? localToInstant(v, b.env.timeZone) : v;
  return { 'scan.timestamp-millis': String(Math.floor(ms)), 'scan.bounded': 'true' };
}

/** The runtime the statement being bound runs in. */
function runtimeOf(b: Binder): 'batch' | 'streaming' {
  return b.env.options.get('execution.runtime-mode') === 'batch' ? 'batch' : 'streaming';
}

function bindNamedTable(b: Binder, ref: A.NamedTableRef, outer: Scope | null): Bound {
  const travel = timeTravel(b, ref);
  if (ref.systemTime && !travel) {
    throw b.error(SqlState.featureNotSupported, 'FOR SYSTEM_TIME AS OF joins a table to the rows on its left: write `FROM l JOIN r FOR SYSTEM_TIME AS OF l.time_column ON ..`', ref.systemTime.loc);
  }
  const options = { ...hintOptions(b, ref.hints), ...travel };
  const parts = ref.name.parts;
  if (parts.length === 1 && !travel && Object.keys(options).length === 0) {
    const cte = b.findCte(parts[0]!);
    if (cte) return bindCteRef(b, cte, ref, outer);
  }
  if (b.postgres) {
    const sys = systemTable(b, ref, outer);
    if (sys) return sys;
  }
  const resolved = b.located(ref.name.loc, () => b.env.catalogs.resolve(parts));
  const qualifier = ref.alias?.value ?? resolved.id.name;
  if (resolved.object.kind === 'view') {
    if (Object.keys(options).length > 0) {
      throw b.error(SqlState.featureNotSupported, `${travel ? 'FOR SYSTEM_TIME AS OF' : 'OPTIONS'} applies to tables; ${resolved.id.name} is a view`, (ref.systemTime ?? ref.hints[0]!).loc);
    }
    const r = bindView(b, resolved, ref);
    const names = applyAliases(b, r.plan, r.names, ref.columnAliases, ref.loc, `view ${resolved.id.name}`);
    return { plan: r.plan, scope: scopeOf(r.plan, qualifier, names, outer) };
  }
  if (travel && resolved.object.connector?.identifier !== 'table-store') {
    throw b.error(SqlState.featureNotSupported, `time travel (FOR SYSTEM_TIME AS OF) needs a table of the table store; ${resolved.id.name} is a '${resolved.object.options['connector'] ?? 'connector'}' table`, ref.systemTime!.loc,
      'Only the table store keeps earlier versions (snapshots) of a table.');
  }
  const r = bindTable(b, resolved.id, resolved.object, ref.loc, options);
  const names = applyAliases(b, r.plan, r.names, ref.columnAliases, ref.loc, `table ${resolved.id.name}`);
  return { plan: r.plan, scope: scopeOf(r.plan, qualifier, names, outer) };
}

const bindingCtes = new Set<A.Cte>();

function bindCteRef(b: Binder, cte: A.Cte, ref: A.NamedTableRef, outer: Scope | null): Bound {
  if (bindingCtes.has(cte)) {
    throw b.error(SqlState.featureNotSupported, `the common table expression ${cte.name.value} refers to itself; recursive WITH is not supported`, ref.loc);
  }
  bindingCtes.add(cte);
  try {
    const r = bindQuery(b, cte.query, null);
    let names = applyAliases(b, r.plan, r.names, cte.columns, cte.loc, `WITH ${cte.name.value}`);
    names = applyAliases(b, r.plan, names, ref.columnAliases, ref.loc, cte.name.value);
    return { plan: r.plan, scope: scopeOf(r.plan, ref.alias?.value ?? cte.name.value, names, outer) };
  } finally {
    bindingCtes.delete(cte);
  }
}

const viewCache = new Map<string, A.Query>();

function bindView(b: Binder, resolved: ResolvedObject, ref: A.NamedTableRef): { plan: LogicalPlan; names: string[] } {
  const v = resolved.object as CatalogView;
  const key = plainName(resolved.id);
  if (b.viewStack.includes(key)) {
    throw b.error(SqlState.invalidColumnReference, `view ${resolved.id.name} refers to itself (${[...b.viewStack, key].join(' -> ')})`, ref.loc);
  }
  let q = viewCache.get(v.query);
  if (!q) {
    const st = parseStatement(v.query);
    if (st.kind !== 'queryStatement') throw b.error(SqlState.internalError, `view ${key} does not hold a query`, ref.loc);
    q = st.query;
    if (viewCache.size > 500) viewCache.clear();
    viewCache.set(v.query, q);
  }
  const cm = b.env.catalogs;
  const saved = [cm.currentCatalog, cm.currentDatabase] as const;
  cm.currentCatalog = v.catalog;
  cm.currentDatabase = v.database;
  b.viewStack.push(key);
  const savedCtes = b.ctes.splice(0, b.ctes.length);
  try {
    const r = b.withSource(v.query, () => bindQuery(b, q!, null));
    if (r.plan.schema.length !== v.columns.length) {
      throw b.error(SqlState.invalidColumnReference, `view ${key} is out of date: its query now returns ${r.plan.schema.length} columns, it was created with ${v.columns.length}`, ref.loc,
        'Recreate the view with CREATE OR REPLACE VIEW.');
    }
    return { plan: r.plan, names: v.columns.map((c) => c.name) };
  } catch (e) {
    if (e instanceof FreshetError && e.detail === undefined && b.viewStack.length === 1) {
      throw new FreshetError(e.sqlState, `in view ${key}: ${e.message}`, { hint: e.hint, position: undefined });
    }
    throw e;
  } finally {
    b.ctes.push(...savedCtes);
    b.viewStack.pop();
    cm.currentCatalog = saved[0];
    cm.currentDatabase = saved[1];
  }
}

/**
 * A catalog table: a scan of its connector's physical and metadata columns, then a projection that
 * computes computed columns and puts columns in declared order. The WATERMARK column becomes a rowtime
 * attribute.
 */
export function bindTable(b: Binder, id: ObjectIdentifier, t: CatalogTable, loc: A.Loc, hinted: Record<string, string> = {}): { plan: LogicalPlan; names: string[] } {
  const options = { ...b.env.scanOptions?.(id, t), ...hinted };
  const desc = tableDescriptor(id, t, runtimeOf(b), options);
  const source = b.located(loc, () => createSource(desc, t.connector));
  const scan = L.scan(plainName(id), source);
  const physical = desc.physicalColumns.map((c) => c.name);
  const metadata = desc.metadataColumns.map((c) => c.name);
  const baseScope = new Scope([
    ...physical.map((name, i) => ({ qualifier: id.name, name, index: i, type: source.fields[i]!.type })),
    ...metadata.map((name, i) => ({ qualifier: id.name, name, index: physical.length + i, type: source.fields[physical.length + i]!.type })),
  ]);
  const ctx: ExprContext = { scope: baseScope, input: { plan: scan }, clause: 'a computed column' };
  const rowtime = t.schema.watermark?.column;
  const exprs: BoundExpr[] = [];
  const names: string[] = [];
  let identity = t.schema.columns.length === source.fields.length;
  t.schema.columns.forEach((col, pos) => {
    let e: BoundExpr;
    if (col.kind === 'physical') e = inputRef(physical.indexOf(col.name), source.fields[physical.indexOf(col.name)]!.type);
    else if (col.kind === 'metadata') e = inputRef(physical.length + metadata.indexOf(col.name), source.fields[physical.length + metadata.indexOf(col.name)]!.type);
    else {
      identity = false;
      const ast = parseExpression(col.expr!);
      e = b.withSource(col.expr!, () => bindExpr(b, ast, ctx));
    }
    if (rowtime === col.name) {
      e = { ...e, type: withTimeAttribute(e.type, 'ROWTIME') } as BoundExpr;
      identity = false;
    }
    if (e.kind !== 'input' || e.index !== pos) identity = false;
    exprs.push(e);
    names.push(col.name);
  });
  let plan: LogicalPlan = identity ? scan : L.project(scan, exprs, names);
  if (t.schema.watermark) {
    const wm = t.schema.watermark;
    const rowtimeIndex = names.indexOf(wm.column);
    const scope = new Scope(names.map((name, i) => ({ qualifier: id.name, name, index: i, type: plan.schema[i]!.type })));
    const expr = b.withSource(wm.expr, () => bindExpr(b, parseExpression(wm.expr), { scope, input: { plan }, clause: 'WATERMARK' }));
    plan = L.watermark(plan, rowtimeIndex, expr);
  }
  return { plan, names };
}

// ---------------------------------------------------------------- joins

const JOIN_TYPES: Record<A.JoinRef['type'], L.JoinType> = { INNER: 'inner', CROSS: 'inner', LEFT: 'left', RIGHT: 'right', FULL: 'full' };

function bindJoin(b: Binder, j: A.JoinRef, outer: Scope | null): Bound {
  const left = bindTableRef(b, j.left, outer, null);
  if (j.right.kind === 'table' && j.right.systemTime && !timeTravel(b, j.right)) return bindTemporalJoin(b, left, j, j.right, outer);
  if (isLateral(b, j.right)) {
    if (j.type === 'RIGHT' || j.type === 'FULL') throw b.error(SqlState.featureNotSupported, `${j.type} JOIN with a lateral relation is not supported`, j.loc);
    return bindLateral(b, left, j.right, j.type, j.on, outer);
  }
  const right = bindTableRef(b, j.right, outer, null);
  return combine(b, left, right, j.type, j, outer);
}

/** Two relations of one FROM clause may not share an alias: `t.x` would be ambiguous. */
function checkAliases(b: Binder, left: Scope, right: Scope, loc: A.Loc): void {
  const seen = new Set(left.qualifiers().map((q) => q.toLowerCase()));
  for (const q of right.qualifiers()) {
    if (seen.has(q.toLowerCase())) {
      throw b.error(SqlState.duplicateAlias, `table name \`${q}\` is specified more than once in FROM`, loc, 'Give one of them another alias.');
    }
  }
}

function combine(b: Binder, left: Bound, right: Bound, type: A.JoinRef['type'], j: A.JoinRef | null, outer: Scope | null, loc?: A.Loc): Bound {
  checkAliases(b, left.scope, right.scope, j?.right.loc ?? loc ?? { start: 0, end: 0 });
  if (j?.natural && (j.on || j.using)) {
    throw b.error(SqlState.syntaxError, 'a NATURAL JOIN takes no ON or USING condition: it joins on the columns both sides share', (j.on ?? j.using![0]!).loc);
  }
  const lw = left.plan.schema.length;
  const jt = JOIN_TYPES[type];
  const nullLeft = jt === 'right' || jt === 'full';
  const nullRight = jt === 'left' || jt === 'full';
  const cols: ScopeColumn[] = [
    ...left.scope.columns.map((c) => ({ ...c, type: nullLeft ? nullable(c.type) : c.type })),
    ...right.scope.columns.map((c) => ({ ...c, index: c.index + lw, type: nullRight ? nullable(c.type) : c.type })),
  ];
  const scope = new Scope(cols, outer);
  let cond: BoundExpr | null = null;
  let using: string[] = [];
  if (j?.natural) {
    const rightNames = right.scope.columns.filter((c) => !c.hidden).map((c) => c.name);
    using = left.scope.columns.filter((c) => !c.hidden && rightNames.includes(c.name)).map((c) => c.name);
  } else if (j?.using) {
    using = j.using.map((u) => u.value);
  }
  const merged: ScopeColumn[] = [];
  if (using.length > 0) {
    const eqs: BoundExpr[] = [];
    for (const name of using) {
      const id = { value: name, quoted: false };
      const l = left.scope.columns.find((c) => !c.hidden && matchName(id, [c.name]) !== undefined);
      const r = right.scope.columns.find((c) => !c.hidden && matchName(id, [c.name]) !== undefined);
      const where = j!.using?.find((u) => u.value === name)?.loc ?? j!.loc;
      if (!l) throw b.error(SqlState.undefinedColumn, `USING column \`${name}\` is not a column of the left side of the join`, where);
      if (!r) throw b.error(SqlState.undefinedColumn, `USING column \`${name}\` is not a column of the right side of the join`, where);
      eqs.push(b.located(where, () => scalarCall(b, '=', [inputRef(l.index, l.type), inputRef(lw + r.index, r.type)], where)));
      // the preserved side's copy stays visible
      const hide = jt === 'right' ? l.index : lw + r.index;
      const c = cols.find((x) => x.index === hide)!;
      c.hidden = true;
      merged.push(cols.find((x) => x.index === (jt === 'right' ? lw + r.index : l.index))!);
    }
    cond = andAll(eqs);
  } else if (j?.on) {
    const ctx: ExprContext = { scope, input: { plan: L.join(jt, left.plan, right.plan, null) }, clause: 'a JOIN condition' };
    const before = ctx.input.plan;
    cond = requireBoolean(b, bindExpr(b, j.on, ctx), 'a JOIN condition', j.on.loc);
    if (ctx.input.plan !== before) {
      throw b.error(SqlState.featureNotSupported, 'subqueries in a JOIN condition are not supported', j.on.loc, 'Move the subquery to WHERE.');
    }
  } else if (type !== 'CROSS' && j && !j.natural) {
    throw b.error(SqlState.syntaxError, `${type} JOIN needs an ON or USING condition`, j.loc, 'Use CROSS JOIN for a cartesian product.');
  }
  let plan: LogicalPlan = L.join(jt, left.plan, right.plan, cond);
  // SELECT * lists the USING (or NATURAL) columns first, once, then the other columns of each side, as
  // the SQL standard and Flink do; the plan's column order does not change, only the scope's
  let outScope = merged.length > 0 ? new Scope([...merged, ...cols.filter((c) => !merged.includes(c))], outer) : scope;
  if (jt === 'full' && using.length > 0) {
    // FULL JOIN USING: the merged column is COALESCE(left, right)
    const exprs: BoundExpr[] = plan.schema.map((f, i) => inputRef(i, f.type));
    const names = cols.map((c) => c.name);
    const extra: ScopeColumn[] = [];
    for (const name of using) {
      const l = cols.find((c) => c.index < lw && c.name === name)!;
      const r = cols.find((c) => c.index >= lw && c.name === name)!;
      l.hidden = true;
      r.hidden = true;
      const merged = scalarCall(b, 'coalesce', [inputRef(l.index, l.type), inputRef(r.index, r.type)], j!.loc);
      exprs.push(merged);
      names.push(name);
      extra.push({ qualifier: null, name, index: exprs.length - 1, type: merged.type });
    }
    plan = L.project(plan, exprs, names);
    outScope = new Scope([...extra, ...cols], outer);
  }
  return { plan, scope: outScope };
}

/**
 * `l JOIN r FOR SYSTEM_TIME AS OF l.t ON ..`. With a rowtime `l.t` this is an event-time temporal join
 * against a versioned table (a PRIMARY KEY and a WATERMARK): each left row meets the version of its key
 * valid at l.t. With a proctime `l.t` it is a lookup join: the table as it is when the row arrives.
 */
function bindTemporalJoin(b: Binder, left: Bound, j: A.JoinRef, ref: A.NamedTableRef, outer: Scope | null): Bound {
  const st = ref.systemTime!;
  if (j.type !== 'INNER' && j.type !== 'LEFT') {
    throw b.error(SqlState.featureNotSupported, `a temporal join is INNER or LEFT, not ${j.type}`, j.loc, 'Write JOIN or LEFT JOIN .. FOR SYSTEM_TIME AS OF.');
  }
  const timeExpr = bindExpr(b, st, { scope: left.scope, input: { plan: left.plan }, clause: 'FOR SYSTEM_TIME AS OF' });
  if (timeExpr.kind !== 'input') {
    throw b.error(SqlState.featureNotSupported, 'FOR SYSTEM_TIME AS OF takes a time attribute column of the left table', st.loc, 'Write FOR SYSTEM_TIME AS OF o.order_time, where order_time is a rowtime or PROCTIME() column.');
  }
  const attr = timeExpr.type.timeAttribute;
  if (attr === undefined) {
    throw b.error(SqlState.datatypeMismatch, 'FOR SYSTEM_TIME AS OF needs a time attribute: a column with a WATERMARK (event time) or computed AS PROCTIME() (processing time)', st.loc,
      'Declare WATERMARK FOR the column in the left table, or add `pt AS PROCTIME()` to it.');
  }
  const resolved = b.located(ref.name.loc, () => b.env.catalogs.resolve(ref.name.parts));
  if (resolved.object.kind !== 'table') {
    throw b.error(SqlState.featureNotSupported, `FOR SYSTEM_TIME AS OF needs a table; ${resolved.id.name} is a view`, ref.name.loc, 'Join the table the view reads, or use a regular join.');
  }
  const table = resolved.object;
  const bound = bindTable(b, resolved.id, table, ref.loc, hintOptions(b, ref.hints));
  const names = applyAliases(b, bound.plan, bound.names, ref.columnAliases, ref.loc, `table ${resolved.id.name}`);
  const right: Bound = { plan: bound.plan, scope: scopeOf(bound.plan, ref.alias?.value ?? resolved.id.name, names, outer) };
  const pk = table.schema.primaryKey?.columns ?? [];
  const rightKey = pk.map((c) => bound.names.indexOf(c));
  let rightTime = -1;
  if (attr === 'ROWTIME') {
    if (pk.length === 0) {
      throw b.error(SqlState.wrongObjectType, `an event-time temporal join needs a versioned table: ${resolved.id.name} has no PRIMARY KEY`, ref.name.loc,
        'Declare PRIMARY KEY (..) NOT ENFORCED on the table: a version is the latest row per key.');
    }
    if (!table.schema.watermark) {
      throw b.error(SqlState.wrongObjectType, `an event-time temporal join needs a versioned table: ${resolved.id.name} has no WATERMARK`, ref.name.loc,
        'Declare WATERMARK FOR the column that says when each version became valid.');
    }
    rightTime = bound.names.indexOf(table.schema.watermark.column);
  }
  const r = combine(b, left, right, j.type, j, outer);
  if (r.plan.kind !== 'join') throw b.error(SqlState.featureNotSupported, 'a temporal join takes ON, not USING or NATURAL', j.loc);
  const lw = left.plan.schema.length;
  if (attr === 'ROWTIME') {
    // every key column of the versioned table must be matched by an equality with the left side
    const eqRight = new Set<number>();
    const visit = (e: BoundExpr | null): void => {
      if (e === null) return;
      if (e.kind === 'call' && e.fn === 'and') { e.args.forEach(visit); return; }
      if (e.kind === 'call' && e.fn === '=') {
        const [x, y] = e.args as [BoundExpr, BoundExpr];
        if (x.kind === 'input' && y.kind === 'input') {
          if (x.index < lw && y.index >= lw) eqRight.add(y.index - lw);
          if (y.index < lw && x.index >= lw) eqRight.add(x.index - lw);
        }
      }
    };
    visit(r.plan.condition);
    const missing = pk.filter((_, i) => !eqRight.has(rightKey[i]!));
    if (missing.length > 0) {
      throw b.error(SqlState.featureNotSupported, `a temporal join must match every primary key column of ${resolved.id.name} with an equality; missing ${missing.join(', ')}`, j.on?.loc ?? j.loc,
        `Add ${missing.map((c) => `${ref.alias?.value ?? resolved.id.name}.${c} = ..`).join(' AND ')} to the ON condition.`);
    }
  }
  r.plan.temporal = { leftTime: timeExpr.index, rightTime, rightKey };
  return r;
}

/** A relation that may read columns of the relations to its left: UNNEST(t.arr), LATERAL (subquery). */
function bindLateral(b: Binder, left: Bound, ref: A.TableRef, type: A.JoinRef['type'], on: A.Expr | undefined, outer: Scope | null): Bound {
  const lw = left.plan.schema.length;
  if (ref.kind === 'tableFunction' && isPostgresFunction(b, ref)) {
    const unnest = asUnnest(ref);
    if (unnest) return bindLateral(b, left, unnest, type, on, outer);
    if (on && !(on.kind === 'literal' && on.value === true)) {
      throw b.error(SqlState.featureNotSupported, 'a join with a function in FROM takes ON TRUE; filter in WHERE instead', on.loc);
    }
    return bindFromFunction(b, left, ref, type === 'LEFT', outer);
  }
  if (ref.kind === 'unnest') {
    const ctx: ExprContext = { scope: left.scope, input: { plan: left.plan }, clause: 'UNNEST' };
    const exprs = ref.exprs.map((e) => {
      const x = bindExpr(b, e, ctx);
      if (x.type.kind !== 'ARRAY' && x.type.kind !== 'MAP' && x.type.kind !== 'MULTISET') {
        throw b.error(SqlState.datatypeMismatch, `UNNEST needs an ARRAY or MAP, got ${typeToString(x.type, false)}`, e.loc);
      }
      return x;
    });
    if (ctx.input.plan !== left.plan) throw b.error(SqlState.featureNotSupported, 'subqueries inside UNNEST are not supported', ref.loc);
    const outerJoin = type === 'LEFT';
    if (on && !(on.kind === 'literal' && on.value === true)) {
      throw b.error(SqlState.featureNotSupported, 'a join with UNNEST takes ON TRUE; filter in WHERE instead', on.loc);
    }
    // in Postgres `unnest(arr) AS x` names the column x too
    const aliasNames = ref.columnAliases?.map((a) => a.value)
      ?? (b.postgres && ref.alias && exprs.length === 1 && exprs[0]!.type.element?.kind !== 'ROW' && exprs[0]!.type.kind !== 'MAP' ? [ref.alias.value] : []);
    const plan = L.unnest(left.plan, exprs, ref.withOrdinality, aliasNames, outerJoin);
    const added = plan.schema.length - lw;
    if (ref.columnAliases && ref.columnAliases.length !== added) {
      throw b.error(SqlState.syntaxError, `UNNEST produces ${added} column(s) but ${ref.columnAliases.length} alias(es) were given`, ref.loc);
    }
    const q = ref.alias?.value ?? null;
    const cols: ScopeColumn[] = [
      ...left.scope.columns,
      ...plan.schema.slice(lw).map((f, i) => ({ qualifier: q, name: f.name, index: lw + i, type: f.type })),
    ];
    return { plan, scope: new Scope(cols, outer) };
  }
  if (ref.kind === 'derived') {
    const r = bindQuery(b, ref.query, left.scope);
    const pulled = pullCorrelation(b, r.plan, ref.query.loc);
    const names = applyAliases(b, r.plan, r.names, ref.columnAliases, ref.loc, 'the LATERAL subquery');
    const jt: L.JoinType = type === 'LEFT' ? 'left' : 'inner';
    const rightCols: ScopeColumn[] = pulled.plan.schema.slice(0, r.plan.schema.length).map((f, i) => ({
      qualifier: ref.alias?.value ?? null, name: names[i]!, index: lw + i, type: jt === 'left' ? nullable(f.type) : f.type,
    }));
    const scope = new Scope([...left.scope.columns, ...rightCols], outer);
    const conds = pulled.corr.map((c) => transformExpr(c, (x) => (x.kind === 'outer' ? inputRef(x.index, x.type) : x.kind === 'input' ? inputRef(lw + x.index, x.type) : undefined)));
    if (on) {
      const ctx: ExprContext = { scope, input: { plan: left.plan }, clause: 'a JOIN condition' };
      conds.push(requireBoolean(b, bindExpr(b, on, ctx), 'a JOIN condition', on.loc));
    }
    const plan = L.join(jt, left.plan, pulled.plan, conds.length > 0 ? andAll(conds) : null);
    // drop the correlation columns the pull added at the end
    const width = lw + r.plan.schema.length;
    const trimmed = plan.schema.length === width ? plan : L.project(plan, plan.schema.slice(0, width).map((f, i) => inputRef(i, f.type)), plan.schema.slice(0, width).map((f) => f.name));
    return { plan: trimmed, scope };
  }
  throw b.error(SqlState.featureNotSupported, 'user-defined table functions are not available yet', ref.loc);
}

export { coerce, call, hasOuterRefs, visitExpr, T, notNull, typesEqualIgnoringNull };
export type { DataType };
