/**
 * Numeric functions: ABS, SIGN, ROUND, TRUNCATE, FLOOR, CEIL, POWER, SQRT, EXP, LN, LOG, trigonometry,
 * RAND, PI, E, BIN, HEX. ROUND rounds half away from zero on the decimal value of its argument, as Flink.
 */
import type { DataType } from '../../../types/data-type.ts';
import { T, withNullable, isNumeric, isInteger, typeToString, MAX_DECIMAL_PRECISION } from '../../../types/data-type.ts';
import type { ArgInfo, FunctionModule, Resolved, ScalarFunction } from '../function.ts';
import { signatures } from '../function.ts';
import { type Int64, toBig, normalize, overflow, absWide } from '../../../types/int64.ts';
import { rescale, pow10Big, divRoundHalfUp } from '../../../types/decimal.ts';

function numericArg(name: string, args: ArgInfo[], min = 1, max = 1): DataType | string {
  if (args.length < min || args.length > max) return `${name.toUpperCase()} takes ${min === max ? min : `${min} to ${max}`} argument(s), got ${args.length}`;
  const t = args[0]!.type;
  if (t.kind === 'NULL') return T.int();
  if (!isNumeric(t)) return `${name.toUpperCase()} needs a numeric argument, got ${typeToString(t, false)}`;
  return t;
}

function sameType(name: string): (args: ArgInfo[]) => Resolved | string {
  return (args) => {
    const t = numericArg(name, args);
    return typeof t === 'string' ? t : { type: t };
  };
}

/** Rounds an unscaled decimal at scale s to d digits (d may be negative), returning it at scale max(d, 0) or the original scale. */
function decimalRound(v: Int64, s: number, d: number, outScale: number, mode: 'round' | 'trunc' | 'floor' | 'ceil'): Int64 {
  if (d >= s) return rescale(v, s, outScale);
  const drop = pow10Big(s - d);
  const big = toBig(v);
  let q: bigint;
  if (mode === 'round') q = toBig(divRoundHalfUp(big, drop));
  else {
    q = big / drop;
    const r = big % drop;
    if (mode === 'floor' && r < 0n) q -= 1n;
    if (mode === 'ceil' && r > 0n) q += 1n;
  }
  // q is at scale d; bring it to outScale
  if (d < 0) return normalize(q * pow10Big(-d) * pow10Big(outScale));
  return rescale(normalize(q), d, outScale);
}

/** Rounds a double half away from zero at d decimal digits, on its shortest decimal representation. */
function roundDouble(x: number, d: number, mode: 'round' | 'trunc'): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** d;
  const m = Math.abs(x) * f;
  if (mode === 'trunc') return Math.sign(x) * Math.trunc(m) / f || 0;
  const frac = m - Math.floor(m);
  if (Math.abs(frac - 0.5) > 1e-7 || m > 1e15) return (Math.sign(x) * Math.round(m)) / f || 0;
  // near a tie: decide on the decimal text, as BigDecimal.valueOf(double) would
  const [intPart, fracPart = ''] = Math.abs(x).toFixed(20).replace(/0+$/, '').split('.') as [string, string?];
  const shortest = String(Math.abs(x));
  const digits = shortest.includes('e') ? `${intPart}.${fracPart}` : shortest;
  const [ip, fp = ''] = digits.split('.') as [string, string?];
  if (d >= 0) {
    const keep = fp.slice(0, d);
    const next = fp.charCodeAt(d) || 48;
    let r = Number(`${ip}.${keep || '0'}`);
    if (next >= 53) r += 1 / f;
    return Math.sign(x) * Number(r.toFixed(d)) || 0;
  }
  return (Math.sign(x) * Math.round(m)) / f || 0;
}

function roundLike(name: 'round' | 'truncate'): ScalarFunction {
  return {
    name,
    aliases: name === 'truncate' ? ['trunc'] : [],
    syntax: `${name.toUpperCase()}(x [, d])`,
    resolve(args) {
      const t = numericArg(name, args, 1, 2);
      if (typeof t === 'string') return t;
      if (args[1] && !isInteger(args[1].type) && args[1].type.kind !== 'NULL') return `the second argument of ${name.toUpperCase()} must be an integer`;
      const d = args[1] ? (args[1].isLiteral ? Number(args[1].value ?? 0) : null) : 0;
      const nul = args.some((a) => a.type.nullable);
      if (t.kind === 'DECIMAL') {
        const p = t.precision!;
        const s = t.scale!;
        let rt: DataType;
        if (d === null || d >= s) rt = T.decimal(p, s);
        else if (d < 0) rt = T.decimal(Math.min(MAX_DECIMAL_PRECISION, 1 + p - s), 0);
        else rt = T.decimal(Math.min(MAX_DECIMAL_PRECISION, 1 + p - s + d), d);
        return { type: withNullable(rt, nul), argTypes: args[1] ? [t, T.int()] : [t] };
      }
      return { type: withNullable(t, nul), argTypes: args[1] ? [t, T.int()] : [t] };
    },
    nulls: 'strict',
    gen(args, ctx) {
      const t = ctx.argTypes[0]!;
      const d = args[1] ?? '0';
      const mode = name === 'round' ? 'round' : 'trunc';
      if (t.kind === 'DECIMAL') return `$.decimalRound(${args[0]}, ${t.scale}, ${d}, ${ctx.resultType.scale}, ${JSON.stringify(mode)})`;
      if (t.kind === 'DOUBLE' || t.kind === 'FLOAT') return `$.roundDouble(${args[0]}, ${d}, ${JSON.stringify(mode)})`;
      return `$.roundInt(${args[0]}, ${d}, ${JSON.stringify(mode)}, ${JSON.stringify(t.kind)})`;
    },
  };
}

