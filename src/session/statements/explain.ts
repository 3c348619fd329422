/** EXPLAIN [CHANGELOG_MODE] <query | insert | statement set>. */
import type { ExplainStatement } from '../../sql/ast.ts';
import { bindQuery } from '../../sql/bind/query.ts';
import { bindInsert } from '../../sql/bind/insert.ts';
import { optimize } from '../../planner/optimizer.ts';
import { toPhysical } from '../../planner/physical/batch-planner.ts';
import { explainText } from '../../planner/explain.ts';
import type { LogicalPlan } from '../../planner/logical-plan.ts';
import type { TextResult } from '../result.ts';
import type { PhysicalPlan } from '../../exec/physical-plan.ts';
import { planStream } from '../../planner/stream/stream-planner.ts';
import { INSERT_ONLY, modeText } from '../../planner/stream/changelog-mode.ts';
import type { Session, StatementContext } from '../session.ts';

export function executeExplain(session: Session, ctx: StatementContext, st: ExplainStatement): TextResult {
  const b = session.binder(ctx);
  let plans: LogicalPlan[];
  switch (st.statement.kind) {
    case 'queryStatement': plans = [bindQuery(b, st.statement.query, null).plan]; break;
    case 'insert': plans = [bindInsert(b, st.statement)]; break;
    case 'statementSet': plans = st.statement.statements.map((i) => bindInsert(b, i)); break;
  }
  const changelog = st.details.includes('CHANGELOG_MODE');
  if (session.streaming) {
    const text = plans.map((p) => {
      const optimized = optimize(p, { timeZone: ctx.timeZone, mode: 'streaming' });
      const sp = planStream(optimized, { timeZone: ctx.timeZone });
      const mode = (n: PhysicalPlan): string | undefined => (changelog ? modeText(sp.modes.get(n) ?? INSERT_ONLY) : undefined);
      return explainText(p, optimized, sp.plan, mode);
    }).join('\n\n');
    return { kind: 'text', command: 'EXPLAIN', text, warnings: [] };
  }
  const optimized = plans.map((p) => optimize(p, { timeZone: ctx.timeZone }));
  const physical = optimized.map(toPhysical);
  // the batch runtime produces final results only: every node is insert-only
  const text = plans.map((p, i) => explainText(p, optimized[i]!, physical[i]!, changelog ? () => '[I]' : undefined)).join('\n\n');
  return { kind: 'text', command: 'EXPLAIN', text, warnings: [] };
}
