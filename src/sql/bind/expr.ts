/**
 * Expression binding: AST expressions to typed BoundExprs over the columns of a scope. Resolves names,
 * checks and coerces types (inserting implicit casts), resolves functions in the registries, and hands
 * aggregate calls, window calls and subqueries to their binders.
 */
import type * as A from '../ast.ts';
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { call, literal, inputRef, exprEquals, visitExpr } from '../../exec/expr/expr.ts';
import type { DataType } from '../../types/data-type.ts';
import {
  T, commonType, isCharacter, typeToString, typesEqualIgnoringNull, withNullable, isInteger, notNull, isNumeric, isInterval,
  nullable, canImplicitlyCast,
} from '../../types/data-type.ts';
import type { UserFunction } from '../../exec/functions/udf.ts';
import { canCast, castDependsOnTimeZone } from '../../types/cast.ts';
import { groupKeyOf } from '../../types/value.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { nearMatches } from '../../util/suggest.ts';
import { evaluateConstant } from '../../exec/expr/compile.ts';
import { lookupScalar, builtinScalarFunctions } from '../../exec/functions/registry.ts';
import { lookupAggregate, builtinAggregates } from '../../exec/functions/aggregate/registry.ts';
import type { ArgInfo } from '../../exec/functions/function.ts';
import type { InSetInfo } from '../../exec/functions/scalar/operators.ts';
import type { LogicalPlan } from '../../planner/logical-plan.ts';
import type { Binder } from './binder.ts';
import type { Scope } from './scope.ts';
import type { AggCollector, WindowCollector, OrderExpr } from './collectors.ts';
import { bindLiteral, bindInterval } from './literals.ts';
import { bindType } from './types.ts';
import { bindWindowCall, WINDOW_ONLY } from './window.ts';
import { bindSubqueryExpr } from './subquery.ts';
import { bindWindowAuxiliary, type GroupWindow } from './window-tvf.ts';
import { matchName } from '../../catalog/catalog-manager.ts';
import { isPgVector } from '../../types/pg-types.ts';
import { setReturning } from '../../exec/functions/scalar/postgres.ts';
import {
  bindArrayConcat, bindArraySubquery, bindPgCast, bindQuantifiedArray, bindRegexMatch, unknownLiteral, vectorIndex,
} from './postgres.ts';

export interface ExprContext {
  scope: Scope;
  /** The plan `scope` describes; subqueries in the expression join onto it. */
  input: { plan: LogicalPlan };
  /** Clause name for messages: WHERE, SELECT, GROUP BY, HAVING, ON, ORDER BY, ... */
  clause: string;
  /** Set where aggregate calls are allowed. */
  agg?: AggCollector;
  /** Set where window calls (OVER) are allowed. */
  win?: WindowCollector;
  /**
   * Columns that subqueries in the expression added to `input`, with the outer columns each one depends
   * on (none for an uncorrelated subquery). After GROUP BY such a column is usable when those columns are
   * grouping keys: it is then one value per group.
   */
  subqueryColumns?: Map<number, BoundExpr[]>;
  /** Set when the query groups by a legacy window (GROUP BY TUMBLE(..)): what TUMBLE_START etc. read. */
  groupWindow?: GroupWindow;
}

/**
 * Casts `e` to `t` (keeping e's nullability) unless it already has that type. Constants fold, except
 * casts that need the session time zone, which the optimizer folds knowing it.
 */
export function coerce(e: BoundExpr, t: DataType): BoundExpr {
  if (typesEqualIgnoringNull(e.type, t)) return e;
  const target = withNullable(t, e.type.nullable);
  if (e.kind === 'literal' && e.value === null) return literal(null, withNullable(t, true));
  const cast: BoundExpr = { kind: 'cast', arg: e, safe: false, type: target };
  return e.kind === 'literal' && !castDependsOnTimeZone(e.type, t) ? foldNow(cast, 'UTC') : cast;
}

/** Evaluates a constant expression to a literal (errors surface at bind time, with the position). */
export function foldNow(e: BoundExpr, timeZone: string): BoundExpr {
  return literal(evaluateConstant(e, { timeZone, now: 0 }), e.type);
}

function argInfo(e: BoundExpr): ArgInfo {
  return e.kind === 'literal'
    ? { type: e.type, isLiteral: true, value: e.value }
    : { type: e.type, isLiteral: false, callName: e.kind === 'call' ? e.fn : undefined };
}

