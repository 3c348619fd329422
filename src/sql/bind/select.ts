/**
 * One SELECT block: FROM → WHERE → GROUP BY/HAVING → window functions → QUALIFY → SELECT list →
 * DISTINCT, plus the ORDER BY of the query it heads (which may use select aliases, ordinals, or input
 * expressions that are not selected: those ride along as hidden columns until after the sort).
 */
import type * as A from '../ast.ts';
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { inputRef, exprEquals, transformExpr, visitExpr, conjuncts } from '../../exec/expr/expr.ts';
import type { LogicalPlan, SortKey, WindowCall } from '../../planner/logical-plan.ts';
import * as L from '../../planner/logical-plan.ts';
import { SqlState } from '../../util/errors.ts';
import { lookupAggregate } from '../../exec/functions/aggregate/registry.ts';
import type { Binder } from './binder.ts';
import type { Scope } from './scope.ts';
import { AggCollector, WindowCollector } from './collectors.ts';
import { andAll, bindExpr, requireBoolean, type ExprContext } from './expr.ts';
import { bindFrom } from './relation.ts';
import { groupingSetsOf, planAggregation } from './aggregate.ts';
import { matchName } from '../../catalog/catalog-manager.ts';
import { bindLegacyWindow, findLegacyWindow } from './window-tvf.ts';
import { setReturningSelect } from './postgres.ts';

export interface SelectResult {
  plan: LogicalPlan;
  /** Names of the visible output columns (the SELECT list). */
  names: string[];
  /** The first `visible` columns are the SELECT list; the rest are hidden ORDER BY columns. */
  visible: number;
  sortKeys: SortKey[];
}

/** Whether the expressions call an aggregate function outside OVER (not looking into subqueries). */
function containsAggregate(e: A.Expr | undefined): boolean {
  if (!e) return false;
  let found = false;
  const visit = (x: A.Expr): void => {
    if (found) return;
    switch (x.kind) {
      case 'function': {
        const name = x.name.parts[x.name.parts.length - 1]!.value.toLowerCase();
        if (!x.over && (lookupAggregate(name) || name === 'grouping' || name === 'grouping_id')) {
          found = true;
          return;
        }
        x.args.forEach(visit);
        if (x.filter) visit(x.filter);
        x.over?.partitionBy.forEach(visit);
        x.over?.orderBy.forEach((o) => visit(o.expr));
        return;
      }
      case 'subquery': case 'exists': case 'inSubquery': case 'quantified':
        if (x.kind === 'inSubquery') visit(x.expr);
        if (x.kind === 'quantified') visit(x.left);
        return;
      default:
        for (const c of childExprs(x)) visit(c);
    }
  };
  visit(e);
  return found;
}

function childExprs(x: A.Expr): A.Expr[] {
  switch (x.kind) {
    case 'binary': return [x.left, x.right];
    case 'quantifiedArray': return [x.left, x.array];
    case 'unary': return [x.operand];
    case 'isNull': case 'isBool': case 'extract': case 'floorCeil': return [x.expr];
    case 'isDistinct': return [x.left, x.right];
    case 'between': return [x.expr, x.low, x.high];
    case 'inList': return [x.expr, ...x.list];
    case 'like': return [x.expr, x.pattern, ...(x.escape ? [x.escape] : [])];
    case 'case': return [...(x.operand ? [x.operand] : []), ...x.whens.flatMap((w) => [w.when, w.then]), ...(x.else ? [x.else] : [])];
    case 'cast': return [x.expr];
    case 'trim': return [x.expr, ...(x.chars ? [x.chars] : [])];
    case 'position': return [x.needle, x.haystack, ...(x.from ? [x.from] : [])];
    case 'array': return x.elements;
    case 'map': return x.entries.flatMap((e) => [e.key, e.value]);
    case 'row': return x.fields;
    case 'subscript': return [x.expr, x.index];
    case 'field': return [x.expr];
    case 'namedArg': return [x.value];
    default: return [];
  }
}

/** Output name of a SELECT item: its alias, a column's name, a field's name, else EXPR$i. */
function itemName(e: A.Expr, alias: A.Identifier | undefined, i: number): string {
  if (alias) return alias.value;
  if (e.kind === 'column') return e.name.parts[e.name.parts.length - 1]!.value;
  if (e.kind === 'field') return e.field.value;
  return `EXPR$${i}`;
}

