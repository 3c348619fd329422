/**
 * The binder: resolves an AST statement against the catalog into a typed logical plan. This file holds
 * what every clause binder shares (environment, CTEs, positions in errors); the clauses live in
 * query.ts, select.ts, relation.ts, expr.ts, aggregate.ts, window.ts, subquery.ts and insert.ts.
 */
import type { Loc, Cte } from '../ast.ts';
import type { CatalogManager, NamePart } from '../../catalog/catalog-manager.ts';
import type { UserFunction } from '../../exec/functions/udf.ts';
import type { SystemCatalog } from '../../catalog/system-catalog.ts';
import type { CatalogTable, ObjectIdentifier } from '../../catalog/objects.ts';
import { FreshetError, positionOf } from '../../util/errors.ts';

export interface BinderEnv {
  catalogs: CatalogManager;
  /** The text the AST locations refer to. */
  source: string;
  timeZone: string;
  /** Statement start time (epoch ms) for CURRENT_TIMESTAMP. */
  now: number;
  /** Session options (`SET 'k' = 'v'`), for options that change binding. */
  options: ReadonlyMap<string, string>;
  /**
   * A user-defined function by name (loaded and ready to call), or undefined. With `systemOnly`, only
   * temporary system functions (which take precedence over built-in ones).
   */
  userFunction?(parts: NamePart[], systemOnly: boolean): UserFunction | undefined;
  /** The dialect the statement was parsed in ('flink' when absent). */
  dialect?: 'flink' | 'postgres';
  /** The Postgres system catalog of a wire session (with the Postgres dialect). */
  systemCatalog?: SystemCatalog;
  /**
   * Options added to every read of a table (below the query's own OPTIONS hints): how a materialized
   * table's refresh pins each source to a snapshot or to the changes between two.
   */
  scanOptions?(id: ObjectIdentifier, table: CatalogTable): Record<string, string> | undefined;
}

export class Binder {
  readonly env: BinderEnv;
  /** Visible common table expressions, innermost last. */
  readonly ctes: Array<Map<string, Cte>> = [];
  /** Views being expanded, to detect a view that refers to itself. */
  readonly viewStack: string[] = [];
  /** Source text of the view being expanded (positions inside a view refer to its text). */
  private sourceStack: string[] = [];

  constructor(env: BinderEnv) {
    this.env = env;
  }

  /**
   * Whether the text being bound is in the Postgres dialect: the statement of a wire session, but not
   * the stored Flink SQL of a view or computed column it expands.
   */
  get postgres(): boolean {
    return this.env.dialect === 'postgres' && this.sourceStack.length === 0;
  }

  get source(): string {
    return this.sourceStack.length > 0 ? this.sourceStack[this.sourceStack.length - 1]! : this.env.source;
  }

  /** Runs `f` with positions referring to another text (a view's query). */
  withSource<T>(text: string, f: () => T): T {
    this.sourceStack.push(text);
    try {
      return f();
    } finally {
      this.sourceStack.pop();
    }
  }

  /** Attaches the position of `loc` to an error (unless it has one). */
  at(e: FreshetError, loc: Loc | undefined): FreshetError {
    if (loc !== undefined && e.position === undefined) {
      e.position = positionOf(this.source, loc.start);
      e.source = this.source;
    }
    return e;
  }

  /** Creates an error at `loc`. */
  error(sqlState: string, message: string, loc: Loc | undefined, hint?: string): FreshetError {
    return this.at(new FreshetError(sqlState, message, { hint }), loc);
  }

  /** Runs `f`, attaching `loc` to any positionless error it throws. */
  located<T>(loc: Loc, f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof FreshetError) throw this.at(e, loc);
      throw e;
    }
  }

  /** Like `located`, for asynchronous work (planning and starting a job). */
  async locatedAsync<T>(loc: Loc, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof FreshetError) throw this.at(e, loc);
      throw e;
    }
  }

  /** The CTE called `name`, innermost first. */
  findCte(name: { value: string; quoted: boolean }): Cte | undefined {
    for (let i = this.ctes.length - 1; i >= 0; i--) {
      const m = this.ctes[i]!;
      const exact = m.get(name.value);
      if (exact) return exact;
      if (!name.quoted) {
        for (const [k, v] of m) if (k.toLowerCase() === name.value.toLowerCase()) return v;
      }
    }
    return undefined;
  }
}