/** Resolves and binds a scalar call from already-bound arguments. */
export function scalarCall(b: Binder, name: string, args: BoundExpr[], loc: A.Loc | undefined): BoundExpr {
  const def = lookupScalar(name);
  if (!def || (def.dialect === 'postgres' && !b.postgres)) throw b.error(SqlState.undefinedFunction, `unknown function ${name.toUpperCase()}`, loc);
  const r = def.resolve(args.map(argInfo), { pg: b.postgres ? b.env.systemCatalog?.session : undefined });
  if (typeof r === 'string') {
    throw b.error(SqlState.undefinedFunction, r, loc, `SHOW FUNCTIONS lists the functions; the signature is ${def.syntax}.`);
  }
  const cast = r.argTypes ? args.map((a, i) => (r.argTypes![i] ? coerce(a, r.argTypes![i]!) : a)) : args;
  return call(def.name, cast, r.type, r.info);
}

function isBoolean(t: DataType): boolean {
  return t.kind === 'BOOLEAN' || t.kind === 'NULL';
}

export function requireBoolean(b: Binder, e: BoundExpr, what: string, loc: A.Loc): BoundExpr {
  if (!isBoolean(e.type)) {
    throw b.error(SqlState.datatypeMismatch, `${what} must be a BOOLEAN expression, got ${typeToString(e.type, false)}`, loc,
      isNumeric(e.type) ? 'Compare it with something, e.g. `x <> 0`.' : undefined);
  }
  return e.type.kind === 'NULL' ? literal(null, T.boolean()) : e;
}

/** Combines expressions with AND (TRUE for none). */
export function andAll(es: BoundExpr[]): BoundExpr {
  if (es.length === 0) return literal(true, notNull(T.boolean()));
  if (es.length === 1) return es[0]!;
  return call('and', es, withNullable(T.boolean(), es.some((e) => e.type.nullable)));
}

// ---------------------------------------------------------------- entry

export function bindExpr(b: Binder, e: A.Expr, ctx: ExprContext): BoundExpr {
  return b.located(e.loc, () => bindExprInner(b, e, ctx));
}

