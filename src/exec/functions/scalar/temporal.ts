/**
 * Date and time functions. CURRENT_TIMESTAMP and friends are fixed for the whole statement (the
 * statement's start time). TIMESTAMP_LTZ values are read in the session time zone
 * (`table.local-time-zone`) wherever fields (hour, day, ...) are taken from them.
 */
import type { DataType } from '../../../types/data-type.ts';
import { T, withNullable, notNull, typeToString, isTimestamp, isCharacter, isNumeric, withTimeAttribute } from '../../../types/data-type.ts';
import type { ArgInfo, FunctionModule, Resolved, ScalarFunction, GenContext } from '../function.ts';
import { signatures } from '../function.ts';
import {
  MS_PER_DAY, civilFromDays, daysFromCivil, fieldsOfMillis, instantToLocal, localToInstant, parseTimestampParts, daysInMonth,
} from '../../../types/temporal.ts';
import { dateFormatter, dateParser } from '../../../types/datetime-pattern.ts';
import { FreshetError, SqlState } from '../../../util/errors.ts';
import { type Int64, toBig } from '../../../types/int64.ts';
import { decimalToDouble } from '../../../types/decimal.ts';

const DEFAULT_TS_FORMAT = 'yyyy-MM-dd HH:mm:ss';

/** Wall-clock milliseconds of any datetime value (DATE → midnight; LTZ → local time in zone). */
function wallMillis(kind: string, v: number, zone: string): number {
  switch (kind) {
    case 'DATE': return v * MS_PER_DAY;
    case 'TIMESTAMP_LTZ': return instantToLocal(v, zone);
    default: return v;
  }
}

const UNITS = new Set(['MILLENNIUM', 'CENTURY', 'DECADE', 'YEAR', 'QUARTER', 'MONTH', 'WEEK', 'DAY', 'HOUR', 'MINUTE', 'SECOND',
  'MILLISECOND', 'MICROSECOND', 'NANOSECOND', 'DOW', 'DOY', 'ISODOW', 'ISOYEAR', 'EPOCH']);

function isoWeekAndYear(days: number): { week: number; year: number } {
  const dow = ((days % 7) + 7 + 3) % 7; // 0 = Monday
  const thursday = days - dow + 3;
  const { year } = civilFromDays(thursday);
  const jan1 = daysFromCivil(year, 1, 1);
  return { week: Math.floor((thursday - jan1) / 7) + 1, year };
}

/** EXTRACT(unit FROM value). */
function extract(unit: string, kind: string, v: number, zone: string): number {
  if (kind === 'INTERVAL_YEAR_MONTH') {
    switch (unit) {
      case 'YEAR': return Math.trunc(v / 12);
      case 'MONTH': return v % 12;
      case 'QUARTER': return Math.trunc((v % 12) / 3) + 1;
      default: throw badUnit(unit, 'INTERVAL YEAR TO MONTH');
    }
  }
  if (kind === 'INTERVAL_DAY_TIME') {
    switch (unit) {
      case 'DAY': return Math.trunc(v / MS_PER_DAY);
      case 'HOUR': return Math.trunc((v % MS_PER_DAY) / 3_600_000);
      case 'MINUTE': return Math.trunc((v % 3_600_000) / 60_000);
      case 'SECOND': return Math.trunc((v % 60_000) / 1000);
      case 'MILLISECOND': return Math.trunc(v % 60_000);
      case 'EPOCH': return Math.trunc(v / 1000);
      default: throw badUnit(unit, 'INTERVAL DAY TO SECOND');
    }
  }
  if (kind === 'TIME') {
    switch (unit) {
      case 'HOUR': return Math.floor(v / 3_600_000);
      case 'MINUTE': return Math.floor((v % 3_600_000) / 60_000);
      case 'SECOND': return Math.floor((v % 60_000) / 1000);
      case 'MILLISECOND': return Math.floor(v % 60_000);
      case 'MICROSECOND': return Math.floor((v % 60_000) * 1000);
      case 'EPOCH': return Math.floor(v / 1000);
      default: throw badUnit(unit, 'TIME');
    }
  }
  const ms = wallMillis(kind, v, zone);
  const f = fieldsOfMillis(ms);
  const days = Math.floor(ms / MS_PER_DAY);
  switch (unit) {
    case 'YEAR': return f.year;
    case 'QUARTER': return Math.floor((f.month - 1) / 3) + 1;
    case 'MONTH': return f.month;
    case 'WEEK': return isoWeekAndYear(days).week;
    case 'DAY': return f.day;
    case 'HOUR': return f.hour;
    case 'MINUTE': return f.minute;
    case 'SECOND': return f.second;
    case 'MILLISECOND': return f.second * 1000 + Math.floor(f.micros / 1000);
    case 'MICROSECOND': return f.second * 1_000_000 + f.micros;
    case 'NANOSECOND': return (f.second * 1_000_000 + f.micros) * 1000;
    case 'DOW': return (((days % 7) + 7 + 4) % 7) + 1; // 1 = Sunday
    case 'ISODOW': return (((days % 7) + 7 + 3) % 7) + 1; // 1 = Monday
    case 'DOY': return days - daysFromCivil(f.year, 1, 1) + 1;
    case 'ISOYEAR': return isoWeekAndYear(days).year;
    case 'EPOCH': return Math.floor((kind === 'TIMESTAMP_LTZ' ? v : ms) / 1000);
    case 'DECADE': return Math.floor(f.year / 10);
    case 'CENTURY': return f.year > 0 ? Math.floor((f.year - 1) / 100) + 1 : Math.floor(f.year / 100);
    case 'MILLENNIUM': return f.year > 0 ? Math.floor((f.year - 1) / 1000) + 1 : Math.floor(f.year / 1000);
    default: throw badUnit(unit, kind);
  }
}

