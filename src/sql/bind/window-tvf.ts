/**
 * Window table functions in FROM — TUMBLE, HOP, CUMULATE, SESSION — and the legacy group windows
 * `GROUP BY TUMBLE(ts, size)` / `HOP(ts, slide, size)` / `SESSION(ts, gap)` with TUMBLE_START, _END,
 * _ROWTIME and friends, which become the same window node.
 *
 *   SELECT window_start, window_end, COUNT(*)
 *   FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
 *   GROUP BY window_start, window_end
 */
import type * as A from '../ast.ts';
import type { LogicalPlan, TvfWindow } from '../../planner/logical-plan.ts';
import * as L from '../../planner/logical-plan.ts';
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { inputRef } from '../../exec/expr/expr.ts';
import { isTimestamp, typeToString, isInterval } from '../../types/data-type.ts';
import { SqlState } from '../../util/errors.ts';
import type { Binder } from './binder.ts';
import { Scope, type ScopeColumn } from './scope.ts';
import { bindExpr, constantNumber, type ExprContext } from './expr.ts';
import { bindQuery } from './query.ts';
import { bindTableRef, oneRow, type Bound } from './relation.ts';
import { matchName } from '../../catalog/catalog-manager.ts';

export const WINDOW_TVFS = ['TUMBLE', 'HOP', 'CUMULATE', 'SESSION'];

/** Parameter names in positional order (Flink's). */
const PARAMS: Record<string, string[]> = {
  TUMBLE: ['DATA', 'TIMECOL', 'SIZE', 'OFFSET'],
  HOP: ['DATA', 'TIMECOL', 'SLIDE', 'SIZE', 'OFFSET'],
  CUMULATE: ['DATA', 'TIMECOL', 'STEP', 'SIZE', 'OFFSET'],
  SESSION: ['DATA', 'TIMECOL', 'GAP'],
};

/** A duration argument: a positive constant INTERVAL, in milliseconds. */
function duration(b: Binder, e: A.Expr, what: string): number {
  const ctx: ExprContext = { scope: new Scope([]), input: { plan: oneRow() }, clause: what };
  const probe = bindExpr(b, e, ctx);
  if (!isInterval(probe.type) || probe.type.kind !== 'INTERVAL_DAY_TIME') {
    throw b.error(SqlState.datatypeMismatch, `${what} must be a day-time INTERVAL such as INTERVAL '10' SECOND, got ${typeToString(probe.type, false)}`, e.loc);
  }
  const v = constantNumber(b, e, what, ctx);
  return v;
}

function timeColumn(b: Binder, e: A.Expr, scope: Scope, fn: string): number {
  if (e.kind !== 'descriptor' || e.columns.length !== 1) {
    throw b.error(SqlState.syntaxError, `the time column of ${fn} is written DESCRIPTOR(column)`, e.loc);
  }
  const id = e.columns[0]!;
  const r = scope.resolve(null, id);
  if (!r || r.kind !== 'local') throw b.at(scope.unknownColumn(null, id), id.loc);
  if (!isTimestamp(r.column.type)) {
    throw b.error(SqlState.datatypeMismatch, `the time column of ${fn} must be a TIMESTAMP or TIMESTAMP_LTZ, \`${id.value}\` is ${typeToString(r.column.type, false)}`, id.loc);
  }
  return r.column.index;
}

/** Binds the DATA argument: TABLE t, or TABLE(subquery), with PARTITION BY for SESSION. */
function dataArg(b: Binder, e: A.Expr, outer: Scope | null, fn: string): { bound: Bound; partitionBy: A.Expr[] } {
  if (e.kind !== 'tableArg') {
    throw b.error(SqlState.syntaxError, `the first argument of ${fn} is the input table: TABLE t`, e.loc);
  }
  if (e.query) {
    const q = bindQuery(b, e.query, outer);
    return { bound: { plan: q.plan, scope: new Scope(q.plan.schema.map((f, i) => ({ qualifier: null, name: q.names[i]!, index: i, type: f.type })), outer) }, partitionBy: e.partitionBy };
  }
  const ref: A.NamedTableRef = { kind: 'table', name: e.name!, hints: [], loc: e.loc };
  return { bound: bindTableRef(b, ref, outer, null), partitionBy: e.partitionBy };
}

