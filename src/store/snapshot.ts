/**
 * Snapshots: `snapshot/snapshot-<n>`, one JSON file per commit, ids contiguous from the earliest kept
 * to the latest. A snapshot names the manifest lists that describe the table's files at that point,
 * so reading snapshot n always gives the same rows, however the table changes later.
 *
 * `LATEST` and `EARLIEST` are hints only (written after the fact, possibly stale or missing after a
 * crash): the truth is which snapshot files exist. The latest is found from the hint by probing
 * forward; a hint pointing at a missing file falls back to listing the directory.
 */
import type { FileIO } from '../fs/file-io.ts';
import { joinPath } from '../fs/file-io.ts';
import { FreshetError, SqlState } from '../util/errors.ts';
import { corrupted, decodeJson, encodeJson } from './json-file.ts';

export type CommitKind = 'APPEND' | 'COMPACT' | 'OVERWRITE';

/** commitIdentifier of batch (non-checkpointed) commits: larger than any checkpoint id. */
export const BATCH_COMMIT_IDENTIFIER = Number.MAX_SAFE_INTEGER;

export interface Snapshot {
  version: 1;
  id: number;
  schemaId: number;
  /** Manifest list of the table's files before this commit. */
  baseManifestList: string;
  /** Manifest list of this commit's ADD/DELETE entries. */
  deltaManifestList: string;
  /** Manifest list of changelog files produced by this commit, if any. */
  changelogManifestList: string | null;
  commitUser: string;
  commitIdentifier: number;
  commitKind: CommitKind;
  timeMillis: number;
  /** Rows in the live data files (for primary-key tables, before merging versions of a key). */
  totalRecordCount: number;
  /** Rows added minus rows removed by this commit's data files. */
  deltaRecordCount: number;
  changelogRecordCount: number;
  /** Event-time watermark of the writer at commit (streaming writes), or null. */
  watermark: number | null;
}

function checkSnapshot(raw: unknown, path: string): Snapshot {
  const s = raw as Snapshot;
  const ok = s !== null && typeof s === 'object' && typeof s.id === 'number' && typeof s.schemaId === 'number'
    && typeof s.baseManifestList === 'string' && typeof s.deltaManifestList === 'string' && typeof s.commitUser === 'string'
    && typeof s.commitIdentifier === 'number' && ['APPEND', 'COMPACT', 'OVERWRITE'].includes(s.commitKind) && typeof s.timeMillis === 'number';
  if (!ok) throw corrupted('snapshot', path, 'it lacks id, schemaId, manifest lists, commitUser, commitIdentifier, commitKind or timeMillis');
  return s;
}

export class SnapshotManager {
  private readonly io: FileIO;
  readonly dir: string;
  private readonly cache = new Map<number, Snapshot>();

  constructor(io: FileIO, tablePath: string) {
    this.io = io;
    this.dir = joinPath(tablePath, 'snapshot');
  }

  path(id: number): string {
    return joinPath(this.dir, `snapshot-${id}`);
  }

  private hintPath(which: 'LATEST' | 'EARLIEST'): string {
    return joinPath(this.dir, which);
  }

  async exists(id: number): Promise<boolean> {
    return (await this.io.stat(this.path(id))) !== undefined;
  }

  /** Snapshot `id`; a missing one is an error that says which ids exist. */
  async snapshot(id: number): Promise<Snapshot> {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const path = this.path(id);
    let bytes: Uint8Array;
    try {
      bytes = await this.io.readAll(path);
    } catch (e) {
      if (!(await this.io.stat(path))) {
        const [lo, hi] = [await this.earliestId(), await this.latestId()];
        throw new FreshetError(SqlState.invalidParameterValue, `snapshot ${id} does not exist (${lo === undefined ? 'the table has no snapshots' : `snapshots ${lo}..${hi} exist`})`, {
          hint: 'Expired snapshots cannot be read; choose one in the range (SELECT * FROM `t$snapshots` lists them).',
        });
      }
      throw e;
    }
    const s = checkSnapshot(decodeJson(bytes, 'snapshot', path), path);
    if (s.id !== id) throw corrupted('snapshot', path, `it says it is snapshot ${s.id}`);
    this.cache.set(id, s);
    return s;
  }

  async trySnapshot(id: number): Promise<Snapshot | undefined> {
    if (!(await this.io.stat(this.path(id)))) return undefined;
    return this.snapshot(id);
  }

