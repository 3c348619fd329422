/**
 * The commit protocol: turning what writers prepared into snapshots, exactly once, whatever other
 * writers do at the same time.
 *
 * One attempt reads the latest snapshot S, checks that the change still applies to it (files to delete
 * are live; bucket counts agree; compaction outputs do not overlap other files of their level), writes
 * the delta manifest and manifest lists, and creates `snapshot-(S+1)` only if absent. An attempt that
 * loses the race removes what it wrote and starts over from the new latest snapshot, after a random
 * back-off, up to 'commit.max-retries' times. Nothing is visible until the snapshot file exists, and a
 * snapshot file is only ever created whole, so readers never see a partial commit.
 *
 * Exactly once across restarts: every commit records its commit user (one per job) and identifier (the
 * checkpoint id; BATCH_COMMIT_IDENTIFIER for batch writes). Committing an identifier the user already
 * committed does nothing, so a job that replays its last checkpoint's commit after a crash does not
 * write the same rows twice.
 *
 * One call may create two snapshots: APPEND (or OVERWRITE) with the new files, then COMPACT with the
 * writers' compactions. A compaction that lost to a concurrent one is dropped (its files deleted): it
 * only rearranged rows that are still all there.
 */
import { FreshetError, SqlState } from '../../util/errors.ts';
import type { FileStoreTable } from '../table.ts';
import type { CommitKind, Snapshot } from '../snapshot.ts';
import { BATCH_COMMIT_IDENTIFIER } from '../snapshot.ts';
import type { DataFileMeta, ManifestEntry, ManifestFileMeta } from '../manifest.ts';
import { entryId, mergeEntries } from '../manifest.ts';
import { partitionKeyOf } from '../paths.ts';
import { compareEncodedKeys } from '../key-comparator.ts';
import type { CommitMessage } from '../write/commit-message.ts';
import { notifyCommit } from '../notify.ts';
import { hit } from '../fault-points.ts';
import { expireSnapshots } from '../maintenance/expire.ts';
import type { JsonScalar } from '../value-codec.ts';

export interface OverwriteSpec {
  /** Which partitions the new rows replace (all of the table when absent). */
  partitions?: (partition: readonly JsonScalar[]) => boolean;
}

export interface CommitOptions {
  overwrite?: OverwriteSpec;
  /** The writer's event-time watermark (streaming writes). */
  watermark?: number | null;
}

export interface CommitResult {
  /** Ids of the snapshots created (empty when the identifier was already committed or nothing changed). */
  snapshots: number[];
  /** Set when the identifier had been committed before by this commit user. */
  alreadyCommitted: boolean;
  /** Why a compaction was dropped, if one was. */
  compactionDropped?: string;
}

/** A conflict a retry cannot fix. */
class CommitConflict extends Error {}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class TableCommit {
  private readonly table: FileStoreTable;
  readonly commitUser: string;

  constructor(table: FileStoreTable, commitUser: string) {
    this.table = table;
    this.commitUser = commitUser;
  }

  /** Whether this commit user already committed `identifier` (or a later one). */
  async isCommitted(identifier: number): Promise<boolean> {
    const sm = this.table.snapshots;
    const latest = await sm.latestId();
    const earliest = await sm.earliestId();
    if (latest === undefined || earliest === undefined) return false;
    for (let id = latest; id >= earliest; id--) {
      const s = await sm.trySnapshot(id);
      if (s && s.commitUser === this.commitUser) return s.commitIdentifier >= identifier;
    }
    return false;
  }

