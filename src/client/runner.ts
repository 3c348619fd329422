/**
 * Runs one statement for the client, wherever it came from (the prompt, a script, -e): client commands
 * are answered here, SQL goes to the session, and the outcome is printed: the rendered result, or an
 * [ERROR] with the position of the problem in the text the user wrote (a script line, not a line of
 * the statement cut out of it). A streaming query's result is shown while it arrives (stream-view.ts);
 * the statement runs until the stream ends or is cancelled.
 */
import type { StatementResult } from '../session/result.ts';
import type { SessionOptions } from '../session/options.ts';
import { FreshetError, SqlState, formatError, positionOf } from '../util/errors.ts';
import type { SplitStatement } from './splitter.ts';
import { clientCommand } from './commands.ts';
import { helpText } from './help.ts';
import type { KeyInput } from './keys.ts';
import { DEFAULT_REFRESH_MS, type Terminal } from './live-block.ts';
import { CANCELLED_LINE, renderOptionsFrom, renderResult } from './render.ts';
import { Stop, showStream } from './stream-view.ts';
import { ProgressBar } from './progress-bar.ts';
import type { StatementProgress } from '../session/session.ts';

/** What the runner needs from a session (a Session, or a stand-in in tests). */
export interface SessionLike {
  readonly options: SessionOptions;
  /** Where the session reports the start of a long statement it can estimate (absent in stand-ins). */
  progress?: ((p: StatementProgress) => void) | undefined;
  execute(sql: string): Promise<StatementResult>;
  cancel(): void;
}

/** Where the client prints. Errors may go elsewhere than results (stderr in scripts). */
export interface ClientOutput {
  out(text: string): void;
  err(text: string): void;
  /** Clears the screen; absent when the output is not a terminal (no escape codes then). */
  clear?: () => void;
  /**
   * The terminal `out` writes to, when it is one: streaming results in table mode are redrawn on it.
   * Absent when the output is not a terminal (no escape codes then).
   */
  terminal?: Terminal;
}

export type Outcome = 'ok' | 'failed' | 'cancelled' | 'quit';

export class StatementRunner {
  private readonly session: SessionLike;
  private readonly output: ClientOutput;
  private running = false;
  private cancelRequested = false;
  /** The cancellation of the streaming result being shown, if one is. */
  private stop: Stop | undefined;
  /** Key presses while a result is shown live (q); set by whoever reads the terminal's input. */
  keys: KeyInput | undefined;
  /** Least time between two redraws of a live result. */
  refreshMs = DEFAULT_REFRESH_MS;

  constructor(session: SessionLike, output: ClientOutput) {
    this.session = session;
    this.output = output;
  }

  /** Asks the running statement to stop. False when nothing is running. */
  cancel(): boolean {
    if (!this.running) return false;
    this.cancelRequested = true;
    if (this.stop !== undefined) this.stop.request();
    else this.session.cancel();
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
    let bar: ProgressBar | undefined;
    const terminal = this.output.terminal;
    if (terminal !== undefined) this.session.progress = (p) => { bar = new ProgressBar(terminal, p); };
    try {
      const result = await this.session.execute(statement.text).finally(() => {
        bar?.end();
        this.session.progress = undefined;
      });
      const opts = renderOptionsFrom(this.session.options);
      if (result.kind !== 'stream') {
        this.output.out(renderResult(result, opts, performance.now() - started));
        return 'ok';
      }
      const stop = new Stop(() => result.cancel());
      this.stop = stop;
      // Ctrl-C came while the query was being submitted.
      if (this.cancelRequested) stop.request();
      return await showStream(result, opts, {
        write: (text) => this.output.out(text),
        terminal: this.output.terminal,
        keys: this.keys,
        stop,
        elapsed: () => performance.now() - started,
        refreshMs: this.refreshMs,
      });
    } catch (e) {
      if (this.cancelRequested && e instanceof FreshetError && e.sqlState === SqlState.queryCanceled) {
        this.output.out(CANCELLED_LINE);
        return 'cancelled';
      }
      relocate(e, statement, source);
      const verbose = this.session.options.bool('sql-client.verbose');
      this.output.err(`[ERROR] Could not execute SQL statement. Reason:\n${formatError(e, verbose)}\n`);
      return 'failed';
    } finally {
      this.running = false;
      this.cancelRequested = false;
      this.stop = undefined;
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