function bindExprInner(b: Binder, e: A.Expr, ctx: ExprContext): BoundExpr {
  switch (e.kind) {
    case 'literal': return b.located(e.loc, () => bindLiteral(e, b.env.timeZone));
    case 'interval': return b.located(e.loc, () => bindInterval(e));
    case 'column': return bindColumn(b, e, ctx);
    case 'star':
      throw b.error(SqlState.syntaxError, '`*` is only allowed in a SELECT list or COUNT(*)', e.loc);
    case 'binary': return bindBinary(b, e, ctx);
    case 'unary': {
      const x = bindExpr(b, e.operand, ctx);
      if (e.op === 'NOT') return scalarCall(b, 'not', [requireBoolean(b, x, 'the operand of NOT', e.operand.loc)], e.loc);
      if (e.op === '+') return x;
      return scalarCall(b, 'negate', [x], e.loc);
    }
    case 'isNull': return scalarCall(b, e.not ? 'is_not_null' : 'is_null', [bindExpr(b, e.expr, ctx)], e.loc);
    case 'isBool': {
      const x = requireBoolean(b, bindExpr(b, e.expr, ctx), 'the operand of IS TRUE/FALSE/UNKNOWN', e.expr.loc);
      if (e.value === 'UNKNOWN') return scalarCall(b, e.not ? 'is_not_null' : 'is_null', [x], e.loc);
      const name = `is_${e.not ? 'not_' : ''}${e.value.toLowerCase()}`;
      return scalarCall(b, name, [x], e.loc);
    }
    case 'isDistinct':
      return scalarCall(b, e.not ? 'is_not_distinct_from' : 'is_distinct_from', [bindExpr(b, e.left, ctx), bindExpr(b, e.right, ctx)], e.loc);
    case 'between': return bindBetween(b, e, ctx);
    case 'inList': return bindInList(b, e, ctx);
    case 'inSubquery': case 'exists': case 'subquery': case 'quantified':
      return bindSubqueryExpr(b, e, ctx);
    case 'quantifiedArray': return bindQuantifiedArray(b, e, ctx);
    case 'arraySubquery': return bindArraySubquery(b, e, ctx);
    case 'like': {
      const x = bindExpr(b, e.expr, ctx);
      const p = bindExpr(b, e.pattern, ctx);
      const args = [x, p];
      if (e.escape) args.push(bindExpr(b, e.escape, ctx));
      const r = scalarCall(b, e.op.toLowerCase(), args, e.loc);
      return e.not ? scalarCall(b, 'not', [r], e.loc) : r;
    }
    case 'case': return bindCase(b, e, ctx);
    case 'cast': {
      const x = bindExpr(b, e.expr, ctx);
      const t = bindType(e.type, (err, off) => b.at(err, { start: off, end: off }), b.postgres ? 'postgres' : 'flink');
      const pg = b.postgres && !e.try ? bindPgCast(b, x, t, e.loc) : undefined;
      if (pg) return pg;
      if (!canCast(x.type, t)) {
        throw b.error(SqlState.datatypeMismatch, `cannot cast ${typeToString(x.type, false)} to ${typeToString(t, false)}`, e.loc);
      }
      const target = withNullable(t, x.type.nullable || e.try);
      if (x.kind === 'literal' && x.value === null) return literal(null, withNullable(t, true));
      const c: BoundExpr = { kind: 'cast', arg: x, safe: e.try, type: target };
      return x.kind === 'literal' && !e.try ? b.located(e.loc, () => foldNow(c, b.env.timeZone)) : c;
    }
    case 'function': return bindFunction(b, e, ctx);
    case 'extract':
      return scalarCall(b, 'extract', [literal(e.field, notNull(T.string())), bindExpr(b, e.expr, ctx)], e.loc);
    case 'trim': {
      const name = e.side === 'BOTH' ? 'btrim' : e.side === 'LEADING' ? 'ltrim' : 'rtrim';
      const args = [bindExpr(b, e.expr, ctx)];
      if (e.chars) args.push(bindExpr(b, e.chars, ctx));
      return scalarCall(b, name, args, e.loc);
    }
    case 'position': {
      const args = [bindExpr(b, e.needle, ctx), bindExpr(b, e.haystack, ctx)];
      if (e.from) args.push(bindExpr(b, e.from, ctx));
      return scalarCall(b, 'position', args, e.loc);
    }
    case 'floorCeil':
      return scalarCall(b, e.fn === 'FLOOR' ? 'floor_time' : 'ceil_time', [literal(e.unit, notNull(T.string())), bindExpr(b, e.expr, ctx)], e.loc);
    case 'array': return scalarCall(b, 'array_ctor', e.elements.map((x) => bindExpr(b, x, ctx)), e.loc);
    case 'map': return scalarCall(b, 'map_ctor', e.entries.flatMap((x) => [bindExpr(b, x.key, ctx), bindExpr(b, x.value, ctx)]), e.loc);
    case 'row': return scalarCall(b, 'row_ctor', e.fields.map((x) => bindExpr(b, x, ctx)), e.loc);
    case 'subscript': {
      const base = bindExpr(b, e.expr, ctx);
      let idx = bindExpr(b, e.index, ctx);
      if (b.postgres && isPgVector(base.type)) idx = vectorIndex(b, idx, e.index.loc);
      if (base.type.kind === 'ROW' && idx.kind === 'literal' && typeof idx.value === 'number') {
        const i = idx.value - 1;
        if (i < 0 || i >= base.type.fields!.length) throw b.error(SqlState.invalidColumnReference, `ROW field index ${idx.value} is out of range 1..${base.type.fields!.length}`, e.index.loc);
        return scalarCall(b, 'field', [base, literal(i, notNull(T.int()))], e.loc);
      }
      return scalarCall(b, 'item', [base, idx], e.loc);
    }
    case 'field': return fieldAccess(b, bindExpr(b, e.expr, ctx), e.field);
    case 'param':
      throw b.error(SqlState.featureNotSupported, 'parameters ($1, ?) can only be used in prepared statements over the Postgres wire protocol', e.loc);
    case 'timeUnit': return literal(e.unit, notNull(T.string()));
    case 'descriptor':
      throw b.error(SqlState.syntaxError, 'DESCRIPTOR(..) can only be an argument of a window table function such as TUMBLE', e.loc);
    case 'tableArg':
      throw b.error(SqlState.syntaxError, 'TABLE t can only be an argument of a table function such as TUMBLE(TABLE t, ..)', e.loc);
    case 'namedArg':
      throw b.error(SqlState.syntaxError, `named argument ${e.name.value} => .. is only allowed in table function calls`, e.loc);
  }
}

