/** Stand-ins shared by the client tests: a session whose statements can hang until cancelled, and an output that records. */
import type { ClientOutput, SessionLike } from '../../src/client/runner.ts';
import { SessionOptions } from '../../src/session/options.ts';
import { ok, type StatementResult } from '../../src/session/result.ts';
import { FreshetError, SqlState } from '../../src/util/errors.ts';

/** Runs every statement at once, except those containing SLOW, which wait until cancelled. */
export class FakeSession implements SessionLike {
  readonly options = new SessionOptions();
  readonly executed: string[] = [];
  cancels = 0;
  private stop: (() => void) | undefined;

  execute(sql: string): Promise<StatementResult> {
    this.executed.push(sql);
    if (!sql.includes('SLOW')) return Promise.resolve(ok('TEST', `ran ${sql}`));
    return new Promise((_, reject) => {
      this.stop = () => reject(new FreshetError(SqlState.queryCanceled, 'canceling statement due to user request'));
    });
  }

  cancel(): void {
    this.cancels++;
    this.stop?.();
    this.stop = undefined;
  }
}

export class RecordingOutput implements ClientOutput {
  text = '';
  errors = '';
  out(t: string): void { this.text += t; }
  err(t: string): void { this.errors += t; }
}

/** Waits until `check` holds, polling; fails with `what` after a while. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
