/**
 * Committing to a table on S3 while the store misbehaves: 10% of requests get a fault the test proxy
 * knows (503 SlowDown, latency, the connection dropped before or after the request was applied, a
 * response cut off halfway), and targeted faults on the very request that creates a snapshot.
 *
 * A commit may fail (with a clear error, after retries). What must hold once the faults stop:
 *  - snapshot ids are contiguous from 1;
 *  - every acknowledged commit is durable: its snapshots exist and read back (time travel with
 *    'scan.snapshot-id') exactly as the acknowledged state at that point (the fold of the commits before
 *    it), and as a read under faults saw it right after the acknowledgement;
 *  - no snapshot exists for a commit that was not acknowledged, unless that commit failed with an
 *    "unknown whether created" error, and then the snapshot is exactly that commit;
 *  - no snapshot is partial: every manifest list, manifest and data file it names exists and reads;
 *  - reads under faults return the right rows or fail with an error, never wrong rows.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileIO } from '../../src/fs/file-io.ts';
import { S3FileIO, s3SettingsFrom } from '../../src/fs/s3.ts';
import { FileStoreTable } from '../../src/store/table.ts';
import { TableWrite } from '../../src/store/write/table-write.ts';
import { TableCommit, type CommitResult } from '../../src/store/commit/table-commit.ts';
import { resolveSnapshot } from '../../src/store/read/table-scan.ts';
import { removeOrphanFiles } from '../../src/store/maintenance/orphan-files.ts';
import { FreshetError } from '../../src/util/errors.ts';
import { FAULT_KINDS, startS3Server, type TestS3Server } from '../support/s3-server.ts';
import { seededRandom } from '../support/seeded-random.ts';
import { KvModel, createKvTable, kvBatch, listedSnapshotIds, readKvRows, snapshotFiles, type KvKind, type KvRow } from './store-test-kit.ts';

let server: TestS3Server;
/** Through the faulty proxy, with the default 10 attempts per request. */
let io: S3FileIO;
/** Through the proxy with 3 attempts per request, so that targeted faults exhaust retries quickly. */
let impatient: S3FileIO;

beforeAll(async () => {
  server = await startS3Server({ bucket: 'fault-commits', seed: 4_711 });
  io = new S3FileIO(s3SettingsFrom(server.options));
  impatient = new S3FileIO(s3SettingsFrom({ ...server.options, 's3.max-attempts': '3' }));
});

afterAll(async () => {
  server?.faults.off();
  io?.destroy();
  impatient?.destroy();
  await server?.stop();
});

// ---------------------------------------------------------------------------------------------------
// tables, rows, reads

function rowsFor(i: number, kind: KvKind, random: () => number): KvRow[] {
  return Array.from({ length: 2 + Math.floor(random() * 4) }, (_, r) => ({
    k: Math.floor(random() * 12),
    v: `c${i}r${r}`,
    del: kind === 'pk' && random() < 0.2,
  }));
}

/** A batch read of snapshot `id` through time travel ('scan.snapshot-id'), as sorted 'k=v' strings. */
async function readSnapshot(t: FileStoreTable, id: number): Promise<string[]> {
  const table = t.withOptions({ 'scan.snapshot-id': String(id) });
  const s = (await resolveSnapshot(table, 'UTC'))!;
  expect(s.id).toBe(id);
  return readKvRows(table, s);
}

function isUnknownOutcome(e: unknown): boolean {
  return e instanceof FreshetError && /unknown whether/.test(e.message);
}

// ---------------------------------------------------------------------------------------------------
// committing and checking

interface Attempt {
  identifier: number;
  rows: KvRow[];
  outcome: 'acked' | 'unknown' | 'failed';
  result?: CommitResult;
  error?: string;
}

/** One commit of `rows` as a statement would make it (a fresh TableWrite), classified by how it ended. */
async function commitOnce(table: FileStoreTable, committer: TableCommit, identifier: number, rows: KvRow[], kind: KvKind): Promise<Attempt> {
  const tw = new TableWrite(table);
  try {
    await tw.write(kvBatch(rows, kind === 'pk'));
    const result = await committer.commit(await tw.prepareCommit(), identifier);
    return { identifier, rows, outcome: 'acked', result };
  } catch (e) {
    await tw.abort().catch(() => undefined);
    // a failure must be a FreshetError with a message, not a raw SDK or network error
    expect(e, String(e)).toBeInstanceOf(FreshetError);
    return { identifier, rows, outcome: isUnknownOutcome(e) ? 'unknown' : 'failed', error: (e as Error).message };
  }
}

/**
 * With the faults off: the table's snapshots against the attempts (all by `user`). `seen` holds what
 * reads under faults returned for some snapshots. Returns the number of snapshots.
 */
