/**
 * CAST between types, as functions specialised once per (from, to) pair: `makeCast(from, to)` returns
 * a function over non-null values that throws a FreshetError (SQLSTATE 22xxx) when a value cannot be
 * converted. TRY_CAST wraps it to return null instead. Connectors use the string casts to parse text.
 */
import type { DataType } from './data-type.ts';
import { isCharacter, isInteger, isNumeric, typeToString, typesEqualIgnoringNull, isBinary } from './data-type.ts';
import { FreshetError, SqlState } from '../util/errors.ts';
import { checkIntRange, int64FromDouble, parseInt64, type Int64, toBig, normalize, INT64_MAX, INT64_MIN, overflow } from './int64.ts';
import { checkPrecision, decimalFromDouble, decimalToDouble, parseDecimal, rescale, formatDecimal, pow10Big } from './decimal.ts';
import { MS_PER_DAY, instantToLocal, localToInstant, parseDate, parseTime, parseTimestampParts, truncateMillis } from './temporal.ts';
import { formatValue } from './value.ts';

export type CastFn = (v: unknown) => unknown;

export interface CastContext {
  /** Session time zone, for conversions involving TIMESTAMP_LTZ. */
  timeZone: string;
}

const identity: CastFn = (v) => v;

export function castError(v: unknown, from: DataType, to: DataType): FreshetError {
  const shown = typeof v === 'string' ? `'${v}'` : formatValue(from, v);
  return new FreshetError(SqlState.invalidTextRepresentation, `cannot cast ${shown} of type ${typeToString(from, false)} to ${typeToString(to, false)}`, {
    hint: 'Use TRY_CAST to get NULL for values that do not convert.',
  });
}

export function unsupportedCast(from: DataType, to: DataType): FreshetError {
  return new FreshetError(SqlState.datatypeMismatch, `cannot cast ${typeToString(from, false)} to ${typeToString(to, false)}`);
}

/** Whether a cast reads the session time zone: one side holds a TIMESTAMP_LTZ (an instant). */
export function castDependsOnTimeZone(from: DataType, to: DataType): boolean {
  const ltz = (t: DataType): boolean => t.kind === 'TIMESTAMP_LTZ' || (t.element !== undefined && ltz(t.element))
    || (t.key !== undefined && ltz(t.key)) || (t.value !== undefined && ltz(t.value)) || (t.fields ?? []).some((f) => ltz(f.type));
  return ltz(from) || ltz(to);
}

/** Whether CAST(from AS to) is allowed at all (checked at plan time). */
export function canCast(from: DataType, to: DataType): boolean {
  try {
    makeCast(from, to, { timeZone: 'UTC' });
    return true;
  } catch {
    return false;
  }
}

function intToDecimal(v: Int64, p: number, s: number): Int64 {
  return checkPrecision(rescale(v, 0, s), p, s);
}

function decimalToInt(v: Int64, scale: number): Int64 {
  if (scale === 0) return v;
  // truncate toward zero, as Flink does
  if (typeof v === 'number' && scale <= 15) return Math.trunc(v / 10 ** scale) || 0;
  return normalize(toBig(v) / pow10Big(scale));
}

function checkBigint(v: Int64): Int64 {
  if (typeof v === 'bigint' && (v > INT64_MAX || v < INT64_MIN)) throw overflow('BIGINT');
  return v;
}

const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', '1', 'on']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', '0', 'off']);

