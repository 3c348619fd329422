/**
 * Random, well-typed scalar expressions over the columns of a table, each rendered twice: as Flink SQL
 * for Freshet and as DuckDB SQL with the same meaning.
 *
 * Generation is directed by the result class (INT, BIGINT, DEC, DOUBLE, STRING, BOOLEAN, DATE,
 * TIMESTAMP); DECIMAL precision and scale are computed bottom-up with Flink's rules. Only constructs
 * whose semantics Flink and DuckDB share are generated, and where the two differ on purpose the DuckDB
 * side is rewritten to Flink's meaning (see the macros in oracle.ts):
 * - integer `/` truncates: DuckDB `//`, with division by zero an error;
 * - CAST of DECIMAL/DOUBLE to an integer truncates (DuckDB rounds): DuckDB `CAST(trunc(x) AS ..)`;
 * - DATE + INTERVAL is a DATE (DuckDB gives a TIMESTAMP): cast back to DATE;
 * - CAST(BOOLEAN AS STRING) is 'TRUE'/'FALSE' (DuckDB 'true'/'false'): DuckDB upper(..); CAST of a
 *   TIMESTAMP(3) to STRING always has three fraction digits: DuckDB strftime(..);
 * - AND/OR/BETWEEN/IN short-circuit (Flink's generated code does, DuckDB evaluates every operand);
 * - CAST(DOUBLE AS DECIMAL) goes through the double's shortest text (Flink's BigDecimal.valueOf; DuckDB
 *   converts wide values inexactly): DuckDB `CAST(CAST(x AS VARCHAR) AS DECIMAL(..))`;
 * - DECIMAL arithmetic: DuckDB computes operands of up to 18 digits in 64 bits and fails where the
 *   exact result does not fit, so it gets operands widened to 38 digits and casts the result to Flink's
 *   result type.
 * DECIMAL multiplication is generated only while the exact result fits 38 digits, because beyond that
 * Flink lowers the scale and DuckDB keeps it (a documented difference, not a bug). Freshet folds CASTs
 * of literals while binding (see `folds`), so failing CASTs get non-constant operands.
 */
import fc from 'fast-check';
import { BIGINT, BOOLEAN, DATE, DOUBLE, INT, STRING, TIMESTAMP, dec, literal, valueOf, type Column, type Ty } from './sql-model.ts';

export type Cls = 'INT' | 'BIGINT' | 'DEC' | 'DOUBLE' | 'STRING' | 'BOOLEAN' | 'DATE' | 'TIMESTAMP';

export interface Expr {
  /** Flink SQL (Freshet). */
  readonly f: string;
  /** DuckDB SQL. */
  readonly d: string;
  readonly t: Ty;
  /** A column or literal (no operator). */
  readonly leaf?: boolean;
  readonly literal?: boolean;
  /**
   * Freshet folds CASTs of literals while binding (as Flink reduces constants while planning), so a
   * failing CAST of a constant fails the statement even where no row would evaluate it (DuckDB evaluates
   * it per row). Failing CASTs are therefore only generated over operands that do not fold.
   */
  readonly folds?: boolean;
}

export const NUMERIC: readonly Cls[] = ['INT', 'BIGINT', 'DEC', 'DOUBLE'];
export const ALL_CLASSES: readonly Cls[] = ['INT', 'BIGINT', 'DEC', 'DOUBLE', 'STRING', 'BOOLEAN', 'DATE', 'TIMESTAMP'];

export function clsOf(t: Ty): Cls {
  return t.kind === 'DECIMAL' ? 'DEC' : (t.kind as Cls);
}

/** Precision and scale of an exact numeric type taken as a DECIMAL (Flink's rule: INT is DECIMAL(10, 0)). */
function shape(t: Ty): { p: number; s: number } {
  if (t.kind === 'INT') return { p: 10, s: 0 };
  if (t.kind === 'BIGINT') return { p: 19, s: 0 };
  return { p: t.p!, s: t.s! };
}

