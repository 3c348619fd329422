/**
 * Shared plumbing for the property suites: seeded fast-check settings, the check that compares one
 * query in both engines, and the bookkeeping of disagreements that are known engine bugs.
 *
 * Environment knobs (all optional):
 *   PROP_SEED=<int>     another seed than the fixed one
 *   PROP_RUNS=<int>     runs per property (default: each property's own moderate number)
 *   PROP_EXPLORE=1      do not stop at the first disagreement: print every one and pass (bug hunting)
 *   PROP_NO_KNOWN=1     ignore known-bugs.ts (no steering around known bugs, no skipping their cases)
 */
import type { Parameters as FcParameters } from 'fast-check';
import { KNOWN_BUGS, type KnownBug, type Disagreement } from '../known-bugs.ts';
import { outcomesAgree, reproText, type Oracle, type Outcome, type Tolerance } from './oracle.ts';
import type { TableSpec } from './sql-model.ts';

export const SEED = process.env['PROP_SEED'] !== undefined ? Number(process.env['PROP_SEED']) : 20240611;
export const EXPLORE = process.env['PROP_EXPLORE'] === '1';
const ACTIVE_BUGS = process.env['PROP_NO_KNOWN'] === '1' ? [] : KNOWN_BUGS;

export function fcParams(defaultRuns: number): FcParameters<unknown> {
  const runs = process.env['PROP_RUNS'] !== undefined ? Number(process.env['PROP_RUNS']) : defaultRuns;
  // no interruptAfterTimeLimit: an interrupted run would go on in the background while the next property
  // replaces the tables it reads
  return { seed: SEED, numRuns: runs, endOnFailure: false };
}

/** Per-test timeout: the default one, or an hour for bug hunts with many runs. */
export const TEST_TIMEOUT = EXPLORE || process.env['PROP_RUNS'] !== undefined ? 3_600_000 : 60_000;

/** Generator switches for known bugs (see known-bugs.ts): constructs to steer around while a bug is open. */
export const AVOID: ReadonlySet<string> = new Set(ACTIVE_BUGS.flatMap((b) => (b.avoid ? [b.avoid] : [])));

/** Known bugs that disagreements were attributed to during this run, with counts (reported at the end). */
export const knownHits = new Map<string, number>();
const explored = new Set<string>();

export function reportKnownHits(suite: string): void {
  if (knownHits.size === 0) return;
  const lines = [...knownHits].map(([id, n]) => `  ${id}: ${n} case(s) skipped`);
  console.info(`[${suite}] disagreements attributed to known engine bugs (see test/property/known-bugs.ts):\n${lines.join('\n')}`);
}

export interface Check {
  title: string;
  tables: readonly TableSpec[];
  freshetSql: string;
  duckSql: string;
  rowsort: boolean;
  tol: Tolerance;
  /** Adjusts DuckDB's outcome to Flink semantics before comparing (e.g. SUM beyond 64 bits fails). */
  adjustDuck?: (dk: Outcome) => Outcome;
}

/**
 * Runs `c.freshetSql` and `c.duckSql` (tables must exist already) and throws an error whose message is a
 * reproducing script when the answers differ, unless the difference is a known bug.
 */
export async function check(oracle: Oracle, c: Check): Promise<void> {
  const fr = await oracle.freshet(c.freshetSql);
  let dk = await oracle.duckdb(c.duckSql);
  if (c.adjustDuck) dk = c.adjustDuck(dk);
  if (outcomesAgree(fr, dk, { rowsort: c.rowsort, tol: c.tol })) return;
  const d: Disagreement = { freshetSql: c.freshetSql, duckSql: c.duckSql, tables: c.tables, fr, dk };
  const known: KnownBug | undefined = ACTIVE_BUGS.find((b) => b.matches?.(d));
  if (known) {
    knownHits.set(known.id, (knownHits.get(known.id) ?? 0) + 1);
    return;
  }
  const text = reproText({ ...c, fr, dk, duckPrelude: oracle.duckPrelude() });
  if (EXPLORE) {
    const key = `${c.freshetSql}`;
    if (!explored.has(key)) {
      explored.add(key);
      console.log('\n=== DISAGREEMENT ===\n' + text);
    }
    return;
  }
  throw new Error(text);
}
