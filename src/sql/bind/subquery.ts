/**
 * Subqueries in expressions: EXISTS, IN, scalar subqueries and quantified comparisons (= ANY, > ALL).
 * Each becomes a join onto the plan the expression is evaluated over:
 * - EXISTS / IN → a mark join adding a BOOLEAN column (IN is null-aware: NULL when unknown); a mark
 *   used as a WHERE term later becomes a semi or anti join;
 * - scalar subquery → a single join (at most one row per outer row) adding the value column.
 *
 * Correlated subqueries are decorrelated by pulling predicates that mention outer columns up through
 * projections, aggregates (equalities become grouping keys) and ORDER BY .. LIMIT (a per-key Top-N)
 * until they can serve as the join condition. An aggregating scalar subquery that cannot be handled so
 * (a non-equality correlation, outer columns inside its FROM such as UNNEST(t.arr)) runs once per
 * distinct value of the outer columns it reads (bindDomainAggregate).
 */
import type * as A from '../ast.ts';
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { call, inputRef, literal, conjuncts, transformExpr, visitExpr, hasOuterRefs, exprEquals } from '../../exec/expr/expr.ts';
import type { LogicalPlan, AggregateNode } from '../../planner/logical-plan.ts';
import * as L from '../../planner/logical-plan.ts';
import { T, notNull, withNullable, nullable } from '../../types/data-type.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { lookupAggregate } from '../../exec/functions/aggregate/registry.ts';
import { evaluateConstant } from '../../exec/expr/compile.ts';
import type { Binder } from './binder.ts';
import type { ExprContext } from './expr.ts';
import { andAll, bindExpr, coerce, scalarCall } from './expr.ts';
import { bindQuery } from './query.ts';

interface Pulled {
  plan: LogicalPlan;
  /** Predicates over (outer columns as OuterRef depth 1, this plan's columns as InputRef). */
  corr: BoundExpr[];
}

function unsupported(b: Binder, loc: A.Loc, what: string): Error {
  return b.error(SqlState.featureNotSupported, `correlated subquery: ${what} is not supported`, loc,
    'Rewrite it as a join, or make the correlation an equality in the subquery\'s WHERE clause.');
}

/** Checks that outer references only reach one level up. */
function checkDepth(b: Binder, plan: LogicalPlan, loc: A.Loc): void {
  const check = (e: BoundExpr): void => visitExpr(e, (x) => {
    if (x.kind === 'outer' && x.depth > 1) throw unsupported(b, loc, 'a reference to a column two or more query levels out');
  });
  walkExprs(plan, check);
}

function walkExprs(p: LogicalPlan, f: (e: BoundExpr) => void): void {
  switch (p.kind) {
    case 'project': p.exprs.forEach(f); break;
    case 'filter': f(p.predicate); break;
    case 'join': if (p.condition) f(p.condition); break;
    case 'unnest': p.exprs.forEach(f); break;
    default: break;
  }
  for (const c of L.inputsOf(p)) walkExprs(c, f);
}

function planHasOuterRefs(p: LogicalPlan): boolean {
  let found = false;
  walkExprs(p, (e) => {
    if (hasOuterRefs(e)) found = true;
  });
  return found;
}

