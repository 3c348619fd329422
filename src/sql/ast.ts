/**
 * The one AST of Freshet's SQL dialect (Flink SQL). Produced by the peggy grammar in grammar/, consumed
 * by the binder (sql/bind). Every node carries `loc`, offsets into the statement text, so that errors can
 * point at the exact place.
 */

export interface Loc {
  start: number;
  end: number;
}

export interface Identifier {
  value: string;
  /** Written with backquotes or double quotes. */
  quoted: boolean;
  loc: Loc;
}

export interface QualifiedName {
  parts: Identifier[];
  loc: Loc;
}

// ---------------------------------------------------------------- types

export interface TypeNode {
  kind: 'type';
  /** Upper-case base name: INT, VARCHAR, DECIMAL, TIMESTAMP, TIMESTAMP_LTZ, ARRAY, MAP, ROW, INTERVAL... */
  name: string;
  params: number[];
  element?: TypeNode;
  key?: TypeNode;
  value?: TypeNode;
  fields?: Array<{ name: Identifier; type: TypeNode; comment?: string }>;
  /** INTERVAL qualifier, e.g. DAY TO SECOND. */
  from?: string;
  to?: string;
  notNull: boolean;
  loc: Loc;
}

// ---------------------------------------------------------------- expressions

export type TimeUnit = 'MILLENNIUM' | 'CENTURY' | 'DECADE' | 'YEAR' | 'QUARTER' | 'MONTH' | 'WEEK' | 'DAY' | 'HOUR' | 'MINUTE' | 'SECOND'
  | 'MILLISECOND' | 'MICROSECOND' | 'NANOSECOND' | 'DOW' | 'DOY' | 'ISODOW' | 'ISOYEAR' | 'EPOCH';

export type Expr =
  | LiteralExpr
  | IntervalExpr
  | ColumnExpr
  | StarExpr
  | BinaryExpr
  | UnaryExpr
  | IsNullExpr
  | IsBoolExpr
  | IsDistinctExpr
  | BetweenExpr
  | InListExpr
  | InSubqueryExpr
  | QuantifiedExpr
  | QuantifiedArrayExpr
  | ExistsExpr
  | SubqueryExpr
  | LikeExpr
  | CaseExpr
  | CastExpr
  | FunctionExpr
  | ExtractExpr
  | TrimExpr
  | PositionExpr
  | FloorCeilExpr
  | ArrayExpr
  | ArraySubqueryExpr
  | MapExpr
  | RowExpr
  | SubscriptExpr
  | FieldExpr
  | ParamExpr
  | DescriptorExpr
  | TableArgExpr
  | TimeUnitExpr
  | NamedArgExpr;

export interface LiteralExpr {
  kind: 'literal';
  /** number: the literal text (exact); string: the unescaped text; date/time/timestamp: the quoted text. */
  type: 'number' | 'string' | 'boolean' | 'null' | 'date' | 'time' | 'timestamp' | 'timestamp_ltz' | 'binary';
  value: string | boolean | null;
  loc: Loc;
}

export interface IntervalExpr {
  kind: 'interval';
  /** The quoted text, e.g. '10' or '1 02:03:04'. */
  value: string;
  negative: boolean;
  from: TimeUnit;
  to?: TimeUnit;
  loc: Loc;
}