  async commit(messages: readonly CommitMessage[], identifier = BATCH_COMMIT_IDENTIFIER, opts: CommitOptions = {}): Promise<CommitResult> {
    if (identifier !== BATCH_COMMIT_IDENTIFIER && (await this.isCommitted(identifier))) {
      return { snapshots: [], alreadyCommitted: true };
    }
    const add: ManifestEntry[] = [];
    const changelog: ManifestEntry[] = [];
    const compactDelete: ManifestEntry[] = [];
    const compactAdd: ManifestEntry[] = [];
    const entry = (kind: 'ADD' | 'DELETE', m: CommitMessage, file: DataFileMeta): ManifestEntry => ({ kind, partition: m.partition, bucket: m.bucket, totalBuckets: m.totalBuckets, file });
    for (const m of messages) {
      for (const f of m.newFiles) add.push(entry('ADD', m, f));
      for (const f of m.changelogFiles) changelog.push(entry('ADD', m, f));
      for (const f of m.compactBefore) compactDelete.push(entry('DELETE', m, f));
      for (const f of m.compactAfter) compactAdd.push(entry('ADD', m, f));
    }
    const snapshots: number[] = [];
    if (opts.overwrite) {
      snapshots.push(await this.commitWithRetry('OVERWRITE', add, changelog, identifier, opts));
    } else if (add.length > 0 || changelog.length > 0) {
      snapshots.push(await this.commitWithRetry('APPEND', add, changelog, identifier, opts));
    }
    let compactionDropped: string | undefined;
    if (compactDelete.length > 0 || compactAdd.length > 0) {
      try {
        snapshots.push(await this.commitWithRetry('COMPACT', [...compactDelete, ...compactAdd], [], identifier, opts));
      } catch (e) {
        const conflict = e instanceof FreshetError && e.sqlState === SqlState.serializationFailure;
        // once the new rows are committed (snapshots made above), a compaction that cannot be committed
        // is only dropped: failing the call would report committed rows as not committed
        if (!conflict && snapshots.length === 0) throw e;
        compactionDropped = e instanceof Error ? e.message : String(e);
        // a conflict means its snapshot certainly does not exist; after another failure it may (an
        // unknown outcome), so its files are left to orphan-file removal
        if (conflict) await Promise.all(compactAdd.map((x) => this.table.io.delete(this.table.filePath(x)).catch(() => undefined)));
      }
    }
    // keep the snapshot history bounded; expiration failing must not undo or fail a commit that happened
    if (snapshots.length > 0 && !this.table.layout.options.writeOnly()) await expireSnapshots(this.table).catch(() => 0);
    return { snapshots, alreadyCommitted: false, compactionDropped };
  }

  private async commitWithRetry(kind: CommitKind, entries: ManifestEntry[], changelog: ManifestEntry[], identifier: number, opts: CommitOptions): Promise<number> {
    const retries = this.table.layout.options.commitMaxRetries();
    let lastLoser = '';
    for (let attempt = 0; attempt <= retries; attempt++) {
      let result: number | undefined;
      try {
        result = await this.tryOnce(kind, entries, changelog, identifier, opts);
      } catch (e) {
        if (e instanceof CommitConflict) {
          throw new FreshetError(SqlState.serializationFailure, `commit to table ${this.table.name} conflicts with a concurrent commit: ${e.message}`, {
            hint: kind === 'COMPACT' ? 'Another writer compacted the same files; the compaction is dropped and the rows are unaffected.' : 'Run the statement again: it applies to the table as it is now.',
          });
        }
        throw e;
      }
      if (result !== undefined) return result;
      lastLoser = `another writer created the snapshot first (attempt ${attempt + 1})`;
      // lost the race: back off a random while, growing with the attempts, then retry from the new latest
      await sleep(Math.random() * Math.min(2000, 20 * 2 ** attempt));
    }
    throw new FreshetError(SqlState.serializationFailure, `commit to table ${this.table.name} failed after ${retries + 1} attempts: ${lastLoser}`, {
      hint: "Too many writers are committing to this table at once. Run the statement again, or raise 'commit.max-retries'.",
    });
  }

