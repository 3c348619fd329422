/**
 * A session: one user's conversation with the engine (the REPL, one Postgres connection, or an
 * embedding program). It owns the SET options, the current catalog and database and temporary objects,
 * and executes statements one at a time.
 */
import type * as A from '../sql/ast.ts';
import { parseScript, parseStatement, type Dialect } from '../sql/parse.ts';
import type { SystemCatalog } from '../catalog/system-catalog.ts';
import { Binder } from '../sql/bind/binder.ts';
import { CatalogManager } from '../catalog/catalog-manager.ts';
import { FreshetError, SqlState, isStackOverflow, tooComplex } from '../util/errors.ts';
import { SessionOptions } from './options.ts';
import type { OkResult, StatementResult, StreamResult } from './result.ts';
import { ok } from './result.ts';
import type { Engine } from './engine.ts';
import { executeQuery, startBatchQuery } from './statements/query.ts';
import { executeCopyFrom, executeInsert, executeStatementSet, type CopyInput } from './statements/insert.ts';
import { executeExplain } from './statements/explain.ts';
import { alterTable, createCatalog, createDatabase, createTable, createView, drop, use } from './statements/ddl.ts';
import { createFunction } from './statements/functions.ts';
import { describe, describeExtended, show } from './statements/show.ts';
import { executeCall } from './statements/call.ts';
import { alterMaterializedTable, createMaterializedTable } from './statements/materialized.ts';
import { T, notNull } from '../types/data-type.ts';
import { statusOf } from './jobs.ts';
import type { CatalogTable, ObjectIdentifier } from '../catalog/objects.ts';
import { START_SNAPSHOTS_OPTION, startSnapshotScans } from './materialized/start-snapshots.ts';
import { executeSubscribe } from './statements/subscribe.ts';

/** Something running past its statement that Session.cancel() stops: a streaming job, a batch query being read. */
export interface Cancellable {
  cancel(): void;
  readonly done: Promise<unknown>;
}

const WIRE_ONLY = { copy: 'COPY', declareCursor: 'DECLARE', fetch: 'FETCH / MOVE', closeCursor: 'CLOSE' } as const;

/** Per-statement facts: its text (for error positions), start time, session time zone. */
export interface StatementContext {
  source: string;
  now: number;
  timeZone: string;
  cancelled: boolean;
  /** A savepoint the statement's job starts from, overriding `execution.savepoint.path` (the embedding API). */
  savepoint?: string;
}

/** What a long statement tells its client when it starts (a manual REFRESH of a materialized table). */
export interface StatementProgress {
  label: string;
  /** How long it is expected to take (the previous comparable run), or null when unknown. */
  expectedMs: number | null;
}

export class Session {
  readonly engine: Engine;
  readonly options: SessionOptions;
  readonly catalogs: CatalogManager;
  private current: StatementContext | null = null;
  private readonly running = new Set<Cancellable>();
  /**
   * The SQL dialect statements are read in: Flink SQL, or (wire sessions) Flink SQL plus the Postgres
   * syntax and catalog that clients use (see sql/bind/postgres.ts).
   */
  dialect: Dialect = 'flink';
  /** The Postgres system catalog the Postgres dialect reads (set by the wire server). */
  systemCatalog: SystemCatalog | undefined;
  /** Set by a client that can show progress (the REPL on a terminal). */
  progress: ((p: StatementProgress) => void) | undefined;
  /** Options added to every table read (materialized-table refreshes pin their sources with them). */
  scanOptions: ((id: ObjectIdentifier, table: CatalogTable) => Record<string, string> | undefined) | undefined;

  constructor(engine: Engine, config: Record<string, string>) {
    this.engine = engine;
    this.options = new SessionOptions(config);
    this.catalogs = new CatalogManager(engine.catalogs, engine.defaultCatalog);
  }

