/**
 * Orphan-file removal: files in the table's directory that no snapshot refers to — left by writers that
 * crashed or lost a commit race, by aborted writes, or by an expiration that was interrupted. Only files
 * older than `olderThan` go, so the files of a write still in progress (not yet committed) are safe with
 * the default of one day.
 */
import type { FileStoreTable } from '../table.ts';
import { joinPath } from '../../fs/file-io.ts';
import { emptyReferences, filesOf, manifestsOf } from './references.ts';

export interface OrphanResult {
  /** Paths removed (or that would be, in a dry run), relative to the table directory. */
  files: string[];
}

export async function removeOrphanFiles(t: FileStoreTable, olderThan: number, dryRun = false): Promise<OrphanResult> {
  const refs = emptyReferences();
  const earliest = await t.snapshots.earliestId();
  const latest = await t.snapshots.latestId();
  if (earliest !== undefined && latest !== undefined) {
    for (let id = earliest; id <= latest; id++) {
      const s = await t.snapshots.trySnapshot(id);
      if (!s) continue;
      await manifestsOf(t, s, refs.manifests);
      await filesOf(t, s, refs.files);
    }
  }
  const root = t.path.endsWith('/') ? t.path : t.path + '/';
  const keepDirs = ['schema/', 'snapshot/', 'consumer/', 'tag/', 'materialized/'];
  const out: string[] = [];
  for (const f of await t.io.listRecursive(t.path)) {
    const rel = f.path.startsWith(root) ? f.path.slice(root.length) : f.path;
    if (f.modificationTime >= olderThan) continue;
    const name = f.name;
    const temp = name.startsWith('.');
    if (keepDirs.some((d) => rel.startsWith(d))) {
      // metadata directories only hold orphans as leftover temporary files of atomic writes
      if (temp) out.push(rel);
      continue;
    }
    if (rel.startsWith('manifest/')) {
      if (temp || !refs.manifests.has(name)) out.push(rel);
      continue;
    }
    if (temp || !refs.files.has(f.path)) out.push(rel);
  }
  if (!dryRun) for (const rel of out) await t.io.delete(joinPath(t.path, rel));
  return { files: out };
}
