/**
 * The materialized tables of an engine: it keeps each one up to date in the mode its definition picks,
 * inside the engine (the REPL and the server alike), with nothing else to set up.
 *
 *  CONTINUOUS  a background streaming job `INSERT INTO mt <query>` that checkpoints (and so commits) at
 *              the freshness; it is an ordinary durable job, so it resumes after a restart like any other.
 *  SCHEDULED   a refresh (refresh.ts: FULL or INCREMENTAL) at every wall-clock multiple of the freshness;
 *              a run missed while no engine was open runs once when one opens.
 *
 * Every change of state is written to the table's status file (status.ts) before it is acted on, and
 * operations on one table are serialised. A refresh that fails keeps the table's content and records
 * the error.
 */
import type { CatalogTable, ObjectIdentifier } from '../../catalog/objects.ts';
import { identifierToString, plainName } from '../../catalog/objects.ts';
import { TableStoreCatalog } from '../../catalog/table-store-catalog.ts';
import type { FileStoreTable } from '../../store/table.ts';
import { parseStatement } from '../../sql/parse.ts';
import { bindInsert } from '../../sql/bind/insert.ts';
import type * as A from '../../sql/ast.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import type { Engine } from '../engine.ts';
import type { StatementContext } from '../session.ts';
import { resumeJob } from '../recovery.ts';
import { startStreamingInsert } from '../statements/streaming.ts';
import { definitionOf, isMaterialized, type MaterializedDefinition } from './definition.ts';
import { freshnessMillis } from './freshness.ts';
import { definitionSession, querySources, refresh, sourceTime, storedTableOf } from './refresh.ts';
import { nextScheduleTime, scheduleTimeAtOrBefore } from './schedule.ts';
import { START_SNAPSHOTS_OPTION, encodeStartSnapshots } from './start-snapshots.ts';
import { newStatus, readStatus, recordRun, writeStatus, type MaterializedStatus, type RefreshRecord } from './status.ts';

/** A materialized table as the manager sees it at one moment. */
export interface MaterializedHandle {
  id: ObjectIdentifier;
  table: CatalogTable;
  def: MaterializedDefinition;
  stored: FileStoreTable;
}


