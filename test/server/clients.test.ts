/**
 * Real Postgres clients against the server: postgres.js in this process; psycopg2, psycopg 3 and the
 * PostgreSQL JDBC driver as child processes running the programs in clients/, which print what they saw for
 * the assertions here. A client that is not installed is skipped with a message saying what to install;
 * .ci/run installs all of them, so CI runs everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { startServer, type TestServer } from './server-kit.ts';

const CLIENTS = join(dirname(fileURLToPath(import.meta.url)), 'clients');
/** Only there so that a stuck client fails its test instead of hanging the suite. */
const CHILD_TIMEOUT_MS = 60_000;

const works = (cmd: string, args: string[]): boolean => spawnSync(cmd, args, { stdio: 'ignore', timeout: 30_000 }).status === 0;

/** A Python that can import `module`: $PYTHON, python3 on the PATH, or the system one (where Debian's packages go). */
function pythonWith(module: string): string | undefined {
  const candidates = [process.env['PYTHON'], 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  return candidates.find((py) => works(py, ['-c', `import ${module}`]));
}

const PY2 = pythonWith('psycopg2');
const PY3 = pythonWith('psycopg');
const JDBC_JAR = [process.env['PG_JDBC_JAR'], '/usr/share/java/postgresql.jar'].find((p): p is string => !!p && existsSync(p));
// single-file source launch needs a JDK (the compiler), not only a JRE
const JAVA = works('java', ['-version']) && works('javac', ['-version']) ? 'java' : undefined;

const skipNote = (what: string, install: string): string => `${what} (skipped: not installed here; .ci/run installs ${install})`;
for (const [missing, what, install] of [[!PY2, 'psycopg2', 'python3-psycopg2'], [!PY3, 'psycopg 3', 'python3-psycopg'],
  [!JAVA || !JDBC_JAR, 'JDBC', 'openjdk-17-jdk-headless and libpostgresql-jdbc-java']] as const) {
  if (missing) console.warn(`clients.test.ts: ${skipNote(what, install)}`);
}

let ts: TestServer;

beforeAll(async () => {
  ts = await startServer();
});

afterAll(async () => {
  await ts.close();
});

/** Runs a client program; resolves with its stdout, or rejects with its stderr. */
function runChild(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: CLIENTS, timeout: CHILD_TIMEOUT_MS, maxBuffer: 16 << 20, env: { ...process.env, TZ: 'UTC', PYTHONIOENCODING: 'utf-8' } },
      (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}\n${stdout}`)) : resolve(stdout)));
  });
}

const b64 = (bytes: number[]): string => Buffer.from(bytes).toString('base64');

// ---- postgres.js ----

/** BIGINT as JavaScript bigint both ways (postgres.js's default reads it as a string). */
const connectPostgresJs = (port: number) => postgres({
  host: '127.0.0.1', port, user: 'pjs', database: 'freshet', max: 2, connect_timeout: 10, types: { bigint: postgres.BigInt }, onnotice: () => {},
});

describe('postgres.js', () => {
  let sql: ReturnType<typeof connectPostgresJs>;

  beforeAll(async () => {
    sql = connectPostgresJs(ts.port);
    await sql`CREATE TABLE pjs_types (i INT, b BIGINT, d DOUBLE, n DECIMAL(12, 3), s STRING, f BOOLEAN, dt DATE, ts TIMESTAMP(6), bin BYTES)`;
  });

  afterAll(async () => {
    await sql?.end({ timeout: 5 });
  });

  it('connects and runs simple queries', async () => {
    // the connection has already run postgres.js's array type query on pg_catalog.pg_type
    expect(await sql`SELECT 1 AS one, 'two' AS two`).toEqual([{ one: 1, two: 'two' }]);
    // several statements in one Simple Query: one result each
    const results = await sql`SELECT 1 AS a; SELECT 'x' AS b`.simple() as unknown as Array<Array<Record<string, unknown>>>;
    expect(results.map((r) => [...r])).toEqual([[{ a: 1 }], [{ b: 'x' }]]);
  });

  it('round-trips int, bigint, double, numeric, text, bool, date, timestamp and bytea through parameters', async () => {
    const rows = [
      { i: 1, b: 9007199254740993n, d: 0.1, n: '12.345', s: "héllo 'quoted'", f: true, dt: '2024-02-29', ts: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 123)), bin: Buffer.from([0, 255, 16]) },
      { i: 2, b: -5n, d: -1.5e300, n: '-0.001', s: '', f: false, dt: '1999-12-31', ts: new Date(Date.UTC(1999, 11, 31, 23, 59, 59)), bin: Buffer.alloc(0) },
    ];
    for (const r of rows) {
      // postgres.js sends strings untyped; a string for a DATE column needs its type in the statement
      const res = await sql`INSERT INTO pjs_types VALUES (${r.i}, ${r.b}, ${r.d}, ${r.n}, ${r.s}, ${r.f}, ${r.dt}::DATE, ${r.ts}, ${r.bin})`;
      expect(res.count).toBe(1);
    }
    const back = await sql`SELECT * FROM pjs_types ORDER BY i`;
    expect(back.columns.map((c) => c.type)).toEqual([23, 20, 701, 1700, 25, 16, 1082, 1114, 17]);
    expect([...back]).toEqual(rows.map((r) => ({ ...r, dt: new Date(`${r.dt}T00:00:00Z`) })));
    // and as parameters in a WHERE clause
    const hit = await sql`SELECT i FROM pjs_types WHERE b = ${9007199254740993n} AND s = ${"héllo 'quoted'"} AND f = ${true} AND ts = ${rows[0]!.ts} AND bin = ${rows[0]!.bin}`;
    expect([...hit]).toEqual([{ i: 1 }]);
  });

  it('runs parameterized queries, prepared once and reused', async () => {
    for (const i of [1, 2, 1]) {
      expect([...await sql`SELECT s FROM pjs_types WHERE i = ${i}`]).toEqual([{ s: i === 1 ? "héllo 'quoted'" : '' }]);
    }
    expect([...await sql.unsafe('SELECT COUNT(*)::INT AS n FROM pjs_types WHERE d > $1', [0])]).toEqual([{ n: 1 }]);
  });

  it('reads through a cursor in batches (Execute with a row limit)', async () => {
    const batches: number[][] = [];
    for await (const batch of sql`SELECT i FROM pjs_types ORDER BY i`.cursor(1)) batches.push(batch.map((r) => r['i'] as number));
    expect(batches).toEqual([[1], [2]]);
  });

  it('runs a transaction block', async () => {
    const n = await sql.begin(async (tx) => (await tx`SELECT COUNT(*) AS n FROM pjs_types`)[0]!['n']);
    expect(n).toBe(2n);
  });

  it('reports an error with its SQLSTATE and position, and the connection goes on', async () => {
    const e = await sql`SELECT i,\n  nope FROM pjs_types WHERE i = ${1}`.catch((x: unknown) => x) as postgres.PostgresError;
    expect(e).toBeInstanceOf(postgres.PostgresError);
    expect(e.code).toBe('42703');
    expect(e.position).toBe('13');
    const syntax = await sql`SELECT FROM WHERE`.catch((x: unknown) => x) as postgres.PostgresError;
    expect(syntax.code).toBe('42601');
    expect([...await sql`SELECT 2 AS two`]).toEqual([{ two: 2 }]);
  });
});

// ---- psycopg2 ----

describe.skipIf(!PY2)(PY2 ? 'psycopg2' : skipNote('psycopg2', 'python3-psycopg2'), () => {
  let r: Record<string, any>;

  beforeAll(async () => {
    r = JSON.parse(await runChild(PY2!, [join(CLIENTS, 'psycopg2_check.py'), String(ts.port)]));
  });

  it('connects and creates and fills a table (parameters quoted into the text)', () => {
    expect(r['server_version']).toBe(150000);
    expect(r['insert_rowcount']).toBe(2);
    expect(r['named_params']).toEqual([['two']]);
  });

  it('fetches every type as its Python type', () => {
    expect(r['columns']).toEqual([['id', 23], ['big', 20], ['ratio', 701], ['price', 1700], ['name', 25], ['ok', 16], ['day', 1082], ['at', 1114], ['raw', 17]]);
    expect(r['row'].slice(0, 8)).toEqual([['int', 1], ['int', 9007199254740993], ['float', 0.1], ['Decimal', '12.50'], ['str', "héllo 'quoted'"], ['bool', true],
      ['date', '2024-02-29'], ['datetime', '2024-01-02T03:04:05.123456']]);
    expect(r['bytes_read']).toEqual(['bytes', b64([0, 255, 16])]);
  });

  it('writes bytea with psycopg2.Binary (a \'\\x00ff10\'::bytea literal, read as Postgres reads it)', () => {
    expect(r['row'][8]).toEqual(['bytes', b64([0, 255, 16])]);
  });

  it('runs in a transaction as psycopg2 does by default, and reports errors with pgcode', () => {
    expect(r['count_in_transaction']).toBe(2);
    expect(r['status_in_transaction']).toBe(2); // TRANSACTION_STATUS_INTRANS
    expect(r['error']).toMatchObject({ pgcode: '42703', class: 'UndefinedColumn', position: '8' });
    expect(r['status_after_error']).toBe(3); // TRANSACTION_STATUS_INERROR
    expect(r['after_rollback']).toBe(1);
  });
});

// ---- psycopg 3 ----

describe.skipIf(!PY3)(PY3 ? 'psycopg 3' : skipNote('psycopg 3', 'python3-psycopg'), () => {
  let r: Record<string, any>;

  beforeAll(async () => {
    r = JSON.parse(await runChild(PY3!, [join(CLIENTS, 'psycopg3_check.py'), String(ts.port)]));
  });

  it('connects and creates and fills a table (parameters bound on the server)', () => {
    expect(r['server_version']).toBe(150000);
    expect(r['insert_rowcount']).toBe(2);
    expect(r['named_params']).toEqual([['two']]);
    expect(r['prepared']).toBe('two');
  });

  it('fetches every type as its Python type, in text and in binary', () => {
    const all = [['int', 1], ['int', 9007199254740993], ['float', 0.1], ['Decimal', '12.50'], ['str', "héllo 'quoted'"], ['bool', true],
      ['date', '2024-02-29'], ['datetime', '2024-01-02T03:04:05.123456'], ['bytes', b64([0, 255, 16])]];
    expect(r['columns']).toEqual([['id', 23], ['big', 20], ['ratio', 701], ['price', 1700], ['name', 25], ['ok', 16], ['day', 1082], ['at', 1114], ['raw', 17]]);
    expect(r['row']).toEqual(all);
    expect(r['binary_row']).toEqual(all.filter((v) => v[0] !== 'Decimal'));
  });

  it('runs a transaction, reports errors with sqlstate, and rolls back (DEALLOCATE ALL included)', () => {
    expect(r['count_in_transaction']).toBe(2);
    expect(r['status_in_transaction']).toBe('INTRANS');
    expect(r['error']).toMatchObject({ pgcode: '42703', class: 'UndefinedColumn', position: '8' });
    expect(r['status_after_error']).toBe('INERROR');
    expect(r['after_rollback']).toBe(1);
  });
});

// ---- JDBC ----

describe.skipIf(!JAVA || !JDBC_JAR)(JAVA && JDBC_JAR ? 'JDBC' : skipNote('JDBC', 'openjdk-17-jdk-headless and libpostgresql-jdbc-java'), () => {
  /** step -> key -> values, from the program's "step<TAB>key<TAB>value" lines. */
  const steps = new Map<string, Map<string, string[]>>();
  const values = (step: string, key: string): string[] => steps.get(step)?.get(key) ?? [];
  const expectOk = (step: string): void => {
    expect(values(step, 'error'), `step ${step}`).toEqual([]);
    expect(values(step, 'ok'), `step ${step}`).toEqual(['true']);
  };

  beforeAll(async () => {
    const out = await runChild(JAVA!, ['-cp', JDBC_JAR!, join(CLIENTS, 'JdbcCheck.java'), String(ts.port)]);
    for (const line of out.split('\n')) {
      const [step, key, ...rest] = line.split('\t');
      if (!step || key === undefined) continue;
      if (!steps.has(step)) steps.set(step, new Map());
      const m = steps.get(step)!;
      m.set(key, [...(m.get(key) ?? []), rest.join('\t')]);
    }
  });

  it('connects', () => {
    expectOk('connect');
    expect(values('connect', 'product')).toEqual(['PostgreSQL']);
    expect(values('connect', 'version')).toEqual(['15.0']);
  });

  it('copies with CopyManager, reads a portal in pieces with a fetch size, and reads a SUBSCRIBE row by row', () => {
    expectOk('copy');
    expect(values('copy', 'in')).toEqual(['1000']);
    expect(values('copy', 'out')).toEqual(['2']);
    expect(values('copy', 'text')).toEqual(['id,name 1,name 1 2,name 2 ']);
    expectOk('fetchsize');
    expect([values('fetchsize', 'rows'), values('fetchsize', 'sum')]).toEqual([['1000'], ['500500']]);
    expectOk('subscribe');
    expect([values('subscribe', 'first'), values('subscribe', 'change'), values('subscribe', 'after')]).toEqual([['+I|1|one'], ['+I|2|two'], ['2']]);
  });

  it('runs statements through Statement', () => {
    expectOk('statement');
    expect(values('statement', 'insert')).toEqual(['1']);
    expect(values('statement', 'row')).toEqual(['1|one']);
  });

  it('binds parameters through PreparedStatement (also once it is a named server-side statement)', () => {
    expectOk('prepared');
    expect(values('prepared', 'insert')).toEqual(['1']);
    expect(Object.fromEntries(['id', 'name', 'price', 'day', 'at', 'flag', 'big', 'ratio', 'raw'].map((k) => [k, values('prepared', k)[0]]))).toEqual({
      id: '2', name: "héllo 'quoted'", price: '12.50', day: '2024-02-29', at: '2024-01-02 03:04:05.123456', flag: 'false', big: '9007199254740993', ratio: '0.1', raw: '00ff10',
    });
  });

  // the driver sends java.sql.Date/Timestamp untyped as '2024-02-29 +00'; Postgres infers the column's type, Freshet's parameters have no inference
  it.todo('binds java.sql.Date and java.sql.Timestamp (setDate/setTimestamp) into DATE and TIMESTAMP columns');

  it('describes result columns through ResultSetMetaData', () => {
    expectOk('metadata');
    expect(values('metadata', 'count')).toEqual(['9']);
    // name | type name | java.sql.Types
    expect(values('metadata', 'column')).toEqual(['id|int4|4', 'name|text|12', 'price|numeric|2', 'day|date|91', 'at|timestamp|93', 'ok|bool|-7',
      'big|int8|-5', 'ratio|float8|8', 'raw|bytea|-2']);
  });

  it('runs a transaction with autocommit off', () => {
    expectOk('transaction');
    expect(values('transaction', 'count')).toEqual(['2']);
  });

  it('reports an error with its SQLSTATE and position, and the connection goes on', () => {
    expectOk('error');
    expect(values('error', 'sqlstate')).toEqual(['42703']);
    expect(values('error', 'position')).toEqual(['13']);
    expect(values('error', 'after')).toEqual(['1']);
  });

  it('lists tables through DatabaseMetaData.getTables', () => {
    expectOk('getTables');
    expect(values('getTables', 'table')).toEqual(['default_database|jdbc_items|TABLE']);
  });

  it('lists columns through DatabaseMetaData.getColumns', () => {
    expectOk('getColumns');
    expect(values('getColumns', 'column')).toEqual(['1|id|int4|4', '2|name|text|12', '3|price|numeric|2', '4|day|date|91', '5|at|timestamp|93',
      '6|ok|bool|-7', '7|big|int8|-5', '8|ratio|float8|8', '9|raw|bytea|-2']);
  });
});
