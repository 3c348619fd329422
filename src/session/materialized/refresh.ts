/**
 * One refresh of a scheduled (or manually refreshed) materialized table, FULL or INCREMENTAL.
 *
 * FULL: a batch `INSERT OVERWRITE` of the query, every table-store source pinned to the snapshot taken
 * at the start of the run (so the snapshot ids recorded are exactly what the result reflects). With a
 * partition to refresh, only that partition is overwritten: `INSERT OVERWRITE mt PARTITION (p = '..')
 * SELECT <the other columns> FROM (<query>) WHERE p = '..'`.
 *
 * INCREMENTAL: the streaming plan of `INSERT INTO mt <query>` over each source's changes between the
 * snapshot recorded at the last refresh and the latest one ('incremental-between'), with the operators'
 * state restored from the previous run. The run ends with a final checkpoint that holds the new state
 * and the table-store sink's prepared files; then the files are committed with the run's checkpoint id
 * and a commit user that stays the same across runs, so a run interrupted after its checkpoint commits
 * again as a no-op. Which source snapshots a checkpoint reflects is written to the status as `pending`
 * before the run starts: the next run adopts them when that checkpoint completed, and drops them when
 * it did not.
 *
 * Not every query can be refreshed incrementally: the sources must all be table-store tables, the table
 * must have a primary key (changes are applied as upserts and deletes), and the plan may hold only
 * operators whose result does not depend on when input arrived (no windows, no watermarks, no lookups,
 * no processing-time deduplication). Otherwise, and when the changes are a large share of what a FULL
 * run reads, the run is FULL, and the record says why.
 */
import { randomUUID } from 'node:crypto';
import type { ObjectIdentifier, CatalogTable } from '../../catalog/objects.ts';
import { plainName, quoteIdent, identifierToString } from '../../catalog/objects.ts';
import { TableStoreCatalog, isManaged } from '../../catalog/table-store-catalog.ts';
import type { FileStoreTable } from '../../store/table.ts';
import type { PhysicalPlan } from '../../exec/physical-plan.ts';
import { physicalInputs } from '../../exec/physical-plan.ts';
import { StreamJob } from '../../exec/stream/driver.ts';
import { parseStatement } from '../../sql/parse.ts';
import { bindInsert } from '../../sql/bind/insert.ts';
import { bindQuery } from '../../sql/bind/query.ts';
import type * as A from '../../sql/ast.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import type { Engine } from '../engine.ts';
import type { Session, StatementContext } from '../session.ts';
import { planStreaming, streamRunOptions } from '../statements/streaming.ts';
import type { StreamPlan } from '../../planner/stream/stream-planner.ts';
import type { MaterializedDefinition } from './definition.ts';
import type { IncrementalState, MaterializedStatus, RefreshRecord } from './status.ts';

/** A table the query reads, and its table-store table when it is one. */
export interface QuerySource {
  id: ObjectIdentifier;
  name: string;
  stored: FileStoreTable | undefined;
}

