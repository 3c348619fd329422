/**
 * Grouped aggregation, Freshet vs DuckDB: random queries with 0-2 grouping keys, a WHERE that may empty
 * the input, aggregates with and without FILTER (WHERE ..) and DISTINCT, and sometimes HAVING, over
 * tables with NULLs, duplicates and empty groups (and empty tables). Rows are compared as multisets;
 * doubles (AVG, STDDEV_*, VAR_*) with a relative tolerance. A second property sums BIGINTs near the
 * 64-bit limits: Freshet must fail exactly when the exact sum leaves the BIGINT range (DuckDB sums into
 * a 128-bit HUGEINT and never fails, so its answer says when Freshet must).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import fc from 'fast-check';
import { Oracle, type Outcome, type Tolerance } from './support/oracle.ts';
import { BIGINT, BOOLEAN, DATE, DOUBLE, INT, INT64_MAX, INT64_MIN, STRING, TIMESTAMP, dec, valueOf, type Column, type TableSpec } from './support/sql-model.ts';
import { TEST_TIMEOUT, check, fcParams, reportKnownHits } from './support/runner.ts';

const COLUMNS: Column[] = [
  { name: 'id', type: INT },
  { name: 'g1', type: INT }, { name: 'g2', type: STRING },
  { name: 'x', type: INT }, { name: 'y', type: BIGINT }, { name: 'm', type: dec(12, 2) }, { name: 'f', type: DOUBLE },
  { name: 's', type: STRING }, { name: 'p', type: BOOLEAN }, { name: 'd', type: DATE }, { name: 'ts', type: TIMESTAMP },
];

const VALUE_COLUMNS = COLUMNS.slice(3);

/** Few distinct keys (so groups have several rows), moderate values (so variances stay comparable). */
function tableArb(): fc.Arbitrary<TableSpec> {
  const keyed = fc.tuple(
    fc.option(fc.integer({ min: 0, max: 3 }), { nil: null, freq: 6 }),
    fc.option(fc.constantFrom('a', 'b', 'é'), { nil: null, freq: 6 }),
    fc.tuple(...VALUE_COLUMNS.map((c) => valueOf(c.type, { small: true }))),
  );
  return fc.array(keyed, { maxLength: 12 }).chain((rows) =>
    // duplicates: repeat some rows verbatim
    fc.array(fc.nat({ max: Math.max(0, rows.length - 1) }), { maxLength: rows.length > 0 ? 3 : 0 }).map((dups) => {
      const all = [...rows, ...dups.map((i) => rows[i]!)];
      return {
        name: 't',
        columns: COLUMNS,
        rows: all.map(([g1, g2, rest], i) => [i + 1, g1, g2, ...rest]),
      };
    }),
  );
}

interface Agg {
  f: string;
  d: string;
}

// arguments: columns, and a few expressions (evaluated before aggregation)
const NUM_COLS = ['x', 'y', 'm', 'f', 'x + y', 'm * 2', 'CASE WHEN p THEN f END', 'ABS(x - g1)'];
const ORDERED_COLS = ['x', 'y', 'm', 'f', 's', 'd', 'ts', 'p', 'UPPER(s)', 'CAST(d AS TIMESTAMP(3))'];
const duckArg = (a: string): string => a.replace('CAST(d AS TIMESTAMP(3))', 'CAST(d AS TIMESTAMP)');
const PREDICATES = ['x > 0', 'p', '(NOT p)', 's IS NOT NULL', 'g1 = 1', 'f < 0', `d >= DATE '2000-01-01'`, 'm BETWEEN -10 AND 10'];
const duckPredicate = (p: string): string => (p.includes('BETWEEN') ? 'fand(m >= -10, m <= 10)' : p);

const aggArb: fc.Arbitrary<Agg> = fc
  .tuple(
    fc.oneof(
      fc.constant({ f: 'COUNT(*)', d: 'count(*)' }),
      fc.constantFrom(...ORDERED_COLS).map((c) => ({ f: `COUNT(${c})`, d: `count(${duckArg(c)})` })),
      fc.constantFrom(...ORDERED_COLS, 'g2').map((c) => ({ f: `COUNT(DISTINCT ${c})`, d: `count(DISTINCT ${duckArg(c)})` })),
      fc.tuple(fc.constantFrom('SUM', 'AVG'), fc.constantFrom(...NUM_COLS), fc.boolean()).map(([a, c, dist]) => ({
        f: `${a}(${dist ? 'DISTINCT ' : ''}${c})`, d: `${a.toLowerCase()}(${dist ? 'DISTINCT ' : ''}${c})`,
      })),
      fc.tuple(fc.constantFrom('MIN', 'MAX'), fc.constantFrom(...ORDERED_COLS)).map(([a, c]) => ({ f: `${a}(${c})`, d: `${a.toLowerCase()}(${duckArg(c)})` })),
      fc.tuple(fc.constantFrom('STDDEV_POP', 'STDDEV_SAMP', 'VAR_POP', 'VAR_SAMP'), fc.constantFrom(...NUM_COLS)).map(([a, c]) => ({ f: `${a}(${c})`, d: `${a.toLowerCase()}(${c})` })),
      fc.constantFrom('BOOL_AND', 'BOOL_OR').map((a) => ({ f: `${a}(p)`, d: `${a.toLowerCase()}(p)` })),
    ),
    fc.option(fc.constantFrom(...PREDICATES), { nil: undefined, freq: 2 }),
  )
  .map(([a, filter]) => (filter ? { f: `${a.f} FILTER (WHERE ${filter})`, d: `${a.d} FILTER (WHERE ${duckPredicate(filter)})` } : a));

