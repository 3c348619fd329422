/** Literals and INTERVAL literals to typed values. */
import type { IntervalExpr, LiteralExpr } from '../ast.ts';
import type { Literal } from '../../exec/expr/expr.ts';
import { literal } from '../../exec/expr/expr.ts';
import { T, notNull, MAX_DECIMAL_PRECISION } from '../../types/data-type.ts';
import { normalize } from '../../types/int64.ts';
import { parseDate, parseTime, parseTimestampParts, localToInstant, MS_PER_DAY } from '../../types/temporal.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';

export function bindLiteral(e: LiteralExpr, timeZone: string): Literal {
  switch (e.type) {
    case 'null': return literal(null, T.null());
    case 'boolean': return literal(e.value, notNull(T.boolean()));
    case 'string': {
      const s = e.value as string;
      return literal(s, notNull(T.char(Math.max(1, s.length))));
    }
    case 'number': return bindNumber(e.value as string);
    case 'date': return literal(parseDate(e.value as string), notNull(T.date()));
    case 'time': {
      const text = e.value as string;
      const frac = /\.(\d+)/.exec(text);
      return literal(parseTime(text), notNull(T.time(frac ? Math.min(9, frac[1]!.length) : 0)));
    }
    case 'timestamp': case 'timestamp_ltz': {
      const text = e.value as string;
      const parts = parseTimestampParts(text, e.type === 'timestamp' ? 'TIMESTAMP' : 'TIMESTAMP_LTZ');
      const frac = /\.(\d+)/.exec(text);
      const p = frac ? Math.min(9, frac[1]!.length) : 0;
      if (e.type === 'timestamp') {
        if (parts.offsetMinutes !== undefined) {
          throw new FreshetError(SqlState.invalidDatetimeFormat, `a TIMESTAMP literal has no time zone: '${text}'`, {
            hint: "Use TIMESTAMP_LTZ '...' (or TO_TIMESTAMP_LTZ) for instants with a zone offset.",
          });
        }
        return literal(parts.ms, notNull(T.timestamp(p)));
      }
      const instant = parts.offsetMinutes === undefined ? localToInstant(parts.ms, timeZone) : parts.ms - parts.offsetMinutes * 60_000;
      return literal(instant, notNull(T.timestampLtz(p)));
    }
    case 'binary': {
      const hex = e.value as string;
      if (hex.length % 2 !== 0) throw new FreshetError(SqlState.invalidTextRepresentation, `binary literal x'${hex}' has an odd number of hex digits`);
      const bytes = new Uint8Array(Buffer.from(hex, 'hex'));
      return literal(bytes, notNull(T.binary(Math.max(1, bytes.length))));
    }
  }
}

/** 1 → INT, 3000000000 → BIGINT, 1.50 → DECIMAL(3, 2), 1e3 → DOUBLE. */
export function bindNumber(text: string): Literal {
  if (/[eE]/.test(text)) return literal(Number(text), notNull(T.double()));
  const neg = text.startsWith('-');
  const body = neg ? text.slice(1) : text;
  if (body.includes('.')) {
    const [ip, fp] = body.split('.') as [string, string];
    const intDigits = ip.replace(/^0+/, '');
    const scale = fp.length;
    const precision = Math.max(intDigits.length + scale, 1, scale);
    if (precision > MAX_DECIMAL_PRECISION) return literal(Number(text), notNull(T.double()));
    const unscaled = normalize(BigInt((neg ? '-' : '') + (intDigits + fp || '0')));
    return literal(unscaled, notNull(T.decimal(precision, scale)));
  }
  const big = BigInt(text);
  if (big >= -2147483648n && big <= 2147483647n) return literal(Number(big), notNull(T.int()));
  if (big >= -9223372036854775808n && big <= 9223372036854775807n) return literal(normalize(big), notNull(T.bigint()));
  const digits = body.replace(/^0+/, '').length;
  if (digits <= MAX_DECIMAL_PRECISION) return literal(normalize(big), notNull(T.decimal(digits, 0)));
  throw new FreshetError(SqlState.numericOverflow, `numeric literal ${text} has more than 38 digits`);
}

