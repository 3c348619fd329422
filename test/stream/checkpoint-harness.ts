/**
 * Drives a streaming plan directly through build.ts, without the job driver: the test pushes batches
 * into the scan outputs, moves a manual clock and fires processing-time timers between batches (as the
 * driver does), and records every change and watermark that leaves the plan. Pipelines can be
 * snapshotted (through node:v8 serialize/deserialize, the on-disk encoding) and restored into a new
 * pipeline built from the same SQL planned again.
 */
import { deserialize, serialize } from 'node:v8';
import { Engine } from '../../src/session/engine.ts';
import type { Session, StatementContext } from '../../src/session/session.ts';
import { parseStatement } from '../../src/sql/parse.ts';
import { bindQuery } from '../../src/sql/bind/query.ts';
import { planStreaming, streamRunOptions } from '../../src/session/statements/streaming.ts';
import type { PhysicalPlan } from '../../src/exec/physical-plan.ts';
import { buildPipeline, restorePipeline, snapshotPipeline, type BuiltPipeline, type PipelineSnapshot } from '../../src/exec/build.ts';
import type { Emitter, ExecContext } from '../../src/exec/operator.ts';
import { ManualClock, into } from '../../src/exec/operator.ts';
import { HeapStateBackend } from '../../src/state/backend.ts';
import { CHANGED_STATE, FULL_STATE } from '../../src/state/state-delta.ts';
import { Timers } from '../../src/exec/stream/driver.ts';
import type { Batch, Field } from '../../src/types/batch.ts';
import { batchFromRows, batchToRows } from '../../src/types/batch.ts';
import type { DataType } from '../../src/types/data-type.ts';

export const T0 = Date.UTC(2024, 0, 1);

/** One step of an input: rows into a table (a changelog table's rows start with '+I', '-U', '+U' or '-D'), or processing time moving. */
export type Step =
  | { rows: unknown[][]; table: string }
  | { advance: number };

const KINDS: Record<string, number> = { '+I': 0, '-U': 1, '+U': 2, '-D': 3 };
const NAMES = ['+I', '-U', '+U', '-D'];

export interface JobOptions {
  ttl?: number;
  miniBatch?: { latency: number; size: number } | null;
  watermarkInterval?: number;
}

function show(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? Array.from(x) : x instanceof Map ? [...x.entries()] : x));
}

export class TestJob {
  readonly clock: ManualClock;
  readonly pipeline: BuiltPipeline;
  readonly state: HeapStateBackend;
  /** Changes ('+I[...]') and watermarks ('WM n') in the order they left the plan. */
  readonly out: string[] = [];
  private readonly timers = new Timers();
  private readonly scans = new Map<string, { emitter: Emitter; fields: Field[]; columns: number[]; changelog: boolean }>();
  private readonly deferred: Promise<void>[] = [];
  private readonly types: DataType[];

  constructor(plan: PhysicalPlan, updating: (p: PhysicalPlan) => boolean, now: number, opts: JobOptions = {}) {
    this.clock = new ManualClock(now);
    this.state = new HeapStateBackend(opts.ttl ?? 0, true);
    this.types = plan.schema.map((f) => f.type);
    const ctx: ExecContext = {
      env: { timeZone: 'UTC', now: T0, clock: this.clock },
      clock: this.clock,
      onProcessingTime: (time, fire) => this.timers.add(time, fire),
      batchSize: 1024,
      isCancelled: () => false,
      stopSources: () => {},
      defer: (p) => { this.deferred.push(p); },
      countSkipped: () => {},
      reserveRows: () => {},
      state: this.state,
      countLate: () => {},
      miniBatch: opts.miniBatch ?? null,
      watermarkInterval: opts.watermarkInterval ?? 0,
    };
    const sink = {
      push: (b: Batch) => {
        const rows = batchToRows(b, this.types);
        rows.forEach((r, i) => this.out.push(`${NAMES[b.kinds === null ? 0 : b.kinds[i]!]}${show(r)}`));
      },
      end: () => this.out.push('END'),
      watermark: (wm: number) => this.out.push(`WM ${wm}`),
      idle: () => {},
    };
    this.pipeline = buildPipeline(plan, into(sink, 0), {
      ctx,
      hooks: { drain: async () => {} },
      writers: [],
      updating,
      sourceFactory: (id, source, columns, _predicates, emitter) => {
        const name = /^test-queue\((.*)\)$/.exec(source.describe())?.[1] ?? source.describe();
        if (this.scans.has(name)) throw new Error(`table ${name} is scanned twice`);
        this.scans.set(name, { emitter, fields: source.fields, columns, changelog: source.changelogMode !== 'append' });
        return { id, run: async () => {} };
      },
    });
  }

