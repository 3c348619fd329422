/**
 * Non-interactive runs: the statements of -e, of a -f file, or of standard input when it is not a
 * terminal. Statements run in order and the run stops at the first one that fails, as Flink's -f
 * does: later statements usually depend on earlier ones. Standard input is split as it arrives, so a
 * statement runs as soon as its semicolon is read, yet error positions are still counted from the
 * start of the input.
 */
import type { Outcome, StatementRunner } from './runner.ts';
import { splitScript, splitStatements } from './splitter.ts';

/** Runs every statement of `text`; the outcome of the last one run ('ok' when all succeeded). */
export async function runScript(runner: StatementRunner, text: string): Promise<Outcome> {
  for (const st of splitScript(text)) {
    const outcome = await runner.run(st, text);
    if (outcome !== 'ok') return outcome;
  }
  return 'ok';
}

/** Runs the statements read from a stream of text chunks. */
export async function runStream(runner: StatementRunner, chunks: AsyncIterable<string>): Promise<Outcome> {
  let text = '';
  let consumed = 0;
  for await (const chunk of chunks) {
    text += chunk;
    const r = splitStatements(text.slice(consumed));
    for (const st of r.statements) {
      const outcome = await runner.run({ text: st.text, offset: consumed + st.offset }, text);
      if (outcome !== 'ok') return outcome;
    }
    consumed += r.restOffset;
  }
  for (const st of splitScript(text.slice(consumed))) {
    const outcome = await runner.run({ text: st.text, offset: consumed + st.offset }, text);
    if (outcome !== 'ok') return outcome;
  }
  return 'ok';
}
