/**
 * Merge engines of primary-key tables, property-tested against an oracle: random sequences of changes
 * (+I/-U/+U/-D, few keys, NULLs) over several commits, written through TableWrite/TableCommit with tiny
 * write buffers, low compaction triggers and several buckets, so that flushes, several sorted runs and
 * compactions (during writes, and full ones in between) all happen; a coverage test checks they did.
 * The oracle keeps every version of every key in arrival order and folds them by the engine's rule (in
 * 'sequence.field' order when set). After every commit and compaction, and after a final full compaction
 * (compactTable), the batch read of the table must equal the oracle.
 *
 * Deterministic tests add what random small tables do not reach: partial compactions into middle levels,
 * levels of several rolled files, and the errors of engines that refuse retractions.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryFileIO } from '../../src/fs/memory.ts';
import { FileStoreTable } from '../../src/store/table.ts';
import { TableWrite } from '../../src/store/write/table-write.ts';
import { TableCommit } from '../../src/store/commit/table-commit.ts';
import { planSplits, readSplit } from '../../src/store/read/table-scan.ts';
import { compactTable } from '../../src/store/maintenance/compact.ts';
import { batchFromRows } from '../../src/types/batch.ts';
import { T, notNull, type DataType } from '../../src/types/data-type.ts';
import { memoryStore } from '../helpers/memory-store.ts';
import { D, I, UA, UB, StepRunner, isRetract, legalizeSequence, legalizeSteps, scanRows, type Step, type Version } from './store-test-kit.ts';

interface Col {
  name: string;
  type: DataType;
  /** Values of the column in generated rows (keys come from the key generator). */
  gen?: fc.Arbitrary<unknown>;
}

interface Scenario {
  name: string;
  cols: Col[];
  primaryKeys: string[];
  partitionKeys?: string[];
  options: Record<string, string>;
  kinds: number[];
  /** The row a key has after these versions (arrival order), or undefined when it has none. */
  fold(versions: Version[]): unknown[] | undefined;
  /** Rewrites generated versions (arrival order, all keys) into ones the engine defines a result for. */
  legalize?(versions: Version[]): Version[];
  runs: number;
}

const smallInt = fc.option(fc.integer({ min: -3, max: 5 }), { nil: null, freq: 4 });
const word = fc.option(fc.constantFrom('a', 'b', 'c', 'dd'), { nil: null, freq: 4 });
const bool = fc.option(fc.boolean(), { nil: null, freq: 4 });

// ---------------------------------------------------------------------------------------------------
// running one scenario

interface Tuning {
  bucket: number;
  buffer: string;
  trigger: number;
  target: string;
  /** 'compaction.max-size-amplification-percent': tiny files always look amplified, so a high value lets partial compactions (into middle levels) happen. */
  amp?: number;
}

const tuningArb: fc.Arbitrary<Tuning> = fc.record({
  bucket: fc.constantFrom(1, 2, 3),
  buffer: fc.constantFrom('150 b', '400 b', '2 kb'),
  trigger: fc.constantFrom(2, 3, 4),
  target: fc.constantFrom('700 b', '128 mb'),
  amp: fc.constantFrom(200, 100_000),
});

async function createTable(sc: Scenario, tuning: Tuning): Promise<FileStoreTable> {
  const name = memoryStore('merge');
  const io = new MemoryFileIO();
  return FileStoreTable.create(io, `memory://${name}/db.db/t`, 't', {
    fields: sc.cols.map((c, i) => ({ id: i, name: c.name, type: c.type })),
    highestFieldId: sc.cols.length - 1,
    partitionKeys: sc.partitionKeys ?? [],
    primaryKeys: sc.primaryKeys,
    options: {
      bucket: String(tuning.bucket),
      'write-buffer-size': tuning.buffer,
      'num-sorted-run.compaction-trigger': String(tuning.trigger),
      'target-file-size': tuning.target,
      ...(tuning.amp === undefined ? {} : { 'compaction.max-size-amplification-percent': String(tuning.amp) }),
      ...sc.options,
    },
  });
}

function keyPositions(sc: Scenario): number[] {
  return sc.primaryKeys.map((k) => sc.cols.findIndex((c) => c.name === k));
}

function keyString(row: readonly unknown[], keys: readonly number[]): string {
  return JSON.stringify(keys.map((k) => row[k]));
}

