/**
 * Durable checkpoints of one job, in a directory of the warehouse (local or S3):
 *
 *   <dir>/chk-<n>/state        node:v8 serialize of the CheckpointData (operator state, source
 *                              positions, the sinks' prepared committables)
 *   <dir>/chk-<n>/_COMPLETED   JSON {id, size, sha256} of `state`, created last and only if absent
 *
 * A checkpoint exists only once its `_COMPLETED` marker does: a process killed while writing one leaves a
 * directory without it, which readers ignore and the next completed checkpoint deletes. Reading checks
 * the state's size and checksum against the marker; a checkpoint whose files are missing, truncated or
 * corrupted is reported with an error that names the file, and the previous complete one is used.
 *
 * Retention keeps the newest `retained` complete checkpoints (at least one); older ones are deleted only
 * after a newer one is complete, so a crash while writing always leaves one to resume from.
 */
import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { joinPath, type FileIO } from '../../fs/file-io.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import type { PipelineSnapshot } from '../build.ts';

export const CHECKPOINT_FORMAT = 'freshet-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** What one checkpoint holds. */
export interface CheckpointData {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  id: number;
  /** Wall-clock time the checkpoint was taken (epoch ms). */
  time: number;
  /** v8 serialize of the PipelineSnapshot, taken at the cut (later changes to the operators do not leak in). */
  pipeline: Uint8Array;
  /** Per source runner (by runner id): where it was at the cut. */
  positions: Array<RunnerPosition | null>;
  /** Per sink writer (plan order): what its prepareCommit returned (undefined for one-phase sinks). */
  committables: unknown[];
  /** Set by the checkpoint a job takes when it ends: nothing is left to run, only to commit. */
  final?: 'FINISHED' | 'STOPPED';
}

/** A source runner's position: its source's last reported position, or that it had ended. */
export interface RunnerPosition {
  ended: boolean;
  source: unknown;
  /** What the source reads (its describe()), so a position is not restored into a source of another table. */
  reads?: string;
}

export interface CompletedCheckpoint {
  id: number;
  data: CheckpointData;
  pipeline: PipelineSnapshot;
  /** Bytes of the state file. */
  size: number;
}

export interface CheckpointWriteResult {
  size: number;
}

interface Marker {
  id: number;
  size: number;
  sha256: string;
}

const CHK = /^chk-(\d+)$/;

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function corrupted(path: string, what: string): FreshetError {
  return new FreshetError(SqlState.dataCorrupted, `checkpoint file ${path} ${what}`, {
    hint: 'The job resumes from the previous complete checkpoint, if one is retained (execution.checkpointing.num-retained).',
  });
}

export class CheckpointStorage {
  readonly io: FileIO;
  readonly dir: string;
  private readonly retained: number;

  constructor(io: FileIO, dir: string, retained = 1) {
    this.io = io;
    this.dir = dir;
    this.retained = Math.max(1, retained);
  }

  checkpointDir(id: number): string {
    return joinPath(this.dir, `chk-${id}`);
  }

  /** Writes checkpoint `data.id`: the state first, then the completion marker; then applies retention. */
  async write(data: CheckpointData): Promise<CheckpointWriteResult> {
    const dir = this.checkpointDir(data.id);
    const bytes = serialize(data);
    await this.io.writeFile(joinPath(dir, 'state'), bytes);
    const marker: Marker = { id: data.id, size: bytes.length, sha256: sha256(bytes) };
    const created = await this.io.tryCreate(joinPath(dir, '_COMPLETED'), new TextEncoder().encode(JSON.stringify(marker)));
    if (!created) {
      // a marker is there already: ours if its content is (a create retried after a lost answer), else
      // another run of this job wrote the same checkpoint id, which must not happen
      const existing = await this.readMarker(data.id).catch(() => undefined);
      if (existing?.sha256 !== marker.sha256) {
        throw new FreshetError(SqlState.objectInUse, `checkpoint ${data.id} of ${this.dir} was completed by another run of the job`, {
          hint: 'Only one engine may run a job: is another server running on the same warehouse?',
        });
      }
    }
    await this.prune(data.id).catch(() => undefined);
    return { size: bytes.length };
  }

