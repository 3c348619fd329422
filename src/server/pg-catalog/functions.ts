/**
 * Functions of the emulated catalog: the pg_catalog functions psql and client tools call
 * (pg_get_userbyid, pg_table_is_visible, format_type, pg_get_expr, col_description, pg_get_viewdef,
 * current_setting, has_table_privilege, ...), common scalar functions they use alongside, set-returning
 * functions for FROM (generate_series, unnest) and aggregates. Freshet has no privileges, so every
 * privilege check says yes (for objects that exist).
 */
import { FreshetError, SqlState } from '../../util/errors.ts';
import type { CatalogSnapshot } from './metadata.ts';
import { OWNER_OID, quoteIdent } from './metadata.ts';
import { indexDef, searchPath } from './tables.ts';
import { compareValues, elementType, formatType, isArrayType, isInteger, toText, type PgType, type Value } from './types.ts';

export interface FnContext {
  snap: CatalogSnapshot;
  argTypes: PgType[];
}

export interface ScalarFn {
  /** Result type, fixed or from the argument types. */
  ret: PgType | ((args: PgType[]) => PgType);
  call(args: Value[], cx: FnContext): Value;
  /** Strict functions return null when any argument is null (without being called). Default true. */
  strict?: boolean;
}

export interface SetFn {
  columns(args: PgType[]): Array<{ name: string; type: PgType }>;
  rows(args: Value[], cx: FnContext): Value[][];
}

export interface AggregateFn {
  ret: (args: PgType[]) => PgType;
  /** Folds the non-null argument rows (count(*) gets all rows, with no arguments). */
  compute(rows: Value[][], args: PgType[], cx: FnContext): Value;
}

const num = (v: Value): number => (typeof v === 'number' ? v : Number(v));
const str = (v: Value, t: PgType, cx: FnContext): string => toText(v, t, cx.snap);
const first = (a: PgType[]): PgType => a.find((t) => t !== 'unknown' && t !== 'null') ?? 'text';
const always = (v: Value): ScalarFn => ({ ret: typeof v === 'boolean' ? 'bool' : 'text', call: () => v, strict: false });
const yes: ScalarFn = { ret: 'bool', call: () => true, strict: false };

function tableExists(v: Value, t: PgType, cx: FnContext): boolean {
  if (typeof v === 'number') return true;
  cx.snap.regOid('regclass', String(v));
  return true;
}

function sizePretty(n: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 10 * 1024 - 0.5 && u < units.length - 1) { v = Math.round(v / 1024); u++; }
  return `${v} ${units[u]}`;
}

function likeToRegex(p: string): string {
  let out = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\' && i + 1 < p.length) { out += p[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); continue; }
    out += c === '%' ? '[\\s\\S]*' : c === '_' ? '[\\s\\S]' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}

const regexCache = new Map<string, RegExp>();
/** A Postgres regular expression (ARE) as a JavaScript one; the forms clients use mean the same in both. */
export function pgRegex(pattern: string, flags = ''): RegExp {
  const key = flags + '\u0000' + pattern;
  let r = regexCache.get(key);
  if (!r) {
    try {
      r = new RegExp(pattern, flags + 'u');
    } catch {
      try {
        r = new RegExp(pattern, flags);
      } catch (e) {
        throw new FreshetError('2201B', `invalid regular expression: ${(e as Error).message}`);
      }
    }
    if (regexCache.size > 500) regexCache.clear();
    regexCache.set(key, r);
  }
  return r;
}

export function likeRegex(pattern: string, ci: boolean): RegExp {
  return pgRegex(`^${likeToRegex(pattern)}$`, ci ? 'is' : 's');
}

export function similarRegex(pattern: string): RegExp {
  let out = '';
  for (const c of pattern) out += c === '%' ? '.*' : c === '_' ? '.' : c === '.' ? '\\.' : c;
  return pgRegex(`^(?:${out})$`, 's');
}