function sortRows(rows: unknown[][], keys: readonly number[]): unknown[][] {
  return rows.map((r) => ({ r, k: keyString(r, keys) })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0)).map((x) => x.r);
}

async function readTable(t: FileStoreTable, sc: Scenario): Promise<unknown[][]> {
  const s = await t.snapshots.latest();
  if (!s) return [];
  return sortRows(await scanRows(t, s, sc.cols.map((c) => c.type), 64), keyPositions(sc));
}

function oracle(sc: Scenario, history: Version[]): unknown[][] {
  const keys = keyPositions(sc);
  const byKey = new Map<string, Version[]>();
  for (const v of history) {
    const k = keyString(v.row, keys);
    let list = byKey.get(k);
    if (!list) byKey.set(k, (list = []));
    list.push(v);
  }
  const out: unknown[][] = [];
  for (const versions of byKey.values()) {
    const r = sc.fold(versions);
    if (r !== undefined) out.push(r);
  }
  return sortRows(out, keys);
}

function stepsArb(sc: Scenario): fc.Arbitrary<Step[]> {
  const version: fc.Arbitrary<Version> = fc.tuple(fc.constantFrom(...sc.kinds), fc.tuple(...sc.cols.map((c) => c.gen!))).map(([kind, row]) => ({ kind, row }));
  const commit: fc.Arbitrary<Step> = fc.record({
    kind: fc.constant('commit' as const),
    batches: fc.array(fc.array(version, { minLength: 1, maxLength: 14 }), { minLength: 1, maxLength: 3 }),
    freshWriter: fc.boolean(),
  });
  // many distinct keys at once: a sorted run much bigger than the small flushes, so that universal
  // compaction merges only the newer runs, into a middle level
  const k = sc.cols.findIndex((c) => c.name === 'k');
  const bulk: fc.Arbitrary<Step> = fc.tuple(fc.array(version, { minLength: 150, maxLength: 250 }), fc.boolean()).map(([vs, freshWriter]) => ({
    kind: 'commit' as const,
    batches: [vs.map((v, i) => ({ kind: I, row: v.row.map((x, c) => (c === k ? 100 + i : x)) }))],
    freshWriter,
  }));
  const compact: fc.Arbitrary<Step> = fc.constant({ kind: 'compact' as const });
  return fc.array(fc.oneof({ weight: 6, arbitrary: commit }, { weight: 1, arbitrary: bulk }, { weight: 1, arbitrary: compact }), { minLength: 1, maxLength: 6 });
}

/** What the runs exercised, to check that the tuning really makes the LSM work. */
const coverage = { scenarios: 0, sortedRunsInABucket: 0, middleLevels: 0, writerCompactions: 0, tombstones: 0 };

/** Notes what the table's files show; returns the number of files in middle levels (above 0, below the top). */
async function noteCoverage(t: FileStoreTable): Promise<number> {
  const s = await t.snapshots.latest();
  if (!s) return 0;
  let middle = 0;
  const maxLevel = t.layout.options.numLevels() - 1;
  const byBucket = new Map<string, { l0: number; levels: Set<number> }>();
  for (const e of await t.liveEntries(s)) {
    const k = `${JSON.stringify(e.partition)}|${e.bucket}`;
    let b = byBucket.get(k);
    if (!b) byBucket.set(k, (b = { l0: 0, levels: new Set() }));
    if (e.file.level === 0) b.l0++;
    else b.levels.add(e.file.level);
    if (e.file.level > 0 && e.file.level < maxLevel) middle++;
    coverage.tombstones += e.file.deleteRowCount;
  }
  for (const b of byBucket.values()) coverage.sortedRunsInABucket = Math.max(coverage.sortedRunsInABucket, b.l0 + b.levels.size);
  if (s.commitKind === 'COMPACT' && s.commitUser === 'merge-test') coverage.writerCompactions++;
  coverage.middleLevels += middle;
  return middle;
}