  private async readHint(which: 'LATEST' | 'EARLIEST'): Promise<number | undefined> {
    try {
      const st = await this.io.stat(this.hintPath(which));
      if (!st) return undefined;
      const n = Number(new TextDecoder().decode(await this.io.readAll(this.hintPath(which))).trim());
      return Number.isInteger(n) && n > 0 ? n : undefined;
    } catch {
      return undefined; // a hint is only a hint
    }
  }

  private async listIds(): Promise<number[]> {
    const ids: number[] = [];
    for (const f of await this.io.list(this.dir)) {
      const m = /^snapshot-(\d+)$/.exec(f.name);
      if (m && !f.isDirectory) ids.push(Number(m[1]));
    }
    return ids.sort((a, b) => a - b);
  }

  /** The newest snapshot id, or undefined for a table without commits. */
  async latestId(): Promise<number | undefined> {
    const hint = await this.readHint('LATEST');
    if (hint !== undefined && (await this.io.stat(this.path(hint)))) {
      let id = hint;
      while (await this.io.stat(this.path(id + 1))) id++;
      return id;
    }
    const ids = await this.listIds();
    return ids.length === 0 ? undefined : ids[ids.length - 1];
  }

  async latest(): Promise<Snapshot | undefined> {
    const id = await this.latestId();
    return id === undefined ? undefined : this.snapshot(id);
  }

  async earliestId(): Promise<number | undefined> {
    const hint = await this.readHint('EARLIEST');
    if (hint !== undefined && (await this.io.stat(this.path(hint))) && !(await this.io.stat(this.path(hint - 1)))) return hint;
    const ids = await this.listIds();
    return ids.length === 0 ? undefined : ids[0];
  }

  /** Creates snapshot-<id> only if absent (the commit point). True when this call created it. */
  async tryCommit(s: Snapshot): Promise<boolean> {
    let ok: boolean;
    try {
      ok = await this.io.tryCreate(this.path(s.id), encodeJson(s));
    } catch (e) {
      // the outcome is unknown (the store kept failing after the request may have been applied):
      // the snapshot that is there now says who won — ours names our own, never reused, manifest lists
      const there = await this.io.stat(this.path(s.id)).catch(() => undefined);
      if (!there) throw e;
      // still unknown if the snapshot there cannot be read: the caller gets the "unknown outcome" error
      const theirs = decodeJson(await this.io.readAll(this.path(s.id)).catch(() => { throw e; }), 'snapshot', this.path(s.id)) as Snapshot;
      ok = theirs.commitUser === s.commitUser && theirs.deltaManifestList === s.deltaManifestList && theirs.baseManifestList === s.baseManifestList;
    }
    if (ok) this.cache.set(s.id, s);
    return ok;
  }

  async writeHint(which: 'LATEST' | 'EARLIEST', id: number): Promise<void> {
    try {
      await this.io.writeFile(this.hintPath(which), new TextEncoder().encode(String(id)));
    } catch {
      // hints are an optimisation; the snapshot files are the truth
    }
  }

  /** Removes a snapshot file (expiration, rollback). */
  async remove(id: number): Promise<void> {
    this.cache.delete(id);
    await this.io.delete(this.path(id));
  }

  /** The latest snapshot committed at or before `time` (epoch ms), or undefined if none is that old. */
  async atOrBefore(time: number): Promise<Snapshot | undefined> {
    const lo0 = await this.earliestId();
    const hi0 = await this.latestId();
    if (lo0 === undefined || hi0 === undefined) return undefined;
    let lo = lo0;
    let hi = hi0;
    let found: Snapshot | undefined;
    while (lo <= hi) {
      const mid = Math.floor((lo + hi) / 2);
      const s = await this.trySnapshot(mid);
      if (!s) {
        // expired under our feet: search the newer half
        lo = mid + 1;
        continue;
      }
      if (s.timeMillis <= time) {
        found = s;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Every snapshot from the earliest to the latest (skipping ones expired while reading). */
  async all(): Promise<Snapshot[]> {
    const lo = await this.earliestId();
    const hi = await this.latestId();
    if (lo === undefined || hi === undefined) return [];
    const out: Snapshot[] = [];
    for (let id = lo; id <= hi; id++) {
      const s = await this.trySnapshot(id);
      if (s) out.push(s);
    }
    return out;
  }
}
