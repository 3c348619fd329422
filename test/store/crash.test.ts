/**
 * Crash safety of the commit protocol: a child process (crash-writer.ts) commits K snapshots, then is
 * killed with SIGKILL during the next commit — at every named fault point, at seeded random times, and
 * halfway through writing a data file — on local disk and on S3. Then, in this process:
 *  - the table reads exactly snapshot K's content, or K+1's when the kill came after the snapshot file
 *    was created (never a mix); an acknowledged commit is always there; every snapshot still reads as
 *    the commits up to it, and every file it names exists;
 *  - the restarted job (same commit user) replays the interrupted commit: a no-op when it had been
 *    committed, a normal commit otherwise; then it commits more;
 *  - orphan-file removal deletes exactly the files no snapshot names (some, when the crash left any)
 *    and nothing any snapshot reads.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinPath, type FileIO } from '../../src/fs/file-io.ts';
import { fileIOFor } from '../../src/fs/resolve.ts';
import type { S3FileIO } from '../../src/fs/s3.ts';
import { FileStoreTable } from '../../src/store/table.ts';
import { TableWrite } from '../../src/store/write/table-write.ts';
import { TableCommit } from '../../src/store/commit/table-commit.ts';
import { removeOrphanFiles } from '../../src/store/maintenance/orphan-files.ts';
import type { FaultPoint } from '../../src/store/fault-points.ts';
import { startS3Server, type TestS3Server } from '../support/s3-server.ts';
import { seededRandom } from '../support/seeded-random.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { crashBatch, crashRows, type CrashConfig, type CrashMode } from './crash-writer.ts';
import { KvModel, createKvTable, readKvRows, snapshotFiles, type KvKind } from './store-test-kit.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));
const K = 3;

/** Every fault point, and what a kill there leaves: the content of commit K, or of K+1. */
const POINTS = {
  'write:after-data-files': 'K',
  'commit:after-manifests': 'K',
  'commit:after-manifest-list': 'K',
  'commit:after-snapshot': 'K+1',
  'commit:after-hint': 'K+1',
  'expire:after-snapshot-delete': 'K+1',
  'compact:after-rewrite': 'K',
} as const satisfies Record<FaultPoint, 'K' | 'K+1'>;

// ---------------------------------------------------------------------------------------------------
// cases

interface Case {
  name: string;
  kind: KvKind;
  s3: boolean;
  mode: CrashMode;
  /** The commit whose content the table must show after the crash; undefined: K or K+1 (timer). */
  expect: 'K' | 'K+1' | undefined;
  /** The crash certainly leaves files no snapshot names. */
  leftovers: boolean;
}

/** Kill times come from a seeded random source. */
const random = seededRandom(20_260_613);
const CASES: Case[] = [
  // every fault point, on both kinds of tables (alternating)
  ...Object.entries(POINTS).map(([point, after], i): Case => ({
    name: `killed at ${point}`,
    kind: i % 2 === 0 ? 'pk' : 'append',
    s3: false,
    mode: { type: 'point', point: point as FaultPoint },
    expect: after,
    // a kill after the snapshot file leaves nothing behind, unless the commit also compacted (not here)
    leftovers: after === 'K' || point === 'expire:after-snapshot-delete',
  })),
  { name: 'killed halfway through its second data file', kind: 'pk', s3: false, mode: { type: 'mid-data', nth: 2 }, expect: 'K', leftovers: true },
  ...[0, 1, 2].map((i): Case => ({ name: `killed by a timer (${i})`, kind: i === 1 ? 'append' : 'pk', s3: false, mode: { type: 'timer', ms: Math.floor(random() * 150) }, expect: undefined, leftovers: false })),
  { name: 'on S3, killed at commit:after-manifest-list', kind: 'pk', s3: true, mode: { type: 'point', point: 'commit:after-manifest-list' }, expect: 'K', leftovers: true },
  { name: 'on S3, killed at commit:after-snapshot', kind: 'append', s3: true, mode: { type: 'point', point: 'commit:after-snapshot' }, expect: 'K+1', leftovers: false },
  { name: 'on S3, killed by a timer', kind: 'pk', s3: true, mode: { type: 'timer', ms: 50 + Math.floor(random() * 200) }, expect: undefined, leftovers: false },
];

