/**
 * A mark join whose mark column is only used as a WHERE term becomes a semi join (`WHERE mark`) or an
 * anti join (`WHERE NOT mark`, null-aware for NOT IN): cheaper, and it streams only the left rows.
 */
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { conjuncts, inputRefs, inputRef } from '../../exec/expr/expr.ts';
import type { LogicalPlan, JoinNode } from '../logical-plan.ts';
import * as L from '../logical-plan.ts';
import { mapPlan } from './rewrite.ts';
import { andAll } from './util.ts';

function isMarkRef(e: BoundExpr, mark: number): 'semi' | 'anti' | null {
  if (e.kind === 'input' && e.index === mark) return 'semi';
  if (e.kind === 'call' && e.fn === 'not' && e.args[0]!.kind === 'input' && e.args[0]!.index === mark) return 'anti';
  return null;
}

export function markJoinToSemi(plan: LogicalPlan): LogicalPlan {
  return mapPlan(plan, (p) => {
    if (p.kind !== 'filter') return p;
    // a filter over a chain of mark joins: each mark used once as a term can be replaced
    let input = p.input;
    let terms = conjuncts(p.predicate);
    const rewrite = (node: LogicalPlan): LogicalPlan => {
      if (node.kind !== 'join' || node.joinType !== 'mark') return node;
      const j = node as JoinNode;
      const left = rewrite(j.left);
      const mark = j.left.schema.length;
      const uses = terms.filter((t) => inputRefs(t).has(mark));
      if (uses.length === 1) {
        const kind = isMarkRef(uses[0]!, mark);
        if (kind !== null) {
          terms = terms.filter((t) => t !== uses[0]);
          // the mark column disappears: keep the layout with a placeholder for the columns above
          return L.join(kind, left, j.right, j.condition, j.nullAware);
        }
      }
      return { ...j, left };
    };
    const rewritten = rewrite(input);
    if (rewritten === input) return p;
    // columns above the replaced marks shift down; re-expose the original layout with a projection
    input = restoreLayout(rewritten, p.input);
    return terms.length === 0 ? input : L.filter(input, andAll(terms));
  });
}

/** Projects `now` back to the column layout of `before` (removed mark columns become FALSE; they are unused). */
function restoreLayout(now: LogicalPlan, before: LogicalPlan): LogicalPlan {
  if (now.schema.length === before.schema.length) return now;
  // walk the original join chain to find which positions were marks that disappeared
  const removed: number[] = [];
  const collect = (orig: LogicalPlan, rew: LogicalPlan): void => {
    if (orig.kind !== 'join' || orig.joinType !== 'mark') return;
    const r = rew as JoinNode;
    collect(orig.left, r.left);
    if (r.joinType !== 'mark') removed.push(orig.left.schema.length);
  };
  collect(before, now);
  const exprs: BoundExpr[] = [];
  let src = 0;
  for (let i = 0; i < before.schema.length; i++) {
    if (removed.includes(i)) {
      exprs.push({ kind: 'literal', value: false, type: before.schema[i]!.type });
    } else {
      exprs.push(inputRef(src, now.schema[src]!.type));
      src++;
    }
  }
  return L.project(now, exprs, before.schema.map((f) => f.name));
}
