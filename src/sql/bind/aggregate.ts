/**
 * GROUP BY: plans the aggregate node of a SELECT and rewrites the SELECT, HAVING and ORDER BY
 * expressions ("lifting") to read group keys and aggregate results instead of input columns. A column
 * used outside an aggregate must be a GROUP BY expression; otherwise the error names it.
 *
 * GROUPING SETS, ROLLUP and CUBE become a list of key subsets; the aggregate then has a `$g` column
 * whose bits tell which keys are rolled up, read by GROUPING(..).
 */
import type * as A from '../ast.ts';
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { call, inputRef, literal, exprEquals } from '../../exec/expr/expr.ts';
import type { LogicalPlan, AggCall, SortKey } from '../../planner/logical-plan.ts';
import * as L from '../../planner/logical-plan.ts';
import { T, notNull } from '../../types/data-type.ts';
import { SqlState } from '../../util/errors.ts';
import type { Binder } from './binder.ts';
import type { AggCollector } from './collectors.ts';
import type { Scope } from './scope.ts';

export interface Aggregation {
  plan: LogicalPlan;
  /** Rewrites an expression bound against the FROM scope to the aggregate's output. */
  lift(e: BoundExpr, loc: A.Loc | undefined): BoundExpr;
}

function dedupe(list: BoundExpr[], e: BoundExpr): number {
  const i = list.findIndex((x) => exprEquals(x, e));
  if (i >= 0) return i;
  list.push(e);
  return list.length - 1;
}

/** Expands GROUP BY elements into key expressions and grouping sets (null for a plain GROUP BY). */
export function groupingSetsOf(elements: Array<{ kind: 'expr'; expr: BoundExpr } | { kind: 'rollup' | 'cube'; items: BoundExpr[][] } | { kind: 'sets'; sets: BoundExpr[][] } | { kind: 'empty' }>): { keys: BoundExpr[]; sets: number[][] | null } {
  const keys: BoundExpr[] = [];
  let plain = true;
  // each element contributes a list of alternatives (lists of key indices); the sets are their cross product
  const alternatives: number[][][] = [];
  for (const el of elements) {
    switch (el.kind) {
      case 'expr': alternatives.push([[dedupe(keys, el.expr)]]); break;
      case 'empty': alternatives.push([[]]); plain = false; break;
      case 'rollup': {
        plain = false;
        const items = el.items.map((g) => g.map((e) => dedupe(keys, e)));
        const alts: number[][] = [];
        for (let n = items.length; n >= 0; n--) alts.push(items.slice(0, n).flat());
        alternatives.push(alts);
        break;
      }
      case 'cube': {
        plain = false;
        const items = el.items.map((g) => g.map((e) => dedupe(keys, e)));
        const alts: number[][] = [];
        for (let mask = (1 << items.length) - 1; mask >= 0; mask--) {
          alts.push(items.filter((_, i) => mask & (1 << (items.length - 1 - i))).flat());
        }
        alternatives.push(alts);
        break;
      }
      case 'sets': {
        plain = false;
        alternatives.push(el.sets.map((s) => s.map((e) => dedupe(keys, e))));
        break;
      }
    }
  }
  if (plain) return { keys, sets: null };
  let sets: number[][] = [[]];
  for (const alts of alternatives) {
    const next: number[][] = [];
    for (const s of sets) for (const a of alts) next.push([...new Set([...s, ...a])].sort((x, y) => x - y));
    sets = next;
  }
  return { keys, sets };
}

export function planAggregation(b: Binder, input: LogicalPlan, scope: Scope, keys: BoundExpr[], sets: number[][] | null, collector: AggCollector): Aggregation {
  // project keys and every aggregate argument below the aggregate
  const pre: BoundExpr[] = [...keys];
  const calls: AggCall[] = collector.aggs.map((a, i) => ({
    fn: a.fn,
    args: a.args.map((x) => dedupe(pre, x)),
    constArgs: a.constArgs,
    distinct: a.distinct,
    filter: a.filter === null ? null : dedupe(pre, a.filter),
    orderBy: a.orderBy.map((o) => ({ index: dedupe(pre, o.expr), desc: o.desc, nullsFirst: o.nullsFirst })),
    ignoreNulls: a.ignoreNulls,
    type: a.type,
    name: `EXPR$${i}`,
  }));
  const names = pre.map((e, i) => (e.kind === 'input' ? scope.columns.find((c) => c.index === e.index)?.name ?? `$f${i}` : `$f${i}`));
  let below: LogicalPlan = L.project(input, pre, names);
  // ordered aggregates (ARRAY_AGG(x ORDER BY y), LISTAGG .. WITHIN GROUP) see rows in that order
  const ordered = calls.filter((c) => c.orderBy.length > 0);
  if (ordered.length > 0) {
    const first = JSON.stringify(ordered[0]!.orderBy);
    if (ordered.some((c) => JSON.stringify(c.orderBy) !== first)) {
      throw b.error(SqlState.featureNotSupported, 'aggregates in one SELECT must share the same ORDER BY inside the call', undefined);
    }
    below = L.sort(below, ordered[0]!.orderBy as SortKey[]);
  }
  const agg = L.aggregate(below, keys.map((_, i) => i), calls, sets);
  const k = keys.length;
  const gIndex = sets === null ? -1 : k + calls.length;

  const lift = (e: BoundExpr, loc: A.Loc | undefined): BoundExpr => {
    const go = (x: BoundExpr): BoundExpr => {
      const key = keys.findIndex((g) => exprEquals(g, x));
      if (key >= 0) return inputRef(key, agg.schema[key]!.type);
      switch (x.kind) {
        case 'call':
          if (x.fn === '$agg') return inputRef(k + (x.info as number), agg.schema[k + (x.info as number)]!.type);
          if (x.fn === '$grouping') {
            const positions = x.args.map((a) => {
              const p = keys.findIndex((g) => exprEquals(g, a));
              if (p < 0) throw b.error(SqlState.groupingError, 'arguments of GROUPING must be GROUP BY expressions', loc);
              return p;
            });
            if (gIndex < 0) return literal(0, notNull(T.bigint()));
            return call('$grouping_bits', [inputRef(gIndex, notNull(T.bigint()))], notNull(T.bigint()), { positions, keys: k });
          }
          return { ...x, args: x.args.map(go) };
        case 'case': return { ...x, whens: x.whens.map(([w, t]) => [go(w), go(t)] as [BoundExpr, BoundExpr]), else: x.else ? go(x.else) : null };
        case 'cast': return { ...x, arg: go(x.arg) };
        case 'input': {
          const name = scope.columns.find((c) => c.index === x.index)?.name ?? `$${x.index}`;
          throw b.error(SqlState.groupingError, `column \`${name}\` must appear in the GROUP BY clause or be used in an aggregate function`, loc,
            `Add ${name} to GROUP BY, or wrap it in an aggregate such as MAX(${name}) or FIRST_VALUE(${name}).`);
        }
        default: return x;
      }
    };
    return go(e);
  };
  return { plan: agg, lift };
}
