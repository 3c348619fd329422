/**
 * Collections and rows: the ARRAY[..], MAP[..] and ROW(..) constructors, subscripts, field access,
 * CARDINALITY, ELEMENT and the ARRAY_* / MAP_* functions. Arrays are JS arrays (NULL elements as null),
 * maps are JS Maps, rows are JS arrays of field values. Array subscripts are 1-based; out of range is NULL.
 */
import type { DataType } from '../../../types/data-type.ts';
import { T, withNullable, nullable, typeToString, isInteger, commonType, notNull } from '../../../types/data-type.ts';
import type { FunctionModule, ScalarFunction } from '../function.ts';
import { commonOf } from '../function.ts';
import { FreshetError, SqlState } from '../../../util/errors.ts';
import { groupKeyOf, valuesEqual, comparatorFor } from '../../../types/value.ts';

const arrayCtor: ScalarFunction = {
  name: 'array_ctor',
  syntax: 'ARRAY[a, b, ...]',
  resolve(args) {
    if (args.length === 0) return { type: notNull(T.array(T.null())) };
    const t = commonOf('ARRAY', args.map((a) => a.type));
    if (typeof t === 'string') return t;
    return { type: notNull(T.array(t)), argTypes: args.map((a) => withNullable(t, a.type.nullable)) };
  },
  nulls: 'custom',
  genCustom: (args) => ({ v: `[${args.map((a) => `(${a.n}) ? null : ${a.v}`).join(', ')}]`, n: 'false' }),
};

const mapCtor: ScalarFunction = {
  name: 'map_ctor',
  syntax: 'MAP[k1, v1, k2, v2, ...]',
  resolve(args) {
    if (args.length % 2 !== 0) return 'MAP[...] needs key, value pairs';
    if (args.length === 0) return { type: notNull(T.map(T.null(), T.null())) };
    const kt = commonOf('MAP keys', args.filter((_, i) => i % 2 === 0).map((a) => a.type));
    const vt = commonOf('MAP values', args.filter((_, i) => i % 2 === 1).map((a) => a.type));
    if (typeof kt === 'string') return kt;
    if (typeof vt === 'string') return vt;
    return { type: notNull(T.map(kt, vt)), argTypes: args.map((a, i) => withNullable(i % 2 === 0 ? kt : vt, a.type.nullable)) };
  },
  nulls: 'custom',
  genCustom(args) {
    const pairs: string[] = [];
    for (let i = 0; i < args.length; i += 2) pairs.push(`[(${args[i]!.n}) ? null : ${args[i]!.v}, (${args[i + 1]!.n}) ? null : ${args[i + 1]!.v}]`);
    return { v: `new Map([${pairs.join(', ')}])`, n: 'false' };
  },
};

const rowCtor: ScalarFunction = {
  name: 'row_ctor',
  syntax: 'ROW(a, b, ...) or (a, b, ...)',
  resolve(args) {
    return { type: notNull(T.row(args.map((a, i) => ({ name: `EXPR$${i}`, type: a.type.kind === 'NULL' ? T.string() : a.type })))) };
  },
  nulls: 'custom',
  genCustom: (args) => ({ v: `[${args.map((a) => `(${a.n}) ? null : ${a.v}`).join(', ')}]`, n: 'false' }),
};

const item: ScalarFunction = {
  name: 'item',
  syntax: 'array[i] (1-based), map[key]',
  resolve(args) {
    const [c, k] = args.map((a) => a.type) as [DataType, DataType];
    if (c.kind === 'ARRAY') {
      if (!isInteger(k) && k.kind !== 'NULL') return `an array index must be an integer, got ${typeToString(k, false)}`;
      return { type: nullable(c.element!), argTypes: [c, T.int()], info: 'array' };
    }
    if (c.kind === 'MAP') {
      const kt = commonType(c.key!, k);
      if (!kt) return `a key of type ${typeToString(k, false)} cannot index ${typeToString(c, false)}`;
      return { type: nullable(c.value!), argTypes: [c, withNullable(c.key!, k.nullable)], info: 'map' };
    }
    if (c.kind === 'ROW' && isInteger(k)) return 'use row.field or row[literal index] on ROW values';
    return `cannot subscript a value of type ${typeToString(c, false)}`;
  },
  nulls: 'strict',
  mayReturnNull: true,
  gen: (args, ctx) => (ctx.info === 'array' ? `$.arrayAt(${args[0]}, ${args[1]})` : `$.mapGet(${args[0]}, ${args[1]})`),
};

