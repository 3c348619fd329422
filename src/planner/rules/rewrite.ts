/** Bottom-up plan rewriting helpers shared by the rules. */
import type { LogicalPlan } from '../logical-plan.ts';
import { inputsOf, withInputs } from '../logical-plan.ts';

/** Rewrites children first, then the node itself. */
export function mapPlan(plan: LogicalPlan, f: (p: LogicalPlan) => LogicalPlan): LogicalPlan {
  const ins = inputsOf(plan);
  const mapped = ins.map((c) => mapPlan(c, f));
  const node = mapped.every((c, i) => c === ins[i]) ? plan : withInputs(plan, mapped);
  return f(node);
}