/** Flink's result type of + and - on exact numbers, or undefined where Flink and DuckDB would disagree. */
function addType(a: Ty, b: Ty): Ty | undefined {
  if (a.kind === 'DOUBLE' || b.kind === 'DOUBLE') return DOUBLE;
  if (a.kind !== 'DECIMAL' && b.kind !== 'DECIMAL') return a.kind === 'BIGINT' || b.kind === 'BIGINT' ? BIGINT : INT;
  const x = shape(a);
  const y = shape(b);
  const s = Math.max(x.s, y.s);
  const p = Math.max(x.p - x.s, y.p - y.s) + s + 1;
  if (p <= 38) return dec(p, s);
  // both engines cap the precision at 38; they keep the scale alike only while it is at most 6
  return s <= 6 ? dec(38, s) : undefined;
}

function mulType(a: Ty, b: Ty): Ty | undefined {
  if (a.kind === 'DOUBLE' || b.kind === 'DOUBLE') return DOUBLE;
  if (a.kind !== 'DECIMAL' && b.kind !== 'DECIMAL') return a.kind === 'BIGINT' || b.kind === 'BIGINT' ? BIGINT : INT;
  const x = shape(a);
  const y = shape(b);
  return x.p + y.p <= 38 ? dec(x.p + y.p, x.s + y.s) : undefined;
}

/** The common type of CASE/COALESCE branches, or undefined where the engines would disagree. */
function commonType(a: Ty, b: Ty): Ty | undefined {
  if (a.kind === b.kind && a.kind !== 'DECIMAL') return a;
  const na = NUMERIC.includes(clsOf(a));
  const nb = NUMERIC.includes(clsOf(b));
  if (!na || !nb) return a.kind === b.kind ? a : undefined;
  if (a.kind === 'DOUBLE' || b.kind === 'DOUBLE') return DOUBLE;
  if (a.kind !== 'DECIMAL' && b.kind !== 'DECIMAL') return a.kind === 'BIGINT' || b.kind === 'BIGINT' ? BIGINT : INT;
  const x = shape(a);
  const y = shape(b);
  const s = Math.max(x.s, y.s);
  const p = Math.max(x.p - x.s, y.p - y.s) + s;
  return p <= 38 ? dec(p, s) : undefined;
}

export interface GenOptions {
  /** Columns usable in expressions, with their types. */
  columns: readonly Column[];
  maxDepth: number;
  /**
   * Known engine bugs the generator steers around, so that they do not drown other findings
   * (see known-bugs.ts). Each name switches off the constructs that trigger one bug.
   */
  avoid: ReadonlySet<string>;
  /** Column names whose strings are meant for CAST to numbers and dates. */
  castableStringColumns: readonly string[];
}

const E = (f: string, d: string, t: Ty, folds = false): Expr => ({ f, d, t, folds });
const nonConstant = (a: fc.Arbitrary<Expr>): fc.Arbitrary<Expr> => a.filter((x) => !x.folds);

export class ExprGen {
  private readonly memo = new Map<string, fc.Arbitrary<Expr>>();
  private readonly opts: GenOptions;

  constructor(opts: GenOptions) {
    this.opts = opts;
  }

  /** An expression of class `cls` with at most `depth` levels of operators. */
  of(cls: Cls, depth = this.opts.maxDepth): fc.Arbitrary<Expr> {
    const key = `${cls}/${depth}`;
    let a = this.memo.get(key);
    if (!a) {
      const leaves = this.leaf(cls);
      a = depth <= 0 ? leaves : fc.oneof({ weight: 3, arbitrary: leaves }, { weight: 5, arbitrary: fc.oneof(...this.ops(cls, depth - 1)) });
      this.memo.set(key, a);
    }
    return a;
  }

  /** Any class. */
  any(depth = this.opts.maxDepth): fc.Arbitrary<Expr> {
    return fc.oneof(...ALL_CLASSES.map((c) => this.of(c, depth)));
  }

  private columnsOf(cls: Cls): Column[] {
    return this.opts.columns.filter((c) => c.name !== 'id' && clsOf(c.type) === cls);
  }

  private literalOf(t: Ty): fc.Arbitrary<Expr> {
    return valueOf(t, { nullRate: 0.1 }).map((v) => ({ ...literal(t, v, { opaqueNull: true }), t, leaf: true, literal: v !== null, folds: true }));
  }

