/**
 * The run-time record of a materialized table, next to its data:
 *
 *   <table>/materialized/status.json
 *
 * status (INITIALIZING → ACTIVATED ⇄ SUSPENDED), the continuous job's id, the last successful refresh
 * (when, how long, how, rows changed, the source snapshots it reflects), the last error, when the
 * schedule last ran, and a short history. Written whole after each change (writeFile replaces
 * atomically); dropping the table removes it with the table's directory.
 */
import { joinPath, type FileIO } from '../../fs/file-io.ts';
import { decodeJson, encodeJson } from '../../store/json-file.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';

export type MaterializedStatusName = 'INITIALIZING' | 'ACTIVATED' | 'SUSPENDED';

export interface RefreshRecord {
  /** When the run started (epoch ms). */
  time: number;
  /** The schedule time it ran for (scheduled runs). */
  scheduleTime?: number;
  durationMs: number;
  /** How it ran: FULL or INCREMENTAL (scheduled and manual runs), CONTINUOUS (a job's commit). */
  mode: 'FULL' | 'INCREMENTAL' | 'CONTINUOUS';
  /** Why this mode (the cost decision, a fallback). */
  reason: string;
  trigger: 'schedule' | 'manual' | 'create' | 'query change' | 'catch-up';
  /** Rows the run wrote to the table (inserted, updated or deleted). */
  rowsChanged: number;
  /** The partition it refreshed (empty: the whole table). */
  partition?: Record<string, string>;
  /** Source table → snapshot id the result reflects. */
  sourceSnapshots: Record<string, number>;
  /** Commit time of the newest source snapshot it reflects (for the data lag). */
  sourceTime: number | null;
  error?: string;
}

export interface IncrementalState {
  checkpointId: number;
  sourceSnapshots: Record<string, number>;
}

export interface MaterializedStatus {
  format: 'freshet-materialized-table';
  version: 1;
  status: MaterializedStatusName;
  /** The job of a continuous table (also kept while suspended: it resumes from its last checkpoint). */
  jobId?: string;
  /** Where incremental runs keep their checkpoints, and who commits them (stable across runs). */
  incrementalJobId?: string;
  incrementalCommitUser?: string;
  /** The checkpoint holding the operator state of the last incremental run, and the snapshots it reflects. */
  incremental?: IncrementalState;
  /** Written before an incremental run: adopted by the next run if its checkpoint completed. */
  pendingIncremental?: IncrementalState;
  /** Options given with RESUME WITH (..): the session options of the table's job or refreshes. */
  resumeOptions?: Record<string, string>;
  /** The last schedule time a scheduled run was made for. */
  lastScheduleTime?: number;
  lastRefresh?: RefreshRecord;
  lastError?: { time: number; message: string };
  /** Newest first, at most HISTORY entries. */
  history: RefreshRecord[];
}

const HISTORY = 20;

export function newStatus(): MaterializedStatus {
  return { format: 'freshet-materialized-table', version: 1, status: 'INITIALIZING', history: [] };
}

export function statusPath(tablePath: string): string {
  return joinPath(tablePath, 'materialized', 'status.json');
}

export async function readStatus(io: FileIO, tablePath: string): Promise<MaterializedStatus | undefined> {
  const path = statusPath(tablePath);
  if (!(await io.stat(path))) return undefined;
  const s = decodeJson(await io.readAll(path), 'materialized table status', path) as MaterializedStatus;
  if (s?.format !== 'freshet-materialized-table' || !Array.isArray(s.history)) {
    throw new FreshetError(SqlState.dataCorrupted, `file ${path} is not the status of a materialized table`, { hint: 'Drop and create the materialized table again.' });
  }
  return s;
}

export async function writeStatus(io: FileIO, tablePath: string, s: MaterializedStatus): Promise<void> {
  await io.writeFile(statusPath(tablePath), encodeJson(s));
}

/** Records a finished run (successful or failed). */
export function recordRun(s: MaterializedStatus, r: RefreshRecord): void {
  if (r.error === undefined) s.lastRefresh = r;
  else s.lastError = { time: r.time, message: r.error };
  s.history = [r, ...s.history].slice(0, HISTORY);
}
