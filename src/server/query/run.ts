/**
 * What a statement means over the wire, and running it. A pgwire session reads tables as snapshots:
 * queries run in the batch runtime, which reads the current committed content of tables, views and
 * materialized tables and ends. A query over a source that never ends (datagen without a row count,
 * a monitored directory) is refused with a hint, unless it is bounded by LIMIT: then it runs as a
 * streaming job that is stopped once the rows are in. Other statements (INSERT, DDL) run as the
 * session's `execution.runtime-mode` says (batch unless the client SETs it).
 */
import type * as A from '../../sql/ast.ts';
import { parseStatement } from '../../sql/parse.ts';
import { bindQuery } from '../../sql/bind/query.ts';
import { inputsOf, type LogicalPlan } from '../../planner/logical-plan.ts';
import type { Session, StatementContext } from '../../session/session.ts';
import { ChangelogTable, type ResultColumn, type RowsResult, type StatementResult, type StreamResult } from '../../session/result.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { subscribeOptions, subscriptionColumns } from '../../session/statements/subscribe.ts';

const MODE = 'execution.runtime-mode';

/** Statement kinds whose result is rows (the others answer with a command tag only). */
const ROW_KINDS = new Set<A.Statement['kind']>(['queryStatement', 'show', 'describe', 'explain', 'call', 'subscribe']);

export function returnsRows(st: A.Statement): boolean {
  return ROW_KINDS.has(st.kind) || (st.kind === 'set' && st.key === undefined) || (st.kind === 'fetch' && !st.move);
}

/** Runs `fn` with the session's runtime mode set to `mode`, restoring the previous setting after. */
async function withMode<T>(session: Session, mode: 'batch' | 'streaming', fn: () => Promise<T>): Promise<T> {
  if (session.options.get(MODE) === mode) return fn();
  const had = session.options.explicit().has(MODE);
  const before = session.options.get(MODE);
  session.options.set(MODE, mode);
  try {
    return await fn();
  } finally {
    if (had) session.options.set(MODE, before);
    else session.options.reset(MODE);
  }
}

function context(session: Session, source: string): StatementContext {
  return { source, now: session.engine.clock.now(), timeZone: session.options.timeZone(), cancelled: false };
}

function unboundedScan(p: LogicalPlan): string | undefined {
  if (p.kind === 'scan' && !p.source.bounded) return p.tableName;
  for (const i of inputsOf(p)) {
    const t = unboundedScan(i);
    if (t !== undefined) return t;
  }
  return undefined;
}

/** Binds a query in the batch runtime: its columns, and the first table it reads that never ends. */
export async function planQuery(session: Session, st: A.QueryStatement, sql: string): Promise<{ columns: ResultColumn[]; unbounded?: string }> {
  return withMode(session, 'batch', async () => {
    session.systemCatalog?.refresh();
    try {
      const q = bindQuery(session.binder(context(session, sql)), st.query, null);
      return { columns: q.names.map((name, i) => ({ name, type: q.plan.schema[i]!.type })), unbounded: unboundedScan(q.plan) };
    } catch (e) {
      if (e instanceof FreshetError && e.position !== undefined && e.source === undefined) e.source = sql;
      throw e;
    }
  });
}