function badUnit(unit: string, type: string): FreshetError {
  return new FreshetError(SqlState.invalidParameterValue, `cannot extract ${unit} from ${type}`);
}

const UNIT_MS: Record<string, number> = { MILLISECOND: 1, SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: MS_PER_DAY, WEEK: 7 * MS_PER_DAY };

/** FLOOR/CEIL(value TO unit), on the wall-clock reading. */
function floorTime(unit: string, kind: string, v: number, zone: string, ceil: boolean): number {
  const ms = wallMillis(kind, v, zone);
  let r: number;
  const step = UNIT_MS[unit];
  if (step !== undefined) {
    const origin = unit === 'WEEK' ? -4 * MS_PER_DAY : 0; // weeks start on Sunday (1970-01-04 was one)
    r = Math.floor((ms - origin) / step) * step + origin;
    if (ceil && r !== ms) r += step;
  } else {
    const f = fieldsOfMillis(ms);
    let y = f.year;
    let m = f.month;
    if (unit === 'YEAR') m = 1;
    else if (unit === 'QUARTER') m = Math.floor((m - 1) / 3) * 3 + 1;
    else if (unit === 'DECADE') { y = Math.floor(y / 10) * 10; m = 1; }
    else if (unit === 'CENTURY') { y = Math.floor((y - 1) / 100) * 100 + 1; m = 1; }
    else if (unit === 'MILLENNIUM') { y = Math.floor((y - 1) / 1000) * 1000 + 1; m = 1; }
    else if (unit !== 'MONTH') throw new FreshetError(SqlState.invalidParameterValue, `cannot round a datetime to ${unit}`);
    r = daysFromCivil(y, m, 1) * MS_PER_DAY;
    if (ceil && r !== ms) {
      const months = unit === 'YEAR' ? 12 : unit === 'QUARTER' ? 3 : unit === 'DECADE' ? 120 : unit === 'CENTURY' ? 1200 : unit === 'MILLENNIUM' ? 12000 : 1;
      const total = y * 12 + (m - 1) + months;
      r = daysFromCivil(Math.floor(total / 12), (total % 12) + 1, 1) * MS_PER_DAY;
    }
  }
  if (kind === 'DATE') return Math.floor(r / MS_PER_DAY);
  if (kind === 'TIMESTAMP_LTZ') return localToInstant(r, zone);
  return r;
}

