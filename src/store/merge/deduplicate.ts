/**
 * `deduplicate` (the default): the newest version of a key wins; a -D (or a lone -U) as the newest
 * version deletes the key.
 */
import type { KeyGroup, MergeFunction } from './merge-function.ts';
import { isRetractionKind } from './kinds.ts';

export class DeduplicateMerge implements MergeFunction {
  private readonly ignoreDelete: boolean;

  constructor(ignoreDelete: boolean) {
    this.ignoreDelete = ignoreDelete;
  }

  merge(g: KeyGroup): number {
    return g.size - 1;
  }

  accept(kind: number): boolean {
    return !(this.ignoreDelete && isRetractionKind(kind));
  }
}
