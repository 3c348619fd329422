/**
 * SUBSCRIBE over the wire: rows flowing to node-postgres as changes are committed until a CancelRequest,
 * snapshot = false and progress rows through a cursor, COPY (SUBSCRIBE ..) TO STDOUT, a psql script that
 * pages a subscription with FETCH, and psycopg 3's cursor.stream() (clients/psycopg3_stream_check.py).
 * Every wait is for a row or a message, never for time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import pg from 'pg';
import { RawClient, serialize, startServer, type TestServer } from './server-kit.ts';

const PSQL = ['/usr/bin/psql', '/usr/lib/postgresql/15/bin/psql'].find((p) => existsSync(p));
const CLIENTS = join(dirname(fileURLToPath(import.meta.url)), 'clients');
const PY3 = [process.env['PYTHON'], 'python3', '/usr/bin/python3'].filter((p): p is string => !!p)
  .find((py) => spawnSync(py, ['-c', 'import psycopg'], { stdio: 'ignore', timeout: 30_000 }).status === 0);
if (!PY3) console.warn('subscribe.test.ts: psycopg 3 (skipped: not installed here; .ci/run installs python3-psycopg)');

let ts: TestServer;
let writer: pg.Client;

beforeAll(async () => {
  ts = await startServer();
  writer = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'writer', database: 'freshet' });
  await writer.connect();
});

afterAll(async () => {
  await writer.end();
  await ts.close();
});

async function connectClient(): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'reader', database: 'freshet' });
  await c.connect();
  return c;
}

/** Sends a CancelRequest for `c`'s running statement, as psql does on Ctrl-C. */
async function cancel(c: pg.Client): Promise<void> {
  const { processID, secretKey } = c as unknown as { processID: number; secretKey: number };
  const s = connect(ts.port, '127.0.0.1');
  await new Promise<void>((resolve) => s.once('connect', resolve));
  const b = Buffer.alloc(16);
  b.writeInt32BE(16, 0);
  b.writeInt32BE(80877102, 4);
  b.writeInt32BE(processID, 8);
  b.writeInt32BE(secretKey, 12);
  s.end(b);
  await new Promise<void>((resolve) => s.once('close', () => resolve()));
}

