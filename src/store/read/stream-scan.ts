/**
 * Streaming reads: where to start (scan.mode, time travel options, a consumer's recorded position),
 * then every following snapshot's changes, forever (or until `scan.bounded`).
 *
 *   latest-full (default)  the latest snapshot in full, then its successors' changes
 *   latest                 only changes committed from now on
 *   from-snapshot          changes from snapshot 'scan.snapshot-id' on (inclusive)
 *   from-snapshot-full     snapshot 'scan.snapshot-id' in full, then changes after it
 *   from-timestamp         changes committed after 'scan.timestamp-millis' / 'scan.timestamp'
 *
 * With 'consumer-id', a reader resumes where that consumer's last checkpoint left it, and the consumer
 * keeps the snapshots it still needs from expiring. New snapshots are noticed at once when the writer
 * runs in this process, else by polling every 'continuous.discovery-interval'.
 *
 * For checkpoints, a read reports where it is (ReadPosition): the snapshot it reads in full or whose
 * changes it reads, and the rows of it taken so far, since one snapshot's changes may span checkpoints.
 * A resumed read reads that snapshot again past those rows. For primary-key tables without a changelog
 * producer, the normalizer's state (the table as the read has seen it) is rebuilt first: from the
 * previous snapshot in full when the read began with a full snapshot, else by reading again, without
 * emitting, the changes from the read's first snapshot on.
 */
import { skipAndReport } from '../../connectors/resume.ts';
import type { ColumnPredicate, SourceCommit } from '../../connectors/connector.ts';
import type { Batch } from '../../types/batch.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import type { FileStoreTable } from '../table.ts';
import { waitForCommit } from '../notify.ts';
import { planSplits, resolveSnapshot } from './table-scan.ts';
import { Normalizer, readFull, snapshotChanges } from './changes.ts';
import { readConsumer } from '../consumer.ts';

export interface StreamPosition {
  /** The next snapshot whose changes the reader will emit. */
  next: number;
}

/** Where a streaming read is, as plain data (see the module comment). */
export interface ReadPosition {
  /** 'full': reading snapshot `snapshot` in full; 'changes': reading the changes snapshot `snapshot` made. */
  phase: 'full' | 'changes';
  snapshot: number;
  /** Rows of that snapshot (or of its changes) already taken. */
  rows: number;
  /** The snapshot the read began by reading in full (0: none). */
  base: number;
  /** The first snapshot whose changes the read emits. */
  first: number;
}

export interface StreamReadOptions {
  table: FileStoreTable;
  fields: readonly number[];
  predicates: readonly ColumnPredicate[];
  batchSize: number;
  timeZone: string;
  isCancelled: () => boolean;
  /** Updated as snapshots are fully emitted (what a consumer records at checkpoints). */
  position: StreamPosition;
  /** Stop after the starting snapshot ('scan.bounded'). */
  bounded: boolean;
  /** Resume here (a position this read reported in an earlier run of its job). */
  resume?: ReadPosition;
  /** Called before each batch is yielded with the position right after it. */
  report?: (p: ReadPosition) => void;
  /** Called before each batch is yielded with the commit it comes from (ScanContext.reportCommit). */
  commit?: (c: SourceCommit) => void;
  /** Called when the read has emitted every snapshot so far and waits for the next (ScanContext.reportCaughtUp). */
  caughtUp?: (time: number) => void;
}

/** Reads `src` to its end without emitting (what a normalizer's state is rebuilt from). */
async function drainAll(src: AsyncIterable<Batch>): Promise<void> {
  for await (const _ of src) { /* the normalizer takes the rows in */ }
}

/** Waits for snapshot `id` to exist; false when the read was cancelled first. `onWait`: it does not exist yet. */
async function awaitSnapshot(table: FileStoreTable, id: number, isCancelled: () => boolean, onWait: () => void): Promise<boolean> {
  const interval = table.layout.options.discoveryInterval();
  let waited = false;
  for (;;) {
    if (isCancelled()) return false;
    if (await table.snapshots.exists(id)) return true;
    if (!waited) {
      waited = true;
      onWait();
    }
    // wake up at a commit in this process, at the poll interval, or often enough to notice cancellation
    const deadline = Date.now() + interval;
    let notified = false;
    while (!notified && Date.now() < deadline) {
      if (isCancelled()) return false;
      const before = Date.now();
      await waitForCommit(table.path, Math.min(200, deadline - Date.now()));
      notified = Date.now() - before < 195;
    }
  }
}

