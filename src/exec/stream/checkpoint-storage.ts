/**
 * Durable checkpoints of one job, in a directory of the warehouse (local or S3):
 *
 *   <dir>/chk-<n>/state        node:v8 serialize of the CheckpointData (source positions, the sinks'
 *                              prepared committables, and the operator state or the list of shared
 *                              state files that make it up)
 *   <dir>/chk-<n>/_COMPLETED   JSON {id, size, sha256} of `state`, created last and only if absent
 *   <dir>/shared/<n>-base-<r>  incremental checkpoints: the full operator state (a PipelineSnapshot)
 *   <dir>/shared/<n>-delta-<r> incremental checkpoints: what changed since the checkpoint before
 *
 * Incremental checkpoints (`execution.checkpointing.incremental`): a checkpoint writes either a full
 * base or a delta (only the state of keys and rows written since the previous checkpoint, see
 * state-delta.ts) to an immutable file under shared/, and its `state` lists the chain its operator
 * state is made of: the base, then every delta since, oldest first, each with its size and SHA-256.
 * A new base is written when the chain has `maxDeltas` deltas or the deltas add up to more bytes than
 * the base, so recovery reads a bounded chain. Shared files are never rewritten, so checkpoints that
 * share a base share its file.
 *
 * A checkpoint exists only once its `_COMPLETED` marker does: a process killed while writing one leaves a
 * directory without it (and maybe a shared file nothing refers to), which readers ignore and the next
 * completed checkpoint deletes. Reading checks the size and checksum of every file against what the
 * checkpoint recorded; a checkpoint whose files are missing, truncated or corrupted is reported with an
 * error that names the file, and the previous complete one is used.
 *
 * Retention keeps the newest `retained` complete checkpoints (at least one); older ones are deleted only
 * after a newer one is complete, so a crash while writing always leaves one to resume from. A shared
 * file is deleted once no kept checkpoint lists it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { joinPath, type FileIO } from '../../fs/file-io.ts';
import { FreshetError, SqlState, internalError } from '../../util/errors.ts';
import { applyPipelineDelta, type PipelineSnapshot } from '../build.ts';

export const CHECKPOINT_FORMAT = 'freshet-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** What one checkpoint holds. */
export interface CheckpointData {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  id: number;
  /** Wall-clock time the checkpoint was taken (epoch ms). */
  time: number;
  /**
   * v8 serialize of the PipelineSnapshot, taken at the cut (later changes to the operators do not leak
   * in). With incremental checkpoints it is handed to `write` as a full base or a delta, and stored
   * in a shared file instead (empty here; see `stateFiles`).
   */
  pipeline: Uint8Array;
  /** Incremental checkpoints: the shared files the operator state is made of, base first. */
  stateFiles?: StateFileRef[];
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

/** A shared state file of incremental checkpoints (name under <dir>/shared/), as a checkpoint recorded it. */
export interface StateFileRef {
  name: string;
  size: number;
  sha256: string;
}

/** The shared files the operator state of the last checkpoint is made of: a chain later deltas add to. */
export interface StateChain {
  /** The job directory the files are in (a chain goes on only in its own directory). */
  dir: string;
  files: StateFileRef[];
  /** Bytes of the base (files[0]) and of the deltas after it. */
  baseBytes: number;
  deltaBytes: number;
}

export interface CompletedCheckpoint {
  id: number;
  data: CheckpointData;
  pipeline: PipelineSnapshot;
  /** Bytes the checkpoint wrote (its state file, and the shared file it added). */
  size: number;
  /** Incremental checkpoints: the chain of shared files a job resumed from it goes on with. */
  chain?: StateChain;
}

export interface CheckpointWriteResult {
  /** Bytes written (the state file, and the shared file of an incremental checkpoint). */
  size: number;
  /** Incremental checkpoints: the chain as of this checkpoint. */
  chain?: StateChain;
}

/** How an incremental checkpoint stores `data.pipeline`: as a new base, or as a delta on `previous`. */
export interface IncrementalWrite {
  previous: StateChain | null;
}

/**
 * Whether the next incremental checkpoint writes a full base rather than a delta on `chain`: there is
 * no chain (the first checkpoint of a run that did not resume from one), it is another directory's,
 * it has `maxDeltas` deltas, or its deltas add up to more than its base.
 */
export function needsFullBase(chain: StateChain | null, dir: string, maxDeltas: number): boolean {
  if (chain === null || chain.dir !== dir) return true;
  return chain.files.length - 1 >= maxDeltas || chain.deltaBytes > chain.baseBytes;
}

interface Marker {
  id: number;
  size: number;
  sha256: string;
}

const CHK = /^chk-(\d+)$/;
const SHARED = 'shared';

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
  /** Names of the shared files each checkpoint (written or read here) lists. */
  private readonly stateFilesOf = new Map<number, string[]>();

  constructor(io: FileIO, dir: string, retained = 1) {
    this.io = io;
    this.dir = dir;
    this.retained = Math.max(1, retained);
  }

  checkpointDir(id: number): string {
    return joinPath(this.dir, `chk-${id}`);
  }

