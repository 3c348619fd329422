/** What snapshots refer to: manifest lists, manifest files and data/changelog files. */
import type { FileStoreTable } from '../table.ts';
import type { Snapshot } from '../snapshot.ts';

export interface References {
  manifests: Set<string>;
  /** Data and changelog files, by path. */
  files: Set<string>;
}

export function emptyReferences(): References {
  return { manifests: new Set(), files: new Set() };
}

/** Manifest lists and manifest files a snapshot's lists name. */
export async function manifestsOf(t: FileStoreTable, s: Snapshot, into: Set<string>): Promise<void> {
  for (const list of [s.baseManifestList, s.deltaManifestList, s.changelogManifestList]) {
    if (list === null) continue;
    into.add(list);
    for (const m of await t.manifests.readList(list)) into.add(m.fileName);
  }
}

/** The files a snapshot can read: its live data files and its changelog files. */
export async function filesOf(t: FileStoreTable, s: Snapshot, into: Set<string>): Promise<void> {
  for (const e of await t.liveEntries(s)) into.add(t.filePath(e));
  for (const e of await t.changelogEntries(s)) into.add(t.filePath(e));
}

/** Everything the snapshots in [from, to] refer to (live files of `from`, then what each later delta added). */
export async function referencesOfRange(t: FileStoreTable, from: number, to: number): Promise<References> {
  const r = emptyReferences();
  for (let id = from; id <= to; id++) {
    const s = await t.snapshots.trySnapshot(id);
    if (!s) continue;
    await manifestsOf(t, s, r.manifests);
    if (id === from) await filesOf(t, s, r.files);
    else {
      for (const e of await t.deltaEntries(s)) if (e.kind === 'ADD') r.files.add(t.filePath(e));
      for (const e of await t.changelogEntries(s)) r.files.add(t.filePath(e));
    }
  }
  return r;
}
