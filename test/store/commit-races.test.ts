/**
 * Concurrent commits to one table from several writers, each with its own commit user and its own
 * FileStoreTable handle (as separate jobs or servers would have), on local disk and on S3.
 *
 * Every writer keeps one TableWrite across its batches (as a streaming job does between checkpoints)
 * and commits each batch with the next checkpoint id; a compactor may run CALL sys.compact's code at
 * the same time. Interleavings come from seeded pauses between the steps. Whatever the interleaving,
 * the table must tell the same story as the acknowledgements:
 *  - snapshot ids are 1..N without gaps;
 *  - every snapshot belongs to exactly one acknowledged commit (commit user + identifier) and is one of
 *    the ids that commit returned; every acknowledged commit's snapshots exist (none lost, duplicated
 *    or overwritten); nothing of a failed commit is visible;
 *  - a batch read of every snapshot equals the union (append tables) or the fold by key in snapshot
 *    order (primary-key tables) of the acknowledged commits up to it;
 *  - a commit either succeeds or fails with a conflict error (SQLSTATE 40001), never anything else;
 *  - every file a snapshot refers to exists, and orphan-file removal afterwards changes no read.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileIO } from '../../src/fs/file-io.ts';
import { LocalFileIO } from '../../src/fs/local.ts';
import { S3FileIO, s3SettingsFrom } from '../../src/fs/s3.ts';
import { FileStoreTable } from '../../src/store/table.ts';
import { TableWrite } from '../../src/store/write/table-write.ts';
import { TableCommit } from '../../src/store/commit/table-commit.ts';
import { removeOrphanFiles } from '../../src/store/maintenance/orphan-files.ts';
import { compactTable } from '../../src/store/maintenance/compact.ts';
import type { Snapshot } from '../../src/store/snapshot.ts';
import { FreshetError, SqlState } from '../../src/util/errors.ts';
import { startS3Server, type TestS3Server } from '../support/s3-server.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { KvModel, createKvTable, kvBatch, listedSnapshotIds, readKvRows, snapshotFiles, type KvRow } from './store-test-kit.ts';

// ---------------------------------------------------------------------------------------------------
// scenarios

interface Row {
  k: number;
  /** Primary-key tables: a -D row for the key (append tables ignore it). */
  del: boolean;
}

interface BatchPlan {
  rows: Row[];
  /** Pauses (see pause()) before writing and before committing. */
  beforeWrite: number;
  beforeCommit: number;
}

interface Scenario {
  kind: 'append' | 'pk';
  buckets: number;
  /** Compaction trigger: small, so writers compact and their compactions race. */
  trigger: number;
  writers: BatchPlan[][];
  /** Pauses before each run of the table compaction (CALL sys.compact) racing the writers. */
  compactions: number[];
}

/** Keys from a small range so writers update the same keys; one row in five deletes its key. */
const rowArb: fc.Arbitrary<Row> = fc.record({ k: fc.integer({ min: 0, max: 15 }), del: fc.integer({ min: 0, max: 4 }).map((d) => d === 0) });

const batchArb: fc.Arbitrary<BatchPlan> = fc.record({
  rows: fc.array(rowArb, { minLength: 1, maxLength: 5 }),
  beforeWrite: fc.integer({ min: 0, max: 4 }),
  beforeCommit: fc.integer({ min: 0, max: 4 }),
});

const scenarioArb = (maxWriters: number, maxBatches: number): fc.Arbitrary<Scenario> => fc.record({
  kind: fc.constantFrom<'append' | 'pk'>('append', 'pk'),
  buckets: fc.constantFrom(1, 2),
  trigger: fc.integer({ min: 2, max: 4 }),
  writers: fc.array(fc.array(batchArb, { minLength: 1, maxLength: maxBatches }), { minLength: 2, maxLength: maxWriters }),
  compactions: fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 3 }),
});

/** A seeded amount of waiting: nothing, a turn of the event loop, or a few milliseconds. */
async function pause(n: number): Promise<void> {
  if (n === 0) return;
  if (n === 1) return new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, n === 2 ? 1 : n === 3 ? 4 : 12));
}

// ---------------------------------------------------------------------------------------------------
// tables and rows

async function createTable(io: FileIO, path: string, s: Scenario): Promise<void> {
  const options: Record<string, string> = s.kind === 'pk'
    ? { bucket: String(s.buckets), 'num-sorted-run.compaction-trigger': String(s.trigger) }
    : { 'compaction.min.file-num': String(s.trigger) };
  await createKvTable(io, path, s.kind, options);
}

