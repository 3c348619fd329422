/**
 * OVER windows in the streaming planner. A row's result may depend only on rows before it, so the
 * window is ordered by a time attribute (ascending) and its frame ends at the current row: each row is
 * emitted once, when the watermark (or, for processing time, its arrival) says no earlier row can come.
 */
import type { WindowNode } from '../logical-plan.ts';
import { lookupAggregate } from '../../exec/functions/aggregate/registry.ts';
import type { SortKey } from '../../exec/plan-types.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { INSERT_ONLY } from './changelog-mode.ts';
import { requireInsertOnly, type Planned } from './planned.ts';
import type { StreamPlanner } from './stream-planner.ts';

const NAVIGATION = new Set(['row_number', 'rank', 'dense_rank', 'lag']);

function sameKeys(a: readonly SortKey[], b: readonly SortKey[]): boolean {
  return a.length === b.length && a.every((k, i) => k.index === b[i]!.index && k.desc === b[i]!.desc);
}

export function planOver(planner: StreamPlanner, p: WindowNode): Planned {
  const input = planner.plan(p.input);
  const first = p.calls[0]!;
  const hint = 'In streaming mode write OVER (PARTITION BY .. ORDER BY time_attribute ROWS|RANGE BETWEEN .. PRECEDING AND CURRENT ROW), use ROW_NUMBER() .. WHERE rn <= N for Top-N, or run the query in batch mode.';
  for (const c of p.calls) {
    if (c.partitionBy.join(',') !== first.partitionBy.join(',') || !sameKeys(c.orderBy, first.orderBy)) {
      throw new FreshetError(SqlState.featureNotSupported, 'in streaming mode all OVER windows of a query must have the same PARTITION BY and ORDER BY', { hint });
    }
    if (!NAVIGATION.has(c.fn) && !lookupAggregate(c.fn)) {
      throw new FreshetError(SqlState.featureNotSupported, `${c.fn.toUpperCase()} OVER (..) is not supported in streaming mode: it needs rows that have not arrived yet`, { hint });
    }
    if (c.fn === 'row_number' || c.fn === 'rank' || c.fn === 'dense_rank' || c.fn === 'lag') continue;
    if (c.frame.end.kind !== 'currentRow') {
      throw new FreshetError(SqlState.featureNotSupported, `in streaming mode an OVER frame ends at CURRENT ROW (${c.name} ends later)`, { hint });
    }
    if (c.frame.start.kind !== 'unboundedPreceding' && !(c.frame.start.kind === 'offset' && c.frame.start.offset <= 0)) {
      throw new FreshetError(SqlState.featureNotSupported, `in streaming mode an OVER frame starts at UNBOUNDED PRECEDING or n PRECEDING (${c.name})`, { hint });
    }
  }
  const order = first.orderBy;
  const col = order[0]?.index;
  const attr = col === undefined ? undefined : input.rowtimes.has(col) ? 'rowtime' : p.input.schema[col]!.type.timeAttribute === 'PROCTIME' ? 'proctime' : undefined;
  if (order.length !== 1 || order[0]!.desc || attr === undefined) {
    throw new FreshetError(SqlState.featureNotSupported, 'in streaming mode OVER windows must be ordered by one time attribute, ascending', { hint });
  }
  requireInsertOnly(input, 'an OVER window', 'OVER windows read an append-only stream of events; aggregate updating results with GROUP BY instead.');
  return {
    plan: { kind: 'StreamOverAggregate', input: input.plan, calls: p.calls, timeColumn: col!, rowtime: attr === 'rowtime', schema: p.schema },
    mode: INSERT_ONLY,
    rowtimes: input.rowtimes,
    window: input.window,
    uniqueKey: null,
  };
}
