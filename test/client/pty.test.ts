/**
 * The interactive client on a real pseudo-terminal. Node has no pty of its own, so this borrows
 * util-linux's `script`, which runs a command on a new pty and relays our pipe to it; where that is
 * not available the tests are skipped (repl.test.ts covers the loop on injected streams anyway).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.ts';

const BIN = resolve(import.meta.dirname, '../../bin/freshet');
const hasScript = (() => {
  const r = spawnSync('script', ['--version'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('util-linux');
})();

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function session() {
  const home = tempDir('freshet-pty-');
  const command = [process.execPath, BIN, 'sql-client', '--warehouse', join(home, 'wh')].map(quote).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, HOME: home, TERM: 'xterm', TZ: 'UTC' } });
  let raw = '';
  child.stdout.on('data', (d: Buffer) => { raw += d.toString('utf8'); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const screen = (): string => raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
  const waitFor = async (text: string, from = 0): Promise<number> => {
    const until = Date.now() + 30_000;
    for (;;) {
      const at = screen().indexOf(text, from);
      if (at >= 0) return at + text.length;
      if (Date.now() > until) throw new Error(`timed out waiting for ${JSON.stringify(text)} in:\n${screen()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const type = (t: string): void => { child.stdin.write(t); };
  return { home, screen, waitFor, type, exited, child };
}

describe.skipIf(!hasScript)('interactive client on a terminal', () => {
  it('prompts, continues, discards on Ctrl-C, keeps history and quits', async () => {
    const s = session();
    try {
      let at = await s.waitFor('Type HELP; for statements and commands.');
      at = await s.waitFor('Flink SQL> ', at);
      s.type('SELECT 1\r');
      at = await s.waitFor('\n> ', at);
      s.type('  + 1 AS two;\r');
      at = await s.waitFor('|   2 |', at);
      at = await s.waitFor('1 row in set', at);
      at = await s.waitFor('Flink SQL> ', at);
      s.type('SELECT broken stuff\x03');
      at = await s.waitFor('SELECT broken stuff^C', at);
      at = await s.waitFor('Flink SQL> ', at);
      s.type('SELECT 3 AS three;\r');
      at = await s.waitFor('| three |', at);
      at = await s.waitFor('Flink SQL> ', at);
      s.type('quit;\r');
      expect(await s.exited).toBe(0);
      expect(s.screen()).not.toContain('broken stuff\n');
      expect(s.screen()).not.toContain('[ERROR]');
      expect(readFileSync(join(s.home, '.freshet_history'), 'utf8')).toBe('SELECT 1 + 1 AS two;\nSELECT 3 AS three;\nquit;\n');
    } finally {
      s.child.kill();
    }
  });

  it('leaves on Ctrl-D', async () => {
    const s = session();
    try {
      await s.waitFor('Flink SQL> ');
      s.type('\x04');
      expect(await s.exited).toBe(0);
    } finally {
      s.child.kill();
    }
  });
});
