/**
 * The emulated Postgres catalog over node-postgres: information_schema, pg_catalog tables, the
 * functions clients call first, stable OIDs, live metadata, parameters over the extended protocol,
 * and the queries DBeaver, Metabase, Grafana and JDBC send. Where a real PostgreSQL 15 is reachable on
 * 127.0.0.1:5432 it is the oracle for result shapes (column names and type OIDs) and format_type().
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { readdirSync, readFileSync } from 'node:fs';
import { Engine } from '../../src/session/engine.ts';
import { recognizeCatalogQuery } from '../../src/server/pg-catalog/catalog-query.ts';
import { startServer, type TestServer } from './server-kit.ts';

let engine: Engine;
let ts: TestServer;
let oracle: pg.Client | undefined;

async function client(database = 'freshet', binary = false): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'app', database, binary } as pg.ClientConfig);
  await c.connect();
  return c;
}

async function query(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const c = await client();
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}

async function ddl(sql: string): Promise<void> {
  const s = engine.createSession({ 'execution.runtime-mode': 'batch' });
  try {
    await s.execute(sql);
  } finally {
    engine.releaseSession(s);
  }
}

beforeAll(async () => {
  engine = await Engine.open({});
  ts = await startServer({}, engine);
  await ddl("CREATE DATABASE sales COMMENT 'sales data'");
  await ddl("CREATE TABLE orders (id BIGINT NOT NULL, customer VARCHAR(40) COMMENT 'who ordered', amount DECIMAL(10, 2), day STRING, "
    + "PRIMARY KEY (id, day) NOT ENFORCED) COMMENT 'all orders' PARTITIONED BY (day)");
  await ddl('CREATE VIEW big_orders AS SELECT id, amount FROM orders WHERE amount > 100');
  await ddl('CREATE TABLE sales.leads (name STRING, score DOUBLE)');
  try {
    const c = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000 });
    await c.connect();
    oracle = c;
  } catch {
    oracle = undefined;
  }
});

afterAll(async () => {
  await oracle?.end();
  await ts.close();
  await engine.close();
});

describe('which statements are catalog queries', () => {
  it('takes queries on pg_catalog / information_schema and Postgres-only functions', () => {
    expect(recognizeCatalogQuery('SELECT * FROM pg_catalog.pg_class')).toBeDefined();
    expect(recognizeCatalogQuery('select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace')).toBeDefined();
    expect(recognizeCatalogQuery('SELECT * FROM information_schema.tables WHERE table_schema = $2')?.paramCount).toBe(2);
    expect(recognizeCatalogQuery('SELECT version()')).toBeDefined();
    expect(recognizeCatalogQuery("SELECT 'orders'::regclass")).toBeDefined();
  });

  it('leaves Flink SQL to the engine', () => {
    expect(recognizeCatalogQuery('SELECT 1')).toBeUndefined();
    expect(recognizeCatalogQuery('SELECT * FROM orders')).toBeUndefined();
    expect(recognizeCatalogQuery('SELECT * FROM `pg_class`')).toBeUndefined();
    expect(recognizeCatalogQuery('SELECT version(), * FROM orders')).toBeUndefined();
    expect(recognizeCatalogQuery('SELECT * FROM orders o JOIN pg_catalog.pg_class c ON c.relname = o.customer')).toBeUndefined();
    expect(recognizeCatalogQuery("INSERT INTO orders VALUES (1, 'a', 1.0, 'x')")).toBeUndefined();
    expect(recognizeCatalogQuery('SELECT UPPER(customer) FROM sales.leads')).toBeUndefined();
  });

  it('takes no statement of the SQL test files (all Flink SQL)', () => {
    const taken: string[] = [];
    let seen = 0;
    const dir = new URL('../../sql-tests/', import.meta.url);
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.slt'))) {
      for (const block of readFileSync(new URL(f, dir), 'utf8').split(/\n\s*\n/)) {
        const ls = block.split('\n');
        const head = ls.findIndex((l) => /^(statement|query)\b/.test(l));
        if (head < 0) continue;
        const body = ls.slice(head + 1);
        const end = body.findIndex((l) => l.startsWith('----'));
        const sql = (end < 0 ? body : body.slice(0, end)).join('\n');
        seen++;
        if (recognizeCatalogQuery(sql)) taken.push(`${f}: ${sql}`);
      }
    }
    expect(seen).toBeGreaterThan(100);
    expect(taken).toEqual([]);
  });

  it('keeps answering Flink queries from the engine', async () => {
    const r = await query('SELECT 1');
    expect(r.fields[0]!.name).toBe('EXPR$0');
  });
});

describe('functions', () => {
  it('version, current_database, current_schema, pg_is_in_recovery, has_table_privilege', async () => {
    const r = await query("SELECT version() AS v, current_database() AS db, current_schema() AS s, current_schema AS s2, pg_is_in_recovery() AS rec, "
      + "has_table_privilege('orders', 'SELECT') AS p1, has_table_privilege(current_user, 'sales.leads', 'SELECT') AS p2, current_user AS u");
    expect(r.rows[0]).toEqual({ v: expect.stringMatching(/^PostgreSQL 15\.0 \(Freshet .*\)/), db: 'default_catalog', s: 'default_database', s2: 'default_database', rec: false, p1: true, p2: true, u: 'app' });
  });

  it('current_database and current_schema follow the database name of the connection', async () => {
    const c = await client('default_catalog.sales');
    try {
      const r = await c.query('SELECT current_database() AS db, current_schema() AS s');
      expect(r.rows[0]).toEqual({ db: 'default_catalog', s: 'sales' });
    } finally {
      await c.end();
    }
  });

  it('has_table_privilege on an unknown table is an error, as in Postgres', async () => {
    await expect(query("SELECT has_table_privilege('nope', 'SELECT')")).rejects.toMatchObject({ code: '42P01', message: 'relation "nope" does not exist' });
  });

  it('current_setting and set_config read and change the session settings', async () => {
    const c = await client();
    try {
      const r = await c.query("SELECT current_setting('server_version') AS v, set_config('application_name', 'dash', false) AS s, current_setting('application_name') AS a");
      expect(r.rows[0]).toEqual({ v: '15.0', s: 'dash', a: 'dash' });
      expect((await c.query('SHOW application_name')).rows[0]).toEqual({ application_name: 'dash' });
      await expect(c.query("SELECT current_setting('no_such_thing')")).rejects.toMatchObject({ code: '42704' });
      expect((await c.query("SELECT current_setting('no_such_thing', true) AS x")).rows[0]).toEqual({ x: null });
    } finally {
      await c.end();
    }
  });

  it('obj_description, col_description, pg_get_viewdef, format_type, array_to_string', async () => {
    const r = await query("SELECT obj_description('orders'::regclass, 'pg_class') AS t, col_description('orders'::regclass, 2) AS c, "
      + "pg_get_viewdef('big_orders'::regclass) AS v, format_type(1043, 44) AS f, array_to_string(ARRAY['a', NULL, 'b'], E'\\t', '-') AS a");
    expect(r.rows[0]).toEqual({ t: 'all orders', c: 'who ordered', v: ' SELECT id, amount FROM orders WHERE amount > 100;', f: 'character varying(40)', a: 'a\t-\tb' });
  });

  it('format_type agrees with PostgreSQL', async (ctx) => {
    if (!oracle) ctx.skip();
    const sql = 'SELECT format_type(t, m) AS f FROM (VALUES (16, -1), (21, -1), (23, -1), (20, -1), (700, -1), (701, -1), (25, -1), (1043, 14), (1043, -1), '
      + '(1042, 5), (1700, 655366), (1700, -1), (1082, -1), (1083, 3), (1114, 3), (1114, -1), (1184, 6), (1186, -1), (17, -1), (1007, -1), (1009, -1), (18, -1), (19, -1), (26, -1)) AS x(t, m)';
    const mine = await query(sql);
    const theirs = await oracle!.query(sql);
    expect(mine.rows).toEqual(theirs.rows);
  });
});

describe('information_schema', () => {
  it('tables, with a parameter (extended protocol)', async () => {
    const r = await query('SELECT table_catalog, table_name, table_type FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', ['default_database']);
    expect(r.rows).toEqual([
      { table_catalog: 'default_catalog', table_name: 'big_orders', table_type: 'VIEW' },
      { table_catalog: 'default_catalog', table_name: 'orders', table_type: 'BASE TABLE' },
    ]);
  });

  it('columns', async () => {
    const r = await query("SELECT column_name, ordinal_position, data_type, is_nullable, character_maximum_length, numeric_precision, numeric_scale "
      + "FROM information_schema.columns WHERE table_schema = 'default_database' AND table_name = $1 ORDER BY ordinal_position", ['orders']);
    expect(r.rows).toEqual([
      { column_name: 'id', ordinal_position: 1, data_type: 'bigint', is_nullable: 'NO', character_maximum_length: null, numeric_precision: 64, numeric_scale: 0 },
      { column_name: 'customer', ordinal_position: 2, data_type: 'character varying', is_nullable: 'YES', character_maximum_length: 40, numeric_precision: null, numeric_scale: null },
      { column_name: 'amount', ordinal_position: 3, data_type: 'numeric', is_nullable: 'YES', character_maximum_length: null, numeric_precision: 10, numeric_scale: 2 },
      { column_name: 'day', ordinal_position: 4, data_type: 'text', is_nullable: 'NO', character_maximum_length: null, numeric_precision: null, numeric_scale: null },
    ]);
  });

  it('schemata', async () => {
    const r = await query('SELECT schema_name FROM information_schema.schemata ORDER BY 1');
    expect(r.rows.map((x) => x.schema_name)).toEqual(['default_database', 'information_schema', 'pg_catalog', 'sales']);
  });

  it('sees objects as they are created and dropped', async () => {
    const sql = "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'fleeting'";
    expect((await query(sql)).rows[0]).toEqual({ n: 0 });
    await ddl('CREATE TABLE fleeting (x INT)');
    expect((await query(sql)).rows[0]).toEqual({ n: 1 });
    await ddl('DROP TABLE fleeting');
    expect((await query(sql)).rows[0]).toEqual({ n: 0 });
  });
});

describe('pg_catalog', () => {
  it('gives each object a stable OID that all catalog tables agree on', async () => {
    const sql = "SELECT c.oid, 'orders'::regclass::oid AS reg, n.nspname, array_agg(a.attname::text ORDER BY a.attnum) AS cols "
      + 'FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid '
      + "WHERE c.relname = 'orders' GROUP BY c.oid, n.nspname";
    const first = await query(sql);
    const second = await query(sql);
    expect(first.rows).toEqual(second.rows);
    const row = first.rows[0];
    expect(row.oid).toBe(row.reg);
    expect(row.oid).toBeGreaterThanOrEqual(16384);
    expect(row.nspname).toBe('default_database');
    expect(row.cols).toEqual(['id', 'customer', 'amount', 'day']);
  });

  it('describes columns with Postgres type OIDs (oid, name, "char", regclass)', async () => {
    const r = await query("SELECT c.oid, c.relname, c.relkind, c.relnatts, c.relhasindex, c.oid::regclass AS reg FROM pg_catalog.pg_class c WHERE c.relname = 'orders'");
    expect(r.fields.map((f) => [f.name, f.dataTypeID])).toEqual([['oid', 26], ['relname', 19], ['relkind', 18], ['relnatts', 21], ['relhasindex', 16], ['reg', 2205]]);
    expect(r.rows[0]).toMatchObject({ relname: 'orders', relkind: 'p', relnatts: 4, relhasindex: true, reg: 'orders' });
  });

  it('shows the primary key in pg_index and pg_constraint', async () => {
    const r = await query("SELECT i.indisprimary, i.indkey, pg_get_indexdef(i.indexrelid) AS def, pg_get_constraintdef(con.oid) AS con "
      + 'FROM pg_catalog.pg_index i JOIN pg_catalog.pg_constraint con ON con.conindid = i.indexrelid '
      + "WHERE i.indrelid = 'orders'::regclass");
    expect(r.rows).toEqual([{ indisprimary: true, indkey: '1 4', def: 'CREATE UNIQUE INDEX orders_pkey ON default_database.orders USING btree (id, day)', con: 'PRIMARY KEY (id, day)' }]);
  });

  it('lists catalogs as databases and databases as namespaces', async () => {
    const dbs = await query('SELECT datname, pg_encoding_to_char(encoding) AS enc FROM pg_catalog.pg_database');
    expect(dbs.rows).toEqual([{ datname: 'default_catalog', enc: 'UTF8' }]);
    const ns = await query("SELECT nspname, obj_description(oid, 'pg_namespace') AS d FROM pg_catalog.pg_namespace WHERE nspname !~ '^pg_' ORDER BY 1");
    expect(ns.rows).toEqual([{ nspname: 'default_database', d: null }, { nspname: 'information_schema', d: null }, { nspname: 'sales', d: 'sales data' }]);
  });

  it('has the tables clients read first, empty where Freshet has nothing', async () => {
    for (const t of ['pg_enum', 'pg_policy', 'pg_inherits', 'pg_publication', 'pg_statistic_ext', 'pg_trigger', 'pg_extension']) {
      expect((await query(`SELECT * FROM pg_catalog.${t}`)).rowCount, t).toBe(0);
    }
    const types = await query('SELECT oid, typname, typarray FROM pg_catalog.pg_type WHERE typname = ANY($1::text[]) ORDER BY oid', ['{int4,text,numeric}']);
    expect(types.rows).toEqual([{ oid: 23, typname: 'int4', typarray: 1007 }, { oid: 25, typname: 'text', typarray: 1009 }, { oid: 1700, typname: 'numeric', typarray: 1231 }]);
    const settings = await query('SELECT setting FROM pg_catalog.pg_settings WHERE name = $1', ['standard_conforming_strings']);
    expect(settings.rows).toEqual([{ setting: 'on' }]);
    const desc = await query("SELECT d.description FROM pg_catalog.pg_description d WHERE d.objoid = 'orders'::regclass AND d.objsubid = 0 AND d.classoid = 'pg_class'::regclass");
    expect(desc.rows).toEqual([{ description: 'all orders' }]);
  });

  it('has the shapes of PostgreSQL 15 catalog tables', async (ctx) => {
    if (!oracle) ctx.skip();
    for (const t of ['pg_catalog.pg_class', 'pg_catalog.pg_namespace', 'pg_catalog.pg_type', 'pg_catalog.pg_database', 'pg_catalog.pg_index', 'pg_catalog.pg_constraint',
      'pg_catalog.pg_settings', 'pg_catalog.pg_roles', 'pg_catalog.pg_description', 'pg_catalog.pg_enum', 'pg_catalog.pg_am', 'pg_catalog.pg_proc',
      'information_schema.tables', 'information_schema.columns', 'information_schema.schemata']) {
      const sql = `SELECT * FROM ${t} WHERE false`;
      const shape = (r: pg.QueryResult): string[] => r.fields.map((f) => `${f.name}:${f.dataTypeID}`);
      expect(shape(await query(sql)), t).toEqual(shape(await oracle!.query(sql)));
    }
  });

  it('sends oid, bool and name columns in binary when asked, and refuses what it cannot', async () => {
    const c = await client('freshet', true);
    try {
      const r = await c.query('SELECT c.oid, c.relname, c.relhasindex FROM pg_catalog.pg_class c WHERE c.relname = $1', ['orders']);
      expect(r.rows[0]).toMatchObject({ relname: 'orders', relhasindex: true });
      expect(r.rows[0].oid).toBeGreaterThanOrEqual(16384);
      await expect(c.query('SELECT $1::regclass AS r', ['orders'])).rejects.toMatchObject({ code: '0A000' });
    } finally {
      await c.end();
    }
  });

  it('reports errors with SQLSTATEs', async () => {
    await expect(query('SELECT nope FROM pg_catalog.pg_class')).rejects.toMatchObject({ code: '42703' });
    await expect(query('SELECT pg_catalog.no_such_function()')).rejects.toMatchObject({ code: '42883' });
    await expect(query("SELECT 'no_such_table'::regclass")).rejects.toMatchObject({ code: '42P01' });
  });
});

describe('what client tools send first', () => {
  it('DBeaver: schemas with descriptions, database, pg_class of a schema', async () => {
    const ns = await query("SELECT n.oid, n.*, d.description FROM pg_catalog.pg_namespace n LEFT OUTER JOIN pg_catalog.pg_description d "
      + "ON d.objoid = n.oid AND d.objsubid = 0 AND d.classoid = 'pg_namespace'::regclass ORDER BY nspname");
    expect(ns.rows.map((r) => r.nspname)).toEqual(['default_database', 'information_schema', 'pg_catalog', 'sales']);
    const db = await query('SELECT db.oid, db.* FROM pg_catalog.pg_database db WHERE datallowconn AND NOT datistemplate AND db.datname = $1', ['default_catalog']);
    expect(db.rowCount).toBe(1);
    const oid = ns.rows[0].oid;
    const rels = await query("SELECT c.oid, c.relname, d.description FROM pg_catalog.pg_class c LEFT OUTER JOIN pg_catalog.pg_description d "
      + "ON d.objoid = c.oid AND d.objsubid = 0 AND d.classoid = 'pg_class'::regclass WHERE c.relnamespace = $1 AND c.relkind NOT IN ('i', 'I', 'c') ORDER BY 2", [oid]);
    expect(rels.rows.map((r) => [r.relname, r.description])).toEqual([['big_orders', null], ['orders', 'all orders']]);
  });

  it('Metabase: readable tables outside the system schemas', async () => {
    const r = await query("SELECT n.nspname AS schema, c.relname AS name, CASE c.relkind WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'PARTITIONED TABLE' WHEN 'v' THEN 'VIEW' END AS type, "
      + 'd.description AS description FROM pg_catalog.pg_class c INNER JOIN pg_catalog.pg_namespace n ON c.relnamespace = n.oid '
      + 'LEFT JOIN pg_catalog.pg_description d ON c.oid = d.objoid AND d.objsubid = 0 '
      + "WHERE c.relkind IN ('r', 'p', 'v', 'f', 'm') AND n.nspname !~ '^information_schema$|^pg_' AND has_table_privilege(c.oid, 'SELECT') ORDER BY 1, 2");
    expect(r.rows).toEqual([
      { schema: 'default_database', name: 'big_orders', type: 'VIEW', description: null },
      { schema: 'default_database', name: 'orders', type: 'PARTITIONED TABLE', description: 'all orders' },
      { schema: 'sales', name: 'leads', type: 'TABLE', description: null },
    ]);
  });

  it('Grafana: tables on the search path', async () => {
    const r = await query("SELECT quote_ident(table_name) AS t FROM information_schema.tables WHERE table_schema IN ("
      + "SELECT CASE WHEN trim(s[i]) = '\"$user\"' THEN user ELSE trim(s[i]) END FROM generate_series("
      + "array_lower(string_to_array(current_setting('search_path'), ','), 1), array_upper(string_to_array(current_setting('search_path'), ','), 1)) AS i, "
      + "string_to_array(current_setting('search_path'), ',') AS s) ORDER BY 1");
    expect(r.rows).toEqual([{ t: 'big_orders' }, { t: 'orders' }]);
  });

  it('JDBC-style column listing with a window function', async () => {
    const r = await query("SELECT c.relname, a.attname, row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS n, format_type(a.atttypid, a.atttypmod) AS type "
      + 'FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid '
      + "WHERE c.relkind IN ('r', 'p', 'v') AND a.attnum > 0 AND NOT a.attisdropped AND n.nspname LIKE 'sales' ORDER BY c.relname, n");
    expect(r.rows).toEqual([
      { relname: 'leads', attname: 'name', n: '1', type: 'text' },
      { relname: 'leads', attname: 'score', n: '2', type: 'double precision' },
    ]);
  });
});
