/**
 * SQL operators: arithmetic (+ - * / %, unary minus) over exact integers, DECIMAL, DOUBLE, dates,
 * timestamps and intervals; comparisons; NOT and the IS predicates; string concatenation; LIKE and
 * SIMILAR TO; IN over a literal list.
 */
import type { DataType } from '../../../types/data-type.ts';
import {
  T, isNumeric, isInteger, isApproximate, isCharacter, decimalShapeOf, boundedDecimal, withNullable, commonType, isExactNumeric,
  typeToString, isTimestamp, isInterval, physicalOf, MAX_DECIMAL_PRECISION,
} from '../../../types/data-type.ts';
import type { ArgInfo, Resolved, ScalarFunction, GenContext, FunctionModule } from '../function.ts';
import { FreshetError, SqlState } from '../../../util/errors.ts';
import {
  addInt64, subInt64, mulInt64, divInt64, modInt64, negInt64, type Int64, toBig, normalize, overflow, divisionByZero, MAX_SAFE,
  addWide, subWide, negWide,
} from '../../../types/int64.ts';
import { checkPrecision, rescale, divRoundHalfUp, pow10Big } from '../../../types/decimal.ts';
import { MS_PER_DAY, civilFromDays, daysFromCivil, daysInMonth } from '../../../types/temporal.ts';
import { comparatorFor, compareStrings, valuesEqual } from '../../../types/value.ts';

// ---------------------------------------------------------------- runtime helpers

function addMonthsToDays(days: number, months: number): number {
  const { year, month, day } = civilFromDays(days);
  const total = year * 12 + (month - 1) + months;
  const y = Math.floor(total / 12);
  const m = total - y * 12 + 1;
  return daysFromCivil(y, m, Math.min(day, daysInMonth(y, m)));
}

function addMonthsToMillis(ms: number, months: number): number {
  const days = Math.floor(ms / MS_PER_DAY);
  const rest = ms - days * MS_PER_DAY;
  return addMonthsToDays(days, months) * MS_PER_DAY + rest;
}

export const operatorHelpers = {
  compareStrings,
  chkI8(v: number): number { if (v > 127 || v < -128) throw overflow('TINYINT'); return v; },
  chkI16(v: number): number { if (v > 32767 || v < -32768) throw overflow('SMALLINT'); return v; },
  chkI32(v: number): number { if (v > 2147483647 || v < -2147483648) throw overflow('INT'); return v; },
  add64: addInt64,
  sub64: subInt64,
  mul64: mulInt64,
  div64: divInt64,
  mod64: modInt64,
  neg64: negInt64,
  divI32(a: number, b: number): number {
    if (b === 0) throw divisionByZero();
    const r = Math.trunc(a / b);
    return r === 0 ? 0 : r;
  },
  modI32(a: number, b: number): number {
    if (b === 0) throw divisionByZero();
    const r = a % b;
    return r === 0 ? 0 : r;
  },
  decAdd(a: Int64, b: Int64, sa: number, sb: number, s: number, p: number): Int64 {
    return checkPrecision(addWide(rescale(a, sa, s), rescale(b, sb, s)), p, s);
  },
  decSub(a: Int64, b: Int64, sa: number, sb: number, s: number, p: number): Int64 {
    return checkPrecision(subWide(rescale(a, sa, s), rescale(b, sb, s)), p, s);
  },
  negWide,
  decMul(a: Int64, b: Int64, rawScale: number, s: number, p: number): Int64 {
    let r: Int64;
    if (typeof a === 'number' && typeof b === 'number') {
      const x = a * b;
      r = x <= MAX_SAFE && x >= -MAX_SAFE ? (x === 0 ? 0 : x) : normalize(BigInt(a) * BigInt(b));
    } else r = normalize(toBig(a) * toBig(b));
    return checkPrecision(rescale(r, rawScale, s), p, s);
  },
  decDiv(a: Int64, b: Int64, sa: number, sb: number, s: number, p: number): Int64 {
    if (b === 0 || b === 0n) throw divisionByZero();
    // a/10^sa ÷ b/10^sb at scale s  =  a·10^(s - sa + sb) ÷ b
    const shift = s - sa + sb;
    const num = shift >= 0 ? toBig(a) * pow10Big(shift) : toBig(a);
    const den = shift >= 0 ? toBig(b) : toBig(b) * pow10Big(-shift);
    return checkPrecision(divRoundHalfUp(num, den), p, s);
  },
  decMod(a: Int64, b: Int64, sa: number, sb: number, s: number): Int64 {
    return modInt64(rescale(a, sa, s), rescale(b, sb, s));
  },
  addMonthsToDays,
  addMonthsToMillis,
  dateAddMillis(days: number, ms: number): number {
    return Math.floor((days * MS_PER_DAY + ms) / MS_PER_DAY);
  },
  timeAddMillis(t: number, ms: number): number {
    const r = (t + ms) % MS_PER_DAY;
    return r < 0 ? r + MS_PER_DAY : r;
  },
  eq: valuesEqual,
  cmpWith(cmp: (a: unknown, b: unknown) => number, a: unknown, b: unknown): number {
    return cmp(a, b);
  },
};


