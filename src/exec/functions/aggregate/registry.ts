/** The aggregate function registry, by canonical name and aliases. */
import type { AggregateFunction } from './aggregate.ts';
import { count } from './count.ts';
import { sum, avg } from './sum-avg.ts';
import { min, max } from './min-max.ts';
import { firstValue, lastValue, listagg, arrayAgg } from './collecting.ts';
import { varPop, varSamp, stddevPop, stddevSamp, boolAnd, boolOr } from './statistics.ts';

const all: AggregateFunction[] = [count, sum, avg, min, max, firstValue, lastValue, listagg, arrayAgg, varPop, varSamp, stddevPop, stddevSamp, boolAnd, boolOr];

const byName = new Map<string, AggregateFunction>();
for (const f of all) for (const n of [f.name, ...(f.aliases ?? [])]) byName.set(n, f);

export function lookupAggregate(name: string): AggregateFunction | undefined {
  return byName.get(name.toLowerCase());
}

export function builtinAggregates(): AggregateFunction[] {
  return all;
}