/** A cast function from one type to another, or throws if the cast is not allowed. */
export function makeCast(from: DataType, to: DataType, ctx: CastContext): CastFn {
  if (from.kind === 'NULL') return identity;
  if (typesEqualIgnoringNull(from, to)) return identity;
  const k = to.kind;
  const f = from.kind;
  const str = isCharacter(from);
  const fail = (v: unknown): never => { throw castError(v, from, to); };

  switch (k) {
    case 'BOOLEAN':
      if (str) return (v) => {
        const w = (v as string).trim().toLowerCase();
        if (TRUE_WORDS.has(w)) return true;
        if (FALSE_WORDS.has(w)) return false;
        return fail(v);
      };
      if (isInteger(from) || f === 'FLOAT' || f === 'DOUBLE') return (v) => v !== 0 && v !== 0n;
      if (f === 'DECIMAL') return (v) => v !== 0 && v !== 0n;
      break;
    case 'TINYINT': case 'SMALLINT': case 'INT': {
      const kind = k;
      if (isInteger(from)) return (v) => checkIntRange(Number(v), kind);
      if (f === 'DECIMAL') return (v) => checkIntRange(Number(decimalToInt(v as Int64, from.scale ?? 0)), kind);
      if (f === 'FLOAT' || f === 'DOUBLE') return (v) => checkIntRange(Math.trunc(v as number), kind);
      if (f === 'BOOLEAN') return (v) => (v ? 1 : 0);
      if (str) return (v) => {
        const t = (v as string).trim();
        if (!/^[+-]?\d+$/.test(t)) fail(v);
        return checkIntRange(Number(t), kind);
      };
      break;
    }
    case 'BIGINT':
      if (isInteger(from)) return identity;
      if (f === 'DECIMAL') return (v) => checkBigint(decimalToInt(v as Int64, from.scale ?? 0));
      if (f === 'FLOAT' || f === 'DOUBLE') return (v) => int64FromDouble(v as number);
      if (f === 'BOOLEAN') return (v) => (v ? 1 : 0);
      if (str) return (v) => {
        try { return parseInt64(v as string); } catch { return fail(v); }
      };
      if (f === 'TIMESTAMP_LTZ') return (v) => Math.floor((v as number) / 1000);
      break;
    case 'FLOAT': case 'DOUBLE': {
      const round = k === 'FLOAT' ? Math.fround : (x: number) => x;
      if (isInteger(from)) return (v) => round(Number(v));
      if (f === 'DECIMAL') return (v) => round(decimalToDouble(v as Int64, from.scale ?? 0));
      if (f === 'FLOAT' || f === 'DOUBLE') return (v) => round(v as number);
      if (f === 'BOOLEAN') return (v) => (v ? 1 : 0);
      if (str) return (v) => {
        const t = (v as string).trim();
        const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) ? Number(t)
          : /^[+-]?(infinity|inf)$/i.test(t) ? (t.startsWith('-') ? -Infinity : Infinity) : /^nan$/i.test(t) ? NaN : fail(v);
        return round(n as number);
      };
      break;
    }
    case 'DECIMAL': {
      const p = to.precision ?? 10;
      const s = to.scale ?? 0;
      if (isInteger(from)) return (v) => intToDecimal(v as Int64, p, s);
      if (f === 'DECIMAL') { const fs = from.scale ?? 0; return (v) => checkPrecision(rescale(v as Int64, fs, s), p, s); }
      if (f === 'FLOAT' || f === 'DOUBLE') return (v) => decimalFromDouble(v as number, p, s);
      if (f === 'BOOLEAN') return (v) => intToDecimal(v ? 1 : 0, p, s);
      if (str) return (v) => {
        try { return parseDecimal(v as string, p, s); } catch (e) {
          if (e instanceof FreshetError && e.sqlState === SqlState.numericOverflow) throw e;
          return fail(v);
        }
      };
      break;
    }
    case 'CHAR': case 'VARCHAR': {
      const len = to.length ?? Number.MAX_SAFE_INTEGER;
      const pad = k === 'CHAR';
      const fit = (s: string): string => (s.length > len ? s.slice(0, len) : pad && s.length < len ? s.padEnd(len, ' ') : s);
      if (str) return (v) => fit(v as string);
      if (isBinary(from)) return (v) => fit(Buffer.from(v as Uint8Array).toString('utf8'));
      const opts = { timeZone: ctx.timeZone, nullText: 'NULL' };
      return (v) => fit(formatValue(from, v, opts));
    }
    case 'BINARY': case 'VARBINARY':
      if (str) return (v) => new Uint8Array(Buffer.from(v as string, 'utf8'));
      if (isBinary(from)) return identity;
      break;
    case 'DATE':
      if (str) return (v) => parseDate(v as string);
      if (f === 'TIMESTAMP') return (v) => Math.floor((v as number) / MS_PER_DAY);
      if (f === 'TIMESTAMP_LTZ') return (v) => Math.floor(instantToLocal(v as number, ctx.timeZone) / MS_PER_DAY);
      break;
    case 'TIME':
      if (str) return (v) => parseTime(v as string);
      if (f === 'TIMESTAMP') return (v) => { const m = (v as number) % MS_PER_DAY; return m < 0 ? m + MS_PER_DAY : m; };
      if (f === 'TIMESTAMP_LTZ') return (v) => { const m = instantToLocal(v as number, ctx.timeZone) % MS_PER_DAY; return m < 0 ? m + MS_PER_DAY : m; };
      break;
    case 'TIMESTAMP': {
      const p = to.precision ?? 6;
      if (str) return (v) => {
        const parts = parseTimestampParts(v as string, 'TIMESTAMP');
        return truncateMillis(parts.ms, p);
      };
      if (f === 'DATE') return (v) => (v as number) * MS_PER_DAY;
      if (f === 'TIMESTAMP') return (v) => truncateMillis(v as number, p);
      if (f === 'TIMESTAMP_LTZ') return (v) => truncateMillis(instantToLocal(v as number, ctx.timeZone), p);
      break;
    }
    case 'TIMESTAMP_LTZ': {
      const p = to.precision ?? 6;
      if (str) return (v) => {
        const parts = parseTimestampParts(v as string, 'TIMESTAMP_LTZ');
        const ms = parts.offsetMinutes === undefined ? localToInstant(parts.ms, ctx.timeZone) : parts.ms - parts.offsetMinutes * 60_000;
        return truncateMillis(ms, p);
      };
      if (f === 'DATE') return (v) => localToInstant((v as number) * MS_PER_DAY, ctx.timeZone);
      if (f === 'TIMESTAMP') return (v) => truncateMillis(localToInstant(v as number, ctx.timeZone), p);
      if (f === 'TIMESTAMP_LTZ') return (v) => truncateMillis(v as number, p);
      if (isNumeric(from) && f !== 'DECIMAL') return (v) => Number(v) * 1000;
      if (f === 'DECIMAL') return (v) => decimalToDouble(v as Int64, from.scale ?? 0) * 1000;
      break;
    }
    case 'ARRAY': case 'MULTISET':
      if (f === k) {
        const el = makeCast(from.element!, to.element!, ctx);
        return (v) => (v as unknown[]).map((x) => (x === null ? null : el(x)));
      }
      break;
    case 'MAP':
      if (f === 'MAP') {
        const kc = makeCast(from.key!, to.key!, ctx);
        const vc = makeCast(from.value!, to.value!, ctx);
        return (v) => {
          const out = new Map();
          for (const [a, b] of v as Map<unknown, unknown>) out.set(a === null ? null : kc(a), b === null ? null : vc(b));
          return out;
        };
      }
      break;
    case 'ROW':
      if (f === 'ROW' && from.fields!.length === to.fields!.length) {
        const fcs = from.fields!.map((fl, i) => makeCast(fl.type, to.fields![i]!.type, ctx));
        return (v) => (v as unknown[]).map((x, i) => (x === null ? null : fcs[i]!(x)));
      }
      break;
    case 'INTERVAL_DAY_TIME': case 'INTERVAL_YEAR_MONTH':
      if (isInteger(from)) return (v) => Number(v);
      break;
    default:
      break;
  }
  throw unsupportedCast(from, to);
}

/** Formats a decimal for messages. */
export function describeDecimal(v: Int64, scale: number): string {
  return formatDecimal(v, scale);
}