  /** Ids of the checkpoint directories (complete or not), ascending. */
  private async ids(): Promise<number[]> {
    const out: number[] = [];
    for (const f of await this.io.list(this.dir)) {
      const m = CHK.exec(f.name);
      if (m && f.isDirectory) out.push(Number(m[1]));
    }
    return out.sort((a, b) => a - b);
  }

  /** Ids of complete checkpoints (those with a marker), ascending. */
  async completed(): Promise<number[]> {
    const out: number[] = [];
    for (const id of await this.ids()) {
      if (await this.io.stat(joinPath(this.checkpointDir(id), '_COMPLETED'))) out.push(id);
    }
    return out;
  }

  /** The highest checkpoint id used so far (complete or not): a resumed job numbers on from here. */
  async highestId(): Promise<number> {
    const ids = await this.ids();
    return ids.length === 0 ? 0 : ids[ids.length - 1]!;
  }

  private async readMarker(id: number): Promise<Marker> {
    const path = joinPath(this.checkpointDir(id), '_COMPLETED');
    let text: string;
    try {
      text = new TextDecoder().decode(await this.io.readAll(path));
    } catch (e) {
      throw corrupted(path, `cannot be read: ${e instanceof Error ? e.message : String(e)}`);
    }
    let m: Marker;
    try {
      m = JSON.parse(text) as Marker;
    } catch {
      throw corrupted(path, 'is not valid JSON');
    }
    if (typeof m !== 'object' || m === null || m.id !== id || typeof m.size !== 'number' || typeof m.sha256 !== 'string') {
      throw corrupted(path, `does not describe checkpoint ${id}`);
    }
    return m;
  }

  /** Reads one complete checkpoint; fails with an error naming the file that is missing or corrupted. */
  async read(id: number): Promise<CompletedCheckpoint> {
    const marker = await this.readMarker(id);
    const path = joinPath(this.checkpointDir(id), 'state');
    const st = await this.io.stat(path);
    if (st === undefined) throw corrupted(path, 'is missing');
    const bytes = await this.io.readAll(path);
    if (bytes.length !== marker.size) throw corrupted(path, `has ${bytes.length} bytes, the checkpoint wrote ${marker.size}`);
    const sum = sha256(bytes);
    if (sum !== marker.sha256) {
      // where the content first differs cannot be known; the checksum says that it does
      throw corrupted(path, `is corrupted: its SHA-256 is ${sum}, the checkpoint wrote ${marker.sha256}`);
    }
    let data: CheckpointData;
    let pipeline: PipelineSnapshot;
    try {
      data = deserialize(bytes) as CheckpointData;
      pipeline = deserialize(data.pipeline) as PipelineSnapshot;
    } catch (e) {
      throw corrupted(path, `cannot be decoded: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (data?.format !== CHECKPOINT_FORMAT) throw corrupted(path, 'is not a checkpoint');
    if (data.version !== CHECKPOINT_VERSION) {
      throw new FreshetError(SqlState.dataCorrupted, `checkpoint file ${path} has format version ${data.version}, this version of Freshet reads version ${CHECKPOINT_VERSION}`);
    }
    return { id, data, pipeline, size: bytes.length };
  }

  /**
   * The newest complete checkpoint that reads back intact. Errors met on newer ones (each naming its
   * file) are passed to `onError`; when none is readable and some failed, the last error is thrown.
   */
  async latest(onError: (e: unknown) => void = () => {}): Promise<CompletedCheckpoint | undefined> {
    const ids = await this.completed();
    let last: unknown;
    for (let i = ids.length - 1; i >= 0; i--) {
      try {
        return await this.read(ids[i]!);
      } catch (e) {
        onError(e);
        last = e;
      }
    }
    if (last !== undefined) throw last;
    return undefined;
  }

  /** Deletes complete checkpoints beyond the newest `retained` and incomplete ones older than `newest`. */
  private async prune(newest: number): Promise<void> {
    const done = new Set(await this.completed());
    const keep = [...done].filter((id) => id <= newest).sort((a, b) => b - a).slice(0, this.retained);
    for (const id of await this.ids()) {
      if (id >= newest || keep.includes(id)) continue;
      await this.io.delete(this.checkpointDir(id));
    }
  }
}
