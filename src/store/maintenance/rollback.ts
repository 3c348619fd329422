/**
 * Rolling a table back to an earlier snapshot: the newer snapshots are removed, newest first (so the
 * latest remaining snapshot is always complete), then the files only they referred to.
 */
import { FreshetError, SqlState } from '../../util/errors.ts';
import type { FileStoreTable } from '../table.ts';
import { referencesOfRange } from './references.ts';

/** Returns how many snapshots were removed. */
export async function rollbackTo(t: FileStoreTable, id: number): Promise<number> {
  const earliest = await t.snapshots.earliestId();
  const latest = await t.snapshots.latestId();
  if (earliest === undefined || latest === undefined || id < earliest || id > latest) {
    throw new FreshetError(SqlState.invalidParameterValue, `cannot roll table ${t.name} back to snapshot ${id}: ${earliest === undefined ? 'the table has no snapshots' : `snapshots ${earliest}..${latest} exist`}`, {
      hint: 'SELECT snapshot_id, commit_time FROM `t$snapshots` lists them.',
    });
  }
  if (id === latest) return 0;
  const gone = await referencesOfRange(t, id + 1, latest);
  const kept = await referencesOfRange(t, earliest, id);
  for (let s = latest; s > id; s--) await t.snapshots.remove(s);
  await t.snapshots.writeHint('LATEST', id);
  for (const f of gone.files) if (!kept.files.has(f)) await t.io.delete(f);
  for (const m of gone.manifests) if (!kept.manifests.has(m)) await t.manifests.remove(m);
  return latest - id;
}
