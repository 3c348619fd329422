/**
 * Point lookups into a table for lookup joins (`JOIN t FOR SYSTEM_TIME AS OF o.proc_time ON ..`).
 *
 * When the join key is the primary key, a key finds its partition and bucket directly, and only that
 * bucket is loaded (merged) into a local in-memory index, on first use. Any other key loads the whole
 * table into one index on that key. The index follows the table: before answering, the lookup checks
 * for new snapshots (at most once a second, at once after a commit in this process) and drops what
 * they changed — the buckets their files touch, or the whole index — to be reloaded when next needed.
 */
import type { Batch, Column } from '../../types/batch.ts';
import { ColumnBuilder } from '../../types/batch.ts';
import { physicalOf } from '../../types/data-type.ts';
import { keyEncoder, type KeyEncoder, type KeyValue } from '../../types/key-encoder.ts';
import type { LookupFunction } from '../../connectors/connector.ts';
import type { FileStoreTable } from '../table.ts';
import type { KvBatch } from '../kv.ts';
import type { DataFileMeta } from '../manifest.ts';
import { partitionKeyOf } from '../paths.ts';
import { encodeValue, type JsonScalar } from '../value-codec.ts';
import { fieldsForMerge, readBucket } from './bucket-read.ts';
import { commitCounter } from '../notify.ts';
import { planSplits, readSplit } from './table-scan.ts';
import { partitionPasses } from './pruning.ts';
import { SortedIndex } from './sorted-index.ts';
import type { ColumnPredicate } from '../../connectors/connector.ts';

interface Ref {
  b: KvBatch | Batch;
  r: number;
}

const REFRESH_MS = 1000;

export class StoreLookup implements LookupFunction {
  private readonly table: FileStoreTable;
  private readonly keyColumns: readonly number[];
  private readonly columns: readonly number[];
  private readonly encode: KeyEncoder;
  /** Whether the key is the primary key (lookups go to one bucket). */
  private readonly byPrimaryKey: boolean;
  private readonly readFields: number[];
  private snapshotId: number | undefined | null = null;
  private lastCheck = 0;
  private files = new Map<string, { partition: JsonScalar[]; bucket: number; files: DataFileMeta[] }>();
  /** Loaded buckets (by primary key): their rows in key order, or a hash index if they were not. */
  private readonly buckets = new Map<string, BucketIndex>();
  /** Positions of the primary key's columns among the lookup's key columns (probes are reordered so). */
  private readonly pkOrder: number[];
  /** Reused result of SortedIndex.find. */
  private readonly hit: { b: KvBatch | null; r: number } = { b: null, r: 0 };
  private whole: Map<KeyValue, Ref[]> | null = null;
  private lastCommitSeen = -1;
  private readonly changed: { count: number };
  /** Filters of the lookup join's right side; partition filters are applied here exactly. */
  private readonly predicates: readonly ColumnPredicate[];

  constructor(table: FileStoreTable, keyColumns: readonly number[], columns: readonly number[], predicates: readonly ColumnPredicate[] = []) {
    this.table = table;
    this.predicates = predicates;
    this.keyColumns = keyColumns;
    this.columns = columns;
    const layout = table.layout;
    this.encode = keyEncoder(keyColumns.map((k) => layout.types[k]!), keyColumns.map(() => false));
    const pk = layout.primaryKey;
    this.byPrimaryKey = pk.length > 0 && pk.length === keyColumns.length && pk.every((k) => keyColumns.includes(k));
    this.readFields = layout.hasPrimaryKey ? fieldsForMerge(table, [...new Set([...columns, ...keyColumns])]) : [...new Set([...columns, ...keyColumns])];
    this.changed = commitCounter(table.path);
    this.pkOrder = this.byPrimaryKey ? pk.map((f) => keyColumns.indexOf(f)) : [];
  }

  /** Drops what changed since the index was built. */
  private async refresh(): Promise<void> {
    const now = Date.now();
    if (this.snapshotId !== null && this.changed.count === this.lastCommitSeen && now - this.lastCheck < REFRESH_MS) return;
    this.lastCheck = now;
    this.lastCommitSeen = this.changed.count;
    const t = this.table;
    const latest = await t.snapshots.latestId();
    if (latest === this.snapshotId) return;
    const previous = this.snapshotId;
    this.snapshotId = latest;
    this.whole = null;
    const s = latest === undefined ? undefined : await t.snapshots.snapshot(latest);
    const entries = s ? await t.liveEntries(s) : [];
    const files = new Map<string, { partition: JsonScalar[]; bucket: number; files: DataFileMeta[] }>();
    for (const e of entries) {
      const k = `${partitionKeyOf(e.partition)}|${e.bucket}`;
      let f = files.get(k);
      if (!f) files.set(k, (f = { partition: e.partition, bucket: e.bucket, files: [] }));
      f.files.push(e.file);
    }
    // a bucket whose files did not change keeps its index
    for (const [k] of this.buckets) {
      const before = this.files.get(k)?.files.map((f) => f.fileName).sort().join();
      const after = files.get(k)?.files.map((f) => f.fileName).sort().join();
      if (previous === null || before !== after) this.buckets.delete(k);
    }
    this.files = files;
  }

