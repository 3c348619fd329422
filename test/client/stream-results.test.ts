/** Streaming query results as the runner shows them, in each result mode, on fake streams and terminals. */
import { describe, expect, it } from 'vitest';
import { StatementRunner, type ClientOutput, type Outcome } from '../../src/client/runner.ts';
import { runScript } from '../../src/client/script.ts';
import type { KeyInput } from '../../src/client/keys.ts';
import { SHOW_CURSOR } from '../../src/client/live-block.ts';
import { ok } from '../../src/session/result.ts';
import { T, notNull } from '../../src/types/data-type.ts';
import { FreshetError, SqlState } from '../../src/util/errors.ts';
import { FakeSession, FakeStream, RecordingOutput, changes, screenOf, terminalOutput, waitFor } from './fakes.ts';

const COLUMNS = [
  { name: 'customer', type: T.string() },
  { name: 'n', type: notNull(T.bigint()) },
];

/** A runner whose SELECTs return `stream`'s result; other statements are acknowledged. */
function setup(output: ClientOutput, options: Record<string, string> = {}) {
  const stream = new FakeStream(COLUMNS);
  const session = new FakeSession();
  for (const [k, v] of Object.entries(options)) session.options.set(k, v);
  session.execute = async (sql) => {
    session.executed.push(sql);
    return sql.startsWith('SELECT') ? stream.result() : ok('TEST', `ran ${sql}`);
  };
  const runner = new StatementRunner(session, output);
  const run = (sql = 'SELECT * FROM t'): Promise<Outcome> => runner.run({ text: sql, offset: 0 }, sql);
  return { stream, session, runner, run };
}

const FINAL_TABLE = [
  '+----------+---+',
  '| customer | n |',
  '+----------+---+',
  '| ann      | 2 |',
  '| cid      | 1 |',
  '+----------+---+',
];

/** A group-by count: ann 1, bob 1, ann 1 -> 2, bob removed, cid 1. */
function pushGroups(stream: FakeStream): void {
  stream.push(changes(['+I', ['ann', 1]], ['+I', ['bob', 1]]));
  stream.push(changes(['-U', ['ann', 1]], ['+U', ['ann', 2]], ['-D', ['bob', 1]]));
  stream.push(changes(['+I', ['cid', 1]]));
}

describe('table mode without a terminal', () => {
  it('prints nothing until the stream ends, then the final table once, without escape codes', async () => {
    const output = new RecordingOutput();
    const { stream, run } = setup(output);
    const done = run();
    pushGroups(stream);
    await waitFor(() => stream.taken === 3, 'the changes to be read');
    expect(output.text).toBe('');
    stream.end();
    expect(await done).toBe('ok');
    expect(output.text.split('\n').slice(0, 6)).toEqual(FINAL_TABLE);
    expect(output.text).toMatch(/\n2 rows in set \(\d+\.\d\d seconds\)\n$/);
    expect(output.text).not.toContain('\x1b');
    expect(stream.cancels).toBe(0);
  });

  it('replaces rows by the unique key', async () => {
    const output = new RecordingOutput();
    const { stream, run } = setup(output);
    stream.uniqueKey = [0];
    const done = run();
    stream.push(changes(['+I', ['ann', 1]], ['+I', ['cid', 1]]), changes(['+U', ['ann', 2]]));
    stream.end();
    expect(await done).toBe('ok');
    expect(output.text.split('\n').slice(0, 6)).toEqual(FINAL_TABLE);
  });

  it('prints at most max-table-result.rows rows and keeps the count right', async () => {
    const output = new RecordingOutput();
    const { stream, run } = setup(output, { 'sql-client.execution.max-table-result.rows': '2' });
    const done = run();
    stream.push(changes(['+I', ['a', 1]], ['+I', ['b', 2]], ['+I', ['c', 3]], ['+I', ['d', 4]]), changes(['-D', ['b', 2]]));
    stream.end();
    expect(await done).toBe('ok');
    expect(output.text).toContain('| a        | 1 |\n| c        | 3 |\n+');
    expect(output.text).not.toContain('| d ');
    expect(output.text).toContain('\n3 rows in set (');
    expect(output.text).toContain("[WARNING] only the first 2 rows are shown; raise 'sql-client.execution.max-table-result.rows' to see more\n");
  });

  it('prints Empty set for a stream without rows, and the warnings last', async () => {
    const output = new RecordingOutput();
    const { stream, run } = setup(output);
    stream.warnings.push('3 malformed records skipped');
    const done = run();
    stream.push(changes(['+I', ['a', 1]], ['-D', ['a', 1]]));
    stream.end();
    expect(await done).toBe('ok');
    expect(output.text).toMatch(/^Empty set \(\d+\.\d\d seconds\)\n\[WARNING\] 3 malformed records skipped\n$/);
  });
});