export interface RefreshRequest {
  engine: Engine;
  mt: ObjectIdentifier;
  mtTable: CatalogTable;
  def: MaterializedDefinition;
  status: MaterializedStatus;
  /** Persists the status (the pending incremental state is written before the run). */
  save: (s: MaterializedStatus) => Promise<void>;
  /** Session options for the run (RESUME WITH options). */
  options: Record<string, string>;
  partition: Record<string, string>;
  trigger: RefreshRecord['trigger'];
  scheduleTime?: number;
  /** FULL or INCREMENTAL as fixed by the definition; undefined: chosen by cost. */
  force?: 'FULL' | 'INCREMENTAL';
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A session to run the definition's query in: its catalog and database, the given options. */
export function definitionSession(engine: Engine, def: MaterializedDefinition, options: Record<string, string>): Session {
  const s = engine.createSession(options);
  s.catalogs.currentCatalog = def.catalog;
  s.catalogs.currentDatabase = def.database;
  return s;
}

function context(engine: Engine, session: Session, source: string): StatementContext {
  return { source, now: engine.clock.now(), timeZone: session.options.timeZone(), cancelled: false };
}

/** The stored table behind a catalog table, when it is a table-store table. */
export function storedTableOf(engine: Engine, id: ObjectIdentifier, t: CatalogTable): FileStoreTable | undefined {
  const c = engine.catalogs.get(id.catalog);
  if (!(c instanceof TableStoreCatalog) || !isManaged(t)) return undefined;
  return c.storedTable(id.database, id.name);
}

/** Binds the query to find the tables it reads (views expanded). */
export function querySources(engine: Engine, def: MaterializedDefinition): QuerySource[] {
  const session = definitionSession(engine, def, {});
  try {
    const found = new Map<string, QuerySource>();
    session.scanOptions = (id, t) => {
      const name = plainName(id);
      if (!found.has(name)) found.set(name, { id, name, stored: storedTableOf(engine, id, t) });
      return undefined;
    };
    const st = parseStatement(def.query);
    if (st.kind !== 'queryStatement') throw new FreshetError(SqlState.syntaxError, 'the definition of a materialized table must be a query');
    bindQuery(session.binder(context(engine, session, def.query)), st.query, null);
    return [...found.values()];
  } finally {
    engine.releaseSession(session);
  }
}

/** Latest snapshot id of each table-store source (0: no snapshot yet). */
async function latestSnapshots(sources: QuerySource[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const s of sources) if (s.stored) out[s.name] = (await s.stored.snapshots.latestId()) ?? 0;
  return out;
}

/** Commit time of the newest of the given source snapshots (null: none). */
export async function sourceTime(sources: QuerySource[], snapshots: Record<string, number>): Promise<number | null> {
  let t: number | null = null;
  for (const s of sources) {
    const id = snapshots[s.name];
    if (!s.stored || !id) continue;
    const snap = await s.stored.snapshots.trySnapshot(id);
    if (snap && (t === null || snap.timeMillis > t)) t = snap.timeMillis;
  }
  return t;
}

/** The insert statement text a refresh runs (the query as a derived table, so any query shape works). */
function insertText(mt: ObjectIdentifier, def: MaterializedDefinition, overwrite: boolean, columns: string[], partition: Record<string, string>): string {
  const target = identifierToString(mt);
  const parts = Object.entries(partition);
  if (parts.length === 0) {
    const hint = overwrite ? " /*+ OPTIONS('dynamic-partition-overwrite' = 'false') */" : '';
    return `INSERT ${overwrite ? 'OVERWRITE' : 'INTO'} ${target}${hint} SELECT * FROM (\n${def.query}\n) AS mt_query`;
  }
  const lit = (v: string): string => `'${v.replace(/'/g, "''")}'`;
  const rest = columns.filter((c) => !(c in partition)).map(quoteIdent).join(', ');
  const spec = parts.map(([k, v]) => `${quoteIdent(k)} = ${lit(v)}`).join(', ');
  const where = parts.map(([k, v]) => `mt_query.${quoteIdent(k)} = ${lit(v)}`).join(' AND ');
  return `INSERT OVERWRITE ${target} PARTITION (${spec}) SELECT ${rest} FROM (\n${def.query}\n) AS mt_query WHERE ${where}`;
}

/** Runs FULL: a batch overwrite with the sources pinned at `snapshots`. Returns the rows written. */
async function runFull(req: RefreshRequest, sources: QuerySource[], snapshots: Record<string, number>): Promise<number> {
  const session = definitionSession(req.engine, req.def, { ...req.options, 'execution.runtime-mode': 'batch', 'table.dml-sync': 'true' });
  try {
    session.scanOptions = (id) => {
      const s = snapshots[plainName(id)];
      return s ? { 'scan.snapshot-id': String(s) } : undefined;
    };
    const columns = req.mtTable.schema.columns.filter((c) => c.kind === 'physical').map((c) => c.name);
    const r = await session.execute(insertText(req.mt, req.def, true, columns, req.partition));
    return r.kind === 'ok' ? r.rowCount ?? 0 : 0;
  } finally {
    req.engine.releaseSession(session);
  }
}

const INCREMENTAL_OPERATORS = new Set(['TableSourceScan', 'Calc', 'Correlate', 'Expand', 'GroupAggregate', 'StreamJoin', 'StreamSetOp', 'Rank', 'Union', 'Values', 'Sink', 'WatermarkAssigner']);

/** Why the plan cannot run incrementally, or undefined when it can. */
function notIncremental(p: PhysicalPlan): string | undefined {
  if (!INCREMENTAL_OPERATORS.has(p.kind)) return `the query uses ${p.kind}, whose result depends on when rows arrive`;
  for (const i of physicalInputs(p)) {
    const why = notIncremental(i);
    if (why) return why;
  }
  return undefined;
}

/** Whether a query over these sources, into this table, can refresh incrementally at all. */
export function incrementalBlocker(mtTable: CatalogTable, sources: QuerySource[]): string | undefined {
  const other = sources.find((s) => s.stored === undefined);
  if (other) return `source ${other.name} is not a table-store table, so its changes cannot be read`;
  if (!mtTable.schema.primaryKey) return 'the table has no primary key to apply changes by; declare PRIMARY KEY (..) NOT ENFORCED';
  return undefined;
}

/** Rows changed in the sources since the recorded snapshots, and rows a FULL run reads. */
async function changeEstimate(sources: QuerySource[], from: Record<string, number>, to: Record<string, number>): Promise<{ changed: number; total: number }> {
  let changed = 0;
  let total = 0;
  for (const s of sources) {
    if (!s.stored) continue;
    const end = to[s.name] ?? 0;
    if (end > 0) total += (await s.stored.snapshots.trySnapshot(end))?.totalRecordCount ?? 0;
    for (let id = (from[s.name] ?? 0) + 1; id <= end; id++) {
      const snap = await s.stored.snapshots.trySnapshot(id);
      // a compaction rewrites rows without changing them
      if (snap && snap.commitKind !== 'COMPACT') changed += Math.abs(snap.deltaRecordCount);
    }
  }
  return { changed, total };
}

/** Plans `INSERT INTO mt <query>` for the streaming runtime, each source read with the options `scan` gives. */
function planInto(req: RefreshRequest, session: Session, scan: (source: string) => Record<string, string>): { sp: StreamPlan; ctx: StatementContext } {
  session.scanOptions = (id) => scan(plainName(id));
  const text = insertText(req.mt, req.def, false, [], {});
  const ctx = context(req.engine, session, text);
  return { sp: planStreaming(bindInsert(session.binder(ctx), parseStatement(text) as A.InsertStatement), ctx), ctx };
}

/** Runs INCREMENTAL from `state` (undefined: from empty) to `snapshots`. Returns rows written. */
async function runIncremental(req: RefreshRequest, state: IncrementalState | undefined, snapshots: Record<string, number>): Promise<number> {
  const engine = req.engine;
  const status = req.status;
  status.incrementalJobId ??= randomUUID().replace(/-/g, '');
  status.incrementalCommitUser ??= randomUUID();
  const storage = engine.jobStore.checkpoints(status.incrementalJobId, 1);
  const previous = state === undefined ? undefined : await storage.read(state.checkpointId);
  const nextId = (await storage.highestId()) + 1;
  status.pendingIncremental = { checkpointId: nextId, sourceSnapshots: snapshots };
  await req.save(status);
  const session = definitionSession(engine, req.def, {
    'table.exec.mini-batch.enabled': 'true', 'table.exec.mini-batch.allow-latency': '1 h', 'table.exec.mini-batch.size': '1000000',
    ...req.options, 'execution.runtime-mode': 'streaming',
  });
  try {
    // 'auto': the changelog files when the source has a changelog producer (cheapest), else the exact diff
    const { sp, ctx } = planInto(req, session, (name) => ({ 'incremental-between': `${state?.sourceSnapshots[name] ?? 0},${snapshots[name] ?? 0}` }));
    const opts = streamRunOptions(session, ctx, sp);
    opts.checkpointInterval = 0;
    opts.checkpointStorage = storage;
    opts.lastCheckpointId = nextId - 1;
    opts.commitUser = status.incrementalCommitUser;
    opts.restoreFrom = previous?.pipeline;
    const job = new StreamJob(sp.plan, opts);
    await job.start({ push: () => {}, end: () => {} });
    const stats = await job.done;
    return stats.written.reduce((a, b) => a + b, 0);
  } finally {
    engine.releaseSession(session);
  }
}

/**
 * Settles what an interrupted incremental run left: when its checkpoint completed, its files are
 * committed (again: a no-op if they were) and its snapshots adopted; otherwise it is forgotten.
 */
async function settlePending(req: RefreshRequest): Promise<IncrementalState | undefined> {
  const status = req.status;
  const pending = status.pendingIncremental;
  if (pending === undefined || status.incrementalJobId === undefined) return status.incremental;
  const storage = req.engine.jobStore.checkpoints(status.incrementalJobId, 1);
  const done = (await storage.completed()).includes(pending.checkpointId);
  if (done) {
    const c = await storage.read(pending.checkpointId);
    const session = definitionSession(req.engine, req.def, { ...req.options, 'execution.runtime-mode': 'streaming' });
    try {
      const { sp, ctx } = planInto(req, session, () => ({ 'incremental-between': '0,0' }));
      const opts = streamRunOptions(session, ctx, sp);
      opts.checkpointInterval = 0;
      opts.checkpointStorage = storage;
      opts.commitUser = status.incrementalCommitUser;
      opts.resumeFrom = c;
      const job = new StreamJob(sp.plan, opts);
      await job.start({ push: () => {}, end: () => {} });
      await job.done;
    } finally {
      req.engine.releaseSession(session);
    }
    status.incremental = pending;
  }
  status.pendingIncremental = undefined;
  return status.incremental;
}

/**
 * Forgets the incremental state (after a FULL run, or a query change, the next incremental run starts
 * from empty). The next runs also get a new checkpoint directory and commit user: their checkpoint ids
 * start again at 1, and the table store would take a commit under an identifier the old user already
 * committed for a replay, and skip it.
 */
export async function resetIncremental(engine: Engine, status: MaterializedStatus): Promise<void> {
  const old = status.incrementalJobId;
  status.incremental = undefined;
  status.pendingIncremental = undefined;
  status.incrementalJobId = undefined;
  status.incrementalCommitUser = undefined;
  if (old !== undefined) await engine.jobStore.dropCheckpoints(old);
}

/** Runs one refresh; returns its record (with `error` set when it failed: the table keeps its content). */
export async function refresh(req: RefreshRequest): Promise<RefreshRecord> {
  const started = Date.now();
  const time = req.engine.clock.now();
  const base = { time, scheduleTime: req.scheduleTime, trigger: req.trigger, partition: Object.keys(req.partition).length > 0 ? req.partition : undefined };
  let mode: 'FULL' | 'INCREMENTAL' = 'FULL';
  let reason = '';
  let snapshots: Record<string, number> = {};
  try {
    const sources = querySources(req.engine, req.def);
    snapshots = await latestSnapshots(sources);
    const state = await settlePending(req);
    ({ mode, reason } = await chooseRun(req, sources, state, snapshots));
    let rows: number;
    if (mode === 'INCREMENTAL') {
      const unchanged = state !== undefined && Object.entries(snapshots).every(([k, v]) => state.sourceSnapshots[k] === v);
      if (unchanged) rows = 0;
      else {
        rows = await runIncremental(req, state, snapshots);
        const status = req.status;
        status.incremental = status.pendingIncremental;
        status.pendingIncremental = undefined;
      }
    } else {
      rows = await runFull(req, sources, snapshots);
      // the incremental state no longer matches the table; a partition refresh leaves the rest as it was
      if (Object.keys(req.partition).length === 0 || req.status.incremental !== undefined) await resetIncremental(req.engine, req.status);
    }
    return { ...base, durationMs: Date.now() - started, mode, reason, rowsChanged: rows, sourceSnapshots: snapshots, sourceTime: await sourceTime(sources, snapshots) };
  } catch (e) {
    return { ...base, durationMs: Date.now() - started, mode, reason, rowsChanged: 0, sourceSnapshots: snapshots, sourceTime: null, error: message(e) };
  }
}

/** FULL or INCREMENTAL for this run, and why. */
async function chooseRun(req: RefreshRequest, sources: QuerySource[], state: IncrementalState | undefined, snapshots: Record<string, number>): Promise<{ mode: 'FULL' | 'INCREMENTAL'; reason: string }> {
  if (Object.keys(req.partition).length > 0) return { mode: 'FULL', reason: `refresh of partition ${Object.entries(req.partition).map(([k, v]) => `${k}=${v}`).join(', ')}` };
  if (req.force === 'FULL') return { mode: 'FULL', reason: 'REFRESH_MODE = FULL' };
  const blocker = incrementalBlocker(req.mtTable, sources) ?? planBlocker(req);
  if (blocker) return { mode: 'FULL', reason: req.force === 'INCREMENTAL' ? `falls back to FULL: ${blocker}` : blocker };
  if (req.force === 'INCREMENTAL') return { mode: 'INCREMENTAL', reason: 'REFRESH_MODE = INCREMENTAL' };
  if (state === undefined) {
    return { mode: 'INCREMENTAL', reason: 'first incremental run: no operator state yet, the sources are read in full once' };
  }
  const { changed, total } = await changeEstimate(sources, state.sourceSnapshots, snapshots);
  const session = definitionSession(req.engine, req.def, req.options);
  const ratio = Number(session.options.get('materialized-table.incremental.max-change-ratio'));
  req.engine.releaseSession(session);
  const share = total === 0 ? 0 : changed / total;
  const pct = (x: number): string => `${(x * 100).toFixed(x < 0.01 ? 2 : 1)}%`;
  return share <= ratio
    ? { mode: 'INCREMENTAL', reason: `cost: ${changed} changed source rows are ${pct(share)} of the ${total} a FULL run reads (at most ${pct(ratio)})` }
    : { mode: 'FULL', reason: `cost: ${changed} changed source rows are ${pct(share)} of the ${total} a FULL run reads (more than ${pct(ratio)})` };
}

/** Why the query's streaming plan cannot run incrementally (undefined: it can). */
function planBlocker(req: RefreshRequest): string | undefined {
  const session = definitionSession(req.engine, req.def, { ...req.options, 'execution.runtime-mode': 'streaming' });
  try {
    return notIncremental(planInto(req, session, () => ({ 'incremental-between': '0,0' })).sp.plan);
  } catch (e) {
    return `the query cannot be planned incrementally: ${message(e)}`;
  } finally {
    req.engine.releaseSession(session);
  }
}
