/**
 * Postgres types as Freshet sees them, for the Postgres dialect of wire sessions and for describing
 * results to Postgres clients.
 *
 * Every Postgres type the wire server uses maps onto a Freshet type with the same values: `oid` and
 * the reg* types are INTs, `name`, `"char"` and `pg_node_tree` are strings, `int2vector` an array of
 * SMALLINT. Where Postgres has a more specific type than the Freshet kind, the DataType carries its
 * Postgres name as a mark (`DataType.pg`); the mark changes how a column is described (its type OID)
 * and how values convert to and from text, never how they are stored or compared.
 *
 * The type table here is what pg_type lists and what format_type() prints.
 */
import type { DataType } from './data-type.ts';
import { T, MAX_VARCHAR_LENGTH } from './data-type.ts';

export interface PgTypeInfo {
  oid: number;
  name: string;
  /** pg_type.typlen: bytes of a fixed-size type, -1 variable, -2 C string. */
  len: number;
  byval: boolean;
  category: string;
  /** The array type of this type (or, for arrays, the element type in `elem`). */
  array?: number;
  elem?: number;
  /** pg_type.typtype: b base, p pseudo. */
  typtype: string;
  collation: number;
  input: string;
  output: string;
  align: string;
  storage: string;
  preferred?: boolean;
}

const B = (oid: number, name: string, len: number, category: string, array: number, io: string, extra: Partial<PgTypeInfo> = {}): PgTypeInfo => ({
  oid, name, len, byval: len > 0 && len <= 8, category, array, typtype: 'b', collation: category === 'S' ? 100 : 0,
  input: `${io}in`, output: `${io}out`, align: len === 8 ? 'd' : len === 2 ? 's' : len === 1 || len === -2 ? 'c' : 'i',
  storage: len > 0 ? 'p' : 'x', ...extra,
});

/** The base types Freshet's values map onto, and the ones the emulated catalog tables are made of. */
const BASE: PgTypeInfo[] = [
  B(16, 'bool', 1, 'B', 1000, 'bool', { preferred: true }),
  B(17, 'bytea', -1, 'U', 1001, 'bytea'),
  B(18, 'char', 1, 'Z', 1002, 'char', { collation: 0 }),
  B(19, 'name', 64, 'S', 1003, 'name', { byval: false, align: 'c', collation: 950 }),
  B(20, 'int8', 8, 'N', 1016, 'int8'),
  B(21, 'int2', 2, 'N', 1005, 'int2'),
  B(22, 'int2vector', -1, 'A', 1006, 'int2vector', { elem: 21 }),
  B(23, 'int4', 4, 'N', 1007, 'int4'),
  B(24, 'regproc', 4, 'N', 1008, 'regproc'),
  B(25, 'text', -1, 'S', 1009, 'text', { preferred: true }),
  B(26, 'oid', 4, 'N', 1028, 'oid'),
  B(28, 'xid', 4, 'U', 1011, 'xid'),
  B(30, 'oidvector', -1, 'A', 1013, 'oidvector', { elem: 26 }),
  B(114, 'json', -1, 'U', 199, 'json'),
  B(194, 'pg_node_tree', -1, 'Z', 0, 'pg_node_tree', { collation: 100 }),
  B(700, 'float4', 4, 'N', 1021, 'float4'),
  B(701, 'float8', 8, 'N', 1022, 'float8', { preferred: true }),
  B(705, 'unknown', -2, 'X', 0, 'unknown', { typtype: 'p' }),
  B(1033, 'aclitem', 12, 'U', 1034, 'aclitem', { byval: false }),
  B(1042, 'bpchar', -1, 'S', 1014, 'bpchar'),
  B(1043, 'varchar', -1, 'S', 1015, 'varchar'),
  B(1082, 'date', 4, 'D', 1182, 'date'),
  B(1083, 'time', 8, 'D', 1183, 'time'),
  B(1114, 'timestamp', 8, 'D', 1115, 'timestamp'),
  B(1184, 'timestamptz', 8, 'D', 1185, 'timestamptz', { preferred: true }),
  B(1186, 'interval', 16, 'T', 1187, 'interval', { byval: false }),
  B(1700, 'numeric', -1, 'N', 1231, 'numeric'),
  B(2205, 'regclass', 4, 'N', 2210, 'regclass'),
  B(2206, 'regtype', 4, 'N', 2211, 'regtype'),
  B(2249, 'record', -1, 'P', 2287, 'record', { typtype: 'p' }),
  B(2278, 'void', 4, 'P', 0, 'void', { typtype: 'p' }),
  B(2950, 'uuid', 16, 'U', 2951, 'uuid', { byval: false }),
  B(3802, 'jsonb', -1, 'U', 3807, 'jsonb'),
  B(4089, 'regnamespace', 4, 'N', 4090, 'regnamespace'),
  B(4096, 'regrole', 4, 'N', 4097, 'regrole'),
];

const ARRAYS: PgTypeInfo[] = BASE.filter((t) => t.array && t.array > 0).map((t) => ({
  oid: t.array!, name: '_' + t.name, len: -1, byval: false, category: 'A', elem: t.oid, typtype: 'b', collation: t.collation,
  input: 'array_in', output: 'array_out', align: t.align === 'd' ? 'd' : 'i', storage: 'x',
}));

