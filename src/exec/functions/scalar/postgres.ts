/**
 * Postgres functions for the Postgres dialect of wire sessions: what psql, JDBC drivers and client tools
 * call when they read the system catalog (version(), current_setting(), pg_get_userbyid(), format_type(),
 * pg_table_is_visible(), obj_description(), has_table_privilege(), ...), the set-returning functions
 * they use in FROM (generate_series, pg_partition_ancestors), and the internal functions the binder
 * uses for Postgres operators and casts (`~`, `= ANY (array)`, `'name'::regclass`, `'{a,b}'::text[]`).
 *
 * Functions that read the session (its settings, user, the catalog behind OIDs) get a PgSession from
 * the binder at resolve time; it is a constant of the compiled expression. Freshet has no privileges,
 * so every privilege check says yes (for objects that exist).
 */
import type { DataType } from '../../../types/data-type.ts';
import { T, nullable, notNull, isCharacter, isInteger, typeToString, commonType } from '../../../types/data-type.ts';
import { formatPgType, parsePgArray, pgQuoteIdent, pgType, isPgVector, type RegType } from '../../../types/pg-types.ts';
import { makeCast } from '../../../types/cast.ts';
import { comparatorFor } from '../../../types/value.ts';
import { FreshetError, SqlState } from '../../../util/errors.ts';
import type { ArgInfo, FunctionModule, GenContext, ResolveEnv, Resolved, ScalarFunction, ValueAndNull } from '../function.ts';

/** What the Postgres functions read of the wire session they run in. */
export interface PgSession {
  /** The connected user (every object's owner). */
  readonly user: string;
  /** The current catalog: Postgres' database. */
  readonly database: string;
  /** The current database: Postgres' schema. */
  readonly schema: string;
  readonly serverVersion: string;
  readonly freshetVersion: string;
  /** A setting's value (a Postgres setting or a Freshet option), undefined when unknown. */
  setting(name: string): string | undefined;
  /** set_config(): SET for the session. */
  setSetting(name: string, value: string): void;
  /** The name a reg* OID stands for, as Postgres prints it (qualified when not on the search path). */
  regName(type: RegType, oid: number): string;
  /** The OID of a named object; throws 42P01 / 42704 / 3F000 as Postgres does when there is none. */
  regOid(type: RegType, name: string): number;
  /** pg_table_is_visible(): null for an unknown OID. */
  tableVisible(oid: number): boolean | null;
  /** The comment of a relation or namespace (obj_description). */
  description(oid: number, catalog: string | undefined): string | null;
  /** The comment of a column (col_description). */
  columnDescription(oid: number, attnum: number): string | null;
  viewDefinition(oid: number): string | null;
  /** pg_get_indexdef(): the whole definition (column 0) or one column's name. */
  indexDefinition(oid: number, column: number): string | null;
  constraintDefinition(oid: number): string | null;
  partitionKeyDefinition(oid: number): string | null;
}

const nameType = (): DataType => nullable(pgType('name')!);
const regType = (t: RegType): DataType => nullable(pgType(t)!);
const text = (): DataType => T.string();

/** What a function body gets besides its arguments: the session (null for functions that need none) and the argument types. */
interface CallEnv {
  pg: PgSession;
  types: readonly DataType[];
}

type Impl = (cx: CallEnv, ...args: any[]) => unknown;

interface Spec {
  /** [min, max] number of arguments. */
  arity: [number, number];
  result: DataType | ((args: ArgInfo[]) => DataType | string);
  /** Reads the session (settings, catalog); false for pure functions. */
  session?: boolean;
  /** NULL in, NULL out (default); non-strict functions get nulls as null. */
  strict?: boolean;
  deterministic?: boolean;
  aliases?: string[];
}

