/**
 * Snapshot expiration: old snapshots go, and with them the files only they referred to.
 *
 * A snapshot may expire when more than 'snapshot.num-retained.min' newer ones exist and it is older
 * than 'snapshot.time-retained', or when more than 'snapshot.num-retained.max' exist; never one a
 * consumer still needs, and at most 'snapshot.expire.limit' per run. Snapshot files go first, oldest
 * first (so what remains is always a contiguous, readable range), then the files no remaining snapshot
 * refers to. A crash in between leaves only unreferenced files, which orphan-file removal finds.
 */
import type { FileStoreTable } from '../table.ts';
import { activeConsumers } from '../consumer.ts';
import { referencesOfRange } from './references.ts';
import { hit } from '../fault-points.ts';

export interface ExpireOptions {
  retainMin?: number;
  retainMax?: number;
  /** Snapshots committed before this time (epoch ms) may expire. */
  olderThan?: number;
  maxDeletes?: number;
}

/** Expires what the options (or the table's) allow; returns how many snapshots were removed. */
export async function expireSnapshots(t: FileStoreTable, opts: ExpireOptions = {}): Promise<number> {
  const o = t.layout.options;
  const retainMin = opts.retainMin ?? o.retainedMin();
  const retainMax = opts.retainMax ?? o.retainedMax();
  const olderThan = opts.olderThan ?? Date.now() - o.timeRetained();
  const limit = opts.maxDeletes ?? o.expireLimit();
  const earliest = await t.snapshots.earliestId();
  const latest = await t.snapshots.latestId();
  if (earliest === undefined || latest === undefined) return 0;
  let protectFrom = Infinity;
  for (const c of await activeConsumers(t)) protectFrom = Math.min(protectFrom, c.nextSnapshot);
  const keepFrom = latest - retainMin + 1;
  const mustGoBelow = latest - retainMax + 1;
  let newEarliest = earliest;
  while (newEarliest < keepFrom && newEarliest < protectFrom && newEarliest - earliest < limit) {
    if (newEarliest >= mustGoBelow) {
      const s = await t.snapshots.trySnapshot(newEarliest);
      if (s && s.timeMillis >= olderThan) break;
    }
    newEarliest++;
  }
  if (newEarliest === earliest) return 0;
  const gone = await referencesOfRange(t, earliest, newEarliest - 1);
  const kept = await referencesOfRange(t, newEarliest, latest);
  for (let id = earliest; id < newEarliest; id++) {
    await t.snapshots.remove(id);
    hit('expire:after-snapshot-delete');
  }
  await t.snapshots.writeHint('EARLIEST', newEarliest);
  for (const f of gone.files) if (!kept.files.has(f)) await t.io.delete(f);
  for (const m of gone.manifests) if (!kept.manifests.has(m)) await t.manifests.remove(m);
  return newEarliest - earliest;
}
