/**
 * Runs a streaming job: all sources at once (each an asynchronous loop, one await per batch, taking
 * turns on the event loop), operators in between, sinks or a result queue at the end. The driver also
 * keeps processing time: timers operators ask for (processing-time windows, mini-batch flushes, state
 * TTL) fire between batches and on a timer while sources wait; sources without data for
 * `table.exec.source.idle-timeout` are marked idle so they do not hold back the watermark; sinks commit
 * every `execution.checkpointing.interval`.
 *
 * A job ends when every source has ended (bounded inputs: windows and buffers are flushed as the final
 * +infinity watermark passes, sinks finish), when it is stopped (sources stop, what was written is
 * committed, nothing is flushed), or cancelled (sources stop, sinks are aborted).
 */
import { randomUUID } from 'node:crypto';
import type { Batch } from '../../types/batch.ts';
import { BATCH_SIZE } from '../../types/batch.ts';
import type { PhysicalPlan } from '../physical-plan.ts';
import { sinksOf } from '../physical-plan.ts';
import type { Clock, Emitter, ExecContext, Operator } from '../operator.ts';
import { into, wallClock } from '../operator.ts';
import type { CompileEnv } from '../expr/compile.ts';
import type { ColumnPredicate, ScanSource, SinkWriter } from '../../connectors/connector.ts';
import { buildPipeline, restorePipeline, snapshotPipeline, type BuiltPipeline, type PipelineSnapshot } from '../build.ts';
import { HeapStateBackend } from '../../state/backend.ts';
import { TimerQueue } from '../../state/timer-queue.ts';
import { eventLoopTurn, type SourceRunner } from '../operators/sources.ts';

export interface StreamRunOptions {
  env: CompileEnv;
  clock?: Clock;
  batchSize?: number;
  /** table.exec.state.ttl in ms (0: forever). */
  stateTtl: number;
  miniBatch: { latency: number; size: number } | null;
  watermarkInterval: number;
  /** table.exec.source.idle-timeout in ms (0: never idle). */
  idleTimeout: number;
  /** execution.checkpointing.interval in ms (0: sinks commit only when the job ends). */
  checkpointInterval: number;
  /** Whether a node's output carries updates (from the planner's changelog modes). */
  updating: (p: PhysicalPlan) => boolean;
  /** Operator state to start from (a checkpoint or the previous incremental refresh of the same plan). */
  restoreFrom?: PipelineSnapshot;
}

export interface StreamJobStats {
  rowsIn: number;
  rowsOut: number;
  /** Rows written per sink, in plan order. */
  written: number[];
  lateRows: number;
  lateBy: Map<string, number>;
  skipped: Array<{ where: string; reason: string }>;
  skippedCount: number;
  stateEntries: number;
}

export type JobStatus = 'RUNNING' | 'FINISHED' | 'CANCELED' | 'FAILED' | 'STOPPED';

/** Processing-time timers of one job. */
class Timers {
  private readonly queue = new TimerQueue();
  private readonly callbacks = new Map<number, () => void>();
  private next = 0;

  add(time: number, fire: () => void): void {
    const id = this.next++;
    this.callbacks.set(id, fire);
    this.queue.push(time, id);
  }

  /** Runs the timers due at `now`, in time order (timers they add that are due run too). */
  runDue(now: number): void {
    while (this.queue.size > 0 && this.queue.peekTime() <= now) {
      const id = this.queue.pop();
      const f = this.callbacks.get(id)!;
      this.callbacks.delete(id);
      f();
    }
  }

  get earliest(): number {
    return this.queue.peekTime();
  }
}