  /**
   * Writes checkpoint `data.id`: with `incremental`, the operator state to a new shared file first;
   * then the state, then the completion marker; then applies retention.
   */
  async write(data: CheckpointData, incremental?: IncrementalWrite): Promise<CheckpointWriteResult> {
    const dir = this.checkpointDir(data.id);
    let chain: StateChain | undefined;
    let written = 0;
    if (incremental !== undefined) {
      const previous = incremental.previous;
      if (previous !== null && previous.dir !== this.dir) throw internalError(`an incremental checkpoint of ${this.dir} cannot go on with the state files of ${previous.dir}`);
      const state = data.pipeline;
      const name = `${data.id}-${previous === null ? 'base' : 'delta'}-${randomBytes(4).toString('hex')}`;
      await this.io.writeFile(joinPath(this.dir, SHARED, name), state);
      const ref: StateFileRef = { name, size: state.length, sha256: sha256(state) };
      written += state.length;
      chain = previous === null
        ? { dir: this.dir, files: [ref], baseBytes: state.length, deltaBytes: 0 }
        : { dir: this.dir, files: [...previous.files, ref], baseBytes: previous.baseBytes, deltaBytes: previous.deltaBytes + state.length };
      data = { ...data, pipeline: new Uint8Array(0), stateFiles: chain.files };
    }
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
    this.stateFilesOf.set(data.id, (data.stateFiles ?? []).map((f) => f.name));
    await this.prune(data.id).catch(() => undefined);
    return { size: written + bytes.length, chain };
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
    let pipeline: PipelineSnapshot | undefined;
    try {
      data = deserialize(bytes) as CheckpointData;
      if (data?.stateFiles === undefined) pipeline = deserialize(data.pipeline) as PipelineSnapshot;
    } catch (e) {
      throw corrupted(path, `cannot be decoded: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (data?.format !== CHECKPOINT_FORMAT) throw corrupted(path, 'is not a checkpoint');
    if (data.version !== CHECKPOINT_VERSION) {
      throw new FreshetError(SqlState.dataCorrupted, `checkpoint file ${path} has format version ${data.version}, this version of Freshet reads version ${CHECKPOINT_VERSION}`);
    }
    if (data.stateFiles === undefined) return { id, data, pipeline: pipeline!, size: bytes.length };
    if (!Array.isArray(data.stateFiles) || data.stateFiles.length === 0) throw corrupted(path, 'lists no state files');
    this.stateFilesOf.set(id, data.stateFiles.map((f) => f.name));
    const files = data.stateFiles;
    const last = files[files.length - 1]!;
    const deltaBytes = files.slice(1).reduce((n, f) => n + f.size, 0);
    const chain: StateChain = { dir: this.dir, files, baseBytes: files[0]!.size, deltaBytes };
    return { id, data, pipeline: await this.readChain(files), size: bytes.length + last.size, chain };
  }

  /** The operator state a chain of shared files makes up: the base, with every delta applied in order. */
  private async readChain(files: StateFileRef[]): Promise<PipelineSnapshot> {
    let state: PipelineSnapshot | undefined;
    for (let i = 0; i < files.length; i++) {
      const ref = files[i]!;
      const path = joinPath(this.dir, SHARED, ref.name);
      if ((await this.io.stat(path)) === undefined) throw corrupted(path, 'is missing');
      const bytes = await this.io.readAll(path);
      if (bytes.length !== ref.size) throw corrupted(path, `has ${bytes.length} bytes, the checkpoint wrote ${ref.size}`);
      const sum = sha256(bytes);
      if (sum !== ref.sha256) throw corrupted(path, `is corrupted: its SHA-256 is ${sum}, the checkpoint wrote ${ref.sha256}`);
      let part: PipelineSnapshot;
      try {
        part = deserialize(bytes) as PipelineSnapshot;
      } catch (e) {
        throw corrupted(path, `cannot be decoded: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (i === 0) {
        if (part?.delta === true) throw corrupted(path, 'holds changes, where the chain of state files must start with a full state');
        state = part;
        continue;
      }
      if (part?.delta !== true) throw corrupted(path, 'holds a full state, where the chain has changes');
      try {
        state = applyPipelineDelta(state!, part);
      } catch (e) {
        throw corrupted(path, `does not fit the state files before it: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return state!;
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
      this.stateFilesOf.delete(id);
    }
    // shared files no kept checkpoint lists (those of deleted checkpoints, or of one a crash left incomplete)
    const shared = await this.io.list(joinPath(this.dir, SHARED));
    if (shared.length === 0) return;
    const live = new Set<string>();
    for (const id of done) {
      if (id < newest && !keep.includes(id)) continue;
      // a kept checkpoint whose list cannot be read keeps every file (it may be repaired)
      for (const name of await this.stateFileNames(id)) live.add(name);
    }
    for (const f of shared) if (!f.isDirectory && !live.has(f.name)) await this.io.delete(f.path);
  }

  /** The shared files checkpoint `id` lists (none for one that is not incremental). */
  private async stateFileNames(id: number): Promise<string[]> {
    const known = this.stateFilesOf.get(id);
    if (known !== undefined) return known;
    const data = deserialize(await this.io.readAll(joinPath(this.checkpointDir(id), 'state'))) as CheckpointData;
    const names = (data.stateFiles ?? []).map((f) => f.name);
    this.stateFilesOf.set(id, names);
    return names;
  }
}