// ---------------------------------------------------------------------------------------------------
// helpers

/** What the table holds after commits 1..n. */
function contentAfter(kind: KvKind, n: number): string[] {
  const model = new KvModel(kind);
  for (let i = 1; i <= n; i++) model.apply(crashRows(kind, i));
  return model.rows();
}

/** Every file the table's snapshots name, by path (snapshot files and hints included). */
async function referenced(t: FileStoreTable): Promise<Set<string>> {
  const refs = new Set<string>([joinPath(t.snapshots.dir, 'LATEST'), joinPath(t.snapshots.dir, 'EARLIEST')]);
  for (const s of await t.snapshots.all()) {
    refs.add(t.snapshots.path(s.id));
    for (const f of await snapshotFiles(t, s)) refs.add(f);
  }
  return refs;
}

/** Files under the table that nothing names (schema files are the table's own), relative to it. */
async function unreferenced(t: FileStoreTable): Promise<string[]> {
  const refs = await referenced(t);
  const root = t.path + '/';
  return (await t.io.listRecursive(t.path))
    .map((f) => f.path)
    .filter((p) => !refs.has(p) && !(p.startsWith(root + 'schema/') && !p.slice(p.lastIndexOf('/') + 1).startsWith('.')))
    .map((p) => p.slice(root.length))
    .sort();
}

async function checkAllFilesThere(t: FileStoreTable): Promise<void> {
  for (const p of await referenced(t)) {
    if (/\/(LATEST|EARLIEST)$/.test(p)) continue; // hints may be missing
    expect(await t.io.stat(p), `${p} is named by a snapshot`).toBeDefined();
  }
}

interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function runChild(cfg: CrashConfig): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, JSON.stringify(cfg)], { cwd: ROOT, env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    // a child that neither dies nor exits is a failure, not a hang
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stderr });
    });
  });
}

/** Acknowledged commits (identifier → snapshot ids) from the child's ack file. */
function readAcks(file: string): { acks: Map<number, number[]>; survived: boolean } {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // no commit acknowledged at all
  }
  const acks = new Map<number, number[]>();
  let survived = false;
  for (const line of text.split('\n')) {
    if (line === 'survived') survived = true;
    const m = /^(\d+) ([\d,]*)$/.exec(line);
    if (m) acks.set(Number(m[1]), m[2] === '' ? [] : m[2]!.split(',').map(Number));
  }
  return { acks, survived };
}

// ---------------------------------------------------------------------------------------------------

let server: TestS3Server;
let s3io: S3FileIO;
const local = tempDir('freshet-crash-');

beforeAll(async () => {
  server = await startS3Server({ bucket: 'crash' });
  s3io = fileIOFor(`s3://${server.bucket}/x`, server.options) as S3FileIO;
});

afterAll(async () => {
  s3io?.destroy();
  await server?.stop();
});