// ---------------------------------------------------------------- arithmetic typing

type ArithMode =
  | { m: 'int'; kind: 'TINYINT' | 'SMALLINT' | 'INT' }
  | { m: 'i64' }
  | { m: 'f64'; float: boolean }
  | { m: 'dec'; sa: number; sb: number; s: number; p: number; raw?: number }
  | { m: 'ts+dt' } | { m: 'ts+ym' } | { m: 'date+dt' } | { m: 'date+ym' } | { m: 'date+int' } | { m: 'time+dt' }
  | { m: 'date-date' } | { m: 'ts-ts' } | { m: 'iv+iv' } | { m: 'iv*n'; ivFirst: boolean; ym: boolean } | { m: 'iv/n'; ym: boolean };

const integerOrder = ['TINYINT', 'SMALLINT', 'INT', 'BIGINT'];

function err(op: string, a: DataType, b: DataType): string {
  return `cannot apply '${op}' to ${typeToString(a, false)} and ${typeToString(b, false)}`;
}

/** Arithmetic on two operands: the result type, the operand types, and how to compute it. */
function resolveArith(op: '+' | '-' | '*' | '/' | '%', args: ArgInfo[]): Resolved | string {
  let a = args[0]!.type;
  let b = args[1]!.type;
  if (a.kind === 'NULL') a = b.kind === 'NULL' ? T.int() : b;
  if (b.kind === 'NULL') b = a;
  const nul = args[0]!.type.nullable || args[1]!.type.nullable;
  const done = (type: DataType, mode: ArithMode, argTypes?: DataType[]): Resolved =>
    ({ type: withNullable(type, nul), argTypes: argTypes?.map((t) => withNullable(t, t.nullable)), info: mode });

  if (isNumeric(a) && isNumeric(b)) {
    if (isApproximate(a) || isApproximate(b)) {
      const float = a.kind === 'FLOAT' && b.kind === 'FLOAT';
      const t = float ? T.float() : T.double();
      return done(t, { m: 'f64', float }, [t, t]);
    }
    if (isInteger(a) && isInteger(b)) {
      const k = integerOrder[Math.max(integerOrder.indexOf(a.kind), integerOrder.indexOf(b.kind))] as 'TINYINT' | 'SMALLINT' | 'INT' | 'BIGINT';
      const t: DataType = { kind: k, nullable: true };
      return done(t, k === 'BIGINT' ? { m: 'i64' } : { m: 'int', kind: k }, [t, t]);
    }
    const da = decimalShapeOf(a);
    const db = decimalShapeOf(b);
    const ta = T.decimal(da.precision, da.scale);
    const tb = T.decimal(db.precision, db.scale);
    const [p1, s1, p2, s2] = [da.precision, da.scale, db.precision, db.scale];
    let rt: DataType;
    let mode: ArithMode;
    switch (op) {
      case '+': case '-': {
        const s = Math.max(s1, s2);
        rt = boundedDecimal(Math.max(p1 - s1, p2 - s2) + s + 1, s);
        mode = { m: 'dec', sa: s1, sb: s2, s: rt.scale!, p: rt.precision! };
        break;
      }
      case '*':
        rt = boundedDecimal(p1 + p2, s1 + s2);
        mode = { m: 'dec', sa: s1, sb: s2, s: rt.scale!, p: rt.precision!, raw: s1 + s2 };
        break;
      case '/': {
        let s = Math.max(6, s1 + p2 + 1);
        let p = p1 - s1 + s2 + s;
        if (p > MAX_DECIMAL_PRECISION) {
          s = Math.max(6, MAX_DECIMAL_PRECISION - (p - s));
          p = MAX_DECIMAL_PRECISION;
        }
        s = Math.min(s, p);
        rt = T.decimal(p, s);
        mode = { m: 'dec', sa: s1, sb: s2, s, p };
        break;
      }
      case '%': {
        const s = Math.max(s1, s2);
        rt = T.decimal(Math.min(Math.min(p1 - s1, p2 - s2) + s, MAX_DECIMAL_PRECISION), s);
        mode = { m: 'dec', sa: s1, sb: s2, s, p: rt.precision! };
        break;
      }
    }
    return done(rt, mode, [ta, tb]);
  }

  const ym = (t: DataType): boolean => t.kind === 'INTERVAL_YEAR_MONTH';
  const dt = (t: DataType): boolean => t.kind === 'INTERVAL_DAY_TIME';
  if (op === '+' || op === '-') {
    // put the datetime first for '+' (INTERVAL + TIMESTAMP)
    if (op === '+' && isInterval(a) && !isInterval(b)) {
      const r = resolveArith('+', [args[1]!, args[0]!]);
      if (typeof r === 'string') return r;
      return { ...r, info: { ...(r.info as object), swap: true } as never };
    }
    if (isTimestamp(a) && dt(b)) return done(a, { m: 'ts+dt' }, [a, b]);
    if (isTimestamp(a) && ym(b)) return done(a, { m: 'ts+ym' }, [a, b]);
    if (a.kind === 'DATE' && dt(b)) return done(T.date(), { m: 'date+dt' }, [a, b]);
    if (a.kind === 'DATE' && ym(b)) return done(T.date(), { m: 'date+ym' }, [a, b]);
    if (a.kind === 'TIME' && dt(b)) return done(a, { m: 'time+dt' }, [a, b]);
    if (a.kind === 'DATE' && isInteger(b)) return done(T.date(), { m: 'date+int' }, [a, T.int()]);
    if (isInterval(a) && a.kind === b.kind) return done(a, { m: 'iv+iv' }, [a, b]);
    if (op === '-' && a.kind === 'DATE' && b.kind === 'DATE') return done(T.int(), { m: 'date-date' }, [a, b]);
    if (op === '-' && isTimestamp(a) && isTimestamp(b)) return done(T.intervalDayTime(), { m: 'ts-ts' }, [a, b.kind === a.kind ? b : a]);
  }
  if (op === '*') {
    if (isInterval(a) && isNumeric(b)) return done(a, { m: 'iv*n', ivFirst: true, ym: ym(a) }, [a, T.double()]);
    if (isNumeric(a) && isInterval(b)) return done(b, { m: 'iv*n', ivFirst: false, ym: ym(b) }, [T.double(), b]);
  }
  if (op === '/' && isInterval(a) && isNumeric(b)) return done(a, { m: 'iv/n', ym: ym(a) }, [a, T.double()]);
  return err(op, args[0]!.type, args[1]!.type);
}

