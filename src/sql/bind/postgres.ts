/**
 * Binding of the Postgres dialect (wire sessions): what the grammar reads only with `dialect: 'postgres'`
 * and the few Postgres rules that make catalog queries mean what clients expect. Everything else binds
 * as Flink SQL; the other binder files call in here only when `b.postgres` is set.
 *
 * - casts involving Postgres types: text to and from reg* types (`'orders'::regclass`, `oid::regclass::text`),
 *   text to arrays (`'{a,b}'::text[]`), and retagging between integers, oid and reg* types;
 * - an untyped string literal compared with a value of another type takes that type (`oid = '16385'`);
 * - `~ !~ ~* !~*`, `x op ANY/ALL (array)`, ARRAY(subquery), `||` on arrays;
 * - functions in FROM (`generate_series(1, 3) AS i`, `string_to_array(..) AS s`) and a set-returning
 *   function as the only item of a SELECT without FROM;
 * - the Postgres system catalog (pg_catalog, information_schema) as tables.
 */
import type * as A from '../ast.ts';
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { call, inputRef, literal } from '../../exec/expr/expr.ts';
import * as L from '../../planner/logical-plan.ts';
import type { DataType } from '../../types/data-type.ts';
import { T, isBinary, isCharacter, isInteger, notNull, nullable, typeToString, withNullable } from '../../types/data-type.ts';
import { regTypeOf } from '../../types/pg-types.ts';
import { quantifiedType, regIn, setReturning } from '../../exec/functions/scalar/postgres.ts';
import { SqlState } from '../../util/errors.ts';
import type { Binder } from './binder.ts';
import { Scope, type ScopeColumn } from './scope.ts';
import { bindExpr, coerce, foldNow, scalarCall, type ExprContext } from './expr.ts';
import type { Bound } from './relation.ts';

/** The session of the statement, for functions and casts that read it. */
function pgSession(b: Binder, loc: A.Loc) {
  const pg = b.env.systemCatalog?.session;
  if (!pg) throw b.error(SqlState.featureNotSupported, 'Postgres catalog types need a wire session', loc);
  return pg;
}

/** A constant argument converts now, so that errors (a malformed array) surface at bind time, with the position. */
function foldIfConstant(b: Binder, e: BoundExpr, arg: BoundExpr, loc: A.Loc): BoundExpr {
  return arg.kind === 'literal' ? b.located(loc, () => foldNow(e, b.env.timeZone)) : e;
}

/**
 * CAST between types where Postgres' rules differ from Flink's: reg* types from and to text, arrays
 * from their text form, and integers, oid and reg* types into each other (the same values, another
 * name). Undefined when the Flink cast applies.
 */
export function bindPgCast(b: Binder, x: BoundExpr, t: DataType, loc: A.Loc): BoundExpr | undefined {
  const target = withNullable(t, x.type.nullable);
  const toReg = regTypeOf(t);
  const fromReg = regTypeOf(x.type);
  // a constant converts now, so that an unknown name fails at bind time (42P01), as in Postgres
  if (toReg !== undefined && isCharacter(x.type)) {
    const pg = pgSession(b, loc);
    if (x.kind === 'literal' && typeof x.value === 'string') return literal(b.located(loc, () => regIn(pg, toReg, x.value as string)), target);
    return call('$pg_reg_in', [x], target, { pg, type: toReg });
  }
  if (fromReg !== undefined && isCharacter(t)) {
    const pg = pgSession(b, loc);
    if (x.kind === 'literal' && typeof x.value === 'number') return literal(pg.regName(fromReg, x.value), target);
    return call('$pg_reg_out', [x], target, { pg, type: fromReg });
  }
  if (t.kind === 'ARRAY' && isCharacter(x.type)) {
    return foldIfConstant(b, call('$pg_array_in', [x], target), x, loc);
  }
  if (isBinary(t) && isCharacter(x.type)) {
    // '\x00ff'::bytea is the bytes 00 ff in Postgres, not the UTF-8 bytes of the text
    return foldIfConstant(b, call('$pg_bytea_in', [x], target), x, loc);
  }
  if (x.type.kind === t.kind && (t.pg !== undefined || x.type.pg !== undefined)) {
    // the same values under another Postgres name (oid::regclass, 'x'::name, int2vector::int2[])
    return x.kind === 'literal' ? literal(x.value, target) : { kind: 'cast', arg: x, safe: false, type: target };
  }
  if (x.type.kind === 'NULL') return literal(null, nullable(t));
  return undefined;
}

