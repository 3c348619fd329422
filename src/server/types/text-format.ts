/**
 * Values as Postgres prints them in text format (DateStyle ISO, IntervalStyle postgres, shortest
 * round-trip floats as with extra_float_digits >= 1), from Freshet's internal values.
 */
import type { DataType } from '../../types/data-type.ts';
import { formatDecimal } from '../../types/decimal.ts';
import { civilFromDays, fieldsOfMillis, zoneOffsetMillis } from '../../types/temporal.ts';
import { formatValue } from '../../types/value.ts';
import { formatPgArray, isPgVector, regTypeOf, type RegType } from '../../types/pg-types.ts';

/** A function that turns one non-null value of a column into its text form. */
export type TextEncoder = (v: unknown) => string;

/** The name a reg* OID prints as (`'orders'` for a regclass), from the session's catalog. */
export type RegNamer = (type: RegType, oid: number) => string;

export function textEncoderFor(t: DataType, timeZone: string, regName?: RegNamer): TextEncoder {
  const reg = regTypeOf(t);
  if (reg !== undefined) return regName ? (v) => regName(reg, v as number) : (v) => String(v);
  switch (t.kind) {
    case 'BOOLEAN': return (v) => (v ? 't' : 'f');
    case 'TINYINT': case 'SMALLINT': case 'INT': case 'BIGINT': return (v) => String(v);
    case 'FLOAT': return (v) => formatFloat4(v as number);
    case 'DOUBLE': return (v) => formatFloat8(v as number);
    case 'DECIMAL': { const scale = t.scale ?? 0; return (v) => formatDecimal(v as number | bigint, scale); }
    case 'CHAR': case 'VARCHAR': return (v) => v as string;
    case 'BINARY': case 'VARBINARY': return (v) => '\\x' + Buffer.from(v as Uint8Array).toString('hex');
    case 'DATE': return (v) => formatPgDate(v as number);
    case 'TIME': return (v) => formatPgTime(v as number);
    case 'TIMESTAMP': return (v) => formatPgTimestamp(v as number);
    case 'TIMESTAMP_LTZ': return (v) => formatPgTimestamptz(v as number, timeZone);
    case 'INTERVAL_YEAR_MONTH': return (v) => formatMonths(v as number);
    case 'INTERVAL_DAY_TIME': return (v) => formatDayTime(v as number);
    case 'ARRAY': {
      const el = textEncoderFor(t.element!, timeZone, regName);
      const vector = isPgVector(t);
      return (v) => formatPgArray((v as unknown[]).map((x) => (x === null || x === undefined ? null : el(x))), vector);
    }
    default: return (v) => formatValue(t, v, { timeZone, nullText: 'NULL' });
  }
}

/**
 * Postgres' shortest-exact float output: the fewest digits that read back to the same value, in
 * fixed notation for decimal exponents in [-4, precision) and exponential (two-digit exponent) outside.
 */
function formatShortest(digitsExp: string, precision: number): string {
  // digitsExp is JavaScript's toExponential() form: "d.ddde+x" with the shortest round-trip digits
  const [mant, expText] = digitsExp.split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= precision) {
    const abs = Math.abs(exp);
    return `${mant}e${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  }
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let out: string;
  if (exp >= 0) {
    out = digits.length <= exp + 1 ? digits + '0'.repeat(exp + 1 - digits.length) : `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  } else {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  return neg ? '-' + out : out;
}

function special(d: number): string | undefined {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  return undefined;
}

export function formatFloat8(d: number): string {
  return special(d) ?? formatShortest(d.toExponential(), 15);
}

export function formatFloat4(f: number): string {
  const s = special(f);
  if (s !== undefined) return s;
  const x = Math.fround(f);
  for (let p = 1; p <= 9; p++) {
    const e = x.toExponential(p - 1);
    if (Math.fround(Number(e)) === x) return formatShortest(e, 6);
  }
  return formatShortest(x.toExponential(8), 6);
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function pgYear(year: number): string {
  // Postgres prints years before 1 as "yyyy-mm-dd BC" with year 1 BC = 0
  return year > 0 ? String(year).padStart(4, '0') : String(1 - year).padStart(4, '0');
}

export function formatPgDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${pgYear(year)}-${pad2(month)}-${pad2(day)}${year > 0 ? '' : ' BC'}`;
}

/** ".123" with trailing zeros dropped, or nothing for whole seconds. */
function fraction(micros: number): string {
  if (micros === 0) return '';
  return ('.' + String(micros).padStart(6, '0')).replace(/0+$/, '');
}

export function formatPgTime(millisOfDay: number): string {
  const micros = Math.round(millisOfDay * 1000);
  const sec = Math.floor(micros / 1_000_000);
  return `${pad2(Math.floor(sec / 3600))}:${pad2(Math.floor((sec % 3600) / 60))}:${pad2(sec % 60)}${fraction(micros - sec * 1_000_000)}`;
}

export function formatPgTimestamp(ms: number): string {
  const f = fieldsOfMillis(ms);
  return `${pgYear(f.year)}-${pad2(f.month)}-${pad2(f.day)} ${pad2(f.hour)}:${pad2(f.minute)}:${pad2(f.second)}${fraction(f.micros)}${f.year > 0 ? '' : ' BC'}`;
}

export function formatPgTimestamptz(epochMs: number, zone: string): string {
  const offset = zoneOffsetMillis(zone, epochMs);
  const f = fieldsOfMillis(epochMs + offset);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.round(Math.abs(offset) / 1000);
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  const s = abs % 60;
  const off = `${sign}${pad2(h)}${m !== 0 || s !== 0 ? ':' + pad2(m) : ''}${s !== 0 ? ':' + pad2(s) : ''}`;
  return `${pgYear(f.year)}-${pad2(f.month)}-${pad2(f.day)} ${pad2(f.hour)}:${pad2(f.minute)}:${pad2(f.second)}${fraction(f.micros)}${off}${f.year > 0 ? '' : ' BC'}`;
}

function plural(n: number, unit: string, many = unit + 's'): string {
  return `${n} ${n === 1 ? unit : many}`;
}

export function formatMonths(months: number): string {
  if (months === 0) return '00:00:00';
  const years = Math.trunc(months / 12);
  const rest = months - years * 12;
  const parts: string[] = [];
  if (years !== 0) parts.push(plural(years, 'year'));
  if (rest !== 0) parts.push(plural(rest, 'mon', 'mons'));
  return parts.join(' ');
}

export function formatDayTime(ms: number): string {
  const neg = ms < 0;
  const abs = Math.abs(ms);
  const days = Math.floor(abs / 86_400_000);
  const rest = abs - days * 86_400_000;
  const parts: string[] = [];
  if (days !== 0) parts.push(plural(neg ? -days : days, 'day'));
  if (rest !== 0 || days === 0) parts.push((neg && rest !== 0 ? '-' : '') + formatPgTime(rest));
  return parts.join(' ');
}