function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class MaterializedTableManager {
  private readonly engine: Engine;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private closed = false;

  constructor(engine: Engine) {
    this.engine = engine;
  }

  /** The materialized table behind an identifier, or undefined when it is not one. */
  handle(id: ObjectIdentifier): MaterializedHandle | undefined {
    const c = this.engine.catalogs.get(id.catalog);
    if (!(c instanceof TableStoreCatalog)) return undefined;
    const t = c.getObject(id.database, id.name);
    if (!isMaterialized(t)) return undefined;
    const stored = storedTableOf(this.engine, id, t);
    if (!stored) return undefined;
    return { id, table: t, def: definitionOf(t, plainName(id)), stored };
  }

  /** Every materialized table of the engine's table-store catalogs. */
  all(): MaterializedHandle[] {
    const out: MaterializedHandle[] = [];
    for (const c of this.engine.catalogs.values()) {
      if (!(c instanceof TableStoreCatalog)) continue;
      for (const db of c.listDatabases()) {
        for (const name of c.listObjects(db)) {
          const h = this.handle({ catalog: c.name, database: db, name });
          if (h) out.push(h);
        }
      }
    }
    return out;
  }

  async status(h: MaterializedHandle): Promise<MaterializedStatus> {
    return (await readStatus(h.stored.io, h.stored.path)) ?? newStatus();
  }

  async saveStatus(h: MaterializedHandle, s: MaterializedStatus): Promise<void> {
    await writeStatus(h.stored.io, h.stored.path, s);
  }

  /** Runs `fn` after every earlier operation on the same table has finished. */
  async exclusive<T>(id: ObjectIdentifier, fn: () => Promise<T>): Promise<T> {
    const key = plainName(id);
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.locks.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    }
  }

  // ---------------------------------------------------------------- scheduling

  /** After an engine opened: runs the scheduled refreshes missed while none was open, and arms the timers. */
  async start(): Promise<void> {
    const now = this.engine.clock.now();
    for (const h of this.ordered(this.all())) {
      try {
        const s = await this.status(h);
        if (h.def.mode !== 'SCHEDULED' || s.status !== 'ACTIVATED') continue;
        const due = scheduleTimeAtOrBefore(now, h.def.freshness, this.timeZone(h, s));
        if ((s.lastScheduleTime ?? 0) < due) await this.runScheduled(h.id, due, 'catch-up');
        this.arm(h.id);
      } catch (e) {
        this.engine.recoveryErrors.push(`materialized table ${plainName(h.id)}: ${message(e)}`);
      }
    }
  }

  /** Runs every scheduled refresh due at `now` (sources before the tables that read them). Timers call this; so can tests. */
  async runDue(now = this.engine.clock.now()): Promise<void> {
    for (const h of this.ordered(this.all())) {
      if (h.def.mode !== 'SCHEDULED') continue;
      const s = await this.status(h);
      if (s.status !== 'ACTIVATED') continue;
      const due = scheduleTimeAtOrBefore(now, h.def.freshness, this.timeZone(h, s));
      if ((s.lastScheduleTime ?? 0) < due) await this.runScheduled(h.id, due, 'schedule');
    }
  }

  /** Tables ordered so that one another reads comes before it. */
  private ordered(hs: MaterializedHandle[]): MaterializedHandle[] {
    const byName = new Map(hs.map((h) => [plainName(h.id), h]));
    const deps = new Map<string, string[]>();
    for (const h of hs) {
      let reads: string[] = [];
      try {
        reads = querySources(this.engine, h.def).map((s) => s.name).filter((n) => byName.has(n));
      } catch {
        // a definition that no longer binds fails at its refresh, with the reason
      }
      deps.set(plainName(h.id), reads);
    }
    const out: MaterializedHandle[] = [];
    const seen = new Set<string>();
    const visit = (name: string): void => {
      if (seen.has(name)) return;
      seen.add(name);
      for (const d of deps.get(name) ?? []) visit(d);
      out.push(byName.get(name)!);
    };
    for (const h of hs) visit(plainName(h.id));
    return out;
  }

  private timeZone(h: MaterializedHandle, s: MaterializedStatus): string {
    const session = definitionSession(this.engine, h.def, s.resumeOptions ?? {});
    const tz = session.options.timeZone();
    this.engine.releaseSession(session);
    return tz;
  }

  /** Sets the timer of a scheduled table to its next run. */
  arm(id: ObjectIdentifier): void {
    this.disarm(id);
    if (this.closed) return;
    const h = this.handle(id);
    if (!h || h.def.mode !== 'SCHEDULED') return;
    void this.status(h).then((s) => {
      if (s.status !== 'ACTIVATED' || this.closed) return;
      const now = this.engine.clock.now();
      const next = nextScheduleTime(now, h.def.freshness, this.timeZone(h, s));
      const t = setTimeout(() => {
        this.timers.delete(plainName(id));
        void this.runScheduled(id, scheduleTimeAtOrBefore(this.engine.clock.now(), h.def.freshness, this.timeZone(h, s)), 'schedule')
          .catch(() => undefined)
          .finally(() => this.arm(id));
      }, Math.max(0, Math.min(next - now, 2 ** 31 - 1)));
      t.unref();
      this.timers.set(plainName(id), t);
    }, () => undefined);
  }

  disarm(id: ObjectIdentifier): void {
    const t = this.timers.get(plainName(id));
    if (t) clearTimeout(t);
    this.timers.delete(plainName(id));
  }

  private async runScheduled(id: ObjectIdentifier, scheduleTime: number, trigger: RefreshRecord['trigger']): Promise<RefreshRecord | undefined> {
    return this.exclusive(id, async () => {
      const h = this.handle(id);
      if (!h || h.def.mode !== 'SCHEDULED') return undefined;
      const s = await this.status(h);
      if (s.status !== 'ACTIVATED' || (s.lastScheduleTime ?? 0) >= scheduleTime) return undefined;
      const r = await this.refreshNow(h, s, {}, trigger, scheduleTime);
      s.lastScheduleTime = scheduleTime;
      await this.saveStatus(h, s);
      return r;
    });
  }

  /** Runs one refresh of `h` and records it in `s` (saved). Call inside `exclusive`. */
  async refreshNow(h: MaterializedHandle, s: MaterializedStatus, partition: Record<string, string>, trigger: RefreshRecord['trigger'], scheduleTime?: number): Promise<RefreshRecord> {
    // a continuous table is refreshed in full when its job (re)starts: no incremental state to keep for it
    const force = h.def.mode === 'CONTINUOUS' ? 'FULL' : h.def.logicalMode === 'FULL' || h.def.logicalMode === 'INCREMENTAL' ? h.def.logicalMode : undefined;
    const r = await refresh({
      engine: this.engine, mt: h.id, mtTable: h.table, def: h.def, status: s, save: (x) => this.saveStatus(h, x),
      options: s.resumeOptions ?? {}, partition, trigger, scheduleTime, force,
    });
    recordRun(s, r);
    await this.saveStatus(h, s);
    return r;
  }

  // ---------------------------------------------------------------- continuous jobs

  /**
   * Starts the continuous job of `h`. With `from`, the table already holds the query's result at those
   * source snapshots (a FULL run just wrote it): the job's reads start there, so that what it writes
   * continues the table rather than repeating it. A table with a primary key re-reads that snapshot in
   * full (the operators need the state; the upserts it writes change nothing); one without reads only
   * the changes after it.
   */
  async startContinuous(h: MaterializedHandle, s: MaterializedStatus, ctx: StatementContext, from?: Record<string, number>): Promise<string> {
    const options: Record<string, string> = { ...(s.resumeOptions ?? {}), 'execution.runtime-mode': 'streaming', 'table.dml-sync': 'false', 'pipeline.name': `materialized-table_${h.id.name}` };
    const session = definitionSession(this.engine, h.def, options);
    try {
      if (session.options.millis('execution.checkpointing.interval') === 0) {
        session.options.set('execution.checkpointing.interval', `${freshnessMillis(h.def.freshness)} ms`);
      }
      if (from !== undefined) session.options.set(START_SNAPSHOTS_OPTION, encodeStartSnapshots(h.table.schema.primaryKey !== undefined, from));
      const text = `INSERT INTO ${identifierToString(h.id)} SELECT * FROM (\n${h.def.query}\n) AS mt_query`;
      const sctx: StatementContext = { ...ctx, source: text, timeZone: session.options.timeZone() };
      const plan = bindInsert(session.binder(sctx), parseStatement(text) as A.InsertStatement);
      const r = await startStreamingInsert(session, sctx, [plan], [h.id.name], 1);
      if (r.jobId === undefined) throw new FreshetError(SqlState.internalError, `the job of materialized table ${h.id.name} did not start in the background`);
      return r.jobId;
    } finally {
      // the job runs on its own (background jobs are not the session's to cancel)
      this.engine.releaseSession(session);
    }
  }

  /** Suspends a continuous job: a last checkpoint, then it stops; it resumes from there on RESUME. */
  async suspendContinuous(jobId: string): Promise<void> {
    // a job that fails while suspending keeps its earlier checkpoint to resume from; one waiting for
    // its restart after a failure is not restarted (it resumes from its latest checkpoint on RESUME)
    if (this.engine.jobs.has(jobId)) await this.engine.jobs.suspend(jobId);
    const record = await this.engine.jobStore.read(jobId);
    if (record) await this.engine.jobStore.save({ ...record, status: 'SUSPENDED' });
  }

  /** Resumes a suspended continuous job from its last checkpoint, with `options` added to its session. */
  async resumeContinuous(jobId: string, options: Record<string, string>): Promise<void> {
    const record = await this.engine.jobStore.read(jobId);
    if (!record) throw new FreshetError(SqlState.undefinedObject, `the job ${jobId} of the materialized table has no record in the warehouse`, { hint: 'SET REFRESH_MODE = CONTINUOUS again to start a new job.' });
    const resumed = { ...record, status: 'RUNNING' as const, options: { ...record.options, ...options } };
    await this.engine.jobStore.save(resumed);
    await resumeJob(this.engine, resumed);
    const e = this.engine.jobs.get(jobId);
    if (e.job.status === 'FAILED') throw new FreshetError(SqlState.internalError, `the job of the materialized table could not resume: ${e.error ?? 'unknown error'}`);
  }

  /** Ends a continuous job for good (what it received is committed) and deletes its checkpoints. */
  async stopContinuous(jobId: string): Promise<void> {
    if (this.engine.jobs.has(jobId)) {
      const e = this.engine.jobs.get(jobId);
      if (e.job.status === 'RUNNING' && e.restarting === undefined) await this.engine.jobs.stop(jobId);
      // a job waiting for its restart after a failure is not restarted: its checkpoints go below
      else await this.engine.jobs.suspend(jobId);
    }
    const record = await this.engine.jobStore.read(jobId);
    if (record && record.status !== 'STOPPED' && record.status !== 'FINISHED') await this.engine.jobStore.save({ ...record, status: 'STOPPED' });
    await this.engine.jobStore.dropCheckpoints(jobId);
  }

  // ---------------------------------------------------------------- observability

  /** Current data lag in ms: how long the newest source change the table does not reflect yet has waited (0: up to date). */
  async lag(h: MaterializedHandle, s: MaterializedStatus): Promise<number | null> {
    const now = this.engine.clock.now();
    const sources = querySources(this.engine, h.def);
    if (sources.some((x) => x.stored === undefined)) return null;
    let reflected: Record<string, number> | undefined = s.lastRefresh?.sourceSnapshots;
    if (h.def.mode === 'CONTINUOUS') {
      // a continuous job reflects every source commit older than the table's newest commit
      const mtLatest = await h.stored.snapshots.latest();
      if (!mtLatest) return null;
      reflected = {};
      for (const src of sources) reflected[src.name] = (await src.stored!.snapshots.atOrBefore(mtLatest.timeMillis))?.id ?? 0;
    }
    if (!reflected) return null;
    let oldest: number | null = null;
    for (const src of sources) {
      const next = await src.stored!.snapshots.trySnapshot((reflected[src.name] ?? 0) + 1);
      if (next && (oldest === null || next.timeMillis < oldest)) oldest = next.timeMillis;
    }
    return oldest === null ? 0 : Math.max(0, now - oldest);
  }

  /** When the next scheduled run is (null: none). */
  nextRun(h: MaterializedHandle, s: MaterializedStatus): number | null {
    if (h.def.mode !== 'SCHEDULED' || s.status !== 'ACTIVATED') return null;
    const tz = this.timeZone(h, s);
    const now = this.engine.clock.now();
    const due = scheduleTimeAtOrBefore(now, h.def.freshness, tz);
    // a run due and not made yet is the next one
    return (s.lastScheduleTime ?? 0) >= due ? nextScheduleTime(now, h.def.freshness, tz) : due;
  }

  /** The newest source commit time the table reflects, for continuous tables from their own last commit. */
  async reflectedTime(h: MaterializedHandle, s: MaterializedStatus): Promise<number | null> {
    if (h.def.mode === 'CONTINUOUS') return (await h.stored.snapshots.latest())?.timeMillis ?? null;
    if (!s.lastRefresh) return null;
    return s.lastRefresh.sourceTime ?? (await sourceTime(querySources(this.engine, h.def), s.lastRefresh.sourceSnapshots));
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