/** `'text'` written as an untyped string literal (not a typed one such as DATE '..'). */
function isStringLiteral(ast: A.Expr, e: BoundExpr): boolean {
  return ast.kind === 'literal' && ast.type === 'string' && e.kind === 'literal';
}

/**
 * An untyped string literal compared with a value of another type takes that type, as in Postgres
 * (`c.oid = '16385'`, `polroles = '{0}'`). Returns the operands, converted where that applies.
 */
export function unknownLiteral(b: Binder, l: BoundExpr, r: BoundExpr, lAst: A.Expr, rAst: A.Expr, loc: A.Loc): [BoundExpr, BoundExpr] {
  const convert = (lit: BoundExpr, other: BoundExpr): BoundExpr => {
    if (isCharacter(other.type) || other.type.kind === 'NULL') return lit;
    return bindPgCast(b, lit, other.type, loc) ?? b.located(loc, () => foldNow({ kind: 'cast', arg: lit, safe: false, type: other.type }, b.env.timeZone));
  };
  if (isStringLiteral(rAst, r) && !isStringLiteral(lAst, l)) return [l, convert(r, l)];
  if (isStringLiteral(lAst, l) && !isStringLiteral(rAst, r)) return [convert(l, r), r];
  return [l, r];
}

/** `s ~ pattern`, `s !~ pattern`, `s ~* pattern` (case-insensitive), `s !~* pattern`. */
export function bindRegexMatch(b: Binder, e: A.BinaryExpr, ctx: ExprContext): BoundExpr {
  const s = bindExpr(b, e.left, ctx);
  const p = bindExpr(b, e.right, ctx);
  if (!isCharacter(s.type) && s.type.kind !== 'NULL') {
    throw b.error(SqlState.undefinedFunction, `operator does not exist: ${typeToString(s.type, false)} ${e.op} ${typeToString(p.type, false)}`, e.loc,
      'No operator matches the given name and argument types. You might need to add explicit type casts.');
  }
  const args = [coerce(s, T.string()), coerce(p, T.string()), literal(e.op.endsWith('*'), notNull(T.boolean()))];
  const m = scalarCall(b, '$pg_regex_match', args, e.loc);
  return e.op.startsWith('!') ? scalarCall(b, 'not', [m], e.loc) : m;
}

/** `x op ANY (array)`, `x op ALL (array)`. */
export function bindQuantifiedArray(b: Binder, e: A.QuantifiedArrayExpr, ctx: ExprContext): BoundExpr {
  let x = bindExpr(b, e.left, ctx);
  let arr = bindExpr(b, e.array, ctx);
  if (isStringLiteral(e.array, arr) && x.type.kind !== 'NULL') {
    arr = b.located(e.array.loc, () => bindPgCast(b, arr, T.array(x.type), e.array.loc)!);
  }
  if (arr.type.kind !== 'ARRAY') {
    throw b.error(SqlState.datatypeMismatch, `op ${e.quantifier} (array) requires an array on the right side, got ${typeToString(arr.type, false)}`, e.array.loc);
  }
  if (isStringLiteral(e.left, x)) x = bindPgCast(b, x, arr.type.element!, e.left.loc) ?? coerce(x, arr.type.element!);
  const common = quantifiedType(x.type, arr.type);
  if (!common) {
    throw b.error(SqlState.undefinedFunction, `operator does not exist: ${typeToString(x.type, false)} ${e.op} ${typeToString(arr.type.element!, false)}`, e.loc);
  }
  x = coerce(x, common);
  return call('$pg_quantified', [x, arr], T.boolean(), { op: e.op, all: e.quantifier === 'ALL' });
}

