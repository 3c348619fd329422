/**
 * Calendar arithmetic and the text forms of DATE, TIME, TIMESTAMP and TIMESTAMP_LTZ.
 *
 * Representations: DATE = days since 1970-01-01; TIME = milliseconds of the day; TIMESTAMP = the wall-clock
 * time as epoch milliseconds read in UTC (no zone attached); TIMESTAMP_LTZ = an instant as epoch milliseconds,
 * shown in the session time zone. Sub-millisecond precision is kept as the fraction of the millisecond.
 */
import { FreshetError, SqlState } from '../util/errors.ts';

export const MS_PER_DAY = 86_400_000;

/** Days since epoch of a proleptic Gregorian date (Howard Hinnant's algorithm). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): { year: number; month: number; day: number } {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const y = yoe + era * 400;
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return { year: y + (m <= 2 ? 1 : 0), month: m, day: d };
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

/** Splits epoch milliseconds into calendar fields (UTC reading). */
export interface DateTimeFields {
  year: number; month: number; day: number; hour: number; minute: number; second: number;
  /** microseconds within the second */
  micros: number;
}

export function fieldsOfMillis(ms: number): DateTimeFields {
  const totalMicros = Math.round(ms * 1000);
  let days = Math.floor(totalMicros / 86_400_000_000);
  let microsOfDay = totalMicros - days * 86_400_000_000;
  if (microsOfDay < 0) { microsOfDay += 86_400_000_000; days -= 1; }
  const { year, month, day } = civilFromDays(days);
  const secOfDay = Math.floor(microsOfDay / 1_000_000);
  return {
    year, month, day,
    hour: Math.floor(secOfDay / 3600),
    minute: Math.floor((secOfDay % 3600) / 60),
    second: secOfDay % 60,
    micros: microsOfDay - secOfDay * 1_000_000,
  };
}

export function millisOfFields(f: DateTimeFields): number {
  return daysFromCivil(f.year, f.month, f.day) * MS_PER_DAY + f.hour * 3_600_000 + f.minute * 60_000 + f.second * 1000 + f.micros / 1000;
}

const pad2 = (n: number): string => (n < 10 ? '0' + n : String(n));

function padYear(y: number): string {
  if (y >= 0 && y <= 9999) return String(y).padStart(4, '0');
  return (y < 0 ? '-' : '+') + String(Math.abs(y)).padStart(4, '0');
}

function fraction(micros: number, precision: number): string {
  if (precision <= 0) return '';
  const digits = String(micros).padStart(6, '0');
  return '.' + (precision <= 6 ? digits.slice(0, precision) : digits + '0'.repeat(precision - 6));
}