/** Runs the steps, checking the table against the oracle after each; returns how many times a middle level held files. */
async function runScenario(sc: Scenario, tuning: Tuning, rawSteps: Step[]): Promise<number> {
  let middle = 0;
  const steps = legalizeSteps(sc, rawSteps);
  const t = await createTable(sc, tuning);
  const types = sc.cols.map((c) => c.type);
  const history: Version[] = [];
  const runner = new StepRunner(t, 'merge-test', types);
  for (const step of steps) {
    history.push(...(await runner.run(step)));
    expect(await readTable(t, sc), `after ${step.kind} ${JSON.stringify(steps)}`).toEqual(oracle(sc, history));
    middle += await noteCoverage(t);
  }
  await compactTable(t);
  expect(await readTable(t, sc), `after the final full compaction of ${JSON.stringify(steps)}`).toEqual(oracle(sc, history));
  // the compacted table is one sorted run at the top level per bucket
  const s = await t.snapshots.latest();
  if (s) {
    const entries = await t.liveEntries(s);
    const maxLevel = t.layout.options.numLevels() - 1;
    expect(entries.every((e) => e.file.level === maxLevel)).toBe(true);
  }
  return middle;
}

function property(sc: Scenario, seed: number): Promise<void> {
  return fc.assert(
    fc.asyncProperty(tuningArb, stepsArb(sc), async (tuning, steps) => {
      await runScenario(sc, tuning, steps);
    }),
    { seed, numRuns: sc.runs },
  );
}

// ---------------------------------------------------------------------------------------------------
// engines and their oracles

const K = { name: 'k', type: notNull(T.int()), gen: fc.integer({ min: 0, max: 5 }) };

/** Orders versions by a sequence column (NULL first), arrival order breaking ties. */
function bySequence(versions: Version[], col: number): Version[] {
  return versions.map((v, i) => ({ v, i })).sort((a, b) => {
    const x = a.v.row[col] as number | null;
    const y = b.v.row[col] as number | null;
    if (x !== y) {
      if (x === null) return -1;
      if (y === null) return 1;
      return x - y;
    }
    return a.i - b.i;
  }).map((e) => e.v);
}

function dedupFold(versions: Version[]): unknown[] | undefined {
  const last = versions[versions.length - 1]!;
  return isRetract(last.kind) ? undefined : last.row;
}

const dedup: Scenario = {
  name: 'deduplicate: the newest version wins, -D and -U delete',
  cols: [K, { name: 'v', type: T.int(), gen: smallInt }, { name: 's', type: T.string(), gen: word }],
  primaryKeys: ['k'],
  options: {},
  kinds: [I, I, UA, UB, D],
  fold: dedupFold,
  runs: 9,
};

const dedupPartitioned: Scenario = {
  name: 'deduplicate in a partitioned table (key includes the partition)',
  cols: [{ name: 'p', type: notNull(T.string()), gen: fc.constantFrom('x', 'y') }, K, { name: 'v', type: T.int(), gen: smallInt }],
  primaryKeys: ['p', 'k'],
  partitionKeys: ['p'],
  options: {},
  kinds: [I, UA, D],
  fold: dedupFold,
  runs: 4,
};

/**
 * With 'sequence.field' the version with the highest sequence value wins, whatever order versions came
 * in. A delete removes what is older than it; rows arriving after a delete with an older sequence value
 * are not defined (whether the tombstone still exists depends on compaction, as in Paimon), so the
 * generator makes deletes the newest version of their key when they arrive and later rows not older
 * (legalizeSequence).
 */
const dedupSequenceField: Scenario = {
  name: "deduplicate with 'sequence.field': the highest sequence value wins",
  cols: [K, { name: 'ts', type: T.int(), gen: fc.option(fc.integer({ min: 0, max: 6 }), { nil: null, freq: 5 }) }, { name: 'v', type: T.string(), gen: word }],
  primaryKeys: ['k'],
  options: { 'sequence.field': 'ts' },
  kinds: [I, I, UA, D],
  fold: (versions) => dedupFold(bySequence(versions, 1)),
  legalize: legalizeSequence,
  runs: 8,
};

const firstRow: Scenario = {
  name: "first-row: the first version stays ('first-row.ignore-delete' drops retractions)",
  cols: [K, { name: 'v', type: T.int(), gen: smallInt }, { name: 's', type: T.string(), gen: word }],
  primaryKeys: ['k'],
  options: { 'merge-engine': 'first-row', 'first-row.ignore-delete': 'true' },
  kinds: [I, I, UA, UB, D],
  fold: (versions) => versions.find((v) => !isRetract(v.kind))?.row,
  runs: 6,
};