const JS_OP: Record<string, string> = { '+': '+', '-': '-', '*': '*', '/': '/', '%': '%' };

function genArith(op: '+' | '-' | '*' | '/' | '%', args: string[], ctx: GenContext): string {
  const mode = ctx.info as ArithMode & { swap?: boolean };
  let [a, b] = args as [string, string];
  if (mode.swap) [a, b] = [b, a];
  const sign = op === '-' ? '-' : '+';
  switch (mode.m) {
    case 'int': {
      const chk = mode.kind === 'INT' ? '$.chkI32' : mode.kind === 'SMALLINT' ? '$.chkI16' : '$.chkI8';
      if (op === '/') return `${chk}($.divI32(${a}, ${b}))`;
      if (op === '%') return `$.modI32(${a}, ${b})`;
      return `${chk}(${a} ${JS_OP[op]} ${b})`;
    }
    case 'i64': {
      const fn = { '+': '$.add64', '-': '$.sub64', '*': '$.mul64', '/': '$.div64', '%': '$.mod64' }[op];
      return `${fn}(${a}, ${b})`;
    }
    case 'f64': {
      const e = op === '%' ? `(${a} % ${b})` : `(${a} ${JS_OP[op]} ${b})`;
      return mode.float ? `Math.fround${e}` : e;
    }
    case 'dec': {
      switch (op) {
        case '+': return `$.decAdd(${a}, ${b}, ${mode.sa}, ${mode.sb}, ${mode.s}, ${mode.p})`;
        case '-': return `$.decSub(${a}, ${b}, ${mode.sa}, ${mode.sb}, ${mode.s}, ${mode.p})`;
        case '*': return `$.decMul(${a}, ${b}, ${mode.raw}, ${mode.s}, ${mode.p})`;
        case '/': return `$.decDiv(${a}, ${b}, ${mode.sa}, ${mode.sb}, ${mode.s}, ${mode.p})`;
        case '%': return `$.decMod(${a}, ${b}, ${mode.sa}, ${mode.sb}, ${mode.s})`;
      }
      break;
    }
    case 'ts+dt': return `(${a} ${sign} ${b})`;
    case 'ts+ym': return `$.addMonthsToMillis(${a}, ${sign}${b})`;
    case 'date+dt': return `$.dateAddMillis(${a}, ${sign}${b})`;
    case 'date+ym': return `$.addMonthsToDays(${a}, ${sign}${b})`;
    case 'date+int': return `(${a} ${sign} ${b})`;
    case 'time+dt': return `$.timeAddMillis(${a}, ${sign}${b})`;
    case 'iv+iv': return `(${a} ${sign} ${b})`;
    case 'date-date': return `(${a} - ${b})`;
    case 'ts-ts': return `(${a} - ${b})`;
    case 'iv*n': {
      const e = mode.ivFirst ? `${a} * ${b}` : `${a} * ${b}`;
      return mode.ym ? `Math.trunc(${e})` : `Math.round(${e})`;
    }
    case 'iv/n': return mode.ym ? `Math.trunc(${a} / ${b})` : `Math.round(${a} / ${b})`;
  }
  throw new FreshetError(SqlState.internalError, 'bad arithmetic mode');
}

