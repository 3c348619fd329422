/** The merge function a table's 'merge-engine' option asks for. */
import type { MergeContext, MergeFunction } from './merge-function.ts';
import { DeduplicateMerge } from './deduplicate.ts';
import { FirstRowMerge } from './first-row.ts';
import { PartialUpdateMerge } from './partial-update.ts';
import { AggregationMerge } from './aggregation.ts';

export function createMergeFunction(ctx: MergeContext): MergeFunction {
  const o = ctx.layout.options;
  switch (o.mergeEngine()) {
    case 'deduplicate': return new DeduplicateMerge(o.ignoreDelete());
    case 'first-row': return new FirstRowMerge(ctx.layout.name, o.ignoreDelete());
    case 'partial-update': return new PartialUpdateMerge(ctx);
    case 'aggregation': return new AggregationMerge(ctx);
  }
}

/** Whether the engine combines columns (and so must see every column of every version). */
export function mergesColumns(ctx: { layout: { options: { mergeEngine(): string } } }): boolean {
  const e = ctx.layout.options.mergeEngine();
  return e === 'partial-update' || e === 'aggregation';
}
