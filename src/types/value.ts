/**
 * Value-level operations shared by operators and connectors: ordering, equality, grouping keys and the
 * canonical text form of each type (what CAST(x AS STRING), the REPL and the print sink show).
 */
import type { DataType } from './data-type.ts';
import { cmpInt64 } from './int64.ts';
import { formatDecimal } from './decimal.ts';
import { formatDate, formatTime, formatTimestamp, instantToLocal } from './temporal.ts';

/** A total order on non-null values of one type. NaN sorts above every other double. */
export type Comparator = (a: unknown, b: unknown) => number;

export function comparatorFor(type: DataType): Comparator {
  switch (type.kind) {
    case 'BOOLEAN':
      return (a, b) => (a === b ? 0 : a ? 1 : -1);
    case 'TINYINT': case 'SMALLINT': case 'INT': case 'DATE': case 'TIME': case 'INTERVAL_YEAR_MONTH':
      return (a, b) => (a as number) - (b as number);
    case 'FLOAT': case 'DOUBLE': case 'TIMESTAMP': case 'TIMESTAMP_LTZ': case 'INTERVAL_DAY_TIME':
      return compareDouble as Comparator;
    case 'BIGINT': case 'DECIMAL':
      return cmpInt64 as Comparator;
    case 'CHAR': case 'VARCHAR':
      return compareStrings as Comparator;
    case 'BINARY': case 'VARBINARY':
      return (a, b) => compareBytes(a as Uint8Array, b as Uint8Array);
    case 'ARRAY': case 'MULTISET': {
      const el = nullsFirstComparator(comparatorFor(type.element!));
      return (a, b) => {
        const x = a as unknown[];
        const y = b as unknown[];
        const n = Math.min(x.length, y.length);
        for (let i = 0; i < n; i++) {
          const c = el(x[i], y[i]);
          if (c !== 0) return c;
        }
        return x.length - y.length;
      };
    }
    case 'ROW': {
      const fs = type.fields!.map((f) => nullsFirstComparator(comparatorFor(f.type)));
      return (a, b) => {
        const x = a as unknown[];
        const y = b as unknown[];
        for (let i = 0; i < fs.length; i++) {
          const c = fs[i]!(x[i], y[i]);
          if (c !== 0) return c;
        }
        return 0;
      };
    }
    case 'MAP':
      return (a, b) => compareStrings(groupKeyOf(a), groupKeyOf(b));
    default:
      return () => 0;
  }
}

