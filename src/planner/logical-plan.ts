/**
 * The logical plan: what a query computes, independent of how. The binder (sql/bind) builds it,
 * the rules in planner/rules rewrite it, and planner/physical turns it into operators.
 *
 * Every node carries its output schema. Expressions inside a node refer to columns of the node's input
 * by position (joins: left columns, then right columns).
 */
import { T, nullable, notNull } from '../types/data-type.ts';
import type { Field } from '../types/batch.ts';
import type { BoundExpr } from '../exec/expr/expr.ts';
import type { AggCall, SortKey, WindowCall, TvfWindow } from '../exec/plan-types.ts';
export type { AggCall, SortKey, WindowCall, Frame, FrameBound, TvfWindow } from '../exec/plan-types.ts';
import type { ScanSource, SinkTarget } from '../connectors/connector.ts';

export type JoinType = 'inner' | 'left' | 'right' | 'full' | 'semi' | 'anti' | 'mark' | 'single';

export type LogicalPlan =
  | ScanNode | ValuesNode | ProjectNode | FilterNode | AggregateNode | JoinNode | SortNode | LimitNode
  | UnionNode | SetOpNode | WindowNode | UnnestNode | SinkNode | WindowTvfNode | WatermarkNode;

interface NodeBase {
  schema: Field[];
}

export interface ScanNode extends NodeBase {
  kind: 'scan';
  /** Display name (catalog.db.table). */
  tableName: string;
  source: ScanSource;
  /** Which of the source's columns are read, in output order. */
  projection: number[];
  /** Predicates the source was asked to apply (over the source's full column list); also kept above when the source only prunes. */
  pushedFilters: import('../connectors/connector.ts').ColumnPredicate[];
}

export interface ValuesNode extends NodeBase {
  kind: 'values';
  rows: unknown[][];
}

export interface ProjectNode extends NodeBase {
  kind: 'project';
  input: LogicalPlan;
  exprs: BoundExpr[];
}

export interface FilterNode extends NodeBase {
  kind: 'filter';
  input: LogicalPlan;
  predicate: BoundExpr;
}

export interface AggregateNode extends NodeBase {
  kind: 'aggregate';
  input: LogicalPlan;
  groupKeys: number[];
  /** GROUPING SETS / ROLLUP / CUBE as subsets of groupKeys' positions; null for a plain GROUP BY. Adds a `$g` grouping id column. */
  groupingSets: number[][] | null;
  aggs: AggCall[];
}

export interface JoinNode extends NodeBase {
  kind: 'join';
  joinType: JoinType;
  left: LogicalPlan;
  right: LogicalPlan;
  /** Over left columns then right columns; null = cross product. */
  condition: BoundExpr | null;
  /** NOT IN semantics: a NULL on either side makes the anti/mark result unknown. */
  nullAware: boolean;
  /** `JOIN r FOR SYSTEM_TIME AS OF l.t`: each left row meets the version of the right row valid at l.t. */
  temporal?: TemporalSpec;
}

/** A temporal (versioned-table) join's time columns. */
export interface TemporalSpec {
  /** Left column whose value picks the version (a rowtime or proctime attribute). */
  leftTime: number;
  /** Right rowtime column that orders versions (event-time joins); -1 for a processing-time lookup. */
  rightTime: number;
  /** Right primary-key columns: a version is the latest row per key. */
  rightKey: number[];
}

/**
 * Declares a rowtime column and its watermark (`WATERMARK FOR ts AS ts - INTERVAL '5' SECOND`): the
 * streaming runtime computes watermarks here; the batch runtime drops the node.
 */
export interface WatermarkNode extends NodeBase {
  kind: 'watermark';
  input: LogicalPlan;
  rowtime: number;
  /** Over the input's columns: the watermark a row implies. */
  expr: BoundExpr;
}

export interface SortNode extends NodeBase {
  kind: 'sort';
  input: LogicalPlan;
  keys: SortKey[];
}

export interface LimitNode extends NodeBase {
  kind: 'limit';
  input: LogicalPlan;
  limit: number | null;
  offset: number;
}

