import { describe, expect, it } from 'vitest';
import { MaterializedView } from '../../src/client/materialized-view.ts';
import { changes } from './fakes.ts';

const all = (v: MaterializedView): unknown[][] => v.first(Infinity);

describe('MaterializedView', () => {
  it('keeps inserted rows in order', () => {
    const v = new MaterializedView();
    v.apply(changes(['+I', [1, 'a']], ['+I', [2, 'b']]));
    v.apply(changes(['+I', [3, 'c']]));
    expect(all(v)).toEqual([[1, 'a'], [2, 'b'], [3, 'c']]);
    expect(v.size).toBe(3);
  });

  it('removes the equal row on -D and -U', () => {
    const v = new MaterializedView();
    v.apply(changes(['+I', [1, 'a']], ['+I', [2, 'b']], ['+I', [3, 'c']]));
    v.apply(changes(['-D', [2, 'b']]));
    expect(all(v)).toEqual([[1, 'a'], [3, 'c']]);
    v.apply(changes(['-U', [1, 'a']]));
    expect(all(v)).toEqual([[3, 'c']]);
    expect(v.size).toBe(1);
  });

  it('ignores retractions of rows that are not there', () => {
    const v = new MaterializedView();
    v.apply(changes(['+I', [1, 'a']], ['-D', [9, 'z']], ['-U', [1, 'b']]));
    expect(all(v)).toEqual([[1, 'a']]);
    expect(v.size).toBe(1);
  });

  it('puts an update where its row was (-U then +U)', () => {
    const v = new MaterializedView();
    v.apply(changes(['+I', ['ann', 1]], ['+I', ['bob', 1]], ['+I', ['cid', 1]]));
    v.apply(changes(['-U', ['bob', 1]], ['+U', ['bob', 2]]));
    expect(all(v)).toEqual([['ann', 1], ['bob', 2], ['cid', 1]]);
    // Also when the pair is split over two batches.
    v.apply(changes(['-U', ['ann', 1]]));
    v.apply(changes(['+U', ['ann', 5]]));
    expect(all(v)).toEqual([['ann', 5], ['bob', 2], ['cid', 1]]);
    // A +U that does not follow a -U is added at the end.
    v.apply(changes(['-D', ['bob', 2]], ['+U', ['bob', 3]]));
    expect(all(v)).toEqual([['ann', 5], ['cid', 1], ['bob', 3]]);
  });

  it('counts duplicates and removes one of them at a time', () => {
    const v = new MaterializedView();
    v.apply(changes(['+I', [1]], ['+I', [1]], ['+I', [2]], ['+I', [1]]));
    expect(v.size).toBe(4);
    v.apply(changes(['-D', [1]]));
    expect(all(v)).toEqual([[1], [1], [2]]);
    v.apply(changes(['-D', [1]], ['-D', [1]]));
    expect(all(v)).toEqual([[2]]);
    v.apply(changes(['-D', [1]]));
    expect(all(v)).toEqual([[2]]);
  });

  it('compares values, not references (NULLs, decimals as bigint, nested values)', () => {
    const v = new MaterializedView();
    v.apply(changes(['+I', [null, 10n, [1, 2]]], ['+I', [null, 11n, [1, 2]]]));
    v.apply(changes(['-D', [null, 10n, [1, 2]]]));
    expect(all(v)).toEqual([[null, 11n, [1, 2]]]);
  });

  it('replaces the row with the same unique key, in place', () => {
    const v = new MaterializedView([0]);
    v.apply(changes(['+I', ['ann', 1]], ['+I', ['bob', 1]]));
    v.apply(changes(['+U', ['ann', 2]]));
    expect(all(v)).toEqual([['ann', 2], ['bob', 1]]);
    v.apply(changes(['+I', ['bob', 7]]));
    expect(all(v)).toEqual([['ann', 2], ['bob', 7]]);
    expect(v.size).toBe(2);
  });

  it('removes by unique key, whatever the other values', () => {
    const v = new MaterializedView([1]);
    v.apply(changes(['+I', ['x', 1]], ['+I', ['y', 2]]));
    // The retraction carries an older value of the row; the key finds it all the same.
    v.apply(changes(['-U', ['old', 1]], ['+U', ['z', 1]]));
    expect(all(v)).toEqual([['z', 1], ['y', 2]]);
    v.apply(changes(['-D', [null, 2]]));
    expect(all(v)).toEqual([['z', 1]]);
  });

  it('gives the first and the last rows', () => {
    const v = new MaterializedView();
    for (let i = 0; i < 10; i++) v.apply(changes(['+I', [i]]));
    v.apply(changes(['-D', [8]], ['-D', [1]]));
    expect(v.first(3)).toEqual([[0], [2], [3]]);
    expect(v.last(3)).toEqual([[6], [7], [9]]);
    expect(v.last(100)).toHaveLength(8);
  });

  it('stays correct over many removals (compaction)', () => {
    const v = new MaterializedView();
    const n = 8000;
    for (let i = 0; i < n; i++) v.apply(changes(['+I', [i]]));
    // Three of every four go: far more holes than rows, so the slots are compacted.
    for (let i = 0; i < n; i++) if (i % 4 !== 3) v.apply(changes(['-D', [i]]));
    expect(v.size).toBe(n / 4);
    expect(v.first(3)).toEqual([[3], [7], [11]]);
    v.apply(changes(['-U', [7]], ['+U', [70]]));
    v.apply(changes(['+I', [3]]));
    expect(v.first(3)).toEqual([[3], [70], [11]]);
    expect(v.last(2)).toEqual([[n - 1], [3]]);
    v.apply(changes(['-D', [3]], ['-D', [3]], ['-D', [11]]));
    expect(v.first(2)).toEqual([[70], [15]]);
    expect(v.size).toBe(n / 4 - 2);
  });
});