/** Pulls correlated predicates to the top of `p`. */
function pull(b: Binder, p: LogicalPlan, loc: A.Loc): Pulled {
  if (!planHasOuterRefs(p)) return { plan: p, corr: [] };
  switch (p.kind) {
    case 'filter': {
      const child = pull(b, p.input, loc);
      const keep: BoundExpr[] = [];
      const corr = [...child.corr];
      for (const c of conjuncts(p.predicate)) (hasOuterRefs(c) ? corr : keep).push(c);
      return { plan: keep.length > 0 ? L.filter(child.plan, andAll(keep)) : child.plan, corr };
    }
    case 'project': {
      if (p.exprs.some(hasOuterRefs)) throw unsupported(b, loc, 'an outer column in the subquery\'s SELECT list');
      const child = pull(b, p.input, loc);
      if (child.corr.length === 0) return { plan: L.project(child.plan, p.exprs, p.schema.map((f) => f.name)), corr: [] };
      // keep the child columns the predicates need, after the projected ones
      const exprs = [...p.exprs];
      const names = p.schema.map((f) => f.name);
      const map = new Map<number, number>();
      const need = (i: number): number => {
        let at = exprs.findIndex((e) => e.kind === 'input' && e.index === i);
        if (at < 0) {
          exprs.push(inputRef(i, child.plan.schema[i]!.type));
          names.push(`$corr${i}`);
          at = exprs.length - 1;
        }
        map.set(i, at);
        return at;
      };
      const corr = child.corr.map((c) => transformExpr(c, (x) => (x.kind === 'input' ? inputRef(need(x.index), x.type) : undefined)));
      return { plan: L.project(child.plan, exprs, names), corr };
    }
    case 'aggregate': {
      const child = pull(b, p.input, loc);
      if (child.corr.length === 0) return { plan: { ...p, input: child.plan }, corr: [] };
      if (p.groupingSets !== null) throw unsupported(b, loc, 'GROUPING SETS under a correlation');
      // equality with an inner column: group by that column too
      const keys = [...p.groupKeys];
      const corr: BoundExpr[] = [];
      for (const c of child.corr) {
        const eq = innerEquality(c);
        if (!eq) throw unsupported(b, loc, 'a non-equality correlation under an aggregate');
        let pos = keys.indexOf(eq.inner);
        if (pos < 0) {
          keys.push(eq.inner);
          pos = keys.length - 1;
        }
        corr.push(call('=', [inputRef(pos, child.plan.schema[eq.inner]!.type), eq.outer], withNullable(T.boolean(), true)));
      }
      // keys appended at the end of the key list shift the aggregate outputs; rebuild and keep the old layout on top
      const agg = L.aggregate(child.plan, keys, p.aggs, null);
      const oldKeys = p.groupKeys.length;
      const reorder = [
        ...p.groupKeys.map((_, i) => inputRef(i, agg.schema[i]!.type)),
        ...p.aggs.map((_, i) => inputRef(keys.length + i, agg.schema[keys.length + i]!.type)),
        ...keys.slice(oldKeys).map((_, i) => inputRef(oldKeys + i, agg.schema[oldKeys + i]!.type)),
      ];
      const names = [...p.schema.map((f) => f.name), ...keys.slice(oldKeys).map((k) => `$corr${k}`)];
      const proj = L.project(agg, reorder, names);
      const shift = (i: number): number => (i < oldKeys ? i : p.aggs.length + i);
      const remapped = corr.map((c) => transformExpr(c, (x) => (x.kind === 'input' ? inputRef(shift(x.index), x.type) : undefined)));
      return { plan: proj, corr: remapped };
    }
    case 'limit': {
      const child = pull(b, p.input, loc);
      if (child.corr.length === 0) return { plan: { ...p, input: child.plan }, corr: [] };
      // ORDER BY .. LIMIT n per correlation key: ROW_NUMBER() OVER (PARTITION BY keys ORDER BY ..) <= n
      let input = child.plan;
      let order: L.SortKey[] = [];
      if (input.kind === 'sort') {
        order = input.keys;
        input = input.input;
      }
      const parts: number[] = [];
      for (const c of child.corr) {
        const eq = innerEquality(c);
        if (!eq) throw unsupported(b, loc, 'a non-equality correlation with LIMIT');
        parts.push(eq.inner);
      }
      const width = input.schema.length;
      const win = L.window(input, [{
        fn: 'row_number', args: [], constArgs: [], partitionBy: parts, orderBy: order,
        frame: { units: 'rows', start: { kind: 'unboundedPreceding' }, end: { kind: 'currentRow' } },
        distinct: false, filter: null, ignoreNulls: false, type: notNull(T.bigint()), name: '$rn',
      }]);
      const rn = inputRef(width, notNull(T.bigint()));
      const cond = andAll([
        ...(p.offset > 0 ? [call('>', [rn, literal(p.offset, notNull(T.bigint()))], notNull(T.boolean()))] : []),
        ...(p.limit !== null ? [call('<=', [rn, literal(p.offset + p.limit, notNull(T.bigint()))], notNull(T.boolean()))] : []),
      ]);
      const filtered = L.filter(win, cond);
      const proj = L.project(filtered, input.schema.map((f, i) => inputRef(i, f.type)), input.schema.map((f) => f.name));
      return { plan: proj, corr: child.corr };
    }
    case 'sort': {
      // the pulled input may carry correlation columns after its own: the sort passes them on
      const child = pull(b, p.input, loc);
      return { plan: L.sort(child.plan, p.keys), corr: child.corr };
    }
    default:
      break;
  }
  throw unsupported(b, loc, `an outer column reference inside ${p.kind === 'join' ? 'a join' : p.kind === 'union' || p.kind === 'setop' ? 'a set operation' : 'this part of the query'}`);
}