  /** A binder for one statement; `runtimeMode` binds it for that runtime whatever the session's is. */
  binder(ctx: StatementContext, runtimeMode?: 'batch' | 'streaming'): Binder {
    const options = this.options.explicit();
    if (runtimeMode !== undefined) options.set('execution.runtime-mode', runtimeMode);
    return new Binder({
      catalogs: this.catalogs, source: ctx.source, timeZone: ctx.timeZone, now: ctx.now, options,
      dialect: this.dialect, systemCatalog: this.dialect === 'postgres' ? this.systemCatalog : undefined,
      scanOptions: this.scanOptions ?? startSnapshotScans(options.get(START_SNAPSHOTS_OPTION)),
      userFunction: (parts, systemOnly) => {
        if (systemOnly && parts.length !== 1) return undefined;
        const f = this.catalogs.lookupFunction(parts);
        if (!f || (systemOnly && f.id.catalog !== '')) return undefined;
        const udf = this.engine.functions.get(f.id.name, f.fn);
        if (udf) return udf;
        throw new FreshetError(SqlState.undefinedFunction, `function ${f.id.name} (${f.fn.className}) could not be loaded`, { hint: 'Run its CREATE FUNCTION again to see why.' });
      },
    });
  }

  /** Whether statements run in the streaming runtime (`execution.runtime-mode`). */
  get streaming(): boolean {
    return this.options.get('execution.runtime-mode') === 'streaming';
  }

  /** Remembers a query that goes on after its statement returned (a streaming job), so that cancel() also stops it. */
  track(job: Cancellable): void {
    this.running.add(job);
    const forget = (): void => { this.running.delete(job); };
    job.done.then(forget, forget);
  }

  /** Cancels what is running: the current statement (it fails with 57014) and streaming queries being read. */
  cancel(): void {
    if (this.current) this.current.cancelled = true;
    for (const job of this.running) job.cancel();
  }

  /** Executes exactly one statement. */
  async execute(sql: string): Promise<StatementResult> {
    const st = parseStatement(sql, { dialect: this.dialect });
    return this.executeParsed(st, sql);
  }

  /** Executes each statement of a script in order; stops at the first error. */
  async executeScript(sql: string): Promise<StatementResult[]> {
    const out: StatementResult[] = [];
    for (const p of parseScript(sql, { dialect: this.dialect })) out.push(await this.executeParsed(p.statement, sql));
    return out;
  }

  /**
   * Executes an INSERT (or statement set) whose job starts from the savepoint at `path`: as with
   * `SET 'execution.savepoint.path'`, for this statement only (materialized tables resume through it).
   */
  async executeFromSavepoint(sql: string, path: string): Promise<StatementResult> {
    const st = parseStatement(sql, { dialect: this.dialect });
    if (st.kind !== 'insert' && st.kind !== 'statementSet') {
      throw new FreshetError(SqlState.invalidParameterValue, 'only an INSERT or a statement set can start from a savepoint', { hint: 'A savepoint restores the state of a continuous INSERT job.' });
    }
    return this.executeParsed(st, sql, { savepoint: path });
  }

  /** Executes a parsed statement whose locations refer to `source`. */
  async executeParsed(st: A.Statement, source: string, extra: Pick<StatementContext, 'savepoint'> = {}): Promise<StatementResult> {
    return this.within(source, (ctx) => this.dispatch(st, ctx), extra);
  }

  /**
   * Starts a query whose rows are read as they are produced, never collected whole: in the batch runtime
   * a run that pauses while its reader is behind (the result holds inserts only); in the streaming runtime
   * the query's job. A SUBSCRIBE is always a streaming job. The caller owns the result and stops it with
   * its cancel(): cancel() of the session does not reach it, so that a cursor held open outlives the
   * cancellation of another statement.
   */
  async openQuery(st: A.QueryStatement | A.SubscribeStatement, source: string): Promise<StreamResult> {
    return this.within(source, (ctx) => {
      if (st.kind === 'subscribe') return executeSubscribe(this, ctx, st, false);
      return this.streaming ? executeQuery(this, ctx, st) as Promise<StreamResult> : startBatchQuery(this, ctx, st);
    });
  }

  /** COPY table FROM ..: rows from `input` into the table, committed as one INSERT when the input ends. */
  async copyFrom(st: A.CopyStatement, source: string, input: CopyInput): Promise<OkResult> {
    return this.within(source, (ctx) => executeCopyFrom(this, ctx, st, input));
  }

  /** Runs `fn` as the current statement: cancellable, with errors located in `source`. */
  private async within<T>(source: string, fn: (ctx: StatementContext) => Promise<T>, extra: Pick<StatementContext, 'savepoint'> = {}): Promise<T> {
    const ctx: StatementContext = { source, now: this.engine.clock.now(), timeZone: this.options.timeZone(), cancelled: false, ...extra };
    this.current = ctx;
    this.systemCatalog?.refresh();
    try {
      await this.engine.functions.preload(this.catalogs.allFunctions());
      return await fn(ctx);
    } catch (e) {
      if (isStackOverflow(e)) throw tooComplex();
      if (e instanceof FreshetError && e.position !== undefined && e.source === undefined) e.source = source;
      throw e;
    } finally {
      this.current = null;
    }
  }

