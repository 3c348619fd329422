/**
 * The LSM tree of one bucket: level-0 files (each its own sorted run, newest first) and levels 1..max
 * (each one sorted run of files with disjoint key ranges). Sorted runs are what universal compaction
 * counts and merges.
 */
import type { DataType } from '../../types/data-type.ts';
import type { DataFileMeta } from '../manifest.ts';
import { compareEncodedKeys } from '../key-comparator.ts';

export interface SortedRun {
  level: number;
  files: DataFileMeta[];
  size: number;
}

export class Levels {
  readonly maxLevel: number;
  private readonly keyTypes: readonly DataType[];
  /** Newest first (by sequence number). */
  level0: DataFileMeta[] = [];
  private readonly levels: DataFileMeta[][];

  constructor(files: readonly DataFileMeta[], numLevels: number, keyTypes: readonly DataType[]) {
    this.maxLevel = numLevels - 1;
    this.keyTypes = keyTypes;
    this.levels = Array.from({ length: numLevels }, () => []);
    this.add(files);
  }

  private sortLevel0(): void {
    this.level0.sort((a, b) => b.maxSeq - a.maxSeq || b.minSeq - a.minSeq || (a.fileName < b.fileName ? -1 : 1));
  }

  private add(files: readonly DataFileMeta[]): void {
    for (const f of files) {
      // a file from a table with more levels than now configured joins the top level
      const level = Math.min(f.level, this.maxLevel);
      if (level === 0) this.level0.push(f);
      else this.levels[level]!.push(f);
    }
    this.sortLevel0();
    for (let l = 1; l <= this.maxLevel; l++) this.levels[l]!.sort((a, b) => compareEncodedKeys(a.minKey, b.minKey, this.keyTypes));
  }

  addLevel0(f: DataFileMeta): void {
    this.level0.push(f);
    this.sortLevel0();
  }

  /** Replaces compacted files by their result. */
  update(before: readonly DataFileMeta[], after: readonly DataFileMeta[]): void {
    const gone = new Set(before.map((f) => `${f.level}|${f.fileName}`));
    this.level0 = this.level0.filter((f) => !gone.has(`0|${f.fileName}`));
    for (let l = 1; l <= this.maxLevel; l++) this.levels[l] = this.levels[l]!.filter((f) => !gone.has(`${l}|${f.fileName}`));
    this.add(after);
  }

  /** Sorted runs, newest first: each level-0 file, then each non-empty level. */
  runs(): SortedRun[] {
    const out: SortedRun[] = this.level0.map((f) => ({ level: 0, files: [f], size: f.fileSize }));
    for (let l = 1; l <= this.maxLevel; l++) {
      const files = this.levels[l]!;
      if (files.length > 0) out.push({ level: l, files, size: files.reduce((s, f) => s + f.fileSize, 0) });
    }
    return out;
  }

  numberOfSortedRuns(): number {
    let n = this.level0.length;
    for (let l = 1; l <= this.maxLevel; l++) if (this.levels[l]!.length > 0) n++;
    return n;
  }

  /** The highest level holding files (-1 when empty). */
  highestNonEmptyLevel(): number {
    for (let l = this.maxLevel; l >= 1; l--) if (this.levels[l]!.length > 0) return l;
    return this.level0.length > 0 ? 0 : -1;
  }

  allFiles(): DataFileMeta[] {
    return [...this.level0, ...this.levels.slice(1).flat()];
  }

  maxSequence(): number {
    let m = -1;
    for (const f of this.allFiles()) m = Math.max(m, f.maxSeq);
    return m;
  }
}

/**
 * Groups files of one bucket for reading: sections of files whose key ranges overlap (a key is only
 * ever in one section), and inside a section, sorted runs of files with disjoint ranges. A section of
 * one run needs no merging.
 */
export function intervalPartition(files: readonly DataFileMeta[], keyTypes: readonly DataType[]): DataFileMeta[][][] {
  const cmp = (a: DataFileMeta['minKey'], b: DataFileMeta['minKey']): number => compareEncodedKeys(a, b, keyTypes);
  const sorted = [...files].sort((a, b) => cmp(a.minKey, b.minKey) || cmp(a.maxKey, b.maxKey));
  const sections: DataFileMeta[][] = [];
  let current: DataFileMeta[] = [];
  let bound: DataFileMeta['maxKey'] | null = null;
  for (const f of sorted) {
    if (bound !== null && cmp(f.minKey, bound) > 0) {
      sections.push(current);
      current = [];
      bound = null;
    }
    current.push(f);
    if (bound === null || cmp(f.maxKey, bound) > 0) bound = f.maxKey;
  }
  if (current.length > 0) sections.push(current);
  return sections.map((section) => {
    const runs: DataFileMeta[][] = [];
    for (const f of section) {
      // the run whose last file ends earliest before this one starts
      let best = -1;
      for (let r = 0; r < runs.length; r++) {
        const last = runs[r]![runs[r]!.length - 1]!;
        if (cmp(last.maxKey, f.minKey) < 0 && (best < 0 || cmp(last.maxKey, runs[best]![runs[best]!.length - 1]!.maxKey) < 0)) best = r;
      }
      if (best < 0) runs.push([f]);
      else runs[best]!.push(f);
    }
    return runs;
  });
}
