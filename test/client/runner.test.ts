import { describe, expect, it } from 'vitest';
import { StatementRunner, relocate } from '../../src/client/runner.ts';
import { runScript, runStream } from '../../src/client/script.ts';
import { Engine } from '../../src/session/engine.ts';
import { FreshetError, SqlState, positionOf } from '../../src/util/errors.ts';
import { FakeSession, RecordingOutput, waitFor } from './fakes.ts';

async function realRunner(): Promise<{ runner: StatementRunner; output: RecordingOutput }> {
  const engine = await Engine.open();
  const output = new RecordingOutput();
  return { runner: new StatementRunner(engine.createSession(), output), output };
}

describe('StatementRunner', () => {
  it('prints results and answers client commands', async () => {
    const { runner, output } = await realRunner();
    expect(await runner.run({ text: 'SELECT 41 + 1 AS answer', offset: 0 }, 'SELECT 41 + 1 AS answer')).toBe('ok');
    expect(output.text).toContain('|     42 |');
    expect(await runner.run({ text: 'help', offset: 0 }, 'help')).toBe('ok');
    expect(output.text).toContain('Client commands:');
    expect(await runner.run({ text: 'Exit', offset: 0 }, 'Exit')).toBe('quit');
    expect(await runner.run({ text: 'QUIT', offset: 0 }, 'QUIT')).toBe('quit');
    expect(await runner.run({ text: 'clear', offset: 0 }, 'clear')).toBe('ok');
  });

  it('reports errors at their line and column in the whole script', async () => {
    const { runner, output } = await realRunner();
    const script = 'SELECT 1;\n\nSELECT a\n  FROM missing;\n';
    expect(await runScript(runner, script)).toBe('failed');
    expect(output.errors).toContain('[ERROR] Could not execute SQL statement. Reason:\n');
    expect(output.errors).toContain('(line 4, column 8)');
    expect(output.errors).toContain('    FROM missing;\n         ^');
    expect(output.errors).not.toMatch(/\n\s+at /);
  });

  it('adds the stack when sql-client.verbose is set', async () => {
    const { runner, output } = await realRunner();
    await runScript(runner, "SET 'sql-client.verbose' = 'true'; SELECT FROM;");
    expect(output.errors).toMatch(/\n\s+at .*parse\.ts/);
  });

  it('stops a script at the first error', async () => {
    const session = new FakeSession();
    const output = new RecordingOutput();
    const runner = new StatementRunner(session, output);
    session.execute = async (sql) => {
      session.executed.push(sql);
      if (sql === 'bad') throw new FreshetError(SqlState.syntaxError, 'nope');
      return { kind: 'ok', command: 'T', message: sql, warnings: [] };
    };
    expect(await runScript(runner, 'one; bad; three;')).toBe('failed');
    expect(session.executed).toEqual(['one', 'bad']);
  });

  it('cancels the running statement', async () => {
    const session = new FakeSession();
    const output = new RecordingOutput();
    const runner = new StatementRunner(session, output);
    expect(runner.cancel()).toBe(false);
    const running = runner.run({ text: 'SELECT SLOW', offset: 0 }, 'SELECT SLOW');
    await waitFor(() => session.executed.length === 1, 'the statement to start');
    expect(runner.cancel()).toBe(true);
    expect(await running).toBe('cancelled');
    expect(output.text).toBe('[INFO] Statement cancelled.\n');
    expect(runner.cancel()).toBe(false);
  });

  it('runs statements from a stream as soon as they are complete', async () => {
    const session = new FakeSession();
    const output = new RecordingOutput();
    const runner = new StatementRunner(session, output);
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    async function* chunks(): AsyncIterable<string> {
      yield 'SELECT 1; SEL';
      await gate;
      yield 'ECT 2;\nSELECT 3';
    }
    const done = runStream(runner, chunks());
    await waitFor(() => session.executed.length === 1, 'the first statement');
    expect(session.executed).toEqual(['SELECT 1']);
    release();
    expect(await done).toBe('ok');
    expect(session.executed).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 3']);
  });

  it('counts positions in a stream from the start of the input', async () => {
    const { runner, output } = await realRunner();
    async function* chunks(): AsyncIterable<string> {
      yield 'SELECT 1;\n';
      yield 'SELECT 2;\nSELECT x FROM nowhere;';
    }
    expect(await runStream(runner, chunks())).toBe('failed');
    expect(output.errors).toContain('(line 3, column 15)');
  });
});

describe('relocate', () => {
  it('moves a statement-relative position into the script', () => {
    const script = 'SELECT 1;\n  SELECT oops';
    const st = { text: 'SELECT oops', offset: 12 };
    const e = new FreshetError(SqlState.syntaxError, 'x', { position: positionOf(st.text, 7), source: st.text });
    relocate(e, st, script);
    expect(e.position).toEqual({ offset: 19, line: 2, column: 10 });
    expect(e.source).toBe(script);
  });

  it('leaves positions in other text alone', () => {
    const e = new FreshetError(SqlState.syntaxError, 'x', { position: positionOf('view text', 2), source: 'view text' });
    relocate(e, { text: 'SELECT * FROM v', offset: 5 }, 'abcd SELECT * FROM v');
    expect(e.position?.offset).toBe(2);
    expect(e.source).toBe('view text');
  });
});
