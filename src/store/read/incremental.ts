/**
 * Incremental (bounded) reads: the changes between two snapshots, 'incremental-between' = 'a,b'
 * (after a, up to and including b) or 'incremental-between-timestamp' = 't1,t2'. This is what an
 * INCREMENTAL refresh of a materialized table reads.
 *
 * 'incremental-between-scan-mode':
 *   auto       changelog files when the table has a changelog producer, else diff (append tables: delta)
 *   delta      the data files the snapshots added, rows as written (upserts, no before-images)
 *   changelog  the changelog files of the snapshots
 *   diff       the exact difference of the table at a and at b, bucket by bucket (+I, -U/+U, -D)
 */
import type { ColumnPredicate } from '../../connectors/connector.ts';
import type { Batch } from '../../types/batch.ts';
import { physicalOf } from '../../types/data-type.ts';
import { valuesEqual } from '../../types/value.ts';
import { keyEncoder, type KeyValue } from '../../types/key-encoder.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import type { FileStoreTable } from '../table.ts';
import type { Snapshot } from '../snapshot.ts';
import type { KvBatch } from '../kv.ts';
import { KvBuilder } from '../kv.ts';
import { partitionKeyOf } from '../paths.ts';
import { planSplits, type Split } from './table-scan.ts';
import { readBucket, readFile } from './bucket-read.ts';
import { snapshotChanges } from './changes.ts';
import { DELETE, INSERT, UPDATE_AFTER, UPDATE_BEFORE } from '../merge/kinds.ts';

function parsePair(table: string, key: string, text: string): [string, string] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
    throw new FreshetError(SqlState.invalidParameterValue, `option '${key}' of table ${table} must be two values separated by a comma, such as '3,7', got '${text}'`);
  }
  return parts as [string, string];
}

/** The (start, end] snapshot range an incremental read covers, or undefined for a normal read. */
export async function incrementalRange(table: FileStoreTable): Promise<{ start: number; end: number } | undefined> {
  const o = table.layout.options;
  const ids = o.get('incremental-between');
  const times = o.get('incremental-between-timestamp');
  if (ids === undefined && times === undefined) return undefined;
  let start: number;
  let end: number;
  if (ids !== undefined) {
    const [a, b] = parsePair(table.name, 'incremental-between', ids);
    start = Number(a);
    end = Number(b);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start) {
      throw new FreshetError(SqlState.invalidParameterValue, `option 'incremental-between' of table ${table.name} must be two snapshot ids 'start,end' with start <= end, got '${ids}'`);
    }
  } else {
    const [a, b] = parsePair(table.name, 'incremental-between-timestamp', times!);
    const ta = Number(a);
    const tb = Number(b);
    if (!Number.isFinite(ta) || !Number.isFinite(tb)) {
      throw new FreshetError(SqlState.invalidParameterValue, `option 'incremental-between-timestamp' of table ${table.name} must be two epoch-millisecond times, got '${times}'`);
    }
    start = (await table.snapshots.atOrBefore(ta))?.id ?? 0;
    end = (await table.snapshots.atOrBefore(tb))?.id ?? 0;
  }
  const latest = (await table.snapshots.latestId()) ?? 0;
  if (end > latest) {
    throw new FreshetError(SqlState.invalidParameterValue, `incremental read of table ${table.name} up to snapshot ${end}, but the latest is ${latest}`);
  }
  return { start, end };
}

async function liveSplits(table: FileStoreTable, s: Snapshot | undefined, predicates: readonly ColumnPredicate[]): Promise<Split[]> {
  return s ? planSplits(table, await table.liveEntries(s), predicates) : [];
}