/** Plain partial update: non-NULL values overwrite; -D removes the row, -U is ignored. */
const partialRemoveOnDelete: Scenario = {
  name: "partial-update with 'partial-update.remove-record-on-delete'",
  cols: [K, { name: 'a', type: T.int(), gen: smallInt }, { name: 'b', type: T.string(), gen: word }, { name: 'c', type: T.boolean(), gen: bool }],
  primaryKeys: ['k'],
  options: { 'merge-engine': 'partial-update', 'partial-update.remove-record-on-delete': 'true' },
  kinds: [I, I, UA, UB, D],
  fold: (versions) => {
    let acc: unknown[] | undefined;
    for (const v of versions) {
      if (v.kind === D) acc = undefined;
      if (isRetract(v.kind)) continue;
      acc ??= v.row.map(() => null);
      v.row.forEach((x, i) => { if (x !== null) acc![i] = x; });
    }
    return acc;
  },
  runs: 8,
};

const partialIgnoreDelete: Scenario = {
  name: "partial-update with 'ignore-delete': retractions are dropped",
  cols: [K, { name: 'a', type: T.int(), gen: smallInt }, { name: 'b', type: T.string(), gen: word }],
  primaryKeys: ['k'],
  options: { 'merge-engine': 'partial-update', 'ignore-delete': 'true' },
  kinds: [I, UA, UB, D],
  fold: (versions) => {
    let acc: unknown[] | undefined;
    for (const v of versions) {
      if (isRetract(v.kind)) continue;
      acc ??= v.row.map(() => null);
      v.row.forEach((x, i) => { if (x !== null) acc![i] = x; });
    }
    return acc;
  },
  runs: 4,
};

/**
 * Sequence groups: g1 versions (a, b), g2 versions (c); d is plain (newer non-NULL wins). A group's
 * columns change, NULLs included, only when a row's group sequence is non-NULL and not older than the
 * group's; a retraction with such a sequence clears the group's columns.
 */
const PU_GROUP_COLS: Col[] = [
  K,
  { name: 'a', type: T.int(), gen: smallInt },
  { name: 'b', type: T.string(), gen: word },
  { name: 'g1', type: T.int(), gen: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null, freq: 4 }) },
  { name: 'c', type: T.int(), gen: smallInt },
  { name: 'g2', type: T.int(), gen: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null, freq: 4 }) },
  { name: 'd', type: T.string(), gen: word },
];

function partialGroupsFold(versions: Version[]): unknown[] | undefined {
  const groups = [{ seq: 3, cols: [1, 2] }, { seq: 5, cols: [4] }];
  const acc: unknown[] = PU_GROUP_COLS.map(() => null);
  let have = false;
  for (const v of versions) {
    const retract = isRetract(v.kind);
    if (!retract) {
      have = true;
      if (v.row[6] !== null) acc[6] = v.row[6];
    }
    for (const g of groups) {
      const s = v.row[g.seq] as number | null;
      const cur = acc[g.seq] as number | null;
      if (s === null || (cur !== null && s < cur)) continue;
      for (const c of g.cols) acc[c] = retract ? null : v.row[c];
      acc[g.seq] = s;
      have = true;
    }
  }
  if (!have) return undefined;
  acc[0] = versions[0]!.row[0];
  return acc;
}

const partialGroups: Scenario = {
  name: 'partial-update with sequence groups (retractions clear a group)',
  cols: PU_GROUP_COLS,
  primaryKeys: ['k'],
  options: { 'merge-engine': 'partial-update', 'fields.g1.sequence-group': 'a,b', 'fields.g2.sequence-group': 'c' },
  kinds: [I, I, UA, UB, D],
  fold: partialGroupsFold,
  runs: 10,
};