// ---------------------------------------------------------------- columns and fields

function fieldAccess(b: Binder, base: BoundExpr, field: A.Identifier): BoundExpr {
  if (base.type.kind !== 'ROW') {
    throw b.error(SqlState.datatypeMismatch, `cannot access field \`${field.value}\` of a value of type ${typeToString(base.type, false)}`, field.loc);
  }
  const names = base.type.fields!.map((f) => f.name);
  const m = matchName(field, names);
  if (m === undefined) {
    const near = nearMatches(field.value, names);
    throw b.error(SqlState.undefinedColumn, `ROW type ${typeToString(base.type, false)} has no field \`${field.value}\``, field.loc,
      near.length > 0 ? `Did you mean ${near.map((x) => '`' + x + '`').join(' or ')}?` : `Fields: ${names.join(', ')}.`);
  }
  return scalarCall(b, 'field', [base, literal(names.indexOf(m), notNull(T.int()))], field.loc);
}

function columnExpr(ctx: ExprContext, r: NonNullable<ReturnType<Scope['resolve']>>): BoundExpr {
  if (r.kind === 'local') return inputRef(r.column.index, r.column.type);
  return { kind: 'outer', depth: r.depth, index: r.column.index, type: r.column.type };
}

function bindColumn(b: Binder, e: A.ColumnExpr, ctx: ExprContext): BoundExpr {
  const parts = e.name.parts;
  return b.located(e.loc, () => {
    // qualifier.column[.field...] when the first part names a relation in scope
    if (parts.length >= 2 && ctx.scope.hasQualifier(parts[0]!)) {
      const r = ctx.scope.resolve(parts[0]!, parts[1]!);
      if (!r) throw b.at(ctx.scope.unknownColumn(parts[0]!, parts[1]!), parts[1]!.loc);
      let x = columnExpr(ctx, r);
      for (const f of parts.slice(2)) x = fieldAccess(b, x, f);
      return x;
    }
    const r = ctx.scope.resolve(null, parts[0]!);
    if (!r) {
      if (parts.length >= 2) throw b.at(ctx.scope.unknownColumn(parts[0]!, parts[1]!), parts[0]!.loc);
      throw b.at(ctx.scope.unknownColumn(null, parts[0]!), parts[0]!.loc);
    }
    let x = columnExpr(ctx, r);
    for (const f of parts.slice(1)) x = fieldAccess(b, x, f);
    return x;
  });
}

// ---------------------------------------------------------------- operators

const ARITH = new Set(['+', '-', '*', '/', '%']);
const COMPARE = new Set(['=', '<>', '<', '<=', '>', '>=']);

function bindBinary(b: Binder, e: A.BinaryExpr, ctx: ExprContext): BoundExpr {
  if (e.op === 'AND' || e.op === 'OR') {
    // flatten chains so the compiler short-circuits over all terms at once
    const terms: A.Expr[] = [];
    const collect = (x: A.Expr): void => {
      if (x.kind === 'binary' && x.op === e.op) {
        collect(x.left);
        collect(x.right);
      } else terms.push(x);
    };
    collect(e);
    const bound = terms.map((t) => requireBoolean(b, bindExpr(b, t, ctx), `an operand of ${e.op}`, t.loc));
    return call(e.op.toLowerCase(), bound, withNullable(T.boolean(), bound.some((x) => x.type.nullable)));
  }
  if (b.postgres && e.op.includes('~')) return bindRegexMatch(b, e, ctx);
  let left = bindExpr(b, e.left, ctx);
  let right = bindExpr(b, e.right, ctx);
  if (b.postgres) {
    if (COMPARE.has(e.op)) [left, right] = unknownLiteral(b, left, right, e.left, e.right, e.loc);
    if (e.op === '||' && (left.type.kind === 'ARRAY' || right.type.kind === 'ARRAY')) return bindArrayConcat(b, left, right, e.loc);
  }
  if (ARITH.has(e.op) || COMPARE.has(e.op) || e.op === '||') return scalarCall(b, e.op, [left, right], e.loc);
  throw b.error(SqlState.syntaxError, `unknown operator ${e.op}`, e.loc);
}