export interface ColumnExpr { kind: 'column'; name: QualifiedName; loc: Loc }
export interface StarExpr { kind: 'star'; qualifier?: QualifiedName; loc: Loc }
/** Arithmetic, comparison, `||`, AND/OR, and in the Postgres dialect the regular-expression matches `~ !~ ~* !~*`. */
export interface BinaryExpr { kind: 'binary'; op: string; left: Expr; right: Expr; loc: Loc }
export interface UnaryExpr { kind: 'unary'; op: '-' | '+' | 'NOT'; operand: Expr; loc: Loc }
export interface IsNullExpr { kind: 'isNull'; expr: Expr; not: boolean; loc: Loc }
export interface IsBoolExpr { kind: 'isBool'; expr: Expr; value: 'TRUE' | 'FALSE' | 'UNKNOWN'; not: boolean; loc: Loc }
export interface IsDistinctExpr { kind: 'isDistinct'; left: Expr; right: Expr; not: boolean; loc: Loc }
export interface BetweenExpr { kind: 'between'; expr: Expr; low: Expr; high: Expr; not: boolean; symmetric: boolean; loc: Loc }
export interface InListExpr { kind: 'inList'; expr: Expr; list: Expr[]; not: boolean; loc: Loc }
export interface InSubqueryExpr { kind: 'inSubquery'; expr: Expr; query: Query; not: boolean; loc: Loc }
export interface QuantifiedExpr { kind: 'quantified'; op: string; quantifier: 'ANY' | 'SOME' | 'ALL'; left: Expr; query: Query; loc: Loc }
/** `x op ANY (array)` / `x op ALL (array)` (Postgres dialect). */
export interface QuantifiedArrayExpr { kind: 'quantifiedArray'; op: string; quantifier: 'ANY' | 'SOME' | 'ALL'; left: Expr; array: Expr; loc: Loc }
export interface ExistsExpr { kind: 'exists'; query: Query; loc: Loc }
export interface SubqueryExpr { kind: 'subquery'; query: Query; loc: Loc }
export interface LikeExpr { kind: 'like'; op: 'LIKE' | 'ILIKE' | 'SIMILAR'; expr: Expr; pattern: Expr; escape?: Expr; not: boolean; loc: Loc }
export interface CaseExpr { kind: 'case'; operand?: Expr; whens: Array<{ when: Expr; then: Expr }>; else?: Expr; loc: Loc }
export interface CastExpr { kind: 'cast'; expr: Expr; type: TypeNode; try: boolean; loc: Loc }

export interface FunctionExpr {
  kind: 'function';
  name: QualifiedName;
  args: Expr[];
  distinct: boolean;
  /** COUNT(*) */
  star: boolean;
  filter?: Expr;
  over?: WindowSpec;
  /** LISTAGG(..) WITHIN GROUP (ORDER BY ..) / ARRAY_AGG(x ORDER BY ..) */
  orderBy?: OrderItem[];
  nullTreatment?: 'IGNORE' | 'RESPECT';
  /** JSON_OBJECT(.. NULL ON NULL) / JSON_ARRAY(.. ABSENT ON NULL): set for the SQL/JSON constructor syntax. */
  onNull?: 'NULL' | 'ABSENT';
  loc: Loc;
}

export interface ExtractExpr { kind: 'extract'; field: TimeUnit; expr: Expr; loc: Loc }
export interface TrimExpr { kind: 'trim'; side: 'BOTH' | 'LEADING' | 'TRAILING'; chars?: Expr; expr: Expr; loc: Loc }
export interface PositionExpr { kind: 'position'; needle: Expr; haystack: Expr; from?: Expr; loc: Loc }
export interface FloorCeilExpr { kind: 'floorCeil'; fn: 'FLOOR' | 'CEIL'; expr: Expr; unit: TimeUnit; loc: Loc }
export interface ArrayExpr { kind: 'array'; elements: Expr[]; loc: Loc }
/** ARRAY(SELECT ..): the values of a one-column subquery as an array (Postgres dialect). */
export interface ArraySubqueryExpr { kind: 'arraySubquery'; query: Query; loc: Loc }
export interface MapExpr { kind: 'map'; entries: Array<{ key: Expr; value: Expr }>; loc: Loc }
export interface RowExpr { kind: 'row'; fields: Expr[]; explicit: boolean; loc: Loc }
export interface SubscriptExpr { kind: 'subscript'; expr: Expr; index: Expr; loc: Loc }
export interface FieldExpr { kind: 'field'; expr: Expr; field: Identifier; loc: Loc }
export interface ParamExpr { kind: 'param'; index: number; loc: Loc }
export interface DescriptorExpr { kind: 'descriptor'; columns: Identifier[]; loc: Loc }
export interface TableArgExpr { kind: 'tableArg'; name?: QualifiedName; query?: Query; partitionBy: Expr[]; loc: Loc }
export interface TimeUnitExpr { kind: 'timeUnit'; unit: TimeUnit; loc: Loc }
export interface NamedArgExpr { kind: 'namedArg'; name: Identifier; value: Expr; loc: Loc }

