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
 *
 * Checkpoints. A checkpoint is taken at a consistent cut: sources hold their next batch (the barrier:
 * one process needs no alignment, operators are synchronous), deferred sink writes drain, and then,
 * synchronously, every stateful operator and every source's position (after the last batch it handed
 * over) is snapshotted. Sinks pre-commit at the cut (two-phase sinks flush files and return
 * committables; others commit there, at-least-once). Sources then go on while, with durable
 * checkpoints (`checkpointStorage`), the checkpoint is written and completed, and only then do the
 * two-phase sinks commit what they prepared (identified by the job's commit user and the checkpoint
 * id, so a replay after a restart is a no-op). A job resumed from a checkpoint restores operator state
 * and source positions and commits that checkpoint's committables again before any source runs. A job
 * that ends (or is stopped) with durable checkpoints takes a final checkpoint, so a crash after its
 * last commit cannot replay anything.
 */
import { randomUUID } from 'node:crypto';
import { serialize } from 'node:v8';
import type { Batch } from '../../types/batch.ts';
import { BATCH_SIZE } from '../../types/batch.ts';
import type { PhysicalPlan } from '../physical-plan.ts';
import { sinksOf } from '../physical-plan.ts';
import type { Clock, Emitter, ExecContext, Operator } from '../operator.ts';
import { into, wallClock } from '../operator.ts';
import type { CompileEnv } from '../expr/compile.ts';
import type { ColumnPredicate, ScanSource, SinkWriter, SourceCommit } from '../../connectors/connector.ts';
import { buildPipeline, restorePipeline, snapshotPipeline, type BuiltPipeline, type PipelineSnapshot } from '../build.ts';
import { HeapStateBackend } from '../../state/backend.ts';
import { TimerQueue } from '../../state/timer-queue.ts';
import { eventLoopTurn, type SourceRunner } from '../operators/sources.ts';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, needsFullBase, type CheckpointData, type CheckpointStorage, type CompletedCheckpoint, type IncrementalWrite, type RunnerPosition, type StateChain } from './checkpoint-storage.ts';
import { CHANGED_STATE, FULL_STATE } from '../../state/state-delta.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';

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
  /** Where durable checkpoints go (jobs that resume after a restart); absent: checkpoints only commit sinks. */
  checkpointStorage?: CheckpointStorage;
  /** A checkpoint to resume from: operator state, source positions, and committables to commit again. */
  resumeFrom?: CompletedCheckpoint;
  /**
   * execution.checkpointing.incremental: durable checkpoints write what changed since the previous one,
   * with a full base after `maxDeltas` deltas (checkpoint-storage.ts); absent: every checkpoint is full.
   */
  incrementalCheckpoints?: { maxDeltas: number };
  /** The highest checkpoint id earlier runs of the job used; new checkpoints number on from it. */
  lastCheckpointId?: number;
  /** The job's identity towards exactly-once sinks (kept across restarts); a new one when absent. */
  commitUser?: string;
  /**
   * Called just before a source's batch goes into the operators, with the commit the source said it
   * comes from (undefined for sources that do not tell): what the operators emit while handling it
   * stems from that commit.
   */
  onSourceBatch?: (commit: SourceCommit | undefined) => void;
  /** Called when source `id` (one of StreamJob.sourceIds) has read every commit so far (ScanContext.reportCaughtUp). */
  onSourceCaughtUp?: (id: number, time: number) => void;
  /**
   * Set when `resumeFrom` is a savepoint (a job started from the state another job left): its
   * committables were committed before it was written, so nothing is committed again, and it may
   * hold state for operators this plan no longer has when `allowUnclaimed`.
   */
  savepoint?: { path: string; allowUnclaimed: boolean };
}

/** Writes the savepoint of a job stopping with one; returns where it went. */
export type SavepointWriter = (data: CheckpointData) => Promise<string>;