function bindBetween(b: Binder, e: A.BetweenExpr, ctx: ExprContext): BoundExpr {
  const x = bindExpr(b, e.expr, ctx);
  let lo = bindExpr(b, e.low, ctx);
  let hi = bindExpr(b, e.high, ctx);
  if (e.symmetric) {
    const l = scalarCall(b, 'least', [lo, hi], e.loc);
    const h = scalarCall(b, 'greatest', [lo, hi], e.loc);
    lo = l;
    hi = h;
  }
  const r = andAll([scalarCall(b, '>=', [x, lo], e.loc), scalarCall(b, '<=', [x, hi], e.loc)]);
  return e.not ? scalarCall(b, 'not', [r], e.loc) : r;
}

function bindInList(b: Binder, e: A.InListExpr, ctx: ExprContext): BoundExpr {
  const x = bindExpr(b, e.expr, ctx);
  const items = e.list.map((i) => bindExpr(b, i, ctx));
  let t: DataType | undefined = x.type;
  for (const [k, i] of items.entries()) {
    const next: DataType | undefined = commonType(t!, i.type) ?? (isCharacter(i.type) && i.kind === 'literal' ? t : undefined);
    if (!next) {
      throw b.error(SqlState.datatypeMismatch, `IN list item of type ${typeToString(i.type, false)} cannot be compared with ${typeToString(x.type, false)}`, e.list[k]!.loc);
    }
    t = next;
  }
  const common = t!;
  const cx = coerce(x, common);
  const citems = items.map((i) => b.located(e.loc, () => coerce(i, common)));
  let r: BoundExpr;
  if (citems.every((i) => i.kind === 'literal') && common.kind !== 'MAP') {
    const primitive = !['ARRAY', 'ROW', 'MULTISET', 'BINARY', 'VARBINARY'].includes(common.kind);
    const set = new Set<unknown>();
    let hasNull = false;
    for (const i of citems) {
      const v = (i as { value: unknown }).value;
      if (v === null) hasNull = true;
      else set.add(primitive ? (typeof v === 'boolean' ? v : v) : groupKeyOf(v));
    }
    const info: InSetInfo = { set, hasNull, keyed: !primitive };
    const probe = common.kind === 'BOOLEAN' ? cx : cx;
    r = call('in_set', [probe], withNullable(T.boolean(), cx.type.nullable || hasNull), info);
  } else {
    const eqs = citems.map((i) => scalarCall(b, '=', [cx, i], e.loc));
    r = eqs.length === 1 ? eqs[0]! : call('or', eqs, withNullable(T.boolean(), eqs.some((q) => q.type.nullable)));
  }
  return e.not ? scalarCall(b, 'not', [r], e.loc) : r;
}

function bindCase(b: Binder, e: A.CaseExpr, ctx: ExprContext): BoundExpr {
  const operand = e.operand ? bindExpr(b, e.operand, ctx) : null;
  const conds = e.whens.map((w) => {
    const c = bindExpr(b, w.when, ctx);
    if (operand) return scalarCall(b, '=', [operand, c], w.when.loc);
    return requireBoolean(b, c, 'a WHEN condition', w.when.loc);
  });
  const results = e.whens.map((w) => bindExpr(b, w.then, ctx));
  const els = e.else ? bindExpr(b, e.else, ctx) : null;
  let t: DataType | undefined = results[0]!.type;
  const all = els ? [...results, els] : results;
  const locs = [...e.whens.map((w) => w.then.loc), ...(e.else ? [e.else.loc] : [])];
  for (let i = 1; i < all.length; i++) {
    const next = commonType(t!, all[i]!.type);
    if (!next) {
      throw b.error(SqlState.datatypeMismatch, `CASE branches have incompatible types ${typeToString(t!, false)} and ${typeToString(all[i]!.type, false)}`, locs[i], 'CAST the branches to one type.');
    }
    t = next;
  }
  const resultType = withNullable(t!.kind === 'NULL' ? T.string() : t!, !els || all.some((x) => x.type.nullable));
  return {
    kind: 'case',
    whens: conds.map((c, i) => [c, coerce(results[i]!, resultType)] as [BoundExpr, BoundExpr]),
    else: els ? coerce(els, resultType) : null,
    type: resultType,
  };
}