  /** One attempt; the new snapshot id, or undefined when another writer won the race. */
  private async tryOnce(kind: CommitKind, entries: ManifestEntry[], changelog: ManifestEntry[], identifier: number, opts: CommitOptions): Promise<number | undefined> {
    const t = this.table;
    const latest = await t.snapshots.latest();
    const base = latest ? await t.liveEntries(latest) : [];
    let delta = entries;
    if (kind === 'OVERWRITE') {
      const replaced = opts.overwrite?.partitions;
      const removed = base.filter((e) => replaced === undefined || replaced(e.partition)).map((e): ManifestEntry => ({ ...e, kind: 'DELETE' }));
      delta = [...removed, ...entries];
    }
    this.checkConflicts(kind, base, delta, latest);
    const written: string[] = [];
    let snapshotMayExist = false;
    try {
      const o = t.layout.options;
      const deltaMetas = await t.manifests.writeManifests(delta, o.manifestTargetSize());
      written.push(...deltaMetas.map((m) => m.fileName));
      hit('commit:after-manifests');
      const deltaList = await t.manifests.writeList(deltaMetas);
      written.push(deltaList);
      let baseMetas: ManifestFileMeta[] = latest ? [...(await t.manifests.readList(latest.baseManifestList)), ...(await t.manifests.readList(latest.deltaManifestList))] : [];
      if (baseMetas.length > o.manifestMergeMinCount()) {
        // too many small manifests: rewrite the live entries into few full ones
        baseMetas = await t.manifests.writeManifests(base, o.manifestTargetSize());
        written.push(...baseMetas.map((m) => m.fileName));
      }
      const baseList = await t.manifests.writeList(baseMetas);
      written.push(baseList);
      let changelogList: string | null = null;
      if (changelog.length > 0) {
        const metas = await t.manifests.writeManifests(changelog, o.manifestTargetSize());
        written.push(...metas.map((m) => m.fileName));
        changelogList = await t.manifests.writeList(metas);
        written.push(changelogList);
      }
      hit('commit:after-manifest-list');
      let deltaRows = 0;
      for (const e of delta) deltaRows += e.kind === 'ADD' ? e.file.rowCount : -e.file.rowCount;
      const snapshot: Snapshot = {
        version: 1,
        id: (latest?.id ?? 0) + 1,
        schemaId: t.schema.id,
        baseManifestList: baseList,
        deltaManifestList: deltaList,
        changelogManifestList: changelogList,
        commitUser: this.commitUser,
        commitIdentifier: identifier,
        commitKind: kind,
        // strictly after the previous commit, so that commit times order snapshots as ids do (time
        // travel by timestamp, and SUBSCRIBE's promise that later changes come with later times)
        timeMillis: Math.max(Date.now(), (latest?.timeMillis ?? 0) + 1),
        totalRecordCount: (latest?.totalRecordCount ?? 0) + deltaRows,
        deltaRecordCount: deltaRows,
        changelogRecordCount: changelog.reduce((s, e) => s + e.file.rowCount, 0),
        watermark: opts.watermark ?? latest?.watermark ?? null,
      };
      // from here on the snapshot may exist, even when creating it fails (an unknown outcome): what it
      // names must then stay (orphan-file removal takes it if the snapshot was not created after all)
      snapshotMayExist = true;
      if (!(await t.snapshots.tryCommit(snapshot))) {
        await Promise.all(written.map((n) => t.manifests.remove(n).catch(() => undefined)));
        return undefined;
      }
      hit('commit:after-snapshot');
      await t.snapshots.writeHint('LATEST', snapshot.id);
      hit('commit:after-hint');
      notifyCommit(t.path);
      return snapshot.id;
    } catch (e) {
      if (!(e instanceof CommitConflict) && !snapshotMayExist) await Promise.all(written.map((n) => t.manifests.remove(n).catch(() => undefined)));
      throw e;
    }
  }

