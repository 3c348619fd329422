/**
 * DECIMAL(p, s) values are exact: a value is its unscaled integer (an Int64: number when safe, else bigint)
 * and the scale lives in the type. 12.34 as DECIMAL(5, 2) is the integer 1234.
 */
import { FreshetError, SqlState } from '../util/errors.ts';
import { type Int64, normalize, toBig, MAX_SAFE } from './int64.ts';

const POW10_NUM: number[] = [];
for (let i = 0; i <= 15; i++) POW10_NUM.push(10 ** i);
const POW10_BIG: bigint[] = [];
for (let i = 0; i <= 80; i++) POW10_BIG.push(10n ** BigInt(i));

export function pow10Big(n: number): bigint {
  return POW10_BIG[n] ?? 10n ** BigInt(n);
}

export function decimalOverflow(precision: number, scale: number): FreshetError {
  return new FreshetError(SqlState.numericOverflow, `value out of range for DECIMAL(${precision}, ${scale})`, {
    hint: 'Use a wider DECIMAL type or DOUBLE.',
  });
}

/** Throws if the unscaled value needs more than `precision` digits. */
export function checkPrecision(v: Int64, precision: number, scale: number): Int64 {
  if (typeof v === 'number') {
    if (precision >= 16 || Math.abs(v) < POW10_NUM[precision]!) return v;
    throw decimalOverflow(precision, scale);
  }
  const lim = pow10Big(precision);
  if (v >= lim || v <= -lim) throw decimalOverflow(precision, scale);
  return v;
}

/** Changes the scale of an unscaled value, rounding half away from zero when it shrinks. */
export function rescale(v: Int64, from: number, to: number): Int64 {
  if (from === to) return v;
  if (to > from) {
    const d = to - from;
    if (typeof v === 'number' && d <= 15) {
      const r = v * POW10_NUM[d]!;
      if (Math.abs(r) <= MAX_SAFE) return r;
    }
    return normalize(toBig(v) * pow10Big(d));
  }
  return divRoundHalfUp(toBig(v), pow10Big(from - to));
}

/** Integer division of bigints rounding half away from zero. */
export function divRoundHalfUp(a: bigint, b: bigint): Int64 {
  if (b === 0n) throw new FreshetError(SqlState.divisionByZero, 'division by zero');
  let q = a / b;
  const r = a % b;
  if (r !== 0n) {
    const twice = (r < 0n ? -r : r) * 2n;
    const bb = b < 0n ? -b : b;
    if (twice >= bb) q += (a < 0n) !== (b < 0n) ? -1n : 1n;
  }
  return normalize(q);
}

/** Parses "12.345", "-1e3", ".5" into an unscaled value at `scale` (rounding half up), or throws. */
export function parseDecimal(text: string, precision: number, scale: number): Int64 {
  const s = text.trim();
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) {
    throw new FreshetError(SqlState.invalidTextRepresentation, `invalid input syntax for type DECIMAL(${precision}, ${scale}): "${text}"`);
  }
  const sign = m[1] === '-' ? -1n : 1n;
  const intPart = m[2] || '0';
  const frac = m[3] ?? '';
  const exp = m[4] ? parseInt(m[4], 10) : 0;
  let digits = BigInt(intPart + frac);
  let curScale = frac.length - exp;
  let v: Int64;
  if (curScale < 0) {
    digits *= pow10Big(-curScale);
    curScale = 0;
  }
  v = rescale(normalize(digits), curScale, scale);
  v = typeof v === 'number' ? (sign < 0n ? -v || 0 : v) : normalize(sign * v);
  return checkPrecision(v, precision, scale);
}

/** Formats an unscaled value with `scale` digits after the point ("12.30", "-0.05", "7"). */
export function formatDecimal(v: Int64, scale: number): string {
  if (scale === 0) return String(v);
  const neg = typeof v === 'number' ? v < 0 : v < 0n;
  let digits = (typeof v === 'number' ? Math.abs(v) : (v < 0n ? -v : v)).toString();
  if (digits.length <= scale) digits = '0'.repeat(scale - digits.length + 1) + digits;
  const out = digits.slice(0, digits.length - scale) + '.' + digits.slice(digits.length - scale);
  return neg ? '-' + out : out;
}

/** Converts an unscaled value to the nearest double. */
export function decimalToDouble(v: Int64, scale: number): number {
  if (typeof v === 'number' && scale <= 15) return v / POW10_NUM[scale]!;
  return Number(formatDecimal(v, scale));
}

/** Converts a double to an unscaled value at `scale` (half up), checking precision. */
export function decimalFromDouble(d: number, precision: number, scale: number): Int64 {
  if (!Number.isFinite(d)) throw decimalOverflow(precision, scale);
  if (scale <= 15) {
    const scaled = d * POW10_NUM[scale]!;
    if (Math.abs(scaled) < 2 ** 52) {
      const r = Math.sign(scaled) * Math.round(Math.abs(scaled));
      return checkPrecision(r === 0 ? 0 : r, precision, scale);
    }
  }
  return parseDecimal(String(d), precision, scale);
}

export function compareDecimal(a: Int64, sa: number, b: Int64, sb: number): number {
  if (sa !== sb) {
    const s = Math.max(sa, sb);
    a = rescale(a, sa, s);
    b = rescale(b, sb, s);
  }
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const x = toBig(a);
  const y = toBig(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
