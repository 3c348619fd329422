/**
 * The scalar function registry: every built-in scalar function and operator by canonical name and
 * aliases. The binder resolves calls here; the expression compiler generates code from the same entry.
 */
import type { FunctionModule, ScalarFunction } from './function.ts';
import { operators } from './scalar/operators.ts';
import { conditional } from './scalar/conditional.ts';
import { math } from './scalar/math.ts';
import { strings } from './scalar/strings.ts';
import { temporal } from './scalar/temporal.ts';
import { json } from './scalar/json.ts';
import { collections } from './scalar/collections.ts';
import { misc } from './scalar/misc.ts';
import { postgres } from './scalar/postgres.ts';

const modules: FunctionModule[] = [operators, conditional, math, strings, temporal, json, collections, misc, postgres];

const byName = new Map<string, ScalarFunction>();
const userFunctions = new Map<string, ScalarFunction>();

for (const m of modules) {
  for (const f of m.functions) {
    for (const n of [f.name, ...(f.aliases ?? [])]) {
      if (byName.has(n)) throw new Error(`duplicate function name ${n}`);
      byName.set(n, f);
    }
  }
}

/** Helpers generated code calls as `$.name(..)`. */
export const functionHelpers: Record<string, unknown> = Object.assign({}, ...modules.map((m) => m.helpers));

export function lookupScalar(name: string): ScalarFunction | undefined {
  const n = name.toLowerCase();
  return byName.get(n) ?? userFunctions.get(n);
}

/**
 * All built-in scalar functions (one entry per function, not per alias), for SHOW FUNCTIONS; those of
 * the Postgres dialect only when it is asked for.
 */
export function builtinScalarFunctions(dialect: 'flink' | 'postgres' = 'flink'): ScalarFunction[] {
  return [...new Set(byName.values())].filter((f) => f.dialect === undefined || f.dialect === dialect);
}

/** Registers a user-defined function under a runtime-unique key (the catalog maps SQL names to keys). */
export function registerUserFunction(key: string, fn: ScalarFunction): void {
  userFunctions.set(key.toLowerCase(), fn);
}

export function unregisterUserFunction(key: string): void {
  userFunctions.delete(key.toLowerCase());
}