// grouping keys: columns and expressions (MOD is Flink's, fmod gives DuckDB the same meaning)
const KEYS: Record<string, string> = { g1: 'g1', g2: 'g2', p: 'p', 'MOD(x, 3)': 'fmod(x, 3)', 'UPPER(g2)': 'upper(g2)', 'CAST(ts AS DATE)': 'CAST(ts AS DATE)' };

const queryArb = fc.record({
  keys: fc.subarray(Object.keys(KEYS), { maxLength: 2 }),
  aggs: fc.array(aggArb, { minLength: 1, maxLength: 4 }),
  where: fc.option(fc.constantFrom(...PREDICATES, 'x > 100000'), { nil: undefined, freq: 3 }),
  having: fc.option(fc.constantFrom('COUNT(*) > 1', 'SUM(x) IS NOT NULL', 'MIN(s) <> MAX(s)'), { nil: undefined, freq: 3 }),
});

// AVG(DECIMAL) is a DECIMAL(38, 6) in Freshet (rounded half up) and a DOUBLE in DuckDB: 5e-7 apart at most
const AGG_TOLERANCE: Tolerance = { rel: 1e-9, abs: 1e-6 };

let oracle: Oracle;

beforeAll(async () => {
  oracle = await Oracle.open();
});

afterAll(() => {
  reportKnownHits('aggregates');
  oracle.close();
});

describe('aggregates agree with DuckDB', () => {
  it('grouped and global aggregates with FILTER, DISTINCT, WHERE and HAVING', async () => {
    await fc.assert(
      fc.asyncProperty(tableArb(), queryArb, async (table, q) => {
        await oracle.createTable(table);
        const sql = (side: 'f' | 'd'): string => {
          const keys = q.keys.map((k) => (side === 'f' ? k : KEYS[k]!));
          const items = [...keys, ...q.aggs.map((a) => a[side])].join(', ');
          const where = q.where ? ` WHERE ${side === 'd' ? duckPredicate(q.where) : q.where}` : '';
          const group = q.keys.length > 0 ? ` GROUP BY ${keys.join(', ')}` : '';
          const having = q.keys.length > 0 && q.having ? ` HAVING ${q.having}` : '';
          return `SELECT ${items} FROM t${where}${group}${having}`;
        };
        await check(oracle, {
          title: '-- aggregate query disagrees',
          tables: [table],
          freshetSql: sql('f'),
          duckSql: sql('d'),
          rowsort: true,
          tol: AGG_TOLERANCE,
        });
      }),
      fcParams(250),
    );
  }, TEST_TIMEOUT);

  it('SUM/AVG over BIGINT near the 64-bit limits: Freshet fails exactly when the sum leaves BIGINT', async () => {
    const near: fc.Arbitrary<bigint> = fc.oneof(
      fc.constantFrom(INT64_MAX, INT64_MIN, INT64_MAX - 1n, INT64_MIN + 1n, 2n ** 62n, -(2n ** 62n), 2n ** 53n + 1n, 1n, -1n, 0n),
      fc.bigInt({ min: INT64_MAX - 1000n, max: INT64_MAX }),
      fc.bigInt({ min: INT64_MIN, max: INT64_MIN + 1000n }),
    );
    const columns: Column[] = [{ name: 'id', type: INT }, { name: 'k', type: INT }, { name: 'v', type: BIGINT }];
    const rows = fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.option(near, { nil: null, freq: 8 })), { maxLength: 6 });
    const shapes = [
      { f: 'SUM(v)', d: 'sum(v)', exact: true },
      { f: 'SUM(v) FILTER (WHERE v > 0)', d: 'sum(v) FILTER (WHERE v > 0)', exact: true },
      { f: 'SUM(DISTINCT v)', d: 'sum(DISTINCT v)', exact: true },
      { f: 'AVG(v)', d: 'avg(v)', exact: false },
    ];
    await fc.assert(
      fc.asyncProperty(rows, fc.constantFrom(...shapes), fc.boolean(), async (rs, agg, grouped) => {
        const table: TableSpec = { name: 'big', columns, rows: rs.map(([k, v], i) => [i + 1, k, v]) };
        await oracle.createTable(table);
        const keys = grouped ? 'k, ' : '';
        const group = grouped ? ' GROUP BY k' : '';
        await check(oracle, {
          title: `-- ${agg.f} over BIGINT near the limits disagrees`,
          tables: [table],
          freshetSql: `SELECT ${keys}${agg.f} FROM big${group}`,
          duckSql: `SELECT ${keys}${agg.d} FROM big${group}`,
          rowsort: true,
          tol: AGG_TOLERANCE,
          adjustDuck: agg.exact ? failBeyondBigint(grouped ? 1 : 0) : undefined,
        });
      }),
      fcParams(150),
    );
  }, TEST_TIMEOUT);
});

/** DuckDB's HUGEINT sum becomes the error Freshet must raise when it does not fit a BIGINT. */
function failBeyondBigint(col: number): (dk: Outcome) => Outcome {
  return (dk) => {
    if (!dk.ok) return dk;
    for (const r of dk.rows) {
      const c = r[col];
      if (c && c.k === 'x' && (BigInt(c.v) > INT64_MAX || BigInt(c.v) < INT64_MIN)) {
        return { ok: false, message: `(expected) BIGINT overflow: the exact sum ${c.v} does not fit` };
      }
    }
    return dk;
  };
}
