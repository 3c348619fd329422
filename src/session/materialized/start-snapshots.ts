/**
 * Where the reads of a continuous materialized-table job start when the table already holds the
 * query's result at known source snapshots (after a FULL run, on a switch to CONTINUOUS or a query
 * change). The job's session carries them as an option, so that the job record keeps them and a
 * restarted engine plans the same job; once the job has a checkpoint its read positions take over.
 */
import type { CatalogTable, ObjectIdentifier } from '../../catalog/objects.ts';
import { plainName } from '../../catalog/objects.ts';

export const START_SNAPSHOTS_OPTION = 'materialized-table.start-snapshots';

interface StartSnapshots {
  /** Read the snapshot in full first (tables with a primary key), or only the changes after it. */
  full: boolean;
  snapshots: Record<string, number>;
}

export function encodeStartSnapshots(full: boolean, snapshots: Record<string, number>): string {
  return JSON.stringify({ full, snapshots } satisfies StartSnapshots);
}

/** The scan options the option asks for (undefined when it is not set). */
export function startSnapshotScans(value: string | undefined): ((id: ObjectIdentifier, t: CatalogTable) => Record<string, string> | undefined) | undefined {
  if (value === undefined || value === '') return undefined;
  const s = JSON.parse(value) as StartSnapshots;
  return (id) => {
    const at = s.snapshots[plainName(id)];
    if (at === undefined) return undefined;
    if (at === 0) return { 'scan.mode': 'from-snapshot', 'scan.snapshot-id': '1' };
    return s.full ? { 'scan.mode': 'from-snapshot-full', 'scan.snapshot-id': String(at) } : { 'scan.mode': 'from-snapshot', 'scan.snapshot-id': String(at + 1) };
  };
}