function addUnits(unit: string, n: number, kind: string, v: number): number {
  const months = unit === 'YEAR' ? 12 * n : unit === 'QUARTER' ? 3 * n : unit === 'MONTH' ? n : 0;
  if (months !== 0 || unit === 'YEAR' || unit === 'QUARTER' || unit === 'MONTH') {
    const ms = kind === 'DATE' ? v * MS_PER_DAY : v;
    const days = Math.floor(ms / MS_PER_DAY);
    const rest = ms - days * MS_PER_DAY;
    const { year, month, day } = civilFromDays(days);
    const total = year * 12 + month - 1 + months;
    const y = Math.floor(total / 12);
    const mo = total - y * 12 + 1;
    const nd = daysFromCivil(y, mo, Math.min(day, daysInMonth(y, mo)));
    return kind === 'DATE' ? nd : nd * MS_PER_DAY + rest;
  }
  const step = UNIT_MS[unit] ?? (unit === 'MICROSECOND' ? 0.001 : unit === 'NANOSECOND' ? 0.000001 : undefined);
  if (step === undefined) throw new FreshetError(SqlState.invalidParameterValue, `TIMESTAMPADD does not support unit ${unit}`);
  if (kind === 'DATE') return Math.floor((v * MS_PER_DAY + n * step) / MS_PER_DAY);
  return v + n * step;
}

function diffUnits(unit: string, kind: string, a: number, b: number, zone: string): number {
  const x = wallMillis(kind, a, zone);
  const y = wallMillis(kind, b, zone);
  if (unit === 'YEAR' || unit === 'QUARTER' || unit === 'MONTH') {
    const fa = fieldsOfMillis(x);
    const fb = fieldsOfMillis(y);
    let months = (fb.year - fa.year) * 12 + (fb.month - fa.month);
    const restA = x - daysFromCivil(fa.year, fa.month, 1) * MS_PER_DAY;
    const restB = y - daysFromCivil(fb.year, fb.month, 1) * MS_PER_DAY;
    if (months > 0 && restB < restA) months--;
    if (months < 0 && restB > restA) months++;
    return Math.trunc(months / (unit === 'YEAR' ? 12 : unit === 'QUARTER' ? 3 : 1));
  }
  const step = UNIT_MS[unit];
  if (step === undefined) throw new FreshetError(SqlState.invalidParameterValue, `TIMESTAMPDIFF does not support unit ${unit}`);
  return Math.trunc((y - x) / step);
}

function unitArg(name: string, a: ArgInfo | undefined): string | undefined {
  if (!a || !a.isLiteral || typeof a.value !== 'string' || !UNITS.has(a.value)) return undefined;
  void name;
  return a.value;
}

function datetimeKind(t: DataType): boolean {
  return t.kind === 'DATE' || t.kind === 'TIME' || isTimestamp(t);
}

const extractFn: ScalarFunction = {
  name: 'extract',
  syntax: 'EXTRACT(unit FROM datetime or interval): BIGINT',
  resolve(args) {
    const unit = unitArg('extract', args[0]);
    const t = args[1]?.type;
    if (!unit || !t) return 'EXTRACT needs a time unit and a value: EXTRACT(YEAR FROM ts)';
    if (!datetimeKind(t) && t.kind !== 'INTERVAL_DAY_TIME' && t.kind !== 'INTERVAL_YEAR_MONTH' && t.kind !== 'NULL') return `cannot EXTRACT from ${typeToString(t, false)}`;
    return { type: withNullable(T.bigint(), t.nullable), info: unit };
  },
  nulls: 'strict',
  gen: (args, ctx) => `$.extract(${JSON.stringify(ctx.info)}, ${JSON.stringify(ctx.argTypes[1]!.kind)}, ${args[1]}, ${JSON.stringify(ctx.timeZone)})`,
};

function fieldFn(name: string, unit: string): ScalarFunction {
  return {
    name,
    syntax: `${name.toUpperCase()}(datetime): BIGINT`,
    resolve(args) {
      const t = args[0]?.type;
      if (args.length !== 1 || !t || (!datetimeKind(t) && t.kind !== 'NULL')) return `${name.toUpperCase()} needs one DATE, TIME or TIMESTAMP argument`;
      return { type: withNullable(T.bigint(), t.nullable) };
    },
    nulls: 'strict',
    gen: (args, ctx) => `$.extract(${JSON.stringify(unit)}, ${JSON.stringify(ctx.argTypes[0]!.kind)}, ${args[0]}, ${JSON.stringify(ctx.timeZone)})`,
  };
}