  private leaf(cls: Cls): fc.Arbitrary<Expr> {
    const cols = this.columnsOf(cls).map((c): Expr => ({ f: c.name, d: c.name, t: c.type, leaf: true }));
    const lits: fc.Arbitrary<Expr>[] = [];
    switch (cls) {
      case 'INT': lits.push(this.literalOf(INT)); break;
      case 'BIGINT': lits.push(this.literalOf(BIGINT)); break;
      case 'DEC': lits.push(this.literalOf(dec(5, 2)), this.literalOf(dec(12, 3)), this.literalOf(dec(30, 6))); break;
      case 'DOUBLE': lits.push(this.literalOf(DOUBLE)); break;
      case 'STRING': lits.push(this.literalOf(STRING)); break;
      case 'BOOLEAN': lits.push(this.literalOf(BOOLEAN)); break;
      case 'DATE': lits.push(this.literalOf(DATE)); break;
      case 'TIMESTAMP': lits.push(this.literalOf(TIMESTAMP)); break;
    }
    const arbs: Array<fc.WeightedArbitrary<Expr>> = lits.map((l) => ({ weight: 1, arbitrary: l }));
    if (cols.length > 0) arbs.push({ weight: 3, arbitrary: fc.constantFrom(...cols) });
    return fc.oneof(...arbs);
  }

  private ops(cls: Cls, d: number): fc.Arbitrary<Expr>[] {
    const sub = (c: Cls): fc.Arbitrary<Expr> => this.of(c, d);
    const out: fc.Arbitrary<Expr>[] = [...this.conditionals(cls, d)];
    switch (cls) {
      case 'INT': case 'BIGINT': case 'DEC': case 'DOUBLE':
        out.push(...this.numericOps(cls, d));
        break;
      case 'STRING':
        out.push(...this.stringOps(d));
        break;
      case 'BOOLEAN':
        out.push(...this.booleanOps(d));
        break;
      case 'DATE':
        out.push(
          sub('TIMESTAMP').map((x) => E(`CAST(${x.f} AS DATE)`, `CAST(${x.d} AS DATE)`, DATE, x.folds)),
          fc.tuple(sub('DATE'), fc.integer({ min: -400, max: 400 }), fc.constantFrom('DAY', 'MONTH', 'YEAR'), fc.constantFrom('+', '-'))
            .filter(([, n, u]) => u !== 'YEAR' || Math.abs(n) <= 50)
            .map(([x, n, u, op]) => E(`(${x.f} ${op} INTERVAL '${n}' ${u})`, `CAST(${x.d} ${op} INTERVAL '${n}' ${u} AS DATE)`, DATE)),
        );
        for (const c of this.opts.castableStringColumns) out.push(fc.constant(E(`CAST(${c} AS DATE)`, `CAST(${c} AS DATE)`, DATE)));
        break;
      case 'TIMESTAMP':
        out.push(
          sub('DATE').map((x) => E(`CAST(${x.f} AS TIMESTAMP(3))`, `CAST(${x.d} AS TIMESTAMP)`, TIMESTAMP, x.folds)),
          fc.tuple(sub('TIMESTAMP'), fc.integer({ min: -100000, max: 100000 }), fc.constantFrom('SECOND', 'MINUTE', 'HOUR', 'DAY', 'MONTH'), fc.constantFrom('+', '-'))
            .filter(([, n, u]) => u !== 'MONTH' || Math.abs(n) <= 600)
            .map(([x, n, u, op]) => E(`(${x.f} ${op} INTERVAL '${n}' ${u})`, `(${x.d} ${op} INTERVAL '${n}' ${u})`, TIMESTAMP)),
        );
        break;
    }
    return out;
  }

