/**
 * The text forms of scalar values in CSV and JSON files: how a field's text becomes a value of its
 * column type and back. Writers produce exactly what readers accept, so files round-trip.
 *
 * Conventions (as Flink's csv/json formats): BYTES as base64; TIMESTAMP as 'yyyy-MM-dd HH:mm:ss.SSS'
 * (or with 'T' under ISO-8601); TIMESTAMP_LTZ as UTC with a trailing 'Z' (text without a zone is read
 * as UTC, so files mean the same in every session time zone).
 */
import type { DataType } from '../../types/data-type.ts';
import { T, typeToString } from '../../types/data-type.ts';
import { makeCast } from '../../types/cast.ts';
import { formatDecimal } from '../../types/decimal.ts';
import { daysFromCivil, daysInMonth, formatDate, formatTime, formatTimestamp, parseTimestampParts, truncateMillis } from '../../types/temporal.ts';
import { formatDouble, formatFloat } from '../../types/value.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';

export type TimestampStyle = 'SQL' | 'ISO-8601';

/** Parses text (never NULL) into the internal value; throws a FreshetError saying what is wrong. */
export type TextParser = (text: string) => unknown;
export type TextFormatter = (v: unknown) => string;

const STRING = T.string();

/** Whether a scalar type has a text form here (nested types are the formats' business). */
export function hasTextForm(t: DataType): boolean {
  switch (t.kind) {
    case 'BOOLEAN': case 'TINYINT': case 'SMALLINT': case 'INT': case 'BIGINT': case 'FLOAT': case 'DOUBLE': case 'DECIMAL':
    case 'CHAR': case 'VARCHAR': case 'BINARY': case 'VARBINARY': case 'DATE': case 'TIME': case 'TIMESTAMP': case 'TIMESTAMP_LTZ':
      return true;
    default:
      return false;
  }
}

function base64Decode(s: string): Uint8Array {
  const t = s.trim();
  if (!/^[A-Za-z0-9+/\-_]*={0,2}$/.test(t)) {
    throw new FreshetError(SqlState.invalidTextRepresentation, `'${s.length > 40 ? s.slice(0, 40) + '…' : s}' is not base64 (BYTES are written in base64)`);
  }
  return new Uint8Array(Buffer.from(t, 'base64'));
}