function pgFunction(name: string, syntax: string, spec: Spec, impl: Impl): ScalarFunction {
  const strict = spec.strict !== false;
  const env = (ctx: GenContext): string => ctx.constant({ pg: ctx.info, types: ctx.argTypes });
  return {
    name,
    aliases: spec.aliases,
    syntax,
    dialect: 'postgres',
    deterministic: spec.deterministic,
    resolve(args: ArgInfo[], renv?: ResolveEnv): Resolved | string {
      const [min, max] = spec.arity;
      if (args.length < min || args.length > max) {
        return `${name.toUpperCase()} takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, got ${args.length}`;
      }
      let pg: PgSession | null = null;
      if (spec.session) {
        if (!renv?.pg) return `${name.toUpperCase()} is only available over the Postgres protocol`;
        pg = renv.pg;
      }
      const type = typeof spec.result === 'function' ? spec.result(args) : spec.result;
      if (typeof type === 'string') return type;
      return { type: nullable(type), info: pg };
    },
    nulls: strict ? 'strict' : 'custom',
    mayReturnNull: true,
    gen: strict ? (args, ctx) => `${ctx.constant(impl)}(${env(ctx)}, ${args.join(', ')})` : undefined,
    genCustom: strict ? undefined : (args: ValueAndNull[], ctx: GenContext) => ({
      v: `${ctx.constant(impl)}(${env(ctx)}${args.map((a) => `, (${a.n}) ? null : ${a.v}`).join('')})`,
      n: 'false',
    }),
  };
}

/** A function of the Postgres dialect whose arguments may be NULL (it decides what NULL means). */
function pgCustom(name: string, syntax: string, spec: Spec, impl: Impl): ScalarFunction {
  return pgFunction(name, syntax, { ...spec, strict: false }, impl);
}

// ---- helpers the functions share ----

/** A relation given as an OID or a name, as its OID (names resolve as Postgres does, or fail with 42P01). */
function relationOid(pg: PgSession, v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  const t = String(v).trim();
  return /^\d+$/.test(t) ? Number(t) : pg.regOid('regclass', t);
}

function elementText(v: unknown): string {
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return String(v);
}

function sizePretty(n: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 10 * 1024 - 0.5 && u < units.length - 1) { v = Math.round(v / 1024); u++; }
  return `${v} ${units[u]}`;
}

const ENCODINGS: Record<number, string> = { 0: 'SQL_ASCII', 6: 'UTF8' };

const arrayArg = (i: number) => (args: ArgInfo[]): string | undefined =>
  args[i]!.type.kind === 'ARRAY' || args[i]!.type.kind === 'NULL' ? undefined : `expected an array, got ${typeToString(args[i]!.type, false)}`;

const withCheck = (check: (args: ArgInfo[]) => string | undefined, type: DataType) => (args: ArgInfo[]): DataType | string => check(args) ?? type;

function seriesType(args: ArgInfo[]): DataType | string {
  if (!args.every((a) => isInteger(a.type) || a.type.kind === 'NULL')) return 'GENERATE_SERIES takes integers';
  return notNull(T.array(notNull(args.some((a) => a.type.kind === 'BIGINT') ? T.bigint() : T.int())));
}

/** Set-returning functions: called in FROM, they return an array whose elements are the rows. */
export interface SetReturning {
  /** Column names, for a scalar element one; for ROW elements the fields name them. */
  columns: string[];
}

const SET_RETURNING = new Map<string, SetReturning>([
  ['generate_series', { columns: ['generate_series'] }],
  ['pg_partition_ancestors', { columns: ['relid'] }],
  ['pg_get_keywords', { columns: ['word', 'catcode', 'catdesc'] }],
]);

/** The columns of a set-returning function called in FROM, or undefined for other functions. */
export function setReturning(name: string): SetReturning | undefined {
  return SET_RETURNING.get(name.toLowerCase());
}

// ---- the functions ----

const always = (name: string, syntax: string, result: DataType, value: unknown, arity: [number, number] = [0, 0]): ScalarFunction =>
  pgCustom(name, syntax, { arity, result }, () => value);

