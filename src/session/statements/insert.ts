/** INSERT INTO / OVERWRITE and EXECUTE STATEMENT SET: run the writes, report rows written. */
import type { InsertStatement, StatementSet } from '../../sql/ast.ts';
import { bindInsert } from '../../sql/bind/insert.ts';
import { optimize } from '../../planner/optimizer.ts';
import { toPhysical } from '../../planner/physical/batch-planner.ts';
import { ok, type OkResult } from '../result.ts';
import type { Session, StatementContext } from '../session.ts';
import { runPhysical, skippedWarnings } from './query.ts';

export async function executeInsert(session: Session, ctx: StatementContext, st: InsertStatement): Promise<OkResult> {
  session.requireBatchMode(st.loc);
  const plan = bindInsert(session.binder(ctx), st);
  const r = await runPhysical(session, ctx, toPhysical(optimize(plan, { timeZone: ctx.timeZone })));
  const n = r.written[0] ?? 0;
  const target = plan.kind === 'sink' ? plan.tableName : '';
  return ok('INSERT', `${n} row${n === 1 ? '' : 's'} ${st.overwrite ? 'written (overwrite)' : 'inserted'} into ${target}`, { rowCount: n, warnings: skippedWarnings(r) });
}

export async function executeStatementSet(session: Session, ctx: StatementContext, st: StatementSet): Promise<OkResult> {
  let total = 0;
  const warnings: string[] = [];
  for (const ins of st.statements) {
    const r = await executeInsert(session, ctx, ins);
    total += r.rowCount ?? 0;
    warnings.push(...r.warnings);
  }
  return ok('INSERT', `${total} row${total === 1 ? '' : 's'} inserted by ${st.statements.length} statement${st.statements.length === 1 ? '' : 's'}`, { rowCount: total, warnings });
}