const MONTH_DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const POW10 = [1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

function validDay(y: number, m: number, d: number): boolean {
  return m >= 1 && m <= 12 && d >= 1 && (d <= MONTH_DAYS[m]! && (m !== 2 || d < 29 || daysInMonth(y, 2) === 29));
}

function digits(t: string, s: number, n: number): number {
  let v = 0;
  for (let i = s; i < s + n; i++) {
    const d = t.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

/**
 * The common timestamp shape 'yyyy-MM-dd HH:mm:ss[.f{1,9}][Z]' (or with 'T') in t[s, e), as epoch
 * milliseconds read in UTC, truncated to `precision` fractional digits; NaN for any other shape, which
 * the general parser then handles. Text files hold millions of these, and a regex per value is slow.
 */
export function fastTimestamp(t: string, s: number, e: number, precision: number): number {
  if (e > s && t.charCodeAt(e - 1) === 90) e--;
  const len = e - s;
  if (len < 19 || t.charCodeAt(s + 4) !== 45 || t.charCodeAt(s + 7) !== 45 || t.charCodeAt(s + 13) !== 58 || t.charCodeAt(s + 16) !== 58) return NaN;
  const sep = t.charCodeAt(s + 10);
  if (sep !== 32 && sep !== 84) return NaN;
  const y = digits(t, s, 4);
  const mo = digits(t, s + 5, 2);
  const d = digits(t, s + 8, 2);
  const h = digits(t, s + 11, 2);
  const mi = digits(t, s + 14, 2);
  const sec = digits(t, s + 17, 2);
  if (!(h <= 23 && mi <= 59 && sec <= 59) || !validDay(y, mo, d)) return NaN;
  let micros = 0;
  if (len > 19) {
    if (t.charCodeAt(s + 19) !== 46 || len === 20 || len > 29) return NaN;
    const n = len - 20;
    const f = digits(t, s + 20, n);
    if (f !== f) return NaN;
    const kept = Math.min(n, precision, 6);
    micros = Math.floor(f / POW10[n - kept]!) * POW10[6 - kept]!;
  }
  return daysFromCivil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000 + micros / 1000;
}

/** A 'yyyy-MM-dd' date in t[s, e) as days since 1970-01-01, or NaN for any other shape. */
export function fastDate(t: string, s: number, e: number): number {
  if (e - s !== 10 || t.charCodeAt(s + 4) !== 45 || t.charCodeAt(s + 7) !== 45) return NaN;
  const y = digits(t, s, 4);
  const m = digits(t, s + 5, 2);
  const d = digits(t, s + 8, 2);
  if (!(y >= 0) || !validDay(y, m, d)) return NaN;
  return daysFromCivil(y, m, d);
}

export function textParser(t: DataType): TextParser {
  switch (t.kind) {
    case 'DATE': {
      const slow = makeCast(STRING, t, { timeZone: 'UTC' });
      return (s) => {
        const v = fastDate(s, 0, s.length);
        return v === v ? v : slow(s);
      };
    }
    case 'TIMESTAMP': {
      const p = t.precision ?? 6;
      const slow = makeCast(STRING, t, { timeZone: 'UTC' });
      return (s) => {
        const v = fastTimestamp(s, 0, s.length, p);
        return v === v ? v : slow(s);
      };
    }
    case 'VARCHAR':
      if (t.length === STRING.length) return (s) => s;
      return makeCast(STRING, t, { timeZone: 'UTC' });
    case 'BINARY': case 'VARBINARY': return base64Decode;
    case 'TIMESTAMP_LTZ': {
      const p = t.precision ?? 6;
      return (s) => {
        const v = fastTimestamp(s, 0, s.length, p);
        if (v === v) return v;
        const parts = parseTimestampParts(s, 'TIMESTAMP_LTZ');
        return truncateMillis(parts.ms - (parts.offsetMinutes ?? 0) * 60_000, p);
      };
    }
    default:
      if (!hasTextForm(t)) throw new FreshetError(SqlState.featureNotSupported, `no text form for ${typeToString(t, false)}`);
      return makeCast(STRING, t, { timeZone: 'UTC' });
  }
}

export function textFormatter(t: DataType, style: TimestampStyle = 'SQL'): TextFormatter {
  switch (t.kind) {
    case 'BOOLEAN': return (v) => (v ? 'true' : 'false');
    case 'TINYINT': case 'SMALLINT': case 'INT': case 'BIGINT': return (v) => String(v);
    case 'FLOAT': return (v) => formatFloat(v as number);
    case 'DOUBLE': return (v) => formatDouble(v as number);
    case 'DECIMAL': { const s = t.scale ?? 0; return (v) => formatDecimal(v as number | bigint, s); }
    case 'CHAR': case 'VARCHAR': return (v) => v as string;
    case 'BINARY': case 'VARBINARY': return (v) => Buffer.from((v as Uint8Array).buffer, (v as Uint8Array).byteOffset, (v as Uint8Array).byteLength).toString('base64');
    case 'DATE': return (v) => formatDate(v as number);
    case 'TIME': { const p = t.precision ?? 0; return (v) => formatTime(v as number, p); }
    case 'TIMESTAMP': case 'TIMESTAMP_LTZ': {
      const p = t.precision ?? 6;
      const zone = t.kind === 'TIMESTAMP_LTZ' ? 'Z' : '';
      if (style === 'ISO-8601') return (v) => formatTimestamp(v as number, p).replace(' ', 'T') + zone;
      return zone === '' ? (v) => formatTimestamp(v as number, p) : (v) => formatTimestamp(v as number, p) + zone;
    }
    default:
      throw new FreshetError(SqlState.featureNotSupported, `no text form for ${typeToString(t, false)}`);
  }
}

/** A short, printable excerpt of a bad value for messages. */
export function excerpt(s: string, max = 40): string {
  const t = s.length > max ? s.slice(0, max) + '…' : s;
  return `'${t.replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}