// ---------------------------------------------------------------- functions

function functionName(e: A.FunctionExpr): string {
  return e.name.parts[e.name.parts.length - 1]!.value.toLowerCase();
}

function unknownFunction(b: Binder, e: A.FunctionExpr): FreshetError {
  const name = functionName(e);
  const all = [
    ...builtinScalarFunctions(b.postgres ? 'postgres' : 'flink').flatMap((f) => [f.name, ...(f.aliases ?? [])]).filter((n) => /^[a-z_]/.test(n) && !n.startsWith('$') && !n.endsWith('_ctor')),
    ...builtinAggregates().flatMap((f) => [f.name, ...(f.aliases ?? [])]),
    ...WINDOW_ONLY,
  ];
  const near = nearMatches(name, all).map((n) => n.toUpperCase());
  return b.error(SqlState.undefinedFunction, `unknown function ${e.name.parts.map((p) => p.value).join('.').toUpperCase()}`, e.loc,
    near.length > 0 ? `Did you mean ${near.join(' or ')}?` : 'SHOW FUNCTIONS lists the functions.');
}

function bindFunction(b: Binder, e: A.FunctionExpr, ctx: ExprContext): BoundExpr {
  const name = functionName(e);
  const system = b.env.userFunction?.(e.name.parts, true);
  if (system) return bindUserCall(b, system, e, ctx);
  if (e.over) return bindWindowCall(b, e, ctx);
  if (WINDOW_ONLY.includes(name)) {
    throw b.error(SqlState.windowingError, `${name.toUpperCase()} needs an OVER clause, e.g. ${name.toUpperCase()}() OVER (PARTITION BY k ORDER BY ts)`, e.loc);
  }
  if (name === 'grouping' || name === 'grouping_id') return bindGrouping(b, e, ctx);
  if (name === 'current_watermark') return bindCurrentWatermark(b, e, ctx);
  const aux = bindWindowAuxiliary(b, name, e, ctx);
  if (aux) return aux;
  if (['tumble', 'hop', 'session', 'cumulate'].includes(name) && e.args.length > 0) {
    throw b.error(SqlState.syntaxError, `${name.toUpperCase()}(..) groups rows into windows: use it in GROUP BY, or as a table function in FROM: TABLE(${name.toUpperCase()}(TABLE t, DESCRIPTOR(ts), ..))`, e.loc);
  }
  const agg = lookupAggregate(name);
  if (agg) return bindAggregateCall(b, e, ctx, name);
  if (e.star) throw b.error(SqlState.syntaxError, `${name.toUpperCase()}(*) is only valid for COUNT`, e.loc);
  if (e.distinct) throw b.error(SqlState.syntaxError, `DISTINCT is only valid in aggregate functions, not in ${name.toUpperCase()}`, e.loc);
  if (e.filter) throw b.error(SqlState.syntaxError, `FILTER (WHERE ..) is only valid for aggregate functions, not ${name.toUpperCase()}`, e.loc);
  if ((name === 'json_object' || name === 'json_array') && e.onNull === undefined) {
    throw b.error(SqlState.syntaxError, name === 'json_object' ? "JSON_OBJECT takes KEY 'k' VALUE v pairs: JSON_OBJECT(KEY 'a' VALUE 1, KEY 'b' VALUE x)" : 'JSON_ARRAY takes values and an optional NULL ON NULL or ABSENT ON NULL', e.loc);
  }
  const def = lookupScalar(name);
  if (!def || name.startsWith('$') || (def.dialect === 'postgres' && !b.postgres)) {
    const udf = b.env.userFunction?.(e.name.parts, false);
    if (udf) return bindUserCall(b, udf, e, ctx);
    throw unknownFunction(b, e);
  }
  if (setReturning(name)) {
    throw b.error(SqlState.featureNotSupported, `${name.toUpperCase()} returns a set of rows: call it in FROM`, e.loc, `Write SELECT .. FROM ${name}(..) AS x.`);
  }
  const args = e.args.map((a) => bindExpr(b, a, ctx));
  // the constructors take their ON NULL choice as a last, literal argument
  if (e.onNull !== undefined) args.push(literal(e.onNull, notNull(T.string())));
  return scalarCall(b, name, args, e.loc);
}