/**
 * ARRAY(SELECT x FROM .. ORDER BY ..): the subquery's values in order, as one array (empty, not NULL,
 * when there are none). Bound as the scalar subquery `(SELECT ARRAY_AGG(x ORDER BY ..) FROM ..)`.
 */
export function bindArraySubquery(b: Binder, e: A.ArraySubqueryExpr, ctx: ExprContext): BoundExpr {
  const q = e.query;
  const body = q.body;
  let agg: A.Query;
  const simple = body.kind === 'select' && !body.distinct && body.groupBy === undefined && body.having === undefined && body.items.length === 1
    && body.items[0]!.kind === 'expr' && q.limit === undefined && q.offset === undefined && q.with === undefined;
  if (simple) {
    const sel = body as A.Select;
    const item = (sel.items[0] as { expr: A.Expr }).expr;
    const orderBy = q.orderBy.map((o) => (o.expr.kind === 'literal' && o.expr.type === 'number' && o.expr.value === '1' ? { ...o, expr: item } : o));
    const fn: A.FunctionExpr = { kind: 'function', name: { parts: [{ value: 'array_agg', quoted: false, loc: e.loc }], loc: e.loc }, args: [item], distinct: false, star: false, orderBy: orderBy.length > 0 ? orderBy : undefined, loc: e.loc };
    agg = { kind: 'query', body: { ...sel, items: [{ kind: 'expr', expr: fn, loc: e.loc }] }, orderBy: [], loc: q.loc };
  } else {
    const col: A.Expr = { kind: 'column', name: { parts: [{ value: '$v', quoted: true, loc: e.loc }], loc: e.loc }, loc: e.loc };
    const fn: A.FunctionExpr = { kind: 'function', name: { parts: [{ value: 'array_agg', quoted: false, loc: e.loc }], loc: e.loc }, args: [col], distinct: false, star: false, loc: e.loc };
    agg = {
      kind: 'query', orderBy: [], loc: q.loc,
      body: {
        kind: 'select', hints: [], distinct: false, items: [{ kind: 'expr', expr: fn, loc: e.loc }], windows: [], loc: q.loc,
        from: [{ kind: 'derived', query: q, lateral: false, alias: { value: '$a', quoted: true, loc: e.loc }, columnAliases: [{ value: '$v', quoted: true, loc: e.loc }], loc: q.loc }],
      },
    };
  }
  const value = bindExpr(b, { kind: 'subquery', query: agg, loc: e.loc }, ctx);
  const t = value.type.kind === 'ARRAY' ? value.type : T.array(T.string());
  return scalarCall(b, 'coalesce', [value, literal([], notNull(t))], e.loc);
}

/** `a || b` where one side is an array: the arrays concatenated (an element is appended or prepended). */
export function bindArrayConcat(b: Binder, l: BoundExpr, r: BoundExpr, loc: A.Loc): BoundExpr {
  const wrap = (x: BoundExpr): BoundExpr => (x.type.kind === 'ARRAY' ? x : scalarCall(b, 'array_ctor', [x], loc));
  return scalarCall(b, 'array_concat', [wrap(l), wrap(r)], loc);
}

/** A subscript of int2vector / oidvector counts from 0. */
export function vectorIndex(b: Binder, idx: BoundExpr, loc: A.Loc): BoundExpr {
  if (!isInteger(idx.type)) return idx;
  return scalarCall(b, '+', [idx, literal(1, notNull(T.int()))], loc);
}

/**
 * `SELECT srf(..)` without FROM, where srf returns a set (generate_series, pg_partition_ancestors): in
 * Postgres a row per value. Rewritten as `SELECT * FROM srf(..)`; undefined for other selects.
 */
export function setReturningSelect(sel: A.Select): A.Select | undefined {
  if (sel.from.length > 0 || sel.items.length !== 1) return undefined;
  const item = sel.items[0]!;
  if (item.kind !== 'expr' || item.expr.kind !== 'function' || item.expr.over) return undefined;
  const name = item.expr.name.parts[item.expr.name.parts.length - 1]!.value;
  if (!setReturning(name)) return undefined;
  const ref: A.TableFunctionRef = { kind: 'tableFunction', call: item.expr, lateral: true, alias: item.alias, loc: item.loc };
  return { ...sel, items: [{ kind: 'star', loc: item.loc }], from: [ref] };
}

