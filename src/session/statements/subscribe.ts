/**
 * SUBSCRIBE [TO] table | (query) [WITH (snapshot = true|false, progress = true|false)]: a query's
 * changelog as rows, for as long as the reader wants it. The query runs as a streaming job (a
 * table-store table is read as its latest snapshot in full, then every change committed after it), and
 * every change becomes a row of its own: `op` (+I, -U, +U, -D), `commit_time` (when the change was
 * committed to the table it stems from), then the query's columns. The result only ever grows (all its
 * rows are inserts), so it can be read through a cursor or COPY like any query.
 *
 * - snapshot = false leaves out what the starting snapshot yields: the job still reads it (an aggregate
 *   or a join needs the state it builds), but only changes made by later commits are shown, so the
 *   first update of an aggregate shows as -U of the value before and +U of the new one.
 * - progress = true adds a `progressed` column and rows with only `commit_time` set and `progressed`
 *   true, meaning every change committed before that time has been sent: one before the first change
 *   of a newer commit, and one whenever every source of the query has read all that is committed
 *   (table-store reads say so when they wait for the next commit), at the last commit's time + 1 ms.
 *
 * Sources that do not tell which commit a batch comes from (datagen, files) get the time the change
 * was emitted, and nothing of theirs counts as the starting snapshot.
 */
import type * as A from '../../sql/ast.ts';
import { bindQuery } from '../../sql/bind/query.ts';
import type { Operator, Clock } from '../../exec/operator.ts';
import { StreamJob } from '../../exec/stream/driver.ts';
import type { SourceCommit } from '../../connectors/connector.ts';
import { ROW_KIND_NAMES, constantColumn, nullColumn, type Batch, type Column } from '../../types/batch.ts';
import { T, notNull, physicalOf, nullable, type DataType } from '../../types/data-type.ts';
import { SqlState, type FreshetError } from '../../util/errors.ts';
import type { StreamResult } from '../result.ts';
import { ResultQueue } from '../result-queue.ts';
import type { Session, StatementContext } from '../session.ts';
import { endWithJob, planStreaming, streamRunOptions } from './streaming.ts';

export interface SubscribeOptions {
  snapshot: boolean;
  progress: boolean;
}

const BOOL_WORDS: Record<string, boolean> = { true: true, on: true, yes: true, '1': true, false: false, off: false, no: false, '0': false };

/** Makes the error for a bad option, located at it. */
export type OptionError = (message: string, option: A.PgOption, hint?: string) => FreshetError;

/** The WITH options of a SUBSCRIBE: `snapshot` (default true) and `progress` (default false). */
export function subscribeOptions(options: readonly A.PgOption[], error: OptionError): SubscribeOptions {
  const out: SubscribeOptions = { snapshot: true, progress: false };
  const seen = new Set<string>();
  for (const o of options) {
    if (o.name !== 'snapshot' && o.name !== 'progress') throw error(`SUBSCRIBE has no option ${o.name}`, o, 'Its options are snapshot = true|false and progress = true|false.');
    if (seen.has(o.name)) throw error(`SUBSCRIBE option ${o.name} is given twice`, o);
    seen.add(o.name);
    const v = o.value === undefined ? true : BOOL_WORDS[o.value.toLowerCase()];
    if (v === undefined) throw error(`SUBSCRIBE option ${o.name} must be true or false, not '${o.value}'`, o);
    out[o.name] = v;
  }
  return out;
}

/** `SELECT * FROM name`, for SUBSCRIBE TO name. */
function selectAll(name: A.QualifiedName, loc: A.Loc): A.Query {
  return {
    kind: 'query', orderBy: [], loc,
    body: { kind: 'select', hints: [], distinct: false, items: [{ kind: 'star', loc }], from: [{ kind: 'table', name, hints: [], loc }], windows: [], loc },
  };
}

