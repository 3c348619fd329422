/**
 * What a writer hands the committer for one bucket at prepare time: files it wrote (not yet part of
 * the table), changelog files, and the before/after of compactions it ran.
 */
import type { DataFileMeta } from '../manifest.ts';
import type { JsonScalar } from '../value-codec.ts';

export interface CommitMessage {
  partition: JsonScalar[];
  bucket: number;
  totalBuckets: number;
  newFiles: DataFileMeta[];
  changelogFiles: DataFileMeta[];
  compactBefore: DataFileMeta[];
  compactAfter: DataFileMeta[];
}

export function isEmptyMessage(m: CommitMessage): boolean {
  return m.newFiles.length === 0 && m.changelogFiles.length === 0 && m.compactBefore.length === 0 && m.compactAfter.length === 0;
}
