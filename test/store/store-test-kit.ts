/**
 * Helpers shared by the table-store tests. Free of vitest, so that child processes (crash-writer.ts) can
 * use them too.
 *
 * - Row kinds, generated versions and commit steps of the property tests of merge engines and changelog
 *   producers (merge-engines.test.ts, changelog.test.ts).
 * - Tables of two columns (k INT NOT NULL, v STRING), append or primary-key, whose rows are read as
 *   sorted 'k=v' strings (commit-races.test.ts, s3-fault-commits.test.ts, crash.test.ts).
 * - Reading a snapshot's rows and listing the files it names.
 */
import type { FileIO } from '../../src/fs/file-io.ts';
import { FileStoreTable } from '../../src/store/table.ts';
import type { Snapshot } from '../../src/store/snapshot.ts';
import { TableWrite } from '../../src/store/write/table-write.ts';
import { TableCommit } from '../../src/store/commit/table-commit.ts';
import { planSplits, readSplit } from '../../src/store/read/table-scan.ts';
import { compactTable } from '../../src/store/maintenance/compact.ts';
import { batchFromRows, batchToRows, type Batch } from '../../src/types/batch.ts';
import { T, notNull, type DataType } from '../../src/types/data-type.ts';

// ---------------------------------------------------------------------------------------------------
// row kinds, versions, steps

export const I = 0;
export const UB = 1;
export const UA = 2;
export const D = 3;
export const isRetract = (k: number): boolean => k === UB || k === D;

/** One row written: its kind and all column values. */
export interface Version {
  kind: number;
  row: unknown[];
}

/** A commit of batches of versions (by the writer so far, or a fresh one), or a full compaction. */
export type Step = { kind: 'commit'; batches: Version[][]; freshWriter: boolean } | { kind: 'compact' };

/** Applies `legalize` to the versions of all steps together (arrival order), keeping the step structure. */
export function legalizeSteps(sc: { legalize?(versions: Version[]): Version[] }, steps: Step[]): Step[] {
  if (!sc.legalize) return steps;
  const flat = steps.flatMap((s) => (s.kind === 'commit' ? s.batches.flat() : []));
  const fixed = sc.legalize(flat.map((v) => ({ kind: v.kind, row: [...v.row] })));
  let i = 0;
  return steps.map((s) => (s.kind === 'commit' ? { ...s, batches: s.batches.map((b) => b.map(() => fixed[i++]!)) } : s));
}

/**
 * For 'sequence.field' on column 1 (the key is column 0): makes every delete the newest version of its
 * key when it arrives, and rows arriving after a delete not older than it. Rows arriving after a delete
 * with an older sequence value are not defined (whether the tombstone still exists depends on compaction,
 * as in Paimon).
 */
export function legalizeSequence(versions: Version[]): Version[] {
  const max = new Map<unknown, number>();
  const floor = new Map<unknown, number>();
  for (const v of versions) {
    const k = v.row[0];
    const f = floor.get(k);
    let ts = v.row[1] as number | null;
    if (f !== undefined && (ts === null || ts < f)) ts = f;
    if (isRetract(v.kind)) {
      ts = Math.max(ts ?? 0, max.get(k) ?? 0);
      floor.set(k, ts);
    }
    v.row[1] = ts;
    if (ts !== null) max.set(k, Math.max(ts, max.get(k) ?? ts));
  }
  return versions;
}

/** Turns versions of a commit into the batch handed to TableWrite.write. */
export type BatchMaker = (types: readonly DataType[], versions: readonly Version[]) => Batch;

/** The batch of versions as batchFromRows builds it (the values as given, the kinds per row). */
export const rowsBatch: BatchMaker = (types, versions) => batchFromRows(types, versions.map((v) => v.row), Uint8Array.from(versions.map((v) => v.kind)));

/**
 * Runs steps against a table as one job would: a TableWrite kept across commits (a fresh one when a step
 * asks for it, and after a full compaction), committed by `commitUser` with checkpoints 1, 2, ...
 */
export class StepRunner {
  private readonly table: FileStoreTable;
  private readonly commitUser: string;
  private readonly types: readonly DataType[];
  private readonly makeBatch: BatchMaker;
  private writer: TableWrite | null = null;
  private checkpoint = 0;

  constructor(table: FileStoreTable, commitUser: string, types: readonly DataType[], makeBatch: BatchMaker = rowsBatch) {
    this.table = table;
    this.commitUser = commitUser;
    this.types = types;
    this.makeBatch = makeBatch;
  }

