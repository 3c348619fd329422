/**
 * The door to the emulated Postgres catalog. Which statements it takes: queries that read pg_catalog or
 * information_schema tables (and nothing else), and queries without tables that call Postgres-only
 * functions (version(), current_database(), pg_is_in_recovery(), ...) or use `::` casts or `~`
 * operators. Everything else goes to the engine unchanged, so Flink SQL keeps its meaning on the wire
 * (ARRAY[..], UNNEST and ANY are Flink SQL too, so they do not count).
 *
 * Results carry the Postgres type OIDs of their columns (oid, name, "char", regclass, arrays ...), and
 * values are sent as Postgres prints them.
 */
import { T } from '../../types/data-type.ts';
import type { WireColumn } from '../protocol/backend.ts';
import { sqlTypeOfOid } from '../types/oids.ts';
import type * as A from './ast.ts';
import { AGGREGATES, SCALARS, SET_FUNCTIONS } from './functions.ts';
import { CatalogSnapshot, type SessionView } from './metadata.ts';
import { parsePgQuery } from './parser.ts';
import { Planner, type Col } from './planner.ts';
import { SYSTEM_TABLES, systemTable } from './tables.ts';
import { outputText, typeOfOid, typeOid, type PgType, type Value } from './types.ts';

export type { SessionView } from './metadata.ts';

export interface CatalogQuery {
  query: A.Query;
  /** The highest $n. */
  paramCount: number;
}

/** Functions whose presence alone (in a query without tables) sends the query here. */
const PG_ONLY = new Set(['version', 'current_database', 'current_catalog', 'current_schema', 'current_schemas', 'current_user', 'session_user',
  'user', 'current_role', 'pg_is_in_recovery', 'format_type', 'obj_description', 'col_description', 'shobj_description', 'current_setting',
  'set_config', 'array_to_string', 'string_to_array', 'quote_ident', 'txid_current', 'inet_server_addr', 'inet_server_port', 'array_upper',
  'array_lower', 'generate_series']);

const isPgOnly = (name: string): boolean => PG_ONLY.has(name) || name.startsWith('pg_') || name.startsWith('has_');

interface Usage {
  tables: Array<{ schema?: string; name: string }>;
  functions: Set<string>;
  pgSyntax: boolean;
  maxParam: number;
}

function walkQuery(q: A.Query, u: Usage, ctes: Set<string>): void {
  const mine = new Set(ctes);
  for (const w of q.with) {
    walkQuery(w.q, u, mine);
    mine.add(w.name);
  }
  walkBody(q.body, u, mine);
  for (const o of q.orderBy) walkExpr(o.e, u, mine);
  if (q.limit) walkExpr(q.limit, u, mine);
  if (q.offset) walkExpr(q.offset, u, mine);
}

function walkBody(b: A.QueryBody, u: Usage, ctes: Set<string>): void {
  switch (b.k) {
    case 'select':
      for (const i of b.items) if (i.k === 'expr') walkExpr(i.e, u, ctes);
      for (const f of b.from) walkFrom(f, u, ctes);
      if (b.where) walkExpr(b.where, u, ctes);
      for (const g of b.groupBy) walkExpr(g, u, ctes);
      if (b.having) walkExpr(b.having, u, ctes);
      return;
    case 'values':
      for (const r of b.rows) for (const e of r) walkExpr(e, u, ctes);
      return;
    case 'setop':
      walkBody(b.l, u, ctes);
      walkBody(b.r, u, ctes);
      return;
    case 'nested':
      walkQuery(b.q, u, ctes);
  }
}

function walkFrom(f: A.FromItem, u: Usage, ctes: Set<string>): void {
  switch (f.k) {
    case 'table':
      if (!(f.schema === undefined && ctes.has(f.name))) u.tables.push({ schema: f.schema, name: f.name });
      return;
    case 'func':
      walkExpr(f.call, u, ctes);
      return;
    case 'subquery':
      walkQuery(f.q, u, ctes);
      return;
    case 'join':
      walkFrom(f.l, u, ctes);
      walkFrom(f.r, u, ctes);
      if (f.on) walkExpr(f.on, u, ctes);
  }
}

function walkExpr(e: A.Expr | undefined, u: Usage, ctes: Set<string>): void {
  if (!e) return;
  switch (e.k) {
    case 'param': u.maxParam = Math.max(u.maxParam, e.n); return;
    case 'func':
      u.functions.add(e.name);
      e.args.forEach((a) => walkExpr(a, u, ctes));
      (e.orderBy ?? []).forEach((o) => walkExpr(o.e, u, ctes));
      return;
    case 'op':
      if (/~/.test(e.op)) u.pgSyntax = true;
      walkExpr(e.l, u, ctes);
      walkExpr(e.r, u, ctes);
      return;
    case 'is': walkExpr(e.e, u, ctes); return;
    case 'distinctFrom': walkExpr(e.l, u, ctes); walkExpr(e.r, u, ctes); return;
    case 'in': walkExpr(e.e, u, ctes); (e.list ?? []).forEach((x) => walkExpr(x, u, ctes)); if (e.sub) walkQuery(e.sub, u, ctes); return;
    case 'between': walkExpr(e.e, u, ctes); walkExpr(e.lo, u, ctes); walkExpr(e.hi, u, ctes); return;
    case 'like': walkExpr(e.e, u, ctes); walkExpr(e.pat, u, ctes); return;
    case 'any': walkExpr(e.l, u, ctes); walkExpr(e.r, u, ctes); if (e.sub) walkQuery(e.sub, u, ctes); return;
    case 'case': walkExpr(e.operand, u, ctes); walkExpr(e.else, u, ctes); e.whens.forEach(([a, b]) => { walkExpr(a, u, ctes); walkExpr(b, u, ctes); }); return;
    case 'cast': if (e.colon) u.pgSyntax = true; walkExpr(e.e, u, ctes); return;
    case 'sub': case 'exists': walkQuery(e.q, u, ctes); return;
    case 'array': (e.items ?? []).forEach((x) => walkExpr(x, u, ctes)); if (e.sub) walkQuery(e.sub, u, ctes); return;
    case 'index': walkExpr(e.e, u, ctes); walkExpr(e.idx, u, ctes); return;
    case 'row': e.items.forEach((x) => walkExpr(x, u, ctes)); return;
    default:
  }
}