function floorCeilTime(name: 'floor_time' | 'ceil_time'): ScalarFunction {
  return {
    name,
    syntax: `${name === 'floor_time' ? 'FLOOR' : 'CEIL'}(datetime TO unit)`,
    resolve(args) {
      const unit = unitArg(name, args[0]);
      const t = args[1]?.type;
      if (!unit || !t || (!datetimeKind(t) || t.kind === 'TIME')) return `${name === 'floor_time' ? 'FLOOR' : 'CEIL'}(x TO unit) needs a DATE or TIMESTAMP`;
      return { type: t.timeAttribute ? withNullable({ ...t, timeAttribute: undefined } as DataType, t.nullable) : t, info: unit };
    },
    nulls: 'strict',
    gen: (args, ctx) => `$.floorTime(${JSON.stringify(ctx.info)}, ${JSON.stringify(ctx.argTypes[1]!.kind)}, ${args[1]}, ${JSON.stringify(ctx.timeZone)}, ${name === 'ceil_time'})`,
  };
}

const timestampAdd: ScalarFunction = {
  name: 'timestampadd',
  syntax: 'TIMESTAMPADD(unit, n, datetime)',
  resolve(args) {
    const unit = unitArg('timestampadd', args[0]);
    const n = args[1]?.type;
    const t = args[2]?.type;
    if (!unit || !n || !t) return 'TIMESTAMPADD needs (unit, integer, datetime)';
    if (!isNumeric(n) && n.kind !== 'NULL') return `the second argument of TIMESTAMPADD must be an integer, got ${typeToString(n, false)}`;
    if (!datetimeKind(t) || t.kind === 'TIME') return `TIMESTAMPADD needs a DATE or TIMESTAMP, got ${typeToString(t, false)}`;
    const rt = t.kind === 'DATE' && (UNIT_MS[unit] !== undefined && unit !== 'DAY' && unit !== 'WEEK') ? T.timestamp(3) : t;
    return { type: withNullable({ ...rt, timeAttribute: undefined } as DataType, n.nullable || t.nullable), argTypes: [args[0]!.type, T.bigint(), t.kind === 'DATE' && rt.kind !== 'DATE' ? T.timestamp(3) : t], info: unit };
  },
  nulls: 'strict',
  gen: (args, ctx) => `$.addUnits(${JSON.stringify(ctx.info)}, Number(${args[1]}), ${JSON.stringify(ctx.argTypes[2]!.kind)}, ${args[2]})`,
};

const timestampDiff: ScalarFunction = {
  name: 'timestampdiff',
  syntax: 'TIMESTAMPDIFF(unit, from, to): INT',
  resolve(args) {
    const unit = unitArg('timestampdiff', args[0]);
    const a = args[1]?.type;
    const b = args[2]?.type;
    if (!unit || !a || !b) return 'TIMESTAMPDIFF needs (unit, datetime, datetime)';
    if (!datetimeKind(a) || !datetimeKind(b)) return `TIMESTAMPDIFF needs two datetimes, got ${typeToString(a, false)} and ${typeToString(b, false)}`;
    const common = a.kind === b.kind ? a : T.timestamp(3);
    return { type: withNullable(T.int(), a.nullable || b.nullable), argTypes: [args[0]!.type, common, common], info: unit };
  },
  nulls: 'strict',
  gen: (args, ctx) => `$.diffUnits(${JSON.stringify(ctx.info)}, ${JSON.stringify(ctx.argTypes[1]!.kind)}, ${args[1]}, ${args[2]}, ${JSON.stringify(ctx.timeZone)})`,
};

function nowFn(name: string, type: DataType, code: (ctx: GenContext) => string, aliases: string[] = []): ScalarFunction {
  return {
    name,
    aliases,
    syntax: `${name.toUpperCase()}`,
    resolve: (args) => (args.length === 0 ? { type: notNull(type) } : `${name.toUpperCase()} takes no arguments`),
    nulls: 'strict',
    dynamic: true,
    gen: (_args, ctx) => code(ctx),
  };
}

const dateFormat: ScalarFunction = {
  name: 'date_format',
  syntax: "DATE_FORMAT(timestamp or string, 'yyyy-MM-dd HH:mm:ss')",
  resolve(args) {
    if (args.length !== 2) return "DATE_FORMAT needs (timestamp, format)";
    const t = args[0]!.type;
    if (!datetimeKind(t) && !isCharacter(t) && t.kind !== 'NULL') return `DATE_FORMAT needs a TIMESTAMP or STRING, got ${typeToString(t, false)}`;
    if (!isCharacter(args[1]!.type) && args[1]!.type.kind !== 'NULL') return 'the format of DATE_FORMAT must be a STRING';
    if (args[1]!.isLiteral && typeof args[1]!.value === 'string') dateFormatter(args[1]!.value);
    return { type: withNullable(T.string(), args.some((a) => a.type.nullable) || isCharacter(t)) };
  },
  nulls: 'strict',
  mayReturnNull: true,
  gen(args, ctx) {
    const k = ctx.argTypes[0]!.kind;
    if (k === 'CHAR' || k === 'VARCHAR') return `$.formatStringTs(${args[0]}, ${args[1]})`;
    return `$.dateFormatter(${args[1]})($.wallMillis(${JSON.stringify(k)}, ${args[0]}, ${JSON.stringify(ctx.timeZone)}))`;
  },
};