async function verify(fio: FileIO, path: string, kind: KvKind, user: string, attempts: readonly Attempt[], seen: ReadonlyMap<number, string[]>): Promise<number> {
  const table = (await FileStoreTable.open(fio, path, 'db.t'))!;
  const ids = await listedSnapshotIds(fio, table);
  expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
  const byId = new Map(attempts.map((a) => [a.identifier, a]));
  const model = new KvModel(kind);
  const found = new Map<number, number[]>();
  for (const id of ids) {
    const s = await table.snapshots.snapshot(id);
    expect(s.commitUser).toBe(user);
    const a = byId.get(s.commitIdentifier);
    expect(a, `snapshot ${id} names commit ${s.commitIdentifier}, which was never made`).toBeDefined();
    expect(a!.outcome, `snapshot ${id} of commit ${a!.identifier}, which failed with: ${a!.error}`).not.toBe('failed');
    if (a!.outcome === 'acked' && !a!.result!.snapshots.includes(id)) {
      // only a compaction whose creation had an unknown outcome may exist without being acknowledged
      expect(s.commitKind).toBe('COMPACT');
      expect(a!.result!.compactionDropped ?? '').toMatch(/unknown whether/);
    }
    found.set(a!.identifier, [...(found.get(a!.identifier) ?? []), id]);
    if (s.commitKind === 'APPEND') model.apply(a!.rows);
    // the snapshot is whole: everything it names is there, and it reads as the commits up to it
    for (const f of await snapshotFiles(table, s)) expect(await fio.stat(f), `${f} named by snapshot ${id}`).toBeDefined();
    const rows = await readSnapshot(table, id);
    expect(rows, `snapshot ${id} (${s.commitKind} of commit ${s.commitIdentifier})`).toEqual(model.rows());
    if (seen.has(id)) expect(seen.get(id), `snapshot ${id} as read under faults`).toEqual(rows);
  }
  for (const a of attempts) {
    if (a.outcome !== 'acked') continue;
    // durable: every snapshot the commit acknowledged is there, and belongs to it
    for (const id of a.result!.snapshots) expect(found.get(a.identifier) ?? [], `acknowledged snapshot ${id} of commit ${a.identifier}`).toContain(id);
    if (a.rows.length > 0) expect(a.result!.snapshots.length).toBeGreaterThan(0);
  }
  // an unknown outcome is one or the other: the commit's APPEND snapshot is there whole, or nothing of it is
  for (const a of attempts) if (a.outcome === 'unknown') expect([0, 1, 2]).toContain((found.get(a.identifier) ?? []).length);
  // after orphan removal the snapshots read the same
  await removeOrphanFiles(table, Date.now() + 86_400_000);
  const fresh = (await FileStoreTable.open(fio, path, 'db.t'))!;
  const m2 = new KvModel(kind);
  for (const id of ids) {
    const s = await fresh.snapshots.snapshot(id);
    if (s.commitKind === 'APPEND') m2.apply(byId.get(s.commitIdentifier)!.rows);
    expect(await readSnapshot(fresh, id)).toEqual(m2.rows());
  }
  return ids.length;
}

// ---------------------------------------------------------------------------------------------------

describe('commits to S3 with 10% of requests faulted', () => {
  for (const kind of ['pk', 'append'] as const) {
    it(`keep every acknowledged ${kind === 'pk' ? 'primary-key' : 'append'} commit durable and nothing else visible`, async () => {
      const path = `s3://${server.bucket}/${kind}-${randomUUID().slice(0, 8)}/t`;
      // small compaction thresholds: commits also make COMPACT snapshots, which fail and retry like the rest
      const options: Record<string, string> = kind === 'pk' ? { bucket: '2', 'num-sorted-run.compaction-trigger': '3' } : { 'compaction.min.file-num': '4' };
      await createKvTable(io, path, kind, options);
      const user = `faulty-${kind}`;
      const random = seededRandom(kind === 'pk' ? 11 : 12);
      const attempts: Attempt[] = [];
      const seen = new Map<number, string[]>();
      let readsFailed = 0;
      let readsSucceeded = 0;
      server.faults.set({ rate: 0.1, kinds: FAULT_KINDS, filter: undefined, seed: kind === 'pk' ? 101 : 202 });
      const requestsBefore = server.stats.requests;
      const faultsBefore = Object.values(server.stats.faults).reduce((a, b) => a + b, 0);
      try {
        const table = (await FileStoreTable.open(io, path, 'db.t'))!;
        const reader = (await FileStoreTable.open(io, path, 'db.t'))!;
        const committer = new TableCommit(table, user);
        for (let i = 1; i <= 20; i++) {
          const a = await commitOnce(table, committer, i, rowsFor(i, kind, random), kind);
          attempts.push(a);
          // read what was just acknowledged, still under faults: right rows or an error, checked later
          for (const id of a.result?.snapshots ?? []) {
            try {
              seen.set(id, await readSnapshot(reader, id));
              readsSucceeded++;
            } catch (e) {
              expect(e, String(e)).toBeInstanceOf(FreshetError);
              readsFailed++;
            }
          }
        }
      } finally {
        server.faults.off();
      }
      const faults = Object.values(server.stats.faults).reduce((a, b) => a + b, 0) - faultsBefore;
      expect(faults, `faults injected in ${server.stats.requests - requestsBefore} requests`).toBeGreaterThan(10);
      expect(readsSucceeded + readsFailed).toBeGreaterThan(0);
      const acked = attempts.filter((a) => a.outcome === 'acked').length;
      // retries absorb 10% faults: nearly everything goes through
      expect(acked).toBeGreaterThanOrEqual(15);
      const n = await verify(io, path, kind, user, attempts, seen);
      expect(n).toBeGreaterThanOrEqual(acked);
      // the table takes new commits afterwards
      const table = (await FileStoreTable.open(io, path, 'db.t'))!;
      const last = await commitOnce(table, new TableCommit(table, user), 21, rowsFor(21, kind, random), kind);
      expect(last.outcome, last.error).toBe('acked');
    }, 180_000);
  }
});

