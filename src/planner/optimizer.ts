/**
 * The logical optimizer: a fixed sequence of rewrite rules, each in planner/rules/.
 * Order matters: constants first (so filters simplify), then subquery joins become semi/anti joins,
 * filters move down, columns are pruned, and projections merge.
 */
import type { LogicalPlan } from './logical-plan.ts';
import { dropWatermarks } from './rules/drop-watermarks.ts';
import { foldConstants, type FoldEnv } from './rules/constant-folding.ts';
import { markJoinToSemi } from './rules/mark-join-to-semi.ts';
import { pushDownPredicates } from './rules/predicate-pushdown.ts';
import { pruneColumns } from './rules/column-pruning.ts';
import { mergeProjects } from './rules/merge-projects.ts';

/** What the rules need to know about the statement: its session time zone (for folding) and runtime. */
export interface OptimizerEnv extends FoldEnv {
  /** Batch plans have no watermarks: their declarations are dropped before anything else. */
  mode?: 'streaming' | 'batch';
}

export function optimize(plan: LogicalPlan, env: OptimizerEnv): LogicalPlan {
  let p = env.mode === 'streaming' ? plan : dropWatermarks(plan);
  p = foldConstants(p, env);
  p = markJoinToSemi(p);
  p = pushDownPredicates(p);
  p = foldConstants(p, env);
  p = pruneColumns(p);
  p = mergeProjects(p);
  return p;
}
