/**
 * Ranking in the streaming planner: `ROW_NUMBER() OVER (PARTITION BY .. ORDER BY ..) AS rn .. WHERE
 * rn <= N` (or QUALIFY) becomes a Top-N operator; with rn = 1 ordered by a time attribute over an
 * append-only stream, a deduplication; over windowed rows partitioned by the window, a window Top-N that
 * emits once per window. ORDER BY .. LIMIT is a Top-N without partitions; ORDER BY a rowtime attribute
 * a temporal sort; any other ORDER BY only orders what the client shows.
 */
import type { FilterNode, ProjectNode, SortNode, LimitNode, WindowNode } from '../logical-plan.ts';
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { conjuncts, inputRefs, inputRef } from '../../exec/expr/expr.ts';
import type { PhysicalPlan, RankFunction } from '../../exec/physical-plan.ts';
import type { SortKey } from '../../exec/plan-types.ts';
import type { Field } from '../../types/batch.ts';
import { andAll } from '../rules/util.ts';
import { INSERT_ONLY, INSERT_DELETE, INSERT_UPDATE, RETRACT, isInsertOnly } from './changelog-mode.ts';
import { calc, type Planned } from './planned.ts';
import type { StreamPlanner } from './stream-planner.ts';

const RANKS = new Set(['row_number', 'rank', 'dense_rank']);

interface RankBounds {
  start: number;
  end: number;
  rest: BoundExpr[];
}

function integerLiteral(e: BoundExpr): number | null {
  const x = e.kind === 'cast' ? e.arg : e;
  if (x.kind !== 'literal') return null;
  const v = typeof x.value === 'bigint' ? Number(x.value) : x.value;
  return typeof v === 'number' && Number.isInteger(v) ? v : null;
}

function isColumn(e: BoundExpr, col: number): boolean {
  const x = e.kind === 'cast' ? e.arg : e;
  return x.kind === 'input' && x.index === col;
}

const FLIP: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=' };

/** The rank range `filter` puts on column `col`, and the filter's other terms. */
function rankBounds(filter: FilterNode, col: number): RankBounds | null {
  let start = 1;
  let end = Infinity;
  let found = false;
  const rest: BoundExpr[] = [];
  for (const c of conjuncts(filter.predicate)) {
    if (c.kind === 'call' && c.fn in FLIP && c.args.length === 2) {
      let [a, b] = c.args as [BoundExpr, BoundExpr];
      let op = c.fn;
      if (!isColumn(a, col)) {
        [a, b] = [b, a];
        op = FLIP[op]!;
      }
      const n = integerLiteral(b);
      if (isColumn(a, col) && n !== null) {
        found = true;
        if (op === '<') end = Math.min(end, n - 1);
        else if (op === '<=') end = Math.min(end, n);
        else if (op === '>') start = Math.max(start, n + 1);
        else if (op === '>=') start = Math.max(start, n);
        else { start = Math.max(start, n); end = Math.min(end, n); }
        continue;
      }
    }
    rest.push(c);
  }
  if (!found || !Number.isFinite(end)) return null;
  return { start, end, rest };
}

/** A filter on the only ranking call of an OVER node below it, with a finite upper bound. */
export function rankPattern(f: FilterNode): boolean {
  const w = f.input;
  if (w.kind !== 'window' || w.calls.length !== 1 || !RANKS.has(w.calls[0]!.fn)) return false;
  return rankBounds(f, w.input.schema.length) !== null;
}

export function planRank(planner: StreamPlanner, filter: FilterNode, project: ProjectNode | null): Planned {
  const w = filter.input as WindowNode;
  const call = w.calls[0]!;
  const width = w.input.schema.length;
  const bounds = rankBounds(filter, width)!;
  const usedAbove = project === null || project.exprs.some((e) => inputRefs(e).has(width)) || bounds.rest.some((e) => inputRefs(e).has(width));
  const input = planner.plan(w.input);
  const node = rankNode(input, w, call.fn as RankFunction, call.partitionBy, call.orderBy, bounds.start, bounds.end, usedAbove);
  const op = planner.record(node);
  const schema: Field[] = op.plan.schema;
  const condition = bounds.rest.length > 0 ? andAll(bounds.rest) : null;
  if (project === null) {
    if (condition === null) return op;
    return calc(op, schema.map((f, i) => inputRef(i, f.type)), condition, schema);
  }
  return calc(op, project.exprs, condition, project.schema);
}