describe('commits to S3 when the snapshot create itself is faulted', () => {
  /**
   * Faults only requests for the key of snapshot `id` of the table at `path`, from the first PUT on
   * (before it, HEADs of that key are the committer looking for the latest snapshot).
   */
  const onSnapshot = (path: string, id: number, methods: readonly string[]) => {
    const key = `${path.replace(`s3://${server.bucket}/`, '')}/snapshot/snapshot-${id}`;
    let putSeen = false;
    return (method: string, k: string | undefined): boolean => {
      if (k !== key) return false;
      if (method === 'PUT') putSeen = true;
      return putSeen && methods.includes(method);
    };
  };

  it('a create applied but never confirmed (unknown outcome) leaves a whole snapshot or none', async () => {
    for (const kind of ['pk', 'append'] as const) {
      const path = `s3://${server.bucket}/unknown-${kind}-${randomUUID().slice(0, 8)}/t`;
      await createKvTable(impatient, path, kind);
      const table = (await FileStoreTable.open(impatient, path, 'db.t'))!;
      const user = `unknown-${kind}`;
      const committer = new TableCommit(table, user);
      const random = seededRandom(7);
      const attempts: Attempt[] = [];
      for (let i = 1; i <= 2; i++) attempts.push(await commitOnce(table, committer, i, rowsFor(i, kind, random), kind));
      // the PUT of snapshot-3 is applied, then every answer about that key is lost: the PUT's, the
      // retries' (412), and those of the HEAD and GET that try to find out who created it
      server.faults.set({ rate: 1, kinds: ['drop-after'], filter: onSnapshot(path, 3, ['PUT', 'HEAD', 'GET']) });
      try {
        attempts.push(await commitOnce(table, committer, 3, rowsFor(3, kind, random), kind));
      } finally {
        server.faults.off();
        server.faults.set({ filter: undefined });
      }
      expect(attempts.map((a) => a.outcome), attempts[2]!.error).toEqual(['acked', 'acked', 'unknown']);
      expect(attempts[2]!.error).toMatch(/unknown whether/);
      // the create did happen: the snapshot is there and must be whole and exactly commit 3
      expect(server.conditionalWinner(`${path.replace(`s3://${server.bucket}/`, '')}/snapshot/snapshot-3`)).toBeDefined();
      expect(await verify(impatient, path, kind, user, attempts, new Map())).toBe(3);
      // and the next commit goes on from it
      const next = await commitOnce((await FileStoreTable.open(impatient, path, 'db.t'))!, new TableCommit(table, user), 4, rowsFor(4, kind, random), kind);
      expect(next.result?.snapshots).toEqual([4]);
    }
  }, 120_000);

  it('a compaction snapshot that cannot be created does not undo the acknowledgement of the rows committed before it', async () => {
    for (const fault of ['slowdown', 'drop-after'] as const) {
      const path = `s3://${server.bucket}/compact-${fault}-${randomUUID().slice(0, 8)}/t`;
      await createKvTable(impatient, path, 'pk', { 'num-sorted-run.compaction-trigger': '2' });
      const table = (await FileStoreTable.open(impatient, path, 'db.t'))!;
      const user = `compact-${fault}`;
      const committer = new TableCommit(table, user);
      const random = seededRandom(9);
      const attempts: Attempt[] = [await commitOnce(table, committer, 1, rowsFor(1, 'pk', random), 'pk')];
      expect(attempts[0]!.result?.snapshots).toEqual([1]);
      // commit 2 makes APPEND snapshot-2, then its writer's compaction wants snapshot-3: that create
      // is refused every time (slowdown: certainly not applied), or applied and never confirmed
      server.faults.set({ rate: 1, kinds: [fault], filter: onSnapshot(path, 3, fault === 'slowdown' ? ['PUT'] : ['PUT', 'HEAD', 'GET']) });
      try {
        attempts.push(await commitOnce(table, committer, 2, rowsFor(2, 'pk', random), 'pk'));
      } finally {
        server.faults.off();
        server.faults.set({ filter: undefined });
      }
      const a = attempts[1]!;
      // snapshot-2 holds the rows whatever happened to the compaction: the commit is acknowledged
      expect(a.outcome, a.error).toBe('acked');
      expect(a.result!.snapshots).toEqual([2]);
      expect(a.result!.compactionDropped).toBeDefined();
      expect(await verify(impatient, path, 'pk', user, attempts, new Map())).toBe(fault === 'slowdown' ? 2 : 3);
    }
  }, 120_000);
});