export interface OrderItem {
  expr: Expr;
  desc: boolean;
  nullsFirst?: boolean;
  loc: Loc;
}

export type FrameBound =
  | { kind: 'unboundedPreceding' }
  | { kind: 'preceding'; offset: Expr }
  | { kind: 'currentRow' }
  | { kind: 'following'; offset: Expr }
  | { kind: 'unboundedFollowing' };

export interface WindowSpec {
  /** A named window this one refines (`OVER w` or `OVER (w ORDER BY ..)`). */
  base?: Identifier;
  partitionBy: Expr[];
  orderBy: OrderItem[];
  frame?: { units: 'ROWS' | 'RANGE'; start: FrameBound; end: FrameBound; loc: Loc };
  loc: Loc;
}

// ---------------------------------------------------------------- queries

export interface Query {
  kind: 'query';
  with?: { recursive: boolean; ctes: Cte[] };
  body: SetExpr;
  orderBy: OrderItem[];
  limit?: Expr;
  offset?: Expr;
  loc: Loc;
}

export interface Cte {
  name: Identifier;
  columns?: Identifier[];
  query: Query;
  loc: Loc;
}

export type SetExpr = Select | SetOperation | Values | Query;

export interface Hint {
  name: string;
  /** key/value options (OPTIONS('k'='v')) or plain arguments (BROADCAST(t)). */
  options: Array<[string, string]>;
  args: string[];
  loc: Loc;
}

export interface Select {
  kind: 'select';
  hints: Hint[];
  distinct: boolean;
  items: SelectItem[];
  from: TableRef[];
  where?: Expr;
  groupBy?: GroupingElement[];
  having?: Expr;
  windows: Array<{ name: Identifier; spec: WindowSpec }>;
  qualify?: Expr;
  loc: Loc;
}

export type SelectItem =
  | { kind: 'expr'; expr: Expr; alias?: Identifier; loc: Loc }
  | { kind: 'star'; qualifier?: QualifiedName; loc: Loc };

export type GroupingElement =
  | { kind: 'expr'; expr: Expr; loc: Loc }
  | { kind: 'rollup'; items: Expr[][]; loc: Loc }
  | { kind: 'cube'; items: Expr[][]; loc: Loc }
  | { kind: 'sets'; sets: GroupingElement[]; loc: Loc }
  | { kind: 'empty'; loc: Loc };

export interface SetOperation {
  kind: 'setop';
  op: 'UNION' | 'INTERSECT' | 'EXCEPT';
  all: boolean;
  left: SetExpr;
  right: SetExpr;
  loc: Loc;
}

export interface Values {
  kind: 'values';
  rows: Expr[][];
  loc: Loc;
}

export type TableRef = NamedTableRef | DerivedTableRef | JoinRef | TableFunctionRef | UnnestRef;

export interface NamedTableRef {
  kind: 'table';
  name: QualifiedName;
  alias?: Identifier;
  columnAliases?: Identifier[];
  /** FOR SYSTEM_TIME AS OF <expr> */
  systemTime?: Expr;
  hints: Hint[];
  loc: Loc;
}

export interface DerivedTableRef {
  kind: 'derived';
  query: Query;
  lateral: boolean;
  alias?: Identifier;
  columnAliases?: Identifier[];
  loc: Loc;
}

export interface JoinRef {
  kind: 'join';
  type: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS';
  natural: boolean;
  left: TableRef;
  right: TableRef;
  on?: Expr;
  using?: Identifier[];
  loc: Loc;
}

/** TABLE(fn(..)), LATERAL TABLE(fn(..)) or a bare window TVF call in FROM. */
export interface TableFunctionRef {
  kind: 'tableFunction';
  call: FunctionExpr;
  lateral: boolean;
  alias?: Identifier;
  columnAliases?: Identifier[];
  loc: Loc;
}

export interface UnnestRef {
  kind: 'unnest';
  exprs: Expr[];
  withOrdinality: boolean;
  lateral: boolean;
  alias?: Identifier;
  columnAliases?: Identifier[];
  loc: Loc;
}