/** UNION ALL of inputs with the same column types. */
export interface UnionNode extends NodeBase {
  kind: 'union';
  inputs: LogicalPlan[];
}

export interface SetOpNode extends NodeBase {
  kind: 'setop';
  op: 'intersect' | 'except';
  all: boolean;
  left: LogicalPlan;
  right: LogicalPlan;
}

export interface WindowNode extends NodeBase {
  kind: 'window';
  input: LogicalPlan;
  calls: WindowCall[];
}

/** For each input row, the rows of UNNEST(exprs) appended to it (a lateral join with a table function). */
export interface UnnestNode extends NodeBase {
  kind: 'unnest';
  input: LogicalPlan;
  exprs: BoundExpr[];
  withOrdinality: boolean;
  /** LEFT JOIN LATERAL semantics: keep input rows whose collections are empty. */
  outer: boolean;
}

/**
 * A window table function: each input row with the window(s) it belongs to, as `window_start`,
 * `window_end` and `window_time` (window_end - 1 ms, a time attribute) appended.
 */
export interface WindowTvfNode extends NodeBase {
  kind: 'windowTvf';
  input: LogicalPlan;
  window: TvfWindow;
}

export interface SinkNode extends NodeBase {
  kind: 'sink';
  input: LogicalPlan;
  tableName: string;
  target: SinkTarget;
  overwrite: boolean;
  staticPartition: Record<string, string>;
}

// ---------------------------------------------------------------- constructors (derive schemas)

export function scan(tableName: string, source: ScanSource, projection?: number[]): ScanNode {
  const proj = projection ?? source.fields.map((_, i) => i);
  return { kind: 'scan', tableName, source, projection: proj, pushedFilters: [], schema: proj.map((i) => source.fields[i]!) };
}

export function values(rows: unknown[][], schema: Field[]): ValuesNode {
  return { kind: 'values', rows, schema };
}

export function project(input: LogicalPlan, exprs: BoundExpr[], names: string[]): ProjectNode {
  return { kind: 'project', input, exprs, schema: exprs.map((e, i) => ({ name: names[i]!, type: e.type })) };
}

export function filter(input: LogicalPlan, predicate: BoundExpr): FilterNode {
  return { kind: 'filter', input, predicate, schema: input.schema };
}

export function aggregate(input: LogicalPlan, groupKeys: number[], aggs: AggCall[], groupingSets: number[][] | null = null): AggregateNode {
  const keyFields = groupKeys.map((k, pos) => {
    const f = input.schema[k]!;
    // a key absent from some grouping set is NULL in that set's rows
    const inAll = groupingSets === null || groupingSets.every((s) => s.includes(pos));
    return inAll ? f : { name: f.name, type: nullable(f.type) };
  });
  const aggFields = aggs.map((a) => ({ name: a.name, type: a.type }));
  const schema = [...keyFields, ...aggFields];
  if (groupingSets !== null) schema.push({ name: '$g', type: notNull(T.bigint()) });
  return { kind: 'aggregate', input, groupKeys, groupingSets, aggs, schema };
}

export function joinSchema(joinType: JoinType, left: Field[], right: Field[]): Field[] {
  switch (joinType) {
    case 'semi': case 'anti': return left;
    case 'mark': return [...left, { name: '$mark', type: T.boolean() }];
    case 'left': case 'single': return [...left, ...right.map((f) => ({ name: f.name, type: nullable(f.type) }))];
    case 'right': return [...left.map((f) => ({ name: f.name, type: nullable(f.type) })), ...right];
    case 'full': return [...left, ...right].map((f) => ({ name: f.name, type: nullable(f.type) }));
    default: return [...left, ...right];
  }
}

export function join(joinType: JoinType, left: LogicalPlan, right: LogicalPlan, condition: BoundExpr | null, nullAware = false): JoinNode {
  return { kind: 'join', joinType, left, right, condition, nullAware, schema: joinSchema(joinType, left.schema, right.schema) };
}