describe('table mode on a terminal', () => {
  it('redraws the table in place while running, then prints the final table', async () => {
    const output = terminalOutput();
    const { stream, runner, run } = setup(output);
    runner.refreshMs = 10;
    const done = run();
    stream.push(changes(['+I', ['ann', 1]], ['+I', ['bob', 1]]));
    await waitFor(() => output.terminal.raw.includes('Refreshing...'), 'a first frame');
    expect(output.terminal.raw).toContain('\x1b[?25l');
    expect(output.terminal.raw).toContain('\x1b[K');
    expect(screenOf(output.terminal.raw)).toEqual([
      '+----------+---+',
      '| customer | n |',
      '+----------+---+',
      '| ann      | 1 |',
      '| bob      | 1 |',
      '+----------+---+',
      '2 rows. Refreshing... (Ctrl-C to stop)',
      '',
    ]);
    stream.push(changes(['-U', ['ann', 1]], ['+U', ['ann', 2]]));
    await waitFor(() => screenOf(output.terminal.raw).includes('| ann      | 2 |'), 'the update to be drawn');
    // Drawn over the first frame, not below it.
    expect(screenOf(output.terminal.raw)).toHaveLength(8);
    expect(output.terminal.raw).toMatch(/\x1b\[7A/);
    stream.push(changes(['-D', ['bob', 1]], ['+I', ['cid', 1]]));
    stream.end();
    expect(await done).toBe('ok');
    const screen = screenOf(output.terminal.raw);
    expect(screen.slice(0, 6)).toEqual(FINAL_TABLE);
    expect(screen[6]).toMatch(/^2 rows in set \(\d+\.\d\d seconds\)$/);
    expect(screen).toHaveLength(8);
    expect(output.terminal.raw.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(output.terminal.raw.lastIndexOf('Refreshing'));
  });

  it('throttles redraws to one per interval', async () => {
    const output = terminalOutput();
    const { stream, runner, run } = setup(output);
    runner.refreshMs = 40;
    const done = run();
    const started = performance.now();
    for (let i = 0; i < 100; i++) {
      stream.push(changes(['+I', [`c${i}`, i]]));
      await new Promise((r) => setTimeout(r, 2));
    }
    stream.end();
    expect(await done).toBe('ok');
    const elapsed = performance.now() - started;
    const frames = output.terminal.raw.split('Refreshing...').length - 1;
    expect(frames).toBeGreaterThanOrEqual(1);
    expect(frames).toBeLessThanOrEqual(Math.ceil(elapsed / 40) + 1);
    expect(frames).toBeLessThan(100);
  });

  it('prints a quick result like a batch one, without any escape codes', async () => {
    const output = terminalOutput();
    const { stream, run } = setup(output);
    const done = run();
    pushGroups(stream);
    stream.end();
    expect(await done).toBe('ok');
    expect(output.terminal.raw).not.toContain('\x1b');
    expect(output.terminal.raw.split('\n').slice(0, 6)).toEqual(FINAL_TABLE);
  });

  it('shows the last rows that fit the screen, and says how many there are', async () => {
    const output = terminalOutput();
    output.terminal.rows = 10;
    const { stream, runner, run } = setup(output);
    runner.refreshMs = 10;
    const done = run();
    for (let i = 1; i <= 20; i++) stream.push(changes(['+I', [`c${i}`, i]]));
    await waitFor(() => output.terminal.raw.includes('20 rows, the last 4 shown. Refreshing...'), 'a frame of 20 rows');
    const screen = screenOf(output.terminal.raw);
    expect(screen.slice(3, 7)).toEqual(['| c17      | 17 |', '| c18      | 18 |', '| c19      | 19 |', '| c20      | 20 |']);
    expect(screen.length).toBeLessThanOrEqual(10);
    stream.end();
    expect(await done).toBe('ok');
    // The final table is not held to the screen's height.
    expect(output.terminal.raw).toContain('| c1       |  1 |');
    expect(output.terminal.raw).toContain('\n20 rows in set (');
  });

  it('shows no more than max-table-result.rows rows live either', async () => {
    const output = terminalOutput();
    const { stream, runner, run } = setup(output, { 'sql-client.execution.max-table-result.rows': '2' });
    runner.refreshMs = 10;
    const done = run();
    stream.push(changes(['+I', ['a', 1]], ['+I', ['b', 2]], ['+I', ['c', 3]]));
    await waitFor(() => output.terminal.raw.includes('3 rows, the last 2 shown. Refreshing...'), 'a capped frame');
    stream.end();
    expect(await done).toBe('ok');
    expect(output.terminal.raw).toContain("[WARNING] only the first 2 rows are shown");
  });

  it('leaves on q: cancels the query, keeps the last frame and releases the keys', async () => {
    const output = terminalOutput();
    const { stream, runner, run } = setup(output);
    runner.refreshMs = 10;
    let onKey: ((key: string) => void) | undefined;
    let released = false;
    const keys: KeyInput = { capture(k) { onKey = k; return () => { released = true; onKey = undefined; }; } };
    runner.keys = keys;
    const done = run();
    stream.push(changes(['+I', ['ann', 1]]));
    await waitFor(() => output.terminal.raw.includes('1 row. Refreshing... (q to quit / Ctrl-C)'), 'a frame');
    onKey!('x');
    onKey!('\x1b');
    expect(stream.cancels).toBe(0);
    onKey!('q');
    expect(await done).toBe('cancelled');
    expect(stream.cancels).toBe(1);
    expect(released).toBe(true);
    expect(stream.closed).toBe(true);
    const screen = screenOf(output.terminal.raw);
    expect(screen.slice(3, 4)).toEqual(['| ann      | 1 |']);
    expect(screen[5]).toMatch(/^1 row \(\d+\.\d\d seconds\)$/);
    expect(screen[6]).toBe('[INFO] Statement cancelled.');
    expect(output.terminal.raw).toContain(SHOW_CURSOR);
  });

  it('leaves on Ctrl-C read as a key', async () => {
    const output = terminalOutput();
    const { stream, runner, run } = setup(output);
    let onKey: ((key: string) => void) | undefined;
    runner.keys = { capture(k) { onKey = k; return () => {}; } };
    const done = run();
    await waitFor(() => onKey !== undefined, 'the keys to be captured');
    onKey!('\x03');
    expect(await done).toBe('cancelled');
    expect(stream.cancels).toBe(1);
  });

  it('keeps the frame and prints the error when the query fails', async () => {
    const output = terminalOutput();
    const { stream, runner, run } = setup(output);
    runner.refreshMs = 10;
    const done = run();
    stream.push(changes(['+I', ['ann', 1]]));
    await waitFor(() => output.terminal.raw.includes('Refreshing...'), 'a frame');
    stream.fail(new FreshetError(SqlState.divisionByZero, 'division by zero'));
    expect(await done).toBe('failed');
    const screen = screenOf(output.terminal.raw);
    expect(screen[5]).toBe('1 row when the query failed');
    expect(screen.slice(6, 8)).toEqual(['[ERROR] Could not execute SQL statement. Reason:', 'ERROR 22012: division by zero']);
    expect(output.terminal.raw).toContain(SHOW_CURSOR);
  });
});

describe('changelog and tableau modes', () => {
  it('changelog: prints each change as it arrives, then the summary', async () => {
    const output = new RecordingOutput();
    const { stream, run } = setup(output, { 'sql-client.execution.result-mode': 'changelog', 'sql-client.display.max-column-width': '10' });
    const done = run();
    stream.push(changes(['+I', ['ann', 1]]));
    await waitFor(() => output.text.includes('| +I | ann '), 'the first change');
    stream.push(changes(['-U', ['ann', 1]], ['+U', ['ann', 2]]));
    stream.end();
    expect(await done).toBe('ok');
    expect(output.text).toMatch(new RegExp([
      '^\\+----\\+------------\\+------------\\+',
      '\\| op \\| customer   \\|          n \\|',
      '\\+----\\+------------\\+------------\\+',
      '\\| \\+I \\| ann        \\|          1 \\|',
      '\\| -U \\| ann        \\|          1 \\|',
      '\\| \\+U \\| ann        \\|          2 \\|',
      '\\+----\\+------------\\+------------\\+',
      '3 changes, 1 row in the result \\(\\d+\\.\\d\\d seconds\\)',
      '$',
    ].join('\n')));
  });

  it('tableau: prints like Flink, and "Query terminated" on Ctrl-C', async () => {
    const output = new RecordingOutput();
    const { stream, runner, run } = setup(output, { 'sql-client.execution.result-mode': 'tableau', 'sql-client.display.max-column-width': '10' });
    const done = run();
    stream.push(changes(['+I', ['ann', 1]], ['+I', ['bob', 1]]));
    await waitFor(() => output.text.includes('bob'), 'the changes');
    expect(runner.cancel()).toBe(true);
    expect(await done).toBe('cancelled');
    expect(stream.cancels).toBe(1);
    expect(output.text).toBe([
      '+----+------------+------------+',
      '| op |   customer |          n |',
      '+----+------------+------------+',
      '| +I |        ann |          1 |',
      '| +I |        bob |          1 |',
      '+----+------------+------------+',
      'Query terminated, received a total of 2 rows',
      '',
    ].join('\n'));
  });
});

describe('cancelling and failing streams', () => {
  it('Ctrl-C cancels the stream and prints what the table had', async () => {
    const output = new RecordingOutput();
    const { stream, session, runner, run } = setup(output);
    const done = run();
    stream.push(changes(['+I', ['ann', 1]]));
    await waitFor(() => stream.taken === 1, 'the change');
    expect(runner.cancel()).toBe(true);
    expect(await done).toBe('cancelled');
    expect(stream.cancels).toBe(1);
    expect(session.cancels).toBe(0);
    expect(output.text).toMatch(/\| ann {6}\| 1 \|\n\+-+\+-+\+\n1 row in set \(\d+\.\d\d seconds\)\n\[INFO\] Statement cancelled\.\n$/);
    expect(runner.cancel()).toBe(false);
  });

  it('returns at once even when the engine is slow to end the stream', async () => {
    const output = new RecordingOutput();
    const { stream, runner, run } = setup(output, { 'sql-client.execution.result-mode': 'changelog' });
    stream.onCancel = 'ignore';
    const done = run();
    await waitFor(() => output.text.includes('| op |'), 'the header');
    runner.cancel();
    expect(await done).toBe('cancelled');
    expect(stream.cancels).toBe(1);
    expect(output.text).toContain('[INFO] Statement cancelled.');
    // What the stream still brings is dropped quietly.
    stream.push(changes(['+I', ['late', 1]]));
    stream.fail(new Error('late failure'));
    await new Promise((r) => setTimeout(r, 20));
    expect(output.text).not.toContain('late');
    expect(output.errors).toBe('');
  });

  it('cancels a stream that arrives after Ctrl-C was pressed during submission', async () => {
    const output = new RecordingOutput();
    const { stream, session, runner } = setup(output);
    let submit!: () => void;
    session.execute = (sql) => new Promise((resolve) => {
      session.executed.push(sql);
      submit = () => resolve(stream.result());
    });
    const done = runner.run({ text: 'SELECT 1', offset: 0 }, 'SELECT 1');
    await waitFor(() => session.executed.length === 1, 'the submission');
    runner.cancel();
    expect(session.cancels).toBe(1);
    submit();
    expect(await done).toBe('cancelled');
    expect(stream.cancels).toBe(1);
  });

  it('prints an error thrown by the iterator like other errors', async () => {
    const output = new RecordingOutput();
    const { stream, run } = setup(output, { 'sql-client.execution.result-mode': 'changelog' });
    const done = run();
    stream.push(changes(['+I', ['ann', 1]]));
    stream.fail(new FreshetError(SqlState.divisionByZero, 'division by zero', { hint: 'Check the divisor.' }));
    expect(await done).toBe('failed');
    expect(output.text).toMatch(/\| \+I \| ann .*\n\+-+\+/);
    expect(output.text).not.toContain('changes,');
    expect(output.errors).toBe('[ERROR] Could not execute SQL statement. Reason:\nERROR 22012: division by zero\nHINT: Check the divisor.\n');
  });

  it('takes a failure after Ctrl-C as the cancellation', async () => {
    const output = new RecordingOutput();
    const { stream, runner, run } = setup(output);
    stream.onCancel = { fail: new FreshetError(SqlState.queryCanceled, 'canceling statement due to user request') };
    const done = run();
    stream.push(changes(['+I', ['ann', 1]]));
    await waitFor(() => stream.taken === 1, 'the change');
    runner.cancel();
    expect(await done).toBe('cancelled');
    expect(output.errors).toBe('');
  });

  it('a script with an endless stream runs until interrupted, and stops there', async () => {
    const output = new RecordingOutput();
    const { stream, session, runner } = setup(output, { 'sql-client.execution.result-mode': 'tableau' });
    const done = runScript(runner, 'SELECT * FROM endless; SHOW TABLES;');
    for (let i = 0; i < 5; i++) stream.push(changes(['+I', [`c${i}`, i]]));
    await waitFor(() => stream.taken === 5, 'the changes');
    await new Promise((r) => setTimeout(r, 20));
    expect(session.executed).toEqual(['SELECT * FROM endless']);
    runner.cancel();
    // sql-client exits with 130 for this outcome.
    expect(await done).toBe('cancelled');
    expect(session.executed).toEqual(['SELECT * FROM endless']);
    expect(output.text).toContain('Query terminated, received a total of 5 rows');
  });

  it('a script goes on after a stream that ends', async () => {
    const output = new RecordingOutput();
    const { stream, session, runner } = setup(output);
    stream.push(changes(['+I', ['a', 1]]));
    stream.end();
    expect(await runScript(runner, 'SELECT * FROM bounded; SHOW TABLES;')).toBe('ok');
    expect(session.executed).toEqual(['SELECT * FROM bounded', 'SHOW TABLES']);
  });
});