/** `track`: Session.cancel() stops it too (false when the caller owns the result, see Session.openQuery). */
export async function executeSubscribe(session: Session, ctx: StatementContext, st: A.SubscribeStatement, track = true): Promise<StreamResult> {
  const b = session.binder(ctx, 'streaming');
  const options = subscribeOptions(st.options, (m, o, hint) => b.error(SqlState.invalidParameterValue, m, o.loc, hint));
  const query = st.target.kind === 'query' ? st.target.query : selectAll(st.target.name, st.target.loc);
  const q = bindQuery(b, query, null);
  const types = q.plan.schema.map((f) => f.type);
  const sp = planStreaming(q.plan, ctx);
  let current: SourceCommit | undefined;
  // per source: every change committed before this time has been read (it caught up with its table)
  const frontiers = new Map<number, number>();
  const caughtUp = (id: number, time: number): void => {
    frontiers.set(id, time + 1);
    const ids = job.sourceIds;
    if (ids.every((i) => frontiers.has(i))) output.progress(Math.min(...ids.map((i) => frontiers.get(i)!)));
  };
  const job: StreamJob = new StreamJob(sp.plan, { ...streamRunOptions(session, ctx, sp), onSourceBatch: (c) => { current = c; }, onSourceCaughtUp: caughtUp });
  const columns = subscriptionColumns(q.names, types, options.progress);
  const queue = new ResultQueue(columns.map((c) => c.type));
  const output = new SubscriptionOutput(queue, types, options, session.engine.clock, () => current);
  job.addWait(() => queue.space());
  // closing the queue also releases a job paused because its reader is behind
  const cancel = (): void => {
    job.cancel();
    queue.close();
  };
  queue.onAbandon = cancel;
  await b.locatedAsync(st.loc, () => job.start(output));
  if (track) session.track({ cancel, done: job.done });
  const result: StreamResult = {
    kind: 'stream', command: 'SUBSCRIBE', columns, changes: queue, cancel, changelog: 'append', warnings: [],
  };
  endWithJob(job, queue, result);
  return result;
}

/** op, commit_time, [progressed], then the query's columns. */
export function subscriptionColumns(names: readonly string[], types: readonly DataType[], progress: boolean): Array<{ name: string; type: DataType }> {
  return [
    { name: 'op', type: progress ? T.string() : notNull(T.string()) },
    { name: 'commit_time', type: notNull(T.timestampLtz(3)) },
    ...(progress ? [{ name: 'progressed', type: notNull(T.boolean()) }] : []),
    // a progress row has no values
    ...names.map((name, i) => ({ name, type: progress ? nullable(types[i]!) : types[i]! })),
  ];
}

/** The job's root: turns each batch of changes into rows of a subscription (columnar, one batch in, one out). */
class SubscriptionOutput implements Operator {
  private lastTime = -Infinity;
  private readonly queue: ResultQueue;
  private readonly types: readonly DataType[];
  private readonly options: SubscribeOptions;
  private readonly clock: Clock;
  /** The commit the batch being handled comes from. */
  private readonly commit: () => SourceCommit | undefined;

  constructor(queue: ResultQueue, types: readonly DataType[], options: SubscribeOptions, clock: Clock, commit: () => SourceCommit | undefined) {
    this.queue = queue;
    this.types = types;
    this.options = options;
    this.clock = clock;
    this.commit = commit;
  }

  push(batch: Batch): void {
    const n = batch.length;
    if (n === 0) return;
    const c = this.commit();
    if (c?.snapshot === true && !this.options.snapshot) return;
    const time = c?.time ?? this.clock.now();
    if (this.options.progress && time > this.lastTime) this.queue.push(this.progressRow(time));
    if (time > this.lastTime) this.lastTime = time;
    const ops = new Array<string>(n);
    const kinds = batch.kinds;
    for (let i = 0; i < n; i++) ops[i] = ROW_KIND_NAMES[kinds === null ? 0 : kinds[i]!]!;
    const columns: Column[] = [{ values: ops, nulls: null }, constantColumn(T.timestampLtz(3), time, n)];
    if (this.options.progress) columns.push(constantColumn(T.boolean(), false, n));
    columns.push(...batch.columns);
    this.queue.push({ columns, length: n, kinds: null });
  }

  /** Every change committed before `time` has been sent (all sources caught up): a progress row, if asked for. */
  progress(time: number): void {
    if (!this.options.progress || time <= this.lastTime) return;
    this.queue.push(this.progressRow(time));
    this.lastTime = time;
  }

  private progressRow(time: number): Batch {
    const columns: Column[] = [nullColumn('obj', 1), constantColumn(T.timestampLtz(3), time, 1), constantColumn(T.boolean(), true, 1)];
    for (const t of this.types) columns.push(nullColumn(physicalOf(t), 1));
    return { columns, length: 1, kinds: null };
  }

  end(): void {
    // the job closes the queue when it is done
  }
}