/** What SHOW JOBS tells about a job's checkpoints. */
export interface CheckpointStats {
  /** Checkpoints completed by this run of the job. */
  completed: number;
  /** Id of the last completed checkpoint (also one restored from), or 0. */
  lastId: number;
  /** Milliseconds from the cut to the commit of the last checkpoint. */
  lastDuration: number | null;
  /** Bytes the last checkpoint wrote (durable checkpoints only; with incremental ones, what changed). */
  lastSize: number | null;
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
export class Timers {
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
  readonly commitUser: string;
  private checkpointId = 0;
  /** Set while a checkpoint's cut is being taken: sources hold their next batch until it resolves. */
  gate: Promise<void> | null = null;
  readonly checkpointStats: CheckpointStats = { completed: 0, lastId: 0, lastDuration: null, lastSize: null };
  /** Set when the job failed before it ran: its plan could not be built or did not fit the state it resumed from. */
  failedToStart = false;
  /** Ended without a trace in the job's records (a simulated crash, an engine closing): it resumes later. */
  private detached: 'abandon' | 'suspend' | null = null;
  /** Incremental checkpoints: the shared state files of the last checkpoint, which the next delta goes on from. */
  private stateChain: StateChain | null = null;

  constructor(plan: PhysicalPlan, opts: StreamRunOptions) {
    this.plan = plan;
    this.opts = opts;
    this.clock = opts.clock ?? wallClock;
    // only jobs whose checkpoints are incremental need to know what changed between them
    this.state = new HeapStateBackend(opts.stateTtl, opts.checkpointStorage !== undefined && opts.incrementalCheckpoints !== undefined);
    this.commitUser = opts.commitUser ?? randomUUID();
    this.checkpointId = opts.lastCheckpointId ?? opts.resumeFrom?.id ?? 0;
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => {});
  }

  /** A job that failed before it could be built (a recovery that could not plan its statement): SHOW JOBS lists it. */
  static failed(e: unknown): StreamJob {
    const job = new StreamJob({ kind: 'Union', inputs: [], schema: [] }, {
      env: { timeZone: 'UTC', now: 0 }, stateTtl: 0, miniBatch: null, watermarkInterval: 0, idleTimeout: 0, checkpointInterval: 0, updating: () => false,
    });
    job.status = 'FAILED';
    job.failure = e;
    job.failedToStart = true;
    job.rejectDone(e);
    return job;
  }

  /** Whether the job has durable checkpoints (it resumes after a restart). */
  get durable(): boolean {
    return this.opts.checkpointStorage !== undefined;
  }

  /** A source hands a batch to the operators (see StreamRunOptions.onSourceBatch). */
  sourceBatch(commit: SourceCommit | undefined): void {
    this.opts.onSourceBatch?.(commit);
  }

  /** A source has read every commit so far (see StreamRunOptions.onSourceCaughtUp). */
  sourceCaughtUp(id: number, time: number): void {
    this.opts.onSourceCaughtUp?.(id, time);
  }