/** The rows of pg_type. */
export const PG_TYPES: readonly PgTypeInfo[] = [...BASE, ...ARRAYS];
const BY_OID = new Map(PG_TYPES.map((t) => [t.oid, t]));
const BY_NAME = new Map(PG_TYPES.map((t) => [t.name, t]));

export function pgTypeInfo(oid: number): PgTypeInfo | undefined {
  return BY_OID.get(oid);
}

/**
 * The reg* types: OIDs that print as (and are read from) the names of the objects they identify.
 * (regproc is a name here: Freshet has no functions with OIDs.)
 */
export const REG_TYPES = ['regclass', 'regtype', 'regnamespace', 'regrole'] as const;
export type RegType = (typeof REG_TYPES)[number];

export function regTypeOf(t: DataType): RegType | undefined {
  return (REG_TYPES as readonly string[]).includes(t.pg ?? '') ? (t.pg as RegType) : undefined;
}

/** int2vector and oidvector: arrays that print space-separated and are subscripted from 0. */
export function isPgVector(t: DataType): boolean {
  return t.pg === 'int2vector' || t.pg === 'oidvector';
}

const marked = (t: DataType, pg: string): DataType => Object.freeze({ ...t, pg });

/** Other spellings of Postgres type names. */
const ALIASES: Record<string, string> = {
  boolean: 'bool', smallint: 'int2', integer: 'int4', int: 'int4', bigint: 'int8', real: 'float4', 'double precision': 'float8',
  float: 'float8', decimal: 'numeric', character: 'bpchar', 'character varying': 'varchar', string: 'text', regprocedure: 'regproc',
  '"char"': 'char',
};

/**
 * The Freshet type of a Postgres type name (`oid`, `regclass`, `"char"`, `int2vector`, `_text`, `text[]`),
 * marked with its Postgres name where that is more specific than the Freshet kind; undefined when the
 * name is not one of the types above.
 */
export function pgType(name: string): DataType | undefined {
  let n = name.toLowerCase();
  if (n.endsWith('[]')) {
    const el = pgType(n.slice(0, -2));
    return el && T.array(el);
  }
  if (n.startsWith('_') && BY_NAME.has(n)) {
    const el = pgType(n.slice(1));
    return el && T.array(el);
  }
  n = ALIASES[n] ?? n;
  switch (n) {
    case 'bool': return T.boolean();
    case 'bytea': return T.bytes();
    case 'int2': return T.smallint();
    case 'int4': return T.int();
    case 'int8': return T.bigint();
    case 'float4': return T.float();
    case 'float8': return T.double();
    case 'numeric': return T.decimal(38, 10);
    case 'text': case 'unknown': return T.string();
    case 'bpchar': case 'varchar': case 'char': case 'name': case 'pg_node_tree': case 'aclitem': case 'json': case 'jsonb': case 'uuid':
    case 'regproc':
      return marked(T.string(), n);
    case 'oid': case 'xid': case 'regclass': case 'regtype': case 'regnamespace': case 'regrole':
      return marked(T.int(), n);
    case 'int2vector': return marked(T.array(T.smallint()), n);
    case 'oidvector': return marked(T.array(marked(T.int(), 'oid')), n);
    case 'date': return T.date();
    case 'time': return T.time(6);
    case 'timestamp': return T.timestamp(6);
    case 'timestamptz': return T.timestampLtz(6);
    case 'interval': return T.intervalDayTime();
    default: return undefined;
  }
}

/** Array OIDs of Freshet's element types; arrays of anything else are described as text[]. */
const ARRAY_OF: Record<number, number> = {
  16: 1000, 21: 1005, 23: 1007, 20: 1016, 700: 1021, 701: 1022, 1700: 1231, 1043: 1015, 1042: 1015, 1082: 1182, 1114: 1115, 1184: 1185,
};

/** The OID of a type by a name Postgres accepts for it (`int4`, `integer`, `character varying`, `_text`, `text[]`), or undefined. */
export function pgTypeOid(name: string): number | undefined {
  const n = name.toLowerCase();
  if (n.endsWith('[]')) {
    const el = pgTypeOid(n.slice(0, -2));
    return el === undefined ? undefined : BY_OID.get(el)?.array || undefined;
  }
  return BY_NAME.get(ALIASES[n] ?? n)?.oid;
}

