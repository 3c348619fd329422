/**
 * Source runners: the only places that await. A scan pulls batches from a connector (one await per
 * batch), pushes each through the operator pipeline synchronously, then waits for deferred sink I/O,
 * which gives natural backpressure.
 */
import type { Batch } from '../../types/batch.ts';
import { batchFromRows, BATCH_SIZE } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import type { ColumnPredicate, ScanSource } from '../../connectors/connector.ts';
import type { Emitter, ExecContext } from '../operator.ts';
import { ChangelogMaterializer } from './materialize.ts';

export interface SourceRunner {
  readonly id: number;
  run(): Promise<void>;
  /** Streaming checkpoints: where the runner is (its source's position, or that it has ended). */
  snapshotPosition?(): { ended: boolean; source: unknown };
  /** Before run(): resume from a position snapshotPosition returned in an earlier run of the job. */
  restorePosition?(p: { ended: boolean; source: unknown }): void;
}

export interface DriverHooks {
  /** Waits for deferred asynchronous work (sink writes). */
  drain(): Promise<void>;
}

/** How long a source may keep the thread before letting timers, signals and other sessions run. */
const YIELD_EVERY_MS = 25;

/**
 * A source whose batches are ready without I/O (generated or in memory) would otherwise never give the
 * event loop a turn: Ctrl-C, cancel requests and other connections would wait for the whole statement.
 */
export function eventLoopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class ScanRunner implements SourceRunner {
  readonly id: number;
  private readonly source: ScanSource;
  private readonly columns: number[];
  private readonly predicates: ColumnPredicate[];
  private readonly out: Emitter;
  private readonly ctx: ExecContext;
  private readonly hooks: DriverHooks;

  constructor(id: number, source: ScanSource, columns: number[], predicates: ColumnPredicate[], out: Emitter, ctx: ExecContext, hooks: DriverHooks) {
    this.id = id;
    this.source = source;
    this.columns = columns;
    this.predicates = predicates;
    this.out = out;
    this.ctx = ctx;
    this.hooks = hooks;
  }

  async run(): Promise<void> {
    if (this.ctx.isCancelled(this.id)) {
      this.out.end();
      return;
    }
    // a changelog source is read as the table its changes add up to
    const changelog = this.source.changelogMode === 'retract';
    const scanCtx = {
      timeZone: this.ctx.env.timeZone,
      batchSize: this.ctx.batchSize,
      isCancelled: () => this.ctx.isCancelled(this.id),
      countSkipped: (where: string, reason: string) => this.ctx.countSkipped(where, reason),
      materializeChanges: changelog,
    };
    const materializer = changelog ? new ChangelogMaterializer(this.columns.map((c) => this.source.fields[c]!.type)) : null;
    const iterator = this.source.open({ columns: this.columns, predicates: this.predicates }, scanCtx)[Symbol.asyncIterator]();
    let lastTurn = performance.now();
    try {
      while (!this.ctx.isCancelled(this.id)) {
        const r = await iterator.next();
        if (r.done) break;
        if (materializer !== null) materializer.add(r.value);
        else if (r.value.length > 0) this.out.emit(r.value);
        await this.hooks.drain();
        const now = performance.now();
        if (now - lastTurn > YIELD_EVERY_MS) {
          await eventLoopTurn();
          lastTurn = performance.now();
        }
      }
    } finally {
      await iterator.return?.();
    }
    if (materializer !== null) for (const b of materializer.batches(this.ctx.batchSize)) this.out.emit(b);
    this.out.end();
  }
}

export class ValuesRunner implements SourceRunner {
  readonly id: number;
  private readonly batches: Batch[];
  private readonly out: Emitter;

  constructor(id: number, types: DataType[], rows: unknown[][], out: Emitter) {
    this.id = id;
    this.out = out;
    this.batches = [];
    for (let s = 0; s < rows.length; s += BATCH_SIZE) this.batches.push(batchFromRows(types, rows.slice(s, s + BATCH_SIZE)));
  }

  async run(): Promise<void> {
    // the rows go out at once, before any checkpoint: a restored job ends the input again, without them
    for (const b of this.batches) this.out.emit(b);
    this.out.end();
  }

  snapshotPosition(): { ended: boolean; source: unknown } {
    return { ended: true, source: null };
  }

  restorePosition(p: { ended: boolean }): void {
    if (p.ended) this.batches.length = 0;
  }
}