const toTimestamp: ScalarFunction = {
  name: 'to_timestamp',
  syntax: "TO_TIMESTAMP(s [, format]): TIMESTAMP(3), NULL if s does not match",
  resolve: signatures('to_timestamp', { params: ['string', 'string'], minArgs: 1, result: T.timestamp(3), nullableResult: true }),
  nulls: 'strict',
  mayReturnNull: true,
  gen: (args) => `$.parseWith(${args[0]}, ${args[1] ?? JSON.stringify(DEFAULT_TS_FORMAT)})`,
};

const toDate: ScalarFunction = {
  name: 'to_date',
  syntax: "TO_DATE(s [, format]): DATE, NULL if s does not match",
  resolve: signatures('to_date', { params: ['string', 'string'], minArgs: 1, result: T.date(), nullableResult: true }),
  nulls: 'strict',
  mayReturnNull: true,
  gen: (args) => `$.toDays($.parseWith(${args[0]}, ${args[1] ?? '"yyyy-MM-dd"'}))`,
};

const toTimestampLtz: ScalarFunction = {
  name: 'to_timestamp_ltz',
  syntax: 'TO_TIMESTAMP_LTZ(epoch, precision): precision 0 = seconds, 3 = milliseconds; or TO_TIMESTAMP_LTZ(s [, format])',
  resolve(args) {
    const a = args[0]?.type;
    if (!a) return 'TO_TIMESTAMP_LTZ needs an epoch number and a precision';
    if (isNumeric(a) || a.kind === 'NULL') {
      const p = args[1];
      if (p && p.isLiteral && p.value !== 0 && p.value !== 3 && Number(p.value) !== 0 && Number(p.value) !== 3) {
        return `the precision of TO_TIMESTAMP_LTZ must be 0 (seconds) or 3 (milliseconds), got ${String(p.value)}`;
      }
      return { type: withNullable(T.timestampLtz(3), args.some((x) => x.type.nullable)), argTypes: [T.double(), T.int()].slice(0, args.length), info: 'numeric' };
    }
    if (isCharacter(a)) return { type: withNullable(T.timestampLtz(3), true), info: 'string' };
    return `TO_TIMESTAMP_LTZ needs a number or a STRING, got ${typeToString(a, false)}`;
  },
  nulls: 'strict',
  mayReturnNull: true,
  gen(args, ctx) {
    if (ctx.info === 'string') return `$.ltzFromString(${args[0]}, ${args[1] ?? JSON.stringify(DEFAULT_TS_FORMAT)}, ${JSON.stringify(ctx.timeZone)})`;
    return `((${args[1] ?? 3}) === 0 ? ${args[0]} * 1000 : Math.floor(${args[0]}))`;
  },
};

const unixTimestamp: ScalarFunction = {
  name: 'unix_timestamp',
  syntax: "UNIX_TIMESTAMP() or UNIX_TIMESTAMP(s [, format]): seconds since epoch (s read in the session time zone)",
  resolve(args) {
    if (args.length === 0) return { type: notNull(T.bigint()), info: 'now' };
    const r = signatures('unix_timestamp', { params: ['string', 'string'], minArgs: 1, result: T.bigint(), nullableResult: true })(args);
    return r;
  },
  nulls: 'strict',
  mayReturnNull: true,
  dynamic: true,
  gen(args, ctx) {
    if (args.length === 0) return String(Math.floor(ctx.now / 1000));
    return `$.unixTimestamp(${args[0]}, ${args[1] ?? JSON.stringify(DEFAULT_TS_FORMAT)}, ${JSON.stringify(ctx.timeZone)})`;
  },
};