/**
 * The catalog query `sql` is, or undefined when the engine should run it: a query reading only
 * emulated catalog tables, or a query without tables that needs Postgres functions or syntax.
 */
export function recognizeCatalogQuery(sql: string): CatalogQuery | undefined {
  if (!/^\s*(\(\s*)*(select|with|values)\b/i.test(sql.replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/, ''))) return undefined;
  let query: A.Query | undefined;
  try {
    query = parsePgQuery(sql);
  } catch {
    return undefined; // whatever this parser cannot read is the engine's to judge
  }
  if (!query) return undefined;
  const u: Usage = { tables: [], functions: new Set(), pgSyntax: false, maxParam: 0 };
  walkQuery(query, u, new Set());
  if (u.tables.length > 0) {
    const allCatalog = u.tables.every((t) => (t.schema === undefined || t.schema === 'pg_catalog' || t.schema === 'information_schema') && systemTable(t.schema, t.name) !== undefined);
    return allCatalog ? { query, paramCount: u.maxParam } : undefined;
  }
  const known = [...u.functions].every((f) => SCALARS[f] || AGGREGATES[f] || SET_FUNCTIONS[f]);
  if (!known) return undefined;
  if (u.pgSyntax || [...u.functions].some(isPgOnly)) return { query, paramCount: u.maxParam };
  return undefined;
}

/** A result column as the wire describes it: Freshet type for the encoder, Postgres OID for the client. */
function wireColumn(c: Col): WireColumn {
  switch (c.type) {
    case 'bool': return { name: c.name, type: T.boolean(), pgOid: 16 };
    case 'int2': return { name: c.name, type: T.smallint(), pgOid: 21 };
    case 'int4': return { name: c.name, type: T.int(), pgOid: 23 };
    case 'oid': return { name: c.name, type: T.int(), pgOid: 26 };
    case 'int8': return { name: c.name, type: T.bigint(), pgOid: 20 };
    case 'float4': return { name: c.name, type: T.float(), pgOid: 700 };
    case 'float8': return { name: c.name, type: T.double(), pgOid: 701 };
    default: return { name: c.name, type: T.string(), pgOid: typeOid(c.type) };
  }
}


function wireValue(v: Value, c: Col, snap: CatalogSnapshot): unknown {
  if (v === null) return null;
  switch (c.type) {
    case 'bool': return v === true || v === 't' || v === 'true';
    case 'int2': case 'int4': case 'oid': case 'int8': case 'float4': case 'float8': return typeof v === 'number' ? v : Number(v);
    default: return outputText(v, c.type, snap);
  }
}

/** Parameter types from the OIDs a client declared (0 = untyped, resolved by context). */
function paramTypes(oids: readonly number[]): PgType[] {
  return oids.map((o) => (o === 0 || sqlTypeOfOid(o) === 'STRING' ? 'unknown' : typeOfOid(o) ?? 'unknown'));
}

export interface CatalogResult {
  columns: WireColumn[];
  rows: unknown[][];
  tag: string;
}

/** Runs a catalog query against the session's live catalog. */
export function runCatalogQuery(cq: CatalogQuery, session: SessionView, params: ReadonlyArray<string | null> = [], oids: readonly number[] = []): CatalogResult {
  const snap = new CatalogSnapshot(session, SYSTEM_TABLES);
  const planner = new Planner({ snap, params: [...params], paramTypes: paramTypes(oids) });
  const rel = planner.plan(cq.query);
  const rows = rel.rows(undefined);
  const columns = rel.cols.map(wireColumn);
  return { columns, rows: rows.map((r) => r.map((v, i) => wireValue(v, rel.cols[i]!, snap))), tag: `SELECT ${rows.length}` };
}

/** The result columns of a catalog query, without running it. */
export function describeCatalogQuery(cq: CatalogQuery, session: SessionView, oids: readonly number[] = []): WireColumn[] {
  const snap = new CatalogSnapshot(session, SYSTEM_TABLES);
  const planner = new Planner({ snap, params: new Array<string | null>(cq.paramCount).fill(null), paramTypes: paramTypes(oids) });
  return planner.plan(cq.query).cols.map(wireColumn);
}
