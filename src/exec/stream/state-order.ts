/**
 * Orders rows held in state (a RowArena) by ORDER BY keys, with NULLs first or last per key as
 * declared, and arrival order as the last tie-breaker so results do not depend on hashing or timing:
 * among equal keys the row that came first ranks first.
 */
import type { DataType } from '../../types/data-type.ts';
import { comparatorFor, type Comparator } from '../../types/value.ts';
import type { SortKey } from '../plan-types.ts';
import type { SlotColumns } from '../../state/slot-columns.ts';

export type StateComparator = (a: number, b: number) => number;

export function stateComparator(cols: SlotColumns, types: readonly DataType[], keys: readonly SortKey[], seq: () => Float64Array): StateComparator {
  const parts = keys.map((k) => ({ c: k.index, dir: k.desc ? -1 : 1, nulls: k.nullsFirst ? -1 : 1, cmp: comparatorFor(types[k.index]!) as Comparator }));
  return (a, b) => {
    for (const p of parts) {
      const an = cols.isNull(p.c, a);
      const bn = cols.isNull(p.c, b);
      if (an || bn) {
        if (an === bn) continue;
        return an ? p.nulls : -p.nulls;
      }
      const r = p.cmp(cols.get(p.c, a), cols.get(p.c, b));
      if (r !== 0) return p.dir * r;
    }
    const s = seq();
    return s[a]! - s[b]!;
  };
}

/** Compares only the ORDER BY keys (peers compare equal): RANK and DENSE_RANK need peer groups. */
export function peerComparator(cols: SlotColumns, types: readonly DataType[], keys: readonly SortKey[]): StateComparator {
  const parts = keys.map((k) => ({ c: k.index, cmp: comparatorFor(types[k.index]!) as Comparator }));
  return (a, b) => {
    for (const p of parts) {
      const an = cols.isNull(p.c, a);
      const bn = cols.isNull(p.c, b);
      if (an || bn) {
        if (an === bn) continue;
        return 1;
      }
      if (p.cmp(cols.get(p.c, a), cols.get(p.c, b)) !== 0) return 1;
    }
    return 0;
  };
}

/** Position at which `id` goes into `list` (sorted by `cmp`): after every entry that compares <= 0. */
export function insertionPoint(list: readonly number[], id: number, cmp: StateComparator): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(list[mid]!, id) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
