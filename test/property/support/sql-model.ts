/**
 * The SQL types the property tests generate data for, their values as plain JavaScript, and how a value
 * or a table is written as SQL text for each engine (Freshet speaks Flink SQL, the oracle DuckDB's dialect).
 *
 * Values are kept in an engine-neutral form: INT and DOUBLE as number, BIGINT as bigint, DECIMAL as its
 * unscaled bigint, DATE as days since 1970-01-01, TIMESTAMP(3) as epoch milliseconds, STRING and BOOLEAN
 * as themselves, NULL as null. Nothing here uses engine code, so a bug in Freshet's own formatting or
 * parsing cannot hide in the test's input.
 */
import fc from 'fast-check';

export type Kind = 'INT' | 'BIGINT' | 'DECIMAL' | 'DOUBLE' | 'STRING' | 'BOOLEAN' | 'DATE' | 'TIMESTAMP';

export interface Ty {
  readonly kind: Kind;
  /** DECIMAL precision and scale. */
  readonly p?: number;
  readonly s?: number;
}

export type Value = number | bigint | string | boolean | null;

export const INT: Ty = { kind: 'INT' };
export const BIGINT: Ty = { kind: 'BIGINT' };
export const DOUBLE: Ty = { kind: 'DOUBLE' };
export const STRING: Ty = { kind: 'STRING' };
export const BOOLEAN: Ty = { kind: 'BOOLEAN' };
export const DATE: Ty = { kind: 'DATE' };
export const TIMESTAMP: Ty = { kind: 'TIMESTAMP' };
export const dec = (p: number, s: number): Ty => ({ kind: 'DECIMAL', p, s });

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;
export const INT64_MIN = -9223372036854775808n;
export const INT64_MAX = 9223372036854775807n;
const MS_PER_DAY = 86_400_000;

export function flinkType(t: Ty): string {
  switch (t.kind) {
    case 'DECIMAL': return `DECIMAL(${t.p}, ${t.s})`;
    case 'TIMESTAMP': return 'TIMESTAMP(3)';
    default: return t.kind;
  }
}

export function duckType(t: Ty): string {
  switch (t.kind) {
    case 'INT': return 'INTEGER';
    case 'DECIMAL': return `DECIMAL(${t.p}, ${t.s})`;
    case 'STRING': return 'VARCHAR';
    default: return t.kind;
  }
}

// ---------------------------------------------------------------- text forms

/** An unscaled integer with a scale as exact decimal text: (1250n, 2) → "12.50". */
export function decimalText(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const body = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return neg ? '-' + body : body;
}

/** Canonical exact number text: no trailing fractional zeros, no "-0". */
export function canonicalExact(unscaled: bigint, scale: number): string {
  let u = unscaled;
  let s = scale;
  while (s > 0 && u % 10n === 0n) {
    u /= 10n;
    s--;
  }
  while (s < 0) {
    u *= 10n;
    s++;
  }
  return decimalText(u, s);
}

/** YYYY-MM-DD for days since the epoch (years 1..9999). */
export function dateText(days: number): string {
  return new Date(days * MS_PER_DAY).toISOString().slice(0, 10);
}