export async function* streamRead(o: StreamReadOptions): AsyncGenerator<Batch> {
  const t = o.table;
  const layout = t.layout;
  const opts = layout.options;
  const normalizer = layout.hasPrimaryKey && opts.changelogProducer() === 'none' ? new Normalizer(t) : null;
  let mode = opts.scanMode();
  if (mode === 'default') {
    mode = opts.scanSnapshotId() !== undefined ? 'from-snapshot'
      : opts.scanTimestampMillis() !== undefined || opts.get('scan.timestamp') !== undefined ? 'from-timestamp' : 'latest-full';
  }
  let next: number;
  let base = 0;
  let skip = 0;
  const report = o.report ?? (() => {});
  const commit = o.commit ?? (() => {});
  const full = async function* (id: number, rows: number): AsyncGenerator<Batch> {
    const s = await snapshotNeeded(t, id);
    const splits = await planSplits(t, await t.liveEntries(s), o.predicates);
    const from: SourceCommit = { time: s.timeMillis, snapshot: true };
    yield* skipAndReport(readFull(t, splits, o.fields, o.batchSize, normalizer), rows, (n) => {
      report({ phase: 'full', snapshot: id, rows: n, base: id, first: id + 1 });
      commit(from);
    });
  };
  const consumerId = opts.consumerId();
  const consumer = consumerId === undefined || o.resume !== undefined ? undefined : await readConsumer(t, consumerId);
  const r = o.resume;
  if (r !== undefined) {
    base = r.base;
    if (r.phase === 'full') {
      yield* full(r.snapshot, r.rows);
      next = r.snapshot + 1;
    } else {
      next = r.snapshot;
      skip = r.rows;
      if (normalizer !== null) {
        // the table as the read had seen it before snapshot `next`
        if (base > 0 && next - 1 >= base) {
          const prev = await snapshotNeeded(t, next - 1);
          await drainAll(readFull(t, await planSplits(t, await t.liveEntries(prev), o.predicates), o.fields, o.batchSize, normalizer));
        } else {
          for (let id = r.first; id < next; id++) await drainAll(snapshotChanges(t, await snapshotNeeded(t, id), o.fields, o.predicates, o.batchSize, normalizer));
        }
      }
    }
  } else if (consumer !== undefined) {
    next = consumer.nextSnapshot;
  } else if (mode === 'latest-full' || mode === 'full' || mode === 'from-snapshot-full') {
    const s = mode === 'from-snapshot-full' ? await resolveSnapshot(t, o.timeZone) : await t.snapshots.latest();
    if (s) {
      base = s.id;
      yield* full(s.id, 0);
      next = s.id + 1;
    } else next = 1;
  } else if (mode === 'latest') {
    next = ((await t.snapshots.latestId()) ?? 0) + 1;
  } else if (mode === 'from-snapshot') {
    next = opts.scanSnapshotId() ?? 1;
  } else {
    // from-timestamp: changes committed after the time
    const at = await resolveSnapshot(t, o.timeZone).catch(() => undefined);
    next = at ? at.id + 1 : ((await t.snapshots.earliestId()) ?? 1);
  }
  o.position.next = next;
  if (o.bounded) return;
  const first = r?.first ?? next;
  // the commit time of the last snapshot read, for telling that the read has caught up
  let lastTime: number | undefined = next > 1 ? (await t.snapshots.snapshot(next - 1).catch(() => undefined))?.timeMillis : undefined;
  for (;;) {
    const caughtUpAt = lastTime;
    if (!(await awaitSnapshot(t, next, o.isCancelled, () => { if (caughtUpAt !== undefined) o.caughtUp?.(caughtUpAt); }))) return;
    const s = await snapshotNeeded(t, next);
    const id = next;
    lastTime = s.timeMillis;
    const from: SourceCommit = { time: s.timeMillis, snapshot: false };
    yield* skipAndReport(snapshotChanges(t, s, o.fields, o.predicates, o.batchSize, normalizer), skip, (n) => {
      report({ phase: 'changes', snapshot: id, rows: n, base, first });
      commit(from);
    });
    skip = 0;
    next++;
    o.position.next = next;
  }
}

/** Snapshot `id`, which the read needs: an error that says why when it has expired. */
async function snapshotNeeded(t: FileStoreTable, id: number) {
  const earliest = await t.snapshots.earliestId();
  if (earliest !== undefined && id < earliest) {
    throw new FreshetError(SqlState.objectInUse, `streaming read of table ${t.name} needs snapshot ${id}, which has expired (the earliest is ${earliest})`, {
      hint: "The reader fell behind snapshot expiration. Give it a 'consumer-id' (consumers keep the snapshots they need), or raise 'snapshot.num-retained.min' / 'snapshot.time-retained'.",
    });
  }
  return t.snapshots.snapshot(id);
}
