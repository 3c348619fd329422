/** Creates the accumulators of an aggregate call (wrapping DISTINCT calls). Shared by batch and streaming aggregates. */
import type { DataType } from '../../types/data-type.ts';
import type { AggCall } from '../plan-types.ts';
import type { Accumulators } from '../functions/aggregate/aggregate.ts';
import { lookupAggregate } from '../functions/aggregate/registry.ts';
import { DistinctAccumulators } from '../functions/aggregate/distinct.ts';
import { OrderedAccumulators } from '../functions/aggregate/ordered.ts';
import { internalError } from '../../util/errors.ts';

/**
 * The accumulators of one aggregate call. With `orderItself`, a call with ORDER BY keeps its rows in
 * that order (streaming: rows cannot be sorted first); its `args` are then followed by the ORDER BY
 * columns (see orderedArgs).
 */
export function createAccumulators(call: AggCall, inputTypes: readonly DataType[], retractable: boolean, orderItself = false): Accumulators {
  const fn = lookupAggregate(call.fn);
  if (!fn) throw internalError(`unknown aggregate ${call.fn}`);
  const make = (): Accumulators => {
    const acc = fn.create({
      argTypes: call.args.map((i) => inputTypes[i]!),
      resultType: call.type,
      constArgs: call.constArgs,
      ignoreNulls: call.ignoreNulls,
      retractable,
    });
    return call.distinct ? new DistinctAccumulators(acc) : acc;
  };
  if (orderItself && call.orderBy.length > 0) {
    return new OrderedAccumulators(make, call.args.map((i) => inputTypes[i]!), call.orderBy.map((o) => inputTypes[o.index]!), call.orderBy);
  }
  return make();
}

/** Input columns an ordered call reads when it orders itself: its arguments, then its ORDER BY keys. */
export function orderedArgs(call: AggCall): number[] {
  return [...call.args, ...call.orderBy.map((o) => o.index)];
}
