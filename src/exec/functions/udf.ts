/**
 * User-defined scalar functions written in JavaScript or TypeScript (`CREATE FUNCTION f AS
 * 'path/to/module.js#name'`). A loaded function is called once per row from compiled expressions with
 * its arguments as plain JavaScript values and NULL as `null`; its result is checked against the
 * declared result type (a wrong value fails the statement, naming the function and the value).
 *
 * Value mapping: numbers as numbers (BIGINT beyond 2^53 as bigint), DECIMAL as a number, strings,
 * booleans, DATE as days since 1970-01-01, TIME as milliseconds of the day, TIMESTAMP and TIMESTAMP_LTZ
 * as epoch milliseconds, ARRAY as an array, MAP as a Map, ROW as an array of its fields.
 */
import type { DataType } from '../../types/data-type.ts';
import { typeToString, isInteger } from '../../types/data-type.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';

export interface UserFunction {
  /** The SQL name it was created under (for messages and EXPLAIN). */
  name: string;
  /** 'path#export', where it came from. */
  source: string;
  /** Calls the function with internal values and returns an internal value (or null). */
  invoke: (...args: unknown[]) => unknown;
  returnType: DataType;
  /** Declared parameter types (arguments are cast to them); null: any arguments, passed as they are. */
  paramTypes: DataType[] | null;
  deterministic: boolean;
}

function pow10(scale: number): number {
  return 10 ** scale;
}

/** Internal value → what the function receives. */
function toJs(t: DataType): (v: unknown) => unknown {
  if (t.kind === 'DECIMAL') {
    const f = pow10(t.scale ?? 0);
    return (v) => (v === null ? null : Number(v) / f);
  }
  return (v) => v;
}

/** The function's result → an internal value of type `t`, or an error saying what was wrong. */
function fromJs(t: DataType, fn: string): (v: unknown) => unknown {
  const bad = (v: unknown, want: string): never => {
    const shown = typeof v === 'string' ? `'${v}'` : typeof v === 'bigint' ? `${v}n` : v instanceof Date ? `Date(${v.toISOString()})` : JSON.stringify(v) ?? String(v);
    throw new FreshetError(SqlState.dataException, `function ${fn} returned ${shown}, which is not ${want} (its declared result type is ${typeToString(t, false)})`, {
      hint: 'Return a value of the declared type, or null; or change the type the function declares (its `returns` property).',
    });
  };
  if (isInteger(t)) {
    const [lo, hi] = t.kind === 'TINYINT' ? [-128, 127] : t.kind === 'SMALLINT' ? [-32768, 32767] : t.kind === 'INT' ? [-2147483648, 2147483647] : [-(2 ** 63), 2 ** 63 - 1];
    return (v) => {
      if (v === null || v === undefined) return null;
      if (typeof v === 'bigint' && t.kind === 'BIGINT') return v >= -(2n ** 63n) && v < 2n ** 63n ? (Number.isSafeInteger(Number(v)) ? Number(v) : v) : bad(v, 'a BIGINT');
      if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) return bad(v, `an integer in the range of ${t.kind}`);
      return v;
    };
  }
  switch (t.kind) {
    case 'DOUBLE': case 'FLOAT':
      return (v) => (v === null || v === undefined ? null : typeof v === 'number' ? v : bad(v, 'a number'));
    case 'DECIMAL': {
      const f = pow10(t.scale ?? 0);
      return (v) => (v === null || v === undefined ? null : typeof v === 'number' && Number.isFinite(v) ? Math.round(v * f) : bad(v, 'a finite number'));
    }
    case 'BOOLEAN':
      return (v) => (v === null || v === undefined ? null : typeof v === 'boolean' ? v : bad(v, 'a boolean'));
    case 'CHAR': case 'VARCHAR':
      return (v) => (v === null || v === undefined ? null : typeof v === 'string' ? v : bad(v, 'a string'));
    case 'TIMESTAMP': case 'TIMESTAMP_LTZ':
      return (v) => (v === null || v === undefined ? null : v instanceof Date ? v.getTime() : typeof v === 'number' && Number.isFinite(v) ? v : bad(v, 'epoch milliseconds or a Date'));
    case 'DATE': case 'TIME':
      return (v) => (v === null || v === undefined ? null : typeof v === 'number' && Number.isInteger(v) ? v : bad(v, 'an integer'));
    case 'ARRAY':
      return (v) => (v === null || v === undefined ? null : Array.isArray(v) ? v : bad(v, 'an array'));
    default:
      return (v) => (v === undefined ? null : v);
  }
}

/** Wraps a JavaScript function as a UserFunction with the given types. */
export function userFunction(name: string, source: string, fn: (...args: unknown[]) => unknown, returnType: DataType, paramTypes: DataType[] | null, deterministic: boolean): UserFunction {
  const convertIn = paramTypes?.map(toJs) ?? null;
  const convertOut = fromJs(returnType, name.toUpperCase());
  const invoke = convertIn === null
    ? (...args: unknown[]) => convertOut(fn(...args))
    : (...args: unknown[]) => convertOut(fn(...args.map((a, i) => (convertIn[i] ? convertIn[i]!(a) : a))));
  return { name, source, invoke, returnType, paramTypes, deterministic };
}