/** A group versioned by two sequence columns: newer when both are non-NULL and (s1, s2) is not smaller. */
const partialTwoColumnGroup: Scenario = {
  name: "partial-update with a sequence group of two sequence columns ('fields.s1,s2.sequence-group')",
  cols: [
    K,
    { name: 'a', type: T.int(), gen: smallInt },
    { name: 's1', type: T.int(), gen: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null, freq: 5 }) },
    { name: 's2', type: T.int(), gen: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null, freq: 5 }) },
    { name: 'd', type: T.string(), gen: word },
  ],
  primaryKeys: ['k'],
  options: { 'merge-engine': 'partial-update', 'fields.s1,s2.sequence-group': 'a' },
  kinds: [I, I, UA, UB, D],
  fold: (versions) => {
    const acc: unknown[] = [null, null, null, null, null];
    let have = false;
    for (const v of versions) {
      const retract = isRetract(v.kind);
      if (!retract) {
        have = true;
        if (v.row[4] !== null) acc[4] = v.row[4];
      }
      const s1 = v.row[2] as number | null;
      const s2 = v.row[3] as number | null;
      if (s1 === null || s2 === null) continue;
      const c1 = acc[2] as number | null;
      const c2 = acc[3] as number | null;
      if (c1 !== null && (s1 < c1 || (s1 === c1 && s2 < c2!))) continue;
      acc[1] = retract ? null : v.row[1];
      acc[2] = s1;
      acc[3] = s2;
      have = true;
    }
    if (!have) return undefined;
    acc[0] = versions[0]!.row[0];
    return acc;
  },
  runs: 6,
};

// aggregation: one column per function; the ones that cannot retract ignore retractions
interface AggCol extends Col {
  fn: string | null;
  retracts: boolean;
}

const AGG_COLS: AggCol[] = [
  { ...K, fn: null, retracts: false },
  { name: 'sm', type: T.int(), gen: smallInt, fn: 'sum', retracts: true },
  { name: 'cnt', type: T.int(), gen: smallInt, fn: 'count', retracts: true },
  { name: 'lv', type: T.string(), gen: word, fn: 'last_value', retracts: true },
  { name: 'mx', type: T.int(), gen: smallInt, fn: 'max', retracts: false },
  { name: 'mn', type: T.int(), gen: smallInt, fn: 'min', retracts: false },
  { name: 'lnn', type: T.string(), gen: word, fn: 'last_non_null_value', retracts: false },
  { name: 'fv', type: T.int(), gen: smallInt, fn: 'first_value', retracts: false },
  { name: 'fnn', type: T.string(), gen: word, fn: 'first_non_null_value', retracts: false },
  { name: 'la', type: T.string(), gen: word, fn: 'listagg', retracts: false },
  { name: 'band', type: T.boolean(), gen: bool, fn: 'bool_and', retracts: false },
  { name: 'bor', type: T.boolean(), gen: bool, fn: 'bool_or', retracts: false },
  { name: 'pr', type: T.double(), gen: fc.option(fc.constantFrom(-1, 0.5, 2, 3), { nil: null, freq: 4 }), fn: 'product', retracts: false },
  // no function: 'fields.default-aggregate-function' (last_non_null_value unless set)
  { name: 'dflt', type: T.int(), gen: smallInt, fn: null, retracts: false },
];

function aggOptions(removeOnDelete: boolean, cols: readonly AggCol[] = AGG_COLS): Record<string, string> {
  const o: Record<string, string> = { 'merge-engine': 'aggregation' };
  for (const c of cols) {
    if (c.name === 'k') continue;
    if (c.fn !== null) o[`fields.${c.name}.aggregate-function`] = c.fn;
    if (!c.retracts) o[`fields.${c.name}.ignore-retract`] = 'true';
  }
  if (removeOnDelete) o['aggregation.remove-record-on-delete'] = 'true';
  return o;
}

function aggAdd(fn: string, acc: unknown, v: unknown): unknown {
  switch (fn) {
    case 'sum': return v === null ? acc : acc === null ? v : (acc as number) + (v as number);
    case 'count': return (acc as number | null ?? 0) + (v === null ? 0 : 1);
    case 'last_value': return v;
    case 'max': return v === null ? acc : acc === null ? v : Math.max(acc as number, v as number);
    case 'min': return v === null ? acc : acc === null ? v : Math.min(acc as number, v as number);
    case 'last_non_null_value': return v === null ? acc : v;
    case 'first_non_null_value': return acc === null ? v : acc;
    case 'listagg': return v === null ? acc : acc === null ? v : `${acc as string},${v as string}`;
    case 'bool_and': return v === null ? acc : acc === null ? v : (acc as boolean) && (v as boolean);
    case 'bool_or': return v === null ? acc : acc === null ? v : (acc as boolean) || (v as boolean);
    case 'product': return v === null ? acc : acc === null ? v : (acc as number) * (v as number);
    default: throw new Error(fn);
  }
}

