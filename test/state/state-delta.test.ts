/**
 * Incremental snapshots of state primitives: a key space and a row store take random writes (keys with
 * NULLs, BIGINTs beyond 2^53 that widen a column, releases that grow and shrink the free list); at
 * random cuts a delta is taken (through node:v8, the on-disk encoding) and applied on the state as of
 * the previous cut. The result must equal a full export at every cut, and import into a fresh instance
 * that then behaves like the original.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deserialize, serialize } from 'node:v8';
import { KeySlots, type KeySlotsSnapshot } from '../../src/state/key-slots.ts';
import { RowArena, type RowArenaSnapshot } from '../../src/state/row-arena.ts';
import { CHANGED_STATE, FULL_STATE, applyDelta } from '../../src/state/state-delta.ts';
import { ChangedSlots } from '../../src/state/changed-slots.ts';
import { columnFromValues } from '../../src/types/batch.ts';
import { T } from '../../src/types/data-type.ts';

const roundTrip = <X>(x: X): X => deserialize(serialize(x)) as X;
const TYPES = [T.bigint(), T.string()];


const value = fc.oneof(fc.integer({ min: -5, max: 40 }), fc.constant(null), fc.constant(2n ** 60n));
const ops = fc.array(fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('add' as const), rows: fc.array(fc.tuple(value, fc.oneof(fc.constantFrom('a', 'b'), fc.constant(null))), { minLength: 1, maxLength: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cut' as const) }) },
), { maxLength: 150 });

describe('incremental snapshots of state primitives', () => {
  it('base plus deltas equals the full export of a key space and a row store at every cut', () => {
    fc.assert(fc.property(ops, (list) => {
      const keys = new KeySlots(TYPES, true);
      const rows = new RowArena(TYPES, true);
      const ids: number[] = [];
      let chain: { keys: KeySlotsSnapshot; rows: RowArenaSnapshot } | null = null;
      let cuts = 0;
      const cut = (): void => {
        const full = { keys: keys.exportState(), rows: rows.exportState() };
        if (chain === null) chain = roundTrip(full);
        else {
          const delta = roundTrip({ keys: keys.exportState(CHANGED_STATE), rows: rows.exportState(CHANGED_STATE) });
          chain = applyDelta(chain, delta) as typeof chain;
        }
        keys.resetChanges();
        rows.resetChanges();
        cuts++;
        expect(chain).toEqual(full);
      };
      for (const o of list) {
        if (o.kind === 'cut') cut();
        else if (o.kind === 'add') {
          const cols = TYPES.map((t, c) => columnFromValues(t, o.rows.map((r) => r[c])));
          keys.slots(cols, null, o.rows.length);
          for (let i = 0; i < o.rows.length; i++) ids.push(rows.add(cols, i));
        } else if (ids.length > 0) {
          const id = ids.splice(o.pick % ids.length, 1)[0]!;
          rows.release(id);
          const live = [...keys.liveSlots()];
          if (live.length > 0) keys.release(live[o.pick % live.length]!);
        }
      }
      cut();
      // the merged state restores into fresh instances that hand out the same slots and ids next
      const k2 = new KeySlots(TYPES, true);
      const r2 = new RowArena(TYPES, true);
      k2.importState(roundTrip(chain!.keys));
      r2.importState(roundTrip(chain!.rows));
      const cols = TYPES.map((t, c) => columnFromValues(t, [[99, 'z'], [2n ** 61n, null], [null, 'a']].map((r) => r[c])));
      expect(Array.from(k2.slots(cols, null, 3).subarray(0, 3))).toEqual(Array.from(keys.slots(cols, null, 3).subarray(0, 3)));
      expect([r2.add(cols, 0), r2.add(cols, 1)]).toEqual([rows.add(cols, 0), rows.add(cols, 1)]);
      return cuts > 0;
    }), { seed: 7, numRuns: 200 });
  });

  it('a per-slot array that grew beyond its written slots gets the value it was grown with', () => {
    // an accumulator grown to 5 groups (new entries false), of which only group 1 changed since the base
    const changed = new ChangedSlots();
    changed.mark(1);
    const delta = roundTrip(CHANGED_STATE.slots([true, true, false, false, false], 5, changed));
    expect(applyDelta([true, false], delta)).toEqual([true, true, false, false, false]);
    const typed = roundTrip(CHANGED_STATE.slots(Float64Array.of(1, 2, 0, 0), 4, changed));
    expect(applyDelta(Float64Array.of(1, 7), typed)).toEqual(Float64Array.of(1, 2, 0, 0));
  });

  it('a delta is refused where changes are not tracked', () => {
    const keys = new KeySlots(TYPES);
    expect(() => keys.exportState(CHANGED_STATE)).toThrow(/changes are not tracked/);
    expect(keys.exportState(FULL_STATE).high).toBe(0);
  });
});