function floorCeil(name: 'floor' | 'ceil'): ScalarFunction {
  return {
    name,
    aliases: name === 'ceil' ? ['ceiling'] : [],
    syntax: `${name.toUpperCase()}(x)`,
    resolve(args) {
      const t = numericArg(name, args);
      if (typeof t === 'string') return t;
      if (t.kind === 'DECIMAL') return { type: withNullable(T.decimal(Math.min(MAX_DECIMAL_PRECISION, 1 + t.precision! - t.scale!), 0), t.nullable) };
      return { type: t };
    },
    nulls: 'strict',
    gen(args, ctx) {
      const t = ctx.argTypes[0]!;
      if (t.kind === 'DECIMAL') return `$.decimalRound(${args[0]}, ${t.scale}, 0, 0, ${JSON.stringify(name)})`;
      if (isInteger(t)) return args[0]!;
      return `Math.${name}(${args[0]})`;
    },
  };
}

function doubleFn(name: string, arity: number, code: (a: string[]) => string, aliases: string[] = [], nullOnDomainError = false): ScalarFunction {
  const params = Array(arity).fill('double') as 'double'[];
  return {
    name,
    aliases,
    syntax: `${name.toUpperCase()}(${params.map((_, i) => 'x' + (arity > 1 ? i + 1 : '')).join(', ')})`,
    resolve: signatures(name, { params, result: T.double() }),
    nulls: 'strict',
    gen: (args) => (nullOnDomainError ? `$.nanToNull(${code(args)})` : code(args)),
    mayReturnNull: nullOnDomainError,
  };
}

const abs: ScalarFunction = {
  name: 'abs',
  syntax: 'ABS(x)',
  resolve: sameType('abs'),
  nulls: 'strict',
  gen(args, ctx) {
    const k = ctx.resultType.kind;
    if (k === 'BIGINT') return `$.abs64(${args[0]})`;
    if (k === 'DECIMAL') return `$.absWide(${args[0]})`;
    if (k === 'INT') return `$.chkI32(Math.abs(${args[0]}))`;
    if (k === 'SMALLINT') return `$.chkI16(Math.abs(${args[0]}))`;
    if (k === 'TINYINT') return `$.chkI8(Math.abs(${args[0]}))`;
    return `Math.abs(${args[0]})`;
  },
};

const sign: ScalarFunction = {
  name: 'sign',
  syntax: 'SIGN(x): -1, 0 or 1 in the type of x',
  resolve: sameType('sign'),
  nulls: 'strict',
  gen(args, ctx) {
    const t = ctx.resultType;
    if (t.kind === 'BIGINT') return `$.sign64(${args[0]})`;
    if (t.kind === 'DECIMAL') return `($.sign64(${args[0]}) * ${10 ** (t.scale ?? 0)})`;
    return `(Math.sign(${args[0]}) || 0)`;
  },
};

const log: ScalarFunction = {
  name: 'log',
  syntax: 'LOG(x) natural logarithm; LOG(base, x)',
  resolve: signatures('log', { params: ['double'], result: T.double() }, { params: ['double', 'double'], result: T.double() }),
  nulls: 'strict',
  mayReturnNull: true,
  gen: (args) => (args.length === 1 ? `$.nanToNull(Math.log(${args[0]}))` : `$.nanToNull(Math.log(${args[1]}) / Math.log(${args[0]}))`),
};

const rand: ScalarFunction = {
  name: 'rand',
  syntax: 'RAND([seed]): a double in [0, 1)',
  resolve: signatures('rand', { params: [], result: T.double() }, { params: ['integer'], result: T.double() }),
  nulls: 'strict',
  deterministic: false,
  gen: (args, ctx) => (args.length === 0 ? 'Math.random()' : `${ctx.constant(seededRandom())}(${args[0]})`),
};