export class StreamJob {
  readonly plan: PhysicalPlan;
  private readonly opts: StreamRunOptions;
  readonly clock: Clock;
  private readonly timers = new Timers();
  private readonly state: HeapStateBackend;
  private readonly sources: StreamSourceRunner[] = [];
  private runners: SourceRunner[] = [];
  private pipeline: BuiltPipeline | null = null;
  private writers: SinkWriter[] = [];
  private deferred: Promise<void>[] = [];
  private readonly stopped = new Set<number>();
  private mode: 'run' | 'stop' | 'cancel' = 'run';
  status: JobStatus = 'RUNNING';
  readonly startedAt = Date.now();
  readonly stats: StreamJobStats = { rowsIn: 0, rowsOut: 0, written: [], lateRows: 0, lateBy: new Map(), skipped: [], skippedCount: 0, stateEntries: 0 };
  /** Settles when the job has ended (resolves also when stopped or cancelled; rejects when it failed). */
  readonly done: Promise<StreamJobStats>;
  private resolveDone!: (s: StreamJobStats) => void;
  private rejectDone!: (e: unknown) => void;
  private failure: unknown = undefined;
  private ticker: ReturnType<typeof setInterval> | null = null;
  private checkpointer: ReturnType<typeof setInterval> | null = null;
  private checkpointing: Promise<void> | null = null;
  /** Waits the driver does after every batch (a full result queue applies backpressure here). */
  private readonly waits: Array<() => Promise<void> | void> = [];
  /** This job's identity towards sinks that commit exactly once (the same for all its checkpoints). */
  readonly commitUser = randomUUID();
  private checkpointId = 0;