// ---------------------------------------------------------------- DDL / DML / utility statements

export type Statement =
  | QueryStatement
  | CreateTable
  | CreateMaterializedTable
  | AlterMaterializedTable
  | CreateView
  | CreateCatalog
  | CreateDatabase
  | CreateFunction
  | DropStatement
  | AlterTable
  | UseStatement
  | ShowStatement
  | DescribeStatement
  | SetStatement
  | ResetStatement
  | InsertStatement
  | StatementSet
  | ExplainStatement
  | StopJob
  | CallStatement;

export interface QueryStatement { kind: 'queryStatement'; query: Query; loc: Loc }

export type ColumnDef =
  | { kind: 'physical'; name: Identifier; type: TypeNode; comment?: string; primaryKey: boolean; loc: Loc }
  | { kind: 'computed'; name: Identifier; expr: Expr; exprText: string; comment?: string; loc: Loc }
  | { kind: 'metadata'; name: Identifier; type: TypeNode; key?: string; virtual: boolean; comment?: string; loc: Loc };

export interface WatermarkDef {
  column: QualifiedName;
  expr: Expr;
  exprText: string;
  loc: Loc;
}

export interface PrimaryKeyDef {
  name?: Identifier;
  columns: Identifier[];
  loc: Loc;
}

export interface CreateTable {
  kind: 'createTable';
  temporary: boolean;
  ifNotExists: boolean;
  name: QualifiedName;
  columns: ColumnDef[];
  watermark?: WatermarkDef;
  primaryKey?: PrimaryKeyDef;
  comment?: string;
  partitionedBy: Identifier[];
  options: Array<{ key: string; value: string; loc: Loc }>;
  like?: { source: QualifiedName; options: string[]; loc: Loc };
  /** CREATE TABLE .. AS SELECT */
  asQuery?: Query;
  loc: Loc;
}

export type RefreshModeName = 'CONTINUOUS' | 'INCREMENTAL' | 'FULL';

/** CREATE [OR ALTER] MATERIALIZED TABLE (see docs/materialized-tables.md). */
export interface CreateMaterializedTable {
  kind: 'createMaterializedTable';
  orAlter: boolean;
  name: QualifiedName;
  primaryKey?: PrimaryKeyDef;
  comment?: string;
  partitionedBy: Identifier[];
  options: Array<{ key: string; value: string; loc: Loc }>;
  /** As written: validated to be an interval literal by the statement, which can say where. */
  freshness?: Expr;
  refreshMode?: { mode: RefreshModeName; loc: Loc };
  query: Query;
  queryText: string;
  loc: Loc;
}

export type AlterMaterializedAction =
  | { kind: 'suspend'; loc: Loc }
  | { kind: 'resume'; options: Array<{ key: string; value: string; loc: Loc }>; loc: Loc }
  | { kind: 'refresh'; partition: Array<{ name: Identifier; value: Expr }>; loc: Loc }
  | { kind: 'setFreshness'; freshness: Expr; loc: Loc }
  | { kind: 'setRefreshMode'; mode: { mode: RefreshModeName; loc: Loc }; loc: Loc }
  | { kind: 'as'; query: Query; queryText: string; loc: Loc };

export interface AlterMaterializedTable {
  kind: 'alterMaterializedTable';
  name: QualifiedName;
  action: AlterMaterializedAction;
  loc: Loc;
}

export interface CreateView {
  kind: 'createView';
  temporary: boolean;
  ifNotExists: boolean;
  orReplace: boolean;
  name: QualifiedName;
  columns?: Identifier[];
  comment?: string;
  query: Query;
  /** The text of the query as written, stored in the catalog. */
  queryText: string;
  loc: Loc;
}

export interface CreateCatalog {
  kind: 'createCatalog';
  ifNotExists: boolean;
  name: Identifier;
  options: Array<{ key: string; value: string; loc: Loc }>;
  loc: Loc;
}

export interface CreateDatabase {
  kind: 'createDatabase';
  ifNotExists: boolean;
  name: QualifiedName;
  comment?: string;
  options: Array<{ key: string; value: string; loc: Loc }>;
  loc: Loc;
}