  /** CASE, COALESCE and NULLIF producing class `cls`. */
  private conditionals(cls: Cls, d: number): fc.Arbitrary<Expr>[] {
    const sub = (c: Cls): fc.Arbitrary<Expr> => this.of(c, d);
    const branch = (): fc.Arbitrary<Expr> => (cls === 'BIGINT' ? fc.oneof(sub('BIGINT'), sub('INT')) : cls === 'DOUBLE' ? fc.oneof(sub('DOUBLE'), sub('INT'), sub('DEC')) : sub(cls));
    const join = (xs: Expr[]): Ty | undefined => xs.slice(1).reduce<Ty | undefined>((acc, x) => (acc ? commonType(acc, x.t) : undefined), xs[0]!.t);
    const wantCls = (t: Ty | undefined): t is Ty => t !== undefined && clsOf(t) === cls;
    const searched = fc
      .tuple(sub('BOOLEAN'), branch(), fc.option(fc.tuple(sub('BOOLEAN'), branch()), { nil: undefined }), fc.option(branch(), { nil: undefined }))
      .map(([c1, r1, more, els]) => {
        const rs = [r1, ...(more ? [more[1]] : []), ...(els ? [els] : [])];
        const t = join(rs);
        if (!wantCls(t)) return r1;
        const whenF = [`WHEN ${c1.f} THEN ${r1.f}`, ...(more ? [`WHEN ${more[0].f} THEN ${more[1].f}`] : [])].join(' ');
        const whenD = [`WHEN ${c1.d} THEN ${r1.d}`, ...(more ? [`WHEN ${more[0].d} THEN ${more[1].d}`] : [])].join(' ');
        return E(`CASE ${whenF}${els ? ` ELSE ${els.f}` : ''} END`, `CASE ${whenD}${els ? ` ELSE ${els.d}` : ''} END`, t);
      });
    const simpleKey: Cls = cls === 'BOOLEAN' ? 'INT' : cls;
    const simple = fc.tuple(sub(simpleKey), sub(simpleKey), branch(), branch()).map(([x, v, r, els]) => {
      const t = join([r, els]);
      if (!wantCls(t) || !commonType(x.t, v.t)) return r;
      return E(`CASE ${x.f} WHEN ${v.f} THEN ${r.f} ELSE ${els.f} END`, `CASE ${x.d} WHEN ${v.d} THEN ${r.d} ELSE ${els.d} END`, t);
    });
    const coalesce = fc.tuple(branch(), branch(), fc.option(branch(), { nil: undefined })).map(([a, b, c]) => {
      const xs = c ? [a, b, c] : [a, b];
      const t = join(xs);
      if (!wantCls(t)) return a;
      return E(`COALESCE(${xs.map((x) => x.f).join(', ')})`, `COALESCE(${xs.map((x) => x.d).join(', ')})`, t);
    });
    const nullif = fc.tuple(sub(cls), branch()).map(([a, b]) => {
      const t = commonType(a.t, b.t);
      if (!t) return a;
      if (this.opts.avoid.has('nullif-mixed-types') && !(t.kind === a.t.kind && t.p === a.t.p && t.s === a.t.s)) return a;
      return E(`NULLIF(${a.f}, ${b.f})`, `NULLIF(${a.d}, ${b.d})`, a.t);
    });
    return [searched, simple, coalesce, nullif];
  }