describe('SUBSCRIBE', () => {
  it('streams the snapshot, then each commit as it happens, until the client cancels', async () => {
    await writer.query('CREATE TABLE stock (sku STRING PRIMARY KEY NOT ENFORCED, qty INT)');
    await writer.query("INSERT INTO stock VALUES ('apple', 3), ('pear', 5)");
    const reader = await connectClient();
    const rows: Array<Record<string, unknown>> = [];
    let wake: () => void = () => {};
    const until = (n: number) => new Promise<void>((resolve) => {
      const check = (): void => { if (rows.length >= n) resolve(); else wake = check; };
      check();
    });
    const query = reader.query(new pg.Query('SUBSCRIBE TO stock'));
    query.on('row', (row: Record<string, unknown>) => { rows.push(row); wake(); });
    const ended = new Promise<{ code?: string }>((resolve) => {
      query.on('error', (e: Error & { code?: string }) => resolve(e));
      query.on('end', () => resolve({}));
    });
    await until(2);
    expect(rows.map((r) => [r['op'], r['sku'], r['qty']]).sort()).toEqual([['+I', 'apple', 3], ['+I', 'pear', 5]]);
    // each commit arrives while the statement is still running
    await writer.query("INSERT INTO stock VALUES ('apple', 4)");
    await until(4);
    expect(rows.slice(2).map((r) => [r['op'], r['sku'], r['qty']])).toEqual([['-U', 'apple', 3], ['+U', 'apple', 4]]);
    await writer.query("INSERT INTO stock VALUES ('fig', 1)");
    await until(5);
    expect([rows[4]!['op'], rows[4]!['sku']]).toEqual(['+I', 'fig']);
    // rows of one commit share its time, and later commits come later
    const times = rows.map((r) => (r['commit_time'] as Date).getTime());
    expect(times[0]).toBe(times[1]);
    expect(times[2]).toBe(times[3]);
    expect(times[2]).toBeGreaterThanOrEqual(times[0]!);
    expect(times[4]).toBeGreaterThanOrEqual(times[3]!);
    await cancel(reader);
    expect((await ended).code).toBe('57014');
    // the session goes on
    expect((await reader.query('SELECT COUNT(*) AS n FROM stock')).rows[0].n).toBe('3');
    await reader.end();
  });

  it('a cancelled SUBSCRIBE leaves the cursors held open by the session alone', async () => {
    await writer.query('CREATE TABLE held (n INT)');
    await writer.query('INSERT INTO held VALUES (1), (2), (3)');
    const reader = await connectClient();
    await reader.query('DECLARE keep CURSOR WITH HOLD FOR SELECT n FROM held ORDER BY n');
    expect((await reader.query('FETCH keep')).rows).toEqual([{ n: 1 }]);
    let started: () => void = () => {};
    const first = new Promise<void>((r) => { started = r; });
    const query = reader.query(new pg.Query('SUBSCRIBE held'));
    query.on('row', () => started());
    const ended = new Promise<{ code?: string }>((resolve) => query.on('error', (e: Error & { code?: string }) => resolve(e)));
    await first;
    await cancel(reader);
    expect((await ended).code).toBe('57014');
    expect((await reader.query('FETCH 5 keep')).rows).toEqual([{ n: 2 }, { n: 3 }]);
    await reader.end();
  });

  it('with snapshot = false shows only later changes (an aggregate as -U/+U), with progress rows', async () => {
    await writer.query('CREATE TABLE clicks (page STRING, n INT)');
    await writer.query("INSERT INTO clicks VALUES ('home', 1), ('home', 1), ('about', 1)");
    const reader = await connectClient();
    await reader.query('BEGIN');
    await reader.query('DECLARE per_page CURSOR FOR SUBSCRIBE (SELECT page, SUM(n) AS total FROM clicks GROUP BY page) WITH (snapshot = false, progress = true)');
    // nothing of the snapshot; once the read has caught up, a progress row says so
    const caught = await reader.query('FETCH 10 per_page');
    expect(caught.fields.map((f) => f.name)).toEqual(['op', 'commit_time', 'progressed', 'page', 'total']);
    expect(caught.rows).toEqual([{ op: null, commit_time: expect.any(Date), progressed: true, page: null, total: null }]);
    const start = (caught.rows[0].commit_time as Date).getTime();
    await writer.query("INSERT INTO clicks VALUES ('home', 5)");
    const got: Array<Record<string, unknown>> = [];
    while (got.length < 3) got.push(...(await reader.query('FETCH 10 per_page')).rows);
    expect(got[0]).toMatchObject({ op: null, progressed: true, page: null, total: null });
    expect(got.slice(1, 3).map((r) => [r['op'], r['progressed'], r['page'], r['total']])).toEqual([['-U', false, 'home', '2'], ['+U', false, 'home', '7']]);
    const commit = (got[1]!['commit_time'] as Date).getTime();
    expect((got[0]!['commit_time'] as Date).getTime()).toBe(commit);
    expect(commit).toBeGreaterThanOrEqual(start);
    // then caught up again: a progress row just past that commit
    while (got.length < 4) got.push(...(await reader.query('FETCH 10 per_page')).rows);
    expect(got[3]).toMatchObject({ op: null, progressed: true });
    expect((got[3]!['commit_time'] as Date).getTime()).toBe(commit + 1);
    await reader.query('COMMIT');
    await reader.end();
  });

  it('streams through COPY (SUBSCRIBE ..) TO STDOUT', async () => {
    await writer.query('CREATE TABLE events (id INT, what STRING)');
    await writer.query("INSERT INTO events VALUES (1, 'start')");
    const c = await RawClient.ready(ts.port);
    c.send(serialize.query("COPY (SUBSCRIBE (SELECT id, what FROM events WHERE id > 0)) TO STDOUT WITH (FORMAT csv)"));
    const lines = (): string[] => Buffer.concat(c.messages.filter((m) => m.name === 'copyData').map((m: any) => m.chunk)).toString().split('\n').filter(Boolean);
    await c.waitUntil(() => lines().length >= 1);
    await writer.query("INSERT INTO events VALUES (2, 'tick, tock')");
    await c.waitUntil(() => lines().length >= 2);
    expect(lines().map((l) => l.replace(/^([^,]*),[^,]*,/, '$1,'))).toEqual(['+I,1,start', '+I,2,"tick, tock"']);
    const key = c.messages.find((m) => m.name === 'backendKeyData') as any;
    const k = await RawClient.connect(ts.port);
    k.send(serialize.cancel(key.processID, key.secretKey));
    await c.waitFor('readyForQuery', 2);
    expect((c.messages.find((m) => m.name === 'error') as any).code).toBe('57014');
    c.end();
  });

  it('refuses unknown options and tables, and is Postgres-dialect only', async () => {
    const reader = await connectClient();
    await expect(reader.query('SUBSCRIBE TO nope')).rejects.toMatchObject({ code: '42P01' });
    await expect(reader.query('SUBSCRIBE events WITH (envelope = true)')).rejects.toMatchObject({ code: '22023', position: '24' });
    await expect(reader.query("SUBSCRIBE events WITH (snapshot = 'maybe')")).rejects.toMatchObject({ code: '22023' });
    await reader.end();
  });
});

