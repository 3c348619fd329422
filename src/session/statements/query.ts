/** SELECT: bind and optimize a query; run it in the batch runtime (collecting its rows) or start it as a streaming job. */
import type { QueryStatement } from '../../sql/ast.ts';
import { bindQuery } from '../../sql/bind/query.ts';
import { optimize } from '../../planner/optimizer.ts';
import { toPhysical } from '../../planner/physical/batch-planner.ts';
import { runBatch, type RunOptions, type RunResult } from '../../exec/driver.ts';
import type { PhysicalPlan } from '../../exec/physical-plan.ts';
import { batchToRows } from '../../types/batch.ts';
import type { RowsResult, StreamResult } from '../result.ts';
import { ResultQueue } from '../result-queue.ts';
import { startStreamingQuery } from './streaming.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import type { Session, StatementContext } from '../session.ts';

export async function runPhysical(session: Session, ctx: StatementContext, plan: PhysicalPlan, output?: RunOptions['output']): Promise<RunResult> {
  return runBatch(plan, {
    env: { timeZone: ctx.timeZone, now: ctx.now },
    maxBufferedRows: session.options.int('table.exec.resource.max-buffered-rows'),
    cancelled: () => ctx.cancelled,
    output,
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

/**
 * A query in the batch runtime whose rows are handed on as they are produced: the run goes on in the
 * background and pauses while its reader is behind, so a long result is never held whole (blocking
 * operators such as ORDER BY still hold their input). Binding errors are thrown here; a failure while
 * running comes out of the result's iterator.
 */
export async function startBatchQuery(session: Session, ctx: StatementContext, st: QueryStatement): Promise<StreamResult> {
  const b = session.binder(ctx);
  const q = bindQuery(b, st.query, null);
  const physical = toPhysical(optimize(q.plan, { timeZone: ctx.timeZone }));
  const types = q.plan.schema.map((f) => f.type);
  const queue = new ResultQueue(types);
  // the run's own context: the statement returns at once, the run goes on while the rows are read
  const runCtx: StatementContext = { ...ctx };
  const cancel = (): void => {
    if (runCtx.cancelled) return;
    runCtx.cancelled = true;
    queue.fail(new FreshetError(SqlState.queryCanceled, 'canceling statement due to user request'));
  };
  queue.onAbandon = cancel;
  const result: StreamResult = {
    kind: 'stream',
    command: 'SELECT',
    columns: q.names.map((name, i) => ({ name, type: types[i]! })),
    changes: queue,
    cancel,
    changelog: 'append',
    warnings: [],
  };
  // the reader owns the run and stops it with cancel() (Session.openQuery)
  void runPhysical(session, runCtx, physical, { operator: queue, wait: () => queue.space() }).then(
    (r) => {
      result.warnings.push(...skippedWarnings(r));
      queue.close();
    },
    (e: unknown) => queue.fail(e),
  );
  return result;
}
