/**
 * OVER clauses: ranking, navigation and aggregate functions over a window specification
 * (PARTITION BY, ORDER BY, ROWS/RANGE frame), including named windows (WINDOW w AS (...)).
 */
import type * as A from '../ast.ts';
import type { BoundExpr } from '../../exec/expr/expr.ts';
import type { DataType } from '../../types/data-type.ts';
import { T, notNull, nullable, typeToString, isInteger, isNumeric, isDatetime } from '../../types/data-type.ts';
import type { Frame, FrameBound } from '../../exec/plan-types.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { lookupAggregate } from '../../exec/functions/aggregate/registry.ts';
import type { Binder } from './binder.ts';
import type { ExprContext } from './expr.ts';
import { bindExpr, coerce, constantInteger, constantNumber, requireBoolean } from './expr.ts';
import type { OrderExpr } from './collectors.ts';

/** Functions that exist only with OVER. */
export const WINDOW_ONLY = ['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead', 'nth_value'];

const RANKING = new Set(['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile']);

/** Merges `OVER (w ORDER BY ..)` with the named window `w`. */
function resolveSpec(b: Binder, spec: A.WindowSpec, ctx: ExprContext, seen: string[] = []): A.WindowSpec {
  if (!spec.base) return spec;
  const name = spec.base.value;
  if (seen.includes(name)) throw b.error(SqlState.windowingError, `window ${name} refers to itself`, spec.base.loc);
  let base = ctx.win?.named.get(name);
  if (!base) for (const [k, v] of ctx.win?.named ?? []) if (k.toLowerCase() === name.toLowerCase()) base = v;
  if (!base) {
    const known = [...(ctx.win?.named.keys() ?? [])];
    throw b.error(SqlState.windowingError, `unknown window ${name}`, spec.base.loc, known.length > 0 ? `Windows defined: ${known.join(', ')}.` : 'Define it with WINDOW w AS (PARTITION BY .. ORDER BY ..) after HAVING.');
  }
  const resolved = resolveSpec(b, base, ctx, [...seen, name]);
  if (spec.partitionBy.length > 0) throw b.error(SqlState.windowingError, `cannot override PARTITION BY of window ${name}`, spec.loc);
  if (spec.orderBy.length > 0 && resolved.orderBy.length > 0) throw b.error(SqlState.windowingError, `cannot override ORDER BY of window ${name}`, spec.loc);
  return {
    partitionBy: resolved.partitionBy,
    orderBy: spec.orderBy.length > 0 ? spec.orderBy : resolved.orderBy,
    frame: spec.frame ?? resolved.frame,
    loc: spec.loc,
  };
}

function frameBound(b: Binder, bound: A.FrameBound, units: 'ROWS' | 'RANGE', ctx: ExprContext, orderType: DataType | undefined): FrameBound {
  switch (bound.kind) {
    case 'unboundedPreceding': return { kind: 'unboundedPreceding' };
    case 'unboundedFollowing': return { kind: 'unboundedFollowing' };
    case 'currentRow': return { kind: 'currentRow' };
    case 'preceding': case 'following': {
      const sign = bound.kind === 'preceding' ? -1 : 1;
      const constCtx: ExprContext = { ...ctx, agg: undefined, win: undefined };
      if (units === 'ROWS') return { kind: 'offset', offset: sign * constantInteger(b, bound.offset, 'a ROWS frame offset', constCtx) };
      if (orderType && !isNumeric(orderType) && !isDatetime(orderType)) {
        throw b.error(SqlState.windowingError, `a RANGE frame offset needs a numeric or time ORDER BY column, not ${typeToString(orderType, false)}`, bound.offset.loc);
      }
      const v = constantNumber(b, bound.offset, 'a RANGE frame offset', constCtx);
      if (v < 0) throw b.error(SqlState.windowingError, 'frame offsets must not be negative', bound.offset.loc);
      // DATE order keys count days; intervals are in milliseconds
      const scaled = orderType?.kind === 'DATE' ? v / 86_400_000 : v;
      return { kind: 'offset', offset: sign * scaled };
    }
  }
}

/** Position of a frame bound relative to the current row (preceding < current < following). */
function boundRank(b: FrameBound): number {
  switch (b.kind) {
    case 'unboundedPreceding': return -Infinity;
    case 'unboundedFollowing': return Infinity;
    case 'currentRow': return 0;
    case 'offset': return b.offset;
  }
}

