import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SortedIndex } from '../../src/store/read/sorted-index.ts';
import { columnFromValues } from '../../src/types/batch.ts';
import { T } from '../../src/types/data-type.ts';

const batchOf = (a: number[], s: string[]) => ({ columns: [columnFromValues(T.bigint(), a), columnFromValues(T.string(), s)], length: a.length });

describe('SortedIndex', () => {
  it('finds every stored key and no other, over batches of any size', () => {
    fc.assert(fc.property(
      fc.uniqueArray(fc.tuple(fc.integer({ min: -50, max: 50 }), fc.constantFrom('a', 'b', 'c')), { selector: ([x, y]) => `${x}|${y}`, maxLength: 60 }),
      fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 20 }),
      (keys, sizes) => {
        keys.sort((p, q) => p[0] - q[0] || (p[1] < q[1] ? -1 : p[1] > q[1] ? 1 : 0));
        const idx = new SortedIndex<ReturnType<typeof batchOf>>([0, 1], [T.bigint(), T.string()]);
        let at = 0;
        for (let k = 0; at < keys.length; k++) {
          const n = sizes[k % sizes.length]!;
          const part = keys.slice(at, at + n);
          at += n;
          expect(idx.add(batchOf(part.map((x) => x[0]), part.map((x) => x[1])))).toBe(true);
        }
        expect(idx.length).toBe(keys.length);
        const probes = [...keys, [51, 'a'] as [number, string], [0, 'z'] as [number, string]];
        const probe = [columnFromValues(T.bigint(), probes.map((x) => x[0])), columnFromValues(T.string(), probes.map((x) => x[1]))];
        const hit = { b: null as ReturnType<typeof batchOf> | null, r: 0 };
        probes.forEach((p, i) => {
          const present = keys.some((x) => x[0] === p[0] && x[1] === p[1]);
          expect(idx.find(probe, i, hit)).toBe(present);
          if (present) expect([(hit.b!.columns[0]!.values as ArrayLike<unknown>)[hit.r], (hit.b!.columns[1]!.values as string[])[hit.r]]).toEqual([p[0], p[1]]);
        });
      },
    ), { seed: 7, numRuns: 200 });
  });

  it('refuses rows out of key order, within and across batches', () => {
    const idx = new SortedIndex<ReturnType<typeof batchOf>>([0], [T.bigint()]);
    expect(idx.add(batchOf([1, 3], ['a', 'a']))).toBe(true);
    expect(idx.add(batchOf([3, 4], ['a', 'a']))).toBe(false);
    expect(idx.add(batchOf([5, 4], ['a', 'a']))).toBe(false);
    expect(idx.add(batchOf([5, 6], ['a', 'a']))).toBe(true);
    expect(idx.length).toBe(4);
  });
});
