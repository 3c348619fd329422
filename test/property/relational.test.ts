/**
 * Relational operators, Freshet vs DuckDB, on two small random tables with NULL and duplicate keys:
 * - joins: INNER/LEFT/RIGHT/FULL on one or two keys (=, IS NOT DISTINCT FROM, or a non-equi condition),
 *   with extra ON conditions and WHERE filters above (where outer-join filter placement goes wrong);
 * - IN / NOT IN / EXISTS / NOT EXISTS subqueries (NOT IN with NULLs is three-valued);
 * - UNION / INTERSECT / EXCEPT, with and without ALL;
 * - ORDER BY with explicit NULLS FIRST/LAST, LIMIT and OFFSET, compared in order (a unique id ends every
 *   sort key, so the order is fully determined).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import fc from 'fast-check';
import { EXACT_DOUBLES, Oracle } from './support/oracle.ts';
import { BIGINT, BOOLEAN, DATE, DOUBLE, INT, STRING, TIMESTAMP, dec, valueOf, type Column, type TableSpec, type Value } from './support/sql-model.ts';
import { TEST_TIMEOUT, check, fcParams, reportKnownHits } from './support/runner.ts';

const L_COLUMNS: Column[] = [{ name: 'id', type: INT }, { name: 'k', type: INT }, { name: 'k2', type: STRING }, { name: 'v', type: INT }, { name: 'f', type: DOUBLE }];
const R_COLUMNS: Column[] = [{ name: 'id', type: INT }, { name: 'k', type: INT }, { name: 'k2', type: STRING }, { name: 'w', type: STRING }];

const key = fc.option(fc.integer({ min: 0, max: 3 }), { nil: null, freq: 5 });
const key2 = fc.option(fc.constantFrom('a', 'b'), { nil: null, freq: 5 });

function tableArb(name: string, columns: Column[], maxRows: number): fc.Arbitrary<TableSpec> {
  const other = columns.slice(3).map((c) => valueOf(c.type, { small: true }));
  return fc.array(fc.tuple(key, key2, ...other), { maxLength: maxRows }).map((rows) => ({
    name,
    columns,
    rows: rows.map((r, i) => [(name === 'l' ? 100 : 200) + i, ...r]),
  }));
}

const tables = fc.tuple(tableArb('l', L_COLUMNS, 7), tableArb('r', R_COLUMNS, 7));

let oracle: Oracle;

beforeAll(async () => {
  oracle = await Oracle.open();
});

afterAll(() => {
  reportKnownHits('relational');
  oracle.close();
});

async function createBoth(l: TableSpec, r: TableSpec): Promise<void> {
  await oracle.createTable(l);
  await oracle.createTable(r);
}

describe('relational operators agree with DuckDB', () => {
  it('joins with NULL keys: INNER/LEFT/RIGHT/FULL, extra ON conditions, filters above outer joins', async () => {
    const join = fc.record({
      kind: fc.constantFrom('INNER', 'LEFT', 'RIGHT', 'FULL'),
      on: fc.constantFrom('l.k = r.k', 'l.k = r.k AND l.k2 = r.k2', 'l.k IS NOT DISTINCT FROM r.k', 'l.k < r.k', 'l.k = r.k OR l.k2 = r.k2'),
      extraOn: fc.option(fc.constantFrom('l.v > 0', 'r.w IS NOT NULL', 'r.k2 = \'a\'', 'l.k2 IS NULL'), { nil: undefined, freq: 3 }),
      where: fc.option(fc.constantFrom('r.id IS NULL', 'l.id IS NULL', 'l.v > 0', 'r.w IS NOT NULL', 'COALESCE(l.k, r.k) = 1', 'l.k2 = r.k2', 'r.k IS NULL OR l.v < 0'), { nil: undefined, freq: 2 }),
    });
    await fc.assert(
      fc.asyncProperty(tables, join, async ([l, r], j) => {
        await createBoth(l, r);
        const on = j.extraOn ? `${j.on} AND ${j.extraOn}` : j.on;
        const where = j.where ? ` WHERE ${j.where}` : '';
        const sql = `SELECT l.id, r.id, l.k, r.k, l.k2, r.w, l.v FROM l ${j.kind} JOIN r ON ${on}${where}`;
        await check(oracle, { title: '-- join disagrees', tables: [l, r], freshetSql: sql, duckSql: sql, rowsort: true, tol: EXACT_DOUBLES });
      }),
      fcParams(200),
    );
  }, TEST_TIMEOUT);

  it('IN / NOT IN / EXISTS / NOT EXISTS subqueries with NULLs', async () => {
    const pred = fc.constantFrom(
      'k IN (SELECT k FROM r)',
      'k NOT IN (SELECT k FROM r)',
      'k NOT IN (SELECT k FROM r WHERE k IS NOT NULL)',
      'k IN (SELECT k FROM r WHERE r.k2 = l.k2)',
      'k NOT IN (SELECT k FROM r WHERE r.k2 = l.k2)',
      'EXISTS (SELECT 1 FROM r WHERE r.k = l.k)',
      'NOT EXISTS (SELECT 1 FROM r WHERE r.k = l.k)',
      'NOT EXISTS (SELECT 1 FROM r WHERE r.k = l.k AND r.k2 <> l.k2)',
      'v > (SELECT COUNT(*) FROM r WHERE r.k = l.k)',
      '(k, k2) IN (SELECT k, k2 FROM r)',
    );
    const shape = fc.constantFrom('where', 'select', 'or');
    await fc.assert(
      fc.asyncProperty(tables, pred, shape, async ([l, r], p, s0) => {
        // DuckDB answers NULL for a row-valued IN whose rows all differ in a non-NULL field (standard SQL and
        // Freshet: FALSE); as a filter both mean "no"
        const s = p.startsWith('(k, k2)') ? 'where' : s0;
        await createBoth(l, r);
        // the predicate as a filter, as a value (its NULLs show), and under OR (no longer a plain semi-join)
        const sql = s === 'where' ? `SELECT id, k FROM l WHERE ${p}`
          : s === 'select' ? `SELECT id, ${p} AS hit FROM l`
          : `SELECT id FROM l WHERE v < 0 OR ${p}`;
        await check(oracle, { title: '-- subquery predicate disagrees', tables: [l, r], freshetSql: sql, duckSql: sql, rowsort: true, tol: EXACT_DOUBLES });
      }),
      fcParams(200),
    );
  }, TEST_TIMEOUT);

  it('UNION / INTERSECT / EXCEPT [ALL] treat NULLs as equal and count duplicates', async () => {
    const op = fc.constantFrom('UNION', 'UNION ALL', 'INTERSECT', 'INTERSECT ALL', 'EXCEPT', 'EXCEPT ALL');
    const proj = fc.constantFrom('k, k2', 'k', 'k2');
    await fc.assert(
      fc.asyncProperty(tables, op, proj, fc.boolean(), async ([l, r], o, cols, swap) => {
        await createBoth(l, r);
        const [a, b] = swap ? ['r', 'l'] : ['l', 'r'];
        const sql = `SELECT ${cols} FROM ${a} ${o} SELECT ${cols} FROM ${b}`;
        await check(oracle, { title: '-- set operation disagrees', tables: [l, r], freshetSql: sql, duckSql: sql, rowsort: true, tol: EXACT_DOUBLES });
      }),
      fcParams(150),
    );
  }, TEST_TIMEOUT);

  it('ORDER BY with NULLS FIRST/LAST, LIMIT and OFFSET', async () => {
    const sortKey = fc.tuple(fc.constantFrom('k', 'k2', 'v', 'f', 'k + v', 'UPPER(k2)'), fc.constantFrom('ASC', 'DESC'), fc.constantFrom('NULLS FIRST', 'NULLS LAST'));
    const q = fc.record({
      keys: fc.array(sortKey, { minLength: 1, maxLength: 3 }),
      limit: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
      offset: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
      where: fc.option(fc.constantFrom('v > 0', 'k IS NOT NULL', 'f < 0'), { nil: undefined, freq: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(tableArb('l', L_COLUMNS, 12), q, async (l, x) => {
        await oracle.createTable(l);
        const order = [...x.keys.map(([e, dir, nulls]) => `${e} ${dir} ${nulls}`), 'id'].join(', ');
        const where = x.where ? ` WHERE ${x.where}` : '';
        const limit = x.limit !== undefined ? ` LIMIT ${x.limit}` : '';
        const offset = x.offset !== undefined ? ` OFFSET ${x.offset}` : '';
        const sql = `SELECT id, k, k2, v, f FROM l${where} ORDER BY ${order}${limit}${offset}`;
        await check(oracle, { title: '-- ORDER BY disagrees', tables: [l], freshetSql: sql, duckSql: sql, rowsort: false, tol: EXACT_DOUBLES });
      }),
      fcParams(200),
    );
  }, TEST_TIMEOUT);
});

describe('keys of every type agree with DuckDB (hash joins, grouping, DISTINCT)', () => {
  // few distinct values per column, so that keys collide; -0.0 and NaN among the doubles, values beyond
  // 2^53 among the BIGINTs, equal decimals of different scales, decimals beyond 64 bits
  const KEY_COLUMNS: Column[] = [
    { name: 'id', type: INT }, { name: 'ki', type: INT }, { name: 'kb', type: BIGINT }, { name: 'km', type: dec(10, 2) }, { name: 'kn', type: dec(12, 3) },
    { name: 'kw', type: dec(38, 0) }, { name: 'kf', type: DOUBLE }, { name: 'ks', type: STRING }, { name: 'kd', type: DATE }, { name: 'kt', type: TIMESTAMP }, { name: 'kp', type: BOOLEAN }, { name: 'v', type: INT },
  ];
  const pools: Record<string, readonly Value[]> = {
    ki: [0, 1, 2, -1, 2147483647],
    kb: [1n, 2n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n],
    km: [110n, 100n, 0n, -5n, 99999999n],
    kn: [1100n, 1000n, 1001n, 0n, -50n],
    kw: [10n ** 20n, 10n ** 20n + 1n, -(10n ** 30n), 2n ** 64n, 2n ** 64n + 1n, 2n ** 63n, 1n, 0n],
    kf: [0, -0, Number.NaN, 1.5, 2 ** 53, -2.25, Number.POSITIVE_INFINITY],
    ks: ['a', 'b', '', 'é', '🦆'],
    kd: [0, 1, 19782, -1],
    kt: [0, 1, 999, 1709164800000, -1],
    kp: [true, false],
    v: [1, 2, 3, -4],
  };
  const row = fc.tuple(...KEY_COLUMNS.slice(1).map((c) => fc.option(fc.constantFrom(...pools[c.name]!), { nil: null, freq: 5 })));
  const keyTable = (name: string): fc.Arbitrary<TableSpec> =>
    fc.array(row, { maxLength: 10 }).map((rows) => ({ name, columns: KEY_COLUMNS, rows: rows.map((r, i) => [(name === 'kl' ? 100 : 200) + i, ...r]) }));
  const pairs: Array<[string, string]> = [
    ['ki', 'ki'], ['ki', 'kb'], ['kb', 'kb'], ['km', 'km'], ['km', 'kn'], ['kn', 'ki'], ['kf', 'kf'], ['kf', 'ki'], ['ks', 'ks'], ['kd', 'kd'], ['kt', 'kt'], ['kp', 'kp'], ['km', 'kf'],
    ['kw', 'kw'], ['kw', 'kb'], ['kw', 'ki'],
  ];

  it('equi-joins on one or two keys of any type', async () => {
    const cond = fc.array(fc.constantFrom(...pairs), { minLength: 1, maxLength: 2 });
    await fc.assert(
      fc.asyncProperty(keyTable('kl'), keyTable('kr'), cond, fc.constantFrom('INNER', 'LEFT', 'FULL'), async (l, r, on, kind) => {
        await oracle.createTable(l);
        await oracle.createTable(r);
        const sql = `SELECT a.id, b.id FROM kl a ${kind} JOIN kr b ON ${on.map(([x, y]) => `a.${x} = b.${y}`).join(' AND ')}`;
        await check(oracle, { title: '-- join on typed keys disagrees', tables: [l, r], freshetSql: sql, duckSql: sql, rowsort: true, tol: EXACT_DOUBLES });
      }),
      fcParams(150),
    );
  }, TEST_TIMEOUT);

  it('GROUP BY, DISTINCT and COUNT(DISTINCT) on keys of any type', async () => {
    const names = KEY_COLUMNS.slice(1, -1).map((c) => c.name);
    const shape = fc.tuple(fc.constantFrom('group', 'distinct', 'count'), fc.subarray(names, { minLength: 1, maxLength: 3 }));
    await fc.assert(
      fc.asyncProperty(keyTable('kl'), shape, async (l, [kind, keys]) => {
        await oracle.createTable(l);
        const ks = keys.join(', ');
        const sql = kind === 'group' ? `SELECT ${ks}, COUNT(*), SUM(v), MIN(id) FROM kl GROUP BY ${ks}`
          : kind === 'distinct' ? `SELECT DISTINCT ${ks} FROM kl`
          : `SELECT ${keys.map((k) => `COUNT(DISTINCT ${k})`).join(', ')} FROM kl`;
        await check(oracle, { title: '-- grouping on typed keys disagrees', tables: [l], freshetSql: sql, duckSql: sql, rowsort: true, tol: EXACT_DOUBLES });
      }),
      fcParams(150),
    );
  }, TEST_TIMEOUT);
});
