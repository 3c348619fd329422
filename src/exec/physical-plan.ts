/**
 * Physical plans: which operator computes each step, as the planner decided (hash or nested-loop join,
 * build side, Top-N instead of sort + limit, ...). `exec/build.ts` turns a physical plan into running
 * operators; `describePhysical` prints it for EXPLAIN with Flink's operator names.
 */
import type { Field } from '../types/batch.ts';
import type { BoundExpr } from './expr/expr.ts';
import type { AggCall, SortKey, WindowCall, TvfWindow } from './plan-types.ts';
import type { ColumnPredicate, ScanSource, SinkTarget } from '../connectors/connector.ts';
import { exprToString } from './expr/print.ts';
import { typeToString } from '../types/data-type.ts';
import { renderTree } from '../util/tree.ts';
import { formatValue } from '../types/value.ts';

/** How a lookup join asks its right table for rows (see `ScanSource.createLookup`). */
export interface LookupSpec {
  source: ScanSource;
  /** Source columns the join keys compare with, in `leftKeys` order. */
  keyColumns: number[];
  /** Source columns fetched: those the right scan reads. */
  columns: number[];
  /** The right scan's pushed-down predicates (partition filters the lookup applies). */
  predicates: ColumnPredicate[];
  /** The right side's projection and filter over the fetched columns, or null when it is the scan itself. */
  calc: { projection: BoundExpr[]; condition: BoundExpr | null } | null;
}

export type PhysicalJoinType = 'inner' | 'left' | 'right' | 'full' | 'semi' | 'anti' | 'mark' | 'single';