const privilege = (name: string, what: string, objectArg: (n: number) => number | null): ScalarFunction =>
  pgFunction(name, `${name.toUpperCase()}([user,] ${what}, privilege): true (Freshet has no privileges) if the ${what} exists`, { arity: [2, 3], result: T.boolean(), session: true }, ({ pg }, ...a) => {
    const i = objectArg(a.length);
    if (i !== null) relationOid(pg, a[i]);
    return true;
  });

const functions: ScalarFunction[] = [
  // the session
  pgFunction('version', 'VERSION(): the server version string', { arity: [0, 0], result: text(), session: true },
    ({ pg }) => `PostgreSQL ${pg.serverVersion} (Freshet ${pg.freshetVersion}) on ${process.arch}-${process.platform}, 64-bit`),
  pgFunction('current_database', 'CURRENT_DATABASE(), CURRENT_CATALOG: the current catalog (a database to Postgres clients)',
    { arity: [0, 0], result: nameType(), session: true, aliases: ['current_catalog'] }, ({ pg }) => pg.database),
  pgFunction('current_schema', 'CURRENT_SCHEMA[()]: the current database (a schema to Postgres clients)', { arity: [0, 0], result: nameType(), session: true }, ({ pg }) => pg.schema),
  pgFunction('current_schemas', 'CURRENT_SCHEMAS(include_implicit): the search path as an array', { arity: [1, 1], result: T.array(pgType('name')!), session: true },
    ({ pg }, implicit) => (implicit ? ['pg_catalog', pg.schema] : [pg.schema])),
  pgFunction('current_user', 'CURRENT_USER, SESSION_USER, USER: the connected user', { arity: [0, 0], result: nameType(), session: true, aliases: ['session_user', 'user', 'current_role'] },
    ({ pg }) => pg.user),
  pgFunction('current_setting', 'CURRENT_SETTING(name [, missing_ok]): a setting (Postgres setting or Freshet option) of the session',
    // not folded at plan time: a set_config() earlier in the statement changes what it reads
    { arity: [1, 2], result: text(), session: true, deterministic: false }, ({ pg }, name: string, missingOk?: boolean) => {
      const v = pg.setting(name);
      if (v !== undefined) return v;
      if (missingOk === true) return null;
      throw new FreshetError('42704', `unrecognized configuration parameter "${name}"`);
    }),
  pgCustom('set_config', 'SET_CONFIG(name, value, is_local): SET for the session; returns the new value',
    { arity: [3, 3], result: text(), session: true, deterministic: false }, ({ pg }, name: string | null, value: string | null) => {
      if (name === null) throw new FreshetError(SqlState.nullValueNotAllowed, 'SET requires parameter name');
      pg.setSetting(name, value ?? '');
      return pg.setting(name) ?? value;
    }),
  always('pg_is_in_recovery', 'PG_IS_IN_RECOVERY(): false', T.boolean(), false),
  always('pg_backend_pid', 'PG_BACKEND_PID(): the server process id', T.int(), process.pid),
  pgCustom('pg_postmaster_start_time', 'PG_POSTMASTER_START_TIME(): when the server process started', { arity: [0, 0], result: T.timestampLtz(6) },
    () => Date.now() - process.uptime() * 1000),
  always('txid_current', 'TXID_CURRENT(): 1 (each statement commits on its own)', T.bigint(), 1),
  always('inet_server_addr', 'INET_SERVER_ADDR(): NULL', text(), null),
  always('inet_server_port', 'INET_SERVER_PORT(): NULL', T.int(), null),
  always('pg_client_encoding', "PG_CLIENT_ENCODING(): 'UTF8'", nameType(), 'UTF8'),
  pgFunction('pg_encoding_to_char', 'PG_ENCODING_TO_CHAR(n): the name of encoding number n', { arity: [1, 1], result: nameType() }, (_cx, n) => ENCODINGS[Number(n)] ?? ''),
  pgFunction('pg_char_to_encoding', 'PG_CHAR_TO_ENCODING(name): the number of an encoding, -1 if unknown', { arity: [1, 1], result: T.int() },
    (_cx, s: string) => Number(Object.entries(ENCODINGS).find(([, v]) => v === s.toUpperCase())?.[0] ?? -1)),

  // privileges: there are none, so every check says yes
  privilege('has_table_privilege', 'table', (n) => (n === 3 ? 1 : 0)),
  privilege('has_any_column_privilege', 'table', (n) => (n === 3 ? 1 : 0)),
  pgFunction('has_column_privilege', 'HAS_COLUMN_PRIVILEGE([user,] table, column, privilege): true if the table exists', { arity: [3, 4], result: T.boolean(), session: true },
    ({ pg }, ...a) => { relationOid(pg, a[a.length === 4 ? 1 : 0]); return true; }),
  ...['has_schema_privilege', 'has_database_privilege', 'has_sequence_privilege', 'has_function_privilege', 'has_type_privilege',
    'has_tablespace_privilege', 'has_language_privilege', 'has_server_privilege', 'has_foreign_data_wrapper_privilege', 'pg_has_role',
  ].map((n) => always(n, `${n.toUpperCase()}(..): true (Freshet has no privileges)`, T.boolean(), true, [1, 3])),

  // the catalog behind OIDs
  pgFunction('pg_get_userbyid', 'PG_GET_USERBYID(oid): the role name of an OID (the connected user owns everything)',
    { arity: [1, 1], result: nameType(), session: true }, ({ pg }, oid) => (Number(oid) === 10 ? pg.user : `unknown (OID=${oid})`)),
  pgFunction('pg_table_is_visible', 'PG_TABLE_IS_VISIBLE(oid): whether the relation is found by its unqualified name', { arity: [1, 1], result: T.boolean(), session: true },
    ({ pg }, oid) => pg.tableVisible(Number(oid))),
  ...['pg_type_is_visible', 'pg_function_is_visible', 'pg_opclass_is_visible', 'pg_collation_is_visible']
    .map((n) => always(n, `${n.toUpperCase()}(oid): true`, T.boolean(), true, [1, 1])),
  pgCustom('format_type', 'FORMAT_TYPE(type_oid, typmod): the SQL name of a type, as Postgres writes it', { arity: [2, 2], result: text() },
    (_cx, oid, mod) => (oid === null ? null : formatPgType(Number(oid), mod === null ? -1 : Number(mod)))),
  pgFunction('pg_get_expr', 'PG_GET_EXPR(expr, relation [, pretty]): the text of a stored expression', { arity: [2, 3], result: text() }, (_cx, e) => String(e)),
  pgFunction('pg_get_viewdef', 'PG_GET_VIEWDEF(view [, pretty]): the query of a view', { arity: [1, 2], result: text(), session: true },
    ({ pg }, v) => pg.viewDefinition(relationOid(pg, v))),
  pgFunction('pg_get_indexdef', 'PG_GET_INDEXDEF(index [, column, pretty]): CREATE INDEX of a primary key, or one of its columns', { arity: [1, 3], result: text(), session: true },
    ({ pg }, oid, col) => pg.indexDefinition(Number(oid), col === undefined ? 0 : Number(col))),
  pgFunction('pg_get_constraintdef', 'PG_GET_CONSTRAINTDEF(constraint [, pretty]): the definition of a primary key constraint', { arity: [1, 2], result: text(), session: true },
    ({ pg }, oid) => pg.constraintDefinition(Number(oid))),
  pgFunction('pg_get_partkeydef', 'PG_GET_PARTKEYDEF(table): LIST (partition columns) of a partitioned table', { arity: [1, 1], result: text(), session: true },
    ({ pg }, oid) => pg.partitionKeyDefinition(Number(oid))),
  ...['pg_get_statisticsobjdef_columns', 'pg_get_ruledef', 'pg_get_triggerdef', 'pg_get_functiondef', 'pg_get_function_result', 'pg_get_serial_sequence']
    .map((n) => always(n, `${n.toUpperCase()}(..): NULL (Freshet has none)`, text(), null, [1, 2])),
  ...['pg_get_function_arguments', 'pg_get_function_identity_arguments'].map((n) => always(n, `${n.toUpperCase()}(oid): ''`, text(), '', [1, 1])),
  always('pg_relation_is_publishable', 'PG_RELATION_IS_PUBLISHABLE(table): false', T.boolean(), false, [1, 1]),
  pgFunction('pg_partition_root', 'PG_PARTITION_ROOT(table): the table itself (Freshet partitions are not tables)', { arity: [1, 1], result: regType('regclass'), session: true },
    ({ pg }, v) => relationOid(pg, v)),
  ...['pg_table_size', 'pg_relation_size', 'pg_total_relation_size', 'pg_indexes_size', 'pg_database_size']
    .map((n) => always(n, `${n.toUpperCase()}(..): NULL (sizes are not known)`, T.bigint(), null, [1, 2])),
  pgFunction('pg_size_pretty', "PG_SIZE_PRETTY(bytes): a size with a unit, e.g. '12 kB'", { arity: [1, 1], result: text() }, (_cx, n) => sizePretty(Number(n))),
  pgFunction('col_description', 'COL_DESCRIPTION(table, column_number): the comment of a column', { arity: [2, 2], result: text(), session: true },
    ({ pg }, oid, n) => pg.columnDescription(Number(oid), Number(n))),
  pgFunction('obj_description', 'OBJ_DESCRIPTION(oid [, catalog]): the comment of a table, view or database', { arity: [1, 2], result: text(), session: true },
    ({ pg }, oid, catalog?: string) => pg.description(Number(oid), catalog)),
  always('shobj_description', 'SHOBJ_DESCRIPTION(oid, catalog): NULL', text(), null, [2, 2]),

  // arrays and text
  pgFunction('array_to_string', 'ARRAY_TO_STRING(array, delimiter [, null_string]): the elements as text, joined',
    { arity: [2, 3], result: withCheck(arrayArg(0), text()) }, (_cx, arr: unknown[], sep: string, nul?: string) =>
      arr.flatMap((x) => (x === null ? (nul === undefined ? [] : [nul]) : [elementText(x)])).join(sep)),
  pgFunction('string_to_array', 'STRING_TO_ARRAY(s, delimiter): the pieces of s as an array', { arity: [2, 2], result: T.array(T.string()) },
    (_cx, s: string, sep: string) => (s === '' ? [] : sep === '' ? [s] : s.split(sep))),
  pgFunction('array_upper', 'ARRAY_UPPER(array, dimension): the upper bound of the array', { arity: [2, 2], result: withCheck(arrayArg(0), T.int()) },
    ({ types }, arr: unknown[], dim) => (Number(dim) !== 1 || arr.length === 0 ? null : isPgVector(types[0]!) ? arr.length - 1 : arr.length)),
  pgFunction('array_lower', 'ARRAY_LOWER(array, dimension): the lower bound of the array (1; 0 for int2vector and oidvector)', { arity: [2, 2], result: withCheck(arrayArg(0), T.int()) },
    ({ types }, arr: unknown[], dim) => (Number(dim) !== 1 || arr.length === 0 ? null : isPgVector(types[0]!) ? 0 : 1)),
  pgFunction('array_length', 'ARRAY_LENGTH(array, dimension): the number of elements', { arity: [2, 2], result: withCheck(arrayArg(0), T.int()) },
    (_cx, arr: unknown[], dim) => (Number(dim) !== 1 || arr.length === 0 ? null : arr.length)),
  pgFunction('quote_ident', 'QUOTE_IDENT(s): s quoted as a Postgres identifier where needed', { arity: [1, 1], result: text() }, (_cx, s: string) => pgQuoteIdent(s)),
  pgFunction('quote_literal', "QUOTE_LITERAL(s): s as a string literal ('it''s')", { arity: [1, 1], result: text() }, (_cx, s) => `'${elementText(s).replace(/'/g, "''")}'`),

  // set-returning (in FROM)
  pgFunction('generate_series', 'GENERATE_SERIES(start, stop [, step]): in FROM, the integers from start to stop', { arity: [2, 3], result: seriesType },
    (_cx, from, to, step = 1) => {
      const out: number[] = [];
      const s = Number(step);
      if (s === 0) throw new FreshetError(SqlState.invalidParameterValue, 'step size cannot equal zero');
      for (let v = Number(from); s > 0 ? v <= Number(to) : v >= Number(to); v += s) {
        out.push(v);
        if (out.length > 10_000_000) throw new FreshetError(SqlState.programLimitExceeded, 'GENERATE_SERIES would produce more than 10,000,000 rows');
      }
      return out;
    }),
  pgFunction('pg_partition_ancestors', 'PG_PARTITION_ANCESTORS(table): in FROM, the table itself (Freshet partitions are not tables)',
    { arity: [1, 1], result: notNull(T.array(regType('regclass'))), session: true }, ({ pg }, v) => [relationOid(pg, v)]),
  always('pg_get_keywords', 'PG_GET_KEYWORDS(): in FROM, no rows', notNull(T.array(T.row([
    { name: 'word', type: T.string() }, { name: 'catcode', type: pgType('char')! }, { name: 'catdesc', type: T.string() },
  ]))), []),
];