  private numericOps(cls: Cls, d: number): fc.Arbitrary<Expr>[] {
    const sub = (c: Cls): fc.Arbitrary<Expr> => this.of(c, d);
    const avoidDecWide = this.opts.avoid.has('decimal-beyond-bigint');
    // operand pairs whose arithmetic result is of class `cls`
    const pair: fc.Arbitrary<[Expr, Expr]> = (() => {
      switch (cls) {
        case 'INT': return fc.tuple(sub('INT'), sub('INT'));
        case 'BIGINT': return fc.oneof(fc.tuple(sub('BIGINT'), sub('BIGINT')), fc.tuple(sub('BIGINT'), sub('INT')), fc.tuple(sub('INT'), sub('BIGINT')));
        case 'DEC': return fc.oneof(fc.tuple(sub('DEC'), sub('DEC')), fc.tuple(sub('DEC'), fc.oneof(sub('INT'), sub('BIGINT'))), fc.tuple(fc.oneof(sub('INT'), sub('BIGINT')), sub('DEC')));
        default: return fc.oneof(fc.tuple(sub('DOUBLE'), fc.oneof(...NUMERIC.map(sub))), fc.tuple(fc.oneof(...NUMERIC.map(sub)), sub('DOUBLE')));
      }
    })();
    // decimals wider than 18 digits (and BIGINT rescaled to a decimal) can leave the 64-bit range
    const wide = (t: Ty): boolean => (t.kind === 'DECIMAL' && t.p! > 18) || (t.kind === 'BIGINT' && cls === 'DEC');
    const arith = fc.tuple(pair, fc.constantFrom('+', '-', '*')).map(([[a, b], op]) => {
      let t = op === '*' ? mulType(a.t, b.t) : addType(a.t, b.t);
      let o = op;
      if (!t && op === '*') { t = addType(a.t, b.t); o = '+'; }
      if (!t || clsOf(t) !== cls) return a;
      if (avoidDecWide && cls === 'DEC' && o === '+' && (wide(a.t) || wide(b.t))) o = '-';
      if (cls !== 'DEC') return E(`(${a.f} ${o} ${b.f})`, `(${a.d} ${o} ${b.d})`, t);
      // DuckDB computes DECIMAL arithmetic on operands of up to 18 digits in 64 bits and fails when the
      // result needs more, although its result type is wider: it gets widened operands, and its result
      // is cast to Flink's result type (so that CASE and COALESCE above see the same types in both)
      const w = (x: Expr): string => `CAST(${x.d} AS DECIMAL(38, ${shape(x.t).s}))`;
      return E(`(${a.f} ${o} ${b.f})`, `CAST((${w(a)} ${o} ${w(b)}) AS DECIMAL(${t.p}, ${t.s}))`, t);
    });
    const out: fc.Arbitrary<Expr>[] = [arith];
    const unary = sub(cls).filter((x) => !(avoidDecWide && wide(x.t)));
    out.push(unary.map((x) => E(`ABS(${x.f})`, `abs(${x.d})`, x.t)));
    out.push(unary.map((x) => E(`(- ${x.f})`, `(- ${x.d})`, x.t)));
    if (cls === 'INT' || cls === 'BIGINT') {
      out.push(
        pair.map(([a, b]) => E(`(${a.f} / ${b.f})`, `fdiv(${a.d}, ${b.d})`, cls === 'INT' ? INT : BIGINT)),
        pair.map(([a, b]) => E(`MOD(${a.f}, ${b.f})`, `fmod(${a.d}, ${b.d})`, cls === 'INT' ? INT : BIGINT)),
      );
    }
    const str = sub('STRING');
    switch (cls) {
      case 'INT':
        out.push(
          // both are INT in Flink, BIGINT in DuckDB (which matters for overflow further up)
          str.map((s) => E(`CHAR_LENGTH(${s.f})`, `CAST(char_length(${s.d}) AS INTEGER)`, INT)),
          fc.tuple(str, str).map(([a, b]) => E(`POSITION(${a.f} IN ${b.f})`, `CAST(position(${a.d} IN ${b.d}) AS INTEGER)`, INT)),
          nonConstant(sub('BIGINT')).map((x) => E(`CAST(${x.f} AS INT)`, `CAST(${x.d} AS INTEGER)`, INT)),
          nonConstant(fc.oneof(sub('DEC'), sub('DOUBLE'))).map((x) => E(`CAST(${x.f} AS INT)`, `CAST(trunc(${x.d}) AS INTEGER)`, INT)),
        );
        for (const c of this.opts.castableStringColumns) out.push(fc.constant(E(`CAST(${c} AS INT)`, `CAST(${c} AS INTEGER)`, INT)));
        break;
      case 'BIGINT':
        out.push(
          sub('INT').map((x) => E(`CAST(${x.f} AS BIGINT)`, `CAST(${x.d} AS BIGINT)`, BIGINT, x.folds)),
          nonConstant(fc.oneof(sub('DEC'), sub('DOUBLE'))).map((x) => E(`CAST(${x.f} AS BIGINT)`, `CAST(trunc(${x.d}) AS BIGINT)`, BIGINT)),
          fc.tuple(sub('DATE'), fc.constantFrom('YEAR', 'MONTH', 'DAY')).map(([x, u]) => E(`EXTRACT(${u} FROM ${x.f})`, `EXTRACT(${u} FROM ${x.d})`, BIGINT)),
          fc.tuple(sub('TIMESTAMP'), fc.constantFrom('YEAR', 'MONTH', 'DAY', 'HOUR', 'MINUTE', 'SECOND')).map(([x, u]) => E(`EXTRACT(${u} FROM ${x.f})`, `EXTRACT(${u} FROM ${x.d})`, BIGINT)),
        );
        for (const c of this.opts.castableStringColumns) out.push(fc.constant(E(`CAST(${c} AS BIGINT)`, `CAST(${c} AS BIGINT)`, BIGINT)));
        break;
      case 'DEC': {
        const target = fc.constantFrom(dec(5, 2), dec(10, 0), dec(12, 3), dec(20, 4), dec(38, 6));
        out.push(
          fc.tuple(nonConstant(fc.oneof(sub('INT'), sub('BIGINT'), sub('DEC'))), target).map(([x, t]) => E(`CAST(${x.f} AS DECIMAL(${t.p}, ${t.s}))`, `CAST(${x.d} AS DECIMAL(${t.p}, ${t.s}))`, t)),
          // DuckDB converts doubles to wide decimals inexactly (1008403413840.625 becomes ...625024); Flink goes
          // through the double's shortest decimal text (BigDecimal.valueOf), and so does DuckDB via VARCHAR
          // (DuckDB does not check the range when text in exponent notation becomes a DECIMAL: via DECIMAL(38, s))
          fc.tuple(nonConstant(this.of('DOUBLE', d)), target).map(([x, t]) =>
            E(`CAST(${x.f} AS DECIMAL(${t.p}, ${t.s}))`, `CAST(CAST(CAST(${x.d} AS VARCHAR) AS DECIMAL(38, ${t.s})) AS DECIMAL(${t.p}, ${t.s}))`, t)),
        );
        for (const c of this.opts.castableStringColumns) out.push(fc.constant(E(`CAST(${c} AS DECIMAL(12, 3))`, `CAST(${c} AS DECIMAL(12, 3))`, dec(12, 3))));
        break;
      }
      case 'DOUBLE':
        out.push(fc.oneof(sub('INT'), sub('BIGINT'), sub('DEC')).map((x) => E(`CAST(${x.f} AS DOUBLE)`, `CAST(${x.d} AS DOUBLE)`, DOUBLE, x.folds)));
        break;
    }
    return out;
  }

