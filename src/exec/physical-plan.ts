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
  | { kind: 'WindowTableFunction'; input: PhysicalPlan; window: TvfWindow; schema: Field[] };

export function physicalInputs(p: PhysicalPlan): PhysicalPlan[] {
  switch (p.kind) {
    case 'TableSourceScan': case 'Values': return [];
    case 'HashJoin': case 'NestedLoopJoin': case 'HashSetOp': return [p.left, p.right];
    case 'Union': return p.inputs;
    default: return [p.input];
  }
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
  }
}

function joinTypeName(t: PhysicalJoinType): string {
  return { inner: 'InnerJoin', left: 'LeftOuterJoin', right: 'RightOuterJoin', full: 'FullOuterJoin', semi: 'LeftSemiJoin', anti: 'LeftAntiJoin', mark: 'LeftMarkJoin', single: 'LeftSingleJoin' }[t];
}

/** The plan as a tree, one node per line. */
export function describePhysical(p: PhysicalPlan): string {
  return renderTree(p, describeNode, physicalInputs);
}

/** Schema line for EXPLAIN output. */
export function schemaText(fields: Field[]): string {
  return fields.map((f) => `${f.name} ${typeToString(f.type)}`).join(', ');
}