export function sort(input: LogicalPlan, keys: SortKey[]): SortNode {
  return { kind: 'sort', input, keys, schema: input.schema };
}

export function limit(input: LogicalPlan, lim: number | null, offset: number): LimitNode {
  return { kind: 'limit', input, limit: lim, offset, schema: input.schema };
}

export function union(inputs: LogicalPlan[], schema: Field[]): UnionNode {
  return { kind: 'union', inputs, schema };
}

export function setOp(op: 'intersect' | 'except', all: boolean, left: LogicalPlan, right: LogicalPlan, schema: Field[]): SetOpNode {
  return { kind: 'setop', op, all, left, right, schema };
}

export function window(input: LogicalPlan, calls: WindowCall[]): WindowNode {
  return { kind: 'window', input, calls, schema: [...input.schema, ...calls.map((c) => ({ name: c.name, type: c.type }))] };
}

export function unnest(input: LogicalPlan, exprs: BoundExpr[], withOrdinality: boolean, names: string[], outer = false): UnnestNode {
  const fields: Field[] = [];
  let n = 0;
  for (const e of exprs) {
    const t = e.type;
    if (t.kind === 'MAP') {
      fields.push({ name: names[n++] ?? 'key', type: nullable(t.key!) }, { name: names[n++] ?? 'value', type: nullable(t.value!) });
    } else if ((t.kind === 'ARRAY' || t.kind === 'MULTISET') && t.element!.kind === 'ROW') {
      for (const f of t.element!.fields!) fields.push({ name: names[n++] ?? f.name, type: nullable(f.type) });
    } else {
      fields.push({ name: names[n++] ?? `EXPR$${n - 1}`, type: nullable(t.element ?? t) });
    }
  }
  if (withOrdinality) fields.push({ name: names[n] ?? 'ordinality', type: notNull(T.int()) });
  return { kind: 'unnest', input, exprs, withOrdinality, outer, schema: [...input.schema, ...fields] };
}

export function windowTvf(input: LogicalPlan, w: TvfWindow): WindowTvfNode {
  const timeType = input.schema[w.timeColumn]!.type;
  // window_time keeps the kind of time attribute (rowtime or proctime) the windows were built on
  const attr = timeType.timeAttribute;
  const windowTime = timeType.kind === 'TIMESTAMP_LTZ' ? notNull(T.timestampLtz(3)) : notNull(T.timestamp(3));
  return {
    kind: 'windowTvf',
    input,
    window: w,
    schema: [
      ...input.schema,
      { name: 'window_start', type: notNull(T.timestamp(3)) },
      { name: 'window_end', type: notNull(T.timestamp(3)) },
      { name: 'window_time', type: attr ? { ...windowTime, timeAttribute: attr } : windowTime },
    ],
  };
}

export function watermark(input: LogicalPlan, rowtime: number, expr: BoundExpr): WatermarkNode {
  return { kind: 'watermark', input, rowtime, expr, schema: input.schema };
}

export function sink(input: LogicalPlan, tableName: string, target: SinkTarget, overwrite: boolean, staticPartition: Record<string, string>): SinkNode {
  return { kind: 'sink', input, tableName, target, overwrite, staticPartition, schema: [] };
}

export function inputsOf(p: LogicalPlan): LogicalPlan[] {
  switch (p.kind) {
    case 'scan': case 'values': return [];
    case 'join': case 'setop': return [p.left, p.right];
    case 'union': return p.inputs;
    default: return [p.input];
  }
}

/** Copies a node with new inputs (same order as inputsOf), keeping everything else. */
export function withInputs(p: LogicalPlan, inputs: LogicalPlan[]): LogicalPlan {
  switch (p.kind) {
    case 'scan': case 'values': return p;
    case 'join': return { ...p, left: inputs[0]!, right: inputs[1]! };
    case 'setop': return { ...p, left: inputs[0]!, right: inputs[1]! };
    case 'union': return { ...p, inputs };
    default: return { ...p, input: inputs[0]! } as LogicalPlan;
  }
}
