/** Collapses a projection over a projection into one, and drops projections that change nothing. */
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { substituteInputs, inputRefs, visitExpr } from '../../exec/expr/expr.ts';
import { lookupScalar } from '../../exec/functions/registry.ts';
import type { LogicalPlan } from '../logical-plan.ts';
import * as L from '../logical-plan.ts';
import { mapPlan } from './rewrite.ts';

function cheap(e: BoundExpr): boolean {
  return e.kind === 'input' || e.kind === 'literal';
}

function deterministic(e: BoundExpr): boolean {
  let ok = true;
  visitExpr(e, (x) => {
    if (x.kind === 'call' && lookupScalar(x.fn)?.deterministic === false) ok = false;
  });
  return ok;
}

export function mergeProjects(plan: LogicalPlan, keepNames = true): LogicalPlan {
  const merged = mapPlan(plan, (p) => {
    if (p.kind !== 'project' || p.input.kind !== 'project') return p;
    const inner = p.input;
    // inline unless that would compute a non-trivial expression twice
    const uses = new Map<number, number>();
    for (const e of p.exprs) for (const i of inputRefs(e)) uses.set(i, (uses.get(i) ?? 0) + 1);
    for (const [i, n] of uses) {
      const x = inner.exprs[i]!;
      if ((n > 1 && !cheap(x)) || !deterministic(x)) return p;
    }
    return L.project(inner.input, p.exprs.map((e) => substituteInputs(e, inner.exprs)), p.schema.map((f) => f.name));
  });
  return mapPlan(merged, (p) => {
    if (p.kind !== 'project') return p;
    const identity = p.exprs.length === p.input.schema.length && p.exprs.every((e, i) => e.kind === 'input' && e.index === i && e.type.timeAttribute === p.input.schema[i]!.type.timeAttribute);
    if (!identity) return p;
    if (keepNames && p.schema.some((f, i) => f.name !== p.input.schema[i]!.name)) return p;
    return p.input;
  });
}