// ---- operators and casts the binder uses ----

/** An internal function of the binder's Postgres operators and casts; NULL in, NULL out. */
function internal(name: string, syntax: string, type: DataType, gen: (args: string[], ctx: GenContext) => string): ScalarFunction {
  return { name, syntax, dialect: 'postgres', resolve: () => ({ type }), nulls: 'strict', gen };
}

/** What a cast from or to a reg* type is bound with: the session, and which reg* type. */
const regInfo = (ctx: GenContext): { pg: string; type: string } => {
  const { pg, type } = ctx.info as { pg: PgSession; type: RegType };
  return { pg: ctx.constant(pg), type: JSON.stringify(type) };
};

const internals: ScalarFunction[] = [
  // `s ~ pattern` and friends: the third argument is a literal flag for case-insensitive matching
  internal('$pg_regex_match', 's ~ pattern, s ~* pattern', T.boolean(), (a) => `$.regex(${a[1]}, ${a[2]} ? 'iu' : 'u').test(${a[0]})`),
  // text → reg*: the OID of the named object
  internal('$pg_reg_in', "'name'::regclass", T.int(), (a, ctx) => { const r = regInfo(ctx); return `$.pgRegIn(${r.pg}, ${r.type}, ${a[0]})`; }),
  // reg* → text: the name of the object
  internal('$pg_reg_out', 'oid::regclass::text', T.string(), (a, ctx) => { const r = regInfo(ctx); return `${r.pg}.regName(${r.type}, ${a[0]})`; }),
  // Postgres' text form of an array ('{a,b}', or '1 4' for int2vector) → array of the element type
  internal('$pg_array_in', "'{a,b}'::text[]", T.array(T.string()), (a, ctx) => {
    const cast = makeCast(T.string(), ctx.resultType.element!, { timeZone: ctx.timeZone });
    return `$.pgArrayIn(${a[0]}, ${isPgVector(ctx.resultType)}, ${ctx.constant(cast)})`;
  }),
  // Postgres' text form of bytea ('\\x00ff', or the escape form) → bytes; psycopg2 writes bytes this way
  internal('$pg_bytea_in', "'\\x00ff'::bytea", T.bytes(), (a, ctx) => {
    const fit = makeCast(T.bytes(), ctx.resultType, { timeZone: ctx.timeZone });
    return `${ctx.constant(fit)}(${ctx.constant(pgByteaIn)}(${a[0]}))`;
  }),
  {
    // `x op ANY (array)` / `x op ALL (array)`: info is { op, all }; NULL as Postgres has it (three-valued)
    name: '$pg_quantified',
    syntax: 'x op ANY (array), x op ALL (array)',
    dialect: 'postgres',
    resolve: () => ({ type: T.boolean() }),
    nulls: 'custom',
    mayReturnNull: true,
    genCustom: (args, ctx) => {
      const { op, all } = ctx.info as { op: string; all: boolean };
      const cmp = ctx.constant(comparatorFor(ctx.argTypes[0]!));
      const [x, arr] = args.map((a) => `(${a.n}) ? null : ${a.v}`);
      return { v: `$.pgQuantified(${cmp}, ${JSON.stringify(op)}, ${all}, ${x}, ${arr})`, n: 'false' };
    },
  },
];