function aggRetract(fn: string, acc: unknown, v: unknown): unknown {
  switch (fn) {
    case 'sum': return v === null ? acc : ((acc as number | null) ?? 0) - (v as number);
    case 'count': return (acc as number | null ?? 0) - (v === null ? 0 : 1);
    case 'last_value': return null;
    default: throw new Error(fn);
  }
}

function aggFold(removeOnDelete: boolean, cols: readonly AggCol[] = AGG_COLS, defaultFn = 'last_non_null_value') {
  return (versions: Version[]): unknown[] | undefined => {
    let acc: unknown[] = [];
    let seen: boolean[] = [];
    let have = false;
    const reset = (): void => {
      acc = cols.map(() => null);
      seen = cols.map(() => false);
      have = false;
    };
    reset();
    for (const v of versions) {
      if (v.kind === D && removeOnDelete) {
        reset();
        continue;
      }
      const retract = isRetract(v.kind);
      have = true;
      cols.forEach((c, p) => {
        if (p === 0) return;
        const fn = c.fn ?? defaultFn;
        const x = v.row[p];
        if (retract) {
          if (!c.retracts) return;
          acc[p] = aggRetract(fn, acc[p], x);
        } else if (!seen[p]) {
          acc[p] = fn === 'count' ? (x === null ? 0 : 1) : x;
        } else if (fn !== 'first_value') {
          acc[p] = aggAdd(fn, acc[p], x);
        }
        seen[p] = true;
      });
    }
    if (!have) return undefined;
    acc[0] = versions[0]!.row[0];
    return acc;
  };
}

/**
 * Every key's life (its first version, or the first after a -D that ended it) starts with an insert.
 * Needed where first_value is involved: a retraction-only group is stored as a row whose first_value is
 * NULL, and that NULL then counts as the first value (see the it.todo below).
 */
function lifeStartsWithInsert(removeOnDelete: boolean) {
  return (versions: Version[]): Version[] => {
    const live = new Set<unknown>();
    for (const v of versions) {
      const k = v.row[0];
      if (removeOnDelete && v.kind === D) {
        live.delete(k);
        continue;
      }
      if (!live.has(k) && isRetract(v.kind)) v.kind = I;
      live.add(k);
    }
    return versions;
  };
}

const aggregation: Scenario = {
  name: 'aggregation: every field aggregator; sum/count/last_value take retractions, the others ignore them',
  cols: AGG_COLS,
  primaryKeys: ['k'],
  options: aggOptions(false),
  kinds: [I, I, UA, UB, D],
  fold: aggFold(false),
  legalize: lifeStartsWithInsert(false),
  runs: 9,
};

const aggregationRemoveOnDelete: Scenario = {
  name: "aggregation with 'aggregation.remove-record-on-delete': -D ends the key, later rows start afresh",
  cols: AGG_COLS,
  primaryKeys: ['k'],
  // the column without a function takes 'fields.default-aggregate-function'
  options: { ...aggOptions(true), 'fields.default-aggregate-function': 'max' },
  kinds: [I, I, UA, UB, D],
  fold: aggFold(true, AGG_COLS, 'max'),
  legalize: lifeStartsWithInsert(true),
  runs: 7,
};

/** Without first_value (first_non_null_value instead), keys may start with retractions (a row with e.g. a negative sum). */
const AGG_COLS_NO_FIRST_VALUE: AggCol[] = AGG_COLS.map((c) => (c.fn === 'first_value' ? { ...c, fn: 'first_non_null_value' } : c));

const aggregationRetractFirst: Scenario = {
  name: 'aggregation without first_value: keys whose first versions are retractions',
  cols: AGG_COLS_NO_FIRST_VALUE,
  primaryKeys: ['k'],
  options: aggOptions(false, AGG_COLS_NO_FIRST_VALUE),
  kinds: [I, I, UA, UB, D],
  fold: aggFold(false, AGG_COLS_NO_FIRST_VALUE),
  runs: 7,
};