  /** Loads a bucket: its merged rows come out in key order, so they are kept as they are and searched. */
  private async bucketIndex(k: string): Promise<BucketIndex> {
    let idx = this.buckets.get(k);
    if (idx) return idx;
    const layout = this.table.layout;
    const pkPos = layout.primaryKey.map((c) => this.readFields.indexOf(c));
    const sorted = new SortedIndex<KvBatch>(pkPos, layout.keyTypes);
    let map: Map<KeyValue, Ref> | null = null;
    const f = this.files.get(k);
    if (f) {
      const t = this.table;
      const keyPos = this.keyColumns.map((c) => this.readFields.indexOf(c));
      for await (const b of readBucket({ table: t, partition: f.partition, bucket: f.bucket, fields: this.readFields, dropDelete: true, batchSize: 8192 }, f.files)) {
        if (map === null && sorted.add(b)) continue;
        // not in key order after all (should not happen): a hash index over everything read
        if (map === null) {
          map = new Map();
          for (const prior of sorted.batches()) this.indexRows(map, prior, keyPos);
        }
        this.indexRows(map, b, keyPos);
      }
    }
    idx = map === null ? { sorted, map: null } : { sorted: null, map };
    this.buckets.set(k, idx);
    return idx;
  }

  private indexRows(map: Map<KeyValue, Ref>, b: KvBatch, keyPos: readonly number[]): void {
    const kc = keyPos.map((p) => b.columns[p]!);
    for (let i = 0; i < b.length; i++) {
      const key = this.encode(kc, i);
      if (key !== undefined) map.set(key, { b, r: i });
    }
  }

  private async wholeIndex(): Promise<Map<KeyValue, Ref[]>> {
    if (this.whole) return this.whole;
    const idx = new Map<KeyValue, Ref[]>();
    const t = this.table;
    const keyPos = this.keyColumns.map((c) => this.readFields.indexOf(c));
    const splits = await planSplits(t, [...this.files.values()].flatMap((f) => f.files.map((file) => ({ kind: 'ADD' as const, partition: f.partition, bucket: f.bucket, totalBuckets: t.layout.buckets, file }))), this.predicates);
    for (const split of splits) {
      for await (const b of readSplit(t, split, this.readFields, this.predicates, 8192)) {
        const kc = keyPos.map((p) => b.columns[p]!);
        for (let i = 0; i < b.length; i++) {
          const key = this.encode(kc, i);
          if (key === undefined) continue;
          const list = idx.get(key);
          if (list) list.push({ b, r: i });
          else idx.set(key, [{ b, r: i }]);
        }
      }
    }
    this.whole = idx;
    return idx;
  }

  async lookup(keys: readonly Column[], n: number): Promise<{ probe: Int32Array; rows: Batch }> {
    await this.refresh();
    const layout = this.table.layout;
    const outPos = this.columns.map((c) => this.readFields.indexOf(c));
    const builders = this.columns.map((c) => new ColumnBuilder(physicalOf(layout.types[c]!), 64));
    const probe: number[] = [];
    const emit = (i: number, ref: Ref): void => {
      probe.push(i);
      for (let c = 0; c < outPos.length; c++) builders[c]!.appendFrom(ref.b.columns[outPos[c]!]!, ref.r);
    };
    if (this.byPrimaryKey) {
      // each key's partition and bucket first, then load the buckets not in memory (one await per bucket)
      const fieldCols: Column[] = [];
      this.keyColumns.forEach((f, k) => { fieldCols[f] = keys[k]!; });
      const where: Array<string | undefined> = new Array(n);
      const missing = new Set<string>();
      // an unpartitioned table's buckets are named once, not per row
      const unpartitioned = layout.partition.length === 0 ? bucketNames(layout.buckets) : null;
      for (let i = 0; i < n; i++) {
        if (hasNullKey(keys, i)) continue;
        const bucket = layout.buckets > 1 ? layout.bucketHash(fieldCols, i) % layout.buckets : 0;
        let k: string;
        if (unpartitioned) k = unpartitioned[bucket]!;
        else {
          const partition = layout.partition.map((f) => encodeValue(layout.types[f]!, (fieldCols[f]!.values as ArrayLike<unknown>)[i]));
          if (this.predicates.length > 0 && !partitionPasses(layout, partition, this.predicates)) continue;
          k = `${partitionKeyOf(partition)}|${bucket}`;
        }
        where[i] = k;
        if (!this.buckets.has(k)) missing.add(k);
      }
      for (const k of missing) await this.bucketIndex(k);
      const probeKeys = this.pkOrder.map((j) => keys[j]!);
      const hit = this.hit;
      for (let i = 0; i < n; i++) {
        const k = where[i];
        if (k === undefined) continue;
        const idx = this.buckets.get(k)!;
        if (idx.sorted) {
          if (idx.sorted.find(probeKeys, i, hit)) emit(i, hit as Ref);
        } else {
          const ref = idx.map.get(this.encode(keys, i)!);
          if (ref) emit(i, ref);
        }
      }
    } else {
      const idx = await this.wholeIndex();
      for (let i = 0; i < n; i++) {
        const key = this.encode(keys, i);
        if (key === undefined) continue;
        for (const ref of idx.get(key) ?? []) emit(i, ref);
      }
    }
    return { probe: Int32Array.from(probe), rows: { columns: builders.map((b) => b.build()), length: probe.length, kinds: null } };
  }

  async close(): Promise<void> {
    this.buckets.clear();
    this.whole = null;
  }
}

/** Whether row i has a NULL in any key column (a NULL key matches nothing). */
function hasNullKey(keys: readonly Column[], i: number): boolean {
  for (let c = 0; c < keys.length; c++) {
    const nulls = keys[c]!.nulls;
    if (nulls !== null && nulls[i] === 1) return true;
  }
  return false;
}

type BucketIndex = { sorted: SortedIndex<KvBatch>; map: null } | { sorted: null; map: Map<KeyValue, Ref> };

/** The index names of buckets 0..n-1 of an unpartitioned table. */
function bucketNames(n: number): string[] {
  const names: string[] = [];
  for (let b = 0; b < Math.max(1, n); b++) names.push(`${partitionKeyOf([])}|${b}`);
  return names;
}
