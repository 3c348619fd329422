/**
 * A query: WITH, a body (SELECT, VALUES, set operations, nested query), ORDER BY, LIMIT/OFFSET.
 * Set operations line their inputs' columns up by position and cast them to common types.
 */
import type * as A from '../ast.ts';
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { inputRef, literal } from '../../exec/expr/expr.ts';
import type { LogicalPlan, SortKey } from '../../planner/logical-plan.ts';
import * as L from '../../planner/logical-plan.ts';
import type { DataType } from '../../types/data-type.ts';
import { commonType, typeToString, withNullable, T, notNull, typesEqualIgnoringNull } from '../../types/data-type.ts';
import type { Field } from '../../types/batch.ts';
import { SqlState } from '../../util/errors.ts';
import { evaluateConstant } from '../../exec/expr/compile.ts';
import type { Binder } from './binder.ts';
import { Scope } from './scope.ts';
import { bindExpr, coerce, constantInteger, type ExprContext } from './expr.ts';
import { bindSelect, uniquify } from './select.ts';
import { matchName } from '../../catalog/catalog-manager.ts';
import { oneRow } from './relation.ts';

export interface BoundQuery {
  plan: LogicalPlan;
  names: string[];
}

export function bindQuery(b: Binder, q: A.Query, outer: Scope | null): BoundQuery {
  if (q.with) {
    if (q.with.recursive) throw b.error(SqlState.featureNotSupported, 'WITH RECURSIVE is not supported', q.loc);
    const m = new Map<string, A.Cte>();
    for (const c of q.with.ctes) {
      if (m.has(c.name.value)) throw b.error(SqlState.duplicateObject, `WITH query name ${c.name.value} is specified more than once`, c.loc);
      m.set(c.name.value, c);
    }
    b.ctes.push(m);
  }
  try {
    return bindQueryBody(b, q, outer);
  } finally {
    if (q.with) b.ctes.pop();
  }
}

function bindQueryBody(b: Binder, q: A.Query, outer: Scope | null): BoundQuery {
  let plan: LogicalPlan;
  let names: string[];
  let visible: number;
  let sortKeys: SortKey[];
  if (q.body.kind === 'select') {
    const r = bindSelect(b, q.body, outer, q.orderBy);
    ({ plan, names, visible, sortKeys } = r);
  } else {
    const r = bindSetExpr(b, q.body, outer);
    plan = r.plan;
    names = r.names;
    visible = names.length;
    sortKeys = q.orderBy.map((o) => ({ index: outputColumn(b, o, names), desc: o.desc, nullsFirst: o.nullsFirst ?? !o.desc }));
  }
  const constCtx: ExprContext = { scope: new Scope([], null), input: { plan: oneRow() }, clause: 'LIMIT' };
  const lim = q.limit ? constantInteger(b, q.limit, 'LIMIT', constCtx) : null;
  const off = q.offset ? constantInteger(b, q.offset, 'OFFSET', constCtx) : 0;
  if (sortKeys.length > 0) plan = L.sort(plan, sortKeys);
  if (lim !== null || off > 0) plan = L.limit(plan, lim, off);
  if (plan.schema.length > visible) {
    plan = L.project(plan, plan.schema.slice(0, visible).map((f, i) => inputRef(i, f.type)), names);
  }
  return { plan, names };
}

/** ORDER BY over a set operation or VALUES: output column names and ordinals only. */
function outputColumn(b: Binder, o: A.OrderItem, names: string[]): number {
  const e = o.expr;
  if (e.kind === 'literal' && e.type === 'number' && /^\d+$/.test(e.value as string)) {
    const n = Number(e.value);
    if (n < 1 || n > names.length) throw b.error(SqlState.invalidColumnReference, `ORDER BY position ${n} is not in the select list (1..${names.length})`, e.loc);
    return n - 1;
  }
  if (e.kind === 'column' && e.name.parts.length === 1) {
    const m = matchName(e.name.parts[0]!, names);
    if (m !== undefined) return names.indexOf(m);
  }
  throw b.error(SqlState.invalidColumnReference, 'ORDER BY after UNION, INTERSECT, EXCEPT or VALUES must name an output column or position', e.loc,
    `Output columns: ${names.join(', ')}.`);
}

