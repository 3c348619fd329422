/**
 * A mark join whose mark column is only used as a WHERE term becomes a semi join (`WHERE mark`) or an
 * anti join (`WHERE NOT mark`, null-aware for NOT IN): cheaper, and it streams only the left rows.
 *
 * A filter keeps only rows where its condition is TRUE, so a three-valued subquery result (correlated
 * IN, ANY, ALL: `CASE WHEN found THEN TRUE WHEN unknown THEN NULL ELSE FALSE END`) is first reduced to
 * what decides that: `found` (IN), or `NOT found AND NOT unknown` (NOT IN). A mark join whose mark is
 * then used nowhere only adds a column, and goes. Marks below a filter belong to its WHERE clause (the
 * binder puts the SELECT list's subqueries above it), so nothing else reads them.
 */
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { conjuncts, inputRefs, inputRef, remapInputs } from '../../exec/expr/expr.ts';
import type { LogicalPlan, JoinNode } from '../logical-plan.ts';
import * as L from '../logical-plan.ts';
import { mapPlan } from './rewrite.ts';
import { andAll } from './util.ts';

function isMarkRef(e: BoundExpr, mark: number): 'semi' | 'anti' | null {
  if (e.kind === 'input' && e.index === mark) return 'semi';
  if (e.kind === 'call' && e.fn === 'not' && e.args[0]!.kind === 'input' && e.args[0]!.index === mark) return 'anti';
  return null;
}

/** `CASE WHEN a THEN TRUE WHEN b THEN NULL ELSE FALSE END` as [a, b] (how the binder writes `x op ANY (..)`). */
function threeValued(e: BoundExpr): [BoundExpr, BoundExpr] | undefined {
  if (e.kind !== 'case' || e.whens.length !== 2 || e.else?.kind !== 'literal' || e.else.value !== false) return undefined;
  const [[a, t], [b, n]] = e.whens as [[BoundExpr, BoundExpr], [BoundExpr, BoundExpr]];
  return t.kind === 'literal' && t.value === true && n.kind === 'literal' && n.value === null ? [a, b] : undefined;
}

/** A filter term as the terms that decide whether it is TRUE. */
function decidingTerms(t: BoundExpr): BoundExpr[] {
  const direct = threeValued(t);
  if (direct) return [direct[0]];
  if (t.kind === 'call' && t.fn === 'not') {
    const negated = threeValued(t.args[0]!);
    if (negated) return negated.map((x) => ({ kind: 'call', fn: 'not', args: [x], type: x.type }) as BoundExpr);
  }
  return [t];
}

/** A rewritten plan and where each column of the original layout went (undefined: removed). */
interface Rewritten {
  plan: LogicalPlan;
  map: (column: number) => number | undefined;
}

export function markJoinToSemi(plan: LogicalPlan): LogicalPlan {
  return mapPlan(plan, (p) => {
    if (p.kind !== 'filter') return p;
    // a filter over a chain of mark joins: each mark used once as a term can be replaced
    let terms = conjuncts(p.predicate).flatMap(decidingTerms);
    let changed = false;
    const rewrite = (node: LogicalPlan): Rewritten => {
      if (node.kind !== 'join' || node.joinType !== 'mark') return { plan: node, map: (i) => i };
      const j = node as JoinNode;
      const left = rewrite(j.left);
      const oldWidth = j.left.schema.length;
      const newWidth = left.plan.schema.length;
      // a mark removed further down shifts this join's right columns (and its own mark) to the left
      const condition = j.condition === null ? null : remapInputs(j.condition, (i) => (i < oldWidth ? left.map(i)! : i - oldWidth + newWidth));
      const mark = oldWidth;
      const uses = terms.filter((t) => inputRefs(t).has(mark));
      if (uses.length === 0) {
        changed = true;
        return { plan: left.plan, map: (i) => (i < oldWidth ? left.map(i) : undefined) };
      }
      const kind = uses.length === 1 ? isMarkRef(uses[0]!, mark) : null;
      if (kind !== null) {
        terms = terms.filter((t) => t !== uses[0]);
        changed = true;
        return { plan: L.join(kind, left.plan, j.right, condition, j.nullAware), map: (i) => (i < oldWidth ? left.map(i) : undefined) };
      }
      return { plan: L.join('mark', left.plan, j.right, condition, j.nullAware), map: (i) => (i < oldWidth ? left.map(i) : newWidth) };
    };
    const rewritten = rewrite(p.input);
    if (!changed) return p;
    // re-expose the original layout for the terms that remain and the nodes above (removed marks are unused)
    const before = p.input.schema;
    const exprs: BoundExpr[] = before.map((f, i) => {
      const at = rewritten.map(i);
      return at === undefined ? { kind: 'literal', value: false, type: f.type } : inputRef(at, rewritten.plan.schema[at]!.type);
    });
    const input = L.project(rewritten.plan, exprs, before.map((f) => f.name));
    return terms.length === 0 ? input : L.filter(input, andAll(terms));
  });
}
