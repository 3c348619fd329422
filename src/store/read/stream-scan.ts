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
 */
import type { ColumnPredicate } from '../../connectors/connector.ts';
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
}

/** Waits for snapshot `id` to exist; false when the read was cancelled first. */
async function awaitSnapshot(table: FileStoreTable, id: number, isCancelled: () => boolean): Promise<boolean> {
  const interval = table.layout.options.discoveryInterval();
  for (;;) {
    if (isCancelled()) return false;
    if (await table.snapshots.exists(id)) return true;
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
  const consumerId = opts.consumerId();
  const consumer = consumerId === undefined ? undefined : await readConsumer(t, consumerId);
  if (consumer !== undefined) {
    next = consumer.nextSnapshot;
  } else if (mode === 'latest-full' || mode === 'full' || mode === 'from-snapshot-full') {
    const s = mode === 'from-snapshot-full' ? await resolveSnapshot(t, o.timeZone) : await t.snapshots.latest();
    if (s) {
      const splits = await planSplits(t, await t.liveEntries(s), o.predicates);
      yield* readFull(t, splits, o.fields, o.batchSize, normalizer);
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
  for (;;) {
    if (!(await awaitSnapshot(t, next, o.isCancelled))) return;
    const earliest = await t.snapshots.earliestId();
    if (earliest !== undefined && next < earliest) {
      throw new FreshetError(SqlState.objectInUse, `streaming read of table ${t.name} needs snapshot ${next}, which has expired (the earliest is ${earliest})`, {
        hint: "The reader fell behind snapshot expiration. Give it a 'consumer-id' (consumers keep the snapshots they need), or raise 'snapshot.num-retained.min' / 'snapshot.time-retained'.",
      });
    }
    const s = await t.snapshots.snapshot(next);
    yield* snapshotChanges(t, s, o.fields, o.predicates, o.batchSize, normalizer);
    next++;
    o.position.next = next;
  }
}
