/**
 * The records of continuous jobs in the warehouse, so that a job outlives the process that started it:
 *
 *   <warehouse>/_jobs/<job id>/job.json     the statement, the session options and catalog/database it
 *                                           ran with, its commit user, and its status
 *   <warehouse>/_jobs/<job id>/chk-<n>/     its checkpoints (exec/stream/checkpoint-storage.ts)
 *
 * Only jobs with checkpoints (`execution.checkpointing.interval` > 0) that run in the background get a
 * record. A record whose status is RUNNING or RESTARTING (a failed job waiting for its restart) is
 * resumed by the next engine opened on the warehouse. Once a job has finished, been stopped or
 * cancelled (and that is recorded) its checkpoints are deleted; a failed job keeps them.
 */
import { randomUUID } from 'node:crypto';
import { joinPath, type FileIO } from '../fs/file-io.ts';
import { CheckpointStorage } from '../exec/stream/checkpoint-storage.ts';

/**
 * RESTARTING: failed, waiting for its restart (resumed at start); SUSPENDED: stopped with a last
 * checkpoint to resume from when asked (a suspended materialized table), not at start.
 */
export type JobRecordStatus = 'RUNNING' | 'RESTARTING' | 'SUSPENDED' | 'FINISHED' | 'STOPPED' | 'CANCELED' | 'FAILED';

export interface JobRecord {
  format: 'freshet-job';
  version: 1;
  id: string;
  name: string;
  /** The INSERT (or statement set) text. */
  statement: string;
  /** The session's options (as SET) when the job was submitted. */
  options: Record<string, string>;
  catalog: string;
  database: string;
  /** Who commits to exactly-once sinks: the same in every run of the job. */
  commitUser: string;
  status: JobRecordStatus;
  /** When the job was first submitted (epoch ms). */
  submitted: number;
  /** Why it failed, once it has. */
  error?: string;
  /** How often it was restarted after a failure, and the failure that caused the last restart. */
  restarts?: number;
  lastFailure?: string;
  /** The savepoint it started from: where a restart begins while the job has no checkpoint of its own. */
  savepoint?: string;
}

/** Whether a job with this status runs on when an engine opens on the warehouse. */
export function resumable(status: JobRecordStatus): boolean {
  return status === 'RUNNING' || status === 'RESTARTING';
}

/** Jobs running in this process, by directory: a second engine on the same warehouse leaves them alone. */
const live = new Set<string>();

export class JobStore {
  private readonly io: FileIO;
  private readonly root: string;

  constructor(io: FileIO, warehouse: string) {
    this.io = io;
    this.root = joinPath(warehouse, '_jobs');
  }

  /** A new record (not saved yet). */
  newRecord(fields: Pick<JobRecord, 'id' | 'name' | 'statement' | 'options' | 'catalog' | 'database' | 'savepoint'>): JobRecord {
    return { format: 'freshet-job', version: 1, ...fields, commitUser: randomUUID(), status: 'RUNNING', submitted: Date.now() };
  }

  /** Marks job `id` as running in this process until `ended` settles. */
  markLive(id: string, ended: Promise<unknown>): void {
    const key = this.dir(id);
    live.add(key);
    const drop = (): void => { live.delete(key); };
    ended.then(drop, drop);
  }

  /** Whether job `id` runs in this process (an engine opened earlier on the same warehouse runs it). */
  isLive(id: string): boolean {
    return live.has(this.dir(id));
  }

  dir(id: string): string {
    return joinPath(this.root, id);
  }

  private file(id: string): string {
    return joinPath(this.dir(id), 'job.json');
  }

  async save(r: JobRecord): Promise<void> {
    await this.io.writeFile(this.file(r.id), new TextEncoder().encode(JSON.stringify(r, null, 2)));
  }

  /** One job's record, or undefined when it has none. */
  async read(id: string): Promise<JobRecord | undefined> {
    const path = this.file(id);
    if ((await this.io.stat(path)) === undefined) return undefined;
    return JSON.parse(new TextDecoder().decode(await this.io.readAll(path))) as JobRecord;
  }

  /** Deletes a job's checkpoints (it ended for good; its record stays, for SHOW JOBS history). */
  async dropCheckpoints(id: string): Promise<void> {
    for (const f of await this.io.list(this.dir(id))) {
      // chk-<n> directories, and the state files incremental checkpoints share
      if (f.isDirectory && (f.name.startsWith('chk-') || f.name === 'shared')) await this.io.delete(f.path);
    }
  }

  checkpoints(id: string, retained: number): CheckpointStorage {
    return new CheckpointStorage(this.io, this.dir(id), retained);
  }

  /** Every job record in the warehouse; records that cannot be read are reported as errors naming the file. */
  async list(): Promise<{ records: JobRecord[]; errors: string[] }> {
    const records: JobRecord[] = [];
    const errors: string[] = [];
    for (const d of await this.io.list(this.root)) {
      if (!d.isDirectory) continue;
      const path = joinPath(d.path, 'job.json');
      if ((await this.io.stat(path)) === undefined) continue;
      try {
        const r = JSON.parse(new TextDecoder().decode(await this.io.readAll(path))) as JobRecord;
        if (r.format !== 'freshet-job' || typeof r.statement !== 'string' || typeof r.id !== 'string') throw new Error('not a job record');
        records.push(r);
      } catch (e) {
        errors.push(`job file ${path} cannot be read: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    records.sort((a, b) => a.submitted - b.submitted);
    return { records, errors };
  }
}
