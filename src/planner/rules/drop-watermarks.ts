/** Batch plans read bounded data and emit final results: watermark declarations have nothing to do there. */
import type { LogicalPlan } from '../logical-plan.ts';
import { inputsOf, withInputs } from '../logical-plan.ts';

export function dropWatermarks(p: LogicalPlan): LogicalPlan {
  if (p.kind === 'watermark') return dropWatermarks(p.input);
  const inputs = inputsOf(p);
  if (inputs.length === 0) return p;
  const next = inputs.map(dropWatermarks);
  return next.every((n, i) => n === inputs[i]) ? p : withInputs(p, next);
}
