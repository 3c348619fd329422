/**
 * The syntax tree of the Postgres query subset that catalog queries use: SELECT with joins,
 * subqueries, set operations, grouping and ordering, and Postgres expressions (`::` casts, `~`
 * operators, `OPERATOR(pg_catalog.~)`, `= ANY (array)`, `ARRAY(...)`, `COLLATE`, E'' strings).
 */

export interface TypeName {
  /** Lower-case type name without schema, e.g. `int4`, `regclass`, `character varying`. */
  name: string;
  /** Modifiers: varchar(10) → [10], numeric(6,2) → [6, 2]. */
  mods: number[];
  /** Dimensions of an array type (`int2[]`). */
  array: boolean;
}

export type Expr =
  | { k: 'lit'; v: string | number | boolean | null; t: 'unknown' | 'int4' | 'int8' | 'numeric' | 'bool' | 'null'; pos: number }
  | { k: 'param'; n: number; pos: number }
  | { k: 'col'; parts: string[]; pos: number }
  | { k: 'func'; name: string; schema?: string; args: Expr[]; star?: boolean; distinct?: boolean; over?: WindowSpec; orderBy?: OrderItem[]; pos: number }
  | { k: 'op'; op: string; l?: Expr; r: Expr; pos: number }
  | { k: 'is'; e: Expr; what: 'null' | 'true' | 'false' | 'unknown'; not: boolean }
  | { k: 'distinctFrom'; l: Expr; r: Expr; not: boolean }
  | { k: 'in'; e: Expr; list?: Expr[]; sub?: Query; not: boolean }
  | { k: 'between'; e: Expr; lo: Expr; hi: Expr; not: boolean }
  | { k: 'like'; e: Expr; pat: Expr; ci: boolean; not: boolean }
  | { k: 'any'; op: string; l: Expr; r?: Expr; sub?: Query; all: boolean; pos: number }
  | { k: 'case'; operand?: Expr; whens: Array<[Expr, Expr]>; else?: Expr }
  | { k: 'cast'; e: Expr; type: TypeName; pos: number; colon?: boolean }
  | { k: 'sub'; q: Query }
  | { k: 'exists'; q: Query }
  | { k: 'array'; items?: Expr[]; sub?: Query }
  | { k: 'index'; e: Expr; idx: Expr }
  | { k: 'row'; items: Expr[] };

export interface WindowSpec {
  partitionBy: Expr[];
  orderBy: OrderItem[];
}

export interface OrderItem {
  e: Expr;
  desc: boolean;
  nullsFirst?: boolean;
}

export type SelectItem = { k: 'expr'; e: Expr; alias?: string } | { k: 'star'; qualifier?: string };

export type FromItem =
  | { k: 'table'; schema?: string; name: string; alias?: string; colAliases?: string[]; pos: number }
  | { k: 'func'; call: Extract<Expr, { k: 'func' }>; alias?: string; colAliases?: string[]; ordinality: boolean }
  | { k: 'subquery'; q: Query; alias?: string; colAliases?: string[] }
  | { k: 'join'; type: 'inner' | 'left' | 'right' | 'full' | 'cross'; l: FromItem; r: FromItem; on?: Expr; using?: string[] };

export interface Select {
  k: 'select';
  distinct: boolean;
  items: SelectItem[];
  from: FromItem[];
  where?: Expr;
  groupBy: Expr[];
  having?: Expr;
}

export type QueryBody =
  | Select
  | { k: 'values'; rows: Expr[][] }
  | { k: 'setop'; op: 'union' | 'intersect' | 'except'; all: boolean; l: QueryBody; r: QueryBody }
  | { k: 'nested'; q: Query };

export interface Query {
  with: Array<{ name: string; cols?: string[]; q: Query }>;
  body: QueryBody;
  orderBy: OrderItem[];
  limit?: Expr;
  offset?: Expr;
}
