/**
 * `freshet sql-client --serve`: the REPL's engine also served over the Postgres protocol, in one process.
 * A table created through the wire is read by the client's next statement, and the other way round.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { tempDir } from '../helpers/temp-dir.ts';
import { parseArgs, UsageError } from '../../src/client/args.ts';

const BIN = resolve(import.meta.dirname, '../../bin/freshet');

describe('--serve', () => {
  it('parses --serve, --serve PORT, --serve=PORT and FRESHET_SERVE', () => {
    expect(parseArgs(['--serve']).serve).toBe(5433);
    expect(parseArgs(['--serve', '6000', '-e', 'SELECT 1;']).serve).toBe(6000);
    expect(parseArgs(['--serve=0']).serve).toBe(0);
    expect(parseArgs(['--serve', '-e', 'SELECT 1;'])).toMatchObject({ serve: 5433, execute: 'SELECT 1;' });
    expect(parseArgs([], { FRESHET_SERVE: '7000' }).serve).toBe(7000);
    expect(parseArgs(['--serve=7001'], { FRESHET_SERVE: '7000' }).serve).toBe(7001);
    expect(parseArgs([]).serve).toBeUndefined();
    expect(() => parseArgs(['--serve=http'])).toThrow(UsageError);
    expect(() => parseArgs([], { FRESHET_SERVE: '99999' })).toThrow('FRESHET_SERVE needs a port number');
  });

  it('runs the client and the wire server on one engine', async () => {
    const dir = tempDir('freshet-serve-');
    const child = spawn(process.execPath, [BIN, 'sql-client', '--serve=0', '--warehouse', join(dir, 'wh'), '-D', 'execution.runtime-mode=batch'], {
      cwd: dir, env: { ...process.env, HOME: dir, TZ: 'UTC' }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let wake: () => void = () => {};
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); wake(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); wake(); });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => { wake(); r(code); }));
    const until = async (pred: () => boolean): Promise<void> => {
      while (!pred()) {
        if (child.exitCode !== null) throw new Error(`the client exited: ${stdout}\n${stderr}`);
        await new Promise<void>((r) => { wake = r; });
      }
    };
    try {
      await until(() => /Postgres wire server on 127\.0\.0\.1:\d+/.test(stderr));
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(stderr)![1]);
      const c = new pg.Client({ host: '127.0.0.1', port, user: 'app', database: 'freshet' });
      await c.connect();
      await c.query('CREATE TABLE shared (a INT)');
      await c.query('INSERT INTO shared VALUES (1), (2)');
      child.stdin.write("SELECT SUM(a) AS s FROM shared;\nCREATE TABLE from_client (b STRING);\nINSERT INTO from_client VALUES ('hi');\n");
      await until(() => /\| +3 \|/.test(stdout) && /inserted into \S*from_client/.test(stdout));
      // the client's table and row are there for the wire session
      expect((await c.query('SELECT b FROM from_client')).rows).toEqual([{ b: 'hi' }]);
      await c.end();
      child.stdin.end();
      expect(await exited).toBe(0);
    } finally {
      child.kill();
    }
  });
});
