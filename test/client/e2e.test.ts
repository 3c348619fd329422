/** The client as users run it: `node bin/freshet sql-client` in a child process, against a temp warehouse. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.ts';

const BIN = resolve(import.meta.dirname, '../../bin/freshet');

interface Run { status: number | null; stdout: string; stderr: string }

function freshet(args: string[], input?: string): Run & { dir: string } {
  const dir = tempDir('freshet-client-');
  const r = spawnSync(process.execPath, [BIN, 'sql-client', '--warehouse', join(dir, 'wh'), ...args], {
    cwd: dir,
    input: input ?? '',
    encoding: 'utf8',
    env: { ...process.env, HOME: dir, TZ: 'UTC' },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, dir };
}

const ORDERS = `CREATE TABLE orders (id INT, customer STRING, amount DECIMAL(10, 2))
  WITH ('connector' = 'values', 'data' = '[[1, "ann", "10.50"], [2, "bob", "3.00"], [3, "ann", "7.25"]]');`;

describe('freshet sql-client -e', () => {
  it('runs the statements and prints formatted values', () => {
    const r = freshet(['-e', `${ORDERS} SELECT customer, COUNT(*) AS n, SUM(amount) AS total FROM orders GROUP BY customer ORDER BY total DESC;`]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('[INFO] table orders created');
    expect(r.stdout).toContain([
      '+----------+---+-------+',
      '| customer | n | total |',
      '+----------+---+-------+',
      '| ann      | 2 | 17.75 |',
      '| bob      | 1 |  3.00 |',
      '+----------+---+-------+',
    ].join('\n'));
    expect(r.stdout).toMatch(/\n2 rows in set \(\d+\.\d\d seconds\)\n/);
  });

  it('creates the warehouse directory', () => {
    const r = freshet(['-e', 'SELECT 1;']);
    expect(r.status).toBe(0);
    expect(existsSync(join(r.dir, 'wh'))).toBe(true);
  });

  it('prints NULL, Empty set, and no escape codes when not on a terminal', () => {
    const r = freshet(['-e', "SELECT CAST(NULL AS INT) AS n, 'x' AS s; SELECT 1 FROM (VALUES (1)) AS t(x) WHERE x > 1;"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('|      n | s |\n+--------+---+\n| <NULL> | x |');
    expect(r.stdout).toMatch(/\nEmpty set \(/);
    expect(r.stdout).not.toContain('\x1b');
  });

  it('fails with exit status 1 at the first error, with line, column and caret but no stack', () => {
    const r = freshet(['-e', 'SELECT 1 AS first;\nSELECT 2 AS second,\n  3 + FROM x;\nSELECT 4 AS never;']);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('first');
    expect(r.stdout).not.toContain('never');
    expect(r.stderr).toContain('[ERROR] Could not execute SQL statement. Reason:\nERROR 42601: syntax error');
    expect(r.stderr).toContain('(line 3, column 7)');
    expect(r.stderr).toContain('    3 + FROM x;\n        ^');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('shows the stack when sql-client.verbose is set with SET or -D', () => {
    const set = freshet(['-e', "SET 'sql-client.verbose' = 'true'; SELECT * FROM missing;"]);
    expect(set.status).toBe(1);
    expect(set.stderr).toContain('ERROR 42P01');
    expect(set.stderr).toMatch(/\n\s+at .*\.ts:\d+/);
    const define = freshet(['-D', 'sql-client.verbose=true', '-e', 'SELECT * FROM missing;']);
    expect(define.stderr).toMatch(/\n\s+at .*\.ts:\d+/);
  });

  it('applies -D options to the session', () => {
    const r = freshet(['-D', 'sql-client.execution.result-mode=CHANGELOG', '-D', 'sql-client.display.max-column-width=5', '-e', "SELECT 'abcdefgh' AS s;"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('| op | s     |');
    expect(r.stdout).toContain('| +I | ab... |');
  });

  it('warns about unknown -D keys and refuses invalid values', () => {
    const unknown = freshet(['-D', 'sql-client.verbos=true', '-e', 'SELECT 1;']);
    expect(unknown.status).toBe(0);
    expect(unknown.stderr).toContain("[WARNING] 'sql-client.verbos' is not an option Freshet knows");
    const invalid = freshet(['-D', 'sql-client.execution.result-mode=fancy', '-e', 'SELECT 1;']);
    expect(invalid.status).toBe(2);
    expect(invalid.stderr).toContain("invalid value 'fancy' for 'sql-client.execution.result-mode'");
  });

  it('runs a statement set and client commands', () => {
    const r = freshet(['-e', `${ORDERS}
      CREATE TABLE sink (id INT) WITH ('connector' = 'blackhole');
      SET 'table.dml-sync' = 'true';
      EXECUTE STATEMENT SET BEGIN
        INSERT INTO sink SELECT id FROM orders;
        INSERT INTO sink SELECT CASE WHEN id > 1 THEN id ELSE 0 END FROM orders;
      END;
      HELP;
      QUIT;
      SELECT 'not reached';`]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('[INFO] 6 rows inserted by 2 statements');
    expect(r.stdout).toContain('Client commands:');
    expect(r.stdout).not.toContain('not reached');
  });

  it('submits a streaming INSERT as a job and waits for it before exiting', () => {
    // a paced source (20 rows at 10 a second) is still running when the script ends
    const r = freshet(['-e', `CREATE TABLE paced (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '20', 'rows-per-second' = '10');
      CREATE TABLE sink (id INT) WITH ('connector' = 'print');
      INSERT INTO sink SELECT id FROM paced;`]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Job ID: [0-9a-f]{32}/);
    expect(r.stdout).toMatch(/\[INFO\] Waiting for 1 running job to finish/);
    expect(r.stdout).toMatch(/\[INFO\] Job [0-9a-f]{32} finished\./);
  });
});

describe('freshet sql-client -f', () => {
  it('runs a script and reports errors at script lines', () => {
    const dir = tempDir('freshet-script-');
    const file = join(dir, 'script.sql');
    writeFileSync(file, `-- a script\n${ORDERS}\n\nSELECT COUNT(*) AS n FROM orders;\n\nSELECT customer\n  FROM orderz;\nSELECT 'after';\n`);
    const r = freshet(['-f', file]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('| n |\n+---+\n| 3 |');
    expect(r.stdout).not.toContain('after');
    expect(r.stderr).toContain('ERROR 42P01: table `orderz` does not exist');
    expect(r.stderr).toContain('(line 8, column 8)');
    expect(r.stderr).toContain('    FROM orderz;\n         ^');
  });

  it('succeeds with exit status 0', () => {
    const dir = tempDir('freshet-script-');
    const file = join(dir, 'ok.sql');
    writeFileSync(file, 'SELECT 1 AS one;\nSELECT 2 AS two');
    const r = freshet(['-f', file]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('| one |');
    expect(r.stdout).toContain('| two |');
  });

  it('says when the script cannot be read', () => {
    const r = freshet(['-f', '/nonexistent/freshet.sql']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("cannot read script '/nonexistent/freshet.sql'");
  });
});

describe('freshet sql-client with piped input', () => {
  it('reads statements from standard input', () => {
    const r = freshet([], "SELECT 'piped' AS source;\nSELECT 1 +\n 1 AS two;\n");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('| piped  |');
    expect(r.stdout).toContain('|   2 |');
    expect(r.stdout).not.toContain('Flink SQL>');
  });

  it('stops at the first error with exit status 1', () => {
    const r = freshet([], 'SELECT 1;\nSELEC 2;\nSELECT 3 AS three;\n');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('(line 2, column 1)');
    expect(r.stderr).toContain('HINT: Did you mean SELECT?');
    expect(r.stdout).not.toContain('three');
  });
});

describe('freshet sql-client command line', () => {
  it('prints help', () => {
    const r = freshet(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: freshet sql-client');
  });

  it('rejects unknown options with exit status 2', () => {
    const r = freshet(['--bogus']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown option '--bogus'");
  });

  it('exits when interrupted between statements of a stream', async () => {
    const dir = tempDir('freshet-client-');
    const child = spawn(process.execPath, [BIN, 'sql-client', '--warehouse', join(dir, 'wh')], { cwd: dir, env: { ...process.env, HOME: dir } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stdin.write('SELECT 1 AS ready;\n');
    const until = Date.now() + 30_000;
    while (!out.includes('1 row in set') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
  });
});
