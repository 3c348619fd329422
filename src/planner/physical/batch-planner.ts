/**
 * Logical plan → physical plan for the batch runtime. Decisions made here:
 * - filter and projection fuse into one Calc;
 * - joins with equality terms become hash joins (key expressions are projected first), hashing the
 *   side estimated smaller when the join type allows; joins without equalities are nested-loop joins;
 * - ORDER BY + LIMIT becomes a Top-N (SortLimit);
 * - GROUPING SETS expand each row once per set before a hash aggregate.
 */
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { inputRefs, inputRef, remapInputs } from '../../exec/expr/expr.ts';
import type { PhysicalPlan, PhysicalJoinType } from '../../exec/physical-plan.ts';
import type { LogicalPlan, JoinNode } from '../logical-plan.ts';
import type { Field } from '../../types/batch.ts';
import { andAll } from '../rules/util.ts';
import { splitCondition, withKeyColumns } from './join-keys.ts';
import { planTemporalJoin } from './temporal-join.ts';
import { groupingSetsSteps } from './grouping-sets.ts';

/** Rough row count of a plan, for choosing the build side of hash joins. */
export function estimateRows(p: LogicalPlan): number {
  switch (p.kind) {
    case 'scan': return p.source.estimatedRows?.() ?? 1_000_000;
    case 'values': return p.rows.length;
    case 'filter': return Math.max(1, estimateRows(p.input) * 0.3);
    case 'aggregate': return p.groupKeys.length === 0 ? 1 : Math.max(1, estimateRows(p.input) * 0.1);
    case 'join': {
      const l = estimateRows(p.left);
      const r = estimateRows(p.right);
      if (p.joinType === 'semi' || p.joinType === 'anti' || p.joinType === 'mark' || p.joinType === 'single') return l;
      return p.condition ? Math.max(l, r) : l * r;
    }
    case 'limit': return Math.min(p.limit ?? Infinity, estimateRows(p.input));
    case 'union': return p.inputs.reduce((s, i) => s + estimateRows(i), 0);
    case 'setop': return estimateRows(p.left);
    case 'unnest': return estimateRows(p.input) * 4;
    case 'sink': return 0;
    case 'windowTvf': return p.window.kind === 'hop' ? estimateRows(p.input) * Math.ceil(p.window.size / p.window.slide) : estimateRows(p.input);
    default: return estimateRows(p.input);
  }
}

export function toPhysical(p: LogicalPlan): PhysicalPlan {
  switch (p.kind) {
    case 'scan':
      return { kind: 'TableSourceScan', tableName: p.tableName, source: p.source, columns: p.projection, predicates: p.pushedFilters, schema: p.schema };
    case 'values':
      return { kind: 'Values', rows: p.rows, schema: p.schema };
    case 'project': {
      if (p.input.kind === 'filter') {
        if (p.input.input.kind === 'join' && !p.input.input.temporal) return planCalcOverJoin(p.input.input, p.exprs, p.input.predicate, p.schema);
        return { kind: 'Calc', input: toPhysical(p.input.input), projection: p.exprs, condition: p.input.predicate, schema: p.schema };
      }
      if (p.input.kind === 'join' && !p.input.temporal) return planCalcOverJoin(p.input, p.exprs, null, p.schema);
      const input = toPhysical(p.input);
      // a projection that only marks a rowtime or renames columns does no work
      if (p.exprs.length === input.schema.length && p.exprs.every((e, i) => e.kind === 'input' && e.index === i)) return { ...input, schema: p.schema } as PhysicalPlan;
      return { kind: 'Calc', input, projection: p.exprs, condition: null, schema: p.schema };
    }
    case 'filter':
      return { kind: 'Calc', input: toPhysical(p.input), projection: p.schema.map((f, i) => inputRef(i, f.type)), condition: p.predicate, schema: p.schema };
    case 'aggregate': return planAggregate(p);
    case 'join':
      // an event-time temporal join picks versions by time; a processing-time one is a plain join in batch
      if (p.temporal && p.temporal.rightTime >= 0) return planTemporalJoin(p, toPhysical(p.left), toPhysical(p.right), false);
      return planJoin(p);
    case 'watermark': return toPhysical(p.input);
    case 'sort':
      return { kind: 'Sort', input: toPhysical(p.input), keys: p.keys, schema: p.schema };
    case 'limit':
      if (p.input.kind === 'sort' && p.limit !== null) {
        return { kind: 'SortLimit', input: toPhysical(p.input.input), keys: p.input.keys, limit: p.limit, offset: p.offset, schema: p.schema };
      }
      return { kind: 'Limit', input: toPhysical(p.input), limit: p.limit, offset: p.offset, schema: p.schema };
    case 'union':
      return { kind: 'Union', inputs: p.inputs.map(toPhysical), schema: p.schema };
    case 'setop':
      return { kind: 'HashSetOp', op: p.op, all: p.all, left: toPhysical(p.left), right: toPhysical(p.right), schema: p.schema };
    case 'window':
      return { kind: 'OverAggregate', input: toPhysical(p.input), calls: p.calls, schema: p.schema };
    case 'unnest':
      return { kind: 'Correlate', input: toPhysical(p.input), exprs: p.exprs, withOrdinality: p.withOrdinality, outer: p.outer, schema: p.schema };
    case 'windowTvf':
      return { kind: 'WindowTableFunction', input: toPhysical(p.input), window: p.window, schema: p.schema };
    case 'sink':
      return { kind: 'Sink', input: toPhysical(p.input), tableName: p.tableName, target: p.target, overwrite: p.overwrite, staticPartition: p.staticPartition, schema: [] };
  }
}

