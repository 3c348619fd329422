/**
 * Key spaces against a reference Map: random keys of one or several columns (numbers, strings, NULLs,
 * wide BIGINTs) are looked up, created, released and compacted in any order; slots must stay unique per
 * live key, released slots must be reused, compaction must renumber live keys densely in order and
 * keep finding them, and stored key values must read back.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KeySlots } from '../../src/state/key-slots.ts';
import { columnFromValues } from '../../src/types/batch.ts';
import { T, type DataType } from '../../src/types/data-type.ts';
import { groupKeyOf } from '../../src/types/value.ts';
import { SlotColumns } from '../../src/state/slot-columns.ts';
import { RowArena } from '../../src/state/row-arena.ts';

type Op = { kind: 'add'; key: unknown[] } | { kind: 'release'; pick: number } | { kind: 'compact' };

function check(types: DataType[], value: fc.Arbitrary<unknown> | fc.Arbitrary<unknown>[]): void {
  const values = Array.isArray(value) ? value : types.map(() => value);
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('add' as const), key: fc.tuple(...values) }),
    fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('compact' as const) }),
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
    const ks = new KeySlots(types);
    const ref = new Map<string, number>();
    for (const o of ops) {
      if (o.kind === 'add') {
        const cols = types.map((t, c) => columnFromValues(t, [o.key[c]]));
        const before = ks.find(cols, 0);
        const s = ks.slots(cols, null, 1)[0]!;
        const name = groupKeyOf(o.key);
        const known = ref.get(name);
        if (known !== undefined) {
          expect(s).toBe(known);
          expect(before).toBe(known);
        } else {
          expect(before).toBe(-1);
          expect([...ref.values()]).not.toContain(s);
          ref.set(name, s);
        }
        // the stored key is the first one written: equal as a grouping key (-0 = 0, NaN = NaN)
        types.forEach((_, c) => expect(groupKeyOf(ks.keys.get(c, s))).toBe(groupKeyOf(o.key[c] ?? null)));
      } else if (o.kind === 'compact') {
        // live keys are renumbered densely, in order; every one is found under its new slot
        const order = [...ref].sort((a, b) => a[1] - b[1]);
        const remap = ks.compact();
        order.forEach(([name, s], k) => {
          expect(remap[s]).toBe(k);
          ref.set(name, k);
        });
        expect(ks.capacity).toBe(ref.size);
        expect(Array.from(remap).filter((x) => x >= 0)).toHaveLength(ref.size);
      } else if (ref.size > 0) {
        const entries = [...ref];
        const [name, s] = entries[o.pick % entries.length]!;
        ks.release(s);
        ref.delete(name);
      }
      expect(ks.size).toBe(ref.size);
    }
    // every live key is found, and only those
    for (const [, s] of ref) expect(s).toBeLessThan(ks.capacity);
    expect([...ks.liveSlots()].sort((a, b) => a - b)).toEqual([...ref.values()].sort((a, b) => a - b));
  }), { seed: 42, numRuns: 150 });
}

describe('KeySlots', () => {
  it('keeps one slot per live key for one INT column', () => check([T.int()], fc.option(fc.integer({ min: -3, max: 3 }), { nil: null })));
  it('for one STRING column', () => check([T.string()], fc.option(fc.constantFrom('a', 'b', 'c', ''), { nil: null })));
  it('for two numeric columns (the typed tuple index), with NULLs', () => check([T.bigint(), T.double()], fc.option(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0.5, -0, Number.NaN)), { nil: null, freq: 5 })));
  it('for numeric columns with wide BIGINTs', () => check([T.bigint(), T.bigint()], fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom(2n ** 60n, -(2n ** 62n)))));
  it('for mixed columns', () => check([T.int(), T.string()], [fc.option(fc.constantFrom(1, 2), { nil: null }), fc.option(fc.constantFrom('x', 'y'), { nil: null })]));

  it('reuses released slots', () => {
    const ks = new KeySlots([T.int(), T.int()]);
    const cols = (a: number, b: number) => [columnFromValues(T.int(), [a]), columnFromValues(T.int(), [b])];
    const s1 = ks.slots(cols(1, 2), null, 1)[0]!;
    ks.slots(cols(3, 4), null, 1);
    ks.release(s1);
    expect(ks.find(cols(1, 2), 0)).toBe(-1);
    expect(ks.slots(cols(5, 6), null, 1)[0]).toBe(s1);
    expect(ks.capacity).toBe(2);
  });
});

describe('RowArena.compact', () => {
  it('renumbers rows densely in order, keeps their values and gives the memory back', () => {
    const arena = new RowArena([T.int(), T.string()]);
    const ids: number[] = [];
    for (let i = 0; i < 1000; i++) ids.push(arena.add([columnFromValues(T.int(), [i]), columnFromValues(T.string(), [i % 3 === 0 ? null : `s${i}`])], 0));
    for (let i = 0; i < 1000; i++) if (i % 10 !== 0) arena.release(ids[i]!);
    const before = arena.allocated;
    const remap = arena.compact();
    expect(arena.size).toBe(100);
    expect(arena.capacity).toBe(100);
    expect(arena.allocated).toBeLessThan(before / 5);
    for (let i = 0; i < 1000; i += 10) {
      const id = remap[ids[i]!]!;
      expect(id).toBe(i / 10);
      expect(arena.columns.get(0, id)).toBe(i);
      expect(arena.columns.get(1, id)).toBe(i % 3 === 0 ? null : `s${i}`);
    }
    expect(remap[ids[1]!]).toBe(-1);
    // new rows go after the live ones
    expect(arena.add([columnFromValues(T.int(), [7]), columnFromValues(T.string(), ['x'])], 0)).toBe(100);
  });
});

describe('SlotColumns', () => {
  it('stores BIGINTs in a typed array until one is beyond 2^53, and NULLs only where set', () => {
    const sc = new SlotColumns([T.bigint(), T.string()]);
    sc.setFrom(0, [columnFromValues(T.bigint(), [5]), columnFromValues(T.string(), ['a'])], 0);
    sc.setFrom(1, [columnFromValues(T.bigint(), [2n ** 60n]), columnFromValues(T.string(), [null])], 0);
    sc.set(1, 2, 'c');
    expect(sc.get(0, 0)).toBe(5);
    expect(sc.get(0, 1)).toBe(2n ** 60n);
    expect(sc.get(1, 1)).toBeNull();
    expect(sc.get(1, 2)).toBe('c');
    const gathered = sc.gather([1, 0, -1], 3);
    expect(Array.from(gathered[0]!.values as unknown[])).toEqual([2n ** 60n, 5, 0]);
    expect(Array.from(gathered[0]!.nulls!)).toEqual([0, 0, 1]);
    expect(Array.from(gathered[1]!.values as unknown[])).toEqual([null, 'a', null]);
  });
});
