/** SELECT: bind and optimize a query; run it in the batch runtime (collecting its rows) or start it as a streaming job. */
import type { QueryStatement } from '../../sql/ast.ts';
import { bindQuery } from '../../sql/bind/query.ts';
import { optimize } from '../../planner/optimizer.ts';
import { toPhysical } from '../../planner/physical/batch-planner.ts';
import { runBatch, type RunResult } from '../../exec/driver.ts';
import type { PhysicalPlan } from '../../exec/physical-plan.ts';
import { batchToRows } from '../../types/batch.ts';
import type { RowsResult, StreamResult } from '../result.ts';
import { startStreamingQuery } from './streaming.ts';
import type { Session, StatementContext } from '../session.ts';

export async function runPhysical(session: Session, ctx: StatementContext, plan: PhysicalPlan): Promise<RunResult> {
  return runBatch(plan, {
    env: { timeZone: ctx.timeZone, now: ctx.now },
    maxBufferedRows: session.options.int('table.exec.resource.max-buffered-rows'),
    cancelled: () => ctx.cancelled,
  });
}

export function skippedWarnings(r: RunResult): string[] {
  if (r.skippedCount === 0) return [];
  const first = r.skipped[0]!;
  return [`skipped ${r.skippedCount} malformed record(s); first at ${first.where}: ${first.reason}`];
}

export async function executeQuery(session: Session, ctx: StatementContext, st: QueryStatement): Promise<RowsResult | StreamResult> {
  const b = session.binder(ctx);
  const q = bindQuery(b, st.query, null);
  if (session.streaming) return b.locatedAsync(st.loc, () => startStreamingQuery(session, ctx, q.plan, q.names));
  const physical = toPhysical(optimize(q.plan, { timeZone: ctx.timeZone }));
  const r = await runPhysical(session, ctx, physical);
  const types = q.plan.schema.map((f) => f.type);
  const rows: unknown[][] = [];
  for (const batch of r.batches) for (const row of batchToRows(batch, types)) rows.push(row);
  return {
    kind: 'rows',
    command: 'SELECT',
    columns: q.names.map((name, i) => ({ name, type: types[i]! })),
    rows,
    warnings: skippedWarnings(r),
  };
}