function bindSetExpr(b: Binder, e: A.SetExpr, outer: Scope | null): BoundQuery {
  switch (e.kind) {
    case 'select': {
      const r = bindSelect(b, e, outer, []);
      return { plan: r.plan, names: r.names };
    }
    case 'query': return bindQuery(b, e, outer);
    case 'values': return bindValues(b, e, outer);
    case 'setop': {
      const left = bindSetExpr(b, e.left, outer);
      const right = bindSetExpr(b, e.right, outer);
      const lw = left.plan.schema.length;
      const rw = right.plan.schema.length;
      if (lw !== rw) {
        throw b.error(SqlState.syntaxError, `each ${e.op} query must have the same number of columns: ${lw} on the left, ${rw} on the right`, e.loc);
      }
      const types = left.plan.schema.map((f, i) => {
        const t = commonType(f.type, right.plan.schema[i]!.type);
        if (!t) {
          throw b.error(SqlState.datatypeMismatch, `${e.op} column ${i + 1} (\`${left.names[i]}\`) has types ${typeToString(f.type, false)} and ${typeToString(right.plan.schema[i]!.type, false)} that cannot be combined`, e.loc, 'CAST one side.');
        }
        return t.kind === 'NULL' ? T.string() : t;
      });
      const l = castTo(left.plan, types, left.names);
      const r = castTo(right.plan, types, left.names);
      const schema: Field[] = left.names.map((n, i) => ({ name: n, type: withNullable(types[i]!, l.schema[i]!.type.nullable || r.schema[i]!.type.nullable) }));
      let plan: LogicalPlan;
      if (e.op === 'UNION') {
        plan = L.union([l, r], schema);
        if (!e.all) plan = L.aggregate(plan, schema.map((_, i) => i), []);
      } else {
        plan = L.setOp(e.op === 'INTERSECT' ? 'intersect' : 'except', e.all, l, r, e.op === 'INTERSECT' ? schema : l.schema.map((f, i) => ({ name: left.names[i]!, type: f.type })));
      }
      return { plan, names: left.names };
    }
  }
}

/** Casts a plan's columns to `types` (no-op when they already match). */
export function castTo(plan: LogicalPlan, types: DataType[], names: string[]): LogicalPlan {
  if (plan.schema.every((f, i) => typesEqualIgnoringNull(f.type, types[i]!))) return plan;
  const exprs: BoundExpr[] = plan.schema.map((f, i) => coerce(inputRef(i, f.type), types[i]!));
  return L.project(plan, exprs, names);
}

function bindValues(b: Binder, v: A.Values, outer: Scope | null): BoundQuery {
  const width = v.rows[0]!.length;
  const ctx: ExprContext = { scope: new Scope([], outer), input: { plan: oneRow() }, clause: 'VALUES' };
  const rows = v.rows.map((r, ri) => {
    if (r.length !== width) throw b.error(SqlState.syntaxError, `VALUES rows must have the same number of columns: row 1 has ${width}, row ${ri + 1} has ${r.length}`, r[0]?.loc ?? v.loc);
    return r.map((e) => bindExpr(b, e, ctx));
  });
  if (ctx.input.plan.kind !== 'values') throw b.error(SqlState.featureNotSupported, 'subqueries in VALUES are not supported', v.loc);
  const types: DataType[] = [];
  for (let c = 0; c < width; c++) {
    let t: DataType | undefined = rows[0]![c]!.type;
    for (let r = 1; r < rows.length && t; r++) {
      const next = commonType(t, rows[r]![c]!.type);
      if (!next) {
        throw b.error(SqlState.datatypeMismatch, `VALUES column ${c + 1} mixes ${typeToString(t, false)} and ${typeToString(rows[r]![c]!.type, false)}`, v.rows[r]![c]!.loc, 'CAST the values to one type.');
      }
      t = next;
    }
    types.push(t!.kind === 'NULL' ? T.string() : t!);
  }
  const names = uniquify(Array.from({ length: width }, (_, i) => `EXPR$${i}`));
  const constant = rows.every((r) => r.every((e) => isConstant(e)));
  if (constant) {
    const env = { timeZone: b.env.timeZone, now: b.env.now };
    const values = rows.map((r, ri) => r.map((e, c) => b.located(v.rows[ri]![c]!.loc, () => evaluateConstant(coerce(e, types[c]!), env))));
    const schema = types.map((t, c) => ({ name: names[c]!, type: withNullable(t, values.some((row) => row[c] === null)) }));
    const nonNull = schema.map((f) => (f.type.nullable ? f.type : notNull(f.type)));
    return { plan: L.values(values, schema.map((f, i) => ({ name: f.name, type: nonNull[i]! }))), names };
  }
  // rows with non-deterministic functions are computed per row: UNION ALL of projections over one row
  const parts = rows.map((r) => L.project(oneRow(), r.map((e, c) => coerce(e, types[c]!)), names));
  const schema = types.map((t, c) => ({ name: names[c]!, type: withNullable(t, parts.some((p) => p.schema[c]!.type.nullable)) }));
  return { plan: parts.length === 1 ? parts[0]! : L.union(parts, schema), names };
}

function isConstant(e: BoundExpr): boolean {
  switch (e.kind) {
    case 'literal': return true;
    case 'cast': return isConstant(e.arg);
    case 'case': return e.whens.every(([w, t]) => isConstant(w) && isConstant(t)) && (e.else === null || isConstant(e.else));
    case 'call': return !['rand', 'rand_integer', 'uuid'].includes(e.fn) && e.args.every(isConstant);
    default: return false;
  }
}

void literal;
