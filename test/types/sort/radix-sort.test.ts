import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { radixPermutation } from '../../../src/types/sort/radix-sort.ts';
import { rowComparator } from '../../../src/types/sort/row-comparator.ts';
import type { Column } from '../../../src/types/batch.ts';
import { T } from '../../../src/types/data-type.ts';
import type { SortKey } from '../../../src/exec/plan-types.ts';

/** The order a comparison sort gives (stable: ties by position). */
function comparisonOrder(cols: Column[], types: ReturnType<typeof T.int>[], keys: SortKey[], n: number): number[] {
  const cmp = rowComparator(cols, types, keys);
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => cmp(a, b) || a - b);
}

const doubleValue = fc.oneof(
  fc.double({ noNaN: false }),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1.5, -1.5),
  fc.integer({ min: -5, max: 5 }),
);

describe('radix sort', () => {
  it('orders like the comparator for doubles, ints and NULLs, ascending and descending, over several keys', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.option(doubleValue, { nil: null }), fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { nil: null })), { minLength: 0, maxLength: 300 }),
      fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(),
      (rows, desc0, desc1, nf0, nf1, intFirst) => {
        const n = rows.length;
        const d = new Float64Array(n);
        const dn = new Uint8Array(n);
        const iv = new Int32Array(n);
        const inn = new Uint8Array(n);
        rows.forEach(([a, b], i) => {
          if (a === null) dn[i] = 1; else d[i] = a;
          if (b === null) inn[i] = 1; else iv[i] = b;
        });
        const cols: Column[] = [{ values: d, nulls: dn }, { values: iv, nulls: inn }];
        const types = [T.double(), T.int()];
        const k0: SortKey = { index: intFirst ? 1 : 0, desc: desc0, nullsFirst: nf0 };
        const k1: SortKey = { index: intFirst ? 0 : 1, desc: desc1, nullsFirst: nf1 };
        const expected = comparisonOrder(cols, types, [k0, k1], n);
        expect(Array.from(radixPermutation(cols, [k0, k1], n))).toEqual(expected);
      },
    ), { seed: 20261121, numRuns: 300 });
  });
});