/** `inner = outer` (either side), as (inner column index, outer expression). */
function innerEquality(c: BoundExpr): { inner: number; outer: BoundExpr } | undefined {
  if (c.kind !== 'call' || c.fn !== '=') return undefined;
  const [l, r] = c.args as [BoundExpr, BoundExpr];
  const pure = (e: BoundExpr): boolean => !hasInputRefs(e) && hasOuterRefs(e);
  if (l.kind === 'input' && pure(r)) return { inner: l.index, outer: r };
  if (r.kind === 'input' && pure(l)) return { inner: r.index, outer: l };
  return undefined;
}

function hasInputRefs(e: BoundExpr): boolean {
  let found = false;
  visitExpr(e, (x) => {
    if (x.kind === 'input') found = true;
  });
  return found;
}

/** Rewrites a pulled predicate into a join condition over (outer columns, then subquery columns). */
function toJoinCondition(c: BoundExpr, outerWidth: number): BoundExpr {
  return transformExpr(c, (x) => {
    if (x.kind === 'outer') return inputRef(x.index, x.type);
    if (x.kind === 'input') return inputRef(outerWidth + x.index, x.type);
    return undefined;
  });
}

/** Shifts an expression bound in the outer scope into the join's layout (outer columns come first: unchanged). */
function bindSubquery(b: Binder, q: A.Query, ctx: ExprContext): { original: LogicalPlan; plan: LogicalPlan; corr: BoundExpr[] } {
  return decorrelate(b, bindQuery(b, q, ctx.scope).plan, q.loc);
}

/**
 * EXISTS only asks whether rows exist: the subquery's SELECT list, ORDER BY and a LIMIT of at least one
 * row do not matter, and dropping them lets the list mention outer columns (`EXISTS (SELECT t.a FROM u
 * WHERE ..)`) and the correlation be any predicate.
 */
function rowsOnly(p: LogicalPlan): LogicalPlan {
  switch (p.kind) {
    case 'project': return L.project(p.input, [], []);
    case 'sort': return rowsOnly(p.input);
    case 'limit': return p.offset === 0 && (p.limit === null || p.limit > 0) ? rowsOnly(p.input) : L.limit(rowsOnly(p.input), p.limit, p.offset);
    default: return p;
  }
}

/** A bound subquery with its correlated predicates pulled to the top. */
function decorrelate(b: Binder, original: LogicalPlan, loc: A.Loc): { original: LogicalPlan; plan: LogicalPlan; corr: BoundExpr[] } {
  checkDepth(b, original, loc);
  const pulled = pull(b, original, loc);
  if (planHasOuterRefs(pulled.plan)) throw unsupported(b, loc, 'this correlation');
  return { original, ...pulled };
}

export function bindSubqueryExpr(b: Binder, e: A.InSubqueryExpr | A.ExistsExpr | A.SubqueryExpr | A.QuantifiedExpr, ctx: ExprContext): BoundExpr {
  const width = ctx.input.plan.schema.length;
  const r = bindSubqueryJoin(b, e, ctx);
  // the columns the joins added depend on the outer columns of the correlation
  const deps: BoundExpr[] = [];
  for (const c of r.corr) visitExpr(c, (x) => {
    if (x.kind === 'input' && x.index < width && !deps.some((d) => exprEquals(d, x))) deps.push(x);
  });
  for (let i = width; i < ctx.input.plan.schema.length; i++) ctx.subqueryColumns?.set(i, deps);
  return r.value;
}

