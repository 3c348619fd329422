/**
 * Aggregation in the streaming planner.
 * - GROUP BY window_start, window_end, .. over windowed rows: a window aggregate, one final row per
 *   group when the window ends (append-only output; late rows dropped).
 * - SESSION windows: the session aggregate (window.ts).
 * - Anything else: a group aggregate that keeps per-key state and emits updates.
 * GROUPING SETS expand each row once per set before a group aggregate, as in batch.
 */
import type { AggregateNode } from '../logical-plan.ts';
import type { Field } from '../../types/batch.ts';
import { groupingSetsSteps } from '../physical/grouping-sets.ts';
import { INSERT_ONLY, INSERT_UPDATE, RETRACT, isInsertOnly } from './changelog-mode.ts';
import { calc, type Planned } from './planned.ts';
import type { StreamPlanner } from './stream-planner.ts';
import { planSessionAggregate, sessionBelow } from './window.ts';

export function planAggregate(planner: StreamPlanner, p: AggregateNode): Planned {
  const session = p.groupingSets === null ? sessionBelow(p) : null;
  if (session) return planSessionAggregate(planner, p, session.tvf, session.chain);
  const input = planner.plan(p.input);
  if (p.groupingSets !== null) return planGroupingSets(planner, p, input);
  const w = input.window;
  if (w && p.groupKeys.includes(w.start) && p.groupKeys.includes(w.end)) {
    const pos = (c: number): number => p.groupKeys.indexOf(c);
    // a window's row is emitted just before the watermark that passes its end moves on: window_end and
    // window_time are still ahead of the watermark downstream has seen, so they stay event time
    const rowtimes = new Set<number>();
    if (w.time === 'rowtime') {
      rowtimes.add(pos(w.end));
      if (w.timeCol !== null && p.groupKeys.includes(w.timeCol)) rowtimes.add(pos(w.timeCol));
    }
    return {
      plan: {
        kind: 'WindowAggregate', input: input.plan, windowStart: w.start, windowEnd: w.end,
        windowTime: w.timeCol !== null && p.groupKeys.includes(w.timeCol) ? w.timeCol : -1,
        groupKeys: p.groupKeys, aggs: p.aggs, time: w.time, ltz: w.ltz, schema: p.schema,
      },
      mode: INSERT_ONLY,
      rowtimes,
      window: { ...w, start: pos(w.start), end: pos(w.end), timeCol: w.timeCol !== null && p.groupKeys.includes(w.timeCol) ? pos(w.timeCol) : null },
      uniqueKey: p.groupKeys.map((_, i) => i),
    };
  }
  return groupAggregate(input, p.groupKeys, p.aggs, p.schema);
}

function groupAggregate(input: Planned, groupKeys: number[], aggs: AggregateNode['aggs'], schema: Field[]): Planned {
  // a key's row disappears only when retractions take its count to zero; a global aggregate always has its one row
  const deletes = groupKeys.length > 0 && !isInsertOnly(input.mode);
  return {
    plan: { kind: 'GroupAggregate', input: input.plan, groupKeys, aggs, schema },
    mode: deletes ? RETRACT : INSERT_UPDATE,
    rowtimes: new Set(),
    window: null,
    uniqueKey: groupKeys.map((_, i) => i),
  };
}

/** GROUPING SETS / ROLLUP / CUBE: Expand (one copy of each row per set), then a group aggregate. */
function planGroupingSets(planner: StreamPlanner, p: AggregateNode, input: Planned): Planned {
  const g = groupingSetsSteps(p);
  const expand = planner.record({
    plan: { kind: 'Expand', input: input.plan, projections: g.projections, schema: g.expandSchema },
    mode: input.mode,
    rowtimes: new Set(),
    window: null,
    uniqueKey: null,
  });
  const agg = planner.record(groupAggregate(expand, g.groupKeys, p.aggs, g.aggSchema));
  return calc(agg, g.reorder, null, p.schema);
}