function arith(op: '+' | '-' | '*' | '/' | '%', name: string): ScalarFunction {
  return {
    name: op,
    aliases: name === 'mod' ? ['mod'] : [],
    syntax: op === '%' ? 'a % b, MOD(a, b)' : `a ${op} b`,
    resolve: (args) => (args.length === 2 ? resolveArith(op, args) : `${name === 'mod' ? 'MOD' : `'${op}'`} takes two arguments, got ${args.length}`),
    nulls: 'strict',
    gen: (args, ctx) => genArith(op, args, ctx),
  };
}

const negate: ScalarFunction = {
  name: 'negate',
  syntax: '-a',
  resolve(args) {
    const t = args[0]!.type;
    if (isNumeric(t) || isInterval(t) || t.kind === 'NULL') return { type: t.kind === 'NULL' ? T.int() : t };
    return `cannot negate ${typeToString(t, false)}`;
  },
  nulls: 'strict',
  gen(args, ctx) {
    const t = ctx.resultType;
    if (t.kind === 'BIGINT') return `$.neg64(${args[0]})`;
    // DECIMAL(38) values may exceed 64 bits; negation cannot overflow their precision
    if (t.kind === 'DECIMAL') return `$.negWide(${args[0]})`;
    if (t.kind === 'INT') return `$.chkI32(-${args[0]})`;
    if (t.kind === 'SMALLINT') return `$.chkI16(-${args[0]})`;
    if (t.kind === 'TINYINT') return `$.chkI8(-${args[0]})`;
    return `(0 - ${args[0]})`;
  },
};

// ---------------------------------------------------------------- comparison

/** The type both sides of a comparison are cast to, or an error message. */
/**
 * Whether an exact numeric literal converts to `target` without changing its value. Comparing a column
 * with such a literal can then convert the literal instead of the column, which keeps the column bare
 * so the comparison can be pushed into scans (partition and file pruning).
 */
function literalFits(arg: ArgInfo, target: DataType): boolean {
  if (!arg.isLiteral || arg.value === null || arg.value === undefined || !isExactNumeric(arg.type)) return false;
  const from = decimalShapeOf(arg.type);
  const v = arg.value as number | bigint;
  if (isInteger(target)) {
    if (from.scale !== 0) return false;
    const [lo, hi] = target.kind === 'TINYINT' ? [-128n, 127n] : target.kind === 'SMALLINT' ? [-32768n, 32767n] : target.kind === 'INT' ? [-2147483648n, 2147483647n] : [-9223372036854775808n, 9223372036854775807n];
    const big = BigInt(v);
    return big >= lo && big <= hi;
  }
  if (target.kind === 'DECIMAL') {
    const to = decimalShapeOf(target);
    if (from.scale > to.scale) return false;
    // integer digits actually used by the value, not by its type
    const digits = (BigInt(v) < 0n ? -BigInt(v) : BigInt(v)).toString().length - from.scale;
    return digits <= to.precision - to.scale;
  }
  return false;
}