/**
 * Joins the subquery onto `ctx.input.plan`; returns the expression's value over the result and the
 * correlation conditions (over the outer columns, then the subquery's).
 */
function bindSubqueryJoin(b: Binder, e: A.InSubqueryExpr | A.ExistsExpr | A.SubqueryExpr | A.QuantifiedExpr, ctx: ExprContext): { value: BoundExpr; corr: BoundExpr[] } {
  const outer = ctx.input.plan;
  const width = outer.schema.length;
  switch (e.kind) {
    case 'exists': {
      const sub = decorrelate(b, rowsOnly(bindQuery(b, e.query, ctx.scope).plan), e.query.loc);
      const corr = sub.corr.map((c) => toJoinCondition(c, width));
      ctx.input.plan = L.join('mark', outer, sub.plan, corr.length > 0 ? andAll(corr) : null);
      return { value: inputRef(width, notNull(T.boolean())), corr };
    }
    case 'inSubquery': case 'quantified': {
      const sub = bindSubquery(b, e.query, ctx);
      const left = bindExpr(b, e.kind === 'inSubquery' ? e.expr : e.left, ctx);
      const leftItems = left.kind === 'call' && left.fn === 'row_ctor' ? left.args : [left];
      const subWidth = sub.original.schema.length;
      if (subWidth !== leftItems.length) {
        throw b.error(SqlState.syntaxError, `the subquery returns ${subWidth} column(s) but is compared with ${leftItems.length} value(s)`, e.query.loc);
      }
      const op = e.kind === 'inSubquery' ? '=' : e.op;
      const quant = e.kind === 'inSubquery' ? 'ANY' : e.quantifier === 'SOME' ? 'ANY' : e.quantifier;
      // x op ALL (S)  ≡  NOT (x NOT-op ANY S), exactly, in three-valued logic
      const negated: Record<string, string> = { '=': '<>', '<>': '=', '<': '>=', '<=': '>', '>': '<=', '>=': '<' };
      const compareOp = quant === 'ALL' ? negated[op]! : op;
      const comparisons = leftItems.map((x, i) => b.located(e.loc, () => scalarCall(b, compareOp, [x, inputRef(width + i, sub.plan.schema[i]!.type)], e.loc)));
      const corr = sub.corr.map((c) => toJoinCondition(c, width));
      const anyMark = quantifiedMark(ctx, outer, sub.plan, corr, andAll(comparisons), compareOp === '=' && corr.length === 0 && leftItems.length === 1);
      const r = quant === 'ALL' ? call('not', [anyMark], T.boolean()) : anyMark;
      return { value: e.kind === 'inSubquery' && e.not ? call('not', [r], r.type) : r, corr };
    }
    case 'subquery': {
      const bound = bindQuery(b, e.query, ctx.scope).plan;
      const domain = bindDomainAggregate(b, bound, e.query.loc, ctx);
      if (domain) return domain;
      const sub = decorrelate(b, bound, e.query.loc);
      if (sub.original.schema.length !== 1) {
        throw b.error(SqlState.syntaxError, `a scalar subquery must return one column, this one returns ${sub.original.schema.length}`, e.loc);
      }
      const valueType = nullable(sub.plan.schema[0]!.type);
      const corr = sub.corr.map((c) => toJoinCondition(c, width));
      if (corr.length === 0) {
        ctx.input.plan = L.join('single', outer, sub.plan, null);
        return { value: inputRef(width, valueType), corr };
      }
      const cond = andAll(corr);
      const empty = emptyAggregateValue(sub.original);
      if (empty === undefined) {
        ctx.input.plan = L.join('single', outer, sub.plan, cond);
        return { value: inputRef(width, valueType), corr };
      }
      // a grouped-by-correlation aggregate has at most one row per outer row; a missing row means the
      // aggregate saw no input, whose value (COUNT = 0) a marker column lets us restore
      const marked = L.project(sub.plan, [...sub.plan.schema.map((f, i) => inputRef(i, f.type)), literal(true, notNull(T.boolean()))], [...sub.plan.schema.map((f) => f.name), '$present']);
      ctx.input.plan = L.join('left', outer, marked, cond);
      const value = inputRef(width, valueType);
      if (empty === null) return { value, corr };
      const present = inputRef(width + marked.schema.length - 1, T.boolean());
      return {
        value: {
          kind: 'case',
          whens: [[call('is_null', [present], notNull(T.boolean())), literal(empty, valueType)]],
          else: value,
          type: valueType,
        },
        corr,
      };
    }
  }
}