/** Makes names unique the way Flink does: a, a0, a1, ... */
export function uniquify(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((n) => {
    let name = n;
    let k = 0;
    while (seen.has(name.toLowerCase())) name = `${n}${k++}`;
    seen.add(name.toLowerCase());
    return name;
  });
}

function isOrdinal(e: A.Expr): number | undefined {
  return e.kind === 'literal' && e.type === 'number' && /^\d+$/.test(e.value as string) ? Number(e.value) : undefined;
}

export function bindSelect(b: Binder, select: A.Select, outer: Scope | null, orderBy: A.OrderItem[]): SelectResult {
  const sel = (b.postgres && setReturningSelect(select)) || select;
  const from = bindFrom(b, sel.from, outer);
  const ctx: ExprContext = { scope: from.scope, input: { plan: from.plan }, clause: 'WHERE', subqueryColumns: new Map() };

  // WHERE
  if (sel.where) {
    const conds = conjunctsOf(sel.where).map((c) => requireBoolean(b, bindExpr(b, c, ctx), 'the WHERE condition', c.loc));
    ctx.input.plan = L.filter(ctx.input.plan, andAll(conds.flatMap((c) => conjuncts(c))));
  }

  // legacy group window: GROUP BY TUMBLE(ts, ..) puts the window under the query
  const legacy = findLegacyWindow(sel.groupBy);
  let groupBy = sel.groupBy;
  if (legacy) {
    const others = (sel.groupBy ?? []).filter((g) => g !== legacy.element).flatMap((g) => (g.kind === 'expr' ? [g.expr] : []));
    const w = bindLegacyWindow(b, legacy.call, ctx, others);
    ctx.input.plan = w.plan;
    ctx.scope = w.scope;
    ctx.groupWindow = w.window;
    groupBy = (sel.groupBy ?? []).filter((g) => g !== legacy.element);
  }
  const scope = ctx.scope;

  const isAgg = sel.groupBy !== undefined || sel.having !== undefined
    || sel.items.some((i) => i.kind === 'expr' && containsAggregate(i.expr))
    || orderBy.some((o) => containsAggregate(o.expr));
  const aggs = new AggCollector();
  const wins = new WindowCollector();
  for (const w of sel.windows) {
    if ([...wins.named.keys()].some((k) => k.toLowerCase() === w.name.value.toLowerCase())) {
      throw b.error(SqlState.windowingError, `window ${w.name.value} is defined twice`, w.name.loc);
    }
    wins.named.set(w.name.value, w.spec);
  }
  const selectCtx: ExprContext = { ...ctx, clause: 'SELECT', agg: isAgg ? aggs : undefined, win: wins };

  // SELECT list (expressions over the FROM scope; aggregates and windows as placeholders)
  const items: Array<{ expr: BoundExpr; name: string; ast: A.Expr | null }> = [];
  sel.items.forEach((item) => {
    if (item.kind === 'star') {
      if (sel.from.length === 0) throw b.error(SqlState.syntaxError, 'SELECT * needs a FROM clause', item.loc);
      const cols = item.qualifier ? scope.columnsOf(item.qualifier.parts[item.qualifier.parts.length - 1]!) : scope.columns.filter((c) => !c.hidden);
      if (!cols) throw b.at(scope.unknownColumn(item.qualifier!.parts[0]!, { value: '*', quoted: true, loc: item.loc }), item.loc);
      for (const c of cols) items.push({ expr: inputRef(c.index, c.type), name: c.name, ast: null });
      return;
    }
    const expr = bindExpr(b, item.expr, selectCtx);
    items.push({ expr, name: itemName(item.expr, item.alias, items.length), ast: item.expr });
  });
  const names = uniquify(items.map((i) => i.name));

  // GROUP BY: ordinals and select aliases are accepted (input columns win over aliases)
  const groupCtx: ExprContext = { ...ctx, clause: 'GROUP BY' };
  const bindGroupExpr = (e: A.Expr): BoundExpr => {
    const ord = isOrdinal(e);
    if (ord !== undefined) {
      const it = items[ord - 1];
      if (!it || !it.ast) throw b.error(SqlState.invalidColumnReference, `GROUP BY position ${ord} is not in the SELECT list (1..${items.length})`, e.loc);
      return bindExpr(b, it.ast, groupCtx);
    }
    if (e.kind === 'column' && e.name.parts.length === 1 && !scope.resolve(null, e.name.parts[0]!)) {
      const alias = matchName(e.name.parts[0]!, names);
      const it = alias !== undefined ? items[names.indexOf(alias)] : undefined;
      if (it?.ast) {
        if (containsAggregate(it.ast)) throw b.error(SqlState.groupingError, `cannot GROUP BY \`${alias}\`: it is an aggregate`, e.loc);
        return bindExpr(b, it.ast, groupCtx);
      }
    }
    return bindExpr(b, e, groupCtx);
  };
  const groupElements = (groupBy ?? []).map((g) => bindGroupingElement(b, g, bindGroupExpr));
  if (ctx.groupWindow) {
    // the window's bounds are grouping keys (window_time follows from window_end)
    groupElements.push({ kind: 'expr', expr: ctx.groupWindow.start }, { kind: 'expr', expr: ctx.groupWindow.end }, { kind: 'expr', expr: ctx.groupWindow.time });
  }

  // HAVING, QUALIFY
  const having = sel.having ? requireBoolean(b, bindExpr(b, sel.having, { ...selectCtx, clause: 'HAVING', win: undefined, agg: aggs }), 'the HAVING condition', sel.having.loc) : null;
  const qualify = sel.qualify ? requireBoolean(b, bindExpr(b, sel.qualify, { ...selectCtx, clause: 'QUALIFY' }), 'the QUALIFY condition', sel.qualify.loc) : null;

  // ORDER BY: ordinal, select alias, or an expression
  type OrderRef = { item: number } | { expr: BoundExpr };
  const orderRefs: Array<{ ref: OrderRef; desc: boolean; nullsFirst: boolean; loc: A.Loc }> = orderBy.map((o) => {
    const nullsFirst = o.nullsFirst ?? !o.desc;
    const ord = isOrdinal(o.expr);
    if (ord !== undefined) {
      if (ord < 1 || ord > items.length) throw b.error(SqlState.invalidColumnReference, `ORDER BY position ${ord} is not in the SELECT list (1..${items.length})`, o.expr.loc);
      return { ref: { item: ord - 1 }, desc: o.desc, nullsFirst, loc: o.loc };
    }
    if (o.expr.kind === 'column' && o.expr.name.parts.length === 1) {
      const alias = matchName(o.expr.name.parts[0]!, names);
      if (alias !== undefined && names.filter((n) => n === alias).length === 1) return { ref: { item: names.indexOf(alias) }, desc: o.desc, nullsFirst, loc: o.loc };
    }
    return { ref: { expr: bindExpr(b, o.expr, { ...selectCtx, clause: 'ORDER BY' }) }, desc: o.desc, nullsFirst, loc: o.loc };
  });

  // aggregation
  let plan = ctx.input.plan;
  let lift = (e: BoundExpr, _loc?: A.Loc): BoundExpr => e;
  if (isAgg) {
    const { keys, sets } = groupingSetsOf(groupElements);
    // a subquery's columns are one value per group when the outer columns it depends on are grouping
    // keys: group by them too (in every grouping set) so that SELECT, HAVING and ORDER BY can use them
    const dependent = ctx.subqueryColumns!;
    const post = [...items.map((i) => i.expr), ...(having ? [having] : []), ...(qualify ? [qualify] : []), ...orderRefs.flatMap((o) => ('expr' in o.ref ? [o.ref.expr] : []))];
    const isKey = (e: BoundExpr): boolean => keys.some((k) => exprEquals(k, e));
    for (const e of post) visitExpr(e, (x) => {
      const deps = x.kind === 'input' ? dependent.get(x.index) : undefined;
      if (deps === undefined || isKey(x)) return;
      const loose = deps.find((d) => !isKey(d));
      if (loose !== undefined) {
        const name = loose.kind === 'input' ? scope.columns.find((c) => c.index === loose.index)?.name : undefined;
        throw b.error(SqlState.groupingError, `a subquery refers to column \`${name ?? '?'}\`, which must appear in the GROUP BY clause`, sel.loc,
          'A subquery after GROUP BY may only use grouping columns of the outer query.');
      }
      keys.push(x);
      sets?.forEach((s) => s.push(keys.length - 1));
    });
    const agg = planAggregation(b, plan, scope, keys, sets, aggs);
    plan = agg.plan;
    lift = agg.lift;
    items.forEach((it, i) => { it.expr = lift(it.expr, sel.items[Math.min(i, sel.items.length - 1)]?.loc); });
    for (const o of orderRefs) if ('expr' in o.ref) o.ref = { expr: lift(o.ref.expr, o.loc) };
    if (having) plan = L.filter(plan, lift(having, sel.having!.loc));
  }

  // window functions
  let qualified = qualify && isAgg ? lift(qualify, sel.qualify!.loc) : qualify;
  if (wins.calls.length > 0) {
    const width = plan.schema.length;
    const exprs: BoundExpr[] = plan.schema.map((f, i) => inputRef(i, f.type));
    const idx = (e: BoundExpr): number => {
      const l = isAgg ? lift(e, undefined) : e;
      const at = exprs.findIndex((x) => exprEquals(x, l));
      if (at >= 0) return at;
      exprs.push(l);
      return exprs.length - 1;
    };
    const calls: WindowCall[] = wins.calls.map((w, i) => ({
      fn: w.fn,
      args: w.args.map(idx),
      constArgs: w.constArgs,
      partitionBy: w.partitionBy.map(idx),
      orderBy: w.windowOrder.map((o) => ({ index: idx(o.expr), desc: o.desc, nullsFirst: o.nullsFirst })),
      frame: w.frame,
      distinct: w.distinct,
      filter: w.filter === null ? null : idx(w.filter),
      ignoreNulls: w.ignoreNulls,
      type: w.type,
      name: `w${i}$o0`,
    }));
    const projected = exprs.length === width ? plan : L.project(plan, exprs, exprs.map((_, i) => plan.schema[i]?.name ?? `$w${i}`));
    const windowed = L.window(projected, calls);
    const base = projected.schema.length;
    const replace = (e: BoundExpr): BoundExpr => transformExpr(e, (x) => (x.kind === 'call' && x.fn === '$win' ? inputRef(base + (x.info as number), x.type) : undefined));
    items.forEach((it) => { it.expr = replace(it.expr); });
    for (const o of orderRefs) if ('expr' in o.ref) o.ref = { expr: replace(o.ref.expr) };
    if (qualified) qualified = replace(qualified);
    plan = windowed;
  }
  if (qualified) plan = L.filter(plan, qualified);

  // projection: the SELECT list, then hidden ORDER BY expressions
  const exprs = items.map((i) => i.expr);
  const sortKeys: SortKey[] = [];
  for (const o of orderRefs) {
    let index: number;
    if ('item' in o.ref) index = o.ref.item;
    else {
      const e = o.ref.expr;
      index = exprs.findIndex((x) => exprEquals(x, e));
      if (index < 0) {
        if (sel.distinct) throw b.error(SqlState.invalidColumnReference, 'for SELECT DISTINCT, ORDER BY expressions must appear in the SELECT list', o.loc);
        exprs.push(e);
        index = exprs.length - 1;
      }
    }
    sortKeys.push({ index, desc: o.desc, nullsFirst: o.nullsFirst });
  }
  const allNames = [...names, ...exprs.slice(names.length).map((_, i) => `$order${i}`)];
  plan = L.project(plan, exprs, allNames);
  if (sel.distinct) plan = L.aggregate(plan, plan.schema.map((_, i) => i), []);
  return { plan, names, visible: names.length, sortKeys };
}

