/**
 * The relational properties again on inputs large enough to leave the small-input paths: several
 * batches (4096 rows each), more groups and join keys than a hash table's first capacity, sorts whose
 * LIMIT/OFFSET window straddles a batch boundary. Rows come from a seeded generator (fast-check picks
 * the size, the key domain, the NULL rate and the seed, and shrinks those), so a failure reproduces
 * from the printed script.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import fc from 'fast-check';
import { EXACT_DOUBLES, Oracle } from './support/oracle.ts';
import { BIGINT, DOUBLE, INT, STRING, dec, type Column, type TableSpec, type Value } from './support/sql-model.ts';
import { TEST_TIMEOUT, check, fcParams, reportKnownHits } from './support/runner.ts';

const COLUMNS: Column[] = [
  { name: 'id', type: INT }, { name: 'k', type: INT }, { name: 'kb', type: BIGINT }, { name: 'kf', type: DOUBLE },
  { name: 'ks', type: STRING }, { name: 'km', type: dec(12, 2) }, { name: 'v', type: INT },
];
const KEYS = ['k', 'kb', 'kf', 'ks', 'km'];

interface Shape {
  rows: number;
  domain: number;
  /** Added to the INT key: dense ranges below zero or near the INT limit (perfect-hash paths). */
  shift: number;
  nullPct: number;
  seed: number;
}

/** xorshift32: a small deterministic generator, so that rows follow from the shape alone. */
function generator(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

function table(name: string, firstId: number, shape: Shape): TableSpec {
  const next = generator(shape.seed);
  const rows: Value[][] = [];
  for (let i = 0; i < shape.rows; i++) {
    const nul = next() * 100 < shape.nullPct;
    const k = Math.floor(next() * shape.domain);
    // one key, five types: INT (shifted), BIGINT beyond 2^53, a DOUBLE with a fraction, a string, a decimal
    const key: Value[] = nul ? [null, null, null, null, null] : [k + shape.shift, BigInt(k) * 2n ** 40n + 1n, k / 4 - 100, `k${k}`, BigInt(k) * 7n - 5000n];
    const v = next() < 0.05 ? null : Math.floor(next() * 2001) - 1000;
    rows.push([firstId + i, ...key, v]);
  }
  return { name, columns: COLUMNS, rows };
}

const shape = (maxRows: number): fc.Arbitrary<Shape> =>
  fc.record({
    rows: fc.oneof(fc.integer({ min: 0, max: maxRows }), fc.constantFrom(4095, 4096, 4097, 8193)),
    domain: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1000, max: 6000 })),
    shift: fc.constantFrom(0, 0, -3000, 2147400000),
    nullPct: fc.constantFrom(0, 5, 30),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  }).map((s) => ({ ...s, rows: Math.min(s.rows, maxRows) }));

let oracle: Oracle;

beforeAll(async () => {
  oracle = await Oracle.open();
});

afterAll(() => {
  reportKnownHits('large inputs');
  oracle.close();
});

async function agree(title: string, tables: TableSpec[], sql: string, rowsort = true): Promise<void> {
  await check(oracle, { title, tables, freshetSql: sql, duckSql: sql, rowsort, tol: EXACT_DOUBLES });
}

describe('large inputs agree with DuckDB', () => {
  it('GROUP BY and DISTINCT with thousands of groups', async () => {
    await fc.assert(
      fc.asyncProperty(shape(9000), fc.constantFrom(...KEYS), fc.boolean(), async (s, key, distinct) => {
        const l = table('bl', 1, s);
        await oracle.createTable(l);
        const sql = distinct
          ? `SELECT DISTINCT ${key} FROM bl`
          : `SELECT ${key}, COUNT(*), COUNT(v), SUM(v), MIN(v), MAX(v), COUNT(DISTINCT v), MIN(id) FROM bl GROUP BY ${key}`;
        await agree('-- grouping a large input disagrees', [l], sql);
      }),
      fcParams(12),
    );
  }, TEST_TIMEOUT);

  it('hash joins with thousands of keys (INNER/LEFT/RIGHT/FULL), summarised', async () => {
    await fc.assert(
      fc.asyncProperty(shape(6000), shape(6000), fc.constantFrom(...KEYS), fc.constantFrom('INNER', 'LEFT', 'RIGHT', 'FULL'), async (sl, sr, key, kind) => {
        const l = table('bl', 1, sl);
        const r = table('br', 100000, sr);
        await oracle.createTable(l);
        await oracle.createTable(r);
        // summarised so that a key with many matches does not make a huge result
        const sql = `SELECT COUNT(*), COUNT(l.id), COUNT(r.id), SUM(l.v), SUM(r.v), MIN(r.id), MAX(l.id) FROM bl l ${kind} JOIN br r ON l.${key} = r.${key}`;
        await agree('-- join of large inputs disagrees', [l, r], sql);
        const perKey = `SELECT l.${key}, COUNT(*), SUM(r.v) FROM bl l ${kind} JOIN br r ON l.${key} = r.${key} GROUP BY l.${key}`;
        await agree('-- join of large inputs, per key, disagrees', [l, r], perKey);
      }),
      fcParams(10),
    );
  }, TEST_TIMEOUT);

  it('semi-, anti-joins and set operations on large inputs', async () => {
    const q = fc.constantFrom(
      'SELECT COUNT(*), SUM(v) FROM bl WHERE k IN (SELECT k FROM br)',
      'SELECT COUNT(*), SUM(v) FROM bl WHERE k NOT IN (SELECT k FROM br)',
      'SELECT COUNT(*), SUM(v) FROM bl WHERE NOT EXISTS (SELECT 1 FROM br WHERE br.ks = bl.ks)',
      'SELECT COUNT(*) FROM (SELECT kb FROM bl INTERSECT SELECT kb FROM br) x',
      'SELECT COUNT(*) FROM (SELECT kf, k FROM bl EXCEPT ALL SELECT kf, k FROM br) x',
      'SELECT COUNT(*), COUNT(DISTINCT km) FROM (SELECT km FROM bl UNION ALL SELECT km FROM br) x',
    );
    await fc.assert(
      fc.asyncProperty(shape(6000), shape(6000), q, async (sl, sr, sql) => {
        const l = table('bl', 1, sl);
        const r = table('br', 100000, sr);
        await oracle.createTable(l);
        await oracle.createTable(r);
        await agree('-- semi-join or set operation on large inputs disagrees', [l, r], sql);
      }),
      fcParams(10),
    );
  }, TEST_TIMEOUT);

  it('ORDER BY with LIMIT/OFFSET across batch boundaries', async () => {
    const order = fc.tuple(fc.constantFrom('v', 'ks', 'kf', 'km', 'kb'), fc.constantFrom('ASC', 'DESC'), fc.constantFrom('NULLS FIRST', 'NULLS LAST'));
    const window = fc.tuple(fc.integer({ min: 1, max: 40 }), fc.oneof(fc.constantFrom(0, 4080, 4090, 8180), fc.integer({ min: 0, max: 9000 })));
    await fc.assert(
      fc.asyncProperty(shape(9000), order, window, async (s, [col, dir, nulls], [limit, offset]) => {
        const l = table('bl', 1, s);
        await oracle.createTable(l);
        const sql = `SELECT id, ${col}, v FROM bl ORDER BY ${col} ${dir} ${nulls}, id LIMIT ${limit} OFFSET ${offset}`;
        await agree('-- ORDER BY on a large input disagrees', [l], sql, false);
      }),
      fcParams(12),
    );
  }, TEST_TIMEOUT);
});
