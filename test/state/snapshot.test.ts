/**
 * Checkpoints of state primitives: a key space, a row store, slot columns, a timer queue and TTL
 * times are exported (through node:v8 serialize/deserialize, the on-disk encoding), imported into fresh
 * instances, and must then behave exactly as the originals under the same further operations: same
 * slots, same row ids (free lists reused in the same order), same values, same timer order.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deserialize, serialize } from 'node:v8';
import { KeySlots } from '../../src/state/key-slots.ts';
import { RowArena } from '../../src/state/row-arena.ts';
import { SlotColumns } from '../../src/state/slot-columns.ts';
import { TimerQueue } from '../../src/state/timer-queue.ts';
import { StateTtl } from '../../src/state/backend.ts';
import { columnFromValues } from '../../src/types/batch.ts';
import { T, type DataType } from '../../src/types/data-type.ts';

const roundTrip = <X>(x: X): X => deserialize(serialize(x)) as X;

type Op = { kind: 'add'; keys: unknown[][] } | { kind: 'release'; pick: number };

function keyOps(values: fc.Arbitrary<unknown>[]): fc.Arbitrary<Op[]> {
  return fc.array(fc.oneof(
    fc.record({ kind: fc.constant('add' as const), keys: fc.array(fc.tuple(...values), { minLength: 1, maxLength: 6 }) }),
    fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
  ), { maxLength: 120 });
}

/** Applies ops to a key space; returns what was observed (slots, created flags, releases). */
function applyKeys(ks: KeySlots, types: DataType[], ops: Op[]): unknown[] {
  const seen: unknown[] = [];
  for (const o of ops) {
    if (o.kind === 'add') {
      const cols = types.map((t, c) => columnFromValues(t, o.keys.map((k) => k[c])));
      const found = o.keys.map((_, i) => ks.find(cols, i));
      const slots = Array.from(ks.slots(cols, null, o.keys.length).subarray(0, o.keys.length));
      const created = Array.from(ks.created.subarray(0, o.keys.length));
      seen.push(found, slots, created);
    } else {
      const live = [...ks.liveSlots()];
      if (live.length === 0) continue;
      const s = live[o.pick % live.length]!;
      ks.release(s);
      seen.push(['release', s]);
    }
  }
  seen.push(ks.size, ks.capacity, [...ks.liveSlots()], [...ks.liveSlots()].map((s) => types.map((_, c) => ks.keys.get(c, s))));
  return seen;
}

function checkKeySpace(types: DataType[], values: fc.Arbitrary<unknown>[]): void {
  fc.assert(fc.property(keyOps(values), keyOps(values), (before, after) => {
    const a = new KeySlots(types);
    applyKeys(a, types, before);
    const b = new KeySlots(types);
    b.importState(roundTrip(a.exportState()));
    expect(applyKeys(b, types, after)).toEqual(applyKeys(a, types, after));
  }), { seed: 7, numRuns: 60 });
}

const smallInt = fc.option(fc.integer({ min: -3, max: 3 }), { freq: 6 });
const str = fc.option(fc.constantFrom('a', 'b', 'c', ''), { freq: 6 });
const wide = fc.option(fc.oneof(fc.integer({ min: -2, max: 2 }), fc.constantFrom(2n ** 60n, -(2n ** 62n), 2n ** 53n + 1n)), { freq: 6 });
const dbl = fc.option(fc.constantFrom(0, -0, 1.5, NaN, -2), { freq: 6 });

describe('a key space restored from its snapshot', () => {
  it('one INT key (number table, NULL slot)', () => checkKeySpace([T.int()], [smallInt]));
  it('one STRING key', () => checkKeySpace([T.string()], [str]));
  it('one BIGINT key beyond 2^53 (Map fallback)', () => checkKeySpace([T.bigint()], [wide]));
  it('several numeric keys (tuple index) with NULLs and NaN', () => checkKeySpace([T.int(), T.double()], [smallInt, dbl]));
  it('mixed keys (encoded)', () => checkKeySpace([T.string(), T.bigint()], [str, wide]));
  it('no key (a global aggregate)', () => checkKeySpace([], []));
});

