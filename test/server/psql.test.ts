/** psql (PostgreSQL 15's client) against the server: tables, error carets, SCRAM and cleartext passwords, TLS. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Engine } from '../../src/session/engine.ts';
import { hashPassword } from '../../src/server/auth/scram.ts';
import { startServer, type TestServer } from './server-kit.ts';

const PSQL = ['/usr/bin/psql', '/usr/lib/postgresql/15/bin/psql'].find((p) => existsSync(p));

interface Run { code: number; stdout: string; stderr: string }

function psql(port: number, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(PSQL!, ['-h', '127.0.0.1', '-p', String(port), '-U', 'alice', '-d', 'freshet', '-X', '-v', 'ON_ERROR_STOP=1', ...args], {
      env: { PATH: process.env.PATH ?? '', PGCONNECT_TIMEOUT: '10', PGSSLMODE: 'prefer', ...env },
    }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

let engine: Engine;
let trust: TestServer;

beforeAll(async () => {
  engine = await Engine.open({});
  trust = await startServer({}, engine);
});

afterAll(async () => {
  await trust.close();
  await engine.close();
});

describe.skipIf(!PSQL)('psql', () => {
  it('creates, fills and prints a table', async () => {
    const r = await psql(trust.port, [
      '-c', "CREATE TABLE fruit (name STRING, qty INT, price DECIMAL(6, 2))",
      '-c', "INSERT INTO fruit VALUES ('apple', 3, 1.25), ('pear', 10, 0.5)",
      '-c', 'SELECT * FROM fruit ORDER BY name',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe([
      'CREATE TABLE',
      'INSERT 0 2',
      ' name  | qty | price ',
      '-------+-----+-------',
      ' apple |   3 |  1.25',
      ' pear  |  10 |  0.50',
      '(2 rows)',
      '',
      '',
    ].join('\n'));
  });

  it('draws the caret under the error position', async () => {
    const r = await psql(trust.port, ['-c', 'SELECT qty,\n  nope FROM fruit']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe([
      'ERROR:  unknown column `nope` in table `fruit`',
      'LINE 2:   nope FROM fruit',
      '          ^',
      'HINT:  Did you mean `name`?',
      '',
    ].join('\n'));
  });
});

describe.skipIf(!PSQL)('passwords', () => {
  let secured: TestServer;
  let clear: TestServer;

  beforeAll(async () => {
    const users = [{ name: 'alice', password: hashPassword('s3cret', 1024) }, { name: 'bob', password: 'plain-pw' }];
    secured = await startServer({ users }, engine);
    clear = await startServer({ users, auth: 'password' }, engine);
  });

  afterAll(async () => {
    await secured.close();
    await clear.close();
  });

  it('authenticates with SCRAM-SHA-256', async () => {
    const r = await psql(secured.port, ['-At', '-c', 'SELECT 40 + 2'], { PGPASSWORD: 's3cret' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('42\n');
  });

  it('says the same for a wrong password and an unknown user', async () => {
    const wrong = await psql(secured.port, ['-c', 'SELECT 1'], { PGPASSWORD: 'nope' });
    const c = new pg.Client({ host: '127.0.0.1', port: secured.port, user: 'mallory', password: 'nope', database: 'freshet' });
    const unknown = await c.connect().catch((e: unknown) => e) as pg.DatabaseError;
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('FATAL:  password authentication failed for user "alice"');
    expect(unknown.code).toBe('28P01');
    expect(unknown.message).toBe('password authentication failed for user "mallory"');
  });

  it('accepts cleartext password authentication against verifiers and plain passwords', async () => {
    for (const [user, password] of [['alice', 's3cret'], ['bob', 'plain-pw']]) {
      const c = new pg.Client({ host: '127.0.0.1', port: clear.port, user, password, database: 'freshet' });
      await c.connect();
      expect((await c.query('SELECT 1 AS x')).rows).toEqual([{ x: 1 }]);
      await c.end();
    }
    const bad = new pg.Client({ host: '127.0.0.1', port: clear.port, user: 'bob', password: 'x', database: 'freshet' });
    expect(((await bad.connect().catch((e: unknown) => e)) as pg.DatabaseError).code).toBe('28P01');
  });
});

const OPENSSL = ['/usr/bin/openssl'].find((p) => existsSync(p));

describe.skipIf(!PSQL || !OPENSSL)('TLS', () => {
  let dir: string;
  let tls: TestServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'freshet-tls-'));
    execFileSync(OPENSSL!, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    tls = await startServer({ tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } }, engine);
  });

  afterAll(async () => {
    await tls.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('upgrades to TLS on SSLRequest', async () => {
    const r = await psql(tls.port, ['-At', '-c', 'SELECT 1'], { PGSSLMODE: 'require' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('1\n');
  });

  it('with tls.required, refuses a client without TLS (28000) and serves one with it', async () => {
    const strict = await startServer({ tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), required: true } }, engine);
    try {
      const plain = await psql(strict.port, ['-At', '-c', 'SELECT 1'], { PGSSLMODE: 'disable' });
      expect(plain.code).not.toBe(0);
      expect(plain.stderr).toContain('no encryption: this server accepts only TLS connections');
      expect(plain.stdout).toBe('');
      const raw = new pg.Client({ host: '127.0.0.1', port: strict.port, user: 'alice', database: 'freshet', ssl: false });
      expect(((await raw.connect().catch((e: unknown) => e)) as pg.DatabaseError).code).toBe('28000');
      const secure = await psql(strict.port, ['-At', '-c', 'SELECT 1'], { PGSSLMODE: 'require' });
      expect(secure.stderr).toBe('');
      expect(secure.stdout).toBe('1\n');
    } finally {
      await strict.close();
    }
  });
});