export interface CreateFunction {
  kind: 'createFunction';
  temporary: boolean;
  system: boolean;
  ifNotExists: boolean;
  name: QualifiedName;
  /** 'path/to/module.js#export' */
  className: string;
  language?: string;
  loc: Loc;
}

export interface DropStatement {
  kind: 'drop';
  objectType: 'TABLE' | 'VIEW' | 'DATABASE' | 'CATALOG' | 'FUNCTION' | 'MATERIALIZED TABLE';
  temporary: boolean;
  /** DROP TEMPORARY SYSTEM FUNCTION */
  system?: boolean;
  ifExists: boolean;
  name: QualifiedName;
  cascade: boolean;
  loc: Loc;
}

export type AlterTableAction =
  | { kind: 'setOptions'; options: Array<{ key: string; value: string; loc: Loc }> }
  | { kind: 'resetOptions'; keys: string[] }
  | { kind: 'rename'; newName: QualifiedName }
  | { kind: 'addColumns'; columns: ColumnDef[]; watermark?: WatermarkDef; primaryKey?: PrimaryKeyDef; position?: { first: boolean; after?: Identifier } }
  | { kind: 'renameColumn'; from: Identifier; to: Identifier }
  | { kind: 'dropColumns'; columns: Identifier[] }
  | { kind: 'modifyColumns'; columns: ColumnDef[] };

export interface AlterTable {
  kind: 'alterTable';
  objectType: 'TABLE' | 'VIEW';
  ifExists: boolean;
  name: QualifiedName;
  action: AlterTableAction;
  loc: Loc;
}

export interface UseStatement { kind: 'use'; catalog: boolean; name: QualifiedName; loc: Loc }

export interface ShowStatement {
  kind: 'show';
  what: 'CATALOGS' | 'DATABASES' | 'TABLES' | 'VIEWS' | 'FUNCTIONS' | 'USER FUNCTIONS' | 'JOBS' | 'MATERIALIZED TABLES'
    | 'CURRENT CATALOG' | 'CURRENT DATABASE' | 'CREATE TABLE' | 'CREATE VIEW' | 'CREATE MATERIALIZED TABLE' | 'COLUMNS' | 'PARTITIONS';
  name?: QualifiedName;
  from?: QualifiedName;
  like?: { pattern: string; not: boolean; ilike: boolean };
  loc: Loc;
}

export interface DescribeStatement { kind: 'describe'; name: QualifiedName; extended: boolean; loc: Loc }
export interface SetStatement { kind: 'set'; key?: string; value?: string; loc: Loc }
export interface ResetStatement { kind: 'reset'; key?: string; loc: Loc }

export interface InsertStatement {
  kind: 'insert';
  overwrite: boolean;
  table: QualifiedName;
  hints: Hint[];
  partition: Array<{ name: Identifier; value: Expr }>;
  columns?: Identifier[];
  source: Query;
  loc: Loc;
}

export interface StatementSet { kind: 'statementSet'; statements: InsertStatement[]; loc: Loc }

export interface ExplainStatement {
  kind: 'explain';
  /** CHANGELOG_MODE, ESTIMATED_COST, JSON_EXECUTION_PLAN, PLAN_ADVICE */
  details: string[];
  statement: QueryStatement | InsertStatement | StatementSet;
  loc: Loc;
}

export interface StopJob { kind: 'stopJob'; jobId: string; withSavepoint: boolean; withDrain: boolean; loc: Loc }

/**
 * `CALL [catalog.]sys.procedure(args)`. Arguments are positional expressions, then `name => value`
 * (NamedArgExpr); the procedure checks their names, number and types.
 */
export interface CallStatement { kind: 'call'; procedure: QualifiedName; args: Expr[]; loc: Loc }

/** A script: statements with the text of each (for error positions relative to the whole script). */
export interface ParsedStatement {
  statement: Statement;
  /** The statement's own text (trimmed, without the terminating semicolon). */
  text: string;
  /** Offset of `text` in the script. */
  offset: number;
}