  constructor(plan: PhysicalPlan, opts: StreamRunOptions) {
    this.plan = plan;
    this.opts = opts;
    this.clock = opts.clock ?? wallClock;
    this.state = new HeapStateBackend(opts.stateTtl);
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => {});
  }

  /** Adds a wait to run after each batch (backpressure from a result consumer). */
  addWait(w: () => Promise<void> | void): void {
    this.waits.push(w);
  }

  private context(): ExecContext {
    const env = { ...this.opts.env, clock: this.clock };
    return {
      env,
      clock: this.clock,
      onProcessingTime: (time, fire) => this.timers.add(time, fire),
      batchSize: this.opts.batchSize ?? BATCH_SIZE,
      isCancelled: (id) => this.mode !== 'run' || this.stopped.has(id),
      stopSources: (ids) => ids.forEach((i) => this.stopped.add(i)),
      defer: (p) => { this.deferred.push(p); },
      countSkipped: (where, reason) => {
        this.stats.skippedCount++;
        if (this.stats.skipped.length < 100) this.stats.skipped.push({ where, reason });
      },
      reserveRows: () => {},
      state: this.state,
      countLate: (operator, rows) => {
        this.stats.lateRows += rows;
        this.stats.lateBy.set(operator, (this.stats.lateBy.get(operator) ?? 0) + rows);
      },
      miniBatch: this.opts.miniBatch,
      watermarkInterval: this.opts.watermarkInterval,
    };
  }

  /** Opens the sinks, builds the operators and starts every source; `out` receives the rows of a query. */
  async start(out: Operator): Promise<void> {
    const ctx = this.context();
    try {
      for (const s of sinksOf(this.plan)) {
        this.writers.push(await s.target.open({ overwrite: s.overwrite, staticPartition: s.staticPartition }, { timeZone: this.opts.env.timeZone, clock: () => this.clock.now(), commitUser: this.commitUser }));
      }
      const counting: Operator = {
        push: (b, port) => { this.stats.rowsOut += b.length; out.push(b, port); },
        end: (port) => out.end(port),
        watermark: (wm, port) => out.watermark?.(wm, port),
        idle: (f, port) => out.idle?.(f, port),
      };
      const pipeline = buildPipeline(this.plan, into(counting, 0), {
        ctx,
        hooks: { drain: () => this.drain() },
        writers: this.writers,
        updating: this.opts.updating,
        sourceFactory: (id, source, columns, predicates, emitter) => {
          const r = new StreamSourceRunner(id, source, columns, predicates, emitter, ctx, this);
          this.sources.push(r);
          return r;
        },
      });
      this.runners = pipeline.sources;
      this.pipeline = pipeline;
      if (this.opts.restoreFrom) restorePipeline(pipeline, this.opts.restoreFrom);
    } catch (e) {
      await this.fail(e);
      throw e;
    }
    this.ticker = setInterval(() => this.tick(), this.tickEvery());
    if (this.opts.checkpointInterval > 0 && this.writers.some((w) => w.commit)) {
      this.checkpointer = setInterval(() => { void this.checkpoint(); }, this.opts.checkpointInterval);
    }
    void this.runAll();
  }

  private tickEvery(): number {
    const idle = this.opts.idleTimeout > 0 ? Math.max(10, Math.floor(this.opts.idleTimeout / 4)) : 100;
    return Math.min(idle, 100);
  }

  private async runAll(): Promise<void> {
    try {
      await Promise.all(this.runners.map((s) => s.run()));
      await this.drain();
      if (this.failure !== undefined) throw this.failure;
      this.clearTimers();
      if (this.mode === 'cancel') {
        await Promise.allSettled(this.writers.map((w) => w.abort()));
        this.status = 'CANCELED';
      } else {
        if (this.checkpointing) await this.checkpointing;
        for (const w of this.writers) this.stats.written.push(await w.finish());
        // what the sources produced is committed: they may record their position
        for (const s of this.sources) await s.checkpointed();
        this.status = this.mode === 'stop' ? 'STOPPED' : 'FINISHED';
      }
      this.stats.stateEntries = this.state.entries();
      this.resolveDone(this.stats);
    } catch (e) {
      await this.fail(e);
    }
  }

  private async fail(e: unknown): Promise<void> {
    if (this.status === 'FAILED') return;
    this.status = 'FAILED';
    this.failure ??= e;
    this.mode = 'cancel';
    this.clearTimers();
    await Promise.allSettled(this.deferred);
    await Promise.allSettled(this.writers.map((w) => w.abort()));
    this.rejectDone(e);
  }

  /** Records an error from a source, an operator or a timer; the job fails once its sources have stopped. */
  reportError(e: unknown): void {
    this.failure ??= e;
    this.mode = 'cancel';
  }

  private clearTimers(): void {
    if (this.ticker) clearInterval(this.ticker);
    if (this.checkpointer) clearInterval(this.checkpointer);
    this.ticker = null;
    this.checkpointer = null;
  }

  /** Between batches: processing-time timers and idle sources. */
  tick(): void {
    if (this.status !== 'RUNNING' || this.mode !== 'run') return;
    try {
      const now = this.clock.now();
      this.timers.runDue(now);
      if (this.opts.idleTimeout > 0) for (const s of this.sources) s.checkIdle(now, this.opts.idleTimeout);
    } catch (e) {
      this.reportError(e);
    }
  }

  /** Waits for sink writes in flight and for result consumers to catch up. */
  async drain(): Promise<void> {
    while (this.deferred.length > 0) {
      const d = this.deferred;
      this.deferred = [];
      await Promise.all(d);
    }
    for (const w of this.waits) await w();
  }

  /**
   * The operators' state at a consistent cut: deferred work (sink writes, lookups) is drained first, then
   * every stateful operator is snapshotted synchronously, between batches. Source positions are not
   * part of it yet.
   */
  async snapshotState(): Promise<PipelineSnapshot> {
    if (this.pipeline === null) throw new Error('the job has not started');
    await this.drain();
    return snapshotPipeline(this.pipeline);
  }

  /** Makes what the sinks received so far visible. */
  async checkpoint(): Promise<void> {
    if (this.checkpointing || this.mode === 'cancel') return;
    this.checkpointing = (async () => {
      try {
        await this.drain();
        const id = ++this.checkpointId;
        for (const w of this.writers) if (w.commit) await w.commit({ id });
        for (const s of this.sources) await s.checkpointed();
      } catch (e) {
        this.reportError(e);
      } finally {
        this.checkpointing = null;
      }
    })();
    await this.checkpointing;
  }

  /** Ends the job: sources stop; what was written is committed (STOP JOB). */
  stop(): void {
    if (this.mode === 'run') this.mode = 'stop';
  }

  /** Ends the job without committing (a query the user cancelled, a failed statement). */
  cancel(): void {
    this.mode = 'cancel';
  }

  get stopping(): 'run' | 'stop' | 'cancel' {
    return this.mode;
  }

  isStopped(id: number): boolean {
    return this.stopped.has(id);
  }

  /** Whether a sink can make rows visible before the job ends (and so wants checkpoints). */
  hasCommittingSinks(): boolean {
    return this.writers.some((w) => w.commit !== undefined);
  }

  /** Tests with a manual clock: run the timers due now. */
  fireTimers(): void {
    this.tick();
  }

  countRowsIn(n: number): void {
    this.stats.rowsIn += n;
  }

  /** Runs the processing-time timers due now (between batches). */
  runTimers(): void {
    this.timers.runDue(this.clock.now());
  }
}