  private async dispatch(st: A.Statement, ctx: StatementContext): Promise<StatementResult> {
    switch (st.kind) {
      case 'queryStatement': return executeQuery(this, ctx, st);
      case 'insert': return executeInsert(this, ctx, st);
      case 'statementSet': return executeStatementSet(this, ctx, st);
      case 'explain': return executeExplain(this, ctx, st);
      case 'createTable': return createTable(this, ctx, st);
      case 'createView': return createView(this, ctx, st);
      case 'createMaterializedTable': return createMaterializedTable(this, ctx, st);
      case 'alterMaterializedTable': return alterMaterializedTable(this, ctx, st);
      case 'createCatalog': return createCatalog(this, ctx, st);
      case 'createDatabase': return createDatabase(this, ctx, st);
      case 'drop': return drop(this, ctx, st);
      case 'alterTable': return alterTable(this, ctx, st);
      case 'use': return use(this, ctx, st);
      case 'show': return show(this, ctx, st);
      case 'describe': return st.extended ? describeExtended(this, ctx, st.name) : describe(this, ctx, st.name);
      case 'set': return this.set(st);
      case 'reset': {
        this.options.reset(st.key);
        return ok('RESET', st.key ? `option '${st.key}' reset` : 'all options reset');
      }
      case 'createFunction': return createFunction(this, ctx, st);
      case 'call': return executeCall(this, ctx, st);
      case 'stopJob': return this.stopJob(st, ctx);
      case 'subscribe': return executeSubscribe(this, ctx, st);
      case 'copy': case 'declareCursor': case 'fetch': case 'closeCursor':
        throw new FreshetError(SqlState.featureNotSupported, `${WIRE_ONLY[st.kind]} works only over the Postgres protocol (freshet server), where the connection carries the data and keeps the cursors`, {
          hint: 'Connect with psql or another Postgres client to use it.',
        });
    }
  }

  /** STOP JOB 'id' [WITH SAVEPOINT]: the savepoint's path comes back as a row, as Flink's client shows it. */
  private async stopJob(st: A.StopJob, ctx: StatementContext): Promise<StatementResult> {
    const b = this.binder(ctx);
    const entry = b.located(st.loc, () => this.engine.jobs.get(st.jobId));
    if (st.withDrain) {
      throw b.error(SqlState.featureNotSupported, 'STOP JOB .. WITH DRAIN is not supported', st.loc,
        `Draining would fire every event-time window and timer before the job stops, so a job started from the savepoint could not go on where it left off. Use STOP JOB '${entry.id}' WITH SAVEPOINT: windows that are open then fire in the job started from it.`);
    }
    const status = statusOf(entry);
    if (status !== 'RUNNING' && status !== 'RESTARTING') {
      throw b.error(SqlState.objectInUse, `job '${entry.id}' is not running (${status})`, st.loc, 'SHOW JOBS lists the jobs and their status.');
    }
    if (!st.withSavepoint) {
      await this.engine.jobs.stop(entry.id);
      return ok('STOP JOB', `job ${entry.id} stopped; what it wrote is committed`);
    }
    const dir = this.options.explicit().get('state.savepoints.dir')?.trim() || undefined;
    const path = await this.engine.jobs.stopWithSavepoint(entry.id, dir);
    return { kind: 'rows', command: 'STOP JOB', columns: [{ name: 'savepoint path', type: notNull(T.string()) }], rows: [[path]], warnings: [] };
  }

  private set(st: A.SetStatement): StatementResult {
    if (st.key === undefined) {
      const rows = [...this.options.explicit()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v]);
      return { kind: 'rows', command: 'SET', columns: [{ name: 'key', type: notNull(T.string()) }, { name: 'value', type: notNull(T.string()) }], rows, warnings: [] };
    }
    const { warning } = this.options.set(st.key, st.value!);
    return ok('SET', `option '${st.key}' set to '${st.value}'`, { warnings: warning ? [warning] : [] });
  }
}
