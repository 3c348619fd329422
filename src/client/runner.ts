/**
 * Runs one statement for the client, wherever it came from (the prompt, a script, -e): client commands
 * are answered here, SQL goes to the session, and the outcome is printed: the rendered result, or an
 * [ERROR] with the position of the problem in the text the user wrote (a script line, not a line of
 * the statement cut out of it).
 */
import type { StatementResult } from '../session/result.ts';
import type { SessionOptions } from '../session/options.ts';
import { FreshetError, SqlState, formatError, positionOf } from '../util/errors.ts';
import type { SplitStatement } from './splitter.ts';
import { clientCommand } from './commands.ts';
import { helpText } from './help.ts';
import { renderOptionsFrom, renderResult } from './render.ts';

/** What the runner needs from a session (a Session, or a stand-in in tests). */
export interface SessionLike {
  readonly options: SessionOptions;
  execute(sql: string): Promise<StatementResult>;
  cancel(): void;
}

/** Where the client prints. Errors may go elsewhere than results (stderr in scripts). */
export interface ClientOutput {
  out(text: string): void;
  err(text: string): void;
  /** Clears the screen; absent when the output is not a terminal (no escape codes then). */
  clear?: () => void;
}

export type Outcome = 'ok' | 'failed' | 'cancelled' | 'quit';

export class StatementRunner {
  private readonly session: SessionLike;
  private readonly output: ClientOutput;
  private running = false;
  private cancelRequested = false;

  constructor(session: SessionLike, output: ClientOutput) {
    this.session = session;
    this.output = output;
  }

  /** Asks the running statement to stop. False when nothing is running. */
  cancel(): boolean {
    if (!this.running) return false;
    this.cancelRequested = true;
    this.session.cancel();
    return true;
  }

  /** Runs `statement`, which was cut out of `source` (a script, the input buffer) at its offset. */
  async run(statement: SplitStatement, source: string): Promise<Outcome> {
    const command = clientCommand(statement.text);
    if (command === 'quit') return 'quit';
    if (command === 'help') {
      this.output.out(helpText());
      return 'ok';
    }
    if (command === 'clear') {
      this.output.clear?.();
      return 'ok';
    }
    const started = performance.now();
    this.running = true;
    try {
      const result = await this.session.execute(statement.text);
      this.output.out(renderResult(result, renderOptionsFrom(this.session.options), performance.now() - started));
      return 'ok';
    } catch (e) {
      if (this.cancelRequested && e instanceof FreshetError && e.sqlState === SqlState.queryCanceled) {
        this.output.out('[INFO] Statement cancelled.\n');
        return 'cancelled';
      }
      relocate(e, statement, source);
      const verbose = this.session.options.bool('sql-client.verbose');
      this.output.err(`[ERROR] Could not execute SQL statement. Reason:\n${formatError(e, verbose)}\n`);
      return 'failed';
    } finally {
      this.running = false;
      this.cancelRequested = false;
    }
  }
}

/**
 * Moves an error's position from the statement's own text to the text it was cut from, so line and
 * column (and the caret line) are those of the script or the input the user sees. Errors located in
 * other text (the query of a view, say) keep their position.
 */
export function relocate(e: unknown, statement: SplitStatement, source: string): void {
  if (!(e instanceof FreshetError) || e.position === undefined) return;
  if (e.source !== undefined && e.source !== statement.text) return;
  if (source === statement.text) return;
  e.position = positionOf(source, statement.offset + e.position.offset);
  e.source = source;
}
