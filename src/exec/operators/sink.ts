/** Sinks: write batches into a connector's writer, or collect them as a query result. */
import type { Batch } from '../../types/batch.ts';
import type { SinkWriter } from '../../connectors/connector.ts';
import type { ExecContext, Operator } from '../operator.ts';

export class SinkOperator implements Operator {
  private readonly writer: SinkWriter;
  private readonly ctx: ExecContext;
  rows = 0;
  ended = false;

  constructor(writer: SinkWriter, ctx: ExecContext) {
    this.writer = writer;
    this.ctx = ctx;
  }

  push(batch: Batch): void {
    this.rows += batch.length;
    const r = this.writer.write(batch);
    if (r instanceof Promise) this.ctx.defer(r);
  }

  end(): void {
    this.ended = true;
  }
}

export class CollectOperator implements Operator {
  readonly batches: Batch[] = [];
  rows = 0;
  ended = false;

  push(batch: Batch): void {
    this.rows += batch.length;
    this.batches.push(batch);
  }

  end(): void {
    this.ended = true;
  }
}
