/**
 * Shows a streaming query's result while it runs, in the session's result mode: `table` keeps a
 * materialized view and shows it (table-mode.ts), `changelog` and `tableau` print each change as it
 * arrives (changelog-printer.ts). This module pulls the changes and decides how the showing ends:
 *
 * - the stream ends: the query finished; the view prints its final form;
 * - a cancel is requested (Ctrl-C, q): the query is told to stop and the client stops waiting for it at
 *   once, even if the engine takes a while to notice;
 * - the iterator throws: the view is closed and the error goes to the caller, which prints it like any
 *   other.
 */
import type { ChangeBatch, StreamResult } from '../session/result.ts';
import { ChangelogPrinter, type StreamEnd } from './changelog-printer.ts';
import type { KeyInput } from './keys.ts';
import type { Terminal } from './live-block.ts';
import { renderWarnings, type RenderOptions } from './render.ts';
import { TableModeView } from './table-mode.ts';

/** A cancellation that can be requested once, by whoever comes first (a signal, a key). */
export class Stop {
  private readonly onRequest: () => void;
  private resolve!: () => void;
  /** Settles when the stop is requested. */
  readonly whenRequested: Promise<void>;
  requested = false;

  constructor(onRequest: () => void) {
    this.onRequest = onRequest;
    this.whenRequested = new Promise((r) => { this.resolve = r; });
  }

  request(): void {
    if (this.requested) return;
    this.requested = true;
    this.onRequest();
    this.resolve();
  }
}

export interface StreamContext {
  /** Where results are printed. */
  write(text: string): void;
  /** The terminal the output is on, for the live table; absent when it is not one. */
  terminal?: Terminal;
  keys?: KeyInput;
  stop: Stop;
  /** Milliseconds since the statement was submitted. */
  elapsed(): number;
  refreshMs?: number;
}

/** What a result mode does with the changes. */
interface StreamSink {
  start(): void;
  print(batch: ChangeBatch): void;
  finish(end: StreamEnd, elapsedMs: number): void;
}

/** The client lets other work (key presses, signals, redraws) in at least this often. */
const YIELD_EVERY_MS = 50;

const STOPPED: unique symbol = Symbol('stopped');
const ignore = (): void => {};

/**
 * Feeds the changes to `onBatch` until the stream ends ('ended') or a stop is requested
 * ('cancelled'). Errors of the iterator are thrown.
 */
export async function pump(changes: AsyncIterable<ChangeBatch>, stop: Stop, onBatch: (batch: ChangeBatch) => void): Promise<'ended' | 'cancelled'> {
  const iterator = changes[Symbol.asyncIterator]();
  const stopped = stop.whenRequested.then((): typeof STOPPED => STOPPED);
  let lastYield = performance.now();
  while (!stop.requested) {
    const next = iterator.next();
    const r = await Promise.race([next, stopped]);
    if (r === STOPPED) {
      // The query was told to stop; whatever the pending pull still brings is of no interest.
      next.then(ignore, ignore);
      break;
    }
    if (r.done) return stop.requested ? 'cancelled' : 'ended';
    onBatch(r.value);
    // An iterator that always has the next batch ready would never let the event loop run.
    if (performance.now() - lastYield > YIELD_EVERY_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
  }
  iterator.return?.().then(ignore, ignore);
  return 'cancelled';
}

/** Shows the result; 'cancelled' when a stop was requested before it ended. */
export async function showStream(result: StreamResult, opts: RenderOptions, ctx: StreamContext): Promise<'ok' | 'cancelled'> {
  const sink: StreamSink = opts.resultMode === 'table'
    ? new TableModeView(result.columns, result.uniqueKey, opts, {
      write: ctx.write,
      terminal: ctx.terminal,
      keys: ctx.keys,
      quit: () => ctx.stop.request(),
      refreshMs: ctx.refreshMs,
    }, result.orderBy)
    : new ChangelogPrinter(result.columns, opts.resultMode, opts, ctx.write);
  sink.start();
  let end: StreamEnd;
  try {
    end = await pump(result.changes, ctx.stop, (batch) => sink.print(batch));
  } catch (e) {
    // A query that fails while being cancelled was cancelled, whatever the error says.
    if (!ctx.stop.requested) {
      sink.finish('failed', ctx.elapsed());
      throw e;
    }
    end = 'cancelled';
  }
  sink.finish(end, ctx.elapsed());
  const warnings = renderWarnings(result.warnings);
  if (warnings !== '') ctx.write(warnings);
  return end === 'cancelled' ? 'cancelled' : 'ok';
}