/**
 * bytea's input form in Postgres: `\x` and hex digits (pairs, whitespace between pairs allowed), or the
 * escape form where `\\` is a backslash, `\ooo` an octal byte and any other character its UTF-8 bytes.
 */
export function pgByteaIn(s: string): Uint8Array {
  if (s.startsWith('\\x')) {
    const hex = s.slice(2).replace(/\s+/g, '');
    if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
      throw new FreshetError(SqlState.invalidTextRepresentation, `invalid hexadecimal data for type bytea: "${s.length > 40 ? s.slice(0, 40) + '...' : s}"`, {
        hint: 'Write bytea as \\x followed by pairs of hex digits.',
      });
    }
    return new Uint8Array(Buffer.from(hex, 'hex'));
  }
  if (!s.includes('\\')) return new Uint8Array(Buffer.from(s, 'utf8'));
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      for (const byte of Buffer.from(c, 'utf8')) out.push(byte);
      continue;
    }
    if (s[i + 1] === '\\') { out.push(92); i++; continue; }
    const oct = /^[0-3][0-7]{2}/.exec(s.slice(i + 1, i + 4));
    if (!oct) throw new FreshetError(SqlState.invalidTextRepresentation, 'invalid input syntax for type bytea', { hint: 'In the escape form a backslash is followed by another backslash or three octal digits; or use the \\x hex form.' });
    out.push(parseInt(oct[0], 8));
    i += 3;
  }
  return new Uint8Array(out);
}