export function comparisonType(a: ArgInfo, b: ArgInfo, op: string): DataType | string {
  const ta = a.type;
  const tb = b.type;
  if (!b.isLiteral && literalFits(a, tb)) return tb;
  if (!a.isLiteral && literalFits(b, ta)) return ta;
  const common = commonType(ta, tb);
  if (common) return common;
  // a string literal compared with a typed value takes the other side's type ('2024-01-01' = date_col)
  if (isCharacter(ta) && a.isLiteral && tb.kind !== 'NULL') return tb;
  if (isCharacter(tb) && b.isLiteral && ta.kind !== 'NULL') return ta;
  return `cannot compare ${typeToString(ta, false)} with ${typeToString(tb, false)} using '${op}'; CAST one side to the other's type`;
}

function compare(op: '=' | '<>' | '<' | '<=' | '>' | '>='): ScalarFunction {
  return {
    name: op,
    aliases: op === '<>' ? ['!='] : [],
    syntax: `a ${op} b`,
    resolve(args) {
      const t = comparisonType(args[0]!, args[1]!, op);
      if (typeof t === 'string') return t;
      if (t.kind === 'MAP' && op !== '=' && op !== '<>') return `cannot order values of type ${typeToString(t, false)}`;
      const ct = withNullable(t, true);
      return { type: withNullable(T.boolean(), args.some((a) => a.type.nullable)), argTypes: [withNullable(ct, args[0]!.type.nullable), withNullable(ct, args[1]!.type.nullable)] };
    },
    nulls: 'strict',
    gen(args, ctx) {
      const t = ctx.argTypes[0]!.kind === 'NULL' ? ctx.argTypes[1]! : ctx.argTypes[0]!;
      const [a, b] = args as [string, string];
      const phys = physicalOf(t);
      const primitive = phys !== 'obj' || t.kind === 'CHAR' || t.kind === 'VARCHAR';
      if (primitive) {
        const jsOp = op === '=' ? '===' : op === '<>' ? '!==' : op;
        // strings order by code point, which JavaScript's `<` does not do beyond U+FFFF
        if (isCharacter(t) && op !== '=' && op !== '<>') return `($.compareStrings(${a}, ${b}) ${op} 0)`;
        return `(${a} ${jsOp} ${b})`;
      }
      if (op === '=') return `$.eq(${a}, ${b})`;
      if (op === '<>') return `!$.eq(${a}, ${b})`;
      const cmp = ctx.constant(comparatorFor(t));
      return `(${cmp}(${a}, ${b}) ${op} 0)`;
    },
  };
}

// ---------------------------------------------------------------- logic and IS predicates

const not: ScalarFunction = {
  name: 'not',
  syntax: 'NOT a',
  resolve(args) {
    const t = args[0]!.type;
    if (t.kind !== 'BOOLEAN' && t.kind !== 'NULL') return `NOT needs a BOOLEAN operand, got ${typeToString(t, false)}`;
    return { type: withNullable(T.boolean(), t.nullable) };
  },
  nulls: 'strict',
  gen: (args) => `!${args[0]}`,
};

function isPredicate(name: string, syntax: string, code: (v: string, n: string) => string, needBool: boolean): ScalarFunction {
  return {
    name,
    syntax,
    resolve(args) {
      const t = args[0]!.type;
      if (needBool && t.kind !== 'BOOLEAN' && t.kind !== 'NULL') return `${syntax.replace('a ', '')} needs a BOOLEAN operand, got ${typeToString(t, false)}`;
      return { type: T.boolean() };
    },
    nulls: 'custom',
    genCustom: ([a]) => ({ v: code(a!.v, a!.n), n: 'false' }),
  };
}

