/**
 * Runs a bounded physical plan to completion (the batch runtime): opens sink writers, builds the
 * operators, runs the sources in order, then commits the sinks, or aborts them if anything failed so a
 * failed INSERT leaves no partial output behind.
 */
import { randomUUID } from 'node:crypto';
import type { Batch } from '../types/batch.ts';
import type { PhysicalPlan } from './physical-plan.ts';
import { sinksOf } from './physical-plan.ts';
import type { ExecContext } from './operator.ts';
import { buildPipeline } from './build.ts';
import { CollectOperator } from './operators/sink.ts';
import { into, type Operator } from './operator.ts';
import type { CompileEnv } from './expr/compile.ts';
import type { SinkWriter } from '../connectors/connector.ts';
import { FreshetError, SqlState } from '../util/errors.ts';
import { BATCH_SIZE } from '../types/batch.ts';
import { HeapStateBackend } from '../state/backend.ts';

export interface RunOptions {
  env: CompileEnv;
  batchSize?: number;
  /** Upper bound on rows a single buffering operator may hold (sort, hash tables). */
  maxBufferedRows?: number;
  /** Checked between batches; when it returns true the run stops with 57014. */
  cancelled?: () => boolean;
  /**
   * Receives the result batches as they are produced instead of collecting them (RunResult.batches stays
   * empty). The run awaits `wait()` after each source batch, so a consumer that is behind holds it back.
   */
  output?: { operator: Operator; wait(): Promise<void> | void };
}

export interface RunResult {
  batches: Batch[];
  rows: number;
  /** Rows written per sink, in plan order. */
  written: number[];
  skipped: Array<{ where: string; reason: string }>;
  skippedCount: number;
}

export async function runBatch(plan: PhysicalPlan, opts: RunOptions): Promise<RunResult> {
  const stopped = new Set<number>();
  let deferred: Promise<void>[] = [];
  const skipped: Array<{ where: string; reason: string }> = [];
  let skippedCount = 0;
  const maxRows = opts.maxBufferedRows ?? 50_000_000;
  // a bounded run happens "at" the statement's start: PROCTIME() is that instant for every row
  const clock = { now: () => opts.env.now };
  const ctx: ExecContext = {
    env: { ...opts.env, clock },
    clock,
    onProcessingTime: () => {},
    batchSize: opts.batchSize ?? BATCH_SIZE,
    isCancelled: (id) => {
      if (opts.cancelled?.()) throw new FreshetError(SqlState.queryCanceled, 'canceling statement due to user request');
      return stopped.has(id);
    },
    stopSources: (ids) => ids.forEach((i) => stopped.add(i)),
    defer: (p) => { deferred.push(p); },
    countSkipped: (where, reason) => {
      skippedCount++;
      if (skipped.length < 100) skipped.push({ where, reason });
    },
    state: new HeapStateBackend(),
    countLate: () => {},
    miniBatch: null,
    watermarkInterval: 0,
    reserveRows: (operator, rows) => {
      if (rows > maxRows) {
        throw new FreshetError(SqlState.programLimitExceeded, `${operator} would hold more than ${maxRows} rows in memory`, {
          hint: "Filter or aggregate the input further, or raise 'table.exec.resource.max-buffered-rows'.",
        });
      }
    },
  };
  const hooks = {
    drain: async () => {
      while (deferred.length > 0) {
        const d = deferred;
        deferred = [];
        await Promise.all(d);
      }
      await opts.output?.wait();
    },
  };

  const sinkNodes = sinksOf(plan);
  const commitUser = randomUUID();
  const writers: SinkWriter[] = [];
  try {
    for (const s of sinkNodes) {
      writers.push(await s.target.open({ overwrite: s.overwrite, staticPartition: s.staticPartition }, { timeZone: opts.env.timeZone, commitUser }));
    }
    const collector = new CollectOperator();
    const pipeline = buildPipeline(plan, into(opts.output?.operator ?? collector, 0), { ctx, hooks, writers });
    for (const src of pipeline.sources) await src.run();
    await hooks.drain();
    const written: number[] = [];
    for (const w of writers) written.push(await w.finish());
    return { batches: collector.batches, rows: collector.rows, written, skipped, skippedCount };
  } catch (e) {
    await Promise.allSettled(deferred);
    await Promise.allSettled(writers.map((w) => w.abort()));
    throw e;
  }
}
