/**
 * Splitting a join condition into equality keys and a residual, and projecting key expressions that are
 * not plain columns onto the sides: shared by the batch and streaming planners.
 */
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { conjuncts, inputRefs, inputRef, remapInputs } from '../../exec/expr/expr.ts';
import type { PhysicalPlan } from '../../exec/physical-plan.ts';
import type { JoinNode } from '../logical-plan.ts';

export interface EquiKey {
  left: BoundExpr;
  right: BoundExpr;
  nullSafe: boolean;
}

export function splitCondition(j: JoinNode): { keys: EquiKey[]; residual: BoundExpr[] } {
  const lw = j.left.schema.length;
  const keys: EquiKey[] = [];
  const residual: BoundExpr[] = [];
  const side = (e: BoundExpr): 'l' | 'r' | 'both' | 'none' => {
    const refs = [...inputRefs(e)];
    if (refs.length === 0) return 'none';
    if (refs.every((i) => i < lw)) return 'l';
    if (refs.every((i) => i >= lw)) return 'r';
    return 'both';
  };
  for (const c of conjuncts(j.condition)) {
    if (c.kind === 'call' && (c.fn === '=' || c.fn === 'is_not_distinct_from')) {
      const [a, b] = c.args as [BoundExpr, BoundExpr];
      const sa = side(a);
      const sb = side(b);
      const nullSafe = c.fn === 'is_not_distinct_from';
      // a constant compared with the subquery column (`5 IN (SELECT ..)`) is a left key like any other:
      // null-aware joins need their comparison as a key to see NULL keys
      const leftish = (s: string): boolean => s === 'l' || (s === 'none' && j.nullAware);
      if (leftish(sa) && sb === 'r') { keys.push({ left: a, right: remapInputs(b, (i) => i - lw), nullSafe }); continue; }
      if (sa === 'r' && leftish(sb)) { keys.push({ left: b, right: remapInputs(a, (i) => i - lw), nullSafe }); continue; }
    }
    residual.push(c);
  }
  return { keys, residual };
}

/** Projects key expressions that are not plain columns onto the end of a side. */
export function withKeyColumns(side: PhysicalPlan, exprs: BoundExpr[]): { plan: PhysicalPlan; indices: number[] } {
  const width = side.schema.length;
  const extra: BoundExpr[] = [];
  const indices = exprs.map((e) => {
    if (e.kind === 'input') return e.index;
    extra.push(e);
    return width + extra.length - 1;
  });
  if (extra.length === 0) return { plan: side, indices };
  const projection = [...side.schema.map((f, i) => inputRef(i, f.type)), ...extra];
  const schema = [...side.schema, ...extra.map((e, i) => ({ name: `$key${i}`, type: e.type }))];
  return { plan: { kind: 'Calc', input: side, projection, condition: null, schema }, indices };
}