/** A call of a user-defined function: arguments cast to its declared parameter types, if it declares them. */
function bindUserCall(b: Binder, udf: UserFunction, e: A.FunctionExpr, ctx: ExprContext): BoundExpr {
  if (e.star || e.distinct || e.filter || e.over || e.orderBy) {
    throw b.error(SqlState.syntaxError, `${udf.name.toUpperCase()} is a scalar function: it takes no *, DISTINCT, FILTER, ORDER BY or OVER`, e.loc);
  }
  let args = e.args.map((a) => bindExpr(b, a, ctx));
  const params = udf.paramTypes;
  if (params !== null) {
    if (args.length !== params.length) {
      throw b.error(SqlState.undefinedFunction, `${udf.name.toUpperCase()} takes ${params.length} argument${params.length === 1 ? '' : 's'} (${params.map((t) => typeToString(t, false)).join(', ')}), got ${args.length}`, e.loc);
    }
    args = args.map((a, i) => {
      if (!canImplicitlyCast(a.type, params[i]!)) {
        throw b.error(SqlState.datatypeMismatch, `argument ${i + 1} of ${udf.name.toUpperCase()} must be ${typeToString(params[i]!, false)}, got ${typeToString(a.type, false)}`, e.args[i]!.loc, 'CAST it to the declared type.');
      }
      return coerce(a, params[i]!);
    });
  }
  return call('$udf', args, nullable(udf.returnType), udf);
}

/**
 * CURRENT_WATERMARK(rowtime): the watermark of the rows being evaluated, as a value of the rowtime's
 * type; NULL before the first watermark and in batch mode. Typically `WHERE ts > CURRENT_WATERMARK(ts)
 * OR CURRENT_WATERMARK(ts) IS NULL` to keep only rows that are not late.
 */
function bindCurrentWatermark(b: Binder, e: A.FunctionExpr, ctx: ExprContext): BoundExpr {
  if (e.args.length !== 1) throw b.error(SqlState.syntaxError, 'CURRENT_WATERMARK takes one argument: the rowtime column', e.loc);
  const arg = bindExpr(b, e.args[0]!, ctx);
  if (arg.type.timeAttribute !== 'ROWTIME') {
    throw b.error(SqlState.datatypeMismatch, 'CURRENT_WATERMARK takes a rowtime attribute: a column with a WATERMARK', e.args[0]!.loc,
      'Pass the column the table declares WATERMARK FOR.');
  }
  const type = nullable({ ...arg.type, timeAttribute: undefined } as DataType);
  return call('$current_watermark', [arg], type);
}

/** GROUPING(a, b): bits telling which keys are rolled up in this row (from the `$g` column). */
function bindGrouping(b: Binder, e: A.FunctionExpr, ctx: ExprContext): BoundExpr {
  if (!ctx.agg) throw b.error(SqlState.groupingError, 'GROUPING() is only allowed in the SELECT list, HAVING or ORDER BY of a grouped query', e.loc);
  const args = e.args.map((a) => bindExpr(b, a, { ...ctx, agg: undefined, win: undefined }));
  if (args.length === 0) throw b.error(SqlState.syntaxError, 'GROUPING needs at least one argument', e.loc);
  return call('$grouping', args, notNull(T.bigint()));
}