function rankNode(input: Planned, w: WindowNode | null, fn: RankFunction, partitionKeys: number[], orderKeys: SortKey[], start: number, end: number, outputRank: boolean): Planned {
  const inSchema = w ? w.input.schema : input.plan.schema;
  const schema = outputRank && w ? w.schema : inSchema;
  const appendOnly = isInsertOnly(input.mode);
  const win = input.window;
  if (win && appendOnly && partitionKeys.includes(win.start) && partitionKeys.includes(win.end)) {
    const rowtimes = new Set<number>();
    if (win.time === 'rowtime') rowtimes.add(win.end);
    if (win.timeCol !== null && input.rowtimes.has(win.timeCol)) rowtimes.add(win.timeCol);
    return {
      plan: {
        kind: 'WindowRank', input: input.plan, windowEnd: win.end, partitionKeys: partitionKeys.filter((k) => k !== win.end),
        orderKeys, rankFn: fn, start, end, outputRank, time: win.time, ltz: win.ltz, schema,
      },
      mode: INSERT_ONLY,
      rowtimes,
      window: win,
      uniqueKey: null,
    };
  }
  const order = orderKeys[0];
  const orderCol = order?.index;
  const timeAttr = orderCol === undefined ? undefined : input.rowtimes.has(orderCol) ? 'rowtime' : inSchema[orderCol]!.type.timeAttribute === 'PROCTIME' ? 'proctime' : undefined;
  if (fn === 'row_number' && start === 1 && end === 1 && orderKeys.length === 1 && timeAttr !== undefined && appendOnly) {
    const keepLast = order!.desc;
    const plan: PhysicalPlan = { kind: 'Deduplicate', input: input.plan, keys: partitionKeys, keepLast, timeColumn: orderCol!, rowtime: timeAttr === 'rowtime', outputRank, schema };
    return {
      plan,
      // keeping the first row by processing time never changes its mind
      mode: !keepLast && timeAttr === 'proctime' ? INSERT_ONLY : INSERT_UPDATE,
      rowtimes: new Set(),
      window: null,
      uniqueKey: partitionKeys.length > 0 ? partitionKeys : null,
    };
  }
  return {
    plan: { kind: 'Rank', input: input.plan, partitionKeys, orderKeys, rankFn: fn, start, end, outputRank, schema },
    mode: appendOnly && !outputRank ? INSERT_DELETE : RETRACT,
    rowtimes: new Set(),
    window: null,
    uniqueKey: end === 1 && fn === 'row_number' && partitionKeys.length > 0 ? partitionKeys : null,
  };
}

/** ORDER BY whose first key is a rowtime attribute, ascending: rows can be released in that order. */
export function isTemporalSort(p: SortNode): boolean {
  const first = p.keys[0];
  return first !== undefined && !first.desc && p.input.schema[first.index]!.type.timeAttribute === 'ROWTIME';
}

export function planSort(planner: StreamPlanner, p: SortNode): Planned {
  const input = planner.plan(p.input);
  const first = p.keys[0]!;
  if (isTemporalSort(p) && input.rowtimes.has(first.index) && isInsertOnly(input.mode)) {
    return { plan: { kind: 'TemporalSort', input: input.plan, keys: p.keys, schema: p.schema }, mode: INSERT_ONLY, rowtimes: input.rowtimes, window: input.window, uniqueKey: input.uniqueKey };
  }
  // a changelog has no order: ORDER BY without LIMIT (in a subquery, or on other columns) orders nothing
  return input;
}

export function planLimit(planner: StreamPlanner, p: LimitNode): Planned {
  const sorted = p.input.kind === 'sort' ? p.input : null;
  const input = planner.plan(sorted ? sorted.input : p.input);
  if (!sorted && isInsertOnly(input.mode)) {
    return { plan: { kind: 'Limit', input: input.plan, limit: p.limit, offset: p.offset, schema: p.schema }, mode: INSERT_ONLY, rowtimes: input.rowtimes, window: input.window, uniqueKey: input.uniqueKey };
  }
  // ORDER BY .. LIMIT, or LIMIT over updates: a Top-N over the whole stream (ties and no order: arrival
  // order); OFFSET without LIMIT keeps every row but the first ones
  return rankNode(input, null, 'row_number', [], sorted ? sorted.keys : [], p.offset + 1, p.limit === null ? Infinity : p.offset + p.limit, false);
}