export function bindWindowTvf(b: Binder, ref: A.TableFunctionRef, outer: Scope | null): Bound {
  const fn = ref.call.name.parts[ref.call.name.parts.length - 1]!.value.toUpperCase();
  const names = PARAMS[fn]!;
  // named (DATA => ..) or positional arguments
  const args = new Map<string, A.Expr>();
  ref.call.args.forEach((a, i) => {
    if (a.kind === 'namedArg') {
      const key = a.name.value.toUpperCase();
      if (!names.includes(key)) throw b.error(SqlState.syntaxError, `${fn} has no parameter ${a.name.value}; its parameters are ${names.join(', ')}`, a.loc);
      args.set(key, a.value);
    } else {
      if (i >= names.length) throw b.error(SqlState.syntaxError, `${fn} takes at most ${names.length} arguments: ${fn}(${names.join(', ')})`, a.loc);
      args.set(names[i]!, a);
    }
  });
  const need = fn === 'SESSION' ? ['DATA', 'TIMECOL', 'GAP'] : ['DATA', 'TIMECOL', 'SIZE', ...(fn === 'HOP' ? ['SLIDE'] : fn === 'CUMULATE' ? ['STEP'] : [])];
  const missing = need.filter((n) => !args.has(n));
  if (missing.length > 0) {
    throw b.error(SqlState.syntaxError, `${fn} needs ${missing.join(', ')}: ${fn}(${names.join(', ')})`, ref.call.loc);
  }
  const { bound, partitionBy } = dataArg(b, args.get('DATA')!, outer, fn);
  const time = timeColumn(b, args.get('TIMECOL')!, bound.scope, fn);
  const partitionKeys = partitionBy.map((p) => {
    const x = bindExpr(b, p, { scope: bound.scope, input: { plan: bound.plan }, clause: 'PARTITION BY' });
    if (x.kind !== 'input') throw b.error(SqlState.syntaxError, 'SESSION partitions by columns: PARTITION BY a, b', p.loc);
    return x.index;
  });
  if (partitionKeys.length > 0 && fn !== 'SESSION') throw b.error(SqlState.syntaxError, `PARTITION BY is only used with SESSION windows, not ${fn}`, partitionBy[0]!.loc);
  const window: TvfWindow = { kind: fn.toLowerCase() as TvfWindow['kind'], timeColumn: time, size: 0, slide: 0, offset: 0, partitionKeys };
  const positive = (e: A.Expr, what: string): number => {
    const v = duration(b, e, what);
    if (!(v > 0)) throw b.error(SqlState.invalidParameterValue, `${what} of ${fn} must be positive`, e.loc);
    return v;
  };
  if (fn === 'SESSION') window.size = positive(args.get('GAP')!, 'the gap');
  else {
    window.size = positive(args.get('SIZE')!, 'the size');
    if (fn === 'HOP') window.slide = positive(args.get('SLIDE')!, 'the slide');
    if (fn === 'CUMULATE') {
      window.slide = positive(args.get('STEP')!, 'the step');
      if (window.size % window.slide !== 0) {
        throw b.error(SqlState.invalidParameterValue, `the size of CUMULATE must be a whole multiple of its step (${window.size} ms is not a multiple of ${window.slide} ms)`, args.get('SIZE')!.loc);
      }
    }
    if (args.has('OFFSET')) window.offset = duration(b, args.get('OFFSET')!, 'the offset');
  }
  const plan = L.windowTvf(bound.plan, window);
  const qualifier = ref.alias?.value ?? bound.scope.qualifiers()[0] ?? null;
  let cols: ScopeColumn[] = [
    ...bound.scope.columns.map((c) => ({ ...c, qualifier: ref.alias ? ref.alias.value : c.qualifier })),
    ...['window_start', 'window_end', 'window_time'].map((name, i) => ({ qualifier, name, index: bound.plan.schema.length + i, type: plan.schema[bound.plan.schema.length + i]!.type })),
  ];
  if (ref.columnAliases) {
    if (ref.columnAliases.length !== cols.length) {
      throw b.error(SqlState.syntaxError, `${fn} produces ${cols.length} columns but ${ref.columnAliases.length} aliases were given`, ref.loc);
    }
    cols = cols.map((c, i) => ({ ...c, name: ref.columnAliases![i]!.value }));
  }
  return { plan, scope: new Scope(cols, outer) };
}

// ---------------------------------------------------------------- legacy group windows