const randInteger: ScalarFunction = {
  name: 'rand_integer',
  syntax: 'RAND_INTEGER([seed,] n): an integer in [0, n)',
  resolve: signatures('rand_integer', { params: ['integer'], result: T.int() }, { params: ['integer', 'integer'], result: T.int() }),
  nulls: 'strict',
  deterministic: false,
  gen: (args, ctx) => (args.length === 1 ? `Math.floor(Math.random() * Number(${args[0]}))` : `Math.floor(${ctx.constant(seededRandom())}(${args[0]}) * Number(${args[1]}))`),
};

/** RAND(seed): a sequence per seed, reproducible within a statement. */
function seededRandom(): (seed: number) => number {
  const states = new Map<number, number>();
  return (seed: number) => {
    let s = states.get(Number(seed)) ?? (Number(seed) ^ 0x5deece66d) >>> 0;
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    states.set(Number(seed), s);
    return s / 4294967296;
  };
}

const bin: ScalarFunction = {
  name: 'bin',
  syntax: 'BIN(n): binary digits of an integer',
  resolve: signatures('bin', { params: ['bigint'], result: T.string() }),
  nulls: 'strict',
  gen: (args) => `$.toBase(${args[0]}, 2)`,
};

const hex: ScalarFunction = {
  name: 'hex',
  syntax: 'HEX(n | s): hexadecimal digits of an integer or of a string\'s UTF-8 bytes',
  resolve: signatures('hex', { params: ['bigint'], result: T.string() }, { params: ['string_or_bytes'], result: T.string() }),
  nulls: 'strict',
  gen: (args, ctx) => (isInteger(ctx.argTypes[0]!) ? `$.toBase(${args[0]}, 16).toUpperCase()` : `$.hexOf(${args[0]})`),
};

export const math: FunctionModule = {
  functions: [
    abs, sign, roundLike('round'), roundLike('truncate'), floorCeil('floor'), floorCeil('ceil'), log, rand, randInteger, bin, hex,
    doubleFn('power', 2, (a) => `Math.pow(${a[0]}, ${a[1]})`, ['pow']),
    doubleFn('sqrt', 1, (a) => `Math.sqrt(${a[0]})`, [], true),
    doubleFn('cbrt', 1, (a) => `Math.cbrt(${a[0]})`),
    doubleFn('exp', 1, (a) => `Math.exp(${a[0]})`),
    doubleFn('ln', 1, (a) => `Math.log(${a[0]})`, [], true),
    doubleFn('log10', 1, (a) => `Math.log10(${a[0]})`, [], true),
    doubleFn('log2', 1, (a) => `Math.log2(${a[0]})`, [], true),
    doubleFn('sin', 1, (a) => `Math.sin(${a[0]})`),
    doubleFn('cos', 1, (a) => `Math.cos(${a[0]})`),
    doubleFn('tan', 1, (a) => `Math.tan(${a[0]})`),
    doubleFn('cot', 1, (a) => `(1 / Math.tan(${a[0]}))`),
    doubleFn('asin', 1, (a) => `Math.asin(${a[0]})`, [], true),
    doubleFn('acos', 1, (a) => `Math.acos(${a[0]})`, [], true),
    doubleFn('atan', 1, (a) => `Math.atan(${a[0]})`),
    doubleFn('atan2', 2, (a) => `Math.atan2(${a[0]}, ${a[1]})`),
    doubleFn('sinh', 1, (a) => `Math.sinh(${a[0]})`),
    doubleFn('cosh', 1, (a) => `Math.cosh(${a[0]})`),
    doubleFn('tanh', 1, (a) => `Math.tanh(${a[0]})`),
    doubleFn('degrees', 1, (a) => `(${a[0]} * 180 / Math.PI)`),
    doubleFn('radians', 1, (a) => `(${a[0]} * Math.PI / 180)`),
    doubleFn('pi', 0, () => 'Math.PI'),
    doubleFn('e', 0, () => 'Math.E'),
  ],
  helpers: {
    decimalRound,
    roundDouble,
    roundInt(v: Int64, d: number, mode: 'round' | 'trunc', kind: string): Int64 {
      if (d >= 0) return v;
      const r = decimalRound(v, 0, d, 0, mode);
      if (kind !== 'BIGINT' && typeof r === 'number' && (r > 2147483647 || r < -2147483648)) throw overflow(kind);
      return r;
    },
    absWide,
    abs64(v: Int64): Int64 {
      if (typeof v === 'number') return Math.abs(v);
      const r = v < 0n ? -v : v;
      if (r > 9223372036854775807n) throw overflow('BIGINT');
      return r;
    },
    sign64(v: Int64): number {
      return typeof v === 'number' ? Math.sign(v) || 0 : v > 0n ? 1 : v < 0n ? -1 : 0;
    },
    nanToNull(x: number): number | null {
      return Number.isNaN(x) ? null : x;
    },
    toBase(v: Int64, base: number): string {
      const b = toBig(v);
      return (b < 0n ? (1n << 64n) + b : b).toString(base);
    },
    hexOf(v: string | Uint8Array): string {
      return (typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v)).toString('hex').toUpperCase();
    },
  },
};