describe('a row store restored from its snapshot', () => {
  it('hands out the same ids and reads back the same rows', () => {
    const types = [T.int(), T.string(), T.bigint(), T.boolean(), T.double()];
    const row = fc.tuple(smallInt, str, wide, fc.option(fc.boolean()), dbl);
    const ops = fc.array(fc.oneof(fc.record({ add: row }), fc.record({ release: fc.nat() })), { maxLength: 80 });
    fc.assert(fc.property(ops, ops, (before, after) => {
      const run = (arena: RowArena, list: typeof before, ids: number[]): unknown[] => {
        const seen: unknown[] = [];
        for (const o of list) {
          if ('add' in o) {
            const cols = types.map((t, c) => columnFromValues(t, [o.add[c]]));
            const id = arena.add(cols, 0);
            ids.push(id);
            seen.push(id, arena.equalsRow(id, cols, 0));
          } else if (ids.length > 0) {
            const id = ids.splice(o.release % ids.length, 1)[0]!;
            arena.release(id);
            seen.push(-id - 1);
          }
        }
        const gathered = arena.gather(ids, ids.length).map((c) => ({ values: Array.from(c.values as ArrayLike<unknown>), nulls: c.nulls && Array.from(c.nulls) }));
        seen.push(arena.size, arena.capacity, gathered);
        return seen;
      };
      const a = new RowArena(types);
      const ids: number[] = [];
      run(a, before, ids);
      const b = new RowArena(types);
      b.importState(roundTrip(a.exportState()));
      const idsB = [...ids];
      expect(run(b, after, idsB)).toEqual(run(a, after, ids));
    }), { seed: 11, numRuns: 60 });
  });

  it('refuses to restore into a store that already holds rows', () => {
    const a = new RowArena([T.int()]);
    a.add([columnFromValues(T.int(), [1])], 0);
    expect(() => a.importState(new RowArena([T.int()]).exportState())).toThrow(/empty row store/);
  });
});

describe('slot columns restored from their snapshot', () => {
  it('keep typed stores typed, widened BIGINT columns wide, and NULL masks', () => {
    const c = new SlotColumns([T.bigint(), T.int(), T.string()]);
    c.set(0, 0, 5);
    c.set(0, 3, 2n ** 60n);
    c.set(1, 1, null);
    c.set(1, 2, 7);
    c.set(2, 2, 'x');
    const d = new SlotColumns([T.bigint(), T.int(), T.string()]);
    d.importState(roundTrip(c.exportState(4)));
    for (let s = 0; s < 4; s++) for (let k = 0; k < 3; k++) expect(d.get(k, s)).toEqual(c.get(k, s));
    expect(d.get(0, 3)).toBe(2n ** 60n);
    expect(d.isNull(1, 1)).toBe(true);
    expect(d.asColumns()[1]!.values).toBeInstanceOf(Int32Array);
    // the copy is independent, and grows like the original
    d.set(1, 1000, 9);
    expect(d.get(1, 1000)).toBe(9);
    expect(c.get(1, 2)).toBe(7);
  });

  it('reject a snapshot of other column types', () => {
    const c = new SlotColumns([T.int()]);
    c.set(0, 0, 1);
    expect(() => new SlotColumns([T.double()]).importState(c.exportState(1))).toThrow(/Int32Array/);
    expect(() => new SlotColumns([T.int(), T.int()]).importState(c.exportState(1))).toThrow(/columns/);
  });
});

describe('a timer queue restored from its snapshot', () => {
  it('pops the same ids in the same order, ties included', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.nat(1000)), { maxLength: 200 }), fc.nat(200), (timers, pops) => {
      const a = new TimerQueue();
      timers.forEach(([t, id]) => a.push(t, id));
      for (let i = 0; i < Math.min(pops, timers.length) / 2; i++) a.pop();
      const b = new TimerQueue();
      b.importState(roundTrip(a.exportState()));
      b.push(5, 99999);
      a.push(5, 99999);
      const drain = (q: TimerQueue): number[][] => {
        const out: number[][] = [];
        while (q.size > 0) out.push([q.peekTime(), q.pop()]);
        return out;
      };
      expect(drain(b)).toEqual(drain(a));
    }), { seed: 3, numRuns: 100 });
  });
});

describe('state TTL restored from its snapshot', () => {
  it('expires the same slots', () => {
    const a = new StateTtl(100);
    for (let s = 0; s < 300; s++) a.touch(s, s * 2);
    const b = new StateTtl(100);
    b.importState(roundTrip(a.exportState(300)));
    const live = Array.from({ length: 300 }, (_, s) => s);
    expect(b.expired(live, 400)).toEqual(a.expired(live, 400));
    expect(b.expired(live, 400).length).toBe(151);
  });
});