/** What TUMBLE_START(..) and friends read once a legacy group window is in place. */
export interface GroupWindow {
  kind: 'TUMBLE' | 'HOP' | 'SESSION';
  start: BoundExpr;
  end: BoundExpr;
  time: BoundExpr;
}

/** The GROUP BY element that is a legacy window call, if any. */
export function findLegacyWindow(groupBy: A.GroupingElement[] | undefined): { element: A.GroupingElement; call: A.FunctionExpr } | undefined {
  const found: Array<{ element: A.GroupingElement; call: A.FunctionExpr }> = [];
  for (const g of groupBy ?? []) {
    if (g.kind === 'expr' && g.expr.kind === 'function' && g.expr.name.parts.length === 1 && ['TUMBLE', 'HOP', 'SESSION'].includes(g.expr.name.parts[0]!.value.toUpperCase())) {
      found.push({ element: g, call: g.expr });
    }
  }
  return found[0];
}

/**
 * Puts the window of `GROUP BY TUMBLE(ts, ..)` under the query: returns the new input plan and scope
 * (with hidden window columns) and what the auxiliary functions resolve to.
 */
export function bindLegacyWindow(b: Binder, call: A.FunctionExpr, ctx: ExprContext, otherKeys: A.Expr[]): { plan: LogicalPlan; scope: Scope; window: GroupWindow } {
  const fn = call.name.parts[0]!.value.toUpperCase() as GroupWindow['kind'];
  const arity = fn === 'HOP' ? 3 : 2;
  if (call.args.length < arity || call.args.length > arity + 1) {
    throw b.error(SqlState.syntaxError, fn === 'HOP' ? 'write HOP(time_col, slide, size)' : `write ${fn}(time_col, ${fn === 'SESSION' ? 'gap' : 'size'})`, call.loc);
  }
  const t = bindExpr(b, call.args[0]!, ctx);
  if (t.kind !== 'input' || !isTimestamp(t.type)) {
    throw b.error(SqlState.datatypeMismatch, `the first argument of ${fn} in GROUP BY must be a timestamp column`, call.args[0]!.loc);
  }
  const window: TvfWindow = { kind: fn === 'TUMBLE' ? 'tumble' : fn === 'HOP' ? 'hop' : 'session', timeColumn: t.index, size: 0, slide: 0, offset: 0, partitionKeys: [] };
  if (fn === 'HOP') {
    window.slide = duration(b, call.args[1]!, 'the slide');
    window.size = duration(b, call.args[2]!, 'the size');
  } else window.size = duration(b, call.args[1]!, fn === 'SESSION' ? 'the gap' : 'the size');
  if (fn === 'SESSION') {
    // a session is kept per value of the other grouping keys (when they are columns)
    for (const k of otherKeys) {
      const x = bindExpr(b, k, ctx);
      if (x.kind === 'input') window.partitionKeys.push(x.index);
    }
  }
  const plan = L.windowTvf(ctx.input.plan, window);
  const width = ctx.input.plan.schema.length;
  const hidden: ScopeColumn[] = ['$window_start', '$window_end', '$window_time'].map((name, i) => ({ qualifier: null, name, index: width + i, type: plan.schema[width + i]!.type, hidden: true }));
  const scope = new Scope([...ctx.scope.columns, ...hidden], ctx.scope.parent);
  return {
    plan,
    scope,
    window: {
      kind: fn,
      start: inputRef(width, plan.schema[width]!.type),
      end: inputRef(width + 1, plan.schema[width + 1]!.type),
      time: inputRef(width + 2, plan.schema[width + 2]!.type),
    },
  };
}

/** TUMBLE_START(..) and friends, when the query groups by that window. */
export function bindWindowAuxiliary(b: Binder, name: string, e: A.FunctionExpr, ctx: ExprContext): BoundExpr | undefined {
  const m = /^(tumble|hop|session)_(start|end|rowtime|proctime)$/.exec(name);
  if (!m) return undefined;
  const gw = ctx.groupWindow;
  if (!gw || gw.kind.toLowerCase() !== m[1]) {
    throw b.error(SqlState.groupingError, `${name.toUpperCase()} can only be used in a query that groups by ${m[1]!.toUpperCase()}(..)`, e.loc);
  }
  switch (m[2]) {
    case 'start': return gw.start;
    case 'end': return gw.end;
    default: return gw.time;
  }
}

export { matchName };
