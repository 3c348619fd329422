/**
 * Checkpoints of aggregate accumulators: every aggregate of the registry (plain, DISTINCT, with FILTER,
 * with ORDER BY inside the call, retractable or not) is fed random rows, snapshotted through node:v8
 * serialize/deserialize, restored into fresh accumulators of the same calls, and both are fed the same
 * further rows (adds and retractions): every group's result must stay equal.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deserialize, serialize } from 'node:v8';
import { AggregateState } from '../../src/exec/stream/aggregate-state.ts';
import type { AggCall } from '../../src/exec/plan-types.ts';
import { builtinAggregates, lookupAggregate } from '../../src/exec/functions/aggregate/registry.ts';
import { batchFromRows, type Batch } from '../../src/types/batch.ts';
import { T, type DataType } from '../../src/types/data-type.ts';

// input columns: 0 INT, 1 STRING, 2 DOUBLE, 3 BOOLEAN (filter), 4 BIGINT
const INPUT: DataType[] = [T.int(), T.string(), T.double(), T.boolean(), T.bigint()];

function argFor(fn: string): number {
  if (fn === 'listagg') return 1;
  if (fn === 'bool_and' || fn === 'bool_or') return 3;
  if (fn.startsWith('var') || fn.startsWith('stddev') || fn === 'avg') return 2;
  return 0;
}

function call(fn: string, opts: Partial<AggCall> = {}): AggCall {
  const f = lookupAggregate(fn)!;
  const args = fn === 'count' && opts.args === undefined ? [] : opts.args ?? [argFor(fn)];
  const r = f.resolve(args.map((a) => INPUT[a]!), opts.constArgs ?? []);
  if (typeof r === 'string') throw new Error(r);
  return { fn, args, constArgs: [], distinct: false, filter: null, orderBy: [], ignoreNulls: false, type: r.type, name: fn, ...opts };
}

const CALLS: AggCall[] = [
  ...builtinAggregates().map((f) => call(f.name)),
  call('count', { args: [1] }),
  call('sum', { args: [4] }),
  call('min', { args: [1] }),
  call('max', { args: [2] }),
  call('count', { args: [0], distinct: true }),
  call('sum', { args: [0], distinct: true }),
  call('listagg', { args: [1], distinct: true, constArgs: ['|'] }),
  call('sum', { args: [0], filter: 3 }),
  call('array_agg', { args: [0], orderBy: [{ index: 2, desc: true, nullsFirst: false }] }),
  call('listagg', { args: [1], orderBy: [{ index: 0, desc: false, nullsFirst: true }] }),
];

const row = fc.tuple(
  fc.option(fc.integer({ min: -5, max: 5 }), { freq: 5 }),
  fc.option(fc.constantFrom('a', 'b', 'c'), { freq: 5 }),
  fc.option(fc.constantFrom(0.5, 1, -2.25, 3), { freq: 5 }),
  fc.option(fc.boolean(), { freq: 5 }),
  fc.option(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(2n ** 60n)), { freq: 5 }),
);
const ops = fc.array(fc.record({ group: fc.nat(4), row, retract: fc.boolean() }), { maxLength: 60 });

type Op = { group: number; row: unknown[]; retract: boolean };

/** Feeds ops one batch per op; retractions take back a row added earlier to the same group (as a changelog would). */
function feed(state: AggregateState, list: Op[], added: Map<number, unknown[][]>, retracting: boolean): void {
  state.grow(5);
  for (const o of list) {
    const rows = added.get(o.group) ?? [];
    added.set(o.group, rows);
    let r = o.row;
    let retract = false;
    if (retracting && o.retract && rows.length > 0) {
      r = rows.splice(0, 1)[0]!;
      retract = true;
    } else rows.push(r);
    const b: Batch = batchFromRows(INPUT, [r]);
    const one = Int32Array.of(0);
    const slot = Int32Array.of(o.group);
    if (retract) state.retract(b, one, slot, 1);
    else state.add(b, one, slot, 1);
  }
}

function results(state: AggregateState): unknown[][] {
  return [0, 1, 2, 3, 4].map((g) => CALLS.map((_, a) => state.result(a, g)));
}

describe('aggregate accumulators restored from a snapshot', () => {
  for (const retracting of [true, false]) {
    it(`compute the same results afterwards (${retracting ? 'with' : 'without'} retractions)`, () => {
      fc.assert(fc.property(ops, ops, (before, after) => {
        const a = new AggregateState(CALLS, INPUT, retracting);
        const added = new Map<number, unknown[][]>();
        feed(a, before, added, retracting);
        const b = new AggregateState(CALLS, INPUT, retracting);
        b.grow(5);
        b.importState(deserialize(serialize(a.exportState())) as unknown[]);
        expect(results(b)).toEqual(results(a));
        const addedB = new Map([...added].map(([g, rs]) => [g, [...rs]]));
        feed(a, after, added, retracting);
        feed(b, after, addedB, retracting);
        expect(results(b)).toEqual(results(a));
        // resetting a group works on the restored state too
        a.reset(1);
        b.reset(1);
        expect(results(b)).toEqual(results(a));
      }), { seed: 5, numRuns: 40 });
    });
  }

  it('the snapshot is a copy: the original going on does not change it', () => {
    const a = new AggregateState(CALLS, INPUT, true);
    feed(a, [{ group: 0, row: [1, 'a', 1, true, 1], retract: false }], new Map(), true);
    const saved = a.exportState();
    feed(a, [{ group: 0, row: [2, 'b', 2, true, 2], retract: false }], new Map(), true);
    const b = new AggregateState(CALLS, INPUT, true);
    b.grow(5);
    b.importState(saved);
    expect(b.result(CALLS.findIndex((c) => c.fn === 'count' && c.args.length === 0), 0)).toBe(1);
  });

  it('refuses state saved for other aggregates, naming them', () => {
    const a = new AggregateState([call('min')], INPUT, true);
    const b = new AggregateState([call('sum')], INPUT, true);
    expect(() => b.importState(deserialize(serialize(a.exportState())) as unknown[])).toThrow(/MinMaxAccumulators.*SumAccumulators|belongs to/);
    const c = new AggregateState([call('sum'), call('count')], INPUT, true);
    expect(() => c.importState(a.exportState())).toThrow(/1 aggregate calls where 2 are expected/);
  });
});