function distinctFrom(negated: boolean): ScalarFunction {
  return {
    name: negated ? 'is_not_distinct_from' : 'is_distinct_from',
    syntax: negated ? 'a IS NOT DISTINCT FROM b' : 'a IS DISTINCT FROM b',
    resolve(args) {
      const t = comparisonType(args[0]!, args[1]!, 'IS DISTINCT FROM');
      if (typeof t === 'string') return t;
      return { type: T.boolean(), argTypes: [withNullable(t, args[0]!.type.nullable), withNullable(t, args[1]!.type.nullable)] };
    },
    nulls: 'custom',
    genCustom([a, b], ctx) {
      const t = ctx.argTypes[0]!;
      const primitive = physicalOf(t) !== 'obj' || isCharacter(t);
      const eq = primitive ? `(${a!.v} === ${b!.v})` : `$.eq(${a!.v}, ${b!.v})`;
      const same = `((${a!.n}) ? (${b!.n}) : (!(${b!.n}) && ${eq}))`;
      return { v: negated ? same : `!${same}`, n: 'false' };
    },
  };
}

// ---------------------------------------------------------------- strings

const concatOp: ScalarFunction = {
  name: '||',
  syntax: "a || b",
  resolve(args) {
    const [a, b] = args.map((x) => x.type) as [DataType, DataType];
    if (a.kind === 'VARBINARY' || a.kind === 'BINARY') {
      if (b.kind === 'VARBINARY' || b.kind === 'BINARY' || b.kind === 'NULL') return { type: withNullable(T.bytes(), a.nullable || b.nullable) };
    }
    const la = isCharacter(a) ? a.length ?? 0 : 0;
    const lb = isCharacter(b) ? b.length ?? 0 : 0;
    const len = isCharacter(a) && isCharacter(b) && la + lb <= 2147483647 ? la + lb : 2147483647;
    const cast = (t: DataType): DataType => (isCharacter(t) ? t : withNullable(T.string(), t.nullable));
    return { type: withNullable(T.varchar(len), a.nullable || b.nullable), argTypes: [cast(a), cast(b)] };
  },
  nulls: 'strict',
  gen(args, ctx) {
    if (ctx.resultType.kind === 'VARBINARY') return `$.concatBytes(${args[0]}, ${args[1]})`;
    return `(${args[0]} + ${args[1]})`;
  },
};

/** Turns a LIKE pattern into a matcher; common shapes avoid regular expressions. */
export function likeMatcher(pattern: string, escape: string | null, caseInsensitive: boolean): (s: string) => boolean {
  const ci = caseInsensitive;
  let re = '';
  let plain = '';
  let simple = true;
  const parts: Array<{ wild: '%' | '_' | null; text: string }> = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (escape !== null && c === escape) {
      const nx = pattern[++i];
      if (nx === undefined) throw new FreshetError(SqlState.invalidParameterValue, `LIKE pattern '${pattern}' ends with the escape character`);
      re += nx.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      plain += nx;
      continue;
    }
    if (c === '%' || c === '_') {
      parts.push({ wild: null, text: plain });
      parts.push({ wild: c, text: '' });
      plain = '';
      re += c === '%' ? '[\\s\\S]*' : '[\\s\\S]';
      if (c === '_') simple = false;
      continue;
    }
    re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    plain += c;
  }
  parts.push({ wild: null, text: plain });
  const texts = parts.filter((p) => p.wild === null).map((p) => p.text);
  const wilds = parts.filter((p) => p.wild !== null).length;
  if (!ci && simple) {
    if (wilds === 0) { const t = texts.join(''); return (s) => s === t; }
    if (wilds === 1 && texts[1] === '') { const t = texts[0]!; return (s) => s.startsWith(t); }
    if (wilds === 1 && texts[0] === '') { const t = texts[1]!; return (s) => s.endsWith(t); }
    if (wilds === 2 && texts[0] === '' && texts[2] === '') { const t = texts[1]!; return (s) => s.includes(t); }
  }
  const rx = new RegExp(`^${re}$`, ci ? 'iu' : 'u');
  return (s) => rx.test(s);
}

/** SIMILAR TO pattern → regular expression. */
export function similarMatcher(pattern: string, escape: string | null): (s: string) => boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (escape !== null && c === escape) {
      re += (pattern[++i] ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else if (c === '.') re += '\\.';
    else re += c;
  }
  let rx: RegExp;
  try {
    rx = new RegExp(`^(?:${re})$`, 'u');
  } catch (e) {
    throw new FreshetError(SqlState.invalidRegularExpression, `invalid SIMILAR TO pattern '${pattern}': ${(e as Error).message}`);
  }
  return (s) => rx.test(s);
}

const likeCache = new Map<string, (s: string) => boolean>();