/**
 * A scalar subquery that aggregates rows selected by a correlation other than equalities, e.g.
 * `(SELECT COUNT(*) FROM u WHERE u.a > t.a)`, or whose FROM reads outer columns, e.g.
 * `(SELECT ARRAY_AGG(x) FROM UNNEST(t.arr) AS x)`. Equalities would become grouping keys; these cannot,
 * so the aggregate runs once per distinct value of the outer columns it reads (the "domain"):
 *
 *   outer LEFT JOIN (domain LEFT JOIN subquery rows ON correlation, aggregated per domain row)
 *         ON outer columns IS NOT DISTINCT FROM domain columns
 *
 * where, for outer columns inside FROM, the subquery's rows are computed over the domain (pushDomain)
 * and matched to it on the domain's columns.
 *
 * Each aggregate ignores the padding row of a domain value without matches (it is filtered on a marker
 * column), so COUNT gives 0 and SUM NULL, as over no rows. Returns undefined for other shapes.
 */
function bindDomainAggregate(b: Binder, original: LogicalPlan, loc: A.Loc, ctx: ExprContext): { value: BoundExpr; corr: BoundExpr[] } | undefined {
  let node = original;
  const top = node.kind === 'project' ? node : null;
  if (top) node = top.input;
  if (node.kind !== 'aggregate' || node.groupKeys.length > 0 || node.groupingSets !== null || original.schema.length !== 1) return undefined;
  if (top && top.exprs.some(hasOuterRefs)) return undefined;
  checkDepth(b, original, loc);
  let inner: Pulled | undefined;
  try {
    inner = pull(b, node.input, loc);
  } catch (e) {
    if (!(e instanceof FreshetError && e.sqlState === SqlState.featureNotSupported)) throw e;
  }
  if (inner && (inner.corr.length === 0 || inner.corr.every((c) => innerEquality(c) !== undefined))) return undefined;
  if (inner && planHasOuterRefs(inner.plan)) inner = undefined;

  const outer = ctx.input.plan;
  const width = outer.schema.length;
  const outerCols: number[] = [];
  const collect = (e: BoundExpr): void => visitExpr(e, (x) => {
    if (x.kind === 'outer' && !outerCols.includes(x.index)) outerCols.push(x.index);
  });
  if (inner) inner.corr.forEach(collect);
  else walkExprs(node.input, collect);
  const d = outerCols.length;
  const domain = L.aggregate(L.project(outer, outerCols.map((i) => inputRef(i, outer.schema[i]!.type)), outerCols.map((i) => outer.schema[i]!.name)), outerCols.map((_, k) => k), []);
  // the rows each domain value aggregates: the subquery's rows joined to the domain on the correlation,
  // or (outer columns inside its FROM) the subquery evaluated with the domain's columns in its plan
  let rowsPlan: LogicalPlan;
  let prefix = 0;
  let on: BoundExpr;
  if (inner) {
    rowsPlan = inner.plan;
    on = andAll(inner.corr.map((c) => transformExpr(c, (x) => {
      if (x.kind === 'outer') return inputRef(outerCols.indexOf(x.index), x.type);
      if (x.kind === 'input') return inputRef(d + x.index, nullable(x.type));
      return undefined;
    })));
  } else {
    const pushed = pushDomain(domain, outerCols, node.input);
    if (!pushed) return undefined;
    rowsPlan = pushed;
    prefix = d;
    on = andAll(outerCols.map((_, k) => scalarCall(b, 'is_not_distinct_from', [inputRef(k, domain.schema[k]!.type), inputRef(d + k, nullable(domain.schema[k]!.type))], loc)));
  }
  const cw = rowsPlan.schema.length - prefix;
  const rows = L.project(rowsPlan, [...rowsPlan.schema.map((f, i) => inputRef(i, f.type)), literal(true, notNull(T.boolean()))], [...rowsPlan.schema.map((f) => f.name), '$present']);
  // the subquery's columns keep their positions after the domain columns; a padding row has no marker
  const at = d + prefix;
  let joined: LogicalPlan = L.join('left', domain, rows, on);
  // ordered aggregates (ARRAY_AGG(x ORDER BY y)) read their input in order: sort again after the join
  if (node.input.kind === 'sort') joined = L.sort(joined, node.input.keys.map((k) => ({ ...k, index: at + k.index })));
  const aggs = node.aggs.map((a) => ({
    ...a,
    args: a.args.map((i) => at + i),
    filter: a.filter === null ? at + cw : at + a.filter,
    orderBy: a.orderBy.map((o) => ({ ...o, index: at + o.index })),
  }));
  const grouped = L.aggregate(joined, outerCols.map((_, k) => k), aggs);
  const value = top
    ? transformExpr(top.exprs[0]!, (x) => (x.kind === 'input' ? inputRef(d + x.index, grouped.schema[d + x.index]!.type) : undefined))
    : inputRef(d, grouped.schema[d]!.type);
  const perDomain = L.project(grouped, [...outerCols.map((_, k) => inputRef(k, grouped.schema[k]!.type)), value], [...outerCols.map((i) => outer.schema[i]!.name), '$value']);
  const match = outerCols.map((i, k) => scalarCall(b, 'is_not_distinct_from', [inputRef(i, outer.schema[i]!.type), inputRef(width + k, perDomain.schema[k]!.type)], loc));
  ctx.input.plan = L.join('left', outer, perDomain, andAll(match));
  return { value: inputRef(width + d, nullable(value.type)), corr: match };
}

