/**
 * The runtime object `$` that compiled expressions call into: helpers of every function module plus a
 * few generic ones. Kept as one flat object so generated code does a single property load per call.
 */
import { functionHelpers } from '../functions/registry.ts';
import { groupKeyOf, valuesEqual } from '../../types/value.ts';
import { FreshetError } from '../../util/errors.ts';

export const runtime: Record<string, unknown> = {
  ...functionHelpers,
  groupKeyOf,
  eq: valuesEqual,
  /** TRY_CAST: the cast's value, or null when it fails with a data error. */
  tryCall(fn: (v: unknown) => unknown, v: unknown): unknown {
    try {
      return fn(v);
    } catch (e) {
      if (e instanceof FreshetError) return null;
      throw e;
    }
  },
};