function bindAggregateCall(b: Binder, e: A.FunctionExpr, ctx: ExprContext, name: string): BoundExpr {
  const fn = lookupAggregate(name)!;
  if (!ctx.agg) {
    throw b.error(SqlState.groupingError, `aggregate function ${name.toUpperCase()} is not allowed in ${ctx.clause}`, e.loc,
      ctx.clause === 'WHERE' ? 'Filter groups with HAVING instead, or aggregate in a subquery.' : undefined);
  }
  const inner: ExprContext = { ...ctx, agg: undefined, win: undefined };
  const bindArg = (a: A.Expr): BoundExpr => {
    try {
      return bindExpr(b, a, inner);
    } catch (err) {
      if (err instanceof FreshetError && err.sqlState === SqlState.groupingError && /aggregate function/.test(err.message)) {
        throw b.error(SqlState.groupingError, 'aggregate function calls cannot be nested', a.loc, 'Compute the inner aggregate in a subquery.');
      }
      throw err;
    }
  };
  let args: BoundExpr[] = [];
  const constArgs: unknown[] = [];
  if (e.star) {
    if (name !== 'count') throw b.error(SqlState.syntaxError, `${name.toUpperCase()}(*) is only valid for COUNT`, e.loc);
  } else {
    const bound = e.args.map(bindArg);
    // trailing literal arguments (LISTAGG separator) are constants, not columns
    if (name === 'listagg' || name === 'string_agg') {
      if (bound.length > 2) throw b.error(SqlState.syntaxError, 'LISTAGG takes a value and an optional separator', e.loc);
      if (bound.length === 2) {
        const sep = bound[1]!;
        if (sep.kind !== 'literal') throw b.error(SqlState.syntaxError, 'the separator of LISTAGG must be a literal', e.args[1]!.loc);
        constArgs.push(sep.value);
      }
      args = bound.slice(0, 1);
    } else args = bound;
  }
  if (name === 'count' && args.length > 1) throw b.error(SqlState.syntaxError, 'COUNT takes one argument (or *)', e.loc);
  const r = fn.resolve(args.map((a) => a.type), constArgs);
  if (typeof r === 'string') throw b.error(SqlState.undefinedFunction, r, e.loc, `The signature is ${fn.syntax}.`);
  if (r.argTypes) args = args.map((a, i) => coerce(a, r.argTypes![i]!));
  const filter = e.filter ? requireBoolean(b, bindExpr(b, e.filter, inner), 'FILTER (WHERE ..)', e.filter.loc) : null;
  const orderBy: OrderExpr[] = (e.orderBy ?? []).map((o) => ({ expr: bindExpr(b, o.expr, inner), desc: o.desc, nullsFirst: o.nullsFirst ?? !o.desc }));
  // COUNT(x) counts non-null x; COUNT(*) and COUNT(DISTINCT ..) as written
  const type = name === 'count' ? notNull(T.bigint()) : r.type;
  return ctx.agg.add({ fn: fn.name, args, constArgs, distinct: e.distinct, filter, orderBy, ignoreNulls: e.nullTreatment === 'IGNORE', type });
}

/** Converts a constant integer expression (LIMIT, OFFSET, frame offsets) to a number. */
/** Binds an expression that must not read any column or subquery (LIMIT, OFFSET, frame offsets). */
function bindConstant(b: Binder, e: A.Expr, what: string, ctx: ExprContext): BoundExpr {
  const before = ctx.input.plan;
  const x = bindExpr(b, e, { ...ctx, agg: undefined, win: undefined, input: { plan: before } });
  let constant = true;
  visitExpr(x, (y) => {
    if (y.kind === 'input' || y.kind === 'outer' || y.kind === 'param') constant = false;
  });
  if (!constant || e.kind === 'subquery') throw b.error(SqlState.syntaxError, `${what} must be a constant, not an expression over columns or a subquery`, e.loc);
  return x;
}

export function constantInteger(b: Binder, e: A.Expr, what: string, ctx: ExprContext): number {
  const x = bindConstant(b, e, what, ctx);
  if (!isInteger(x.type)) throw b.error(SqlState.datatypeMismatch, `${what} must be an integer, got ${typeToString(x.type, false)}`, e.loc);
  const v = b.located(e.loc, () => evaluateConstant(x, { timeZone: b.env.timeZone, now: b.env.now }));
  if (v === null) throw b.error(SqlState.invalidParameterValue, `${what} must not be NULL`, e.loc);
  const n = Number(v);
  if (n < 0) throw b.error(SqlState.invalidParameterValue, `${what} must not be negative, got ${n}`, e.loc);
  return n;
}

/** Constant value of an interval or number expression, for RANGE frame offsets. */
export function constantNumber(b: Binder, e: A.Expr, what: string, ctx: ExprContext): number {
  const x = bindConstant(b, e, what, ctx);
  if (!isNumeric(x.type) && !isInterval(x.type)) throw b.error(SqlState.datatypeMismatch, `${what} must be a number or an INTERVAL`, e.loc);
  const v = evaluateConstant(x, { timeZone: b.env.timeZone, now: b.env.now });
  if (v === null) throw b.error(SqlState.invalidParameterValue, `${what} must not be NULL`, e.loc);
  if (x.type.kind === 'DECIMAL') return Number(v) / 10 ** (x.type.scale ?? 0);
  return Number(v);
}

export { exprEquals };