function intervalError(e: IntervalExpr, expected: string): FreshetError {
  return new FreshetError(SqlState.invalidDatetimeFormat, `invalid INTERVAL '${e.value}' ${e.from}${e.to ? ' TO ' + e.to : ''}: expected ${expected}`, {
    hint: "Examples: INTERVAL '10' SECOND, INTERVAL '1-6' YEAR TO MONTH, INTERVAL '2 03:04:05.5' DAY TO SECOND.",
  });
}

const DT_UNIT_MS: Record<string, number> = { WEEK: 7 * MS_PER_DAY, DAY: MS_PER_DAY, HOUR: 3_600_000, MINUTE: 60_000, SECOND: 1000, MILLISECOND: 1, MICROSECOND: 0.001 };

export function bindInterval(e: IntervalExpr): Literal {
  let text = e.value.trim();
  let neg = e.negative;
  if (text.startsWith('-')) { neg = !neg; text = text.slice(1).trim(); }
  else if (text.startsWith('+')) text = text.slice(1).trim();
  const sign = neg ? -1 : 1;
  const from = e.from;
  const to = e.to;
  if (from === 'YEAR' || from === 'MONTH' || from === 'QUARTER') {
    let months: number;
    if (to === 'MONTH' && from === 'YEAR') {
      const m = /^(\d+)-(\d+)$/.exec(text);
      if (!m) throw intervalError(e, "'years-months'");
      if (+m[2]! > 11) throw intervalError(e, "'years-months' with months from 0 to 11");
      months = +m[1]! * 12 + +m[2]!;
    } else {
      if (!/^\d+$/.test(text)) throw intervalError(e, 'a whole number');
      months = +text * (from === 'YEAR' ? 12 : from === 'QUARTER' ? 3 : 1);
    }
    return literal(sign * months, notNull(T.intervalYearMonth()));
  }
  let ms: number;
  if (!to) {
    const unit = DT_UNIT_MS[from];
    if (unit === undefined) throw intervalError(e, 'a unit from YEAR to MILLISECOND');
    if (!/^\d+(\.\d+)?$/.test(text)) throw intervalError(e, 'a number');
    ms = Math.round(Number(text) * unit * 1000) / 1000;
  } else {
    const patterns: Record<string, RegExp> = {
      'DAY-HOUR': /^(\d+) (\d+)$/,
      'DAY-MINUTE': /^(\d+) (\d+):(\d+)$/,
      'DAY-SECOND': /^(\d+) (\d+):(\d+):(\d+(?:\.\d+)?)$/,
      'HOUR-MINUTE': /^(\d+):(\d+)$/,
      'HOUR-SECOND': /^(\d+):(\d+):(\d+(?:\.\d+)?)$/,
      'MINUTE-SECOND': /^(\d+):(\d+(?:\.\d+)?)$/,
    };
    const key = `${from}-${to}`;
    const re = patterns[key];
    if (!re) throw intervalError(e, 'a supported range (DAY TO HOUR/MINUTE/SECOND, HOUR TO MINUTE/SECOND, MINUTE TO SECOND)');
    const m = re.exec(text);
    if (!m) throw intervalError(e, { 'DAY-HOUR': "'d h'", 'DAY-MINUTE': "'d h:m'", 'DAY-SECOND': "'d h:m:s'", 'HOUR-MINUTE': "'h:m'", 'HOUR-SECOND': "'h:m:s'", 'MINUTE-SECOND': "'m:s'" }[key]!);
    const nums = m.slice(1).map(Number);
    const units = key.startsWith('DAY') ? [MS_PER_DAY, 3_600_000, 60_000, 1000] : key.startsWith('HOUR') ? [3_600_000, 60_000, 1000] : [60_000, 1000];
    ms = nums.reduce((acc, n, i) => acc + n * units[i]!, 0);
  }
  return literal(sign * ms, notNull(T.intervalDayTime()));
}