export type PhysicalPlan =
  | { kind: 'TableSourceScan'; tableName: string; source: ScanSource; columns: number[]; predicates: ColumnPredicate[]; schema: Field[] }
  | { kind: 'Values'; rows: unknown[][]; schema: Field[] }
  | { kind: 'Calc'; input: PhysicalPlan; projection: BoundExpr[]; condition: BoundExpr | null; schema: Field[] }
  | { kind: 'Expand'; input: PhysicalPlan; projections: BoundExpr[][]; schema: Field[] }
  | { kind: 'HashAggregate'; input: PhysicalPlan; groupKeys: number[]; aggs: AggCall[]; schema: Field[] }
  | {
    kind: 'HashJoin'; joinType: PhysicalJoinType; left: PhysicalPlan; right: PhysicalPlan;
    leftKeys: number[]; rightKeys: number[]; nullSafe: boolean[]; residual: BoundExpr | null;
    /** Which input is hashed; the other is streamed through. */
    buildSide: 'left' | 'right'; nullAware: boolean;
    /** The join's columns (left then right, or left and mark) that are materialized; null = all. */
    outputColumns: number[] | null; schema: Field[];
  }
  | { kind: 'NestedLoopJoin'; joinType: PhysicalJoinType; left: PhysicalPlan; right: PhysicalPlan; condition: BoundExpr | null; nullAware: boolean; outputColumns: number[] | null; schema: Field[] }
  | { kind: 'Sort'; input: PhysicalPlan; keys: SortKey[]; schema: Field[] }
  | { kind: 'SortLimit'; input: PhysicalPlan; keys: SortKey[]; limit: number; offset: number; schema: Field[] }
  | { kind: 'Limit'; input: PhysicalPlan; limit: number | null; offset: number; schema: Field[] }
  | { kind: 'Union'; inputs: PhysicalPlan[]; schema: Field[] }
  | { kind: 'HashSetOp'; op: 'intersect' | 'except'; all: boolean; left: PhysicalPlan; right: PhysicalPlan; schema: Field[] }
  | { kind: 'OverAggregate'; input: PhysicalPlan; calls: WindowCall[]; schema: Field[] }
  | { kind: 'Correlate'; input: PhysicalPlan; exprs: BoundExpr[]; withOrdinality: boolean; outer: boolean; schema: Field[] }
  | { kind: 'Sink'; input: PhysicalPlan; tableName: string; target: SinkTarget; overwrite: boolean; staticPartition: Record<string, string>; schema: Field[] }
  | { kind: 'WindowTableFunction'; input: PhysicalPlan; window: TvfWindow; schema: Field[] }
  // ---- streaming nodes (planner/stream): stateful operators that consume and produce changelogs
  /** Computes the watermark of a source's rowtime column: max over rows of `watermark`, emitted periodically. */
  | { kind: 'WatermarkAssigner'; input: PhysicalPlan; rowtime: number; watermark: BoundExpr; schema: Field[] }
  /** Group aggregation over a changelog: +I for a new key, -U/+U when its result changes, -D when its last row leaves. */
  | { kind: 'GroupAggregate'; input: PhysicalPlan; groupKeys: number[]; aggs: AggCall[]; schema: Field[] }
  /** A regular join over changelogs: both sides kept in state; outer rows padded and replaced as matches come and go. */
  | {
    kind: 'StreamJoin'; joinType: PhysicalJoinType; left: PhysicalPlan; right: PhysicalPlan;
    leftKeys: number[]; rightKeys: number[]; nullSafe: boolean[]; residual: BoundExpr | null; nullAware: boolean; schema: Field[];
  }
  /** Top-N per partition (ROW_NUMBER/RANK/DENSE_RANK .. WHERE rank in [start, end]); ties keep arrival order. */
  | {
    kind: 'Rank'; input: PhysicalPlan; partitionKeys: number[]; orderKeys: SortKey[]; rankFn: RankFunction;
    start: number; end: number; outputRank: boolean; schema: Field[];
  }
  /** ROW_NUMBER() = 1 ordered by a time attribute over an append-only input: keep the first or last row per key. */
  | { kind: 'Deduplicate'; input: PhysicalPlan; keys: number[]; keepLast: boolean; timeColumn: number; rowtime: boolean; outputRank: boolean; schema: Field[] }
  /**
   * Aggregation of windowed rows (GROUP BY window_start, window_end, ..): one final +I row per group when the
   * watermark (or, for processing time, the clock) passes the window end; later rows are dropped and counted.
   */
  | {
    kind: 'WindowAggregate'; input: PhysicalPlan; windowStart: number; windowEnd: number;
    /** window_time, when it is grouped on too (the legacy GROUP BY TUMBLE(..) form), else -1. */
    windowTime: number; groupKeys: number[]; aggs: AggCall[];
    time: WindowTime; ltz: boolean; schema: Field[];
  }
  /** SESSION windows with their aggregation: rows wait per partition until the gap closes the session. */
  | {
    kind: 'SessionWindowAggregate'; input: PhysicalPlan; window: TvfWindow; groupKeys: number[]; aggs: AggCall[];
    time: WindowTime; ltz: boolean; schema: Field[];
  }
  /** Top-N per window: rows wait until their window ends, then the first N per partition are emitted. */
  | {
    kind: 'WindowRank'; input: PhysicalPlan; windowEnd: number; partitionKeys: number[]; orderKeys: SortKey[]; rankFn: RankFunction;
    start: number; end: number; outputRank: boolean; time: WindowTime; ltz: boolean; schema: Field[];
  }
  /** A join of two windowed inputs on equal windows: each window's rows are joined when it ends. */
  | {
    kind: 'WindowJoin'; joinType: PhysicalJoinType; left: PhysicalPlan; right: PhysicalPlan; leftWindowEnd: number; rightWindowEnd: number;
    leftKeys: number[]; rightKeys: number[]; nullSafe: boolean[]; residual: BoundExpr | null; time: WindowTime; ltz: boolean; schema: Field[];
  }
  /** Equality join whose rows' times are within bounds: `lower <= left.time - right.time <= upper`; state expires with the watermark. */
  | {
    kind: 'IntervalJoin'; joinType: PhysicalJoinType; left: PhysicalPlan; right: PhysicalPlan; leftKeys: number[]; rightKeys: number[];
    nullSafe: boolean[]; leftTime: number; rightTime: number; lower: number; upper: number; residual: BoundExpr | null; rowtime: boolean; schema: Field[];
  }
  /** FOR SYSTEM_TIME AS OF left.rowtime: each left row meets the version of the right row valid at its time. */
  | {
    kind: 'TemporalJoin'; joinType: 'inner' | 'left'; left: PhysicalPlan; right: PhysicalPlan; leftKeys: number[]; rightKeys: number[];
    nullSafe: boolean[]; leftTime: number; rightTime: number; residual: BoundExpr | null; schema: Field[];
  }
  /**
   * FOR SYSTEM_TIME AS OF left.proctime: each left row looks up the right table as it is when the row
   * arrives. With `lookup` the table answers point lookups itself (a table-store table) and `right` is
   * not run; without, the right side is a bounded table read in full first and hashed.
   */
  | {
    kind: 'LookupJoin'; joinType: 'inner' | 'left'; left: PhysicalPlan; right: PhysicalPlan; leftKeys: number[]; rightKeys: number[];
    nullSafe: boolean[]; residual: BoundExpr | null; lookup?: LookupSpec; schema: Field[];
  }
  /** OVER aggregation ordered by a time attribute: rows are processed in time order once the watermark passes them. */
  | { kind: 'StreamOverAggregate'; input: PhysicalPlan; calls: WindowCall[]; timeColumn: number; rowtime: boolean; schema: Field[] }
  /** Any OVER window over a changelog: each partition a batch changes is computed again and the differences emitted. */
  | { kind: 'RecomputeOverAggregate'; input: PhysicalPlan; calls: WindowCall[]; partitionKeys: number[]; schema: Field[] }
  /** ORDER BY a rowtime attribute: rows are released in time order as the watermark passes them. */
  | { kind: 'TemporalSort'; input: PhysicalPlan; keys: SortKey[]; schema: Field[] }
  /** INTERSECT / EXCEPT over changelogs: a count of each distinct row per side. */
  | { kind: 'StreamSetOp'; op: 'intersect' | 'except'; all: boolean; left: PhysicalPlan; right: PhysicalPlan; schema: Field[] };