function viewDef(oid: Value, cx: FnContext): Value {
  const r = typeof oid === 'number' ? cx.snap.relation(oid) : cx.snap.findRelation([String(oid)]);
  if (!r?.definition) return null;
  const d = r.definition.trim().replace(/;\s*$/, '');
  return ` ${d};`;
}

function description(oid: number, catalog: string | undefined, cx: FnContext): Value {
  if (catalog === undefined || catalog === 'pg_class') {
    const r = cx.snap.relation(oid);
    if (r && !r.system) return r.comment ?? null;
  }
  if (catalog === undefined || catalog === 'pg_namespace') {
    const n = cx.snap.namespaces().find((x) => x.oid === oid);
    if (n) return n.comment ?? null;
  }
  return null;
}

function constraintOf(oid: number, cx: FnContext) {
  return cx.snap.relations().find((r) => r.primaryKey && r.primaryKey.oid + 1 === oid);
}

const privilege = (args: Value[], types: PgType[], cx: FnContext, objectArg: number): boolean => {
  const v = args[objectArg];
  if (v !== null && v !== undefined) tableExists(v, types[objectArg] ?? 'text', cx);
  return true;
};

export const SCALARS: Record<string, ScalarFn> = {
  version: { ret: 'text', call: (_a, cx) => `PostgreSQL ${cx.snap.session.serverVersion} (Freshet ${cx.snap.session.freshetVersion}) on ${process.arch}-${process.platform}, 64-bit`, strict: false },
  current_database: { ret: 'name', call: (_a, cx) => cx.snap.catalogName, strict: false },
  current_catalog: { ret: 'name', call: (_a, cx) => cx.snap.catalogName, strict: false },
  current_schema: { ret: 'name', call: (_a, cx) => cx.snap.currentSchema, strict: false },
  current_schemas: { ret: 'name[]', call: (a, cx) => (a[0] ? ['pg_catalog', cx.snap.currentSchema] : [cx.snap.currentSchema]) },
  current_user: { ret: 'name', call: (_a, cx) => cx.snap.session.user, strict: false },
  current_role: { ret: 'name', call: (_a, cx) => cx.snap.session.user, strict: false },
  session_user: { ret: 'name', call: (_a, cx) => cx.snap.session.user, strict: false },
  user: { ret: 'name', call: (_a, cx) => cx.snap.session.user, strict: false },
  pg_is_in_recovery: always(false),
  pg_backend_pid: { ret: 'int4', call: () => process.pid, strict: false },
  pg_postmaster_start_time: { ret: 'timestamptz', call: () => new Date(Date.now() - process.uptime() * 1000).toISOString().replace('T', ' ').replace('Z', '+00'), strict: false },
  now: { ret: 'timestamptz', call: () => new Date().toISOString().replace('T', ' ').replace('Z', '+00'), strict: false },
  current_timestamp: { ret: 'timestamptz', call: () => new Date().toISOString().replace('T', ' ').replace('Z', '+00'), strict: false },
  current_date: { ret: 'date', call: () => new Date().toISOString().slice(0, 10), strict: false },
  txid_current: { ret: 'int8', call: () => 1, strict: false },
  inet_server_addr: { ret: 'text', call: () => null, strict: false },
  inet_server_port: { ret: 'int4', call: () => null, strict: false },
  pg_client_encoding: always('UTF8'),
  pg_encoding_to_char: { ret: 'name', call: (a) => ({ 0: 'SQL_ASCII', 6: 'UTF8' } as Record<number, string>)[num(a[0]!)] ?? '' },
  pg_char_to_encoding: { ret: 'int4', call: (a) => (String(a[0]).toUpperCase() === 'UTF8' ? 6 : String(a[0]).toUpperCase() === 'SQL_ASCII' ? 0 : -1) },

  has_table_privilege: { ret: 'bool', call: (a, cx) => privilege(a, cx.argTypes, cx, a.length === 3 ? 1 : 0) },
  has_any_column_privilege: { ret: 'bool', call: (a, cx) => privilege(a, cx.argTypes, cx, a.length === 3 ? 1 : 0) },
  has_column_privilege: { ret: 'bool', call: (a, cx) => privilege(a, cx.argTypes, cx, a.length === 4 ? 1 : 0) },
  has_sequence_privilege: yes, has_schema_privilege: yes, has_database_privilege: yes, has_function_privilege: yes,
  has_tablespace_privilege: yes, has_type_privilege: yes, has_foreign_data_wrapper_privilege: yes, has_server_privilege: yes,
  has_language_privilege: yes, pg_has_role: yes,

  pg_get_userbyid: { ret: 'name', call: (a, cx) => (num(a[0]!) === OWNER_OID ? cx.snap.session.user : `unknown (OID=${a[0]})`) },
  pg_table_is_visible: { ret: 'bool', call: (a, cx) => { const r = cx.snap.relation(num(a[0]!)); return r ? cx.snap.isVisible(r) : null; } },
  pg_type_is_visible: yes, pg_function_is_visible: yes, pg_opclass_is_visible: yes, pg_collation_is_visible: yes,
  format_type: { ret: 'text', strict: false, call: (a) => (a[0] === null ? null : formatType(num(a[0]!), a[1] === null || a[1] === undefined ? -1 : num(a[1]))) },
  pg_get_expr: { ret: 'text', call: (a) => (a[0] === null ? null : String(a[0])) , strict: false },
  pg_get_viewdef: { ret: 'text', call: (a, cx) => viewDef(a[0]!, cx) },
  pg_get_indexdef: {
    ret: 'text', call: (a, cx) => {
      const r = cx.snap.relation(num(a[0]!));
      if (!r || r.kind !== 'i') return null;
      const col = a[1] === undefined ? 0 : num(a[1]);
      return col > 0 ? (r.attrs[col - 1] ? quoteIdent(r.attrs[col - 1]!.name) : '') : indexDef(r);
    },
  },
  pg_get_constraintdef: {
    ret: 'text', call: (a, cx) => {
      const r = constraintOf(num(a[0]!), cx);
      return r ? `PRIMARY KEY (${r.primaryKey!.attnums.map((n) => quoteIdent(r.attrs[n - 1]!.name)).join(', ')})` : null;
    },
  },
  pg_get_partkeydef: {
    ret: 'text', call: (a, cx) => {
      const r = cx.snap.relation(num(a[0]!));
      return r && r.kind === 'p' ? `LIST (${r.partitionKeys.map(quoteIdent).join(', ')})` : null;
    },
  },
  pg_get_statisticsobjdef_columns: always(null as unknown as string),
  pg_get_ruledef: always(null as unknown as string),
  pg_get_triggerdef: always(null as unknown as string),
  pg_get_functiondef: always(null as unknown as string),
  pg_get_function_arguments: always(''),
  pg_get_function_result: always(null as unknown as string),
  pg_get_function_identity_arguments: always(''),
  pg_get_serial_sequence: always(null as unknown as string),
  pg_relation_is_publishable: always(false),
  pg_partition_root: { ret: 'regclass', call: (a) => a[0]! },
  pg_table_size: { ret: 'int8', call: () => null },
  pg_relation_size: { ret: 'int8', call: () => null },
  pg_total_relation_size: { ret: 'int8', call: () => null },
  pg_indexes_size: { ret: 'int8', call: () => null },
  pg_database_size: { ret: 'int8', call: () => null },
  pg_size_pretty: { ret: 'text', call: (a) => sizePretty(num(a[0]!)) },
  col_description: {
    ret: 'text', call: (a, cx) => {
      const r = cx.snap.relation(num(a[0]!));
      if (!r || r.system || r.kind === 'i') return null;
      return r.attrs.find((x) => x.num === num(a[1]!))?.comment ?? null;
    },
  },
  obj_description: { ret: 'text', call: (a, cx) => description(num(a[0]!), a[1] === undefined ? undefined : String(a[1]), cx) },
  shobj_description: { ret: 'text', call: () => null },
  current_setting: {
    ret: 'text', call: (a, cx) => {
      const name = String(a[0]);
      if (name.toLowerCase() === 'search_path') return searchPath(cx.snap);
      const v = cx.snap.session.setting(name);
      if (v === undefined) {
        if (a[1] === true) return null;
        throw new FreshetError('42704', `unrecognized configuration parameter "${name}"`);
      }
      return v;
    },
  },
  set_config: {
    ret: 'text', strict: false, call: (a, cx) => {
      if (a[0] === null) throw new FreshetError('22004', 'SET requires parameter name');
      cx.snap.session.setSetting(String(a[0]), a[1] === null ? '' : String(a[1]));
      return cx.snap.session.setting(String(a[0])) ?? (a[1] as string | null);
    },
  },

  // text
  array_to_string: {
    ret: 'text', strict: false, call: (a, cx) => {
      if (a[0] === null || a[1] === null) return null;
      const el = elementType(cx.argTypes[0] ?? 'text[]');
      const arr = a[0] as Value[];
      const parts = arr.flatMap((x) => (x === null ? (a[2] === undefined || a[2] === null ? [] : [String(a[2])]) : [toText(x, el, cx.snap)]));
      return parts.join(String(a[1]));
    },
  },
  string_to_array: { ret: 'text[]', call: (a) => (String(a[0]) === '' ? [] : a[1] === null ? [...String(a[0])] : String(a[0]).split(String(a[1]))) },
  quote_ident: { ret: 'text', call: (a) => quoteIdent(String(a[0])) },
  quote_literal: { ret: 'text', call: (a, cx) => `'${str(a[0]!, cx.argTypes[0]!, cx).replace(/'/g, "''")}'` },
  lower: { ret: 'text', call: (a, cx) => str(a[0]!, cx.argTypes[0]!, cx).toLowerCase() },
  upper: { ret: 'text', call: (a, cx) => str(a[0]!, cx.argTypes[0]!, cx).toUpperCase() },
  length: { ret: 'int4', call: (a, cx) => [...str(a[0]!, cx.argTypes[0]!, cx)].length },
  char_length: { ret: 'int4', call: (a, cx) => [...str(a[0]!, cx.argTypes[0]!, cx)].length },
  octet_length: { ret: 'int4', call: (a, cx) => Buffer.byteLength(str(a[0]!, cx.argTypes[0]!, cx)) },
  substr: {
    ret: 'text', call: (a, cx) => {
      const s = [...str(a[0]!, cx.argTypes[0]!, cx)];
      const from = num(a[1]!);
      const end = a[2] === undefined ? s.length + 1 : from + num(a[2]);
      return s.slice(Math.max(from, 1) - 1, Math.max(end - 1, 0)).join('');
    },
  },
  strpos: { ret: 'int4', call: (a, cx) => str(a[0]!, cx.argTypes[0]!, cx).indexOf(String(a[1])) + 1 },
  left: { ret: 'text', call: (a, cx) => { const s = [...str(a[0]!, cx.argTypes[0]!, cx)]; const n = num(a[1]!); return s.slice(0, n < 0 ? Math.max(s.length + n, 0) : n).join(''); } },
  right: { ret: 'text', call: (a, cx) => { const s = [...str(a[0]!, cx.argTypes[0]!, cx)]; const n = num(a[1]!); return n === 0 ? '' : s.slice(-n).join(''); } },
  btrim: { ret: 'text', call: (a, cx) => trim(str(a[0]!, cx.argTypes[0]!, cx), a[1] === undefined ? ' ' : String(a[1]), true, true) },
  ltrim: { ret: 'text', call: (a, cx) => trim(str(a[0]!, cx.argTypes[0]!, cx), a[1] === undefined ? ' ' : String(a[1]), true, false) },
  rtrim: { ret: 'text', call: (a, cx) => trim(str(a[0]!, cx.argTypes[0]!, cx), a[1] === undefined ? ' ' : String(a[1]), false, true) },
  replace: { ret: 'text', call: (a, cx) => str(a[0]!, cx.argTypes[0]!, cx).split(String(a[1])).join(String(a[2])) },
  split_part: { ret: 'text', call: (a, cx) => str(a[0]!, cx.argTypes[0]!, cx).split(String(a[1]))[num(a[2]!) - 1] ?? '' },
  starts_with: { ret: 'bool', call: (a, cx) => str(a[0]!, cx.argTypes[0]!, cx).startsWith(String(a[1])) },
  regexp_replace: {
    ret: 'text', call: (a, cx) => str(a[0]!, cx.argTypes[0]!, cx).replace(pgRegex(String(a[1]), String(a[3] ?? '').includes('g') ? 'g' : ''), String(a[2]).replace(/\\(\d)/g, '$$$1')),
  },
  concat: { ret: 'text', strict: false, call: (a, cx) => a.map((x, i) => (x === null ? '' : str(x, cx.argTypes[i]!, cx))).join('') },
  concat_ws: { ret: 'text', strict: false, call: (a, cx) => (a[0] === null ? null : a.slice(1).flatMap((x, i) => (x === null ? [] : [str(x, cx.argTypes[i + 1]!, cx)])).join(String(a[0]))) },
  md5: { ret: 'text', call: () => null },

  // conditional
  coalesce: { ret: first, strict: false, call: (a) => a.find((x) => x !== null) ?? null },
  nullif: { ret: first, strict: false, call: (a) => (a[0] !== null && a[1] !== null && compareValues(a[0]!, a[1]!) === 0 ? null : a[0]!) },
  greatest: { ret: first, strict: false, call: (a) => a.filter((x) => x !== null).reduce<Value>((m, x) => (m === null || compareValues(x, m) > 0 ? x : m), null) },
  least: { ret: first, strict: false, call: (a) => a.filter((x) => x !== null).reduce<Value>((m, x) => (m === null || compareValues(x, m) < 0 ? x : m), null) },

  // numbers
  abs: { ret: (t) => t[0] ?? 'numeric', call: (a) => Math.abs(num(a[0]!)) },
  round: { ret: (t) => t[0] ?? 'numeric', call: (a) => { const f = 10 ** (a[1] === undefined ? 0 : num(a[1])); return Math.round(num(a[0]!) * f) / f; } },
  floor: { ret: (t) => t[0] ?? 'numeric', call: (a) => Math.floor(num(a[0]!)) },
  ceil: { ret: (t) => t[0] ?? 'numeric', call: (a) => Math.ceil(num(a[0]!)) },

  // arrays
  array_upper: { ret: 'int4', call: (a, cx) => { const arr = a[0] as Value[]; if (num(a[1]!) !== 1 || arr.length === 0) return null; return isArrayType(cx.argTypes[0]!) && cx.argTypes[0]!.endsWith('vector') ? arr.length - 1 : arr.length; } },
  array_lower: { ret: 'int4', call: (a, cx) => { const arr = a[0] as Value[]; if (num(a[1]!) !== 1 || arr.length === 0) return null; return cx.argTypes[0]!.endsWith('vector') ? 0 : 1; } },
  array_length: { ret: 'int4', call: (a) => { const arr = a[0] as Value[]; return num(a[1]!) === 1 && arr.length > 0 ? arr.length : null; } },
  cardinality: { ret: 'int4', call: (a) => (a[0] as Value[]).length },
  array_position: { ret: 'int4', call: (a) => { const i = (a[0] as Value[]).findIndex((x) => x !== null && compareValues(x, a[1]!) === 0); return i < 0 ? null : i + 1; } },
  array_cat: { ret: first, strict: false, call: (a) => (a[0] === null ? a[1]! : a[1] === null ? a[0]! : [...(a[0] as Value[]), ...(a[1] as Value[])]) },
  array_append: { ret: first, strict: false, call: (a) => [...((a[0] as Value[] | null) ?? []), a[1]!] },
};

