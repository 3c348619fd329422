/**
 * A session: one user's conversation with the engine (the REPL, one Postgres connection, or an
 * embedding program). It owns the SET options, the current catalog and database and temporary objects,
 * and executes statements one at a time.
 */
import type * as A from '../sql/ast.ts';
import { parseScript, parseStatement } from '../sql/parse.ts';
import { Binder } from '../sql/bind/binder.ts';
import { CatalogManager } from '../catalog/catalog-manager.ts';
import { FreshetError, SqlState, positionOf, isStackOverflow, tooComplex } from '../util/errors.ts';
import { SessionOptions } from './options.ts';
import type { StatementResult } from './result.ts';
import { ok } from './result.ts';
import type { Engine } from './engine.ts';
import { executeQuery } from './statements/query.ts';
import { executeInsert, executeStatementSet } from './statements/insert.ts';
import { executeExplain } from './statements/explain.ts';
import { alterTable, createCatalog, createDatabase, createTable, createView, drop, use } from './statements/ddl.ts';
import { describe, show } from './statements/show.ts';
import { T, notNull } from '../types/data-type.ts';

/** Per-statement facts: its text (for error positions), start time, session time zone. */
export interface StatementContext {
  source: string;
  now: number;
  timeZone: string;
  cancelled: boolean;
}

export class Session {
  readonly engine: Engine;
  readonly options: SessionOptions;
  readonly catalogs: CatalogManager;
  private current: StatementContext | null = null;

  constructor(engine: Engine, config: Record<string, string>) {
    this.engine = engine;
    this.options = new SessionOptions(config);
    this.catalogs = new CatalogManager(engine.catalogs, engine.defaultCatalog);
  }

  binder(ctx: StatementContext): Binder {
    return new Binder({ catalogs: this.catalogs, source: ctx.source, timeZone: ctx.timeZone, now: ctx.now, options: this.options.explicit() });
  }

  /** Queries and inserts run in the batch runtime for now; streaming mode says so clearly. */
  requireBatchMode(loc: A.Loc): void {
    if (this.options.get('execution.runtime-mode') === 'streaming') {
      const source = this.current?.source ?? '';
      throw new FreshetError(SqlState.featureNotSupported, 'the streaming runtime is not available in this version; queries run in batch mode', {
        hint: "SET 'execution.runtime-mode' = 'batch';",
        position: positionOf(source, loc.start),
        source,
      });
    }
  }

  /** Cancels the statement that is running (its sources stop between batches; it fails with 57014). */
  cancel(): void {
    if (this.current) this.current.cancelled = true;
  }

  /** Executes exactly one statement. */
  async execute(sql: string): Promise<StatementResult> {
    const st = parseStatement(sql);
    return this.executeParsed(st, sql);
  }

  /** Executes each statement of a script in order; stops at the first error. */
  async executeScript(sql: string): Promise<StatementResult[]> {
    const out: StatementResult[] = [];
    for (const p of parseScript(sql)) out.push(await this.executeParsed(p.statement, sql));
    return out;
  }

  /** Executes a parsed statement whose locations refer to `source`. */
  async executeParsed(st: A.Statement, source: string): Promise<StatementResult> {
    const ctx: StatementContext = { source, now: Date.now(), timeZone: this.options.timeZone(), cancelled: false };
    this.current = ctx;
    try {
      return await this.dispatch(st, ctx);
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
      case 'createCatalog': return createCatalog(this, ctx, st);
      case 'createDatabase': return createDatabase(this, ctx, st);
      case 'drop': return drop(this, ctx, st);
      case 'alterTable': return alterTable(this, ctx, st);
      case 'use': return use(this, ctx, st);
      case 'show': return show(this, ctx, st);
      case 'describe': return describe(this, ctx, st.name);
      case 'set': return this.set(st);
      case 'reset': {
        this.options.reset(st.key);
        return ok('RESET', st.key ? `option '${st.key}' reset` : 'all options reset');
      }
      case 'createFunction':
        throw this.binder(ctx).error(SqlState.featureNotSupported, 'user-defined functions are not available in this version', st.loc);
      case 'stopJob':
        throw this.binder(ctx).error(SqlState.undefinedObject, `no job '${st.jobId}' is running`, st.loc, 'SHOW JOBS lists running jobs.');
    }
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
