/**
 * A table-store table as a source of the engine.
 *
 *  batch runtime                 the rows of one snapshot (the latest, or the one time travel names)
 *  streaming runtime             a snapshot, then every change committed after it (see stream-scan.ts);
 *                                bounded to the snapshot alone with 'scan.bounded' = 'true'
 *  'incremental-between'         the changes between two snapshots, bounded, in either runtime (batch
 *                                shows only the rows added or updated: batch results have no deletes)
 *
 * Streaming jobs with checkpoints resume a read where it was: an unbounded read at the snapshot and row
 * stream-scan.ts reports; a bounded one at the row of the same snapshot (or incremental range).
 *
 * Partition predicates are applied exactly (partitions not matching are never listed); others only skip
 * files and row groups by their statistics.
 */
import type { Batch, Field } from '../../types/batch.ts';
import type { ColumnPredicate, LookupFunction, ScanContext, ScanRequest, ScanSource } from '../../connectors/connector.ts';
import type { FileStoreTable } from '../table.ts';
import { planSplits, readSplit, resolveSnapshot } from '../read/table-scan.ts';
import { incrementalRange, incrementalRead } from '../read/incremental.ts';
import { streamRead, type ReadPosition, type StreamPosition } from '../read/stream-scan.ts';
import { writeConsumer } from '../consumer.ts';
import { StoreLookup } from '../read/lookup-table.ts';
import { isRetractionKind } from '../merge/kinds.ts';
import { gatherBatch, sliceBatch } from '../../types/batch.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import type { DataType } from '../../types/data-type.ts';

export class StoreSource implements ScanSource {
  readonly fields: Field[];
  readonly bounded: boolean;
  readonly changelogMode: 'append' | 'retract';
  readonly resumable = true;
  private readonly table: FileStoreTable;
  private readonly streaming: boolean;
  private readonly incremental: boolean;
  private readonly positions: StreamPosition[] = [];
  /** Emit changes with their kinds even in a batch read (for `$audit_log`). */
  private readonly keepChanges: boolean;

  constructor(table: FileStoreTable, runtime: 'batch' | 'streaming', keepChanges = false) {
    this.table = table;
    this.keepChanges = keepChanges;
    const o = table.layout.options;
    this.fields = table.layout.fields;
    this.incremental = o.get('incremental-between') !== undefined || o.get('incremental-between-timestamp') !== undefined;
    this.streaming = runtime === 'streaming';
    this.bounded = !this.streaming || this.incremental || o.scanBounded() === true;
    this.changelogMode = this.streaming && table.layout.hasPrimaryKey && (this.incremental || !this.bounded) ? 'retract' : 'append';
  }

  describe(): string {
    const extra = Object.entries(this.table.dynamicOptions).filter(([k]) => k.startsWith('scan.') || k.startsWith('incremental') || k === 'consumer-id').map(([k, v]) => `, ${k}=${v}`).join('');
    return `table-store(${this.table.name}${extra})`;
  }

  predicateSupport(p: ColumnPredicate): 'exact' | 'prune' | 'none' {
    return this.table.layout.partition.includes(p.column) ? 'exact' : 'prune';
  }

  async *open(request: ScanRequest, ctx: ScanContext): AsyncIterable<Batch> {
    const table = await this.table.refreshed();
    const fields = request.columns;
    const range = await incrementalRange(table);
    const restored = ctx.restoredPosition as (ReadPosition | BoundedPosition | undefined);
    if (range) {
      let rows = 0;
      let skip = bounded(restored, table.name)?.rows ?? 0;
      for await (const b0 of incrementalRead(table, range, fields, request.predicates, ctx.batchSize)) {
        if (ctx.isCancelled()) return;
        const b = this.streaming || this.keepChanges ? b0 : insertsOnly(b0, fields.map((f) => table.layout.types[f]!));
        rows += b.length;
        const out = skipRows(b, skip);
        skip = Math.max(0, skip - b.length);
        if (out === null) continue;
        ctx.reportPosition?.({ phase: 'bounded', snapshot: 0, rows } satisfies BoundedPosition);
        yield out;
      }
      return;
    }
    if (!this.bounded) {
      const position: StreamPosition = { next: 0 };
      this.positions.push(position);
      const resume = restored as ReadPosition | undefined;
      if (resume !== undefined && (typeof resume !== 'object' || resume === null || (resume.phase !== 'full' && resume.phase !== 'changes'))) {
        throw new FreshetError(SqlState.dataCorrupted, `a checkpoint holds a position for table ${table.name} that is not a streaming read position`);
      }
      yield* streamRead({
        table, fields, predicates: request.predicates, batchSize: ctx.batchSize, timeZone: ctx.timeZone, isCancelled: ctx.isCancelled, position, bounded: false,
        resume, report: ctx.reportPosition, commit: ctx.reportCommit, caughtUp: ctx.reportCaughtUp,
      });
      return;
    }
    const at = bounded(restored, table.name);
    // a resumed read goes on in the snapshot it started with
    const s = at !== undefined && at.snapshot > 0 ? await table.snapshots.snapshot(at.snapshot) : await resolveSnapshot(table, ctx.timeZone);
    if (!s) return;
    let rows = 0;
    let skip = at?.rows ?? 0;
    for (const split of await planSplits(table, await table.liveEntries(s), request.predicates)) {
      for await (const b of readSplit(table, split, fields, request.predicates, ctx.batchSize)) {
        if (ctx.isCancelled()) return;
        rows += b.length;
        const out = skipRows(b, skip);
        skip = Math.max(0, skip - b.length);
        if (out === null) continue;
        ctx.reportPosition?.({ phase: 'bounded', snapshot: s.id, rows } satisfies BoundedPosition);
        yield out;
      }
    }
  }

  async checkpointed(): Promise<void> {
    const id = this.table.layout.options.consumerId();
    if (id === undefined) return;
    for (const p of this.positions) if (p.next > 0) await writeConsumer(this.table, id, p.next);
  }

  createLookup(keyColumns: readonly number[], columns: readonly number[], predicates: readonly ColumnPredicate[]): LookupFunction | undefined {
    return new StoreLookup(this.table, keyColumns, columns, predicates);
  }
}

/** Where a bounded read in a streaming job is: rows taken of one snapshot (0: an incremental range). */
interface BoundedPosition {
  phase: 'bounded';
  snapshot: number;
  rows: number;
}

function bounded(p: unknown, table: string): BoundedPosition | undefined {
  if (p === undefined) return undefined;
  const b = p as BoundedPosition;
  if (typeof b !== 'object' || b === null || b.phase !== 'bounded' || typeof b.rows !== 'number') {
    throw new FreshetError(SqlState.dataCorrupted, `a checkpoint holds a position for table ${table} that is not a bounded read position`);
  }
  return b;
}

/** `b` without its first `skip` rows; null when nothing is left. */
function skipRows(b: Batch, skip: number): Batch | null {
  if (skip <= 0) return b;
  if (skip >= b.length) return null;
  return sliceBatch(b, skip, b.length);
}

/** A batch result holds rows, not changes: keep +I/+U rows (as inserts), drop retractions. */
function insertsOnly(b: Batch, types: readonly DataType[]): Batch {
  if (b.kinds === null) return b;
  const keep: number[] = [];
  for (let i = 0; i < b.length; i++) if (!isRetractionKind(b.kinds[i]!)) keep.push(i);
  return { ...gatherBatch(b, types, keep), kinds: null };
}