const SCENARIOS: Scenario[] = [
  dedup, dedupPartitioned, dedupSequenceField, firstRow, partialRemoveOnDelete, partialIgnoreDelete, partialGroups, partialTwoColumnGroup, aggregation, aggregationRemoveOnDelete, aggregationRetractFirst,
];

describe('merge engines against an oracle (flushes, sorted runs, compactions, full compaction)', () => {
  SCENARIOS.forEach((sc, i) => {
    it(sc.name, async () => {
      await property(sc, 0x5eed + i);
      coverage.scenarios++;
    });
  });
  it('the runs above made several sorted runs, compacted while writing and kept tombstones', (ctx) => {
    if (coverage.scenarios < SCENARIOS.length) ctx.skip(); // some of them were filtered out
    expect(coverage.sortedRunsInABucket).toBeGreaterThanOrEqual(3);
    expect(coverage.writerCompactions).toBeGreaterThan(10);
    expect(coverage.tombstones).toBeGreaterThan(0);
  });
  it.todo("aggregation first_value with 'ignore-retract': when a key's first versions are retractions flushed on their own, the stored row's NULL later wins as the first value");
});

// ---------------------------------------------------------------------------------------------------
// middle levels: a big sorted run under small flushes; universal compaction then merges only the newer
// runs, into the level above the big one (tiny files always look size-amplified, so that check is off)

