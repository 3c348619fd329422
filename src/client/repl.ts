/**
 * The interactive loop: read lines at the `Flink SQL> ` prompt (continuing with `> ` until a statement
 * is complete), run each complete statement, and keep the history. node:readline does the line editing;
 * this module decides what a line means.
 *
 * Ctrl-C reaches the loop in two ways: as a keypress that readline reports while the terminal is in raw
 * mode, and as a SIGINT signal when it is not (input that is not a terminal, or output redirected). Both
 * do the same: cancel the running statement, or else drop what has been typed and prompt again.
 *
 * While a streaming result is shown live, key presses go to the result view instead of the line
 * editor (q leaves the view, and nothing typed is echoed into the table being redrawn).
 *
 * readline adds every line to its history; a statement typed over several lines should come back as one
 * entry, so when a statement completes the history is put back to what it was before its first line,
 * plus the statement as a single entry.
 */
import { createInterface, type Interface } from 'node:readline';
import type { EventEmitter } from 'node:events';
import type { StatementRunner } from './runner.ts';
import type { KeyInput } from './keys.ts';
import type { HistoryFile } from './history.ts';
import { HISTORY_SIZE } from './history.ts';
import { historyEntry, splitStatements, type SplitStatement } from './splitter.ts';
import { clientCommand } from './commands.ts';

export const PROMPT = 'Flink SQL> ';
export const CONTINUATION_PROMPT = '> ';

export interface ReplOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Whether to edit lines as on a terminal (raw mode, cursor keys, history recall). */
  terminal: boolean;
  /** Persistent history; none when absent. */
  history?: HistoryFile;
  banner?: string;
  /** Source of SIGINT signals (the process); absent in tests. */
  signals?: EventEmitter;
}

type KeypressListener = (...args: unknown[]) => void;

/**
 * Key presses taken away from readline for a while: its keypress listener on the input is detached
 * (so it neither echoes nor edits nor sees Ctrl-C) and put back afterwards.
 */
function keysFrom(input: NodeJS.ReadableStream): KeyInput {
  return {
    capture(onKey) {
      const saved = input.listeners('keypress') as KeypressListener[];
      input.removeAllListeners('keypress');
      const listener = (text: unknown, key: unknown): void => {
        const sequence = (key as { sequence?: unknown } | undefined)?.sequence;
        onKey(typeof text === 'string' ? text : typeof sequence === 'string' ? sequence : '');
      };
      input.on('keypress', listener);
      return () => {
        input.off('keypress', listener);
        for (const l of saved) input.on('keypress', l);
      };
    },
  };
}

/** readline's Interface has clearLine() at runtime (the REPL uses it) but not in its type declarations. */
interface ClearableLine {
  clearLine?: () => void;
}

export async function runRepl(runner: StatementRunner, opts: ReplOptions): Promise<number> {
  const store = opts.history;
  const size = store?.size ?? HISTORY_SIZE;
  // readline keeps (and edits) this very array, so it is changed in place from here on.
  const history = store?.load() ?? [];
  const rl = createInterface({
    input: opts.input,
    output: opts.output,
    terminal: opts.terminal,
    history,
    historySize: size,
    removeHistoryDuplicates: true,
    prompt: PROMPT,
    tabSize: 4,
  });
  const write = (text: string): void => {
    opts.output.write(text);
  };

  let buffer = '';
  let before = history.slice();

  const setHistory = (entries: string[]): void => {
    history.splice(0, history.length, ...entries.slice(0, size));
  };
  const remember = (entry: string): void => {
    if (entry === '') return;
    setHistory([entry, ...before.filter((e) => e !== entry)]);
    before = history.slice();
    store?.save(history);
  };
  const prompt = (): void => {
    // The history as it is before a statement's first line, to go back to when the statement completes.
    if (buffer === '') before = history.slice();
    rl.setPrompt(buffer === '' ? PROMPT : CONTINUATION_PROMPT);
    rl.prompt();
  };

  const interrupt = (): void => {
    if (runner.cancel()) return;
    if (opts.terminal) {
      // Keep what was typed visible, marked as abandoned, like a shell does.
      rl.write(null, { ctrl: true, name: 'e' });
      write('^C');
      const clearable = rl as Interface & ClearableLine;
      if (clearable.clearLine) clearable.clearLine();
      else { rl.write(null, { ctrl: true, name: 'u' }); write('\n'); }
    } else {
      write('\n');
    }
    buffer = '';
    setHistory(before);
    prompt();
  };
  rl.on('SIGINT', interrupt);
  opts.signals?.on('SIGINT', interrupt);
  // readline reads key by key only on a terminal; otherwise Ctrl-C comes as a signal and q cannot be read.
  if (opts.terminal) runner.keys = keysFrom(opts.input);

  if (opts.banner) write(opts.banner + '\n');
  prompt();
  try {
    for await (const line of rl) {
      const first = buffer === '';
      buffer += line + '\n';
      const split = splitStatements(buffer);
      let statements: SplitStatement[] = split.statements;
      let rest = split.pending ? buffer.slice(split.restOffset) : '';
      // QUIT, EXIT, HELP and CLEAR alone on a line need no semicolon: nobody means them as the start
      // of a longer statement.
      if (first && statements.length === 0 && clientCommand(line) !== undefined && !line.includes(';')) {
        statements = [{ text: line.trim(), offset: buffer.indexOf(line.trim()) }];
        rest = '';
      }
      if (statements.length > 0) {
        remember(historyEntry(buffer.slice(0, buffer.length - rest.length)));
        for (const st of statements) {
          if ((await runner.run(st, buffer)) === 'quit') return 0;
        }
      }
      buffer = rest;
      prompt();
    }
    // Ctrl-D (or the end of input): leave on a fresh line.
    write('\n');
    return 0;
  } finally {
    opts.signals?.off('SIGINT', interrupt);
    runner.keys = undefined;
    rl.close();
  }
}
