/**
 * JSON functions over JSON text in STRING values: JSON_VALUE, JSON_QUERY, JSON_EXISTS, JSON_OBJECT,
 * JSON_ARRAY, JSON_STRING. Paths are the SQL/JSON subset people use: `$`, `.key`, `."key"`, `['key']`,
 * `[n]`, `[*]`, with an optional `lax`/`strict` prefix. Invalid JSON or a missing path gives NULL
 * (Flink's default NULL ON EMPTY / NULL ON ERROR).
 */
import { T, withNullable, isCharacter, typeToString, notNull } from '../../../types/data-type.ts';
import type { DataType } from '../../../types/data-type.ts';
import type { FunctionModule, ScalarFunction } from '../function.ts';
import { signatures } from '../function.ts';
import { FreshetError, SqlState } from '../../../util/errors.ts';
import { formatValue } from '../../../types/value.ts';
import { decimalToDouble } from '../../../types/decimal.ts';

type PathStep = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'wildcard' };

const pathCache = new Map<string, PathStep[]>();

export function parseJsonPath(path: string): PathStep[] {
  const cached = pathCache.get(path);
  if (cached) return cached;
  let p = path.trim().replace(/^(lax|strict)\s+/i, '');
  if (!p.startsWith('$')) throw new FreshetError(SqlState.invalidParameterValue, `JSON path '${path}' must start with '$'`);
  p = p.slice(1);
  const steps: PathStep[] = [];
  const re = /^(?:\.([A-Za-z_$][\w$]*)|\."((?:[^"\\]|\\.)*)"|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\[\s*(\d+)\s*\]|\[\s*\*\s*\]|\.\*)/;
  while (p.length > 0) {
    const m = re.exec(p);
    if (!m) throw new FreshetError(SqlState.invalidParameterValue, `invalid JSON path '${path}' at '${p}'`, { hint: "Write paths like '$.a.b[0]' or '$[\"key with spaces\"]'." });
    if (m[1] !== undefined) steps.push({ kind: 'key', key: m[1] });
    else if (m[2] !== undefined) steps.push({ kind: 'key', key: m[2] });
    else if (m[3] !== undefined) steps.push({ kind: 'key', key: m[3] });
    else if (m[4] !== undefined) steps.push({ kind: 'key', key: m[4] });
    else if (m[5] !== undefined) steps.push({ kind: 'index', index: Number(m[5]) });
    else steps.push({ kind: 'wildcard' });
    p = p.slice(m[0].length);
  }
  if (pathCache.size > 1000) pathCache.clear();
  pathCache.set(path, steps);
  return steps;
}

/** Values at a path (several with wildcards), or undefined if absent. */
function select(doc: unknown, steps: PathStep[]): unknown[] {
  let cur: unknown[] = [doc];
  for (const s of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (s.kind === 'key') {
        if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, s.key)) next.push((v as Record<string, unknown>)[s.key]);
      } else if (s.kind === 'index') {
        if (Array.isArray(v) && s.index < v.length) next.push(v[s.index]);
      } else if (Array.isArray(v)) next.push(...v);
      else if (v !== null && typeof v === 'object') next.push(...Object.values(v));
    }
    cur = next;
  }
  return cur;
}

function parseJson(s: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(s) };
  } catch {
    return { ok: false };
  }
}

function jsonValue(s: string, path: string): string | null {
  const doc = parseJson(s);
  if (!doc.ok) return null;
  const r = select(doc.value, parseJsonPath(path));
  if (r.length !== 1) return null;
  const v = r[0];
  if (v === null || typeof v === 'object') return null;
  return typeof v === 'string' ? v : String(v);
}

function jsonQuery(s: string, path: string, wrapper: string): string | null {
  const doc = parseJson(s);
  if (!doc.ok) return null;
  const steps = parseJsonPath(path);
  const r = select(doc.value, steps);
  if (wrapper === 'with') return JSON.stringify(r);
  if (r.length === 0) return null;
  const v = steps.some((x) => x.kind === 'wildcard') ? r : r[0];
  if (v === null || typeof v !== 'object') return wrapper === 'conditional' ? JSON.stringify([v]) : null;
  return JSON.stringify(v);
}

/** A SQL value as JSON text. */
function toJson(type: DataType, v: unknown, raw: boolean): string {
  if (v === null || v === undefined) return 'null';
  if (raw) return v as string;
  switch (type.kind) {
    case 'BOOLEAN': return v ? 'true' : 'false';
    case 'TINYINT': case 'SMALLINT': case 'INT': case 'BIGINT': case 'FLOAT': case 'DOUBLE': return String(v);
    case 'DECIMAL': return String(decimalToDouble(v as number, type.scale ?? 0));
    case 'CHAR': case 'VARCHAR': return JSON.stringify(v);
    case 'ARRAY': return '[' + (v as unknown[]).map((x) => toJson(type.element!, x, false)).join(',') + ']';
    case 'MAP': return '{' + [...(v as Map<unknown, unknown>)].map(([k, x]) => JSON.stringify(String(k)) + ':' + toJson(type.value!, x, false)).join(',') + '}';
    case 'ROW': return '{' + type.fields!.map((f, i) => JSON.stringify(f.name) + ':' + toJson(f.type, (v as unknown[])[i], false)).join(',') + '}';
    default: return JSON.stringify(formatValue(type, v));
  }
}

const JSON_CONSTRUCTORS = new Set(['json_object', 'json_array', 'json_query', 'json_string']);