/** Exact difference of one bucket's merged rows at two snapshots. */
async function* diffBucket(table: FileStoreTable, before: Split | undefined, after: Split | undefined, fields: readonly number[], batchSize: number): AsyncGenerator<KvBatch> {
  const layout = table.layout;
  const all = layout.fields.map((_, i) => i);
  const phys = layout.types.map(physicalOf);
  const encode = keyEncoder(layout.keyTypes, layout.keyTypes.map(() => true));
  const old = new Map<KeyValue, { b: KvBatch; r: number }>();
  const split = (before ?? after)!;
  if (before) {
    for await (const b of readBucket({ table, partition: split.partition, bucket: split.bucket, fields: all, dropDelete: true, batchSize }, before.files)) {
      const kc = layout.primaryKey.map((p) => b.columns[p]!);
      for (let i = 0; i < b.length; i++) old.set(encode(kc, i)!, { b, r: i });
    }
  }
  const same = (x: { b: KvBatch; r: number }, y: KvBatch, j: number): boolean => fields.every((f) => {
    const a = x.b.columns[f]!;
    const c = y.columns[f]!;
    const an = a.nulls !== null && a.nulls[x.r] === 1;
    const cn = c.nulls !== null && c.nulls[j] === 1;
    return an || cn ? an === cn : valuesEqual((a.values as ArrayLike<unknown>)[x.r], (c.values as ArrayLike<unknown>)[j]);
  });
  let out = new KvBuilder(phys, batchSize);
  if (after) {
    for await (const b of readBucket({ table, partition: split.partition, bucket: split.bucket, fields: all, dropDelete: true, batchSize }, after.files)) {
      const kc = layout.primaryKey.map((p) => b.columns[p]!);
      for (let i = 0; i < b.length; i++) {
        const k = encode(kc, i)!;
        const o = old.get(k);
        if (o === undefined) out.copy(b, i, INSERT, 0);
        else {
          old.delete(k);
          if (!same(o, b, i)) {
            out.copy(o.b, o.r, UPDATE_BEFORE, 0);
            out.copy(b, i, UPDATE_AFTER, 0);
          }
        }
        if (out.length >= batchSize) {
          yield out.build();
          out = new KvBuilder(phys, batchSize);
        }
      }
    }
  }
  for (const o of old.values()) {
    out.copy(o.b, o.r, DELETE, 0);
    if (out.length >= batchSize) {
      yield out.build();
      out = new KvBuilder(phys, batchSize);
    }
  }
  if (out.length > 0) yield out.build();
}

/** The changes in (start, end], as rows of `fields` with kinds. */
export async function* incrementalRead(table: FileStoreTable, range: { start: number; end: number }, fields: readonly number[], predicates: readonly ColumnPredicate[], batchSize: number): AsyncGenerator<Batch> {
  const layout = table.layout;
  const o = layout.options;
  let mode = o.incrementalScanMode();
  if (mode === 'auto') mode = !layout.hasPrimaryKey ? 'delta' : o.changelogProducer() === 'none' ? 'diff' : 'changelog';
  if (mode === 'diff' && layout.hasPrimaryKey) {
    const a = range.start > 0 ? await table.snapshots.snapshot(range.start) : undefined;
    const b = range.end > 0 ? await table.snapshots.snapshot(range.end) : undefined;
    const before = new Map((await liveSplits(table, a, predicates)).map((s) => [`${partitionKeyOf(s.partition)}|${s.bucket}`, s]));
    const after = await liveSplits(table, b, predicates);
    for (const s of after) {
      const k = `${partitionKeyOf(s.partition)}|${s.bucket}`;
      const prior = before.get(k);
      before.delete(k);
      for await (const kv of diffBucket(table, prior, s, fields, batchSize)) yield { columns: fields.map((f) => kv.columns[f]!), length: kv.length, kinds: kv.kinds };
    }
    for (const prior of before.values()) {
      for await (const kv of diffBucket(table, prior, undefined, fields, batchSize)) yield { columns: fields.map((f) => kv.columns[f]!), length: kv.length, kinds: kv.kinds };
    }
    return;
  }
  for (let id = range.start + 1; id <= range.end; id++) {
    const s = await table.snapshots.snapshot(id);
    if (mode === 'changelog' || !layout.hasPrimaryKey) {
      if (mode === 'changelog' && layout.hasPrimaryKey && o.changelogProducer() === 'none') {
        throw new FreshetError(SqlState.invalidParameterValue, `table ${table.name} has no changelog files ('changelog-producer' is 'none'), so 'incremental-between-scan-mode' = 'changelog' has nothing to read`, {
          hint: "Use 'diff' (or 'auto') for the exact changes, or 'delta' for the rows written.",
        });
      }
      yield* snapshotChanges(table, s, fields, predicates, batchSize, null);
      continue;
    }
    // delta: the rows each APPEND snapshot wrote, as written
    if (s.commitKind !== 'APPEND') continue;
    for (const e of await table.deltaEntries(s)) {
      if (e.kind !== 'ADD') continue;
      for await (const b of readFile({ table, partition: e.partition, bucket: e.bucket, fields, dropDelete: false, batchSize }, e.file)) {
        yield { columns: b.columns, length: b.length, kinds: b.kinds };
      }
    }
  }
}