/**
 * Strings in code point order (the order of their UTF-8 bytes, as Flink compares them). JavaScript's `<`
 * compares UTF-16 code units, which puts a character beyond U+FFFF (a surrogate pair, 0xD800..0xDFFF)
 * before U+E000..U+FFFF; only that case needs fixing, at the first differing unit.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length - b.length;
  const x = a.charCodeAt(i);
  const y = b.charCodeAt(i);
  if (x >= 0xd800 && y >= 0xd800) return codePointRank(x) - codePointRank(y);
  return x - y;
}

/** Orders code units from 0xD800 up so that surrogates (characters beyond U+FFFF) come last. */
function codePointRank(unit: number): number {
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

export function compareDouble(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  return an === bn ? 0 : an ? 1 : -1;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export function nullsFirstComparator(cmp: Comparator): Comparator {
  return (a, b) => (a === null ? (b === null ? 0 : -1) : b === null ? 1 : cmp(a, b));
}

/**
 * A string that is equal for two values exactly when they are equal as grouping keys
 * (NULLs equal each other, -0 = 0, NaN = NaN). Used for multi-column and nested keys.
 */
export function groupKeyOf(v: unknown): string {
  if (v === null || v === undefined) return 'N';
  switch (typeof v) {
    case 'number': return 'n' + (v === 0 ? '0' : String(v));
    case 'bigint': return 'n' + v.toString();
    case 'string': return 's' + v.length + ':' + v;
    case 'boolean': return v ? 'T' : 'F';
    default:
      if (v instanceof Uint8Array) return 'x' + Buffer.from(v).toString('hex');
      if (Array.isArray(v)) return '[' + v.map(groupKeyOf).join(',') + ']';
      if (v instanceof Map) {
        const entries = [...v.entries()].map(([k, x]) => groupKeyOf(k) + '=' + groupKeyOf(x)).sort();
        return '{' + entries.join(',') + '}';
      }
      return 'o' + JSON.stringify(v);
  }
}

/** Equality of two non-null values of the same type. */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // BIGINT/DECIMAL values may come as a number and a bigint: compared exactly
  if (typeof a === 'bigint' || typeof b === 'bigint') return (typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint') && cmpInt64(a, b) === 0;
  if (typeof a === 'number' || typeof a === 'string' || typeof a === 'boolean') return a === b;
  return groupKeyOf(a) === groupKeyOf(b);
}

// ---- text forms ----

export interface FormatOptions {
  /** Session time zone, for TIMESTAMP_LTZ. */
  timeZone?: string;
  /** Text used for NULL (top level). */
  nullText?: string;
}

/** Java's Double.toString: "1.0", "0.001", "1.0E7", "1.2345E-5", "NaN", "Infinity". */
export function formatDouble(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(d);
    return s.includes('.') ? s : s + '.0';
  }
  const [mant, exp] = d.toExponential().split('e') as [string, string];
  const m = mant.includes('.') ? mant : mant + '.0';
  return `${m}E${exp.startsWith('+') ? exp.slice(1) : exp}`;
}

/** Java's Float.toString for a float32 value (shortest digits that read back to the same float). */
export function formatFloat(f: number): string {
  if (!Number.isFinite(f) || f === 0) return formatDouble(f);
  const x = Math.fround(f);
  for (let p = 1; p <= 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return formatDouble(Number(s));
  }
  return formatDouble(x);
}

export function formatBytes(b: Uint8Array): string {
  return "x'" + Buffer.from(b).toString('hex') + "'";
}

export function formatInterval(type: DataType, v: number): string {
  if (type.kind === 'INTERVAL_YEAR_MONTH') {
    const sign = v < 0 ? '-' : '+';
    const a = Math.abs(v);
    return `${sign}${Math.floor(a / 12)}-${String(a % 12).padStart(2, '0')}`;
  }
  const sign = v < 0 ? '-' : '+';
  const a = Math.abs(v);
  const days = Math.floor(a / 86_400_000);
  return `${sign}${days} ${formatTime(a - days * 86_400_000, 3)}`;
}

/** The canonical text of a value (not NULL-aware at top level: pass non-null values). */
export function formatValue(type: DataType, v: unknown, opts: FormatOptions = {}): string {
  if (v === null || v === undefined) return opts.nullText ?? 'NULL';
  switch (type.kind) {
    case 'BOOLEAN': return v ? 'TRUE' : 'FALSE';
    case 'TINYINT': case 'SMALLINT': case 'INT': case 'BIGINT': return String(v);
    case 'FLOAT': return formatFloat(v as number);
    case 'DOUBLE': return formatDouble(v as number);
    case 'DECIMAL': return formatDecimal(v as number | bigint, type.scale ?? 0);
    case 'CHAR': case 'VARCHAR': return v as string;
    case 'BINARY': case 'VARBINARY': return formatBytes(v as Uint8Array);
    case 'DATE': return formatDate(v as number);
    case 'TIME': return formatTime(v as number, type.precision ?? 0);
    case 'TIMESTAMP': return formatTimestamp(v as number, type.precision ?? 6);
    case 'TIMESTAMP_LTZ': return formatTimestamp(instantToLocal(v as number, opts.timeZone ?? 'UTC'), type.precision ?? 6);
    case 'INTERVAL_YEAR_MONTH': case 'INTERVAL_DAY_TIME': return formatInterval(type, v as number);
    case 'ARRAY': case 'MULTISET': {
      const el = type.element!;
      return '[' + (v as unknown[]).map((x) => formatValue(el, x, { ...opts, nullText: 'NULL' })).join(', ') + ']';
    }
    case 'MAP': {
      const parts: string[] = [];
      for (const [k, x] of v as Map<unknown, unknown>) {
        parts.push(formatValue(type.key!, k, { ...opts, nullText: 'NULL' }) + '=' + formatValue(type.value!, x, { ...opts, nullText: 'NULL' }));
      }
      return '{' + parts.join(', ') + '}';
    }
    case 'ROW': {
      const fs = type.fields!;
      return '(' + (v as unknown[]).map((x, i) => formatValue(fs[i]!.type, x, { ...opts, nullText: 'NULL' })).join(', ') + ')';
    }
    default: return String(v);
  }
}
