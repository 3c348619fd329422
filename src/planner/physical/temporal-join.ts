/**
 * Physical form of `JOIN r FOR SYSTEM_TIME AS OF l.t`: equality keys (which must cover the versioned
 * table's primary key) plus a residual. Shared by the batch planner (event-time joins) and the streaming
 * planner (event-time joins and processing-time lookups).
 */
import type { PhysicalPlan } from '../../exec/physical-plan.ts';
import { remapInputs } from '../../exec/expr/expr.ts';
import type { JoinNode } from '../logical-plan.ts';
import { andAll } from '../rules/util.ts';
import { nullable } from '../../types/data-type.ts';
import { splitCondition, withKeyColumns } from './join-keys.ts';

export function planTemporalJoin(j: JoinNode, left: PhysicalPlan, right: PhysicalPlan, lookup: boolean): PhysicalPlan {
  const t = j.temporal!;
  const { keys, residual } = splitCondition(j);
  const l = withKeyColumns(left, keys.map((k) => k.left));
  const r = withKeyColumns(right, keys.map((k) => k.right));
  const lw = left.schema.length;
  const lw2 = l.plan.schema.length;
  const res = residual.length > 0 ? remapInputs(andAll(residual), (i) => (i < lw ? i : i - lw + lw2)) : null;
  const joinType: 'inner' | 'left' = j.joinType === 'left' ? 'left' : 'inner';
  // key columns appended to a side are dropped again above the join
  const base = {
    joinType, left: l.plan, right: r.plan, leftKeys: l.indices, rightKeys: r.indices, nullSafe: keys.map((k) => k.nullSafe), residual: res,
    schema: [...l.plan.schema, ...r.plan.schema.map((f) => (joinType === 'left' ? { name: f.name, type: nullable(f.type) } : f))],
  };
  const joined: PhysicalPlan = lookup
    ? { kind: 'LookupJoin', ...base }
    : { kind: 'TemporalJoin', ...base, leftTime: t.leftTime, rightTime: t.rightTime };
  if (l.plan === left && r.plan === right) return { ...joined, schema: j.schema } as PhysicalPlan;
  const keep = [...j.schema.keys()].map((i) => (i < lw ? i : i - lw + lw2));
  return {
    kind: 'Calc', input: joined, condition: null, schema: j.schema,
    projection: keep.map((c, i) => ({ kind: 'input', index: c, type: j.schema[i]!.type })),
  };
}