/** JSON_OBJECT(k1 VALUE v1, ...): the binder passes keys and values alternately, then 'NULL'/'ABSENT'. */
const jsonObject: ScalarFunction = {
  name: 'json_object',
  syntax: "JSON_OBJECT([KEY] 'k' VALUE v, ... [NULL | ABSENT ON NULL])",
  resolve(args) {
    const onNull = args[args.length - 1];
    if (!onNull || !onNull.isLiteral) return 'internal: JSON_OBJECT without ON NULL flag';
    for (let i = 0; i + 1 < args.length - 1; i += 2) {
      if (!isCharacter(args[i]!.type)) return `JSON_OBJECT keys must be STRING, got ${typeToString(args[i]!.type, false)}`;
      if (args[i]!.type.nullable) return 'JSON_OBJECT keys must not be NULL';
    }
    const raw = args.map((a) => a.callName !== undefined && JSON_CONSTRUCTORS.has(a.callName));
    return { type: notNull(T.string()), info: { absent: onNull.value === 'ABSENT', raw } };
  },
  nulls: 'custom',
  genCustom(args, ctx) {
    const info = ctx.info as { absent: boolean; raw: boolean[] };
    const parts: string[] = [];
    for (let i = 0; i + 1 < args.length - 1; i += 2) {
      const t = ctx.constant(ctx.argTypes[i + 1]!);
      const v = args[i + 1]!;
      parts.push(`[${args[i]!.v}, (${v.n}) ? null : ${v.v}, ${t}, ${info.raw[i + 1]}]`);
    }
    return { v: `$.jsonObject([${parts.join(', ')}], ${info.absent})`, n: 'false' };
  },
};

const jsonArray: ScalarFunction = {
  name: 'json_array',
  syntax: 'JSON_ARRAY(v, ... [NULL | ABSENT ON NULL])',
  resolve(args) {
    const onNull = args[args.length - 1];
    if (!onNull || !onNull.isLiteral) return 'internal: JSON_ARRAY without ON NULL flag';
    const raw = args.map((a) => a.callName !== undefined && JSON_CONSTRUCTORS.has(a.callName));
    return { type: notNull(T.string()), info: { absent: onNull.value !== 'NULL', raw } };
  },
  nulls: 'custom',
  genCustom(args, ctx) {
    const info = ctx.info as { absent: boolean; raw: boolean[] };
    const parts = args.slice(0, -1).map((a, i) => `[(${a.n}) ? null : ${a.v}, ${ctx.constant(ctx.argTypes[i]!)}, ${info.raw[i]}]`);
    return { v: `$.jsonArray([${parts.join(', ')}], ${info.absent})`, n: 'false' };
  },
};

const jsonString: ScalarFunction = {
  name: 'json_string',
  syntax: 'JSON_STRING(v): v as JSON text',
  resolve: (args) => (args.length === 1 ? { type: withNullable(T.string(), args[0]!.type.nullable) } : 'JSON_STRING takes one argument'),
  nulls: 'strict',
  gen: (args, ctx) => `$.toJson(${ctx.constant(ctx.argTypes[0]!)}, ${args[0]}, false)`,
};

export const json: FunctionModule = {
  functions: [
    {
      name: 'json_value',
      syntax: "JSON_VALUE(json, '$.path'): the scalar at path as STRING, NULL if absent or not a scalar",
      resolve: signatures('json_value', { params: ['string', 'string'], result: T.string(), nullableResult: true }),
      nulls: 'strict',
      mayReturnNull: true,
      gen: (a) => `$.jsonValue(${a[0]}, ${a[1]})`,
    },
    {
      name: 'json_query',
      syntax: "JSON_QUERY(json, '$.path'): the object or array at path as JSON text",
      resolve: signatures('json_query', { params: ['string', 'string', 'string'], minArgs: 2, result: T.string(), nullableResult: true }),
      nulls: 'strict',
      mayReturnNull: true,
      gen: (a) => `$.jsonQuery(${a[0]}, ${a[1]}, ${a[2] ?? '"without"'})`,
    },
    {
      name: 'json_exists',
      syntax: "JSON_EXISTS(json, '$.path')",
      resolve: signatures('json_exists', { params: ['string', 'string'], result: T.boolean() }),
      nulls: 'strict',
      mayReturnNull: true,
      gen: (a) => `$.jsonExists(${a[0]}, ${a[1]})`,
    },
    jsonObject, jsonArray, jsonString,
  ],
  helpers: {
    jsonValue,
    jsonQuery,
    jsonExists(s: string, path: string): boolean | null {
      const doc = parseJson(s);
      if (!doc.ok) return null;
      return select(doc.value, parseJsonPath(path)).length > 0;
    },
    toJson,
    jsonObject(entries: Array<[string, unknown, DataType, boolean]>, absent: boolean): string {
      const parts: string[] = [];
      for (const [k, v, t, raw] of entries) {
        if (v === null && absent) continue;
        parts.push(JSON.stringify(k) + ':' + toJson(t, v, raw));
      }
      return '{' + parts.join(',') + '}';
    },
    jsonArray(items: Array<[unknown, DataType, boolean]>, absent: boolean): string {
      const parts: string[] = [];
      for (const [v, t, raw] of items) {
        if (v === null && absent) continue;
        parts.push(toJson(t, v, raw));
      }
      return '[' + parts.join(',') + ']';
    },
  },
};