/** A source of a streaming job: reads batches until its input ends or the job stops. */
export class StreamSourceRunner implements SourceRunner {
  readonly id: number;
  private readonly source: ScanSource;
  private readonly columns: number[];
  private readonly predicates: ColumnPredicate[];
  private readonly out: Emitter;
  private readonly ctx: ExecContext;
  private readonly job: StreamJob;
  private lastActive: number;
  private idle = false;

  constructor(id: number, source: ScanSource, columns: number[], predicates: ColumnPredicate[], out: Emitter, ctx: ExecContext, job: StreamJob) {
    this.id = id;
    this.source = source;
    this.columns = columns;
    this.predicates = predicates;
    this.out = out;
    this.ctx = ctx;
    this.job = job;
    this.lastActive = job.clock.now();
  }

  /** The job committed what this source produced so far. */
  async checkpointed(): Promise<void> {
    await this.source.checkpointed?.();
  }

  checkIdle(now: number, timeout: number): void {
    if (!this.idle && now - this.lastActive >= timeout) {
      this.idle = true;
      this.out.idle(true);
    }
  }

  async run(): Promise<void> {
    const scanCtx = {
      timeZone: this.ctx.env.timeZone,
      batchSize: this.ctx.batchSize,
      isCancelled: () => this.ctx.isCancelled(this.id),
      countSkipped: (where: string, reason: string) => this.ctx.countSkipped(where, reason),
      streaming: true,
    };
    let iterator: AsyncIterator<Batch> | null = null;
    let ended = false;
    try {
      iterator = this.source.open({ columns: this.columns, predicates: this.predicates }, scanCtx)[Symbol.asyncIterator]();
      let lastTurn = performance.now();
      while (!this.ctx.isCancelled(this.id)) {
        const r = await iterator.next();
        if (r.done) {
          ended = true;
          break;
        }
        if (this.job.stopping !== 'run') break;
        const batch = r.value;
        this.lastActive = this.job.clock.now();
        if (this.idle) {
          this.idle = false;
          this.out.idle(false);
        }
        // timers due by now fire before the batch: processing time moved on while it was read
        this.job.runTimers();
        if (batch.length > 0) {
          this.job.countRowsIn(batch.length);
          this.out.emit(batch);
        }
        this.job.runTimers();
        await this.job.drain();
        const now = performance.now();
        if (now - lastTurn > 25) {
          await eventLoopTurn();
          lastTurn = performance.now();
        }
      }
      // a source stopped by a LIMIT above it has ended as far as the operators are concerned
      if (this.job.isStopped(this.id) && this.job.stopping === 'run') ended = true;
    } catch (e) {
      this.job.reportError(e);
      return;
    } finally {
      await iterator?.return?.();
    }
    if (ended && this.job.stopping === 'run') {
      try {
        this.out.end();
      } catch (e) {
        this.job.reportError(e);
      }
    }
  }
}