/** The OID a reg* value written as text stands for: a number as it is, a name looked up in the session. */
export function regIn(pg: PgSession, type: RegType, s: string): number {
  const t = s.trim();
  return /^\d+$/.test(t) ? Number(t) : pg.regOid(type, t);
}

/** The common type `x` and the elements of `arr` are compared in, for `x op ANY (arr)`. */
export function quantifiedType(x: DataType, arr: DataType): DataType | undefined {
  if (arr.kind !== 'ARRAY') return undefined;
  return commonType(x, arr.element!) ?? (isCharacter(x) && isCharacter(arr.element!) ? arr.element : undefined);
}

export const postgres: FunctionModule = {
  functions: [...functions, ...internals],
  helpers: {
    pgQuantified(cmp: (a: unknown, b: unknown) => number, op: string, all: boolean, x: unknown, arr: unknown[] | null): boolean | null {
      if (arr === null) return null;
      if (arr.length === 0) return all;
      if (x === null) return null;
      let sawNull = false;
      for (const y of arr) {
        if (y === null || y === undefined) { sawNull = true; continue; }
        const c = cmp(x, y);
        const ok = op === '=' ? c === 0 : op === '<>' ? c !== 0 : op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
        if (ok && !all) return true;
        if (!ok && all) return false;
      }
      return sawNull ? null : all;
    },
    pgRegIn: regIn,
    pgArrayIn(s: string, vector: boolean, cast: (v: unknown) => unknown): unknown[] {
      const items = parsePgArray(s, vector);
      if (items === undefined) throw new FreshetError(SqlState.invalidTextRepresentation, `malformed array literal: "${s}"`, { hint: 'Write arrays as {a,b,c}.' });
      return items.map((x) => (x === null ? null : cast(x)));
    },
  },
};