async function runCase(c: Case, index: number): Promise<void> {
  const path = c.s3 ? `s3://${server.bucket}/case-${index}/t` : join(local, `case-${index}`, 't');
  const io: FileIO = c.s3 ? s3io : fileIOFor(path);
  const options: Record<string, string> = c.kind === 'pk' ? { bucket: '2' } : {};
  await createKvTable(io, path, c.kind, options);
  const user = `crash-job-${index}`;
  const expiring = c.mode.type === 'point' && c.mode.point === 'expire:after-snapshot-delete';
  const cfg: CrashConfig = {
    path, fileOptions: c.s3 ? server.options : {}, kind: c.kind, commitUser: user, k: K, mode: c.mode,
    ackFile: join(local, `acks-${index}`),
    // expire all but the newest two snapshots at every commit, so commit K+1 expires one
    dynamicOptions: expiring ? { 'snapshot.num-retained.min': '2', 'snapshot.time-retained': '1 ms' } : {},
  };
  const exit = await runChild(cfg);
  const { acks, survived } = readAcks(cfg.ackFile);
  expect(exit.signal, `the child was to die by SIGKILL (exit ${exit.code}${survived ? ', the crash point was never reached' : ''}):\n${exit.stderr}`).toBe('SIGKILL');
  // one snapshot per commit here (no compaction is due yet): snapshot i is commit i
  for (let i = 1; i <= K; i++) expect(acks.get(i), `commit ${i} acknowledged`).toEqual([i]);

  // the table as the crash left it
  const t = (await FileStoreTable.open(io, path, 'db.t'))!;
  const latest = (await t.snapshots.latest())!;
  const done = latest.commitIdentifier;
  expect(latest.commitUser).toBe(user);
  expect([K, K + 1]).toContain(done);
  if (c.expect !== undefined) expect(done, 'the commit the table shows').toBe(c.expect === 'K' ? K : K + 1);
  if (acks.has(K + 1)) expect(done, 'an acknowledged commit is durable').toBe(K + 1);
  expect(latest.id).toBe(done);
  const before = new Map<number, string[]>();
  const earliest = (await t.snapshots.earliestId())!;
  // with two snapshots retained, commit K+1 expired snapshot K-1 (killed right after deleting its file)
  expect(earliest).toBe(expiring ? K : 1);
  for (let id = earliest; id <= latest.id; id++) {
    const s = await t.snapshots.snapshot(id);
    const rows = await readKvRows(t, s);
    // every snapshot shows exactly the commits up to its own: never part of one
    expect(rows, `snapshot ${id} (commit ${s.commitIdentifier})`).toEqual(contentAfter(c.kind, s.commitIdentifier));
    before.set(id, rows);
  }
  await checkAllFilesThere(t);

  // orphan-file removal takes exactly what nothing names
  const leftovers = await unreferenced(t);
  if (c.leftovers) expect(leftovers.length, 'files the crash left behind').toBeGreaterThan(0);
  const removed = await removeOrphanFiles(t, Date.now() + 86_400_000);
  expect(removed.files.sort()).toEqual(leftovers);
  const cleaned = (await FileStoreTable.open(io, path, 'db.t'))!;
  for (const [id, rows] of before) expect(await readKvRows(cleaned, await cleaned.snapshots.snapshot(id)), `snapshot ${id} after orphan removal`).toEqual(rows);
  await checkAllFilesThere(cleaned);
  expect(await unreferenced(cleaned)).toEqual([]);

  // the job restarts: it replays commit K+1 (a no-op if it got in), then goes on
  const committer = new TableCommit(cleaned, user);
  const commit = async (i: number) => {
    const tw = new TableWrite(cleaned);
    await tw.write(crashBatch(c.kind, crashRows(c.kind, i)));
    const messages = await tw.prepareCommit();
    const files = messages.flatMap((m) => [...m.newFiles, ...m.compactAfter].map((f) => cleaned.paths.dataFilePath(m.partition, m.bucket, f.fileName).slice(path.length + 1)));
    return { ...(await committer.commit(messages, i)), files };
  };
  const replay = await commit(K + 1);
  expect(replay.alreadyCommitted).toBe(done === K + 1);
  expect(replay.snapshots).toEqual(done === K + 1 ? [] : [latest.id + 1]);
  const next = await commit(K + 2);
  expect(next.snapshots.length).toBeGreaterThan(0);
  const last = (await cleaned.snapshots.latest())!;
  expect(last.id).toBe(next.snapshots[next.snapshots.length - 1]);
  expect(await readKvRows(cleaned, last)).toEqual(contentAfter(c.kind, K + 2));
  await checkAllFilesThere(cleaned);
  // nothing is left unnamed but what the skipped replay wrote again (a restored job would hand over the
  // committed files themselves, so the committer must not delete them)
  const skipped = replay.alreadyCommitted ? replay.files.sort() : [];
  expect(await unreferenced(cleaned)).toEqual(skipped);
  expect((await removeOrphanFiles(cleaned, Date.now() + 86_400_000)).files.sort()).toEqual(skipped);
  expect(await readKvRows((await FileStoreTable.open(io, path, 'db.t'))!, last)).toEqual(contentAfter(c.kind, K + 2));
}

describe.concurrent('a writer killed during a commit', () => {
  CASES.forEach((c, i) => {
    it(`${c.name} (${c.kind === 'pk' ? 'primary-key' : 'append'} table${c.s3 ? ', S3' : ''})`, () => runCase(c, i), 90_000);
  });
});
