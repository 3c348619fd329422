/**
 * Scalar expressions, Freshet vs DuckDB: random well-typed expression trees over a table of random rows
 * (NULLs, 64-bit edges, wide decimals, non-ASCII strings), evaluated as `SELECT id, <expr> FROM t` in
 * both engines. Values must agree; when one engine fails (overflow, division by zero, a bad CAST) the
 * other must fail too. See support/expressions.ts for what is generated and how the DuckDB side is given
 * Flink's meaning where the two dialects differ on purpose.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import fc from 'fast-check';
import { Oracle, EXACT_DOUBLES } from './support/oracle.ts';
import { BIGINT, BOOLEAN, DATE, DOUBLE, INT, STRING, TIMESTAMP, dec, literal, rowsOf, castableStrings, valueOf, type Column, type TableSpec, type Ty } from './support/sql-model.ts';
import { ExprGen, type Cls } from './support/expressions.ts';
import { AVOID, TEST_TIMEOUT, check, fcParams, reportKnownHits } from './support/runner.ts';

/** Flink's result type of DECIMAL division (LogicalTypeMerging.findDivisionDecimalType). */
function flinkDivisionType(a: Ty, b: Ty): { p: number; s: number } {
  const shape = (t: Ty): [number, number] => (t.kind === 'INT' ? [10, 0] : t.kind === 'BIGINT' ? [19, 0] : [t.p!, t.s!]);
  const [p1, s1] = shape(a);
  const [p2, s2] = shape(b);
  let s = Math.max(6, s1 + p2 + 1);
  let p = p1 - s1 + s2 + s;
  if (p > 38) {
    s = Math.max(6, 38 - (p - s));
    p = 38;
  }
  return { p, s: Math.min(s, p) };
}

const COLUMNS: Column[] = [
  { name: 'id', type: INT },
  { name: 'i1', type: INT }, { name: 'i2', type: INT },
  { name: 'b1', type: BIGINT }, { name: 'b2', type: BIGINT },
  { name: 'm1', type: dec(10, 2) }, { name: 'm2', type: dec(18, 4) }, { name: 'm3', type: dec(38, 6) },
  { name: 'f1', type: DOUBLE }, { name: 'f2', type: DOUBLE },
  { name: 's1', type: STRING }, { name: 's2', type: STRING },
  { name: 'p1', type: BOOLEAN }, { name: 'p2', type: BOOLEAN },
  { name: 'd1', type: DATE }, { name: 't1', type: TIMESTAMP },
];

/** s2 holds strings meant for CAST to numbers and dates; s1 random text. */
function tableArb(maxRows: number): fc.Arbitrary<TableSpec> {
  const s2 = fc.option(fc.constantFrom(...castableStrings.filter((x) => !x.includes('.'))), { nil: null, freq: 6 });
  return fc.tuple(rowsOf(COLUMNS, { maxRows }), fc.array(s2, { minLength: maxRows, maxLength: maxRows })).map(([rows, s2s]) => {
    const k = COLUMNS.findIndex((c) => c.name === 's2');
    return { name: 't', columns: COLUMNS, rows: rows.map((r, i) => r.map((v, j) => (j === k ? s2s[i]! : v))) };
  });
}

let oracle: Oracle;

beforeAll(async () => {
  oracle = await Oracle.open();
});

afterAll(() => {
  reportKnownHits('scalar expressions');
  oracle.close();
});

const gen = new ExprGen({ columns: COLUMNS, maxDepth: 3, avoid: AVOID, castableStringColumns: ['s2'] });

async function runProperty(classes: readonly Cls[], runs: number): Promise<void> {
  const exprs = fc.array(fc.oneof(...classes.map((c) => gen.of(c))), { minLength: 1, maxLength: 4 });
  await fc.assert(
    fc.asyncProperty(tableArb(6), exprs, async (table, es) => {
      await oracle.createTable(table);
      for (const e of es) {
        await check(oracle, {
          title: `-- scalar expression of type ${e.t.kind}${e.t.kind === 'DECIMAL' ? `(${e.t.p}, ${e.t.s})` : ''} disagrees`,
          tables: [table],
          freshetSql: `SELECT id, ${e.f} AS v FROM t`,
          duckSql: `SELECT id, ${e.d} AS v FROM t`,
          rowsort: true,
          tol: EXACT_DOUBLES,
        });
      }
    }),
    fcParams(runs),
  );
}