/** The type OID a value of this type is described with. Nested types without a Postgres match are text. */
export function pgOidOf(t: DataType): number {
  if (t.pg !== undefined) {
    const info = BY_NAME.get(t.pg);
    if (info) return info.oid;
  }
  switch (t.kind) {
    case 'BOOLEAN': return 16;
    case 'TINYINT': case 'SMALLINT': return 21;
    case 'INT': return 23;
    case 'BIGINT': return 20;
    case 'FLOAT': return 700;
    case 'DOUBLE': return 701;
    case 'DECIMAL': return 1700;
    case 'CHAR': return 1042;
    case 'VARCHAR': return (t.length ?? MAX_VARCHAR_LENGTH) >= MAX_VARCHAR_LENGTH ? 25 : 1043;
    case 'BINARY': case 'VARBINARY': return 17;
    case 'DATE': return 1082;
    case 'TIME': return 1083;
    case 'TIMESTAMP': return 1114;
    case 'TIMESTAMP_LTZ': return 1184;
    case 'INTERVAL_YEAR_MONTH': case 'INTERVAL_DAY_TIME': return 1186;
    case 'ARRAY': {
      const el = pgOidOf(t.element!);
      if (t.element!.pg !== undefined) return BY_OID.get(el)?.array || 1009;
      return ARRAY_OF[el] ?? 1009;
    }
    default: return 25;
  }
}

/** pg_type.typlen of a type OID: bytes of a fixed-size type, -1 for variable size. */
export function pgTypeSize(oid: number): number {
  return BY_OID.get(oid)?.len ?? -1;
}

/** atttypmod: length + 4 for character types, (precision << 16 | scale) + 4 for numeric, precision for times. */
export function pgTypeModifier(t: DataType): number {
  if (t.pg !== undefined && t.pg !== 'bpchar' && t.pg !== 'varchar') return -1;
  switch (t.kind) {
    case 'CHAR': return (t.length ?? 1) + 4;
    case 'VARCHAR': return (t.length ?? MAX_VARCHAR_LENGTH) >= MAX_VARCHAR_LENGTH ? -1 : t.length! + 4;
    case 'DECIMAL': return (((t.precision ?? 10) << 16) | (t.scale ?? 0)) + 4;
    case 'TIME': case 'TIMESTAMP': case 'TIMESTAMP_LTZ': return t.precision ?? 6;
    default: return -1;
  }
}

/** format_type(oid, typmod): the SQL spelling of a column type, as Postgres writes it. */
export function formatPgType(oid: number, typmod: number | null): string {
  const t = BY_OID.get(oid);
  if (!t) return '???';
  const mod = typmod ?? -1;
  if (t.category === 'A' && t.elem !== undefined && t.name.startsWith('_')) return `${formatPgType(t.elem, mod)}[]`;
  switch (t.name) {
    case 'bool': return 'boolean';
    case 'int2': return 'smallint';
    case 'int4': return 'integer';
    case 'int8': return 'bigint';
    case 'float4': return 'real';
    case 'float8': return 'double precision';
    case 'char': return '"char"';
    case 'varchar': return mod >= 4 ? `character varying(${mod - 4})` : 'character varying';
    case 'bpchar': return mod >= 4 ? `character(${mod - 4})` : 'bpchar';
    case 'numeric': return mod >= 4 ? `numeric(${((mod - 4) >> 16) & 0xffff},${(mod - 4) & 0xffff})` : 'numeric';
    case 'time': return mod >= 0 ? `time(${mod}) without time zone` : 'time without time zone';
    case 'timestamp': return mod >= 0 ? `timestamp(${mod}) without time zone` : 'timestamp without time zone';
    case 'timestamptz': return mod >= 0 ? `timestamp(${mod}) with time zone` : 'timestamp with time zone';
    default: return t.name;
  }
}

/** An identifier as Postgres writes it: quoted unless a plain lower-case name (quote_ident()). */
export function pgQuoteIdent(s: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(s) ? s : '"' + s.replace(/"/g, '""') + '"';
}

/**
 * Parses Postgres' text form of an array, `{a,b,"c d",NULL}`, into its element texts (null for NULL).
 * With `vector`, the space-separated form of int2vector / oidvector (`1 4`).
 */
export function parsePgArray(s: string, vector = false): Array<string | null> | undefined {
  const t = s.trim();
  if (vector) return t === '' ? [] : t.split(/\s+/);
  if (!t.startsWith('{') || !t.endsWith('}')) return undefined;
  const body = t.slice(1, -1);
  const out: Array<string | null> = [];
  if (body.trim() === '') return out;
  let i = 0;
  while (i <= body.length) {
    while (body[i] === ' ') i++;
    if (body[i] === '"') {
      let v = '';
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\') i++;
        v += body[i] ?? '';
        i++;
      }
      i++;
      out.push(v);
    } else {
      let j = i;
      while (j < body.length && body[j] !== ',') j++;
      const v = body.slice(i, j).trim();
      out.push(v.toUpperCase() === 'NULL' ? null : v);
      i = j;
    }
    while (body[i] === ' ') i++;
    if (body[i] !== ',') break;
    i++;
  }
  return out;
}

/** Postgres' text form of an array from its elements' texts (null for NULL), quoting where needed. */
export function formatPgArray(items: ReadonlyArray<string | null>, vector = false): string {
  if (vector) return items.map((x) => x ?? '').join(' ');
  const parts = items.map((s) => {
    if (s === null) return 'NULL';
    return s === '' || /[{},"\\\s]/.test(s) || s.toUpperCase() === 'NULL' ? `"${s.replace(/[\\"]/g, (c) => '\\' + c)}"` : s;
  });
  return '{' + parts.join(',') + '}';
}