  private runTimers(): void {
    this.timers.runDue(this.clock.now());
  }

  private async drain(): Promise<void> {
    while (this.deferred.length > 0) await Promise.all(this.deferred.splice(0));
  }

  async step(s: Step): Promise<void> {
    if ('advance' in s) {
      this.clock.advance(s.advance);
      this.runTimers();
      await this.drain();
      return;
    }
    const scan = this.scans.get(s.table);
    if (scan === undefined) return; // a table this query does not read
    let rows = s.rows;
    let kinds: Uint8Array | undefined;
    if (scan.changelog) {
      kinds = Uint8Array.from(rows.map((r) => KINDS[r[0] as string]!));
      rows = rows.map((r) => r.slice(1));
    }
    const b = batchFromRows(scan.fields.map((f) => f.type), rows, kinds);
    this.runTimers();
    scan.emitter.emit({ columns: scan.columns.map((c) => b.columns[c]!), length: b.length, kinds: b.kinds });
    this.runTimers();
    await this.drain();
  }

  async run(steps: readonly Step[]): Promise<void> {
    for (const s of steps) await this.step(s);
  }

  /** Ends every input (bounded: windows and buffers flush). */
  async end(): Promise<void> {
    for (const s of this.scans.values()) s.emitter.end();
    await this.drain();
  }

  /** The pipeline's state, through the on-disk encoding. */
  snapshot(): PipelineSnapshot {
    return deserialize(serialize(snapshotPipeline(this.pipeline))) as PipelineSnapshot;
  }

  /** Whether the last `checkpoint` wrote the full state. */
  wroteBase = false;

  /**
   * A checkpoint's state, as the job driver takes it, through the on-disk encoding: the full state
   * (`base`, or when state was compacted since the last checkpoint, as the driver decides) or only
   * what changed since the previous checkpoint; either way changes are counted anew.
   */
  checkpoint(base: boolean): PipelineSnapshot {
    this.wroteBase = base || this.state.compactedSinceCheckpoint();
    const s = deserialize(serialize(snapshotPipeline(this.pipeline, this.wroteBase ? FULL_STATE : CHANGED_STATE))) as PipelineSnapshot;
    this.state.resetChanges();
    return s;
  }

  restore(s: PipelineSnapshot): void {
    restorePipeline(this.pipeline, s);
  }
}

/** An engine and a streaming session with the given tables. */
export async function openSession(ddl: readonly string[]): Promise<{ engine: Engine; session: Session }> {
  const engine = await Engine.open();
  engine.clock = new ManualClock(T0);
  const session = engine.createSession({ 'execution.runtime-mode': 'streaming', 'table.local-time-zone': 'UTC', 'pipeline.auto-watermark-interval': '0' });
  for (const d of ddl) await session.execute(d);
  return { engine, session };
}

/** Plans a query for the streaming runtime (each call plans anew: a restart). */
export function planQuery(session: Session, sql: string): { plan: PhysicalPlan; updating: (p: PhysicalPlan) => boolean } {
  const st = parseStatement(sql);
  if (st.kind !== 'queryStatement') throw new Error('not a query');
  const ctx: StatementContext = { source: sql, now: T0, timeZone: 'UTC', cancelled: false };
  const q = bindQuery(session.binder(ctx), st.query, null);
  const sp = planStreaming(q.plan, ctx);
  return { plan: sp.plan, updating: streamRunOptions(session, ctx, sp).updating };
}
