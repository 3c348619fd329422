/** Streaming results in the interactive loop: q and Ctrl-C leave them and the prompt comes back. */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runRepl, PROMPT } from '../../src/client/repl.ts';
import { StatementRunner, type ClientOutput } from '../../src/client/runner.ts';
import { ok } from '../../src/session/result.ts';
import { T } from '../../src/types/data-type.ts';
import { FakeSession, FakeStream, changes, waitFor } from './fakes.ts';

/** A REPL whose SELECTs return `stream`'s result, on in-memory streams with a fake terminal as output. */
function harness(opts: { terminal: boolean; mode?: string; signals?: EventEmitter }) {
  const stream = new FakeStream([{ name: 'word', type: T.string() }]);
  const session = new FakeSession();
  if (opts.mode !== undefined) session.options.set('sql-client.execution.result-mode', opts.mode);
  session.execute = async (sql) => {
    session.executed.push(sql);
    return sql.startsWith('SELECT') ? stream.result() : ok('TEST', `ran ${sql}`);
  };
  const input = new PassThrough();
  const output = new PassThrough();
  let raw = '';
  output.on('data', (d: Buffer) => { raw += d.toString('utf8'); });
  const write = (t: string): void => { output.write(t); };
  const clientOutput: ClientOutput = {
    out: write,
    err: write,
    terminal: opts.terminal ? { write, columns: 80, rows: 24 } : undefined,
  };
  const runner = new StatementRunner(session, clientOutput);
  runner.refreshMs = 10;
  const done = runRepl(runner, { input, output, terminal: opts.terminal, signals: opts.signals });
  const screen = (): string => raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  const type = (t: string): void => { input.write(t); };
  return { stream, session, runner, input, type, screen, raw: () => raw, done };
}

describe('streaming results in the interactive loop', () => {
  it('q leaves the live table, cancels the query and gives the keys back to the prompt', async () => {
    const h = harness({ terminal: true });
    h.type('SELECT word FROM words;\r');
    await waitFor(() => h.session.executed.length === 1, 'the query');
    h.stream.push(changes(['+I', ['hello']]));
    await waitFor(() => h.screen().includes('1 row. Refreshing... (q to quit / Ctrl-C)'), 'the live table');
    expect(h.raw()).toContain('\x1b[?25l');
    const before = h.screen().length;
    // Keys other than q are swallowed: not echoed into the table, not kept for the next statement.
    h.type('xyz');
    await new Promise((r) => setTimeout(r, 30));
    expect(h.screen().slice(before)).not.toContain('xyz');
    h.type('q');
    await waitFor(() => h.screen().includes('[INFO] Statement cancelled.'), 'the cancellation');
    await waitFor(() => h.screen().endsWith(PROMPT), 'the prompt');
    expect(h.stream.cancels).toBe(1);
    expect(h.raw()).toContain('\x1b[?25h');
    h.type('SHOW TABLES;\r');
    await waitFor(() => h.session.executed.length === 2, 'the next statement');
    expect(h.session.executed[1]).toBe('SHOW TABLES');
    expect(h.screen()).toContain('[INFO] ran SHOW TABLES');
    h.type('QUIT;\r');
    expect(await h.done).toBe(0);
  });

  it('Ctrl-C leaves the live table too', async () => {
    const h = harness({ terminal: true });
    h.type('SELECT word FROM words;\r');
    await waitFor(() => h.session.executed.length === 1, 'the query');
    h.stream.push(changes(['+I', ['hello']]));
    await waitFor(() => h.screen().includes('Refreshing...'), 'the live table');
    h.type('\x03');
    await waitFor(() => h.screen().includes('[INFO] Statement cancelled.'), 'the cancellation');
    await waitFor(() => h.screen().endsWith(PROMPT), 'the prompt');
    expect(h.stream.cancels).toBe(1);
    h.type('QUIT;\r');
    expect(await h.done).toBe(0);
  });

  it('Ctrl-C cancels a changelog stream (keys stay with readline)', async () => {
    const h = harness({ terminal: true, mode: 'changelog' });
    h.type('SELECT word FROM words;\r');
    h.stream.push(changes(['+I', ['hello']]));
    await waitFor(() => h.screen().includes('| +I | hello'), 'the first change');
    h.type('\x03');
    await waitFor(() => h.screen().includes('[INFO] Statement cancelled.'), 'the cancellation');
    await waitFor(() => h.screen().endsWith(PROMPT), 'the prompt');
    expect(h.stream.cancels).toBe(1);
    expect(h.screen()).toContain('1 change, 1 row in the result');
    h.input.end();
    expect(await h.done).toBe(0);
  });

  it('a SIGINT cancels the stream when the input is not a terminal', async () => {
    const signals = new EventEmitter();
    const h = harness({ terminal: false, signals });
    h.type('SELECT word FROM words;\n');
    h.stream.push(changes(['+I', ['hello']]));
    await waitFor(() => h.stream.taken === 1, 'the change');
    signals.emit('SIGINT');
    await waitFor(() => h.screen().includes('[INFO] Statement cancelled.'), 'the cancellation');
    await waitFor(() => h.screen().endsWith(PROMPT), 'the prompt');
    // No terminal: the table as it was, once, without escape codes.
    expect(h.raw()).not.toContain('\x1b');
    expect(h.screen()).toContain('| hello |\n+-------+\n1 row in set (');
    h.input.end();
    expect(await h.done).toBe(0);
  });
});