function trim(s: string, chars: string, left: boolean, right: boolean): string {
  let i = 0;
  let j = s.length;
  if (left) while (i < j && chars.includes(s[i]!)) i++;
  if (right) while (j > i && chars.includes(s[j - 1]!)) j--;
  return s.slice(i, j);
}

export const SET_FUNCTIONS: Record<string, SetFn> = {
  generate_series: {
    columns: (t) => [{ name: 'generate_series', type: t[0] === 'int8' || t[1] === 'int8' ? 'int8' : 'int4' }],
    rows: (a) => {
      if (a.some((x) => x === null)) return [];
      const from = num(a[0]!);
      const to = num(a[1]!);
      const step = a[2] === undefined ? 1 : num(a[2]);
      if (step === 0) throw new FreshetError(SqlState.invalidParameterValue, 'step size cannot equal zero');
      const out: Value[][] = [];
      for (let v = from; step > 0 ? v <= to : v >= to; v += step) {
        out.push([v]);
        if (out.length > 1_000_000) throw new FreshetError('54000', 'generate_series produces too many rows for a catalog query');
      }
      return out;
    },
  },
  unnest: {
    columns: (t) => [{ name: 'unnest', type: elementType(t[0] ?? 'text[]') }],
    rows: (a) => (a[0] === null || a[0] === undefined ? [] : (a[0] as Value[]).map((x) => [x])),
  },
  pg_partition_ancestors: {
    columns: () => [{ name: 'relid', type: 'regclass' }],
    rows: (a) => (a[0] === null ? [] : [[a[0]!]]),
  },
  pg_get_keywords: {
    columns: () => [{ name: 'word', type: 'text' }, { name: 'catcode', type: 'char' }, { name: 'catdesc', type: 'text' }],
    rows: () => [],
  },
  pg_show_all_settings: {
    columns: () => [{ name: 'name', type: 'text' }, { name: 'setting', type: 'text' }],
    rows: (_a, cx) => cx.snap.session.allSettings().map(([n, s]) => [n, s]),
  },
};