/** YYYY-MM-DD HH:MM:SS.mmm for epoch milliseconds. */
export function timestampText(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A double as text both engines parse back to the same double. */
export function doubleText(d: number): string {
  return Object.is(d, -0) ? '-0.0' : String(d);
}

/**
 * A literal of type `t`, as a typed SQL expression for Freshet (f) and DuckDB (d). In expressions
 * (`opaqueNull`), DuckDB's NULL is hidden from its binder, which would otherwise fold `NULL + x` to NULL
 * without evaluating `x` (and so hide an error that Freshet rightly reports).
 */
export function literal(t: Ty, v: Value, opts: { opaqueNull?: boolean } = {}): { f: string; d: string } {
  if (v === null) {
    const d = opts.opaqueNull ? `CAST(CASE WHEN random() >= 0 THEN NULL END AS ${duckType(t)})` : `CAST(NULL AS ${duckType(t)})`;
    return { f: `CAST(NULL AS ${flinkType(t)})`, d };
  }
  switch (t.kind) {
    case 'INT':
      return { f: `CAST(${v} AS INT)`, d: `CAST(${v} AS INTEGER)` };
    case 'BIGINT':
      return { f: `CAST('${v}' AS BIGINT)`, d: `CAST('${v}' AS BIGINT)` };
    case 'DECIMAL': {
      const text = decimalText(v as bigint, t.s!);
      return { f: `CAST('${text}' AS ${flinkType(t)})`, d: `CAST('${text}' AS ${duckType(t)})` };
    }
    case 'DOUBLE':
      return { f: `CAST('${doubleText(v as number)}' AS DOUBLE)`, d: `CAST('${doubleText(v as number)}' AS DOUBLE)` };
    case 'STRING':
      return { f: `CAST(${sqlString(v as string)} AS STRING)`, d: `CAST(${sqlString(v as string)} AS VARCHAR)` };
    case 'BOOLEAN':
      return { f: v ? 'TRUE' : 'FALSE', d: v ? 'TRUE' : 'FALSE' };
    case 'DATE':
      return { f: `DATE '${dateText(v as number)}'`, d: `DATE '${dateText(v as number)}'` };
    case 'TIMESTAMP':
      return { f: `TIMESTAMP '${timestampText(v as number)}'`, d: `TIMESTAMP '${timestampText(v as number)}'` };
  }
}

// ---------------------------------------------------------------- tables

export interface Column {
  readonly name: string;
  readonly type: Ty;
}

export interface TableSpec {
  readonly name: string;
  readonly columns: readonly Column[];
  readonly rows: readonly (readonly Value[])[];
}

function jsonValue(t: Ty, v: Value): unknown {
  if (v === null) return null;
  switch (t.kind) {
    case 'INT': case 'BOOLEAN': case 'STRING': return v;
    // JSON has no NaN, infinities or -0: those go as text, which the connector parses per column type
    case 'DOUBLE': return Number.isFinite(v) && !Object.is(v, -0) ? v : doubleText(v as number);
    case 'BIGINT': return String(v);
    case 'DECIMAL': return decimalText(v as bigint, t.s!);
    case 'DATE': return dateText(v as number);
    case 'TIMESTAMP': return timestampText(v as number);
  }
}

/** CREATE TABLE with the in-memory `values` connector. */
export function freshetCreateTable(t: TableSpec): string {
  const cols = t.columns.map((c) => `${c.name} ${flinkType(c.type)}`).join(', ');
  const data = JSON.stringify(t.rows.map((r) => r.map((v, i) => jsonValue(t.columns[i]!.type, v))));
  return `CREATE TABLE ${t.name} (${cols}) WITH ('connector' = 'values', 'data' = ${sqlString(data)})`;
}

/** CREATE TABLE and INSERT statements for DuckDB. */
export function duckCreateTable(t: TableSpec): string[] {
  const cols = t.columns.map((c) => `${c.name} ${duckType(c.type)}`).join(', ');
  const out = [`CREATE OR REPLACE TABLE ${t.name} (${cols})`];
  if (t.rows.length > 0) {
    const rows = t.rows.map((r) => `(${r.map((v, i) => literal(t.columns[i]!.type, v).d).join(', ')})`);
    out.push(`INSERT INTO ${t.name} VALUES ${rows.join(', ')}`);
  }
  return out;
}

// ---------------------------------------------------------------- value generators

const pick = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);

export const intEdges = [0, 1, -1, 2, -2, 7, INT32_MAX, INT32_MIN, INT32_MAX - 1, INT32_MIN + 1, 46341, -46341, 65536];
export const bigintEdges = [
  0n, 1n, -1n, 3n, INT64_MAX, INT64_MIN, INT64_MAX - 1n, INT64_MIN + 1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n,
  2n ** 53n - 1n, 2n ** 62n, -(2n ** 62n), 3037000499n, 3037000500n, -3037000500n, 4294967296n, 2147483648n,
];

export function intValue(opts: { small?: boolean } = {}): fc.Arbitrary<number> {
  if (opts.small) return fc.integer({ min: -20, max: 20 });
  return fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: -20, max: 20 }) },
    { weight: 2, arbitrary: pick(intEdges) },
    { weight: 1, arbitrary: fc.integer() },
  );
}

export function bigintValue(opts: { small?: boolean } = {}): fc.Arbitrary<bigint> {
  if (opts.small) return fc.bigInt({ min: -20n, max: 20n });
  return fc.oneof(
    { weight: 4, arbitrary: fc.bigInt({ min: -20n, max: 20n }) },
    { weight: 3, arbitrary: pick(bigintEdges) },
    { weight: 2, arbitrary: fc.bigInt({ min: INT64_MIN, max: INT64_MAX }) },
    { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 54n), max: 2n ** 54n }) },
  );
}

/** Unscaled values of DECIMAL(p, s): mostly small, some at the limits of the type and around 2^53 / 2^63. */
export function decimalValue(p: number, s: number, opts: { small?: boolean } = {}): fc.Arbitrary<bigint> {
  const max = 10n ** BigInt(p) - 1n;
  const clamp = (x: bigint): bigint => (x > max ? max : x < -max ? -max : x);
  const small = fc.bigInt({ min: -100000n, max: 100000n }).map(clamp);
  if (opts.small) return small;
  const edges = [0n, 1n, -1n, max, -max, 2n ** 53n, 2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n), 2n ** 64n + 7n].map(clamp);
  return fc.oneof(
    { weight: 4, arbitrary: small },
    { weight: 2, arbitrary: pick(edges) },
    { weight: 2, arbitrary: fc.bigInt({ min: -max, max }) },
  );
}

