/**
 * Per-column functions of the `aggregation` merge engine (`'fields.<f>.aggregate-function'`).
 *
 * Each is associative over stored partial results, because merges happen again and again (buffer
 * flush, compaction, read). `count` is made so by `prepare`: at write time an input value becomes 1
 * (non-NULL) or 0, and stored rows then only ever add up. Retractions (-U/-D) are taken by `sum`,
 * `count` (subtract) and `last_value` (becomes NULL); other functions refuse them unless
 * `'fields.<f>.ignore-retract' = 'true'`.
 */
import type { DataType } from '../../types/data-type.ts';
import { isNumeric, isCharacter, physicalOf, typeToString } from '../../types/data-type.ts';
import { addInt64, checkIntRange, mulInt64, negInt64, type Int64 } from '../../types/int64.ts';
import { checkPrecision } from '../../types/decimal.ts';
import { valueComparator } from '../value-codec.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';

export interface FieldAggregator {
  readonly name: string;
  /** Combines the accumulated value with a newer one (either may be NULL). */
  add(acc: unknown, v: unknown): unknown;
  /** Takes a retracted value back; undefined when the function cannot. */
  retract?(acc: unknown, v: unknown): unknown;
  /** Turns an input value into what is stored (before any merge). */
  prepare?(v: unknown): unknown;
  /** Whether a lone row's stored value is already the aggregate (no prepare). */
  readonly identityOnOne: boolean;
}

export const AGGREGATE_FUNCTIONS = [
  'sum', 'product', 'count', 'max', 'min', 'last_value', 'last_non_null_value', 'first_value', 'first_non_null_value',
  'listagg', 'bool_and', 'bool_or',
] as const;

type Arith = { add: (a: unknown, b: unknown) => unknown; neg: (a: unknown) => unknown; mul: (a: unknown, b: unknown) => unknown };

function arithmetic(t: DataType): Arith {
  switch (physicalOf(t)) {
    case 'i32': {
      const kind = t.kind as 'TINYINT' | 'SMALLINT' | 'INT';
      return {
        add: (a, b) => checkIntRange((a as number) + (b as number), kind),
        neg: (a) => checkIntRange(-(a as number), kind),
        mul: (a, b) => checkIntRange((a as number) * (b as number), kind),
      };
    }
    case 'i64': {
      if (t.kind === 'DECIMAL') {
        const p = t.precision ?? 10;
        const s = t.scale ?? 0;
        return {
          add: (a, b) => checkPrecision(addInt64(a as Int64, b as Int64), p, s),
          neg: (a) => negInt64(a as Int64),
          mul: () => { throw new FreshetError(SqlState.featureNotSupported, "the 'product' aggregate function does not take DECIMAL columns"); },
        };
      }
      return { add: (a, b) => addInt64(a as Int64, b as Int64), neg: (a) => negInt64(a as Int64), mul: (a, b) => mulInt64(a as Int64, b as Int64) };
    }
    default:
      return { add: (a, b) => (a as number) + (b as number), neg: (a) => -(a as number), mul: (a, b) => (a as number) * (b as number) };
  }
}

function typeError(table: string, field: string, fn: string, t: DataType, expected: string): FreshetError {
  return new FreshetError(SqlState.datatypeMismatch, `table ${table}: aggregate function '${fn}' of column ${field} needs ${expected}, the column is ${typeToString(t, false)}`);
}

export function fieldAggregator(fn: string, t: DataType, table: string, field: string, options: { delimiter: string }): FieldAggregator {
  switch (fn) {
    case 'sum': {
      if (!isNumeric(t)) throw typeError(table, field, fn, t, 'a numeric column');
      const a = arithmetic(t);
      return {
        name: fn, identityOnOne: true,
        add: (acc, v) => (v === null ? acc : acc === null ? v : a.add(acc, v)),
        retract: (acc, v) => (v === null ? acc : acc === null ? a.neg(v) : a.add(acc, a.neg(v))),
      };
    }
    case 'product': {
      if (!isNumeric(t)) throw typeError(table, field, fn, t, 'a numeric column');
      const a = arithmetic(t);
      return { name: fn, identityOnOne: true, add: (acc, v) => (v === null ? acc : acc === null ? v : a.mul(acc, v)) };
    }
    case 'count': {
      if (t.kind !== 'INT' && t.kind !== 'BIGINT') throw typeError(table, field, fn, t, 'an INT or BIGINT column');
      const a = arithmetic(t);
      return {
        name: fn, identityOnOne: false,
        prepare: (v) => (v === null ? 0 : 1),
        add: (acc, v) => (acc === null ? v : v === null ? acc : a.add(acc, v)),
        retract: (acc, v) => (acc === null ? a.neg(v ?? 0) : a.add(acc, a.neg(v ?? 0))),
      };
    }
    case 'max': case 'min': {
      const cmp = valueComparator(t);
      const sign = fn === 'max' ? 1 : -1;
      return { name: fn, identityOnOne: true, add: (acc, v) => (v === null ? acc : acc === null ? v : sign * cmp(v, acc) > 0 ? v : acc) };
    }
    case 'last_value':
      return { name: fn, identityOnOne: true, add: (_acc, v) => v, retract: () => null };
    case 'last_non_null_value':
      return { name: fn, identityOnOne: true, add: (acc, v) => (v === null ? acc : v) };
    case 'first_value':
      // the first row decides, NULL included: a group's first member is marked by `seen`
      return { name: fn, identityOnOne: true, add: (acc) => acc };
    case 'first_non_null_value':
      return { name: fn, identityOnOne: true, add: (acc, v) => (acc === null ? v : acc) };
    case 'listagg': {
      if (!isCharacter(t)) throw typeError(table, field, fn, t, 'a string column');
      return { name: fn, identityOnOne: true, add: (acc, v) => (v === null ? acc : acc === null ? v : `${acc as string}${options.delimiter}${v as string}`) };
    }
    case 'bool_and': case 'bool_or': {
      if (t.kind !== 'BOOLEAN') throw typeError(table, field, fn, t, 'a BOOLEAN column');
      const and = fn === 'bool_and';
      return { name: fn, identityOnOne: true, add: (acc, v) => (v === null ? acc : acc === null ? v : and ? ((acc as number) & (v as number)) : ((acc as number) | (v as number))) };
    }
    default:
      throw new FreshetError(SqlState.invalidParameterValue, `table ${table}: unknown aggregate function '${fn}' for column ${field}`, {
        hint: `Aggregate functions: ${AGGREGATE_FUNCTIONS.join(', ')}.`,
      });
  }
}