/** row.field: the binder resolves the field name to an index in `info`. */
const field: ScalarFunction = {
  name: 'field',
  syntax: 'row.field',
  resolve(args) {
    const t = args[0]!.type;
    const idx = args[1]?.value;
    if (t.kind !== 'ROW' || typeof idx !== 'number') return 'field access needs a ROW value';
    return { type: withNullable(t.fields![idx]!.type, t.nullable || t.fields![idx]!.type.nullable), info: idx };
  },
  nulls: 'strict',
  mayReturnNull: true,
  gen: (args, ctx) => `${args[0]}[${ctx.info as number}]`,
};

function arrayFn(name: string, syntax: string, resolve: ScalarFunction['resolve'], gen: (a: string[], t: DataType[]) => string, mayReturnNull = false): ScalarFunction {
  return { name, syntax, resolve, nulls: 'strict', gen: (a, ctx) => gen(a, ctx.argTypes), mayReturnNull };
}

function needArray(name: string, t: DataType | undefined): string | undefined {
  if (!t || t.kind !== 'ARRAY') return `${name.toUpperCase()} needs an ARRAY argument${t ? `, got ${typeToString(t, false)}` : ''}`;
  return undefined;
}

export const collections: FunctionModule = {
  functions: [
    arrayCtor, mapCtor, rowCtor, item, field,
    {
      name: 'cardinality',
      syntax: 'CARDINALITY(array or map)',
      resolve(args) {
        const t = args[0]?.type;
        if (!t || (t.kind !== 'ARRAY' && t.kind !== 'MAP' && t.kind !== 'MULTISET')) return `CARDINALITY needs an ARRAY or MAP${t ? `, got ${typeToString(t, false)}` : ''}`;
        return { type: withNullable(T.int(), t.nullable) };
      },
      nulls: 'strict',
      gen: (a, ctx) => (ctx.argTypes[0]!.kind === 'MAP' ? `${a[0]}.size` : `${a[0]}.length`),
    },
    arrayFn('element', 'ELEMENT(array): its only element, NULL if empty', (args) => needArray('element', args[0]?.type) ?? { type: nullable(args[0]!.type.element!) },
      (a) => `$.element(${a[0]})`, true),
    arrayFn('array_contains', 'ARRAY_CONTAINS(array, value)', (args) => {
      const e = needArray('array_contains', args[0]?.type);
      if (e) return e;
      const et = commonType(args[0]!.type.element!, args[1]!.type);
      if (!et) return `ARRAY_CONTAINS: ${typeToString(args[1]!.type, false)} does not match the element type ${typeToString(args[0]!.type.element!, false)}`;
      return { type: withNullable(T.boolean(), args[0]!.type.nullable), argTypes: [args[0]!.type, withNullable(args[0]!.type.element!, true)] };
    }, (a) => `$.arrayContains(${a[0]}, ${a[1]})`),
    arrayFn('array_position', 'ARRAY_POSITION(array, value): 1-based, 0 if absent', (args) => needArray('array_position', args[0]?.type) ?? { type: withNullable(T.int(), args[0]!.type.nullable), argTypes: [args[0]!.type, withNullable(args[0]!.type.element!, true)] },
      (a) => `$.arrayPosition(${a[0]}, ${a[1]})`),
    arrayFn('array_distinct', 'ARRAY_DISTINCT(array)', (args) => needArray('array_distinct', args[0]?.type) ?? { type: args[0]!.type }, (a) => `$.arrayDistinct(${a[0]})`),
    arrayFn('array_remove', 'ARRAY_REMOVE(array, value)', (args) => needArray('array_remove', args[0]?.type) ?? { type: args[0]!.type, argTypes: [args[0]!.type, withNullable(args[0]!.type.element!, true)] },
      (a) => `${a[0]}.filter((x) => !$.eqOrNull(x, ${a[1]}))`),
    arrayFn('array_reverse', 'ARRAY_REVERSE(array)', (args) => needArray('array_reverse', args[0]?.type) ?? { type: args[0]!.type }, (a) => `[...${a[0]}].reverse()`),
    arrayFn('array_slice', 'ARRAY_SLICE(array, start [, end]): 1-based, inclusive', (args) => needArray('array_slice', args[0]?.type) ?? { type: args[0]!.type, argTypes: [args[0]!.type, T.int(), T.int()].slice(0, args.length) },
      (a) => `$.arraySlice(${a[0]}, ${a[1]}${a[2] ? ', ' + a[2] : ''})`),
    arrayFn('array_concat', 'ARRAY_CONCAT(array, array, ...)', (args) => {
      for (const x of args) { const e = needArray('array_concat', x.type); if (e) return e; }
      const t = commonOf('ARRAY_CONCAT', args.map((x) => x.type));
      return typeof t === 'string' ? t : { type: t, argTypes: args.map(() => t) };
    }, (a) => `[].concat(${a.join(', ')})`),
    arrayFn('array_union', 'ARRAY_UNION(array, array): distinct elements of both', (args) => {
      const t = commonType(args[0]!.type, args[1]!.type);
      return t && t.kind === 'ARRAY' ? { type: t, argTypes: [t, t] } : 'ARRAY_UNION needs two arrays of compatible types';
    }, (a) => `$.arrayDistinct(${a[0]}.concat(${a[1]}))`),
    arrayFn('array_join', 'ARRAY_JOIN(array, separator [, nullReplacement])', (args) => {
      const e = needArray('array_join', args[0]?.type);
      return e ?? { type: withNullable(T.string(), args[0]!.type.nullable || args[1]!.type.nullable), argTypes: [T.array(T.string()), T.string(), T.string()].slice(0, args.length) };
    }, (a) => `$.arrayJoin(${a[0]}, ${a[1]}, ${a[2] ?? 'null'})`),
    arrayFn('array_max', 'ARRAY_MAX(array)', (args) => needArray('array_max', args[0]?.type) ?? { type: nullable(args[0]!.type.element!) },
      (a, t) => `$.arrayExtreme(${a[0]}, ${JSON.stringify(typeToString(t[0]!.element!))}, 1)`, true),
    arrayFn('array_min', 'ARRAY_MIN(array)', (args) => needArray('array_min', args[0]?.type) ?? { type: nullable(args[0]!.type.element!) },
      (a, t) => `$.arrayExtreme(${a[0]}, ${JSON.stringify(typeToString(t[0]!.element!))}, -1)`, true),
    arrayFn('map_keys', 'MAP_KEYS(map)', (args) => (args[0]?.type.kind === 'MAP' ? { type: withNullable(T.array(args[0]!.type.key!), args[0]!.type.nullable) } : 'MAP_KEYS needs a MAP'), (a) => `[...${a[0]}.keys()]`),
    arrayFn('map_values', 'MAP_VALUES(map)', (args) => (args[0]?.type.kind === 'MAP' ? { type: withNullable(T.array(args[0]!.type.value!), args[0]!.type.nullable) } : 'MAP_VALUES needs a MAP'), (a) => `[...${a[0]}.values()]`),
    arrayFn('map_entries', 'MAP_ENTRIES(map): ARRAY<ROW<key, value>>', (args) => (args[0]?.type.kind === 'MAP'
      ? { type: withNullable(T.array(T.row([{ name: 'key', type: args[0]!.type.key! }, { name: 'value', type: args[0]!.type.value! }])), args[0]!.type.nullable) }
      : 'MAP_ENTRIES needs a MAP'), (a) => `[...${a[0]}.entries()]`),
    arrayFn('map_from_arrays', 'MAP_FROM_ARRAYS(keys, values)', (args) => {
      const [k, v] = args.map((x) => x.type) as [DataType, DataType];
      if (k?.kind !== 'ARRAY' || v?.kind !== 'ARRAY') return 'MAP_FROM_ARRAYS needs two arrays';
      return { type: withNullable(T.map(k.element!, v.element!), k.nullable || v.nullable) };
    }, (a) => `$.mapFromArrays(${a[0]}, ${a[1]})`),
  ],
  helpers: {
    arrayAt(a: unknown[], i: number): unknown {
      return i >= 1 && i <= a.length ? a[i - 1] ?? null : null;
    },
    mapGet(m: Map<unknown, unknown>, k: unknown): unknown {
      if (typeof k !== 'object' || k === null) return m.has(k) ? m.get(k) ?? null : null;
      const key = groupKeyOf(k);
      for (const [x, v] of m) if (groupKeyOf(x) === key) return v;
      return null;
    },
    element(a: unknown[]): unknown {
      if (a.length === 0) return null;
      if (a.length > 1) throw new FreshetError(SqlState.cardinalityViolation, `ELEMENT of an array with ${a.length} elements; it needs at most one`);
      return a[0];
    },
    arrayContains(a: unknown[], v: unknown): boolean {
      return a.some((x) => (x === null ? v === null : v !== null && valuesEqual(x, v)));
    },
    arrayPosition(a: unknown[], v: unknown): number {
      const i = a.findIndex((x) => (x === null ? v === null : v !== null && valuesEqual(x, v)));
      return i + 1;
    },
    eqOrNull(x: unknown, v: unknown): boolean {
      return x === null ? v === null : v !== null && valuesEqual(x, v);
    },
    arrayDistinct(a: unknown[]): unknown[] {
      const seen = new Set<string>();
      const out: unknown[] = [];
      for (const x of a) {
        const k = groupKeyOf(x);
        if (!seen.has(k)) { seen.add(k); out.push(x); }
      }
      return out;
    },
    arraySlice(a: unknown[], start: number, end?: number): unknown[] {
      const n = a.length;
      const s = start > 0 ? start - 1 : start < 0 ? n + start : 0;
      const e = end === undefined ? n : end > 0 ? end : end < 0 ? n + end + 1 : 0;
      return a.slice(Math.max(0, s), Math.max(0, e));
    },
    arrayJoin(a: Array<string | null>, sep: string, nullRepl: string | null): string {
      return a.filter((x) => x !== null || nullRepl !== null).map((x) => x ?? nullRepl).join(sep);
    },
    arrayExtreme(a: unknown[], _type: string, dir: number): unknown {
      let best: unknown = null;
      for (const x of a) {
        if (x === null) continue;
        if (best === null) { best = x; continue; }
        const c = typeof x === 'number' || typeof x === 'bigint' ? (x < (best as number) ? -1 : x > (best as number) ? 1 : 0) : String(x) < String(best) ? -1 : String(x) > String(best) ? 1 : 0;
        if (c * dir > 0) best = x;
      }
      return best;
    },
    mapFromArrays(k: unknown[], v: unknown[]): Map<unknown, unknown> {
      if (k.length !== v.length) throw new FreshetError(SqlState.invalidParameterValue, `MAP_FROM_ARRAYS needs arrays of equal length, got ${k.length} keys and ${v.length} values`);
      return new Map(k.map((x, i) => [x, v[i]]));
    },
  },
};

void comparatorFor;