export function bindWindowCall(b: Binder, e: A.FunctionExpr, ctx: ExprContext): BoundExpr {
  const name = e.name.parts[e.name.parts.length - 1]!.value.toLowerCase();
  if (!ctx.win) {
    throw b.error(SqlState.windowingError, `window function ${name.toUpperCase()} is not allowed in ${ctx.clause}`, e.loc,
      ctx.clause === 'WHERE' ? 'Compute it in a subquery and filter outside, or use QUALIFY.' : undefined);
  }
  const spec = resolveSpec(b, e.over!, ctx);
  const inner: ExprContext = { ...ctx, win: undefined };
  const partitionBy = spec.partitionBy.map((p) => bindExpr(b, p, inner));
  const windowOrder: OrderExpr[] = spec.orderBy.map((o) => ({ expr: bindExpr(b, o.expr, inner), desc: o.desc, nullsFirst: o.nullsFirst ?? !o.desc }));
  const args = e.args.map((a) => bindExpr(b, a, inner));
  const constArgs: unknown[] = [];
  let type: DataType;
  let callArgs: BoundExpr[] = args;
  const needOrder = (): void => {
    if (windowOrder.length === 0) throw b.error(SqlState.windowingError, `${name.toUpperCase()} needs ORDER BY in its OVER clause`, e.over!.loc);
  };
  const argCount = (min: number, max: number): void => {
    if (args.length < min || args.length > max) {
      throw b.error(SqlState.undefinedFunction, `${name.toUpperCase()} takes ${min === max ? min : `${min} to ${max}`} argument(s), got ${args.length}`, e.loc);
    }
  };
  const literalArg = (i: number, what: string): unknown => {
    const a = args[i]!;
    if (a.kind !== 'literal') throw b.error(SqlState.windowingError, `${what} of ${name.toUpperCase()} must be a constant`, e.args[i]!.loc);
    return a.value;
  };
  if (RANKING.has(name)) {
    needOrder();
    if (name === 'ntile') {
      argCount(1, 1);
      if (!isInteger(args[0]!.type)) throw b.error(SqlState.datatypeMismatch, 'NTILE needs an integer bucket count', e.args[0]!.loc);
      const n = Number(literalArg(0, 'the bucket count'));
      if (!(n > 0)) throw b.error(SqlState.invalidParameterValue, 'NTILE needs a positive bucket count', e.args[0]!.loc);
      constArgs.push(n);
      type = notNull(T.int());
    } else {
      argCount(0, 0);
      type = name === 'percent_rank' || name === 'cume_dist' ? notNull(T.double()) : notNull(T.bigint());
    }
    callArgs = [];
  } else if (name === 'lag' || name === 'lead') {
    argCount(1, 3);
    const offset = args.length > 1 ? Number(literalArg(1, 'the offset')) : 1;
    if (!Number.isInteger(offset) || offset < 0) throw b.error(SqlState.invalidParameterValue, `the offset of ${name.toUpperCase()} must be a non-negative integer`, e.args[1]!.loc);
    constArgs.push(offset);
    type = nullable(args[0]!.type);
    if (args.length > 2) {
      const d = b.located(e.args[2]!.loc, () => coerce(args[2]!, type));
      if (d.kind !== 'literal') throw b.error(SqlState.windowingError, `the default of ${name.toUpperCase()} must be a constant`, e.args[2]!.loc);
      constArgs.push(d.value);
    }
    callArgs = [args[0]!];
  } else if (name === 'nth_value') {
    argCount(2, 2);
    const n = Number(literalArg(1, 'the position'));
    if (!(n >= 1)) throw b.error(SqlState.invalidParameterValue, 'NTH_VALUE needs a position of at least 1', e.args[1]!.loc);
    constArgs.push(n);
    type = nullable(args[0]!.type);
    callArgs = [args[0]!];
  } else if (name === 'first_value' || name === 'last_value') {
    argCount(1, 1);
    type = nullable({ ...args[0]!.type, timeAttribute: undefined } as DataType);
  } else {
    const agg = lookupAggregate(name);
    if (!agg) throw b.error(SqlState.undefinedFunction, `${name.toUpperCase()} cannot be used with OVER`, e.loc);
    if (e.star && name !== 'count') throw b.error(SqlState.syntaxError, `${name.toUpperCase()}(*) is only valid for COUNT`, e.loc);
    if (name === 'listagg' && args.length === 2) {
      constArgs.push(literalArg(1, 'the separator'));
      callArgs = [args[0]!];
    }
    const r = agg.resolve(callArgs.map((a) => a.type), constArgs);
    if (typeof r === 'string') throw b.error(SqlState.undefinedFunction, r, e.loc);
    if (r.argTypes) callArgs = callArgs.map((a, i) => coerce(a, r.argTypes![i]!));
    type = name === 'count' ? notNull(T.bigint()) : r.type;
  }
  const orderType = windowOrder[0]?.expr.type;
  let frame: Frame;
  if (spec.frame) {
    if (spec.frame.units === 'RANGE' && windowOrder.length === 0 && (spec.frame.start.kind === 'preceding' || spec.frame.end.kind === 'following' || spec.frame.end.kind === 'preceding' || spec.frame.start.kind === 'following')) {
      throw b.error(SqlState.windowingError, 'a RANGE frame with an offset needs ORDER BY', spec.frame.loc);
    }
    frame = {
      units: spec.frame.units === 'ROWS' ? 'rows' : 'range',
      start: frameBound(b, spec.frame.start, spec.frame.units, ctx, orderType),
      end: frameBound(b, spec.frame.end, spec.frame.units, ctx, orderType),
    };
    if (frame.start.kind === 'unboundedFollowing') throw b.error(SqlState.windowingError, 'a frame cannot start at UNBOUNDED FOLLOWING', spec.frame.loc);
    if (frame.end.kind === 'unboundedPreceding') throw b.error(SqlState.windowingError, 'a frame cannot end at UNBOUNDED PRECEDING', spec.frame.loc);
    if (boundRank(frame.start) > boundRank(frame.end)) {
      throw b.error(SqlState.windowingError, 'the frame starts after it ends, so it would always be empty', spec.frame.loc,
        'Write the earlier bound first, e.g. ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING.');
    }
  } else if (windowOrder.length > 0) {
    frame = { units: 'range', start: { kind: 'unboundedPreceding' }, end: { kind: 'currentRow' } };
  } else {
    frame = { units: 'rows', start: { kind: 'unboundedPreceding' }, end: { kind: 'unboundedFollowing' } };
  }
  const filter = e.filter ? requireBoolean(b, bindExpr(b, e.filter, inner), 'FILTER (WHERE ..)', e.filter.loc) : null;
  return ctx.win.add({
    fn: lookupAggregate(name)?.name ?? name, args: callArgs, constArgs, distinct: e.distinct, filter, orderBy: [],
    ignoreNulls: e.nullTreatment === 'IGNORE', type, partitionBy, windowOrder, frame,
  });
}

export { FreshetError };
