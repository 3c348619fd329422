/**
 * Windows in the streaming planner: which columns are time attributes a window can use, the window
 * table functions TUMBLE/HOP/CUMULATE (stateless: each row gets its windows), and SESSION windows,
 * whose boundaries depend on the rows around them and so are computed by the session aggregate itself.
 */
import type { LogicalPlan, WindowTvfNode, AggregateNode } from '../logical-plan.ts';
import * as L from '../logical-plan.ts';
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { inputRefs, remapInputs, inputRef } from '../../exec/expr/expr.ts';
import type { WindowTime } from '../../exec/physical-plan.ts';
import type { AggCall } from '../../exec/plan-types.ts';
import type { Field } from '../../types/batch.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { INSERT_ONLY } from './changelog-mode.ts';
import { calc, type Planned } from './planned.ts';
import type { StreamPlanner } from './stream-planner.ts';

/**
 * How a window over column `col` of `input` learns that it is complete: by the watermark (a rowtime
 * attribute the watermark still bounds) or by the clock (a PROCTIME() column).
 */
export function windowTimeOf(input: Planned, col: number, schema: readonly Field[], what: string): { time: WindowTime; ltz: boolean } {
  const f = schema[col]!;
  const ltz = f.type.kind === 'TIMESTAMP_LTZ';
  if (input.rowtimes.has(col)) return { time: 'rowtime', ltz };
  if (f.type.timeAttribute === 'PROCTIME') return { time: 'proctime', ltz };
  if (f.type.timeAttribute === 'ROWTIME') {
    throw new FreshetError(SqlState.featureNotSupported,
      `${what} needs a time attribute, and \`${f.name}\` is no longer one here: rows coming out of a regular join or aggregation can be arbitrarily late, so the watermark does not bound them`, {
        hint: 'Put the window before the join or aggregation, use an interval or window join instead of a regular join, or run the query in batch mode.',
      });
  }
  throw new FreshetError(SqlState.featureNotSupported, `${what} needs a time attribute, and \`${f.name}\` is not one`, {
    hint: `Declare \`WATERMARK FOR ${f.name} AS ${f.name} - INTERVAL '5' SECOND\` in the table (event time), use a column computed AS PROCTIME() (processing time), or run the query in batch mode.`,
  });
}

/** TUMBLE, HOP and CUMULATE: rows get their windows as they pass (SESSION only under an aggregate). */
export function planWindowTvf(planner: StreamPlanner, p: WindowTvfNode): Planned {
  const fn = p.window.kind.toUpperCase();
  if (p.window.kind === 'session') {
    throw new FreshetError(SqlState.featureNotSupported, 'in streaming mode SESSION windows must be aggregated: GROUP BY window_start, window_end, ..', {
      hint: 'A session ends only when no row arrives for the gap, so its rows are known once it is aggregated; run standalone SESSION queries in batch mode.',
    });
  }
  const input = planner.plan(p.input);
  const { time, ltz } = windowTimeOf(input, p.window.timeColumn, p.input.schema, `the ${fn} window`);
  const w = p.input.schema.length;
  // window_end and window_time are at or after the row's time, so the watermark bounds them as well
  const rowtimes = new Set(input.rowtimes);
  if (time === 'rowtime') rowtimes.add(w + 1).add(w + 2);
  return {
    plan: { kind: 'WindowTableFunction', input: input.plan, window: p.window, schema: p.schema },
    mode: input.mode,
    rowtimes,
    window: { start: w, end: w + 1, timeCol: w + 2, time, ltz },
    uniqueKey: null,
  };
}

/** The SESSION window below an aggregate, through projections and filters, if there is one. */
export function sessionBelow(agg: AggregateNode): { tvf: WindowTvfNode; chain: LogicalPlan[] } | null {
  const chain: LogicalPlan[] = [];
  let x = agg.input;
  while (x.kind === 'project' || x.kind === 'filter') {
    chain.push(x);
    x = x.input;
  }
  if (x.kind !== 'windowTvf' || x.window.kind !== 'session') return null;
  return { tvf: x, chain: chain.reverse() };
}

type WinRole = 'start' | 'end' | 'time';

/**
 * A session window aggregation. The projections and filters between the window and the aggregate are
 * moved below the session (they may not read window_start/_end/_time except to pass them on), so the
 * operator sees plain rows, forms sessions per partition, and aggregates each closed session by the
 * remaining group keys. Output: the aggregate's columns in its declared order.
 */
