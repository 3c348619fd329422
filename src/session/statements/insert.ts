/** INSERT INTO / OVERWRITE and EXECUTE STATEMENT SET: run the writes, report rows written. */
import type { CopyStatement, InsertStatement, StatementSet } from '../../sql/ast.ts';
import { bindInsert, bindInsertFromSource } from '../../sql/bind/insert.ts';
import type { ScanSource } from '../../connectors/connector.ts';
import type { Field } from '../../types/batch.ts';
import { optimize } from '../../planner/optimizer.ts';
import { toPhysical } from '../../planner/physical/batch-planner.ts';
import { ok, type OkResult } from '../result.ts';
import type { Session, StatementContext } from '../session.ts';
import { runPhysical, skippedWarnings } from './query.ts';
import { startStreamingInsert } from './streaming.ts';
import { SqlState } from '../../util/errors.ts';
import type { PhysicalPlan } from '../../exec/physical-plan.ts';

export async function executeInsert(session: Session, ctx: StatementContext, st: InsertStatement): Promise<OkResult> {
  const b = session.binder(ctx);
  const plan = bindInsert(b, st);
  if (session.streaming) {
    if (st.overwrite) throw b.error(SqlState.featureNotSupported, 'INSERT OVERWRITE is not supported in streaming mode: a continuous job never finishes replacing the table', st.loc, "SET 'execution.runtime-mode' = 'batch'; for a one-off overwrite.");
    const target = plan.kind === 'sink' ? plan.tableName : '';
    return b.locatedAsync(st.loc, () => startStreamingInsert(session, ctx, [plan], [target], 1));
  }
  const r = await runPhysical(session, ctx, toPhysical(optimize(plan, { timeZone: ctx.timeZone })));
  const n = r.written[0] ?? 0;
  const target = plan.kind === 'sink' ? plan.tableName : '';
  return ok('INSERT', `${n} row${n === 1 ? '' : 's'} ${st.overwrite ? 'written (overwrite)' : 'inserted'} into ${target}`, { rowCount: n, warnings: skippedWarnings(r) });
}

/**
 * A statement set runs as one job: every INSERT's sink is opened, all of them run, and they commit
 * together; if any fails, all are aborted, so no target sees part of the set.
 */
export async function executeStatementSet(session: Session, ctx: StatementContext, st: StatementSet): Promise<OkResult> {
  if (st.statements.length === 0) return ok('INSERT', 'the statement set is empty', { rowCount: 0 });
  const b = session.binder(ctx);
  if (session.streaming) {
    const overwrite = st.statements.find((i) => i.overwrite);
    if (overwrite) throw b.error(SqlState.featureNotSupported, 'INSERT OVERWRITE is not supported in streaming mode: a continuous job never finishes replacing the table', overwrite.loc, "SET 'execution.runtime-mode' = 'batch'; for a one-off overwrite.");
    const plans = st.statements.map((ins) => bindInsert(b, ins));
    const targets = plans.map((p) => (p.kind === 'sink' ? p.tableName : ''));
    return b.locatedAsync(st.loc, () => startStreamingInsert(session, ctx, plans, targets, plans.length));
  }
  const sinks = st.statements.map((ins) => toPhysical(optimize(bindInsert(b, ins), { timeZone: ctx.timeZone })));
  const plan: PhysicalPlan = sinks.length === 1 ? sinks[0]! : { kind: 'Union', inputs: sinks, schema: [] };
  const r = await runPhysical(session, ctx, plan);
  const total = r.written.reduce((s, n) => s + n, 0);
  return ok('INSERT', `${total} row${total === 1 ? '' : 's'} inserted by ${st.statements.length} statement${st.statements.length === 1 ? '' : 's'}`, { rowCount: total, warnings: skippedWarnings(r) });
}

/** Where the rows of COPY .. FROM come from: a source made for the target's columns, and word that the statement is valid. */
export interface CopyInput {
  open(fields: Field[]): ScanSource;
  /** The statement bound: the columns it fills, as the table has them, before any row is asked for. */
  bound(fields: Field[]): Promise<void> | void;
}

/**
 * COPY table [(cols)] FROM ..: one INSERT in the batch runtime whatever the session's mode, whose rows
 * come from `input`. It commits when the input ends; if the input fails, nothing is written.
 */
export async function executeCopyFrom(session: Session, ctx: StatementContext, st: CopyStatement, input: CopyInput): Promise<OkResult> {
  if (st.source.kind !== 'table') throw new Error('COPY FROM needs a table');
  const b = session.binder(ctx, 'batch');
  const { plan, targetFields } = bindInsertFromSource(b, st.source.table, st.source.columns, st.loc, (f) => input.open(f));
  const physical = toPhysical(optimize(plan, { timeZone: ctx.timeZone }));
  await input.bound(targetFields);
  const r = await runPhysical(session, ctx, physical);
  const n = r.written[0] ?? 0;
  const target = plan.kind === 'sink' ? plan.tableName : '';
  return ok('COPY', `${n} row${n === 1 ? '' : 's'} copied into ${target}`, { rowCount: n, warnings: skippedWarnings(r) });
}