function cachedMatcher(kind: string, pattern: string, escape: string | null): (s: string) => boolean {
  const key = kind + '\u0000' + (escape ?? '') + '\u0000' + pattern;
  let m = likeCache.get(key);
  if (!m) {
    m = kind === 'similar' ? similarMatcher(pattern, escape) : likeMatcher(pattern, escape, kind === 'ilike');
    if (likeCache.size > 1000) likeCache.clear();
    likeCache.set(key, m);
  }
  return m;
}

export const stringOperatorHelpers = {
  like(s: string, p: string, esc: string | null, kind: string): boolean {
    return cachedMatcher(kind, p, esc)(s);
  },
  concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
    const r = new Uint8Array(a.length + b.length);
    r.set(a, 0);
    r.set(b, a.length);
    return r;
  },
};

function likeFunction(kind: 'like' | 'ilike' | 'similar'): ScalarFunction {
  return {
    name: kind,
    syntax: kind === 'similar' ? "s SIMILAR TO pattern [ESCAPE c]" : `s ${kind.toUpperCase()} pattern [ESCAPE c]`,
    resolve(args) {
      for (const a of args) {
        if (!isCharacter(a.type) && a.type.kind !== 'NULL') return `${kind.toUpperCase()} needs STRING operands, got ${typeToString(a.type, false)}`;
      }
      const esc = args[2];
      if (esc && esc.isLiteral && typeof esc.value === 'string' && esc.value.length !== 1) {
        return `the ESCAPE of ${kind.toUpperCase()} must be a single character, got '${esc.value}'`;
      }
      const pat = args[1]!;
      let info: unknown;
      if (pat.isLiteral && typeof pat.value === 'string' && (!esc || esc.isLiteral)) {
        const e = esc ? (esc.value as string | null) : null;
        info = kind === 'similar' ? similarMatcher(pat.value, e) : likeMatcher(pat.value, e, kind === 'ilike');
      }
      return { type: withNullable(T.boolean(), args.some((a) => a.type.nullable)), info };
    },
    nulls: 'strict',
    gen(args, ctx) {
      if (typeof ctx.info === 'function') return `${ctx.constant(ctx.info)}(${args[0]})`;
      return `$.like(${args[0]}, ${args[1]}, ${args[2] ?? 'null'}, ${JSON.stringify(kind)})`;
    },
  };
}

/** `x IN (literal, ...)`: a set lookup; NULL when not found and the list holds a NULL. */
export interface InSetInfo {
  set: Set<unknown>;
  hasNull: boolean;
  /** values are compared through groupKeyOf (bytes, arrays, rows) */
  keyed: boolean;
}

const inSet: ScalarFunction = {
  name: 'in_set',
  syntax: 'x IN (v1, v2, ...)',
  resolve(args) {
    return { type: withNullable(T.boolean(), true) };
  },
  nulls: 'strict',
  mayReturnNull: true,
  gen(args, ctx) {
    const info = ctx.info as InSetInfo;
    const set = ctx.constant(info.set);
    const probe = info.keyed ? `$.groupKeyOf(${args[0]})` : args[0]!;
    return info.hasNull ? `(${set}.has(${probe}) ? true : null)` : `${set}.has(${probe})`;
  },
};

const operatorFunctions: ScalarFunction[] = [
  arith('+', 'plus'), arith('-', 'minus'), arith('*', 'times'), arith('/', 'divide'), arith('%', 'mod'), negate,
  compare('='), compare('<>'), compare('<'), compare('<='), compare('>'), compare('>='),
  not,
  isPredicate('is_null', 'a IS NULL', (_v, n) => `(${n})`, false),
  isPredicate('is_not_null', 'a IS NOT NULL', (_v, n) => `!(${n})`, false),
  isPredicate('is_true', 'a IS TRUE', (v, n) => `(!(${n}) && ${v} === true)`, true),
  isPredicate('is_not_true', 'a IS NOT TRUE', (v, n) => `((${n}) || ${v} !== true)`, true),
  isPredicate('is_false', 'a IS FALSE', (v, n) => `(!(${n}) && ${v} === false)`, true),
  isPredicate('is_not_false', 'a IS NOT FALSE', (v, n) => `((${n}) || ${v} !== false)`, true),
  distinctFrom(false), distinctFrom(true),
  concatOp,
  likeFunction('like'), likeFunction('ilike'), likeFunction('similar'),
  inSet,
];

export const operators: FunctionModule = {
  functions: operatorFunctions,
  helpers: { ...operatorHelpers, ...stringOperatorHelpers },
};
