/**
 * Cursors over the wire: DECLARE / FETCH / MOVE / CLOSE as Postgres answers them (transaction blocks,
 * WITH HOLD, errors), psql's FETCH_COUNT (which declares a cursor and fetches in pages) and psycopg2's
 * named cursors (with COPY and a SUBSCRIBE cursor, in clients/psycopg2_stream_check.py).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startServer, type TestServer } from './server-kit.ts';

const PSQL = ['/usr/bin/psql', '/usr/lib/postgresql/15/bin/psql'].find((p) => existsSync(p));
const CLIENTS = join(dirname(fileURLToPath(import.meta.url)), 'clients');
const PY2 = [process.env['PYTHON'], 'python3', '/usr/bin/python3'].filter((p): p is string => !!p)
  .find((py) => spawnSync(py, ['-c', 'import psycopg2'], { stdio: 'ignore', timeout: 30_000 }).status === 0);
if (!PY2) console.warn('cursors.test.ts: psycopg2 (skipped: not installed here; .ci/run installs python3-psycopg2)');

let ts: TestServer;
let client: pg.Client;

beforeAll(async () => {
  ts = await startServer();
  client = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'cur', database: 'freshet' });
  await client.connect();
  await client.query('CREATE TABLE letters (n INT, ch STRING)');
  await client.query(`INSERT INTO letters VALUES ${Array.from({ length: 26 }, (_, i) => `(${i + 1}, '${String.fromCharCode(97 + i)}')`).join(', ')}`);
});

afterAll(async () => {
  await client.end();
  await ts.close();
});

const q = async (sql: string) => client.query(sql);
const err = async (sql: string): Promise<{ code: string; message: string; hint?: string }> => {
  try {
    await client.query(sql);
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error(`${sql} did not fail`);
};

describe('DECLARE, FETCH, MOVE, CLOSE', () => {
  it('reads a query forward in pages, with the command tags Postgres sends', async () => {
    await q('BEGIN');
    const d = await q('DECLARE c NO SCROLL CURSOR FOR SELECT n, ch FROM letters ORDER BY n');
    expect(d.command).toBe('DECLARE');
    let r = await q('FETCH 3 FROM c');
    expect([r.command, r.rowCount, r.rows.map((x) => x.ch).join('')]).toEqual(['FETCH', 3, 'abc']);
    expect(r.fields.map((f) => f.name)).toEqual(['n', 'ch']);
    r = await q('FETCH c');
    expect(r.rows).toEqual([{ n: 4, ch: 'd' }]);
    r = await q('MOVE FORWARD 5 IN c');
    expect([r.command, r.rowCount]).toEqual(['MOVE', 5]);
    r = await q('FETCH NEXT FROM c');
    expect(r.rows[0].ch).toBe('j');
    r = await q('FETCH RELATIVE 0 FROM c');
    expect(r.rows[0].ch).toBe('j');
    r = await q('FETCH ABSOLUTE 12 FROM c');
    expect(r.rows[0].ch).toBe('l');
    r = await q('FETCH RELATIVE 2 FROM c');
    expect(r.rows[0].ch).toBe('n');
    r = await q('FETCH ALL FROM c');
    expect(r.rows.map((x) => x.ch).join('')).toBe('opqrstuvwxyz');
    r = await q('FETCH 5 c');
    expect([r.rowCount, r.rows]).toEqual([0, []]);
    const closed = await q('CLOSE c');
    expect(closed.command).toBe('CLOSE');
    await q('COMMIT');
  });

  it('needs a transaction block unless WITH HOLD, and closes cursors when the block ends', async () => {
    expect((await err('DECLARE c CURSOR FOR SELECT 1')).code).toBe('25P01');
    await q('BEGIN');
    await q('DECLARE gone CURSOR FOR SELECT n FROM letters');
    await q('DECLARE kept CURSOR WITH HOLD FOR SELECT n FROM letters ORDER BY n');
    await q('DECLARE rolled CURSOR WITH HOLD FOR SELECT n FROM letters');
    await q('COMMIT');
    expect((await err('FETCH gone')).code).toBe('34000');
    expect((await q('FETCH 2 kept')).rows).toEqual([{ n: 1 }, { n: 2 }]);
    await q('BEGIN');
    await q('DECLARE inblock CURSOR WITH HOLD FOR SELECT n FROM letters');
    await q('ROLLBACK');
    // a ROLLBACK closes what the block declared, even WITH HOLD; cursors held from before stay
    expect((await err('FETCH inblock')).code).toBe('34000');
    expect((await q('FETCH kept')).rows).toEqual([{ n: 3 }]);
    await q('CLOSE ALL');
    expect((await err('FETCH kept')).code).toBe('34000');
    // DECLARE WITH HOLD outside a block is fine
    await q('DECLARE solo CURSOR WITH HOLD FOR SELECT 7 AS seven');
    expect((await q('FETCH solo')).rows).toEqual([{ seven: 7 }]);
    await q('CLOSE solo');
  });

  it('refuses what a forward-only cursor cannot do, with the SQLSTATEs of Postgres', async () => {
    await q('BEGIN');
    await q('DECLARE c CURSOR FOR SELECT n FROM letters ORDER BY n');
    const dup = await err('DECLARE c CURSOR FOR SELECT 1');
    expect(dup.code).toBe('42P03');
    await q('ROLLBACK');
    await q('BEGIN');
    await q('DECLARE c CURSOR FOR SELECT n FROM letters ORDER BY n');
    await q('FETCH 3 c');
    expect((await err('FETCH BACKWARD 1 FROM c')).code).toBe('55000');
    await q('ROLLBACK');
    await q('BEGIN');
    expect((await err('DECLARE s SCROLL CURSOR FOR SELECT 1')).code).toBe('0A000');
    await q('ROLLBACK');
    await q('BEGIN');
    expect((await err('DECLARE s CURSOR FOR SELECT nope FROM letters')).code).toBe('42703');
    expect((await err('FETCH s')).code).toBe('25P02');
    await q('ROLLBACK');
    expect((await err('CLOSE nothing')).code).toBe('34000');
  });

  it('sends a BINARY cursor\'s rows in binary format', async () => {
    await q('BEGIN');
    await q('DECLARE b BINARY CURSOR FOR SELECT n FROM letters WHERE n = 258 OR n = 2');
    const r = await client.query({ text: 'FETCH ALL b', types: { getTypeParser: () => (v: Buffer) => v.toString('hex') } as never });
    expect(r.rows).toEqual([{ n: '00000002' }]);
    await q('ROLLBACK');
  });

  it('works through the extended protocol (parameters and prepared FETCH)', async () => {
    await q('BEGIN');
    await client.query({ text: 'DECLARE p CURSOR FOR SELECT n FROM letters WHERE n > $1 ORDER BY n', values: [20] });
    const r = await client.query({ text: 'FETCH 2 FROM p', name: 'fetch_p' });
    expect(r.rows).toEqual([{ n: 21 }, { n: 22 }]);
    const again = await client.query({ text: 'FETCH 2 FROM p', name: 'fetch_p' });
    expect(again.rows).toEqual([{ n: 23 }, { n: 24 }]);
    await q('COMMIT');
  });
});

function runPsql(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(PSQL!, ['-h', '127.0.0.1', '-p', String(ts.port), '-U', 'alice', '-d', 'freshet', '-X', '-v', 'ON_ERROR_STOP=1', ...args], {
      env: { PATH: process.env.PATH ?? '', PGCONNECT_TIMEOUT: '10' }, timeout: 60_000,
    }, (e, stdout, stderr) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr }));
    child.stdin!.end(input ?? '');
  });
}

describe.skipIf(!PSQL)('psql FETCH_COUNT', () => {
  it('pages a SELECT through a cursor and prints the same rows', async () => {
    const plain = await runPsql(['-A', '-t', '-c', 'SELECT n, ch FROM letters ORDER BY n']);
    const paged = await runPsql(['-A', '-t', '-v', 'FETCH_COUNT=4'], 'SELECT n, ch FROM letters ORDER BY n;\n');
    expect(paged.stderr).toBe('');
    expect(paged.code).toBe(0);
    expect(paged.stdout).toBe(plain.stdout);
    expect(paged.stdout.split('\n').filter(Boolean)).toHaveLength(26);
  });
});

describe.skipIf(!PY2)('psycopg2', () => {
  it('reads through named cursors, copies both ways and fetches from a SUBSCRIBE cursor', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(PY2!, ['psycopg2_stream_check.py', String(ts.port)], { cwd: CLIENTS, timeout: 60_000, env: { ...process.env, TZ: 'UTC' } },
        (e, out, stderr) => (e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(out)));
    });
    const out = JSON.parse(stdout);
    expect(out).toEqual({
      copy_expert_rowcount: 2500,
      copy_from_rowcount: 1,
      fetchmany: [[1, 1], [2, 4], [3, 9]],
      description: ['n', 'sq'],
      iterated: 2501,
      held_after_commit: [1, 2, 3, 4, 5],
      copy_out: 'n,label\n1,"n, 1"\n2501,\n',
      sub_columns: ['op', 'commit_time', 'id', 'v'],
      sub_snapshot: [['+I', 1, 'one']],
      sub_changes: [['+I', 2, 'two'], ['+I', 3, 'three']],
      sub_idle: [],
    });
  });
});