describe('partial compactions into middle levels', () => {
  for (const sc of [dedup, partialGroups, aggregationRetractFirst]) it(sc.name.split(':')[0]!, async () => {
    const k = sc.cols.findIndex((c) => c.name === 'k');
    const rows = fc.sample(fc.tuple(fc.constantFrom(...sc.kinds), fc.tuple(...sc.cols.map((c) => c.gen!))), { seed: 77, numRuns: 300 });
    const bulk: Step = { kind: 'commit', freshWriter: false, batches: [rows.slice(0, 250).map(([, row], i) => ({ kind: I, row: row.map((x, c) => (c === k ? 100 + i : x)) }))] };
    const small: Step[] = Array.from({ length: 8 }, (_, i) => ({
      kind: 'commit', freshWriter: i % 3 === 0, batches: [rows.slice(250 + i * 5, 255 + i * 5).map(([kind, row]) => ({ kind, row }))],
    }));
    const middle = await runScenario(sc, { bucket: 1, buffer: '64 mb', trigger: 3, target: '128 mb', amp: 100_000 }, [bulk, ...small]);
    expect(middle).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------------
// retractions an engine cannot take: a clear error at write time, nothing written

describe('retractions an engine refuses', () => {
  async function writeOne(options: Record<string, string>, cols: Col[], kind: number, row: unknown[]): Promise<void> {
    const sc: Scenario = { name: 'x', cols, primaryKeys: ['k'], options, kinds: [], fold: () => undefined, runs: 0 };
    const t = await createTable(sc, { bucket: 1, buffer: '64 mb', trigger: 5, target: '128 mb' });
    const w = new TableWrite(t);
    try {
      await w.write(batchFromRows(cols.map((c) => c.type), [row], Uint8Array.of(kind)));
    } finally {
      await w.abort();
    }
    expect(await t.snapshots.latest()).toBeUndefined();
  }

  const two: Col[] = [K, { name: 'v', type: T.int() }];

  it.each([
    ['max', UB], ['min', D], ['listagg', D], ['bool_and', UB], ['first_value', D], ['last_non_null_value', UB], ['product', D],
  ] as const)("aggregation '%s' refuses kind %i, naming the function, the column and the way out", async (fn, kind) => {
    const type = fn === 'listagg' || fn === 'last_non_null_value' ? T.string() : fn === 'bool_and' ? T.boolean() : fn === 'product' ? T.double() : T.int();
    const cols: Col[] = [K, { name: 'v', type }];
    const p = writeOne({ 'merge-engine': 'aggregation', 'fields.v.aggregate-function': fn }, cols, kind, [1, null]);
    await expect(p).rejects.toThrow(`aggregate function '${fn}' of column v cannot take back a retracted value (-U/-D)`);
    await expect(writeOne({ 'merge-engine': 'aggregation', 'fields.v.aggregate-function': fn }, cols, kind, [1, null])).rejects.toMatchObject({ hint: expect.stringContaining("'fields.v.ignore-retract' = 'true'") });
  });

  it('aggregation sum, count and last_value take retractions', async () => {
    for (const fn of ['sum', 'count', 'last_value']) {
      await expect(writeOne({ 'merge-engine': 'aggregation', 'fields.v.aggregate-function': fn }, two, D, [1, 2])).resolves.toBeUndefined();
    }
  });

  it('first-row refuses retractions unless told to ignore them', async () => {
    await expect(writeOne({ 'merge-engine': 'first-row' }, two, D, [1, 2])).rejects.toThrow("(merge engine 'first-row') cannot take updates or deletes of earlier rows (-U/-D)");
    await expect(writeOne({ 'merge-engine': 'first-row' }, two, UB, [1, 2])).rejects.toMatchObject({ hint: expect.stringContaining("'first-row.ignore-delete' = 'true'") });
  });

  it('partial-update without sequence groups refuses retractions unless told what to do with them', async () => {
    await expect(writeOne({ 'merge-engine': 'partial-update' }, two, D, [1, 2])).rejects.toThrow("(merge engine 'partial-update') cannot take updates or deletes of earlier rows (-U/-D)");
    await expect(writeOne({ 'merge-engine': 'partial-update' }, two, UB, [1, 2])).rejects.toMatchObject({ hint: expect.stringContaining("'partial-update.remove-record-on-delete' = 'true'") });
  });
});

// ---------------------------------------------------------------------------------------------------
// levels of several files: a data file rolls at 'target-file-size' only once its writer has flushed a
// Parquet row group (131072 rows), so only a bucket with that many keys gets a level of several files

describe('levels made of several files', () => {
  it('deduplicate reads right through a level of rolled files under level-0 runs, before and after a full compaction', async () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const KEYS = 150_000;
    const cols: Col[] = [K, { name: 'v', type: T.int() }];
    const sc: Scenario = { name: 'big', cols, primaryKeys: ['k'], kinds: [], runs: 0, fold: () => undefined, options: {} };
    const t = await createTable(sc, { bucket: 1, buffer: '64 mb', trigger: 5, target: '16 kb' });
    const expected = new Int32Array(KEYS).fill(-1);
    const types = cols.map((c) => c.type);
    for (let c = 0; c < 3; c++) {
      const rows: unknown[][] = [];
      const kinds: number[] = [];
      const n = c === 0 ? KEYS : 3000;
      for (let i = 0; i < n; i++) {
        const k = c === 0 ? i : rnd(KEYS);
        const v = rnd(100);
        const kind = c > 0 && rnd(4) === 0 ? D : I;
        rows.push([k, v]);
        kinds.push(kind);
        expected[k] = kind === D ? -1 : v;
      }
      const w = new TableWrite(t);
      await w.write(batchFromRows(types, rows, Uint8Array.from(kinds)));
      await new TableCommit(t, 'big').commit(await w.prepareCommit(), c + 1);
      // the full compaction writes the top level as several files; later commits add level-0 runs over it
      if (c === 0) await compactTable(t);
    }
    const entries = await t.liveEntries((await t.snapshots.latest())!);
    const perLevel = new Map<number, number>();
    for (const e of entries) perLevel.set(e.file.level, (perLevel.get(e.file.level) ?? 0) + 1);
    expect([...perLevel].some(([level, n]) => level > 0 && n > 1), JSON.stringify([...perLevel])).toBe(true);
    expect(perLevel.get(0)).toBe(2);
    const check = async (): Promise<void> => {
      const s = await t.snapshots.latest();
      const seen = new Int32Array(KEYS).fill(-1);
      let prev = -1;
      let mismatches = 0;
      for (const split of await planSplits(t, await t.liveEntries(s!), [])) {
        for await (const b of readSplit(t, split, [0, 1], [], 4096)) {
          const ks = b.columns[0]!.values as Int32Array;
          const vs = b.columns[1]!.values as Int32Array;
          for (let i = 0; i < b.length; i++) {
            if (ks[i]! <= prev) mismatches++; // keys come out sorted and unique
            prev = ks[i]!;
            seen[ks[i]!] = vs[i]!;
          }
        }
      }
      for (let k = 0; k < KEYS; k++) if (seen[k] !== expected[k]) mismatches++;
      expect(mismatches).toBe(0);
    };
    await check();
    await compactTable(t);
    await check();
  });
});