export type RankFunction = 'row_number' | 'rank' | 'dense_rank';

/**
 * How a window operator knows a window is complete: the watermark (event time) or the clock (processing
 * time). With `ltz` the windows were cut on a TIMESTAMP_LTZ, so their bounds are wall-clock times of the
 * session zone and are converted to instants before comparing with watermarks or the clock.
 */
export type WindowTime = 'rowtime' | 'proctime';

export function physicalInputs(p: PhysicalPlan): PhysicalPlan[] {
  switch (p.kind) {
    case 'TableSourceScan': case 'Values': return [];
    case 'HashJoin': case 'NestedLoopJoin': case 'HashSetOp': case 'StreamJoin': case 'WindowJoin': case 'IntervalJoin':
    case 'TemporalJoin': case 'LookupJoin': case 'StreamSetOp':
      return [p.left, p.right];
    case 'Union': return p.inputs;
    default: return [p.input];
  }
}

/** The Sink nodes of a plan, in plan order (pre-order): the order their writers are opened in. */
export function sinksOf(p: PhysicalPlan): Array<Extract<PhysicalPlan, { kind: 'Sink' }>> {
  const out: Array<Extract<PhysicalPlan, { kind: 'Sink' }>> = [];
  const walk = (n: PhysicalPlan): void => {
    if (n.kind === 'Sink') out.push(n);
    physicalInputs(n).forEach(walk);
  };
  walk(p);
  return out;
}

function names(p: PhysicalPlan): string[] {
  return p.schema.map((f) => f.name);
}

function inputNames(p: PhysicalPlan): string[] {
  const ins = physicalInputs(p);
  return ins.flatMap((i) => names(i));
}

function sortKeysText(keys: SortKey[], cols: string[]): string {
  return keys.map((k) => `${cols[k.index] ?? '$' + k.index} ${k.desc ? 'DESC' : 'ASC'}${k.nullsFirst !== !k.desc ? (k.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST') : ''}`).join(', ');
}

export function aggText(a: AggCall, cols: string[]): string {
  const args = a.args.map((i) => cols[i] ?? `$${i}`);
  const consts = a.constArgs.map((c) => (typeof c === 'string' ? `'${c}'` : String(c)));
  let s = `${a.fn.toUpperCase()}(${a.distinct ? 'DISTINCT ' : ''}${args.length === 0 && a.fn === 'count' ? '*' : [...args, ...consts].join(', ')})`;
  if (a.filter !== null) s += ` FILTER (WHERE ${cols[a.filter] ?? '$' + a.filter})`;
  return s;
}

