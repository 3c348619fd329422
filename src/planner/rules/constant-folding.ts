/**
 * Folds constant subexpressions into literals (deterministic functions only; CURRENT_TIMESTAMP and
 * friends stay, their value is fixed per statement at run time anyway), simplifies AND/OR/NOT with
 * constants, and removes filters that are always TRUE. A filter that is always FALSE or NULL becomes an
 * empty input. Folding happens in the statement's session time zone, which casts to and from
 * TIMESTAMP_LTZ and the time functions read.
 */
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { literal, transformExpr, children } from '../../exec/expr/expr.ts';
import { evaluateConstant } from '../../exec/expr/compile.ts';
import { lookupScalar } from '../../exec/functions/registry.ts';
import { FreshetError } from '../../util/errors.ts';
import { T, notNull, withNullable } from '../../types/data-type.ts';
import type { LogicalPlan } from '../logical-plan.ts';
import * as L from '../logical-plan.ts';
import { mapPlan } from './rewrite.ts';

function foldable(e: BoundExpr): boolean {
  switch (e.kind) {
    case 'literal': return true;
    case 'input': case 'outer': case 'param': return false;
    case 'call': {
      if (e.fn.startsWith('$')) return false;
      const def = lookupScalar(e.fn);
      if (e.fn !== 'and' && e.fn !== 'or' && e.fn !== 'coalesce' && e.fn !== 'if' && (!def || def.deterministic === false || def.dynamic)) return false;
      return e.args.every(foldable);
    }
    default: return children(e).every(foldable);
  }
}

export interface FoldEnv {
  /** Session time zone of the statement. */
  timeZone: string;
}

export function foldExpr(e: BoundExpr, env: FoldEnv): BoundExpr {
  return transformExpr(e, (x) => {
    if (x.kind === 'literal' || x.kind === 'input') return undefined;
    if (x.kind === 'call' && (x.fn === 'and' || x.fn === 'or')) return simplifyLogic(x.fn, x.args, x.type);
    if (x.kind === 'call' && x.fn === 'not' && x.args[0]!.kind === 'literal') {
      const v = x.args[0]!.value;
      return literal(v === null ? null : !v, x.type);
    }
    if (!foldable(x)) return undefined;
    try {
      return literal(evaluateConstant(x, { timeZone: env.timeZone, now: 0 }), x.type);
    } catch (err) {
      // leave failing expressions (1/0) to fail at run time, and only if a row reaches them
      if (err instanceof FreshetError) return undefined;
      throw err;
    }
  });
}

function simplifyLogic(fn: 'and' | 'or', args: BoundExpr[], type: import('../../types/data-type.ts').DataType): BoundExpr | undefined {
  const decisive = fn === 'or';
  const rest: BoundExpr[] = [];
  let sawNull = false;
  for (const a of args) {
    if (a.kind === 'literal') {
      if (a.value === decisive) return literal(decisive, notNull(T.boolean()));
      if (a.value === null) sawNull = true;
      continue;
    }
    rest.push(a);
  }
  if (rest.length === 0) return literal(sawNull ? null : !decisive, withNullable(T.boolean(), sawNull));
  if (sawNull) rest.push(literal(null, T.boolean()));
  if (rest.length === 1) return rest[0];
  if (rest.length === args.length) return undefined;
  return { kind: 'call', fn, args: rest, type };
}

export function foldConstants(plan: LogicalPlan, env: FoldEnv): LogicalPlan {
  return mapPlan(plan, (p) => {
    switch (p.kind) {
      case 'project': return { ...p, exprs: p.exprs.map((e) => foldExpr(e, env)) };
      case 'filter': {
        const pred = foldExpr(p.predicate, env);
        if (pred.kind === 'literal') {
          if (pred.value === true) return p.input;
          return L.values([], p.schema);
        }
        return { ...p, predicate: pred };
      }
      case 'join': return p.condition ? { ...p, condition: foldExpr(p.condition, env) } : p;
      case 'unnest': return { ...p, exprs: p.exprs.map((e) => foldExpr(e, env)) };
      case 'watermark': return { ...p, expr: foldExpr(p.expr, env) };
      default: return p;
    }
  });
}
