/**
 * OVER windows in the streaming planner.
 * - Ordered by one time attribute (ascending), with frames that end at the current row, over an
 *   append-only input: each row is emitted once, with its result, as soon as the watermark (or, for
 *   processing time, its arrival) says no earlier row can come.
 * - Anything else (other orders, LEAD/NTILE/frames that look ahead, updating inputs): the partitions a
 *   batch changes are computed again and the differences emitted as updates; with calls partitioned
 *   differently, by the keys they all partition by.
 */
import type { WindowNode } from '../logical-plan.ts';
import { lookupAggregate } from '../../exec/functions/aggregate/registry.ts';
import type { SortKey, WindowCall } from '../../exec/plan-types.ts';
import { INSERT_ONLY, RETRACT, isInsertOnly } from './changelog-mode.ts';
import type { Planned } from './planned.ts';
import type { StreamPlanner } from './stream-planner.ts';

const IN_ORDER = new Set(['row_number', 'rank', 'dense_rank', 'lag']);

function sameKeys(a: readonly SortKey[], b: readonly SortKey[]): boolean {
  return a.length === b.length && a.every((k, i) => k.index === b[i]!.index && k.desc === b[i]!.desc);
}

/** Whether a call's value for a row depends only on rows up to it (so it is final once they are all there). */
function lookBackOnly(c: WindowCall): boolean {
  if (IN_ORDER.has(c.fn)) return true;
  if (!lookupAggregate(c.fn)) return false;
  const start = c.frame.start;
  return c.frame.end.kind === 'currentRow' && (start.kind === 'unboundedPreceding' || (start.kind === 'offset' && start.offset <= 0));
}

export function planOver(planner: StreamPlanner, p: WindowNode): Planned {
  const input = planner.plan(p.input);
  const first = p.calls[0]!;
  const order = first.orderBy;
  const col = order[0]?.index;
  const attr = col === undefined ? undefined : input.rowtimes.has(col) ? 'rowtime' : p.input.schema[col]!.type.timeAttribute === 'PROCTIME' ? 'proctime' : undefined;
  const incremental = isInsertOnly(input.mode) && order.length === 1 && !order[0]!.desc && attr !== undefined
    && p.calls.every((c) => c.partitionBy.join(',') === first.partitionBy.join(',') && sameKeys(c.orderBy, order) && lookBackOnly(c));
  if (incremental) {
    return {
      plan: { kind: 'StreamOverAggregate', input: input.plan, calls: p.calls, timeColumn: col!, rowtime: attr === 'rowtime', schema: p.schema },
      mode: INSERT_ONLY,
      rowtimes: input.rowtimes,
      window: input.window,
      uniqueKey: null,
    };
  }
  // recomputed per group of the keys every call partitions by: such a group holds whole partitions of each
  const common = first.partitionBy.filter((k) => p.calls.every((c) => c.partitionBy.includes(k)));
  return {
    plan: { kind: 'RecomputeOverAggregate', input: input.plan, calls: p.calls, partitionKeys: common, schema: p.schema },
    mode: RETRACT,
    rowtimes: new Set(),
    window: null,
    uniqueKey: null,
  };
}