  /** The ids of the job's sources, once started. */
  get sourceIds(): number[] {
    return this.runners.map((r) => r.id);
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
      if (this.opts.resumeFrom) {
        if (await this.resume(this.opts.resumeFrom)) return;
      }
    } catch (e) {
      this.failedToStart = true;
      await this.fail(e);
      throw e;
    }
    this.ticker = setInterval(() => this.tick(), this.tickEvery());
    if (this.opts.checkpointInterval > 0 && (this.opts.checkpointStorage !== undefined || this.writers.some((w) => w.commit))) {
      this.checkpointer = setInterval(() => { void this.checkpoint(); }, this.opts.checkpointInterval);
    }
    void this.runAll();
  }

  private tickEvery(): number {
    const idle = this.opts.idleTimeout > 0 ? Math.max(10, Math.floor(this.opts.idleTimeout / 4)) : 100;
    return Math.min(idle, 100);
  }

  /**
   * Restores a checkpoint into the freshly built job: operator state, source positions, then commits
   * its committables again (a no-op for those already committed). True when the checkpoint was the
   * job's final one: nothing is left to run, and the job ends here with the status it ended with.
   */
  private async resume(c: CompletedCheckpoint): Promise<boolean> {
    const savepoint = this.opts.savepoint;
    try {
      restorePipeline(this.pipeline!, c.pipeline, { allowUnclaimed: savepoint?.allowUnclaimed === true });
      // the restored state is the checkpoint's: the next incremental checkpoint writes changes on its
      // chain (a savepoint has none, and a chain of another directory is never gone on with: see needsFullBase)
      this.stateChain = savepoint === undefined ? c.chain ?? null : null;
      // the job of a final checkpoint had ended: nothing is read again, so positions are not restored
      // (a materialized table's incremental refresh commits its last run's final checkpoint again with
      // a plan that reads other snapshots)
      if (c.data.final === undefined) {
        for (const r of this.runners) {
          const p = c.data.positions[r.id];
          if (p === undefined || p === null) {
            throw new FreshetError(SqlState.dataCorrupted, `checkpoint ${c.id} has no position for source ${r.id} of this plan`, { hint: 'State can only be restored into a job built from the same query plan.' });
          }
          if (!r.restorePosition) throw new FreshetError(SqlState.featureNotSupported, `source ${r.id} of this plan cannot resume from a position`);
          r.restorePosition(p);
        }
      }
      const unclaimed = c.data.positions.findIndex((p, id) => p !== null && p !== undefined && !this.runners.some((r) => r.id === id));
      if (unclaimed >= 0 && savepoint?.allowUnclaimed !== true) {
        throw new FreshetError(SqlState.dataCorrupted, `checkpoint ${c.id} has a position for source ${unclaimed}, which this plan does not have (it reads ${this.runners.length} source(s))`, { hint: 'State can only be restored into a job built from the same query plan.' });
      }
    } catch (e) {
      throw savepoint === undefined ? e : notFitting(savepoint.path, e);
    }
    if (savepoint === undefined) {
      if (c.data.committables.length !== this.writers.length) {
        throw new FreshetError(SqlState.dataCorrupted, `checkpoint ${c.id} has committables for ${c.data.committables.length} sink(s), this plan has ${this.writers.length}`, { hint: 'State can only be restored into a job built from the same query plan.' });
      }
      await this.commitPrepared(c.id, c.data.committables);
    }
    this.checkpointStats.lastId = c.id;
    this.checkpointStats.lastSize = c.size;
    if (c.data.final === undefined) return false;
    // the job had ended: its last checkpoint is committed now, and there is nothing more to do
    for (const w of this.writers) this.stats.written.push(await w.finish());
    this.status = c.data.final;
    this.resolveDone(this.stats);
    return true;
  }

  /** Commits what two-phase sinks prepared for checkpoint `id`. */
  private async commitPrepared(id: number, committables: unknown[]): Promise<void> {
    for (let i = 0; i < this.writers.length; i++) {
      const w = this.writers[i]!;
      if (w.prepareCommit && w.commit) await w.commit({ id, committable: committables[i] });
    }
  }

  private async runAll(): Promise<void> {
    try {
      await Promise.all(this.runners.map((s) => s.run()));
      await this.drain();
      if (this.failure !== undefined) throw this.failure;
      if (this.detached === 'abandon') this.mode = 'cancel';
      if (this.mode !== 'cancel' && this.opts.checkpointStorage) {
        // a last checkpoint, so that a restart after this point replays nothing (see the module comment)
        if (this.checkpointing) await this.checkpointing;
        await this.takeCheckpoint(this.detached === 'suspend' ? undefined : this.mode === 'stop' ? 'STOPPED' : 'FINISHED');
        if (this.failure !== undefined) throw this.failure;
      }
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
    if (this.status !== 'RUNNING' || this.mode !== 'run' || this.gate !== null) return;
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
   * every stateful operator is snapshotted synchronously, between batches. (Checkpoints add the
   * sources' positions and the sinks' committables: see checkpoint().)
   */
  async snapshotState(): Promise<PipelineSnapshot> {
    if (this.pipeline === null) throw new Error('the job has not started');
    await this.drain();
    return snapshotPipeline(this.pipeline);
  }

  /**
   * Takes a checkpoint (see the module comment): sinks make what they received so far visible, and with
   * durable checkpoints the job can resume from here. A failed checkpoint fails the job (its prepared
   * files could not be made durable).
   */
  async checkpoint(): Promise<void> {
    if (this.checkpointing || this.mode === 'cancel' || this.status !== 'RUNNING') return;
    await this.takeCheckpoint(undefined);
  }

  private async takeCheckpoint(final: 'FINISHED' | 'STOPPED' | undefined): Promise<void> {
    this.checkpointing = (async () => {
      try {
        await this.runCheckpoint(final);
      } catch (e) {
        this.reportError(e);
      } finally {
        this.checkpointing = null;
      }
    })();
    await this.checkpointing;
  }

  private async runCheckpoint(final: 'FINISHED' | 'STOPPED' | undefined): Promise<void> {
    const storage = this.opts.checkpointStorage;
    const started = performance.now();
    let release!: () => void;
    this.gate = new Promise((r) => { release = r; });
    const id = ++this.checkpointId;
    let data: CheckpointData | null = null;
    let incremental: IncrementalWrite | undefined;
    try {
      await this.drain();
      if (storage) {
        // the cut: sources hold their next batch, sink writes have drained, operators are between batches
        const cut = this.capture(id, final);
        data = cut.data;
        incremental = cut.incremental;
        data.committables = await this.prepareCommits(id);
      } else {
        for (const w of this.writers) if (w.commit) await w.commit({ id });
      }
    } finally {
      this.gate = null;
      release();
    }
    if (storage && data) await this.complete(data, incremental);
    this.completed(id, started);
    for (const s of this.sources) await s.checkpointed();
  }

  /**
   * The parts of a checkpoint taken at the cut that cannot change anything: each source's position and
   * the operators' state (committables are added by prepareCommits). Throws, naming the source or
   * operator, when the job cannot record them. With incremental checkpoints it also says how the state
   * is stored (a delta on the job's chain, or a new base) and counts changes afresh from here.
   */
  private capture(id: number, final: 'FINISHED' | 'STOPPED' | undefined, full = false): { data: CheckpointData; incremental: IncrementalWrite | undefined } {
    const positions: Array<RunnerPosition | null> = [];
    for (const r of this.runners) positions[r.id] = this.positionOf(r);
    const storage = this.opts.checkpointStorage;
    const max = this.opts.incrementalCheckpoints?.maxDeltas;
    const incremental = storage !== undefined && max !== undefined;
    // a delta goes on with the job's chain; a full base starts a new one when the chain asks for it, when
    // state was compacted since the last checkpoint (slot and row numbers moved, so the marks say
    // nothing about the base's), or when `full` (a savepoint holds its whole state)
    const base = !incremental || full || needsFullBase(this.stateChain, storage.dir, max) || this.state.compactedSinceCheckpoint();
    const pipeline = serialize(snapshotPipeline(this.pipeline!, base ? FULL_STATE : CHANGED_STATE));
    // what changes from here on goes into the next checkpoint (a failed checkpoint fails the job)
    if (incremental) this.state.resetChanges();
    const data: CheckpointData = { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, id, time: Date.now(), pipeline, positions, committables: [], final };
    return { data, incremental: incremental ? { previous: base ? null : this.stateChain } : undefined };
  }

  /** At the cut: two-phase sinks prepare their files (the committables); one-phase sinks publish. */
  private async prepareCommits(id: number): Promise<unknown[]> {
    const committables: unknown[] = [];
    for (const w of this.writers) {
      if (w.prepareCommit) committables.push(await w.prepareCommit({ id }));
      else {
        // one-phase sinks publish at the cut: at-least-once across a restart
        if (w.commit) await w.commit({ id });
        committables.push(undefined);
      }
    }
    return committables;
  }

  /**
   * Writes a durable checkpoint (with incremental checkpoints, its state as a base or a delta on the
   * job's chain), then (it is complete) commits what the sinks prepared for it.
   */
  private async complete(data: CheckpointData, incremental: IncrementalWrite | undefined): Promise<void> {
    const storage = this.opts.checkpointStorage;
    if (storage) {
      const { size, chain } = await storage.write(data, incremental);
      if (incremental) this.stateChain = chain ?? null;
      this.checkpointStats.lastSize = size;
    }
    await this.commitPrepared(data.id, data.committables);
  }

  private completed(id: number, started: number): void {
    this.checkpointStats.completed++;
    this.checkpointStats.lastId = id;
    this.checkpointStats.lastDuration = Math.round(performance.now() - started);
  }

  /**
   * STOP JOB .. WITH SAVEPOINT: a checkpoint whose cut is the job's last. Sources hold their next batch
   * from the cut until the savepoint is written; sinks commit what they received (a durable job also
   * completes the checkpoint in its own directory first), then `write` stores the savepoint and the
   * job stops, taking nothing after the cut. Resolves with the savepoint's path once the job has ended.
   *
   * When the job cannot record its state (a source without positions, an operator that cannot be
   * snapshotted) or writing the savepoint fails, the call fails and the job runs on; when preparing or
   * committing the sinks fails, the job fails as it would at any checkpoint.
   */
  async stopWithSavepoint(write: SavepointWriter): Promise<string> {
    if (this.status !== 'RUNNING' || this.mode !== 'run') {
      throw new FreshetError(SqlState.objectInUse, `the job is not running (${this.mode !== 'run' ? 'stopping' : this.status})`);
    }
    while (this.checkpointing) await this.checkpointing;
    let path: string | undefined;
    let failure: unknown;
    this.checkpointing = (async () => {
      try {
        path = await this.runSavepoint(write);
      } catch (e) {
        failure = e;
      } finally {
        this.checkpointing = null;
      }
    })();
    await this.checkpointing;
    if (path === undefined) throw failure;
    // the savepoint stands even if ending the job after it fails (SHOW JOBS then says why)
    await this.done.catch(() => undefined);
    return path;
  }

  private async runSavepoint(write: SavepointWriter): Promise<string> {
    const started = performance.now();
    let release!: () => void;
    this.gate = new Promise((r) => { release = r; });
    try {
      await this.drain();
      if (this.mode !== 'run') throw new FreshetError(SqlState.objectInUse, 'the job stopped before its savepoint was taken');
      const id = this.checkpointId + 1;
      // nothing is prepared yet: a job that cannot record its state refuses here and runs on
      // in full: the savepoint must not refer to the job's chain of state files, which goes with the job
      const { data, incremental } = this.capture(id, undefined, true);
      this.checkpointId = id;
      try {
        data.committables = await this.prepareCommits(id);
        await this.complete(data, incremental);
      } catch (e) {
        this.reportError(e);
        throw e;
      }
      this.completed(id, started);
      for (const s of this.sources) await s.checkpointed();
      // the sinks committed what they prepared: a job started from the savepoint commits nothing again
      const path = await write({ ...data, committables: data.committables.map(() => undefined) });
      this.mode = 'stop';
      return path;
    } finally {
      this.gate = null;
      release();
    }
  }

  /** A source runner's position at the cut; fails, naming the source, for sources that cannot resume. */
  private positionOf(r: SourceRunner): RunnerPosition {
    if (!r.snapshotPosition) throw new FreshetError(SqlState.featureNotSupported, `source ${r.id} of the job cannot record its position for a checkpoint`);
    return r.snapshotPosition();
  }

  /**
   * Ends the job as a crash would (a test hook): sources stop, nothing more is committed or
   * checkpointed, and its records in the warehouse stay as they are, so it resumes on the next start.
   */
  abandon(): void {
    this.detached = 'abandon';
    this.mode = 'cancel';
  }

  /**
   * Ends the job for now (the engine closes): sources stop, a last checkpoint is taken and committed,
   * and the job stays RUNNING in its records, so the next engine on the warehouse resumes it.
   */
  suspend(): void {
    if (this.mode !== 'run') return;
    this.detached = 'suspend';
    this.mode = 'stop';
  }

  /** Whether the job ended by abandon() or suspend(): its records must not change. */
  get isDetached(): boolean {
    return this.detached !== null;
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

/** A restore error of a job started from a savepoint, naming the savepoint. */
function notFitting(path: string, e: unknown): FreshetError {
  const inner = e instanceof FreshetError ? e : undefined;
  const what = e instanceof Error ? e.message : String(e);
  const unclaimed = /which this plan does not have/.test(what);
  return new FreshetError(inner?.sqlState ?? SqlState.dataCorrupted, `savepoint ${path} does not fit this job: ${what}`, {
    hint: unclaimed
      ? "The savepoint holds state this plan has no place for: SET 'execution.savepoint.ignore-unclaimed-state' = 'true' to drop it, or start from a savepoint of the same query."
      : "A savepoint restores into a job of the same query (the same stateful operators and sources); RESET 'execution.savepoint.path' to start without it.",
  });
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
  /** The source's position after the last batch this runner handed to the operators. */
  private position: unknown = undefined;
  /** The position the source reported last (it may be of a batch not handed over yet). */
  private reported: unknown = undefined;
  /** The commit the source said its next batch comes from. */
  private commit: SourceCommit | undefined = undefined;
  /** The source ended and the operators were told. */
  private ended = false;
  private restored: RunnerPosition | undefined;

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

  snapshotPosition(): RunnerPosition {
    if (this.ended) return { ended: true, source: null, reads: this.source.describe() };
    if (this.source.resumable !== true) {
      throw new FreshetError(SqlState.featureNotSupported, `source ${this.source.describe()} cannot record its read position, so the job cannot take a checkpoint to resume from`, {
        hint: "Read it in a job without checkpoints (SET 'execution.checkpointing.interval' = '0'), or from a source that can resume (table-store, nexmark, datagen, filesystem).",
      });
    }
    return { ended: false, source: this.position ?? this.restored?.source, reads: this.source.describe() };
  }

  restorePosition(p: RunnerPosition): void {
    const reads = this.source.describe();
    if (p.reads !== undefined && p.reads !== reads) {
      throw new FreshetError(SqlState.dataCorrupted, `the saved position of source ${this.id} is for ${p.reads}; source ${this.id} of this plan reads ${reads}`, { hint: 'State can only be restored into a job built from the same query plan.' });
    }
    this.restored = p;
    this.position = p.source;
  }

  checkIdle(now: number, timeout: number): void {
    if (!this.idle && now - this.lastActive >= timeout) {
      this.idle = true;
      this.out.idle(true);
    }
  }

  async run(): Promise<void> {
    if (this.restored?.ended) {
      // it had ended before the checkpoint the job resumed from: the operators are told again
      if (this.job.stopping === 'run') this.endOutput();
      return;
    }
    const scanCtx = {
      timeZone: this.ctx.env.timeZone,
      batchSize: this.ctx.batchSize,
      isCancelled: () => this.ctx.isCancelled(this.id),
      countSkipped: (where: string, reason: string) => this.ctx.countSkipped(where, reason),
      streaming: true,
      restoredPosition: this.restored?.source,
      reportPosition: (p: unknown) => { this.reported = p; },
      reportCommit: (c: SourceCommit) => { this.commit = c; },
      reportCaughtUp: (time: number) => this.job.sourceCaughtUp(this.id, time),
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
        // a checkpoint is taking its cut: this batch belongs after it
        if (this.job.gate !== null) await this.job.gate;
        if (this.job.stopping !== 'run' || this.ctx.isCancelled(this.id)) break;
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
          this.job.sourceBatch(this.commit);
          this.out.emit(batch);
        }
        this.position = this.reported;
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
    if (ended && this.job.stopping === 'run') this.endOutput();
  }

  private endOutput(): void {
    try {
      this.ended = true;
      this.out.end();
    } catch (e) {
      this.job.reportError(e);
    }
  }
}