/** Doubles that are multiples of 1/8 (exact in binary, so sums and products agree bit for bit). */
export function doubleValue(opts: { small?: boolean } = {}): fc.Arbitrary<number> {
  const eighths = (lim: number): fc.Arbitrary<number> => fc.integer({ min: -lim, max: lim }).map((k) => k / 8 + 0);
  if (opts.small) return eighths(8000);
  return fc.oneof(
    { weight: 4, arbitrary: eighths(800) },
    { weight: 2, arbitrary: pick([0, 1, -1, 0.5, 2 ** 31, -(2 ** 31), 2 ** 53, 2 ** 40 + 0.125, -1e15, 9.5, -2.5]) },
    { weight: 1, arbitrary: eighths(2 ** 43) },
  );
}

/**
 * Characters for random strings: ASCII, accented, CJK, an astral character (two UTF-16 units) and one
 * above the surrogate range (U+FF21, so that UTF-16 order and code point order differ), LIKE wildcards
 * and a quote.
 */
export const defaultStringChars = ['a', 'b', 'A', 'z', ' ', 'x', '1', '-', '.', 'é', 'Ü', '日', '🦆', '\uFF21', '%', '_', "'"];

export function stringValue(chars: readonly string[] = defaultStringChars, extra: readonly string[] = []): fc.Arbitrary<string> {
  const random = fc.array(pick(chars), { maxLength: 6 }).map((cs) => cs.join(''));
  const pool = ['', ' ', 'a', 'ab', 'abc', ' a ', 'A', 'x y', 'é', '🦆', '\uFF21', 'a🦆', ...extra];
  return fc.oneof({ weight: 3, arbitrary: random }, { weight: 2, arbitrary: pick(pool) });
}

/** Strings that CAST to numbers or dates (or fail to, in both engines). */
export const castableStrings = [
  '12', '-3', '0', ' 7 ', '+5', '00012', '2147483647', '2147483648', '-2147483648', '9223372036854775807',
  '9223372036854775808', 'abc', '', '2024-01-02', '1999-12-31', '2024-02-29', '2023-02-29', '12.5', '-0.25',
];

const DAY_1900 = -25567;
const DAY_2100 = 47482;

export function dateValue(): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: DAY_1900, max: DAY_2100 }) },
    { weight: 2, arbitrary: pick([0, -1, 19782, 19753, 19723, 11016, 10957, -719162 + 36524 * 2, 2932896 - 36524 * 9]) },
  );
}

export function timestampValue(): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: DAY_1900 * MS_PER_DAY, max: DAY_2100 * MS_PER_DAY }) },
    { weight: 2, arbitrary: pick([0, -1, -500, 999, MS_PER_DAY - 1, 1709164800000, 1706659199999, -86_399_999]) },
  );
}

export interface ValueOptions {
  /** Moderate magnitudes only (for aggregates whose doubles must stay comparable). */
  small?: boolean;
  chars?: readonly string[];
  nullRate?: number;
}

export function valueOf(t: Ty, opts: ValueOptions = {}): fc.Arbitrary<Value> {
  let base: fc.Arbitrary<Value>;
  switch (t.kind) {
    case 'INT': base = intValue(opts); break;
    case 'BIGINT': base = bigintValue(opts); break;
    case 'DECIMAL': base = decimalValue(t.p!, t.s!, opts); break;
    case 'DOUBLE': base = doubleValue(opts); break;
    case 'STRING': base = stringValue(opts.chars, castableStrings); break;
    case 'BOOLEAN': base = fc.boolean(); break;
    case 'DATE': base = dateValue(); break;
    case 'TIMESTAMP': base = timestampValue(); break;
  }
  const rate = opts.nullRate ?? 0.15;
  const w = Math.max(1, Math.round((1 / rate - 1)));
  return fc.oneof({ weight: w, arbitrary: base }, { weight: 1, arbitrary: fc.constant(null) });
}

/** Rows for `columns` (the first column named `id` gets 1, 2, 3, ...). */
export function rowsOf(columns: readonly Column[], opts: ValueOptions & { maxRows: number }): fc.Arbitrary<Value[][]> {
  const rest = columns.filter((c) => c.name !== 'id');
  const row = fc.tuple(...rest.map((c) => valueOf(c.type, opts)));
  return fc.array(row, { maxLength: opts.maxRows }).map((rows) =>
    rows.map((r, i) => columns.map((c) => (c.name === 'id' ? i + 1 : r[rest.indexOf(c)]!))),
  );
}
