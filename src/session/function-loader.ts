/**
 * Loads the modules of user-defined functions (`CREATE FUNCTION f AS 'path/to/module.js#name'`). A
 * function declares its result type with a `returns` property holding a SQL type (`f.returns = 'INT'`)
 * and may declare its parameter types (`f.params = ['STRING', 'STRING']`) and that it is not
 * deterministic (`f.deterministic = false`). Paths are relative to the working directory; TypeScript
 * modules load as JavaScript ones do.
 */
import { isAbsolute, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { CatalogFunction } from '../catalog/objects.ts';
import { parseDataType } from '../sql/parse.ts';
import { bindType } from '../sql/bind/types.ts';
import type { DataType } from '../types/data-type.ts';
import { userFunction, type UserFunction } from '../exec/functions/udf.ts';
import { FreshetError, SqlState } from '../util/errors.ts';

const LANGUAGES = ['JAVASCRIPT', 'TYPESCRIPT', 'JS', 'TS'];

interface Loaded {
  fn: (...args: unknown[]) => unknown;
  returnType: DataType;
  paramTypes: DataType[] | null;
  deterministic: boolean;
}

export class FunctionLoader {
  private readonly modules = new Map<string, Loaded>();

  /** Loads (or finds loaded) the function `def` names; errors say what is wrong and how to fix it. */
  async load(def: CatalogFunction): Promise<void> {
    if (this.modules.has(def.className)) return;
    this.modules.set(def.className, await loadModule(def));
  }

  /** Loads every definition not loaded yet, ignoring failures (they are reported when the function is used). */
  async preload(defs: CatalogFunction[]): Promise<void> {
    for (const d of defs) {
      if (this.modules.has(d.className)) continue;
      try {
        await this.load(d);
      } catch {
        // reported at the call
      }
    }
  }

  /** The function as a call target, under the name it is called by. */
  get(name: string, def: CatalogFunction): UserFunction | undefined {
    const m = this.modules.get(def.className);
    return m && userFunction(name, def.className, m.fn, m.returnType, m.paramTypes, m.deterministic);
  }
}

function typeOf(text: unknown, what: string): DataType {
  if (typeof text !== 'string') throw new FreshetError(SqlState.invalidParameterValue, `${what} must be a SQL type name such as 'INT' or 'STRING'`);
  try {
    return bindType(parseDataType(text), (e) => e);
  } catch (e) {
    throw new FreshetError(SqlState.invalidParameterValue, `${what} '${text}' is not a SQL type: ${(e as Error).message}`);
  }
}

async function loadModule(def: CatalogFunction): Promise<Loaded> {
  const lang = def.language.toUpperCase();
  if (!LANGUAGES.includes(lang)) {
    throw new FreshetError(SqlState.featureNotSupported, `functions in ${def.language} are not supported`, { hint: 'Write the function in JavaScript or TypeScript: LANGUAGE JAVASCRIPT (the default).' });
  }
  const hash = def.className.lastIndexOf('#');
  if (hash <= 0 || hash === def.className.length - 1) {
    throw new FreshetError(SqlState.invalidParameterValue, `'${def.className}' does not name a function: write 'path/to/module.js#exportedName'`);
  }
  const file = def.className.slice(0, hash);
  const exportName = def.className.slice(hash + 1);
  const path = isAbsolute(file) ? file : resolve(process.cwd(), file);
  if (!existsSync(path)) {
    throw new FreshetError(SqlState.undefinedFunction, `the function module ${file} does not exist (looked at ${path})`, { hint: 'Paths are relative to the directory the engine was started in.' });
  }
  let mod: Record<string, unknown>;
  try {
    mod = await import(pathToFileURL(path).href) as Record<string, unknown>;
  } catch (e) {
    throw new FreshetError(SqlState.undefinedFunction, `the function module ${file} failed to load: ${(e as Error).message}`);
  }
  const fn = mod[exportName];
  if (typeof fn !== 'function') {
    const fns = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    throw new FreshetError(SqlState.undefinedFunction, `${file} exports no function named ${exportName}`, { hint: fns.length > 0 ? `It exports: ${fns.join(', ')}.` : 'Export the function from the module.' });
  }
  const f = fn as ((...args: unknown[]) => unknown) & { returns?: unknown; params?: unknown; deterministic?: unknown };
  if (f.returns === undefined) {
    throw new FreshetError(SqlState.invalidParameterValue, `function ${exportName} in ${file} does not declare its result type`, {
      hint: `Add \`${exportName}.returns = 'INT';\` (any SQL type) after the function in ${file}.`,
    });
  }
  const returnType = typeOf(f.returns, `${exportName}.returns`);
  let paramTypes: DataType[] | null = null;
  if (f.params !== undefined) {
    if (!Array.isArray(f.params)) throw new FreshetError(SqlState.invalidParameterValue, `${exportName}.params must be an array of SQL type names, e.g. ['STRING', 'INT']`);
    paramTypes = f.params.map((p, i) => typeOf(p, `${exportName}.params[${i}]`));
  }
  return { fn: f, returnType, paramTypes, deterministic: f.deterministic !== false };
}