  private checkConflicts(kind: CommitKind, base: readonly ManifestEntry[], delta: readonly ManifestEntry[], latest: Snapshot | undefined): void {
    const t = this.table;
    const by = latest ? ` (latest snapshot ${latest.id}, ${latest.commitKind} by ${latest.commitUser})` : '';
    // files to remove must still be there
    const live = mergeEntries(base);
    for (const e of delta) {
      if (e.kind === 'DELETE' && !live.has(entryId(e))) {
        throw new CommitConflict(`file ${e.file.fileName} of bucket ${e.bucket}${t.layout.partition.length > 0 ? ` in partition ${JSON.stringify(e.partition)}` : ''} was already removed${by}`);
      }
    }
    if (kind === 'OVERWRITE') return;
    // a partition keeps one bucket count
    const counts = new Map<string, number>();
    for (const e of base) counts.set(partitionKeyOf(e.partition), e.totalBuckets);
    for (const e of delta) {
      const c = counts.get(partitionKeyOf(e.partition));
      if (e.kind === 'ADD' && c !== undefined && c !== e.totalBuckets) {
        throw new CommitConflict(`partition ${JSON.stringify(e.partition)} has ${c} buckets, the writer used ${e.totalBuckets}${by}`);
      }
    }
    if (!t.layout.hasPrimaryKey) return;
    const kt = t.layout.keyTypes;
    const overlaps = (a: DataFileMeta, b: DataFileMeta): boolean => compareEncodedKeys(a.minKey, b.maxKey, kt) <= 0 && compareEncodedKeys(b.minKey, a.maxKey, kt) <= 0;
    const sameBucket = (a: ManifestEntry, b: ManifestEntry): boolean => a.bucket === b.bucket && partitionKeyOf(a.partition) === partitionKeyOf(b.partition);
    if (kind === 'APPEND' && t.layout.sequenceFields.length === 0) {
      // versions of a key are ordered by sequence number, which a writer assigns from the snapshot it
      // started from: rows a concurrent writer committed to the bucket meanwhile can carry the same or
      // higher numbers, and would then win over this later commit's rows for the same keys
      for (const e of delta) {
        if (e.kind !== 'ADD') continue;
        for (const other of live.values()) {
          if (sameBucket(other, e) && other.file.maxSeq >= e.file.minSeq && overlaps(other.file, e.file)) {
            throw new CommitConflict(`file ${other.file.fileName} of bucket ${e.bucket}, committed after this writer started, holds newer versions of keys this commit changes${by}`);
          }
        }
      }
    }
    if (kind === 'COMPACT') {
      // a compaction into the top level drops deletes, which is right only if no older version of a key
      // is left outside it: a file a concurrent writer committed (the compactor never saw it) can be one
      const top = t.layout.options.numLevels() - 1;
      const removed = new Set(delta.filter((e) => e.kind === 'DELETE').map(entryId));
      for (const out of delta) {
        if (out.kind !== 'ADD' || out.file.level < top) continue;
        // the keys merged are those of the inputs (the output lacks the keys whose deletes were dropped)
        const inputs = delta.filter((d) => d.kind === 'DELETE' && sameBucket(d, out));
        const newest = inputs.reduce((m, d) => Math.max(m, d.file.maxSeq), -1);
        for (const other of live.values()) {
          if (removed.has(entryId(other)) || !sameBucket(other, out) || other.file.minSeq > newest) continue;
          if (other.file.level >= top) continue; // overlapping files of one level: reported below
          if (inputs.some((d) => overlaps(other.file, d.file))) {
            throw new CommitConflict(`file ${other.file.fileName} of bucket ${out.bucket} holds older versions of keys that the compaction into the top level merged without it${by}`);
          }
        }
      }
    }
    // files of one level (above 0) of a bucket must not overlap
    const after = mergeEntries([...base, ...delta]);
    const touched = new Set(delta.filter((e) => e.kind === 'ADD' && e.file.level > 0).map((e) => `${partitionKeyOf(e.partition)}|${e.bucket}|${e.file.level}`));
    if (touched.size === 0) return;
    const groups = new Map<string, DataFileMeta[]>();
    for (const e of after.values()) {
      const k = `${partitionKeyOf(e.partition)}|${e.bucket}|${e.file.level}`;
      if (!touched.has(k)) continue;
      let g = groups.get(k);
      if (!g) groups.set(k, (g = []));
      g.push(e.file);
    }
    const types = t.layout.keyTypes;
    for (const [k, files] of groups) {
      files.sort((a, b) => compareEncodedKeys(a.minKey, b.minKey, types));
      for (let i = 1; i < files.length; i++) {
        if (compareEncodedKeys(files[i - 1]!.maxKey, files[i]!.minKey, types) >= 0) {
          throw new CommitConflict(`files ${files[i - 1]!.fileName} and ${files[i]!.fileName} of level ${k.split('|')[2]} overlap in key range${by}`);
        }
      }
    }
  }
}
