/**
 * Stand-ins shared by the client tests: a session whose statements can hang until cancelled, an output
 * that records, streaming results the test drives, and a terminal that records (with a reading of
 * what it would show).
 */
import type { ClientOutput, SessionLike } from '../../src/client/runner.ts';
import { SessionOptions } from '../../src/session/options.ts';
import { ok, type ChangeBatch, type ResultColumn, type StatementResult, type StreamResult } from '../../src/session/result.ts';
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

export type Op = '+I' | '-U' | '+U' | '-D';
const KINDS: Record<Op, number> = { '+I': 0, '-U': 1, '+U': 2, '-D': 3 };

/** A batch of changes: changes(['+I', [1, 'a']], ['-D', [1, 'a']]). */
export function changes(...entries: Array<[Op, unknown[]]>): ChangeBatch {
  return { kinds: Uint8Array.from(entries.map(([op]) => KINDS[op])), rows: entries.map(([, row]) => row) };
}

/**
 * A streaming result the test drives: push() batches, end() or fail() the stream. The iterator waits
 * for what the test sends. cancel() ends the stream, as the engine's does; with `onCancel` 'ignore' it
 * does nothing (an engine slow to notice), with { fail } the iterator throws that.
 */
export class FakeStream {
  readonly columns: ResultColumn[];
  cancels = 0;
  /** Batches the consumer has taken. */
  taken = 0;
  /** Whether the consumer let go of the iterator. */
  closed = false;
  onCancel: 'end' | 'ignore' | { fail: unknown } = 'end';
  uniqueKey: number[] | undefined;
  warnings: string[] = [];
  private readonly queue: Array<ChangeBatch | 'end' | { error: unknown }> = [];
  private wake: (() => void) | undefined;

  constructor(columns: ResultColumn[]) {
    this.columns = columns;
  }

  push(...batches: ChangeBatch[]): void {
    this.queue.push(...batches);
    this.poke();
  }

  end(): void {
    this.queue.push('end');
    this.poke();
  }

  fail(error: unknown): void {
    this.queue.push({ error });
    this.poke();
  }

  result(): StreamResult {
    return {
      kind: 'stream',
      command: 'SELECT',
      warnings: this.warnings,
      columns: this.columns,
      changes: this.iterate(),
      cancel: () => {
        this.cancels++;
        if (this.onCancel === 'end') this.end();
        else if (this.onCancel !== 'ignore') this.fail(this.onCancel.fail);
      },
      changelog: 'updates',
      uniqueKey: this.uniqueKey,
    };
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async *iterate(): AsyncGenerator<ChangeBatch> {
    try {
      for (;;) {
        while (this.queue.length === 0) await new Promise<void>((r) => { this.wake = r; });
        const item = this.queue.shift()!;
        if (item === 'end') return;
        if ('error' in item) throw item.error;
        this.taken++;
        yield item;
      }
    } finally {
      this.closed = true;
    }
  }
}

/** A terminal that records what is written to it. */
export class FakeTerminal {
  columns = 80;
  rows = 24;
  raw = '';
  write(t: string): void { this.raw += t; }
}

/** Client output on a (fake) terminal: results, errors and redraws all land in `raw`. */
export function terminalOutput(terminal = new FakeTerminal()): ClientOutput & { terminal: FakeTerminal } {
  const write = (t: string): void => { terminal.raw += t; };
  return { out: write, err: write, terminal };
}

/**
 * What a terminal shows after `raw` was written to it, line by line: interprets the few controls the
 * client sends (\r, \n, cursor up, erase to the end of the line and below, cursor show/hide).
 */
export function screenOf(raw: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  let col = 0;
  const re = /\x1b\[(\??)(\d*)([A-Za-z])|\r|\n|[^\x1b\r\n]+/g;
  for (const m of raw.matchAll(re)) {
    const t = m[0];
    if (t === '\r') col = 0;
    else if (t === '\n') {
      row++;
      col = 0;
      if (lines.length <= row) lines.push('');
    } else if (m[3] !== undefined) {
      const n = m[2] === '' ? 1 : Number(m[2]);
      if (m[1] === '?') continue;
      if (m[3] === 'A') row = Math.max(0, row - n);
      else if (m[3] === 'K') lines[row] = lines[row]!.slice(0, col);
      else if (m[3] === 'J') { lines[row] = lines[row]!.slice(0, col); lines.length = row + 1; }
      else throw new Error(`unexpected escape ${JSON.stringify(t)}`);
    } else {
      const line = lines[row]!.padEnd(col);
      lines[row] = line.slice(0, col) + t + line.slice(col + t.length);
      col += t.length;
    }
  }
  return lines;
}