/**
 * The plan `p` of a subquery whose FROM reads outer columns (`UNNEST(t.arr)`, a function over `t.x`),
 * evaluated once per row of `domain` (the distinct values of those outer columns, `outerCols`): its
 * columns come after the domain's, and outer references read the domain's columns. Filters, projections,
 * UNNEST and inner or left joins carry the domain through; undefined for other shapes.
 */
function pushDomain(domain: LogicalPlan, outerCols: number[], p: LogicalPlan): LogicalPlan | undefined {
  const d = domain.schema.length;
  if (!planHasOuterRefs(p)) return L.join('inner', domain, p, null);
  // over [domain, p's input]: inputs shift by d, outer references become domain columns
  const shift = (e: BoundExpr): BoundExpr => transformExpr(e, (x) => {
    if (x.kind === 'input') return inputRef(d + x.index, x.type);
    if (x.kind === 'outer' && x.depth === 1) return inputRef(outerCols.indexOf(x.index), x.type);
    return undefined;
  });
  const domainRefs = domain.schema.map((f, i) => inputRef(i, f.type));
  switch (p.kind) {
    case 'filter': {
      const child = pushDomain(domain, outerCols, p.input);
      return child && L.filter(child, shift(p.predicate));
    }
    case 'project': {
      const child = pushDomain(domain, outerCols, p.input);
      return child && L.project(child, [...domainRefs, ...p.exprs.map((e) => shift(e))], [...domain.schema.map((f) => f.name), ...p.schema.map((f) => f.name)]);
    }
    case 'sort': {
      const child = pushDomain(domain, outerCols, p.input);
      return child && L.sort(child, p.keys.map((k) => ({ ...k, index: d + k.index })));
    }
    case 'unnest': {
      const child = pushDomain(domain, outerCols, p.input);
      const names = p.schema.slice(p.input.schema.length).map((f) => f.name);
      return child && L.unnest(child, p.exprs.map((e) => shift(e)), p.withOrdinality, names, p.outer);
    }
    case 'join': {
      if (p.joinType !== 'inner' && p.joinType !== 'left') return undefined;
      if (planHasOuterRefs(p.right)) return undefined;
      const left = pushDomain(domain, outerCols, p.left);
      return left && L.join(p.joinType, left, p.right, p.condition && shift(p.condition));
    }
    default:
      return undefined;
  }
}

