/**
 * Savepoints: the state a job left when it was stopped WITH SAVEPOINT, kept for another job of the
 * same query to start from (`SET 'execution.savepoint.path'`). A savepoint is a directory of its own
 * under `state.savepoints.dir`:
 *
 *   savepoint-<first 6 of the job id>-<12 random hex digits>/
 *     _savepoint.json            which job wrote it, from which checkpoint, when (written first)
 *     chk-<n>/state              the checkpoint at the job's last cut, as checkpoint-storage.ts writes it
 *     chk-<n>/_COMPLETED         its size and SHA-256, created last
 *
 * It is self-contained: a checkpoint store of its own holding one complete checkpoint, written in full,
 * so it does not depend on the job's checkpoint directory (which is deleted when the job stops), and it
 * has the same completion marker and checksum. It exists once that marker does. Its committables were
 * committed before it was written, so a job started from it commits nothing again (see driver.ts).
 */
import { randomBytes } from 'node:crypto';
import { joinPath, type FileIO } from '../../fs/file-io.ts';
import { FreshetError, SqlState, internalError } from '../../util/errors.ts';
import { CheckpointStorage, type CheckpointData, type CompletedCheckpoint } from './checkpoint-storage.ts';

export interface SavepointInfo {
  format: 'freshet-savepoint';
  version: 1;
  jobId: string;
  jobName: string;
  /** The statement of the job that wrote it. */
  statement: string;
  /** The id of the checkpoint it holds. */
  checkpointId: number;
  /** When it was taken (epoch ms). */
  time: number;
}

const INFO_FILE = '_savepoint.json';

/** A new savepoint directory under `dir`, named like Flink's: savepoint-<job id prefix>-<random>. */
export function newSavepointPath(dir: string, jobId: string): string {
  return joinPath(dir, `savepoint-${jobId.slice(0, 6)}-${randomBytes(6).toString('hex')}`);
}

/** Writes the savepoint at `path` (a new directory): its description, then its one checkpoint. */
export async function writeSavepoint(io: FileIO, path: string, data: CheckpointData, info: Omit<SavepointInfo, 'format' | 'version' | 'checkpointId' | 'time'>): Promise<{ size: number }> {
  // a savepoint outlives the job: its state is written here whole, never as a reference into the
  // job's chain of incremental state files (see driver.ts, which captures a savepoint's state in full)
  if (data.stateFiles !== undefined) throw internalError(`the savepoint ${path} was handed state files of a checkpoint chain instead of its state`);
  const full: SavepointInfo = { format: 'freshet-savepoint', version: 1, ...info, checkpointId: data.id, time: data.time };
  await io.writeFile(joinPath(path, INFO_FILE), new TextEncoder().encode(JSON.stringify(full, null, 2)));
  return new CheckpointStorage(io, path, 1).write(data);
}

function unusable(path: string, e: unknown): FreshetError {
  const why = e instanceof Error ? e.message : String(e);
  const state = e instanceof FreshetError ? e.sqlState : SqlState.invalidParameterValue;
  return new FreshetError(state, `savepoint ${path} cannot be used: ${why}`, {
    hint: "Give the path STOP JOB .. WITH SAVEPOINT printed, or RESET 'execution.savepoint.path' to start without a savepoint.",
  });
}

/** Reads the savepoint at `path`; fails naming the path (and the damaged file) when it is missing or damaged. */
export async function readSavepoint(io: FileIO, path: string): Promise<{ checkpoint: CompletedCheckpoint; info: SavepointInfo | undefined }> {
  const storage = new CheckpointStorage(io, path, 1);
  let ids: number[];
  try {
    ids = await storage.completed();
  } catch (e) {
    throw unusable(path, e);
  }
  if (ids.length === 0) {
    const exists = (await io.list(path).catch(() => [])).length > 0;
    throw unusable(path, exists ? 'it holds no complete checkpoint (it was cut short, or is not a savepoint)' : 'there is nothing at that path');
  }
  let checkpoint: CompletedCheckpoint;
  try {
    checkpoint = await storage.read(ids[ids.length - 1]!);
  } catch (e) {
    throw unusable(path, e);
  }
  let info: SavepointInfo | undefined;
  try {
    info = JSON.parse(new TextDecoder().decode(await io.readAll(joinPath(path, INFO_FILE)))) as SavepointInfo;
  } catch {
    // the description is for people; the checkpoint itself is checked by its marker
    info = undefined;
  }
  return { checkpoint, info };
}
