/**
 * Universal compaction of one bucket's LSM tree, and the rewrite that carries it out.
 *
 * Picking looks at the sorted runs newest first and, in order:
 *  1. size amplification: when everything above the oldest run is more than
 *     'compaction.max-size-amplification-percent' of it, compact all runs;
 *  2. size ratio: starting from the newest run, take the next run while it is no bigger than what was
 *     taken so far (plus 'compaction.size-ratio' percent), and compact if that is two runs or more;
 *  3. run count: past 'num-sorted-run.compaction-trigger' runs, compact the newest runs so that the
 *     count drops back below it.
 * (1) and (2) only apply once the run count reached the trigger. The output goes one level below the
 * first run left out (never to level 0), or to the top level when every run is included — only then
 * are deletes dropped, because no older version of a key can exist below.
 */
import type { DataFileMeta } from '../manifest.ts';
import type { Levels, SortedRun } from './levels.ts';

export interface CompactUnit {
  runs: SortedRun[];
  outputLevel: number;
  dropDelete: boolean;
}

export interface CompactionOptions {
  trigger: number;
  maxSizeAmplification: number;
  sizeRatio: number;
}

function unitOf(levels: Levels, runs: SortedRun[], count: number): CompactUnit {
  let outputLevel: number;
  if (count === runs.length) outputLevel = levels.maxLevel;
  else {
    outputLevel = Math.max(0, runs[count]!.level - 1);
    if (outputLevel === 0) {
      // never write level 0: take runs until one above level 0 is included
      while (count < runs.length) {
        const next = runs[count]!;
        count++;
        if (next.level !== 0) {
          outputLevel = next.level;
          break;
        }
      }
    }
    if (count === runs.length) outputLevel = levels.maxLevel;
  }
  const picked = runs.slice(0, count);
  const dropDelete = outputLevel !== 0 && outputLevel >= levels.highestNonEmptyLevel();
  return { runs: picked, outputLevel, dropDelete };
}

function bySizeRatio(levels: Levels, runs: SortedRun[], start: number, o: CompactionOptions, force: boolean): CompactUnit | undefined {
  let size = runs.slice(0, start).reduce((s, r) => s + r.size, 0);
  let count = start;
  for (let i = start; i < runs.length; i++) {
    const next = runs[i]!;
    if (size * (100 + o.sizeRatio) / 100 < next.size) break;
    size += next.size;
    count++;
  }
  if (force || count > 1) return unitOf(levels, runs, count);
  return undefined;
}

export function pickCompaction(levels: Levels, o: CompactionOptions): CompactUnit | undefined {
  const runs = levels.runs();
  if (runs.length < 2 || runs.length < o.trigger) return undefined;
  const oldest = runs[runs.length - 1]!;
  const above = runs.slice(0, -1).reduce((s, r) => s + r.size, 0);
  if (above * 100 > o.maxSizeAmplification * oldest.size) return unitOf(levels, runs, runs.length);
  const ratio = bySizeRatio(levels, runs, 1, o, false);
  if (ratio) return ratio;
  if (runs.length > o.trigger) return bySizeRatio(levels, runs, runs.length - o.trigger + 1, o, true);
  return undefined;
}

/** Everything into the top level (CALL sys.compact, full compaction); undefined when already so. */
export function fullCompaction(levels: Levels): CompactUnit | undefined {
  const runs = levels.runs();
  if (runs.length === 0) return undefined;
  if (runs.length === 1 && runs[0]!.level === levels.maxLevel && runs[0]!.files.every((f) => f.deleteRowCount === 0)) return undefined;
  return { runs, outputLevel: levels.maxLevel, dropDelete: true };
}

export function filesOf(unit: CompactUnit): DataFileMeta[] {
  return unit.runs.flatMap((r) => r.files);
}