describe('SUBSCRIBE as an oracle test', () => {
  it('its changes add up to what a SELECT returns, after any sequence of commits (keyed and append tables, queries)', async () => {
    let round = 0;
    await fc.assert(fc.asyncProperty(
      fc.array(fc.array(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
      fc.constantFrom('keyed', 'append', 'aggregate'),
      async (commits, shape) => {
        const t = `oracle_${round++}`;
        await writer.query(shape === 'keyed' ? `CREATE TABLE ${t} (k INT PRIMARY KEY NOT ENFORCED, v INT)` : `CREATE TABLE ${t} (k INT, v INT)`);
        await writer.query(`INSERT INTO ${t} VALUES (0, 0)`);
        const query = shape === 'aggregate' ? `SELECT k, SUM(v) AS v FROM ${t} GROUP BY k` : `SELECT k, v FROM ${t}`;
        const reader = await connectClient();
        const state = new Map<string, number>();
        let wake: () => void = () => {};
        const q = reader.query(new pg.Query({ text: `SUBSCRIBE (${query})`, rowMode: 'array' } as pg.QueryConfig));
        q.on('row', (row: unknown[]) => {
          const key = `${row[2]}|${row[3]}`;
          state.set(key, (state.get(key) ?? 0) + (row[0] === '+I' || row[0] === '+U' ? 1 : -1));
          wake();
        });
        const ended = new Promise<void>((resolve) => q.on('error', () => resolve()));
        for (const rows of commits) await writer.query(`INSERT INTO ${t} VALUES ${rows.map(([k, v]) => `(${k}, ${v})`).join(', ')}`);
        const expected = (await writer.query({ text: query, rowMode: 'array' })).rows.map((r) => `${r[0]}|${r[1]}`).sort();
        const current = (): string[] => [...state].flatMap(([k, n]) => Array.from({ length: Math.max(0, n) }, () => k)).sort();
        // every change is a row of its own, so the rows add up to the result exactly once all have arrived
        while (JSON.stringify(current()) !== JSON.stringify(expected)) await new Promise<void>((r) => { wake = r; });
        expect([...state.values()].every((n) => n >= 0)).toBe(true);
        await cancel(reader);
        await ended;
        await reader.end();
      },
    ), { seed: 7, numRuns: 12 });
  });
});

describe.skipIf(!PSQL)('psql', () => {
  it('pages a SUBSCRIBE cursor with FETCH in a script with FETCH_COUNT set', async () => {
    await writer.query('CREATE TABLE colors (name STRING)');
    await writer.query("INSERT INTO colors VALUES ('red'), ('green'), ('blue')");
    const script = [
      '\\set FETCH_COUNT 2',
      'SELECT name FROM colors ORDER BY name;',
      'BEGIN;',
      'DECLARE feed CURSOR FOR SUBSCRIBE (SELECT name FROM colors);',
      'FETCH 2 feed;',
      'FETCH 2 feed;',
      "FETCH 2 feed WITH (timeout = '0s');",
      'COMMIT;',
    ].join('\n');
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(PSQL!, ['-h', '127.0.0.1', '-p', String(ts.port), '-U', 'alice', '-d', 'freshet', '-X', '-q', '-A', '-v', 'ON_ERROR_STOP=1'], {
        env: { PATH: process.env.PATH ?? '', PGCONNECT_TIMEOUT: '10' }, timeout: 60_000,
      }, (e, stdout, stderr) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr }));
      child.stdin!.end(script + '\n');
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout.replace(/\|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00\|/g, '|T|').split('\n');
    expect(out).toEqual([
      'name', 'blue', 'green', 'red', '(3 rows)',
      'op|commit_time|name', '+I|T|red', '+I|T|green', '(2 rows)',
      'op|commit_time|name', '+I|T|blue', '(1 row)',
      'op|commit_time|name', '(0 rows)',
      '',
    ]);
  });
});

describe.skipIf(!PY3)('psycopg 3', () => {
  it('copies rows both ways and streams a subscription with cursor.stream() until it cancels', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(PY3!, ['psycopg3_stream_check.py', String(ts.port)], { cwd: CLIENTS, timeout: 60_000, env: { ...process.env, TZ: 'UTC' } },
        (e, out, stderr) => (e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(out)));
    });
    expect(JSON.parse(stdout)).toEqual({
      copy_in_rowcount: 3,
      copy_out_rows: [['1', 'tab\there'], ['2', null], ['3', 'line\nbreak']],
      ended: '57014',
      streamed: [['+I', 1, 'tab\there'], ['+I', 2, null], ['+I', 3, 'line\nbreak'], ['+I', 5, 'five']],
      after_cancel: 4,
    });
  });
});
