/**
 * The Postgres dialect of wire sessions, below the protocol: what the grammar reads only with
 * `dialect: 'postgres'`, how a session in that dialect binds catalog tables, Postgres casts, functions
 * and operators (the same engine, planner and operators as Flink SQL), and that a Flink SQL session
 * knows none of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/session/engine.ts';
import type { Session } from '../../src/session/session.ts';
import { parseStatement } from '../../src/sql/parse.ts';
import { PgSystemCatalog } from '../../src/server/pg-catalog/system-catalog.ts';

let engine: Engine;
let flink: Session;
let pg: Session;

async function rows(s: Session, sql: string): Promise<unknown[][]> {
  const r = await s.execute(sql);
  if (r.kind !== 'rows') throw new Error(`expected rows, got ${r.kind}`);
  return r.rows;
}

beforeAll(async () => {
  engine = await Engine.open({});
  flink = engine.createSession({ 'execution.runtime-mode': 'batch' });
  await flink.execute("CREATE TABLE orders (id BIGINT, tags ARRAY<STRING>, PRIMARY KEY (id) NOT ENFORCED) COMMENT 'all orders'");
  await flink.execute("INSERT INTO orders VALUES (1, ARRAY['a', 'b']), (2, ARRAY['c']), (3, CAST(NULL AS ARRAY<STRING>))");
  pg = engine.createSession({ 'execution.runtime-mode': 'batch' });
  const settings = new Map([['server_version', '15.0'], ['application_name', 'test']]);
  pg.dialect = 'postgres';
  pg.systemCatalog = new PgSystemCatalog({
    catalogs: pg.catalogs, user: 'ann', serverVersion: '15.0', freshetVersion: 'test',
    setting: (n) => settings.get(n), setSetting: (n, v) => { settings.set(n, v); }, allSettings: () => [...settings].map(([k, v]) => [k, v, '']),
  });
});

afterAll(async () => {
  await engine.close();
});

describe('grammar', () => {
  const POSTGRES_ONLY = [
    "SELECT 'a' ~ 'b', 'a' !~* 'B'",
    "SELECT relname FROM pg_class WHERE relname OPERATOR(pg_catalog.~) '^o' COLLATE pg_catalog.default",
    'SELECT 1 = ANY (ARRAY[1, 2]), 1 <> ALL (ARRAY[2])',
    'SELECT ARRAY(SELECT 1)',
    "SELECT 'orders'::pg_catalog.regclass, 'r'::\"char\", '{1}'::int2[]",
    'SELECT x FROM pg_catalog.unnest(ARRAY[1]) x',
  ];

  it('reads Postgres syntax only in the Postgres dialect', () => {
    for (const sql of POSTGRES_ONLY) {
      expect(() => parseStatement(sql, { dialect: 'postgres' }), sql).not.toThrow();
      expect(() => parseStatement(sql), sql).toThrow(/syntax error/);
    }
  });

  it('reads Flink SQL the same in both', () => {
    const sql = "SELECT a::INT, E'x\\ty', `b` FROM t WHERE c IN (SELECT d FROM u) AND e = ANY (SELECT f FROM v)";
    expect(parseStatement(sql, { dialect: 'postgres' })).toEqual(parseStatement(sql));
  });
});

describe('a session in the Postgres dialect', () => {
  it('reads catalog tables, and joins them with Freshet tables', async () => {
    expect(await rows(pg, "SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_catalog.pg_class c WHERE c.relname = 'orders'")).toEqual([['orders', 'all orders']]);
    expect(await rows(pg, "SELECT count(*) FROM orders o CROSS JOIN pg_class c WHERE c.oid = 'orders'::regclass")).toEqual([[3]]);
  });

  it('converts between names and OIDs, and text and arrays, as Postgres casts do', async () => {
    const [[oid, name, visible]] = await rows(pg, "SELECT 'orders'::regclass::oid, 'orders'::regclass::text, pg_table_is_visible('orders'::regclass)") as [[number, string, boolean]];
    expect(oid).toBeGreaterThanOrEqual(16384);
    expect([name, visible]).toEqual(['orders', true]);
    expect(await rows(pg, `SELECT relname FROM pg_class WHERE oid = '${oid}'`)).toEqual([['orders']]);
    expect(await rows(pg, "SELECT typname FROM pg_type WHERE typname = ANY ('{int4,text}'::text[]) ORDER BY 1")).toEqual([['int4'], ['text']]);
    await expect(pg.execute("SELECT 'nope'::regclass")).rejects.toMatchObject({ sqlState: '42P01' });
  });

  it('runs functions in FROM, set-returning functions, ARRAY(subquery) and UNNEST over outer columns', async () => {
    expect(await rows(pg, 'SELECT i, s[i] FROM generate_series(1, 2) AS i, string_to_array(\'x,y\', \',\') AS s')).toEqual([[1, 'x'], [2, 'y']]);
    expect(await rows(pg, "SELECT relid::regclass::text FROM pg_partition_ancestors('orders')")).toEqual([['orders']]);
    expect(await rows(pg, 'SELECT id, array(SELECT upper(t) FROM unnest(o.tags) t ORDER BY 1 DESC) FROM orders o ORDER BY id'))
      .toEqual([[1, ['B', 'A']], [2, ['C']], [3, []]]);
    expect(await rows(pg, 'SELECT indkey[0], array_lower(indkey, 1), array_upper(indkey, 1) FROM pg_index')).toEqual([[1, 0, 0]]);
  });

  it('matches regular expressions and compares with arrays in three-valued logic', async () => {
    expect(await rows(pg, "SELECT 'Orders' ~ '^o', 'Orders' ~* '^o', 'Orders' !~ 'x', 2 = ANY (ARRAY[1, NULL]), 2 <> ALL (ARRAY[1, 3])"))
      .toEqual([[false, true, true, null, true]]);
  });

  it('reads dollar-quoted strings and bytea in its text forms', async () => {
    const [[a, b, c, d, e]] = await rows(pg, "SELECT $$it's; $1 here$$, $fn$ a $$ b $fn$, '\\x00ff10'::bytea, CAST('a\\\\b\\001' AS BYTEA), 'plain'::bytea") as [[string, string, Uint8Array, Uint8Array, Uint8Array]];
    expect([a, b]).toEqual(["it's; $1 here", ' a $$ b ']);
    expect([...c]).toEqual([0, 255, 16]);
    expect([...d]).toEqual([97, 92, 98, 1]);
    expect(Buffer.from(e).toString()).toBe('plain');
    await expect(pg.execute("SELECT '\\xzz'::bytea")).rejects.toMatchObject({ sqlState: '22P02' });
    await expect(flink.execute('SELECT $$x$$')).rejects.toMatchObject({ sqlState: '42601' });
    // Flink SQL keeps its cast: the UTF-8 bytes of the text
    expect([...(await rows(flink, "SELECT CAST('\\x41' AS BYTES)"))[0]![0] as Uint8Array]).toEqual([92, 120, 52, 49]);
  });

  it('shows the system catalog and the Postgres functions to no Flink SQL session', async () => {
    await expect(flink.execute('SELECT * FROM pg_catalog.pg_class')).rejects.toMatchObject({ sqlState: '3F000' });
    await expect(flink.execute('SELECT version()')).rejects.toMatchObject({ sqlState: '42883' });
    const fns = await rows(pg, "SHOW FUNCTIONS LIKE 'PG_GET_USERBYID'");
    expect(fns).toEqual([['PG_GET_USERBYID']]);
    expect(await rows(flink, "SHOW FUNCTIONS LIKE 'PG_GET_USERBYID'")).toEqual([]);
  });
});

describe('correlated subqueries over outer columns in FROM (both dialects)', () => {
  it('aggregate UNNEST of an outer array once per distinct array', async () => {
    expect(await rows(flink, 'SELECT id, (SELECT COUNT(*) FROM UNNEST(o.tags) AS x(t)), (SELECT MAX(t) FROM UNNEST(o.tags) AS x(t) WHERE t > \'a\') FROM orders o ORDER BY id'))
      .toEqual([[1, 2, 'b'], [2, 1, 'c'], [3, 0, null]]);
  });
});