const fromUnixtime: ScalarFunction = {
  name: 'from_unixtime',
  syntax: "FROM_UNIXTIME(seconds [, format]): STRING in the session time zone",
  resolve: signatures('from_unixtime', { params: ['numeric', 'string'], minArgs: 1, result: T.string() }),
  nulls: 'strict',
  gen: (args, ctx) => `$.dateFormatter(${args[1] ?? JSON.stringify(DEFAULT_TS_FORMAT)})($.wallMillis('TIMESTAMP_LTZ', Number(${args[0]}) * 1000, ${JSON.stringify(ctx.timeZone)}))`,
};

const convertTz: ScalarFunction = {
  name: 'convert_tz',
  syntax: "CONVERT_TZ(s, fromZone, toZone): re-reads a 'yyyy-MM-dd HH:mm:ss' string in another zone",
  resolve: signatures('convert_tz', { params: ['string', 'string', 'string'], result: T.string(), nullableResult: true }),
  nulls: 'strict',
  mayReturnNull: true,
  gen: (args) => `$.convertTz(${args[0]}, ${args[1]}, ${args[2]})`,
};

const proctime: ScalarFunction = {
  name: 'proctime',
  syntax: 'PROCTIME(): processing time, a TIMESTAMP_LTZ(3) time attribute',
  resolve: (args) => (args.length === 0 ? { type: withTimeAttribute(notNull(T.timestampLtz(3)), 'PROCTIME') } : 'PROCTIME takes no arguments'),
  nulls: 'strict',
  dynamic: true,
  // a streaming job reads its clock (the wall clock, or a test's manual clock); a bounded run uses its start
  gen: (_args, ctx) => (ctx.clock ? `${ctx.constant(ctx.clock)}.now()` : String(ctx.now)),
};

export const temporal: FunctionModule = {
  functions: [
    extractFn, floorCeilTime('floor_time'), floorCeilTime('ceil_time'), timestampAdd, timestampDiff,
    fieldFn('year', 'YEAR'), fieldFn('quarter', 'QUARTER'), fieldFn('month', 'MONTH'), fieldFn('week', 'WEEK'),
    fieldFn('dayofyear', 'DOY'), fieldFn('dayofmonth', 'DAY'), fieldFn('dayofweek', 'DOW'), fieldFn('hour', 'HOUR'),
    fieldFn('minute', 'MINUTE'), fieldFn('second', 'SECOND'),
    nowFn('current_timestamp', T.timestampLtz(3), (c) => String(c.now), ['now']),
    nowFn('localtimestamp', T.timestamp(3), (c) => String(instantToLocal(c.now, c.timeZone))),
    nowFn('current_date', T.date(), (c) => String(Math.floor(instantToLocal(c.now, c.timeZone) / MS_PER_DAY))),
    nowFn('current_time', T.time(0), (c) => String(Math.floor((((instantToLocal(c.now, c.timeZone) % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY) / 1000) * 1000), ['localtime']),
    dateFormat, toTimestamp, toDate, toTimestampLtz, unixTimestamp, fromUnixtime, convertTz, proctime,
  ],
  helpers: {
    extract, floorTime, addUnits, diffUnits, wallMillis, dateFormatter,
    parseWith(s: string, fmt: string): number | null {
      return dateParser(fmt)(s);
    },
    toDays(ms: number | null): number | null {
      return ms === null ? null : Math.floor(ms / MS_PER_DAY);
    },
    formatStringTs(s: string, fmt: string): string | null {
      try {
        return dateFormatter(fmt)(parseTimestampParts(s).ms);
      } catch {
        return null;
      }
    },
    ltzFromString(s: string, fmt: string, zone: string): number | null {
      const ms = dateParser(fmt)(s);
      return ms === null ? null : localToInstant(ms, zone);
    },
    unixTimestamp(s: string, fmt: string, zone: string): number | null {
      const ms = dateParser(fmt)(s);
      return ms === null ? null : Math.floor(localToInstant(ms, zone) / 1000);
    },
    convertTz(s: string, from: string, to: string): string | null {
      const ms = dateParser(DEFAULT_TS_FORMAT)(s);
      if (ms === null) return null;
      return dateFormatter(DEFAULT_TS_FORMAT)(instantToLocal(localToInstant(ms, from), to));
    },
    decimalSeconds(v: Int64, scale: number): number {
      return decimalToDouble(v, scale);
    },
  },
};

void toBig;
void (null as unknown as Resolved);
