/**
 * Which statements are catalog queries, and how Postgres names their columns. Every statement of a wire
 * session runs in the engine (Postgres dialect); a catalog query is one that reads only the emulated
 * catalog (pg_catalog, information_schema) or, without tables, calls Postgres functions or uses Postgres
 * syntax (`version()`, `'t'::regclass`, `~`). Their unnamed result columns are named as Postgres names
 * them (`version`, `current_schema`, `?column?`), as psql and client tools show and expect; every other
 * query keeps Flink SQL's names (`EXPR$0`).
 */
import type * as A from '../../sql/ast.ts';
import { parseStatement } from '../../sql/parse.ts';
import { lookupScalar } from '../../exec/functions/registry.ts';
import { lookupAggregate } from '../../exec/functions/aggregate/registry.ts';
import { pgTypeInfo, pgTypeOid } from '../../types/pg-types.ts';
import { systemTable } from './tables.ts';

export interface CatalogQuery {
  query: A.Query;
  /** The highest $n. */
  paramCount: number;
}

/** Type names only Postgres has: a cast to one of them is Postgres syntax. */
const PG_TYPE_NAMES = new Set(['OID', 'NAME', 'REGCLASS', 'REGTYPE', 'REGNAMESPACE', 'REGROLE', 'REGPROC', 'REGPROCEDURE', 'INT2VECTOR',
  'OIDVECTOR', 'XID', 'ACLITEM', 'PG_NODE_TREE', '"CHAR"', 'TIMESTAMPTZ', 'BPCHAR']);

interface Usage {
  tables: A.QualifiedName[];
  functions: Set<string>;
  pgSyntax: boolean;
  maxParam: number;
}

/** Walks any AST node, collecting what decides whether a query is a catalog query. */
function walk(node: unknown, u: Usage, ctes: Set<string>): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const x of node) walk(x, u, ctes);
    return;
  }
  const o = node as Record<string, unknown> & { kind?: string };
  switch (o.kind) {
    case 'query': {
      const q = o as unknown as A.Query;
      const mine = new Set(ctes);
      for (const c of q.with?.ctes ?? []) {
        walk(c.query, u, mine);
        mine.add(c.name.value.toLowerCase());
      }
      walk(q.body, u, mine);
      walk(q.orderBy, u, mine);
      walk(q.limit, u, mine);
      walk(q.offset, u, mine);
      return;
    }
    case 'table': {
      const t = o as unknown as A.NamedTableRef;
      if (!(t.name.parts.length === 1 && ctes.has(t.name.parts[0]!.value.toLowerCase()))) u.tables.push(t.name);
      return;
    }
    case 'function': {
      const f = o as unknown as A.FunctionExpr;
      u.functions.add(f.name.parts[f.name.parts.length - 1]!.value.toLowerCase());
      break;
    }
    case 'param': u.maxParam = Math.max(u.maxParam, (o as unknown as A.ParamExpr).index); return;
    case 'binary': if ((o as unknown as A.BinaryExpr).op.includes('~')) u.pgSyntax = true; break;
    case 'quantifiedArray': case 'arraySubquery': u.pgSyntax = true; break;
    case 'cast': if (PG_TYPE_NAMES.has((o as unknown as A.CastExpr).type.name)) u.pgSyntax = true; break;
    default: break;
  }
  for (const k in o) if (k !== 'loc') walk(o[k], u, ctes);
}

/** Whether a table name is one of the emulated catalog (qualified, or an unquoted pg_catalog name). */
function isCatalogTable(name: A.QualifiedName): boolean {
  const parts = name.parts;
  if (parts.length === 1) return !parts[0]!.quoted && systemTable('pg_catalog', parts[0]!.value.toLowerCase()) !== undefined;
  const [schema, table] = parts.slice(-2).map((p) => (p.quoted ? p.value : p.value.toLowerCase())) as [string, string];
  return (schema === 'pg_catalog' || schema === 'information_schema') && systemTable(schema, table) !== undefined;
}

const isPostgresFunction = (name: string): boolean => lookupScalar(name)?.dialect === 'postgres' || name.startsWith('pg_') || name.startsWith('has_');

/**
 * The catalog query `sql` is, or undefined when it is something else: a query reading only emulated
 * catalog tables, or a query without tables that needs Postgres functions or syntax.
 */
export function recognizeCatalogQuery(sql: string): CatalogQuery | undefined {
  let st: A.Statement;
  try {
    st = parseStatement(sql, { dialect: 'postgres' });
  } catch {
    return undefined;
  }
  if (st.kind !== 'queryStatement') return undefined;
  const u: Usage = { tables: [], functions: new Set(), pgSyntax: false, maxParam: 0 };
  walk(st.query, u, new Set());
  const found = { query: st.query, paramCount: u.maxParam };
  if (u.tables.length > 0) return u.tables.every(isCatalogTable) ? found : undefined;
  if (![...u.functions].every((f) => lookupScalar(f) || lookupAggregate(f))) return undefined;
  return u.pgSyntax || [...u.functions].some(isPostgresFunction) ? found : undefined;
}

/** The name Postgres gives an unnamed select-list expression ("FigureColname"). */
function postgresName(e: A.Expr): string | undefined {
  switch (e.kind) {
    case 'column': return e.name.parts[e.name.parts.length - 1]!.value;
    case 'function': return e.name.parts[e.name.parts.length - 1]!.value.toLowerCase();
    case 'cast': {
      const inner = postgresName(e.expr);
      if (inner !== undefined && inner !== '?column?') return inner;
      const t = e.type.name === '"CHAR"' ? 'char' : e.type.name.toLowerCase();
      return e.type.element ? postgresName({ ...e, type: e.type.element }) : pgTypeInfo(pgTypeOid(t) ?? -1)?.name ?? t;
    }
    case 'case': return 'case';
    case 'array': case 'arraySubquery': return 'array';
    case 'exists': return 'exists';
    case 'row': return 'row';
    case 'quantifiedArray': return e.quantifier === 'ALL' ? 'all' : 'any';
    default: return '?column?';
  }
}

/** The leftmost SELECT of a query, whose items name the result columns. */
function firstSelect(e: A.SetExpr): A.Select | undefined {
  switch (e.kind) {
    case 'select': return e;
    case 'setop': return firstSelect(e.left);
    case 'query': return firstSelect(e.body);
    default: return undefined;
  }
}

/** Result column names as Postgres gives them: Freshet's name where the item has one, else Postgres' for the expression. */
export function postgresColumnNames(cq: CatalogQuery, names: readonly string[]): string[] {
  const sel = firstSelect(cq.query.body);
  if (!sel || sel.items.some((i) => i.kind === 'star') || sel.items.length !== names.length) return [...names];
  return names.map((n, i) => {
    const item = sel.items[i]!;
    if (item.kind !== 'expr' || item.alias || !/^EXPR\$\d+$/.test(n)) return n;
    return postgresName(item.expr) ?? n;
  });
}