function planAggregate(p: Extract<LogicalPlan, { kind: 'aggregate' }>): PhysicalPlan {
  const input = toPhysical(p.input);
  if (p.groupingSets === null) {
    return { kind: 'HashAggregate', input, groupKeys: p.groupKeys, aggs: p.aggs, schema: p.schema };
  }
  const g = groupingSetsSteps(p);
  const expand: PhysicalPlan = { kind: 'Expand', input, projections: g.projections, schema: g.expandSchema };
  const agg: PhysicalPlan = { kind: 'HashAggregate', input: expand, groupKeys: g.groupKeys, aggs: p.aggs, schema: g.aggSchema };
  return { kind: 'Calc', input: agg, projection: g.reorder, condition: null, schema: p.schema };
}

/**
 * Plans a join. `needed` lists the join's output columns something above reads (null = all); the join
 * then materializes only those, in ascending order, as its schema.
 */
function planJoin(j: JoinNode, needed: number[] | null = null): PhysicalPlan {
  const left = toPhysical(j.left);
  const right = toPhysical(j.right);
  const t = j.joinType as PhysicalJoinType;
  const wanted = needed ?? j.schema.map((_, i) => i);
  const schema = wanted.map((i) => j.schema[i]!);
  const { keys, residual } = splitCondition(j);
  if (keys.length === 0) {
    return { kind: 'NestedLoopJoin', joinType: t, left, right, condition: j.condition, nullAware: j.nullAware, outputColumns: needed, schema };
  }
  const l = withKeyColumns(left, keys.map((k) => k.left));
  const r = withKeyColumns(right, keys.map((k) => k.right));
  const lw = left.schema.length;
  const lw2 = l.plan.schema.length;
  // residual terms refer to the original layout; right columns move if key columns were added on the left
  const res = residual.length > 0 ? remapInputs(andAll(residual), (i) => (i < lw ? i : i - lw + lw2)) : null;
  const canBuildLeft = t === 'inner' || t === 'left' || t === 'right' || t === 'full';
  const buildSide = canBuildLeft && estimateRows(j.left) < estimateRows(j.right) ? 'left' : 'right';
  const widened = l.plan !== left || r.plan !== right;
  // positions in the operator's full output (which includes key columns added on either side)
  const outputColumns = widened || needed !== null ? wanted.map((i) => (i < lw ? i : i - lw + lw2)) : null;
  return {
    kind: 'HashJoin', joinType: t, left: l.plan, right: r.plan, leftKeys: l.indices, rightKeys: r.indices,
    nullSafe: keys.map((k) => k.nullSafe), residual: res, buildSide, nullAware: j.nullAware, outputColumns, schema,
  };
}

/** A Calc over a join: the join materializes only the columns the Calc reads. */
function planCalcOverJoin(j: JoinNode, exprs: BoundExpr[], condition: BoundExpr | null, schema: Field[]): PhysicalPlan {
  const refs = new Set<number>();
  for (const e of exprs) inputRefs(e, refs);
  if (condition) inputRefs(condition, refs);
  const needed = [...refs].sort((a, b) => a - b);
  const pos = new Map(needed.map((c, i) => [c, i]));
  const remap = (e: BoundExpr): BoundExpr => remapInputs(e, (i) => pos.get(i)!);
  const join = planJoin(j, needed);
  return { kind: 'Calc', input: join, projection: exprs.map(remap), condition: condition ? remap(condition) : null, schema };
}