function literalLimit(e: A.Expr | undefined): number | undefined {
  if (!e || e.kind !== 'literal' || e.type !== 'number') return undefined;
  const n = Number(e.value);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

export interface RunHooks {
  /** True once the client asked to cancel (or the statement timed out): stop reading a stream. */
  cancelled(): boolean;
}

/** Executes one engine statement the way pgwire means it (`st`: the statement already parsed). */
export async function runStatement(session: Session, sql: string, hooks: RunHooks, parsed?: A.Statement): Promise<StatementResult> {
  const st = parsed ?? parseStatement(sql, { dialect: session.dialect });
  if (st.kind !== 'queryStatement') return session.executeParsed(st, sql);
  const plan = await planQuery(session, st, sql);
  if (plan.unbounded === undefined) return withMode(session, 'batch', () => session.executeParsed(st, sql));
  return firstRows(session, st, sql, plan.unbounded, hooks);
}

/**
 * Opens a query or SUBSCRIBE whose rows the connection reads a chunk at a time: a snapshot query runs in
 * the batch runtime and pauses while the client is behind; a SUBSCRIBE streams until cancelled. (A
 * LIMIT over an unbounded source is collected first: it is small by construction.)
 */
export async function openQuery(session: Session, st: A.QueryStatement | A.SubscribeStatement, sql: string, hooks: RunHooks): Promise<StreamResult | RowsResult> {
  if (st.kind === 'subscribe') return session.openQuery(st, sql);
  const plan = await planQuery(session, st, sql);
  if (plan.unbounded === undefined) return withMode(session, 'batch', () => session.openQuery(st, sql));
  return firstRows(session, st, sql, plan.unbounded, hooks);
}

/** SELECT .. LIMIT n over an unbounded source: a streaming job stopped once n rows are in. */
async function firstRows(session: Session, st: A.QueryStatement, sql: string, unbounded: string, hooks: RunHooks): Promise<RowsResult> {
  const limit = literalLimit(st.query.limit);
  if (limit === undefined || st.query.orderBy.length > 0) {
    throw new FreshetError(SqlState.featureNotSupported, `${unbounded} is unbounded: a SELECT over it would never end`, {
      hint: 'Over the Postgres protocol a SELECT returns a snapshot and ends. Add LIMIT n (without ORDER BY) to read the first n rows, or SUBSCRIBE to (the query) to follow its changes.',
    });
  }
  const offset = literalLimit(st.query.offset) ?? 0;
  const result = await withMode(session, 'streaming', () => session.executeParsed(st, sql));
  if (result.kind !== 'stream') {
    if (result.kind === 'rows') return result;
    throw new FreshetError(SqlState.internalError, 'internal error: a query returned no rows');
  }
  if (result.changelog !== 'append') {
    result.cancel();
    throw new FreshetError(SqlState.featureNotSupported, 'this query over an unbounded table updates its result continuously, so LIMIT does not end it', {
      hint: 'SUBSCRIBE to (the query) to follow its changes; over the Postgres protocol a SELECT must end.',
    });
  }
  const table = new ChangelogTable();
  let n = 0;
  const want = limit + offset;
  try {
    if (want > 0) {
      for await (const change of result.changes) {
        table.apply(change);
        n += change.rows.length;
        if (n >= want || hooks.cancelled()) break;
      }
    }
  } finally {
    result.cancel();
  }
  if (hooks.cancelled()) throw new FreshetError(SqlState.queryCanceled, 'canceling statement due to user request');
  const rows = table.toRows().slice(offset, want);
  return { kind: 'rows', command: 'SELECT', columns: result.columns, rows, warnings: result.warnings };
}

/** The columns a SUBSCRIBE sends, without starting it (Describe of a prepared statement). */
export async function subscribeColumns(session: Session, st: A.SubscribeStatement, sql: string): Promise<ResultColumn[]> {
  const options = subscribeOptions(st.options, (m, o, hint) => new FreshetError(SqlState.invalidParameterValue, m, { hint }).at(sql, o.loc.start));
  const query: A.QueryStatement = st.target.kind === 'query'
    ? { kind: 'queryStatement', query: st.target.query, loc: st.loc }
    : { kind: 'queryStatement', loc: st.loc, query: { kind: 'query', orderBy: [], loc: st.loc, body: { kind: 'select', hints: [], distinct: false, items: [{ kind: 'star', loc: st.loc }], from: [{ kind: 'table', name: st.target.name, hints: [], loc: st.target.loc }], windows: [], loc: st.loc } } };
  const plan = await planQuery(session, query, sql);
  return subscriptionColumns(plan.columns.map((c) => c.name), plan.columns.map((c) => c.type), options.progress);
}