export function planSessionAggregate(planner: StreamPlanner, agg: AggregateNode, tvf: WindowTvfNode, chain: LogicalPlan[]): Planned {
  const width = tvf.input.schema.length;
  let cur: LogicalPlan = tvf.input;
  // columns of the current level → columns of `cur`; window columns → their role
  let map = new Map<number, number>(Array.from({ length: width }, (_, i) => [i, i]));
  let roles = new Map<number, WinRole>([[width, 'start'], [width + 1, 'end'], [width + 2, 'time']]);
  let timeCol = tvf.window.timeColumn;
  let partCols = [...tvf.window.partitionKeys];
  const noWindowRefs = (e: BoundExpr, where: string): void => {
    for (const i of inputRefs(e)) {
      if (roles.has(i)) {
        throw new FreshetError(SqlState.featureNotSupported, `in streaming mode ${where} between a SESSION window and its aggregation cannot use window_start, window_end or window_time`, {
          hint: 'Use the window columns after the aggregation (in an outer query).',
        });
      }
    }
  };
  const remap = (e: BoundExpr): BoundExpr => remapInputs(e, (i) => map.get(i)!);
  for (const node of chain) {
    if (node.kind === 'filter') {
      noWindowRefs(node.predicate, 'a filter');
      cur = L.filter(cur, remap(node.predicate));
      continue;
    }
    if (node.kind !== 'project') continue;
    const exprs: BoundExpr[] = [];
    const names: string[] = [];
    const nextMap = new Map<number, number>();
    const nextRoles = new Map<number, WinRole>();
    node.exprs.forEach((e, k) => {
      if (e.kind === 'input' && roles.has(e.index)) {
        nextRoles.set(k, roles.get(e.index)!);
        return;
      }
      noWindowRefs(e, 'a projection');
      nextMap.set(k, exprs.length);
      exprs.push(remap(e));
      names.push(node.schema[k]!.name);
    });
    // the session's time and partition columns travel along, whatever the projection keeps
    const carry = (c: number): number => {
      exprs.push(inputRef(c, cur.schema[c]!.type));
      names.push(cur.schema[c]!.name);
      return exprs.length - 1;
    };
    timeCol = carry(timeCol);
    partCols = partCols.map(carry);
    cur = L.project(cur, exprs, names);
    map = nextMap;
    roles = nextRoles;
  }
  const input = planner.plan(cur);
  const { time, ltz } = windowTimeOf(input, timeCol, cur.schema, 'the SESSION window');
  if (time === 'proctime') {
    throw new FreshetError(SqlState.featureNotSupported, 'SESSION windows on processing time are not supported', {
      hint: 'Use an event-time column with a WATERMARK for sessions.',
    });
  }
  // group keys: the window's columns are produced by the operator, the others are grouped on
  const windowKeys: Array<{ pos: number; role: WinRole }> = [];
  const otherKeys: Array<{ pos: number; col: number }> = [];
  agg.groupKeys.forEach((k, pos) => {
    const role = roles.get(k);
    if (role !== undefined) windowKeys.push({ pos, role });
    else otherKeys.push({ pos, col: map.get(k)! });
  });
  if (!windowKeys.some((w) => w.role === 'start') || !windowKeys.some((w) => w.role === 'end')) {
    throw new FreshetError(SqlState.featureNotSupported, 'in streaming mode an aggregation over SESSION windows must GROUP BY window_start and window_end', {
      hint: 'Add window_start, window_end to GROUP BY.',
    });
  }
  const aggs: AggCall[] = agg.aggs.map((a) => {
    const cols = [...a.args, ...(a.filter !== null ? [a.filter] : []), ...a.orderBy.map((o) => o.index)];
    if (cols.some((c) => roles.has(c))) {
      throw new FreshetError(SqlState.featureNotSupported, `in streaming mode ${a.fn.toUpperCase()} over a SESSION window cannot read window_start, window_end or window_time`, {
        hint: 'Aggregate other columns; the window bounds are in the result already.',
      });
    }
    const m = (c: number): number => map.get(c)!;
    return { ...a, args: a.args.map(m), filter: a.filter === null ? null : m(a.filter), orderBy: a.orderBy.map((o) => ({ ...o, index: m(o.index) })) };
  });
  const window = { ...tvf.window, timeColumn: timeCol, partitionKeys: partCols };
  const groupKeys = otherKeys.map((k) => k.col);
  const wt = tvf.schema[width + 2]!.type;
  const schema: Field[] = [
    ...groupKeys.map((c) => cur.schema[c]!),
    ...aggs.map((a) => ({ name: a.name, type: a.type })),
    { name: 'window_start', type: tvf.schema[width]!.type },
    { name: 'window_end', type: tvf.schema[width + 1]!.type },
    { name: 'window_time', type: wt },
  ];
  const k = groupKeys.length;
  const n = aggs.length;
  const session = planner.record({
    plan: { kind: 'SessionWindowAggregate', input: input.plan, window, groupKeys, aggs, time, ltz, schema },
    mode: INSERT_ONLY,
    rowtimes: new Set([k + n + 1, k + n + 2]),
    window: { start: k + n, end: k + n + 1, timeCol: k + n + 2, time, ltz },
    uniqueKey: null,
  });
  // back to the aggregate's column order: keys as grouped, then aggregates
  const roleCol: Record<WinRole, number> = { start: k + n, end: k + n + 1, time: k + n + 2 };
  const exprs: BoundExpr[] = agg.schema.map((f, pos) => {
    if (pos >= agg.groupKeys.length) return inputRef(k + (pos - agg.groupKeys.length), f.type);
    const w = windowKeys.find((x) => x.pos === pos);
    if (w) return inputRef(roleCol[w.role], schema[roleCol[w.role]]!.type);
    return inputRef(otherKeys.findIndex((x) => x.pos === pos), f.type);
  });
  return calc(session, exprs, null, agg.schema);
}