  private stringOps(d: number): fc.Arbitrary<Expr>[] {
    const s = this.of('STRING', d);
    const pos = fc.integer({ min: 1, max: 5 });
    return [
      s.map((x) => E(`UPPER(${x.f})`, `upper(${x.d})`, STRING)),
      s.map((x) => E(`LOWER(${x.f})`, `lower(${x.d})`, STRING)),
      fc.tuple(s, fc.constantFrom('', 'LEADING ', 'TRAILING ', 'BOTH ')).map(([x, how]) =>
        how === '' ? E(`TRIM(${x.f})`, `trim(${x.d})`, STRING) : E(`TRIM(${how}FROM ${x.f})`, `trim(${how}FROM ${x.d})`, STRING)),
      fc.tuple(s, fc.constantFrom('a', 'x', ' a')).map(([x, c]) => E(`TRIM(BOTH '${c}' FROM ${x.f})`, `trim(BOTH '${c}' FROM ${x.d})`, STRING)),
      fc.tuple(s, pos, fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined })).map(([x, p, l]) =>
        l === undefined
          ? E(`SUBSTRING(${x.f} FROM ${p})`, `substring(${x.d}, ${p})`, STRING)
          : E(`SUBSTRING(${x.f} FROM ${p} FOR ${l})`, `substring(${x.d}, ${p}, ${l})`, STRING)),
      fc.tuple(s, s).map(([a, b]) => E(`(${a.f} || ${b.f})`, `(${a.d} || ${b.d})`, STRING)),
      fc.tuple(s, fc.constantFrom('a', 'é', ' ', '🦆'), fc.constantFrom('', 'XY', 'a')).map(([x, from, to]) =>
        E(`REPLACE(${x.f}, '${from}', '${to}')`, `replace(${x.d}, '${from}', '${to}')`, STRING)),
      fc.oneof(this.of('INT', d), this.of('BIGINT', d), this.of('DEC', d), this.of('DATE', d)).map((x) => E(`CAST(${x.f} AS STRING)`, `CAST(${x.d} AS VARCHAR)`, STRING, x.folds)),
      this.of('BOOLEAN', d).map((x) => E(`CAST(${x.f} AS STRING)`, `upper(CAST(${x.d} AS VARCHAR))`, STRING, x.folds)),
      // a TIMESTAMP(3) prints all three fraction digits (DuckDB drops a zero fraction)
      this.of('TIMESTAMP', d).map((x) => E(`CAST(${x.f} AS STRING)`, `strftime(${x.d}, '%Y-%m-%d %H:%M:%S.%g')`, STRING, x.folds)),
    ];
  }

  private booleanOps(d: number): fc.Arbitrary<Expr>[] {
    const sub = (c: Cls): fc.Arbitrary<Expr> => this.of(c, d);
    const b = sub('BOOLEAN');
    // two operands of one comparable class (numbers of any class compare with each other)
    const comparable: fc.Arbitrary<[Expr, Expr]> = fc.oneof(
      { weight: 3, arbitrary: fc.tuple(fc.oneof(...NUMERIC.map(sub)), fc.oneof(...NUMERIC.map(sub))) },
      ...(['STRING', 'DATE', 'TIMESTAMP', 'BOOLEAN'] as const).map((c) => ({ weight: 1, arbitrary: fc.tuple(sub(c), sub(c)) })),
    );
    const ordered: fc.Arbitrary<[Expr, Expr, Expr]> = fc.oneof(
      fc.tuple(fc.oneof(...NUMERIC.map(sub)), fc.oneof(...NUMERIC.map(sub)), fc.oneof(...NUMERIC.map(sub))),
      ...(['STRING', 'DATE', 'TIMESTAMP'] as const).map((c) => fc.tuple(sub(c), sub(c), sub(c))),
    );
    const anyExpr = fc.oneof(...ALL_CLASSES.map(sub));
    const sameClassList = fc.oneof(...(['INT', 'BIGINT', 'DEC', 'STRING', 'DATE'] as const).map((c) =>
      fc.tuple(sub(c), fc.array(fc.oneof({ weight: 3, arbitrary: this.leaf(c) }, { weight: 1, arbitrary: sub(c) }), { minLength: 1, maxLength: 4 }))));
    return [
      fc.tuple(comparable, fc.constantFrom('=', '<>', '<', '<=', '>', '>=')).map(([[x, y], op]) => E(`(${x.f} ${op} ${y.f})`, `(${x.d} ${op} ${y.d})`, BOOLEAN)),
      fc.tuple(b, b, fc.constantFrom('AND', 'OR')).map(([x, y, op]) =>
        E(`(${x.f} ${op} ${y.f})`, op === 'AND' ? `fand(${x.d}, ${y.d})` : `f_or(${x.d}, ${y.d})`, BOOLEAN)),
      b.map((x) => E(`(NOT ${x.f})`, `(NOT ${x.d})`, BOOLEAN)),
      fc.tuple(anyExpr, fc.boolean()).map(([x, not]) => E(`(${x.f} IS ${not ? 'NOT ' : ''}NULL)`, `(${x.d} IS ${not ? 'NOT ' : ''}NULL)`, BOOLEAN)),
      fc.tuple(b, fc.constantFrom('TRUE', 'FALSE', 'NOT TRUE', 'NOT FALSE')).map(([x, w]) => E(`(${x.f} IS ${w})`, `(${x.d} IS ${w})`, BOOLEAN)),
      fc.tuple(comparable, fc.boolean()).map(([[x, y], not]) =>
        E(`(${x.f} IS ${not ? 'NOT ' : ''}DISTINCT FROM ${y.f})`, `(${x.d} IS ${not ? 'NOT ' : ''}DISTINCT FROM ${y.d})`, BOOLEAN)),
      fc.tuple(ordered, fc.boolean()).map(([[x, lo, hi], not]) => {
        const f = `(${x.f} ${not ? 'NOT ' : ''}BETWEEN ${lo.f} AND ${hi.f})`;
        const inner = `fand(${x.d} >= ${lo.d}, ${x.d} <= ${hi.d})`;
        return E(f, not ? `(NOT ${inner})` : inner, BOOLEAN);
      }),
      fc.tuple(sameClassList, fc.boolean()).map(([[x, items], not]) => {
        const f = `(${x.f} ${not ? 'NOT ' : ''}IN (${items.map((i) => i.f).join(', ')}))`;
        let dd: string;
        if (items.every((i) => i.literal)) dd = `(${x.d} IN (${items.map((i) => i.d).join(', ')}))`;
        else dd = items.map((i) => `(${x.d} = ${i.d})`).reduceRight((acc, e) => `f_or(${e}, ${acc})`);
        return E(f, not ? `(NOT ${dd})` : dd, BOOLEAN);
      }),
      fc.tuple(sub('STRING'), fc.constantFrom('%', 'a%', '%a', '_', '%é%', 'a_b', '', '%🦆%', '__', '%a%b%', 'A%'), fc.boolean()).map(([x, p, not]) =>
        E(`(${x.f} ${not ? 'NOT ' : ''}LIKE '${p}')`, `(${x.d} ${not ? 'NOT ' : ''}LIKE '${p}')`, BOOLEAN)),
    ];
  }
}