function conjunctsOf(e: A.Expr): A.Expr[] {
  if (e.kind === 'binary' && e.op === 'AND') return [...conjunctsOf(e.left), ...conjunctsOf(e.right)];
  return [e];
}

type GroupEl = Parameters<typeof groupingSetsOf>[0][number];

/** `(a, b)` in GROUP BY is a list of keys, not a ROW value. */
function keyList(e: A.Expr): A.Expr[] {
  return e.kind === 'row' && !e.explicit ? e.fields : [e];
}

function bindGroupingElement(b: Binder, g: A.GroupingElement, bind: (e: A.Expr) => BoundExpr): GroupEl {
  switch (g.kind) {
    case 'expr': {
      const list = keyList(g.expr);
      if (list.length === 1) return { kind: 'expr', expr: bind(list[0]!) };
      return { kind: 'sets', sets: [list.map(bind)] };
    }
    case 'empty': return { kind: 'empty' };
    case 'rollup': return { kind: 'rollup', items: g.items.map((list) => list.map(bind)) };
    case 'cube': return { kind: 'cube', items: g.items.map((list) => list.map(bind)) };
    case 'sets': {
      const sets = g.sets.map((s) => {
        if (s.kind === 'expr') return keyList(s.expr).map(bind);
        if (s.kind === 'empty') return [];
        throw b.error(SqlState.featureNotSupported, 'nested ROLLUP/CUBE inside GROUPING SETS is not supported', s.loc);
      });
      return { kind: 'sets', sets };
    }
  }
}