describe('scalar expressions agree with DuckDB', () => {
  it('integer arithmetic (INT, BIGINT): + - * / MOD ABS negation, CASTs, overflow is an error in both', async () => {
    await runProperty(['INT', 'BIGINT'], 150);
  }, TEST_TIMEOUT);

  it('DECIMAL and DOUBLE arithmetic and CASTs', async () => {
    await runProperty(['DEC', 'DOUBLE'], 150);
  }, TEST_TIMEOUT);

  it('predicates: comparisons, three-valued AND/OR/NOT, IS [NOT] NULL/DISTINCT FROM, BETWEEN, IN, LIKE', async () => {
    await runProperty(['BOOLEAN'], 200);
  }, TEST_TIMEOUT);

  it('strings, dates and timestamps', async () => {
    await runProperty(['STRING', 'DATE', 'TIMESTAMP'], 150);
  }, TEST_TIMEOUT);

  it('DECIMAL division: exact in Freshet (scale >= 6, rounded half up), a DOUBLE in DuckDB', async () => {
    // operands: columns and literals, at least one of them DECIMAL (integer division is covered above)
    const operand = fc.oneof(
      fc.constantFrom<[string, Ty]>(['i1', INT], ['b1', BIGINT], ['m1', dec(10, 2)], ['m2', dec(18, 4)], ['m3', dec(38, 6)]),
      fc.constantFrom(dec(5, 2), dec(12, 3), dec(20, 8)).chain((t) =>
        valueOf(t, { nullRate: 0.05 }).map((v): [string, Ty, string] => {
          const l = literal(t, v, { opaqueNull: true });
          return [l.f, t, l.d];
        })),
    );
    const pair = fc.tuple(operand, operand).filter(([[, a], [, b]]) => a.kind === 'DECIMAL' || b.kind === 'DECIMAL');
    await fc.assert(
      fc.asyncProperty(tableArb(6), pair, async (table, [[af, at, ad], [bf, bt, bd]]) => {
        await oracle.createTable(table);
        const { p, s } = flinkDivisionType(at, bt);
        // (the double quotient may round up to the limit itself: only clearly larger ones must fail)
        const limit = 10 ** (p - s) * (1 + 1e-9);
        await check(oracle, {
          title: `-- DECIMAL division (result DECIMAL(${p}, ${s})) disagrees`,
          tables: [table],
          freshetSql: `SELECT id, ${af} / ${bf} AS v FROM t`,
          duckSql: `SELECT id, fdivd(${ad ?? af}, ${bd ?? bf}) AS v FROM t`,
          rowsort: true,
          // Freshet rounds to the result scale (at least 6 digits): 5e-7 apart at most
          tol: { rel: 1e-12, abs: 1e-6 },
          // a quotient beyond DECIMAL(p, s) is an overflow error in Freshet
          adjustDuck: (dk) => (dk.ok && dk.rows.some((r) => r[1] && r[1].k === 'f' && Math.abs(r[1].v) >= limit)
            ? { ok: false, message: `(expected) the quotient does not fit DECIMAL(${p}, ${s})` } : dk),
        });
      }),
      fcParams(150),
    );
  }, TEST_TIMEOUT);

  it('string comparison is by code point (Flink compares UTF-8 bytes), also beyond the BMP', async () => {
    // a small alphabet makes equal prefixes likely: U+FF21 sorts below U+1F986 by code point but above
    // its UTF-16 surrogates
    const alphabet = ['a', 'b', 'é', '\uFF21', '🦆', '\uFFFD', '\u{10000}', ' '];
    const columns: Column[] = [{ name: 'id', type: INT }, { name: 's1', type: STRING }, { name: 's2', type: STRING }];
    const str = fc.array(fc.constantFrom(...alphabet), { maxLength: 3 }).map((cs) => cs.join(''));
    const rows = fc.array(fc.tuple(fc.option(str, { nil: null, freq: 8 }), str), { minLength: 1, maxLength: 8 });
    const exprs = ['s1 < s2', 's1 <= s2', 's1 > s2', 's1 >= s2', 's1 = s2', 's1 <> s2', `s1 BETWEEN s2 AND '\u{10000}'`, `s2 > '\uFF21'`];
    const duckExprs = exprs.map((e) => (e.includes('BETWEEN') ? `fand(s1 >= s2, s1 <= '\u{10000}')` : e));
    await fc.assert(
      fc.asyncProperty(rows, async (rs) => {
        const table: TableSpec = { name: 'strs', columns, rows: rs.map(([a, b], i) => [i + 1, a, b]) };
        await oracle.createTable(table);
        await check(oracle, {
          title: '-- string comparison disagrees',
          tables: [table],
          freshetSql: `SELECT id, ${exprs.join(', ')} FROM strs`,
          duckSql: `SELECT id, ${duckExprs.join(', ')} FROM strs`,
          rowsort: true,
          tol: EXACT_DOUBLES,
        });
      }),
      fcParams(60),
    );
  }, TEST_TIMEOUT);
});
