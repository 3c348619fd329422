/**
 * The runtime contract of operators. Operators are push-based and synchronous: a producer calls
 * `push(batch, port)` and the operator emits zero or more batches downstream before returning. Only
 * sources (and sinks that write files) are asynchronous, with one await per batch, never per row.
 */
import type { Batch } from '../types/batch.ts';
import type { CompileEnv } from './expr/compile.ts';

/** Where an operator sends its output. */
export interface Emitter {
  emit(batch: Batch): void;
  /** No more batches will come. */
  end(): void;
}

export interface Operator {
  /** A batch arrives on input `port` (0 for single-input operators; joins: 0 = left, 1 = right). */
  push(batch: Batch, port: number): void;
  /** Input `port` has no more batches. */
  end(port: number): void;
}

/** Everything operators of one running statement share. */
export interface ExecContext {
  env: CompileEnv;
  batchSize: number;
  /** Sources stop reading once this is true (LIMIT satisfied, statement cancelled). */
  isCancelled(sourceId: number): boolean;
  /** Stops the given sources (a LIMIT above them has what it needs). */
  stopSources(sourceIds: readonly number[]): void;
  /** Registers asynchronous work (a sink write) to finish before the next batch is read. */
  defer(work: Promise<void>): void;
  /** Records a skipped bad record (with the connector's ignore-errors option). */
  countSkipped(where: string, reason: string): void;
  /** Memory budget check for buffering operators (rows held). Throws a clear error past the limit. */
  reserveRows(operator: string, rows: number): void;
}

/** An emitter that forwards into port `port` of an operator. */
export function into(op: Operator, port: number): Emitter {
  return {
    emit: (b) => op.push(b, port),
    end: () => op.end(port),
  };
}
