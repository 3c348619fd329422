/**
 * `first-row`: the first version of a key ever written stays; later ones are ignored. Retractions make
 * no sense here (the first row never changes), so they are refused unless 'first-row.ignore-delete'
 * (or 'ignore-delete') says to drop them.
 */
import type { KeyGroup, MergeFunction } from './merge-function.ts';
import { NONE, retractionRejected } from './merge-function.ts';
import { isRetractionKind } from './kinds.ts';

export class FirstRowMerge implements MergeFunction {
  private readonly ignoreDelete: boolean;
  private readonly table: string;

  constructor(table: string, ignoreDelete: boolean) {
    this.table = table;
    this.ignoreDelete = ignoreDelete;
  }

  merge(g: KeyGroup): number {
    for (let m = 0; m < g.size; m++) if (!isRetractionKind(g.kind(m))) return m;
    return NONE;
  }

  accept(kind: number): boolean {
    if (!isRetractionKind(kind)) return true;
    if (this.ignoreDelete) return false;
    throw retractionRejected(this.table, 'first-row', "Set 'first-row.ignore-delete' = 'true' to drop them, or use the 'deduplicate' merge engine.");
  }
}