/** `TUMBLE(time_col=[ts], size=[10 s])` */
export function windowText(w: TvfWindow, cols: readonly string[]): string {
  const d = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);
  const parts = [`time_col=[${cols[w.timeColumn]}]`];
  if (w.kind === 'session') parts.push(`gap=[${d(w.size)}]`, ...(w.partitionKeys.length > 0 ? [`partition_keys=[${w.partitionKeys.map((k) => cols[k]).join(', ')}]`] : []));
  else {
    if (w.kind === 'hop') parts.push(`slide=[${d(w.slide)}]`);
    if (w.kind === 'cumulate') parts.push(`step=[${d(w.slide)}]`);
    parts.push(`size=[${d(w.size)}]`);
    if (w.offset !== 0) parts.push(`offset=[${d(w.offset)}]`);
  }
  return `${w.kind.toUpperCase()}(${parts.join(', ')})`;
}

/** One line per node, Flink style: `HashJoin(joinType=[InnerJoin], where=[(a = b)], ...)`. */
export function describeNode(p: PhysicalPlan): string {
  const out = names(p);
  const ins = inputNames(p);
  switch (p.kind) {
    case 'TableSourceScan': {
      const fields = p.columns.map((c) => p.source.fields[c]!.name);
      const shown = (col: number, v: unknown): string => {
        const t = p.source.fields[col]!.type;
        const text = formatValue(t, v);
        return t.kind === 'CHAR' || t.kind === 'VARCHAR' || t.kind === 'DATE' || t.kind === 'TIMESTAMP' || t.kind === 'TIMESTAMP_LTZ' || t.kind === 'TIME' ? `'${text}'` : text;
      };
      const pred = p.predicates.length > 0 ? `, filter=[${p.predicates.map((x) => `${p.source.fields[x.column]!.name} ${x.op} ${x.values.map((v) => shown(x.column, v)).join(', ')}`).join(' AND ')}]` : '';
      return `TableSourceScan(table=[[${p.tableName}]], fields=[${fields.join(', ')}]${pred}, source=[${p.source.describe()}])`;
    }
    case 'Values': return `Values(tuples=[${p.rows.length} rows], fields=[${out.join(', ')}])`;
    case 'Calc': {
      const select = p.projection.map((e, i) => {
        const t = exprToString(e, ins);
        return t === out[i] ? t : `${t} AS ${out[i]}`;
      });
      return `Calc(select=[${select.join(', ')}]${p.condition ? `, where=[${exprToString(p.condition, ins)}]` : ''})`;
    }
    case 'Expand': return `Expand(projects=[${p.projections.map((ps) => '{' + ps.map((e) => exprToString(e, ins)).join(', ') + '}').join(', ')}])`;
    case 'HashAggregate': {
      const keys = p.groupKeys.map((k) => ins[k]!);
      return `HashAggregate(${keys.length > 0 ? `groupBy=[${keys.join(', ')}], ` : ''}select=[${[...keys, ...p.aggs.map((a) => `${aggText(a, ins)} AS ${a.name}`)].join(', ')}])`;
    }
    case 'HashJoin': {
      const l = names(p.left);
      const r = names(p.right);
      const eq = p.leftKeys.map((k, i) => `(${l[k]} ${p.nullSafe[i] ? 'IS NOT DISTINCT FROM' : '='} ${r[p.rightKeys[i]!]})`).join(' AND ');
      const residual = p.residual ? ` AND ${exprToString(p.residual, [...l, ...r])}` : '';
      return `HashJoin(joinType=[${joinTypeName(p.joinType)}], where=[${eq}${residual}], select=[${out.join(', ')}], build=[${p.buildSide}]${p.nullAware ? ', nullAware=[true]' : ''})`;
    }
    case 'NestedLoopJoin': {
      const cond = p.condition ? exprToString(p.condition, [...names(p.left), ...names(p.right)]) : 'true';
      return `NestedLoopJoin(joinType=[${joinTypeName(p.joinType)}], where=[${cond}], select=[${out.join(', ')}], build=[right])`;
    }
    case 'Sort': return `Sort(orderBy=[${sortKeysText(p.keys, ins)}])`;
    case 'SortLimit': return `SortLimit(orderBy=[${sortKeysText(p.keys, ins)}], offset=[${p.offset}], fetch=[${p.limit}])`;
    case 'Limit': return `Limit(offset=[${p.offset}], fetch=[${p.limit ?? 'unlimited'}])`;
    case 'Union': return `Union(all=[true], union=[${out.join(', ')}])`;
    case 'HashSetOp': return `HashSetOp(${p.op === 'intersect' ? 'Intersect' : 'Minus'}, all=[${p.all}])`;
    case 'OverAggregate': return `OverAggregate(${p.calls.map((c) => `${c.fn.toUpperCase()}(${c.args.map((a) => ins[a]).join(', ')}) OVER (PARTITION BY ${c.partitionBy.map((k) => ins[k]).join(', ') || '()'} ORDER BY ${sortKeysText(c.orderBy, ins) || '()'} ${c.frame.units.toUpperCase()}) AS ${c.name}`).join(', ')})`;
    case 'Correlate': return `Correlate(invocation=[UNNEST(${p.exprs.map((e) => exprToString(e, ins)).join(', ')})], joinType=[${p.outer ? 'LEFT' : 'INNER'}])`;
    case 'Sink': return `Sink(table=[${p.tableName}], fields=[${ins.join(', ')}]${p.overwrite ? ', overwrite=[true]' : ''})`;
    case 'WindowTableFunction': return `WindowTableFunction(window=[${windowText(p.window, ins)}])`;
    case 'WatermarkAssigner': return `WatermarkAssigner(rowtime=[${ins[p.rowtime]}], watermark=[${exprToString(p.watermark, ins)}])`;
    case 'GroupAggregate': {
      const keys = p.groupKeys.map((k) => ins[k]!);
      return `GroupAggregate(${keys.length > 0 ? `groupBy=[${keys.join(', ')}], ` : ''}select=[${[...keys, ...p.aggs.map((a) => `${aggText(a, ins)} AS ${a.name}`)].join(', ')}])`;
    }
    case 'StreamJoin': {
      const l = names(p.left);
      const r = names(p.right);
      const eq = p.leftKeys.map((k, i) => `(${l[k]} ${p.nullSafe[i] ? 'IS NOT DISTINCT FROM' : '='} ${r[p.rightKeys[i]!]})`);
      if (p.residual) eq.push(exprToString(p.residual, [...l, ...r]));
      return `Join(joinType=[${joinTypeName(p.joinType)}], where=[${eq.join(' AND ') || 'true'}], select=[${out.join(', ')}])`;
    }
    case 'Rank': return `Rank(rankType=[${p.rankFn.toUpperCase()}], rankRange=[rankStart=${p.start}, rankEnd=${p.end}], partitionBy=[${p.partitionKeys.map((k) => ins[k]).join(', ')}], orderBy=[${sortKeysText(p.orderKeys, ins)}], select=[${out.join(', ')}])`;
    case 'Deduplicate': return `Deduplicate(keep=[${p.keepLast ? 'LastRow' : 'FirstRow'}], key=[${p.keys.map((k) => ins[k]).join(', ')}], order=[${p.rowtime ? 'ROWTIME' : 'PROCTIME'}])`;
    case 'WindowAggregate': {
      const keys = p.groupKeys.map((k) => ins[k]!);
      return `WindowAggregate(${keys.length > 0 ? `groupBy=[${keys.join(', ')}], ` : ''}window=[${ins[p.windowStart]}, ${ins[p.windowEnd]}], select=[${[...keys, ...p.aggs.map((a) => `${aggText(a, ins)} AS ${a.name}`)].join(', ')}]${p.time === 'proctime' ? ', time=[PROCTIME]' : ''})`;
    }
    case 'SessionWindowAggregate': {
      const keys = p.groupKeys.map((k) => ins[k]!);
      return `WindowAggregate(${keys.length > 0 ? `groupBy=[${keys.join(', ')}], ` : ''}window=[${windowText(p.window, ins)}], select=[${[...keys, ...p.aggs.map((a) => `${aggText(a, ins)} AS ${a.name}`)].join(', ')}, window_start, window_end, window_time])`;
    }
    case 'WindowRank': return `WindowRank(window=[${ins[p.windowEnd]}], rankType=[${p.rankFn.toUpperCase()}], rankRange=[rankStart=${p.start}, rankEnd=${p.end}], partitionBy=[${p.partitionKeys.map((k) => ins[k]).join(', ')}], orderBy=[${sortKeysText(p.orderKeys, ins)}], select=[${out.join(', ')}])`;
    case 'WindowJoin': case 'IntervalJoin': case 'TemporalJoin': case 'LookupJoin': {
      const l = names(p.left);
      const r = names(p.right);
      const eq = p.leftKeys.map((k, i) => `(${l[k]} ${p.nullSafe[i] ? 'IS NOT DISTINCT FROM' : '='} ${r[p.rightKeys[i]!]})`);
      if (p.residual) eq.push(exprToString(p.residual, [...l, ...r]));
      const extra = p.kind === 'IntervalJoin' ? `, windowBounds=[${p.rowtime ? 'isRowTime=true' : 'isRowTime=false'}, leftLowerBound=${p.lower}, leftUpperBound=${p.upper}, leftTimeIndex=${p.leftTime}, rightTimeIndex=${p.rightTime}]`
        : p.kind === 'TemporalJoin' ? `, temporalTime=[${l[p.leftTime]}], versionTime=[${r[p.rightTime]}]`
          : p.kind === 'WindowJoin' ? `, window=[${l[p.leftWindowEnd]} = ${r[p.rightWindowEnd]}]` : '';
      const lookup = p.kind === 'LookupJoin' && p.lookup ? `, lookup=[${p.lookup.source.describe()}]` : '';
      return `${p.kind}(joinType=[${joinTypeName(p.joinType)}], where=[${eq.join(' AND ') || 'true'}]${extra}${lookup}, select=[${out.join(', ')}])`;
    }
    case 'StreamOverAggregate': return `OverAggregate(orderBy=[${ins[p.timeColumn]} ASC], ${p.calls.map((c) => `${c.fn.toUpperCase()}(${c.args.map((a) => ins[a]).join(', ')}) OVER (PARTITION BY ${c.partitionBy.map((k) => ins[k]).join(', ') || '()'} ${c.frame.units.toUpperCase()}) AS ${c.name}`).join(', ')})`;
    case 'TemporalSort': return `TemporalSort(orderBy=[${sortKeysText(p.keys, ins)}])`;
    case 'RecomputeOverAggregate': return `OverAggregate(recompute=[partition], ${p.calls.map((c) => `${c.fn.toUpperCase()}(${c.args.map((a) => ins[a]).join(', ')}) OVER (PARTITION BY ${c.partitionBy.map((k) => ins[k]).join(', ') || '()'} ORDER BY ${sortKeysText(c.orderBy, ins) || '()'} ${c.frame.units.toUpperCase()}) AS ${c.name}`).join(', ')})`;
    case 'StreamSetOp': return `${p.op === 'intersect' ? 'Intersect' : 'Minus'}(all=[${p.all}])`;
  }
}

function joinTypeName(t: PhysicalJoinType): string {
  return { inner: 'InnerJoin', left: 'LeftOuterJoin', right: 'RightOuterJoin', full: 'FullOuterJoin', semi: 'LeftSemiJoin', anti: 'LeftAntiJoin', mark: 'LeftMarkJoin', single: 'LeftSingleJoin' }[t];
}

/** The plan as a tree, one node per line; `mode` adds `changelogMode=[..]` to each node. */
export function describePhysical(p: PhysicalPlan, mode?: (p: PhysicalPlan) => string | undefined): string {
  const line = (n: PhysicalPlan): string => {
    const text = describeNode(n);
    const m = mode?.(n);
    if (m === undefined) return text;
    return text.endsWith('()') ? `${text.slice(0, -1)}changelogMode=${m})` : `${text.slice(0, -1)}, changelogMode=${m})`;
  };
  return renderTree(p, line, physicalInputs);
}

/** Schema line for EXPLAIN output. */
export function schemaText(fields: Field[]): string {
  return fields.map((f) => `${f.name} ${typeToString(f.type)}`).join(', ');
}