const sumType = (t: PgType[]): PgType => (isInteger(t[0] ?? 'int8') ? 'int8' : 'numeric');

export const AGGREGATES: Record<string, AggregateFn> = {
  count: { ret: () => 'int8', compute: (rows) => rows.length },
  sum: { ret: sumType, compute: (rows) => (rows.length === 0 ? null : rows.reduce((s, r) => s + num(r[0]!), 0)) },
  avg: { ret: () => 'numeric', compute: (rows) => (rows.length === 0 ? null : rows.reduce((s, r) => s + num(r[0]!), 0) / rows.length) },
  min: { ret: (t) => t[0] ?? 'text', compute: (rows) => rows.reduce<Value>((m, r) => (m === null || compareValues(r[0]!, m) < 0 ? r[0]! : m), null) },
  max: { ret: (t) => t[0] ?? 'text', compute: (rows) => rows.reduce<Value>((m, r) => (m === null || compareValues(r[0]!, m) > 0 ? r[0]! : m), null) },
  string_agg: {
    ret: () => 'text',
    compute: (rows, t, cx) => (rows.length === 0 ? null : rows.map((r) => toText(r[0]!, t[0] ?? 'text', cx.snap)).join(rows[0]![1] === null ? '' : String(rows[0]![1]))),
  },
  array_agg: { ret: (t) => ((t[0] ?? 'text') === 'unknown' ? 'text[]' : `${t[0]}[]`), compute: (rows) => (rows.length === 0 ? null : rows.map((r) => r[0]!)) },
  bool_and: { ret: () => 'bool', compute: (rows) => (rows.length === 0 ? null : rows.every((r) => r[0] === true)) },
  bool_or: { ret: () => 'bool', compute: (rows) => (rows.length === 0 ? null : rows.some((r) => r[0] === true)) },
  every: { ret: () => 'bool', compute: (rows) => (rows.length === 0 ? null : rows.every((r) => r[0] === true)) },
};

/** Aggregates that keep null inputs (array_agg keeps them; the others skip them). */
export const KEEPS_NULLS = new Set(['array_agg']);

