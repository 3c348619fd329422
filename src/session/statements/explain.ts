/** EXPLAIN [CHANGELOG_MODE] <query | insert | statement set>. */
import type { ExplainStatement } from '../../sql/ast.ts';
import { bindQuery } from '../../sql/bind/query.ts';
import { bindInsert } from '../../sql/bind/insert.ts';
import { optimize } from '../../planner/optimizer.ts';
import { toPhysical } from '../../planner/physical/batch-planner.ts';
import { explainText } from '../../planner/explain.ts';
import type { LogicalPlan } from '../../planner/logical-plan.ts';
import * as L from '../../planner/logical-plan.ts';
import type { TextResult } from '../result.ts';
import type { Session, StatementContext } from '../session.ts';

export function executeExplain(session: Session, ctx: StatementContext, st: ExplainStatement): TextResult {
  const b = session.binder(ctx);
  let plans: LogicalPlan[];
  switch (st.statement.kind) {
    case 'queryStatement': plans = [bindQuery(b, st.statement.query, null).plan]; break;
    case 'insert': plans = [bindInsert(b, st.statement)]; break;
    case 'statementSet': plans = st.statement.statements.map((i) => bindInsert(b, i)); break;
  }
  const bound = plans.length === 1 ? plans[0]! : L.union(plans, []);
  const optimized = plans.map((p) => optimize(p, { timeZone: ctx.timeZone }));
  const physical = optimized.map(toPhysical);
  let text = plans.map((p, i) => explainText(p, optimized[i]!, physical[i]!)).join('\n\n');
  if (st.details.includes('CHANGELOG_MODE')) {
    // the batch runtime produces final results only: every node is insert-only
    text = text.replace(/^(.*\))$/gm, (line) => (/^\s*(?:[:+|]\s*-?\s*)*[A-Z][A-Za-z]*\(/.test(line) ? `${line.slice(0, -1)}${line.endsWith('()') ? '' : ', '}changelogMode=[I])` : line));
  }
  void bound;
  return { kind: 'text', command: 'EXPLAIN', text, warnings: [] };
}