  /** Runs one step (compactTable for 'compact'); returns the versions it wrote. */
  async run(step: Step): Promise<Version[]> {
    if (step.kind === 'compact') {
      await compactTable(this.table);
      // a writer that saw the files before the compaction would compact files that are gone
      this.writer = null;
      return [];
    }
    if (this.writer === null || step.freshWriter) this.writer = new TableWrite(this.table);
    const written: Version[] = [];
    for (const b of step.batches) {
      await this.writer.write(this.makeBatch(this.types, b));
      written.push(...b);
    }
    await new TableCommit(this.table, this.commitUser).commit(await this.writer.prepareCommit(), ++this.checkpoint);
    return written;
  }
}

// ---------------------------------------------------------------------------------------------------
// reading snapshots

/** The rows of snapshot `s` as a batch read of all its splits gives them (columns 0..types.length-1). */
export async function scanRows(t: FileStoreTable, s: Snapshot, types: readonly DataType[], batchSize: number): Promise<unknown[][]> {
  const fields = types.map((_, i) => i);
  const out: unknown[][] = [];
  for (const split of await planSplits(t, await t.liveEntries(s), [])) {
    for await (const b of readSplit(t, split, fields, [], batchSize)) out.push(...batchToRows(b, types));
  }
  return out;
}

/** Every file snapshot `s` names but its own file: manifest lists, manifests, live and changelog data files. */
export async function snapshotFiles(t: FileStoreTable, s: Snapshot): Promise<string[]> {
  const out: string[] = [];
  for (const list of [s.baseManifestList, s.deltaManifestList, s.changelogManifestList]) {
    if (list === null) continue;
    out.push(t.paths.manifestPath(list));
    for (const m of await t.manifests.readList(list)) out.push(t.paths.manifestPath(m.fileName));
  }
  for (const e of await t.liveEntries(s)) out.push(t.filePath(e));
  for (const e of await t.changelogEntries(s)) out.push(t.filePath(e));
  return out;
}

/** The ids of the snapshot files in the table's snapshot directory, as listed, in order. */
export async function listedSnapshotIds(io: FileIO, t: FileStoreTable): Promise<number[]> {
  return (await io.list(t.snapshots.dir)).map((f) => /^snapshot-(\d+)$/.exec(f.name)).filter((m) => m !== null).map((m) => Number(m[1])).sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------------
// k/v tables

export type KvKind = 'append' | 'pk';

export const KV_FIELDS = [{ id: 0, name: 'k', type: notNull(T.int()) }, { id: 1, name: 'v', type: T.string() }];
const KV_TYPES = KV_FIELDS.map((f) => f.type);

/** A row of a k/v table; `del`: a -D row for the key (primary-key tables). */
export interface KvRow {
  k: number;
  v: string;
  del: boolean;
}

/** Creates the k/v table 'db.t' at `path`: a primary-key table (key k) or an append table. */
export function createKvTable(io: FileIO, path: string, kind: KvKind, options: Record<string, string> = {}): Promise<FileStoreTable> {
  return FileStoreTable.create(io, path, 'db.t', { fields: KV_FIELDS, highestFieldId: 1, partitionKeys: [], primaryKeys: kind === 'pk' ? ['k'] : [], options });
}

/** The rows as a batch; with `withKinds`, `del` rows are -D and the others +I. */
export function kvBatch(rows: readonly KvRow[], withKinds: boolean): Batch {
  return {
    columns: [{ values: Int32Array.from(rows.map((r) => r.k)), nulls: null }, { values: rows.map((r) => r.v), nulls: null }],
    length: rows.length,
    kinds: withKinds ? Uint8Array.from(rows.map((r) => (r.del ? 3 : 0))) : null,
  };
}

/** The rows of snapshot `s` of a k/v table as a batch read gives them ('k=v' strings, sorted). */
export async function readKvRows(t: FileStoreTable, s: Snapshot): Promise<string[]> {
  return (await scanRows(t, s, KV_TYPES, 1024)).map(([k, v]) => `${k}=${v}`).sort();
}

/** What a k/v table holds after rows are applied in order: their union (append tables), or their fold by key. */
export class KvModel {
  private readonly kind: KvKind;
  private readonly union: string[] = [];
  private readonly state = new Map<number, string>();

  constructor(kind: KvKind) {
    this.kind = kind;
  }

  apply(rows: readonly KvRow[]): void {
    for (const r of rows) {
      if (this.kind === 'append') this.union.push(`${r.k}=${r.v}`);
      else if (r.del) this.state.delete(r.k);
      else this.state.set(r.k, r.v);
    }
  }

  /** The rows as sorted 'k=v' strings. */
  rows(): string[] {
    return this.kind === 'append' ? [...this.union].sort() : [...this.state].map(([k, v]) => `${k}=${v}`).sort();
  }

  /** How many rows the table holds. */
  get size(): number {
    return this.kind === 'append' ? this.union.length : this.state.size;
  }
}