/**
 * `x op ANY (subquery)` in three-valued logic: TRUE if the comparison is TRUE for some row the
 * correlation selects, else NULL if it is unknown for some such row, else FALSE (also over no rows).
 *
 * An uncorrelated `x = ANY` (IN) is one null-aware mark join, which hashes the comparison and knows
 * the answer is unknown when a key is NULL. Every other shape is two plain mark joins over the same
 * subquery, one finding a TRUE comparison and one an unknown one: the correlation terms stay join
 * keys, and a NULL correlation key excludes a row as the subquery's WHERE would.
 */
function quantifiedMark(ctx: ExprContext, outer: LogicalPlan, sub: LogicalPlan, corr: BoundExpr[], comparison: BoundExpr, nullAwareHash: boolean): BoundExpr {
  const width = outer.schema.length;
  if (nullAwareHash) {
    ctx.input.plan = L.join('mark', outer, sub, comparison, true);
    return inputRef(width, T.boolean());
  }
  const found = L.join('mark', outer, sub, andAll([...corr, comparison]));
  const unknown = andAll([...corr, call('is_null', [comparison], notNull(T.boolean()))]);
  // the second join's input has the first mark column before the subquery's columns
  const shifted = transformExpr(unknown, (x) => (x.kind === 'input' && x.index >= width ? inputRef(x.index + 1, x.type) : undefined));
  ctx.input.plan = L.join('mark', found, sub, shifted);
  const bool = notNull(T.boolean());
  return {
    kind: 'case',
    whens: [[inputRef(width, bool), literal(true, bool)], [inputRef(width + 1, bool), literal(null, T.boolean())]],
    else: literal(false, bool),
    type: T.boolean(),
  };
}

/**
 * For a (still correlated) subquery shaped Project?(Aggregate without GROUP BY): the value its output
 * column has over no rows (COUNT → 0), null when that is NULL; undefined for other shapes, whose
 * missing rows are NULL anyway.
 */
function emptyAggregateValue(p: LogicalPlan): unknown {
  let proj: BoundExpr | null = null;
  let node = p;
  if (node.kind === 'project') {
    proj = node.exprs[0]!;
    node = node.input;
  }
  if (node.kind !== 'aggregate') return undefined;
  const agg = node as AggregateNode;
  if (agg.groupKeys.length > 0 || agg.groupingSets !== null) return undefined;
  const keys = 0;
  const empties = agg.aggs.map((a) => lookupAggregate(a.fn)?.emptyValue ?? null);
  if (empties.every((v) => v === null) && (proj === null || !hasInputRefs(proj))) return null;
  const expr = proj ?? inputRef(keys, agg.schema[keys]!.type);
  const substituted = transformExpr(expr, (x) => {
    if (x.kind !== 'input') return undefined;
    const ai = x.index - keys;
    return ai >= 0 && ai < empties.length ? literal(empties[ai], x.type) : literal(null, nullable(x.type));
  });
  try {
    return evaluateConstant(substituted, { timeZone: 'UTC', now: 0 });
  } catch {
    return null;
  }
}

export { exprEquals, coerce };

/** Decorrelates a LATERAL subquery's plan: its correlated predicates become join conditions. */
export function pullCorrelation(b: Binder, plan: LogicalPlan, loc: A.Loc): Pulled {
  checkDepth(b, plan, loc);
  const pulled = pull(b, plan, loc);
  if (planHasOuterRefs(pulled.plan)) throw unsupported(b, loc, 'this correlation');
  return pulled;
}