/**
 * A function in FROM, which may read the columns of the relations to its left (Postgres makes function
 * calls in FROM lateral). A set-returning function gives a row per value (an UNNEST of the array it
 * returns); any other function one row with its value. Without column aliases the one column is named
 * after the alias, else after the function.
 */
export function bindFromFunction(b: Binder, left: Bound, ref: A.TableFunctionRef, outerJoin: boolean, outer: Scope | null): Bound {
  const name = ref.call.name.parts[ref.call.name.parts.length - 1]!.value.toLowerCase();
  const ctx: ExprContext = { scope: left.scope, input: { plan: left.plan }, clause: 'FROM' };
  const args = ref.call.args.map((a) => bindExpr(b, a, ctx));
  if (ctx.input.plan !== left.plan) throw b.error(SqlState.featureNotSupported, 'subqueries in the arguments of a function in FROM are not supported', ref.loc);
  const value = scalarCall(b, name, args, ref.call.loc);
  const lw = left.plan.schema.length;
  const qualifier = ref.alias?.value ?? name;
  const srf = setReturning(name);
  let plan: L.LogicalPlan;
  if (srf) {
    const rows = value.type.element?.kind === 'ROW';
    const names = ref.columnAliases?.map((a) => a.value) ?? (rows ? srf.columns : [ref.alias?.value ?? srf.columns[0]!]);
    plan = L.unnest(left.plan, [value], false, names, outerJoin);
  } else {
    plan = L.project(left.plan, [...left.plan.schema.map((f, i) => inputRef(i, f.type)), value], [...left.plan.schema.map((f) => f.name), ref.columnAliases?.[0]?.value ?? qualifier]);
  }
  const added: ScopeColumn[] = plan.schema.slice(lw).map((f, i) => ({ qualifier, name: f.name, index: lw + i, type: f.type }));
  return { plan, scope: new Scope([...left.scope.columns, ...added], outer) };
}

/** A table of the Postgres system catalog (`pg_catalog.pg_class`, `information_schema.tables`, unqualified `pg_class`). */
export function systemTable(b: Binder, ref: A.NamedTableRef, outer: Scope | null): Bound | undefined {
  const sys = b.env.systemCatalog;
  if (!sys) return undefined;
  const parts = ref.name.parts.map((p) => (p.quoted ? p.value : p.value.toLowerCase()));
  let schema: string | undefined;
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
    schema = sys.searchedFirst.find((s) => sys.table(s, name) !== undefined);
    if (schema === undefined) return undefined;
  } else {
    const s = parts[parts.length - 2]!;
    if (!sys.schemas.includes(s)) return undefined;
    if (parts.length === 3 && parts[0] !== b.env.catalogs.currentCatalog.toLowerCase()) return undefined;
    schema = s;
    name = parts[parts.length - 1]!;
  }
  const source = sys.table(schema, name);
  if (!source) throw b.error(SqlState.undefinedTable, `relation "${schema}.${name}" does not exist`, ref.name.loc);
  if (ref.hints.length > 0 || ref.systemTime) throw b.error(SqlState.featureNotSupported, `${schema}.${name} is a system catalog table: it takes no hints or FOR SYSTEM_TIME`, ref.loc);
  const plan = L.scan(`${schema}.${name}`, source);
  const names = ref.columnAliases?.map((a) => a.value) ?? source.fields.map((f) => f.name);
  if (names.length !== source.fields.length) {
    throw b.error(SqlState.syntaxError, `table ${schema}.${name} has ${source.fields.length} column(s) but ${names.length} alias(es) were given`, ref.loc);
  }
  const qualifier = ref.alias?.value ?? name;
  return { plan, scope: new Scope(plan.schema.map((f, i) => ({ qualifier, name: names[i]!, index: i, type: f.type })), outer) };
}
