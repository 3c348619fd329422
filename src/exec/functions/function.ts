/**
 * How a scalar function is described to the planner (type resolution) and to the expression compiler
 * (code generation). Each function module exports ScalarFunction definitions; registry.ts indexes them.
 *
 * Code generation works on JS expressions: for a `strict` function (NULL in, NULL out) `gen` receives the
 * JS expressions of its non-null, already-cast argument values and returns the JS expression of the result.
 * Helpers the generated code calls live on the runtime object `$` (see exec/expr/runtime.ts).
 */
import type { DataType } from '../../types/data-type.ts';
import type { PgSession } from './scalar/postgres.ts';
import {
  T, isCharacter, isInteger, isNumeric, isExactNumeric, isTimestamp, isBinary, typeToString, withNullable, commonType,
  canImplicitlyCast,
} from '../../types/data-type.ts';

export interface ArgInfo {
  type: DataType;
  /** The argument is a literal whose value is known at plan time. */
  isLiteral: boolean;
  value?: unknown;
  /** The argument is a call to this function (JSON_OBJECT nests JSON results as JSON, not as strings). */
  callName?: string;
}

export interface Resolved {
  type: DataType;
  /** Types the arguments are cast to before the call (same length as args); undefined keeps them. */
  argTypes?: DataType[];
  /** Extra facts for code generation (a precomputed regex, a decimal scale...). */
  info?: unknown;
}

export interface GenContext {
  /** A JS expression that evaluates to `value` (stored as a constant of the compiled function). */
  constant(value: unknown): string;
  argTypes: DataType[];
  resultType: DataType;
  info: unknown;
  timeZone: string;
  /** Statement start (epoch ms), for CURRENT_TIMESTAMP and friends. */
  now: number;
  /** Processing time of a running job, for PROCTIME(). */
  clock?: { now(): number };
}

export interface ValueAndNull {
  v: string;
  n: string;
}

/** What a function may learn of the statement it is bound in, besides its arguments. */
export interface ResolveEnv {
  /** The wire session, in the Postgres dialect (for the Postgres functions of scalar/postgres.ts). */
  pg?: PgSession;
}

export interface ScalarFunction {
  /** Canonical name, lower case; operators use their symbol ('+', '=', 'and'). */
  name: string;
  aliases?: string[];
  /** One line for SHOW FUNCTIONS and the docs. */
  syntax: string;
  /** Only in this dialect (Postgres functions of wire sessions); other dialects do not know the name. */
  dialect?: 'postgres';
  resolve(args: ArgInfo[], env?: ResolveEnv): Resolved | string;
  nulls: 'strict' | 'custom';
  gen?(args: string[], ctx: GenContext): string;
  /** For `custom` null handling: arguments as value/null expressions; returns the result's. */
  genCustom?(args: ValueAndNull[], ctx: GenContext): ValueAndNull;
  /** The result may be NULL for non-null arguments (whose `gen`, or `genCustom` value, can yield null). */
  mayReturnNull?: boolean;
  /** False for functions whose result changes per call (RAND, UUID). */
  deterministic?: boolean;
  /** Evaluated once per query (CURRENT_TIMESTAMP): constant within a statement, not foldable at plan time. */
  dynamic?: boolean;
}

/** A file of related functions and the runtime helpers their generated code calls. */
export interface FunctionModule {
  functions: ScalarFunction[];
  helpers: Record<string, unknown>;
}

// ---------------------------------------------------------------- signature matching

/** A parameter kind: what argument types it accepts and what it casts them to. */
export type Param =
  | 'any' | 'comparable' | 'string' | 'boolean' | 'integer' | 'int' | 'bigint' | 'numeric' | 'exact' | 'double'
  | 'date' | 'time' | 'timestamp' | 'timestamp_ltz' | 'datetime' | 'timestamp_any' | 'bytes' | 'string_or_bytes'
  | 'array' | 'map' | 'row' | 'interval' | 'collection';

