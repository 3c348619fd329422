/**
 * The child process of crash.test.ts: commits K snapshots to a table, then dies by SIGKILL during the
 * next commit (or a compaction) — at a named fault point, at a timer, or halfway through writing a
 * data file.
 *
 *   node --import tsx test/store/crash-writer.ts '<CrashConfig as JSON>'
 *
 * Every acknowledged commit is appended to `ackFile` (synchronously, so the line is written before any
 * kill can happen) as `<identifier> <snapshot ids>`. A child that finishes its crash phase without
 * being killed writes `survived` there and, in timer mode, waits for the timer.
 *
 * The rows of commit i are a pure function of (kind, i), exported for the parent to compute what each
 * snapshot must hold.
 */
import { appendFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { FileIO, OutputFile } from '../../src/fs/file-io.ts';
import { fileIOFor } from '../../src/fs/resolve.ts';
import { FileStoreTable } from '../../src/store/table.ts';
import { TableWrite } from '../../src/store/write/table-write.ts';
import { TableCommit } from '../../src/store/commit/table-commit.ts';
import { compactTable } from '../../src/store/maintenance/compact.ts';
import { setFaultHandler, type FaultPoint } from '../../src/store/fault-points.ts';
import type { Batch } from '../../src/types/batch.ts';
import { kvBatch, type KvKind, type KvRow } from './store-test-kit.ts';

export type CrashMode =
  | { type: 'point'; point: FaultPoint }
  /** SIGKILL this many milliseconds after commit K+1 starts (it may finish first). */
  | { type: 'timer'; ms: number }
  /** SIGKILL halfway through the first write to the `nth` data file created by commit K+1. */
  | { type: 'mid-data'; nth: number };

export interface CrashConfig {
  path: string;
  /** `s3.*` options for an S3 path. */
  fileOptions: Record<string, string>;
  /** Options of this writer's handle only (e.g. aggressive snapshot expiration). */
  dynamicOptions: Record<string, string>;
  kind: KvKind;
  commitUser: string;
  /** Commits made before the crash phase. */
  k: number;
  mode: CrashMode;
  ackFile: string;
}

export type CrashRow = KvRow;

/**
 * The rows of commit `i`. Primary-key tables: every key 0..7 gets a new version (so two commits'
 * contents differ everywhere and a mix would show), and one key is deleted. Append tables: new rows.
 */
export function crashRows(kind: KvKind, i: number): CrashRow[] {
  if (kind === 'append') return Array.from({ length: 6 }, (_, r) => ({ k: (i * 7 + r) % 10, v: `c${i}r${r}`, del: false }));
  const rows: CrashRow[] = Array.from({ length: 8 }, (_, key) => ({ k: key, v: `c${i}`, del: false }));
  rows.push({ k: i % 8, v: `c${i}`, del: true });
  return rows;
}

export function crashBatch(kind: KvKind, rows: readonly CrashRow[]): Batch {
  return kvBatch(rows, kind === 'pk');
}

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL cannot be caught; this is never reached
  throw new Error('still alive after SIGKILL');
}

/** A FileIO that, once armed, kills the process halfway through writing the nth data file it creates. */
function killingMidDataFile(inner: FileIO, nth: number): { io: FileIO; arm: () => void } {
  let armed = false;
  let created = 0;
  const io: FileIO = Object.create(inner) as FileIO;
  io.create = async (path: string): Promise<OutputFile> => {
    const out = await inner.create(path);
    if (!armed || !/\/data-[^/]*\.parquet$/.test(path) || ++created !== nth) return out;
    return {
      get bytesWritten() {
        return out.bytesWritten;
      },
      write: async (data: Uint8Array) => {
        await out.write(data.subarray(0, Math.max(1, data.length >> 1)));
        die();
      },
      close: () => out.close(),
      abort: () => out.abort(),
    };
  };
  return { io, arm: () => { armed = true; } };
}

async function main(cfg: CrashConfig): Promise<void> {
  const base = fileIOFor(cfg.path, cfg.fileOptions);
  const wrapped = cfg.mode.type === 'mid-data' ? killingMidDataFile(base, cfg.mode.nth) : undefined;
  const table = (await FileStoreTable.open(wrapped?.io ?? base, cfg.path, 'db.t', cfg.dynamicOptions))!;
  const committer = new TableCommit(table, cfg.commitUser);
  const commit = async (i: number): Promise<void> => {
    const tw = new TableWrite(table);
    await tw.write(crashBatch(cfg.kind, crashRows(cfg.kind, i)));
    const r = await committer.commit(await tw.prepareCommit(), i);
    appendFileSync(cfg.ackFile, `${i} ${r.snapshots.join(',')}\n`);
  };
  for (let i = 1; i <= cfg.k; i++) await commit(i);

  const mode = cfg.mode;
  if (mode.type === 'point') {
    setFaultHandler((p) => {
      if (p === mode.point) die();
    });
    if (mode.point === 'compact:after-rewrite') await compactTable(table);
    else await commit(cfg.k + 1);
  } else if (mode.type === 'timer') {
    setTimeout(die, mode.ms);
    await commit(cfg.k + 1);
  } else {
    wrapped!.arm();
    await commit(cfg.k + 1);
  }
  appendFileSync(cfg.ackFile, 'survived\n');
  // a timer still has to fire; otherwise the parent sees a normal exit and reports the point as never reached
  if (mode.type === 'timer') setInterval(() => undefined, 1_000);
  else process.exit(0);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(JSON.parse(process.argv[2]!) as CrashConfig).catch((e: unknown) => {
    process.stderr.write(`crash-writer failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(2);
  });
}