/** The rows of a snapshot as a batch read gives them ('k=v' strings, sorted). */
async function readSnapshot(t: FileStoreTable, id: number): Promise<string[]> {
  const table = t.withOptions({ 'scan.snapshot-id': String(id) });
  return readKvRows(table, await table.snapshots.snapshot(id));
}

/** Every file snapshot `s` names (its snapshot file, manifest lists, manifests, live and changelog data files). */
async function referencedFiles(t: FileStoreTable, s: Snapshot): Promise<string[]> {
  return [t.snapshots.path(s.id), ...(await snapshotFiles(t, s))];
}

/** Every snapshot's file changes and every acknowledged commit, for failure messages. */
async function history(t: FileStoreTable, snapshots: readonly Snapshot[], acked: readonly Acked[]): Promise<string> {
  const lines: string[] = [];
  for (const x of snapshots) {
    lines.push(`snapshot ${x.id} ${x.commitKind} by ${x.commitUser} #${x.commitIdentifier}`);
    for (const e of await t.deltaEntries(x)) {
      const f = e.file;
      lines.push(`  ${e.kind} ${f.fileName} bucket ${e.bucket} level ${f.level} seq ${f.minSeq}..${f.maxSeq} keys ${JSON.stringify(f.minKey)}..${JSON.stringify(f.maxKey)} deletes ${f.deleteRowCount}`);
    }
  }
  for (const a of acked) lines.push(`acknowledged ${a.user} #${a.identifier} -> ${JSON.stringify(a.snapshots)}: ${a.rows.map((r) => `${r.k}${r.del ? '-D' : ''}`).join(' ')}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------
// one run

interface Acked {
  user: string;
  identifier: number;
  rows: KvRow[];
  snapshots: number[];
}

function isConflict(e: unknown): boolean {
  return e instanceof FreshetError && e.sqlState === SqlState.serializationFailure;
}

async function runScenario(io: FileIO, path: string, s: Scenario): Promise<void> {
  await createTable(io, path, s);
  const acked: Acked[] = [];
  const failed: Acked[] = [];
  const unexpected: unknown[] = [];

  const writer = async (w: number, plan: BatchPlan[]): Promise<void> => {
    const table = (await FileStoreTable.open(io, path, 'db.t'))!;
    const user = `writer-${w}-${randomUUID().slice(0, 8)}`;
    const committer = new TableCommit(table, user);
    const tw = new TableWrite(table);
    for (let b = 0; b < plan.length; b++) {
      const batch = plan[b]!;
      const rows = batch.rows.map((r, i): KvRow => ({ k: r.k, v: `w${w}b${b}r${i}`, del: s.kind === 'pk' && r.del }));
      await pause(batch.beforeWrite);
      await tw.write(kvBatch(rows, s.kind === 'pk'));
      await pause(batch.beforeCommit);
      const messages = await tw.prepareCommit();
      const identifier = b + 1;
      try {
        const r = await committer.commit(messages, identifier);
        acked.push({ user, identifier, rows, snapshots: r.snapshots });
        // as the table sink does: the dropped compaction's outputs are gone, so the bucket writers start over
        if (r.compactionDropped !== undefined) tw.refresh();
      } catch (e) {
        if (!isConflict(e)) {
          unexpected.push(e);
          return;
        }
        failed.push({ user, identifier, rows, snapshots: [] });
        // a conflict means another writer changed what this one started from: start over from the table as it is
        tw.refresh();
      }
    }
  };

  const compactor = async (delay: number): Promise<void> => {
    const table = (await FileStoreTable.open(io, path, 'db.t'))!;
    for (let i = 0; i < delay; i++) await pause(3);
    try {
      const r = await compactTable(table);
      if (r.snapshots.length > 0) {
        const s0 = await table.snapshots.snapshot(r.snapshots[0]!);
        acked.push({ user: s0.commitUser, identifier: s0.commitIdentifier, rows: [], snapshots: r.snapshots });
      }
    } catch (e) {
      // a compaction that lost to another is dropped inside the commit; anything else is a failure
      unexpected.push(e);
    }
  };

  await Promise.all([...s.writers.map((plan, w) => writer(w, plan)), ...s.compactions.map((d) => compactor(d))]);
  expect(unexpected.map((e) => (e instanceof Error ? e.stack ?? e.message : String(e)))).toEqual([]);

  const table = (await FileStoreTable.open(io, path, 'db.t'))!;
  // snapshot ids are 1..N, no gaps
  const ids = await listedSnapshotIds(io, table);
  const n = ids.length;
  expect(ids).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(await table.snapshots.latestId()).toBe(n === 0 ? undefined : n);

  // snapshots ↔ acknowledged commits, one to one
  const byKey = new Map<string, Acked>();
  for (const a of acked) {
    const key = `${a.user}|${a.identifier}`;
    expect(byKey.has(key), `commit ${key} acknowledged twice`).toBe(false);
    byKey.set(key, a);
  }
  const claimed = acked.flatMap((a) => a.snapshots).sort((a, b) => a - b);
  expect(claimed, 'every acknowledged snapshot id is claimed once and all snapshots are claimed').toEqual(ids);
  const failedKeys = new Set(failed.map((f) => `${f.user}|${f.identifier}`));
  const snapshots: Snapshot[] = [];
  for (const id of ids) {
    const snap = await table.snapshots.snapshot(id);
    snapshots.push(snap);
    const key = `${snap.commitUser}|${snap.commitIdentifier}`;
    expect(failedKeys.has(key), `snapshot ${id} belongs to failed commit ${key}`).toBe(false);
    const owner = byKey.get(key);
    expect(owner, `snapshot ${id} (${key}) matches no acknowledged commit`).toBeDefined();
    expect(owner!.snapshots).toContain(id);
  }
  for (const a of acked) {
    // a commit with rows made its APPEND snapshot first
    if (a.rows.length > 0) {
      expect(a.snapshots.length).toBeGreaterThan(0);
      expect(snapshots[a.snapshots[0]! - 1]!.commitKind).toBe('APPEND');
    }
    for (const id of a.snapshots.slice(a.rows.length > 0 ? 1 : 0)) expect(snapshots[id - 1]!.commitKind).toBe('COMPACT');
  }

  // every snapshot reads as the acknowledged commits up to it
  const model = new KvModel(s.kind);
  const reads: string[][] = [];
  const checked = new Set<string>();
  for (const snap of snapshots) {
    const owner = byKey.get(`${snap.commitUser}|${snap.commitIdentifier}`)!;
    if (snap.commitKind === 'APPEND') model.apply(owner.rows);
    const expected = model.rows();
    const read = await readSnapshot(table, snap.id);
    if (JSON.stringify(read) !== JSON.stringify(expected)) {
      expect(read, `snapshot ${snap.id} (${snap.commitKind} by ${snap.commitUser}); history:\n${await history(table, snapshots, acked)}`).toEqual(expected);
    }
    reads.push(read);
    if (s.kind === 'append') expect(snap.totalRecordCount).toBe(model.size);
    for (const f of await referencedFiles(table, snap)) {
      if (checked.has(f)) continue;
      checked.add(f);
      expect(await io.stat(f), `${f} of snapshot ${snap.id}`).toBeDefined();
    }
  }

  // leftovers of failed commits and dropped compactions go; nothing any snapshot reads does
  await removeOrphanFiles(table, Date.now() + 86_400_000);
  const fresh = (await FileStoreTable.open(io, path, 'db.t'))!;
  expect(await Promise.all(snapshots.map((x) => readSnapshot(fresh, x.id)))).toEqual(reads);
}

// ---------------------------------------------------------------------------------------------------

let server: TestS3Server;
let s3io: S3FileIO;

beforeAll(async () => {
  server = await startS3Server({ bucket: 'races' });
  s3io = new S3FileIO(s3SettingsFrom(server.options));
});

afterAll(async () => {
  s3io?.destroy();
  await server?.stop();
});

describe('concurrent commits from several writers', () => {
  it('on local disk keep every acknowledged commit exactly once, in snapshot order (append and primary-key tables)', async () => {
    const io = new LocalFileIO();
    const root = tempDir('freshet-races-');
    let run = 0;
    await fc.assert(fc.asyncProperty(scenarioArb(3, 4), async (s) => {
      await runScenario(io, join(root, `run-${run++}`, 't'), s);
    }), { seed: 20_260_611, numRuns: 40, endOnFailure: true });
  }, 240_000);

  it('on S3 keep every acknowledged commit exactly once, in snapshot order (append and primary-key tables)', async () => {
    let run = 0;
    await fc.assert(fc.asyncProperty(scenarioArb(3, 3), async (s) => {
      await runScenario(s3io, `s3://${server.bucket}/run-${run++}/t`, s);
    }), { seed: 20_260_612, numRuns: 10, endOnFailure: true });
  }, 240_000);
});
