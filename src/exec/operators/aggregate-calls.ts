/** Creates the accumulators of an aggregate call (wrapping DISTINCT calls). Shared by batch and streaming aggregates. */
import type { DataType } from '../../types/data-type.ts';
import type { AggCall } from '../plan-types.ts';
import type { Accumulators } from '../functions/aggregate/aggregate.ts';
import { lookupAggregate } from '../functions/aggregate/registry.ts';
import { DistinctAccumulators } from '../functions/aggregate/distinct.ts';
import { internalError } from '../../util/errors.ts';

export function createAccumulators(call: AggCall, inputTypes: readonly DataType[], retractable: boolean): Accumulators {
  const fn = lookupAggregate(call.fn);
  if (!fn) throw internalError(`unknown aggregate ${call.fn}`);
  const acc = fn.create({
    argTypes: call.args.map((i) => inputTypes[i]!),
    resultType: call.type,
    constArgs: call.constArgs,
    ignoreNulls: call.ignoreNulls,
    retractable,
  });
  return call.distinct ? new DistinctAccumulators(acc) : acc;
}
