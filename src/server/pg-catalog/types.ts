/**
 * Postgres types as catalog queries see them: the rows of pg_type, format_type(), casts between the
 * types the catalog uses (text, integers, oid, bool, "char", name, arrays and the reg* OID aliases),
 * text output, and comparison. Values are plain JavaScript: null, boolean, number, string, arrays.
 */
import { FreshetError, SqlState } from '../../util/errors.ts';

export type Value = null | boolean | number | string | Value[];

/** A type by its Postgres name (`int4`, `text`, `regclass`, `oid[]`); `unknown` is an untyped literal. */
export type PgType = string;

export interface TypeInfo {
  oid: number;
  name: string;
  len: number;
  byval: boolean;
  category: string;
  /** The array type of this type, or the element type of an array. */
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

const B = (oid: number, name: string, len: number, category: string, array: number, io: string, extra: Partial<TypeInfo> = {}): TypeInfo => ({
  oid, name, len, byval: len > 0 && len <= 8, category, array, typtype: 'b', collation: category === 'S' ? 100 : 0,
  input: `${io}in`, output: `${io}out`, align: len === 8 ? 'd' : len === 2 ? 's' : len === 1 || len === -2 ? 'c' : 'i',
  storage: len > 0 ? 'p' : 'x', ...extra,
});

/** The base types the server uses (see ../types/oids.ts) and the ones catalog tables are made of. */
const BASE: TypeInfo[] = [
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

const ARRAYS: TypeInfo[] = BASE.filter((t) => t.array && t.array > 0).map((t) => ({
  oid: t.array!, name: '_' + t.name, len: -1, byval: false, category: 'A', elem: t.oid, typtype: 'b', collation: t.collation,
  input: 'array_in', output: 'array_out', align: t.align === 'd' ? 'd' : 'i', storage: 'x',
}));

export const TYPES: readonly TypeInfo[] = [...BASE, ...ARRAYS];
const BY_OID = new Map(TYPES.map((t) => [t.oid, t]));
const BY_NAME = new Map(TYPES.map((t) => [t.name, t]));

/** Other spellings of type names (SQL standard names and aliases). */
const ALIASES: Record<string, string> = {
  boolean: 'bool', smallint: 'int2', integer: 'int4', int: 'int4', bigint: 'int8', real: 'float4', 'double precision': 'float8', float: 'float8',
  decimal: 'numeric', character: 'bpchar', char: 'bpchar', 'character varying': 'varchar', '"char"': 'char', string: 'text',
  timestamptz: 'timestamptz', timetz: 'time', regproc: 'regproc', regprocedure: 'regproc', regoper: 'oid', regoperator: 'oid',
  regconfig: 'oid', regdictionary: 'oid', regcollation: 'oid', cid: 'int4', tid: 'text', pg_lsn: 'text', cstring: 'text', anyarray: 'text[]',
  int2vector: 'int2vector', oidvector: 'oidvector', inet: 'text', cidr: 'text', macaddr: 'text', bit: 'text', varbit: 'text',
};

/** The canonical type of a written type name (`integer` → int4, `_text` → text[]); undefined when unknown. */
export function canonicalType(name: string, array = false): PgType | undefined {
  let n = name.toLowerCase();
  if (n.startsWith('_') && BY_NAME.has(n)) { n = n.slice(1); array = true; }
  n = ALIASES[n] ?? n;
  if (n.endsWith('[]')) { n = n.slice(0, -2); array = true; }
  if ((n === 'int2vector' || n === 'oidvector') && !array) return n;
  if (!BY_NAME.has(n)) return undefined;
  return array ? n + '[]' : n;
}

/** Arrays, and int2vector / oidvector (arrays indexed from 0, printed space-separated). */
export function isArrayType(t: PgType): boolean {
  return t.endsWith('[]') || isVector(t);
}

export function isVector(t: PgType): boolean {
  return t === 'int2vector' || t === 'oidvector';
}

export function elementType(t: PgType): PgType {
  if (t === 'int2vector') return 'int2';
  if (t === 'oidvector') return 'oid';
  return t.endsWith('[]') ? t.slice(0, -2) : 'text';
}

export function typeInfo(oid: number): TypeInfo | undefined {
  return BY_OID.get(oid);
}

/** The OID of a type; unknown and text-like catalog-only types are text. */
export function typeOid(t: PgType): number {
  if (t === 'unknown' || t === 'null') return 25;
  if (t.endsWith('[]')) return BY_NAME.get(t.slice(0, -2))?.array ?? 1009;
  return BY_NAME.get(t)?.oid ?? 25;
}

/** The type called `oid`, as a PgType. */
export function typeOfOid(oid: number): PgType | undefined {
  const t = BY_OID.get(oid);
  if (!t) return undefined;
  if (t.elem !== undefined && t.category === 'A') return BY_OID.get(t.elem)!.name + '[]';
  return t.name;
}

const INTEGER = new Set(['int2', 'int4', 'int8', 'oid', 'regclass', 'regtype', 'regnamespace', 'regrole', 'regproc']);
const NUMBER = new Set([...INTEGER, 'float4', 'float8', 'numeric']);
const TEXTUAL = new Set(['text', 'varchar', 'bpchar', 'name', 'char', 'unknown', 'pg_node_tree', 'json', 'jsonb', 'aclitem', 'uuid']);
const REG = new Set(['regclass', 'regtype', 'regnamespace', 'regrole', 'regproc']);

export function isNumeric(t: PgType): boolean {
  return NUMBER.has(t);
}

export function isInteger(t: PgType): boolean {
  return INTEGER.has(t);
}

export function isTextual(t: PgType): boolean {
  return TEXTUAL.has(t);
}

export function isReg(t: PgType): boolean {
  return REG.has(t);
}

/** Names of things behind reg* OIDs, supplied by the catalog snapshot of the running query. */
export interface RegResolver {
  /** reg* OID → name as Postgres prints it. */
  regName(t: PgType, oid: number): string;
  /** name → OID, or throws 42P01/42704 as Postgres does. */
  regOid(t: PgType, name: string): number;
}

/** format_type(oid, typmod): the SQL spelling of a column type. */
export function formatType(oid: number | null, typmod: number | null): string | null {
  if (oid === null) return null;
  const t = BY_OID.get(oid);
  if (!t) return '???';
  const mod = typmod ?? -1;
  if (t.category === 'A' && t.elem !== undefined) return `${formatType(t.elem, mod)}[]`;
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

function invalid(type: string, v: string): FreshetError {
  return new FreshetError('22P02', `invalid input syntax for type ${type}: "${v}"`);
}

/** Parses an array literal '{a,b,"c d",NULL}' into its element texts. */
export function parseArrayLiteral(s: string): Array<string | null> {
  const t = s.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) throw new FreshetError('22P02', `malformed array literal: "${s}"`);
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

function toInteger(v: Value, type: string): number {
  if (typeof v === 'number') return Math.round(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  const s = String(v).trim();
  if (!/^[+-]?\d+$/.test(s)) throw invalid(type === 'int4' ? 'integer' : type, String(v));
  return Number(s);
}

function toBool(v: Value): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  const s = String(v).trim().toLowerCase();
  if (['t', 'true', 'y', 'yes', 'on', '1'].includes(s)) return true;
  if (['f', 'false', 'n', 'no', 'off', '0'].includes(s)) return false;
  throw invalid('boolean', String(v));
}

/** Casts a non-null value of type `from` to type `to`. */
export function castValue(v: Value, from: PgType, to: PgType, reg: RegResolver): Value {
  if (v === null) return null;
  if (from === to) return v;
  if (isArrayType(to)) {
    const el = elementType(to);
    if (Array.isArray(v)) return v.map((x) => (x === null ? null : castValue(x, elementType(from), el, reg)));
    const items = isVector(to) ? String(v).trim().split(/\s+/).filter((x) => x !== '') : parseArrayLiteral(String(v));
    return items.map((x) => (x === null ? null : castValue(x, 'unknown', el, reg)));
  }
  if (REG.has(to)) {
    if (typeof v === 'number') return v;
    // functions have no OIDs here: a regproc is its name
    if (to === 'regproc') return String(v);
    const s = String(v).trim();
    if (/^\d+$/.test(s)) return Number(s);
    return reg.regOid(to, s);
  }
  switch (to) {
    case 'int2': case 'int4': case 'int8': case 'oid':
      return toInteger(v, to);
    case 'float4': case 'float8': case 'numeric': {
      if (typeof v === 'number') return v;
      const n = Number(String(v).trim());
      if (String(v).trim() === '' || Number.isNaN(n)) throw invalid(to === 'numeric' ? 'numeric' : 'double precision', String(v));
      return n;
    }
    case 'bool':
      return toBool(v);
    case 'char': {
      const s = toText(v, from, reg);
      return s.slice(0, 1);
    }
    default:
      return toText(v, from, reg);
  }
}

/** The text form of a value (what ::text gives; booleans are true/false as in a cast). */
export function toText(v: Value, type: PgType, reg: RegResolver): string {
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return isVector(type) ? v.map((x) => String(x)).join(' ') : formatArray(v, elementType(type), reg);
  if (typeof v === 'number' && REG.has(type)) return reg.regName(type, v);
  return String(v);
}

/** The text a client receives for a value: like toText, but booleans are t/f. */
export function outputText(v: Value, type: PgType, reg: RegResolver): string {
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return toText(v, type, reg);
}

function formatArray(v: Value[], el: PgType, reg: RegResolver): string {
  const parts = v.map((x) => {
    if (x === null) return 'NULL';
    const s = outputText(x, el, reg);
    return s === '' || /[{},"\\\s]/.test(s) || s.toUpperCase() === 'NULL' ? `"${s.replace(/[\\"]/g, (c) => '\\' + c)}"` : s;
  });
  return '{' + parts.join(',') + '}';
}

/** Total order used by ORDER BY, comparisons and DISTINCT: -1, 0 or 1; nulls are handled by callers. */
export function compareValues(a: Value, b: Value): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareValues(a[i]!, b[i]!);
      if (c !== 0) return c;
    }
    return a.length - b.length < 0 ? -1 : a.length > b.length ? 1 : 0;
  }
  if (typeof a === 'number' && typeof b === 'string' && b.trim() !== '' && !Number.isNaN(Number(b))) return compareValues(a, Number(b));
  if (typeof b === 'number' && typeof a === 'string' && a.trim() !== '' && !Number.isNaN(Number(a))) return compareValues(Number(a), b);
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Whether a type error should be raised for comparing these static types. */
export function comparable(a: PgType, b: PgType): boolean {
  if (a === b || a === 'unknown' || b === 'unknown' || a === 'null' || b === 'null') return true;
  if (isNumeric(a) && isNumeric(b)) return true;
  if (isTextual(a) && isTextual(b)) return true;
  if (isArrayType(a) && isArrayType(b)) return true;
  return false;
}

export function typeMismatch(op: string, a: PgType, b: PgType): FreshetError {
  return new FreshetError(SqlState.undefinedFunction, `operator does not exist: ${a} ${op} ${b}`, {
    hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.',
  });
}
