import { EventEmitter } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runRepl, PROMPT, CONTINUATION_PROMPT } from '../../src/client/repl.ts';
import { StatementRunner, type ClientOutput } from '../../src/client/runner.ts';
import { HistoryFile } from '../../src/client/history.ts';
import { Engine } from '../../src/session/engine.ts';
import { FakeSession, waitFor } from './fakes.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** A REPL on in-memory streams: type into `input`, read the screen from `screen()`. */
function harness(session: ConstructorParameters<typeof StatementRunner>[0], opts: { terminal: boolean; history?: HistoryFile; signals?: EventEmitter }) {
  const input = new PassThrough();
  const output = new PassThrough();
  let raw = '';
  output.on('data', (d: Buffer) => { raw += d.toString('utf8'); });
  const write = (t: string): void => { output.write(t); };
  const clientOutput: ClientOutput = { out: write, err: write };
  const runner = new StatementRunner(session, clientOutput);
  const done = runRepl(runner, { input, output, terminal: opts.terminal, history: opts.history, banner: 'Welcome. HELP; helps.', signals: opts.signals });
  // The cursor moves and erasures readline sends to a terminal are not part of what is read.
  const screen = (): string => raw.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  const type = (t: string): void => { input.write(t); };
  return { input, type, screen, done };
}

// The main prompt ends like the continuation prompt does.
const atContinuation = (screen: string): boolean => screen.endsWith(CONTINUATION_PROMPT) && !screen.endsWith(PROMPT);

async function engineSession() {
  return (await Engine.open()).createSession();
}

describe('interactive loop', () => {
  it('prompts, continues multi-line statements and runs them', async () => {
    const h = harness(await engineSession(), { terminal: false });
    await waitFor(() => h.screen().includes(PROMPT), 'the prompt');
    expect(h.screen().startsWith('Welcome. HELP; helps.\n')).toBe(true);
    h.type('SELECT 20\n');
    await waitFor(() => atContinuation(h.screen()), 'the continuation prompt');
    h.type('  + 22 AS answer;\n');
    await waitFor(() => h.screen().includes('1 row in set'), 'the result');
    expect(h.screen()).toContain('| answer |\n+--------+\n|     42 |');
    await waitFor(() => h.screen().endsWith(PROMPT), 'the prompt again');
    h.type('QUIT;\n');
    expect(await h.done).toBe(0);
  });

  it('runs several statements typed on one line and keeps the unfinished rest', async () => {
    const session = new FakeSession();
    const h = harness(session, { terminal: false });
    h.type('SELECT 1; SELECT 2; SELECT\n');
    await waitFor(() => atContinuation(h.screen()), 'the continuation prompt');
    expect(session.executed).toEqual(['SELECT 1', 'SELECT 2']);
    h.type('3;\n');
    await waitFor(() => session.executed.length === 3, 'the third statement');
    expect(session.executed[2]).toBe('SELECT\n3');
    h.input.end();
    expect(await h.done).toBe(0);
  });

  it('takes QUIT, EXIT and HELP without a semicolon when alone on a line', async () => {
    const h = harness(new FakeSession(), { terminal: false });
    h.type('help\n');
    await waitFor(() => h.screen().includes('Client commands:'), 'the help');
    h.type('exit\n');
    expect(await h.done).toBe(0);
  });

  it('reports errors with the position in the typed text', async () => {
    const h = harness(await engineSession(), { terminal: false });
    h.type('SELECT 1,\n  nope FROM (VALUES (1)) AS t(x);\n');
    await waitFor(() => h.screen().includes('[ERROR]'), 'the error');
    await waitFor(() => h.screen().endsWith(PROMPT), 'the prompt');
    expect(h.screen()).toContain('[ERROR] Could not execute SQL statement. Reason:\nERROR 42703');
    expect(h.screen()).toContain('(line 2, column 3)');
    expect(h.screen()).toContain('    nope FROM (VALUES (1)) AS t(x);\n    ^');
    h.input.end();
    await h.done;
  });

  it('discards the typed input on Ctrl-C at the prompt (terminal)', async () => {
    const session = new FakeSession();
    const h = harness(session, { terminal: true });
    h.type('SELECT 1\r');
    await waitFor(() => h.screen().includes('\n' + CONTINUATION_PROMPT), 'the continuation prompt');
    h.type('AND MORE\x03');
    await waitFor(() => h.screen().includes('AND MORE^C'), 'the ^C mark');
    h.type('SELECT 2;\r');
    await waitFor(() => session.executed.length === 1, 'the next statement');
    expect(session.executed).toEqual(['SELECT 2']);
    h.type('\x04'); // Ctrl-D on an empty line leaves
    expect(await h.done).toBe(0);
  });

  it('discards the typed input on a SIGINT signal (no terminal)', async () => {
    const session = new FakeSession();
    const signals = new EventEmitter();
    const h = harness(session, { terminal: false, signals });
    h.type('SELECT 1\n');
    await waitFor(() => atContinuation(h.screen()), 'the continuation prompt');
    signals.emit('SIGINT');
    await waitFor(() => h.screen().endsWith(PROMPT), 'a fresh prompt');
    h.type('SELECT 2;\n');
    await waitFor(() => session.executed.length === 1, 'the next statement');
    expect(session.executed).toEqual(['SELECT 2']);
    h.input.end();
    await h.done;
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });

  it('cancels the running statement on Ctrl-C and prompts again', async () => {
    const session = new FakeSession();
    const h = harness(session, { terminal: true });
    h.type('SELECT SLOW;\r');
    await waitFor(() => session.executed.length === 1, 'the statement to start');
    h.type('\x03');
    await waitFor(() => h.screen().includes('[INFO] Statement cancelled.'), 'the cancellation');
    expect(session.cancels).toBe(1);
    h.type('SELECT 3;\r');
    await waitFor(() => session.executed.length === 2, 'the next statement');
    expect(h.screen()).toContain('[INFO] ran SELECT 3');
    h.type('QUIT;\r');
    expect(await h.done).toBe(0);
  });

  it('stores a multi-line statement as one history entry and recalls it', async () => {
    const dir = tempDir('freshet-repl-');
    const path = join(dir, '.freshet_history');
    writeFileSync(path, 'SHOW TABLES;\n');
    const session = new FakeSession();
    const h = harness(session, { terminal: true, history: new HistoryFile(path) });
    h.type('SELECT a,\r');
    h.type('  b FROM t;\r');
    await waitFor(() => session.executed.length === 1, 'the statement');
    expect(readFileSync(path, 'utf8')).toBe('SHOW TABLES;\nSELECT a, b FROM t;\n');
    // Up twice: past the statement just run to the one from the file.
    h.type('\x1b[A');
    h.type('\x1b[A');
    h.type('\r');
    await waitFor(() => session.executed.length === 2, 'the recalled statement');
    expect(session.executed[1]).toBe('SHOW TABLES');
    h.type('QUIT;\r');
    await h.done;
    expect(readFileSync(path, 'utf8')).toBe('SELECT a, b FROM t;\nSHOW TABLES;\nQUIT;\n');
  });
});
