/**
 * Where a streaming query's changes wait for the client: the job pushes batches in, the client pulls
 * them out as ChangeBatches. When more than a few batches wait, the job pauses (the driver awaits
 * `space()` after each batch), so a slow client holds the query back instead of filling memory.
 */
import type { Batch } from '../types/batch.ts';
import { batchToRows } from '../types/batch.ts';
import type { DataType } from '../types/data-type.ts';
import type { Operator } from '../exec/operator.ts';
import type { ChangeBatch } from './result.ts';

/** Batches the job may run ahead of the client. */
const MAX_WAITING = 16;

export class ResultQueue implements Operator, AsyncIterable<ChangeBatch> {
  private readonly types: readonly DataType[];
  private readonly waiting: ChangeBatch[] = [];
  private closed = false;
  private error: unknown = undefined;
  private wakeReader: (() => void) | null = null;
  private wakeWriter: (() => void) | null = null;
  /** Called when the client stops reading before the end (breaks out of its loop). */
  onAbandon: () => void = () => {};

  constructor(types: readonly DataType[]) {
    this.types = types;
  }

  push(batch: Batch): void {
    if (this.closed || batch.length === 0) return;
    const kinds = batch.kinds ?? new Uint8Array(batch.length);
    this.waiting.push({ kinds, rows: batchToRows(batch, this.types) });
    this.wake();
  }

  end(): void {
    // the job closes the queue once its sinks and timers are done
  }

  /** No more changes: the query finished or was cancelled. */
  close(): void {
    this.closed = true;
    this.wake();
    this.wakeWriter?.();
  }

  /** The query failed: the reader gets the error after the changes before it. */
  fail(e: unknown): void {
    this.error = e;
    this.close();
  }

  private wake(): void {
    const w = this.wakeReader;
    this.wakeReader = null;
    w?.();
  }

  /** Resolves once the client has room for more. */
  space(): Promise<void> | void {
    if (this.waiting.length < MAX_WAITING || this.closed) return;
    return new Promise((resolve) => { this.wakeWriter = resolve; });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ChangeBatch> {
    let finished = false;
    try {
      for (;;) {
        if (this.waiting.length > 0) {
          const b = this.waiting.shift()!;
          if (this.waiting.length < MAX_WAITING) {
            const w = this.wakeWriter;
            this.wakeWriter = null;
            w?.();
          }
          yield b;
          continue;
        }
        if (this.closed) {
          finished = true;
          if (this.error !== undefined) throw this.error;
          return;
        }
        await new Promise<void>((resolve) => { this.wakeReader = resolve; });
      }
    } finally {
      if (!finished) this.onAbandon();
    }
  }
}