/** Whether an argument of type `t` fits param `p`, and the type it becomes. */
export function matchParam(p: Param, t: DataType): DataType | undefined {
  const nul = t.nullable;
  if (t.kind === 'NULL') {
    switch (p) {
      case 'string': return T.string();
      case 'boolean': return T.boolean();
      case 'int': case 'integer': return T.int();
      case 'bigint': return T.bigint();
      case 'numeric': case 'exact': return T.int();
      case 'double': return T.double();
      case 'date': return T.date();
      case 'time': return T.time();
      case 'timestamp': case 'datetime': case 'timestamp_any': return T.timestamp(3);
      case 'timestamp_ltz': return T.timestampLtz(3);
      case 'bytes': case 'string_or_bytes': return T.bytes();
      default: return t;
    }
  }
  const ok = (x: DataType): DataType => withNullable(x, nul);
  switch (p) {
    case 'any': return t;
    case 'comparable': return t.kind === 'MAP' ? undefined : t;
    case 'string': return isCharacter(t) ? t : undefined;
    case 'boolean': return t.kind === 'BOOLEAN' ? t : undefined;
    case 'integer': return isInteger(t) ? t : undefined;
    case 'int': return t.kind === 'TINYINT' || t.kind === 'SMALLINT' || t.kind === 'INT' ? ok(T.int()) : t.kind === 'BIGINT' ? ok(T.int()) : undefined;
    case 'bigint': return isInteger(t) ? ok(T.bigint()) : undefined;
    case 'numeric': return isNumeric(t) ? t : undefined;
    case 'exact': return isExactNumeric(t) ? t : undefined;
    case 'double': return isNumeric(t) ? ok(T.double()) : undefined;
    case 'date': return t.kind === 'DATE' ? t : undefined;
    case 'time': return t.kind === 'TIME' ? t : undefined;
    case 'timestamp': return t.kind === 'TIMESTAMP' ? t : t.kind === 'DATE' ? ok(T.timestamp(0)) : undefined;
    case 'timestamp_ltz': return t.kind === 'TIMESTAMP_LTZ' ? t : undefined;
    case 'timestamp_any': return isTimestamp(t) ? t : undefined;
    case 'datetime': return t.kind === 'DATE' || t.kind === 'TIME' || isTimestamp(t) ? t : undefined;
    case 'bytes': return isBinary(t) ? t : undefined;
    case 'string_or_bytes': return isCharacter(t) || isBinary(t) ? t : undefined;
    case 'array': return t.kind === 'ARRAY' ? t : undefined;
    case 'map': return t.kind === 'MAP' ? t : undefined;
    case 'row': return t.kind === 'ROW' ? t : undefined;
    case 'collection': return t.kind === 'ARRAY' || t.kind === 'MAP' || t.kind === 'MULTISET' ? t : undefined;
    case 'interval': return t.kind === 'INTERVAL_DAY_TIME' || t.kind === 'INTERVAL_YEAR_MONTH' ? t : undefined;
  }
}

export interface Signature {
  params: Param[];
  /** Repeats the last param any number of times (including zero extra). */
  variadic?: boolean;
  /** Minimum number of arguments when trailing params are optional. */
  minArgs?: number;
  result: DataType | ((args: DataType[], info: ArgInfo[]) => DataType);
  /** The result is nullable even if no argument is (e.g. an out-of-range index gives NULL). */
  nullableResult?: boolean;
}

/** Builds a resolve() that picks the first signature the arguments fit. */
export function signatures(name: string, ...sigs: Signature[]): (args: ArgInfo[]) => Resolved | string {
  return (args) => {
    for (const s of sigs) {
      const min = s.minArgs ?? s.params.length;
      if (args.length < min) continue;
      if (!s.variadic && args.length > s.params.length) continue;
      const casted: DataType[] = [];
      let fits = true;
      for (let i = 0; i < args.length; i++) {
        const p = s.params[Math.min(i, s.params.length - 1)]!;
        const m = matchParam(p, args[i]!.type);
        if (m === undefined) { fits = false; break; }
        casted.push(m);
      }
      if (!fits) continue;
      const base = typeof s.result === 'function' ? s.result(casted, args) : s.result;
      const nul = s.nullableResult || args.some((a) => a.type.nullable) || base.nullable && typeof s.result === 'function';
      return { type: withNullable(base, nul), argTypes: casted };
    }
    return signatureError(name, args, sigs);
  };
}

function paramText(p: Param): string {
  switch (p) {
    case 'string': return 'STRING';
    case 'integer': case 'int': return 'INT';
    case 'bigint': return 'BIGINT';
    case 'double': return 'DOUBLE';
    case 'numeric': case 'exact': return 'NUMERIC';
    case 'boolean': return 'BOOLEAN';
    case 'date': return 'DATE';
    case 'time': return 'TIME';
    case 'timestamp': return 'TIMESTAMP';
    case 'timestamp_ltz': return 'TIMESTAMP_LTZ';
    case 'timestamp_any': return 'TIMESTAMP';
    case 'datetime': return 'DATETIME';
    case 'bytes': return 'BYTES';
    case 'string_or_bytes': return 'STRING';
    default: return p.toUpperCase();
  }
}

export function signatureError(name: string, args: ArgInfo[], sigs: Signature[]): string {
  const got = args.map((a) => typeToString(a.type, false)).join(', ');
  const want = sigs.map((s) => `${name.toUpperCase()}(${s.params.map(paramText).join(', ')}${s.variadic ? ', ...' : ''})`).join(', ');
  return `cannot apply ${name.toUpperCase()} to (${got}); expected ${want}`;
}

/** The common type of several argument types (for COALESCE, GREATEST, IN lists), or an error message. */
export function commonOf(name: string, types: DataType[]): DataType | string {
  let acc: DataType | undefined = types[0];
  for (let i = 1; i < types.length && acc; i++) acc = commonType(acc, types[i]!);
  if (!acc) return `${name.toUpperCase()} arguments have incompatible types: ${types.map((t) => typeToString(t, false)).join(', ')}`;
  return acc;
}

export { canImplicitlyCast };