export function formatDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${padYear(year)}-${pad2(month)}-${pad2(day)}`;
}

export function formatTime(millisOfDay: number, precision = 0): string {
  const micros = Math.round(millisOfDay * 1000);
  const sec = Math.floor(micros / 1_000_000);
  return `${pad2(Math.floor(sec / 3600))}:${pad2(Math.floor((sec % 3600) / 60))}:${pad2(sec % 60)}${fraction(micros - sec * 1_000_000, precision)}`;
}

export function formatTimestamp(ms: number, precision = 6): string {
  const f = fieldsOfMillis(ms);
  return `${padYear(f.year)}-${pad2(f.month)}-${pad2(f.day)} ${pad2(f.hour)}:${pad2(f.minute)}:${pad2(f.second)}${fraction(f.micros, precision)}`;
}

// ---- parsing ----

function bad(type: string, text: string): FreshetError {
  return new FreshetError(SqlState.invalidDatetimeFormat, `invalid input syntax for type ${type}: "${text}"`, {
    hint: type === 'DATE' ? "Write dates as 'yyyy-MM-dd'." : type === 'TIME' ? "Write times as 'HH:mm:ss[.SSS]'." : "Write timestamps as 'yyyy-MM-dd HH:mm:ss[.SSS]'.",
  });
}

function checkDate(y: number, m: number, d: number, type: string, text: string): void {
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) throw bad(type, text);
}

const DATE_RE = /^\s*([+-]?\d{1,6})-(\d{1,2})-(\d{1,2})\s*$/;
export function parseDate(text: string): number {
  const m = DATE_RE.exec(text);
  if (!m) throw bad('DATE', text);
  const y = +m[1]!, mo = +m[2]!, d = +m[3]!;
  checkDate(y, mo, d, 'DATE', text);
  return daysFromCivil(y, mo, d);
}

const TIME_RE = /^\s*(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?\s*$/;
export function parseTime(text: string): number {
  const m = TIME_RE.exec(text);
  if (!m) throw bad('TIME', text);
  const h = +m[1]!, mi = +m[2]!, s = m[3] ? +m[3] : 0;
  if (h > 23 || mi > 59 || s > 59) throw bad('TIME', text);
  const frac = m[4] ? Number('0.' + m[4]) * 1000 : 0;
  return h * 3_600_000 + mi * 60_000 + s * 1000 + Math.round(frac * 1000) / 1000;
}

const TS_RE = /^\s*([+-]?\d{1,6})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$/;

/**
 * Parses 'yyyy-MM-dd[ HH:mm[:ss[.fraction]]]' (also with 'T' and an optional zone suffix). Returns epoch
 * milliseconds of the wall-clock time, and the zone offset in minutes if the text carried one.
 */
export function parseTimestampParts(text: string, type = 'TIMESTAMP'): { ms: number; offsetMinutes: number | undefined } {
  const m = TS_RE.exec(text);
  if (!m) throw bad(type, text);
  const y = +m[1]!, mo = +m[2]!, d = +m[3]!;
  checkDate(y, mo, d, type, text);
  const h = m[4] ? +m[4] : 0, mi = m[5] ? +m[5] : 0, s = m[6] ? +m[6] : 0;
  if (h > 23 || mi > 59 || s > 59) throw bad(type, text);
  const micros = m[7] ? Math.round(Number('0.' + m[7]) * 1_000_000) : 0;
  const ms = daysFromCivil(y, mo, d) * MS_PER_DAY + h * 3_600_000 + mi * 60_000 + s * 1000 + micros / 1000;
  let offsetMinutes: number | undefined;
  const z = m[8];
  if (z !== undefined) {
    if (z === 'Z') offsetMinutes = 0;
    else {
      const digits = z.replace(':', '');
      const sign = digits[0] === '-' ? -1 : 1;
      offsetMinutes = sign * (parseInt(digits.slice(1, 3), 10) * 60 + (digits.length > 3 ? parseInt(digits.slice(3, 5), 10) : 0));
    }
  }
  return { ms, offsetMinutes };
}

export function parseTimestamp(text: string): number {
  return parseTimestampParts(text).ms;
}

/** Rounds (truncates) a timestamp to `precision` fractional digits. */
export function truncateMillis(ms: number, precision: number): number {
  if (precision >= 6) return ms;
  const unit = 10 ** (3 - precision); // in ms
  if (precision >= 3) return Math.floor(ms * 10 ** (precision - 3) + 1e-9) / 10 ** (precision - 3);
  return Math.floor(ms / unit) * unit;
}

// ---- time zones ----

const formatterCache = new Map<string, Intl.DateTimeFormat>();

function zoneFormatter(zone: string): Intl.DateTimeFormat {
  let f = formatterCache.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
        hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
    } catch {
      throw new FreshetError(SqlState.invalidParameterValue, `unknown time zone '${zone}'`, {
        hint: "Use an IANA zone name such as 'UTC', 'Europe/Berlin' or 'America/New_York', or an offset like '+02:00'.",
      });
    }
    formatterCache.set(zone, f);
  }
  return f;
}

const FIXED_OFFSET_RE = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/;

/** Validates a time zone id, throwing a clear error if unknown. */
export function checkTimeZone(zone: string): void {
  if (zone === 'UTC' || zone === 'Z' || FIXED_OFFSET_RE.test(zone)) return;
  zoneFormatter(zone);
}

/** Offset of `zone` from UTC at the instant `epochMs`, in milliseconds. */
export function zoneOffsetMillis(zone: string, epochMs: number): number {
  if (zone === 'UTC' || zone === 'Z' || zone === 'GMT') return 0;
  const fixed = FIXED_OFFSET_RE.exec(zone);
  if (fixed) {
    const sign = fixed[1] === '-' ? -1 : 1;
    return sign * ((+fixed[2]!) * 3_600_000 + (fixed[3] ? +fixed[3] : 0) * 60_000);
  }
  const whole = Math.floor(epochMs / 1000) * 1000;
  const parts = zoneFormatter(zone).formatToParts(new Date(whole));
  const get = (t: string): number => +(parts.find((p) => p.type === t)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - whole;
}

/** TIMESTAMP_LTZ → TIMESTAMP: the wall-clock time of an instant in `zone`. */
export function instantToLocal(epochMs: number, zone: string): number {
  return epochMs + zoneOffsetMillis(zone, epochMs);
}

/** TIMESTAMP → TIMESTAMP_LTZ: the instant at which `zone` shows the wall-clock time `localMs`. */
export function localToInstant(localMs: number, zone: string): number {
  let guess = localMs - zoneOffsetMillis(zone, localMs);
  const off2 = zoneOffsetMillis(zone, guess);
  guess = localMs - off2;
  return guess;
}
