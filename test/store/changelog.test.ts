/**
 * Changelog producers, property-tested: random changes over several commits (tiny write buffers, low
 * compaction triggers, several buckets, full compactions in between) into tables with the deduplicate
 * (also with 'sequence.field'), partial-update, aggregation and first-row engines. After every commit the changes of the new snapshots (what a
 * streaming reader emits for them: snapshotChanges) are applied to a map, strictly:
 *   +I only for an absent key; -U and -D only for a key present with exactly that row; +U only right
 *   after the -U of its key;
 * and the map must equal the table's batch read. At the end, one streaming read from snapshot 1
 * (streamRead, scan.mode from-snapshot) must give the same changes, and a latest-full read the table.
 *
 *  - 'lookup': exact changes, produced by the writer (first-row: inserts of new keys only).
 *  - 'none': merged upserts, normalized by the reader into exact changes.
 *  - 'input': the rows written, as written; for partial-update and aggregation that is not the table's
 *    changelog, so there the changes must equal the input; a consistent input changelog into a
 *    deduplicate table must reproduce the table.
 *
 * The same oracle runs with BIGINT keys handed to TableWrite as JS bigints (small ones and ones beyond
 * 2^53; through batchFromRows, and as a hand-built column of bigints), a fresh writer for every commit
 * (each loads its 'lookup' state from the files), 2 or 3 buckets, on memory and on local disk. With INT
 * keys only, a key loaded from the files and the same key handed in were always the same JS number, and
 * an update of a stored key came out as +I when the two were 1 and 1n.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import { MemoryFileIO } from '../../src/fs/memory.ts';
import { LocalFileIO } from '../../src/fs/local.ts';
import { FileStoreTable } from '../../src/store/table.ts';
import { Normalizer, snapshotChanges } from '../../src/store/read/changes.ts';
import { streamRead } from '../../src/store/read/stream-scan.ts';
import { incrementalRead } from '../../src/store/read/incremental.ts';
import { TableWrite } from '../../src/store/write/table-write.ts';
import { TableCommit } from '../../src/store/commit/table-commit.ts';
import { Engine } from '../../src/session/engine.ts';
import type { TableStoreCatalog } from '../../src/catalog/table-store-catalog.ts';
import { batchFromRows, batchToRows, ROW_KIND_NAMES, type Batch } from '../../src/types/batch.ts';
import { T, notNull, type DataType } from '../../src/types/data-type.ts';
import { memoryStore } from '../helpers/memory-store.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { D, I, UA, UB, StepRunner, isRetract, legalizeSequence, legalizeSteps, rowsBatch, scanRows, type BatchMaker, type Step, type Version } from './store-test-kit.ts';

type Producer = 'lookup' | 'input' | 'none';

interface Col {
  name: string;
  type: DataType;
  gen: fc.Arbitrary<unknown>;
}

interface Scenario {
  name: string;
  cols: Col[];
  options: Record<string, string>;
  kinds: number[];
  /** Rewrites generated versions (all keys, arrival order) into ones the engine defines a result for. */
  legalize?(versions: Version[]): Version[];
  /** Rows the engine drops at write time (they are not in an 'input' changelog either). */
  drops?(kind: number): boolean;
  /** The table only ever gains keys, rows never change: exact changes are inserts only. */
  onlyInserts?: boolean;
  runs: number;
}

const smallInt = fc.option(fc.integer({ min: -3, max: 5 }), { nil: null, freq: 4 });
const word = fc.option(fc.constantFrom('a', 'b', 'c'), { nil: null, freq: 4 });
const K: Col = { name: 'k', type: notNull(T.int()), gen: fc.integer({ min: 0, max: 6 }) };
/** A BIGINT key given as JS bigints: small values and ones beyond 2^53. */
const K64: Col = { name: 'k', type: notNull(T.bigint()), gen: fc.constantFrom(0n, 1n, 2n, 3n, 4n, 5n, 6n, 2n ** 60n, -(2n ** 62n)) };

// ---------------------------------------------------------------------------------------------------

interface Tuning {
  bucket: number;
  buffer: string;
  trigger: number;
}

const tuningArb: fc.Arbitrary<Tuning> = fc.record({
  bucket: fc.constantFrom(1, 2, 3),
  buffer: fc.constantFrom('150 b', '500 b', '64 mb'),
  trigger: fc.constantFrom(2, 3, 5),
});

type IoKind = 'memory' | 'local disk';
const IO_KINDS: IoKind[] = ['memory', 'local disk'];
let localTables = 0;
let localRoot: string | null = null;

/** Where a test table lives: a fresh memory store, or a fresh directory on local disk. */
function tableLocation(io: IoKind): { io: MemoryFileIO | LocalFileIO; path: string } {
  if (io === 'memory') return { io: new MemoryFileIO(), path: `memory://${memoryStore('changelog')}/db.db/t` };
  localRoot ??= tempDir('freshet-changelog-');
  return { io: new LocalFileIO(), path: join(localRoot, `t${localTables++}`) };
}

async function createTable(sc: Scenario, producer: Producer, tuning: Tuning, io: IoKind = 'memory'): Promise<FileStoreTable> {
  const where = tableLocation(io);
  return FileStoreTable.create(where.io, where.path, 't', {
    fields: sc.cols.map((c, i) => ({ id: i, name: c.name, type: c.type })),
    highestFieldId: sc.cols.length - 1,
    partitionKeys: [],
    primaryKeys: ['k'],
    options: {
      bucket: String(tuning.bucket),
      'write-buffer-size': tuning.buffer,
      'num-sorted-run.compaction-trigger': String(tuning.trigger),
      'changelog-producer': producer,
      ...sc.options,
    },
  });
}

/** A row as text; a BIGINT reads the same as a number or a bigint (beyond 2^53 as digits and 'n'). */
const rowText = (row: readonly unknown[]): string =>
  JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : `${v}n`) : v));

async function readTable(t: FileStoreTable, types: readonly DataType[]): Promise<Map<unknown, string>> {
  const out = new Map<unknown, string>();
  const s = await t.snapshots.latest();
  if (!s) return out;
  for (const row of await scanRows(t, s, types, 64)) out.set(row[0], rowText(row));
  return out;
}

interface Change {
  kind: number;
  row: unknown[];
}

function changesOf(b: Batch, types: readonly DataType[]): Change[] {
  return batchToRows(b, types).map((row, i) => ({ kind: b.kinds === null ? I : b.kinds[i]!, row }));
}

/** Applies changes to `state` strictly; returns what was inconsistent. */
function applyStrict(state: Map<unknown, string>, changes: readonly Change[], pending: Set<unknown>): string[] {
  const errors: string[] = [];
  for (const c of changes) {
    const k = c.row[0];
    const text = rowText(c.row);
    const have = state.get(k);
    const what = `${ROW_KIND_NAMES[c.kind]}${text}`;
    switch (c.kind) {
      case I:
        if (have !== undefined) errors.push(`${what} for a key that holds ${have}`);
        state.set(k, text);
        break;
      case UA:
        if (!pending.has(k)) errors.push(`${what} without a -U before it`);
        if (have !== undefined) errors.push(`${what} for a key that holds ${have}`);
        pending.delete(k);
        state.set(k, text);
        break;
      case UB:
      case D:
        if (have !== text) errors.push(`${what} for a key that holds ${have ?? 'nothing'}`);
        if (c.kind === UB) pending.add(k);
        state.delete(k);
        break;
    }
  }
  return errors;
}

function stepsArb(sc: Scenario): fc.Arbitrary<Step[]> {
  const version = fc.tuple(fc.constantFrom(...sc.kinds), fc.tuple(...sc.cols.map((c) => c.gen))).map(([kind, row]): Version => ({ kind, row }));
  const commit: fc.Arbitrary<Step> = fc.record({
    kind: fc.constant('commit' as const),
    batches: fc.array(fc.array(version, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 3 }),
    freshWriter: fc.boolean(),
  });
  return fc.array(fc.oneof({ weight: 6, arbitrary: commit }, { weight: 1, arbitrary: fc.constant({ kind: 'compact' as const }) }), { minLength: 1, maxLength: 6 });
}

const sortedTexts = (cs: readonly Change[]): string[] => cs.map((c) => `${ROW_KIND_NAMES[c.kind]}${rowText(c.row)}`).sort();

/** Every change of the table from snapshot 1 on, through one streaming read. */
async function streamAll(t: FileStoreTable, types: readonly DataType[], options: Record<string, string>): Promise<Change[]> {
  const table = t.withOptions(options);
  const latest = (await t.snapshots.latestId()) ?? 0;
  const position = { next: 0 };
  const out: Change[] = [];
  for await (const b of streamRead({
    table, fields: types.map((_, i) => i), predicates: [], batchSize: 64, timeZone: 'UTC', position, bounded: false,
    isCancelled: () => position.next > latest,
  })) out.push(...changesOf(b, types));
  return out;
}

/** Where the table lives and how the versions of a commit are turned into the batch written. */
interface RunEnv {
  io: IoKind;
  makeBatch: BatchMaker;
}

async function run(sc: Scenario, producer: Producer, tuning: Tuning, rawSteps: Step[], exactInput: boolean, env: RunEnv = { io: 'memory', makeBatch: rowsBatch }): Promise<void> {
  const steps = legalizeSteps(sc, rawSteps);
  const t = await createTable(sc, producer, tuning, env.io);
  const types = sc.cols.map((c) => c.type);
  const fields = types.map((_, i) => i);
  const normalizer = producer === 'none' ? new Normalizer(t) : null;
  const state = new Map<unknown, string>();
  const pending = new Set<unknown>();
  const all: Change[] = [];
  let read = 0;
  const runner = new StepRunner(t, 'changelog-test', types, env.makeBatch);
  const label = (): string => `${producer} on ${env.io} ${JSON.stringify(tuning)} ${rowText(steps as unknown[])}`;
  for (const step of steps) {
    const written = (await runner.run(step)).filter((v) => !sc.drops?.(v.kind));
    const latest = (await t.snapshots.latestId()) ?? 0;
    const changes: Change[] = [];
    for (; read < latest; read++) {
      const s = await t.snapshots.snapshot(read + 1);
      for await (const b of snapshotChanges(t, s, fields, [], 64, normalizer)) changes.push(...changesOf(b, types));
    }
    all.push(...changes);
    if (producer === 'input') {
      expect(sortedTexts(changes), `the input changelog is the rows written: ${label()}`).toEqual(sortedTexts(written));
      if (!exactInput) continue;
    }
    if (sc.onlyInserts) expect(changes.filter((c) => c.kind !== I).map((c) => `${ROW_KIND_NAMES[c.kind]}${rowText(c.row)}`), label()).toEqual([]);
    const errors = applyStrict(state, changes, pending);
    expect(errors, `changes of step ${rowText([step])} in ${label()}`).toEqual([]);
    expect(pending.size, 'every -U is followed by its +U').toBe(0);
    expect(new Map([...state].sort()), `changelog applied vs batch read after ${rowText([step])} in ${label()}`).toEqual(new Map([...(await readTable(t, types))].sort()));
  }
  // one streaming read from the first snapshot sees the same changes
  const streamed = await streamAll(t, types, { 'scan.mode': 'from-snapshot', 'scan.snapshot-id': '1' });
  expect(streamed.map((c) => `${ROW_KIND_NAMES[c.kind]}${rowText(c.row)}`)).toEqual(all.map((c) => `${ROW_KIND_NAMES[c.kind]}${rowText(c.row)}`));
  // a latest-full read is the table
  const full = await streamAll(t, types, { 'scan.mode': 'latest-full' });
  expect(full.every((c) => c.kind === I)).toBe(true);
  expect(new Map(full.map((c) => [c.row[0], rowText(c.row)] as const).sort()), label()).toEqual(new Map([...(await readTable(t, types))].sort()));
}

// ---------------------------------------------------------------------------------------------------
// engines

const dedup: Scenario = {
  name: 'deduplicate',
  cols: [K, { name: 'v', type: T.int(), gen: smallInt }, { name: 's', type: T.string(), gen: word }],
  options: {},
  kinds: [I, I, UA, UB, D],
  runs: 5,
};

const dedupSequence: Scenario = {
  name: "deduplicate with 'sequence.field'",
  cols: [K, { name: 'ts', type: T.int(), gen: fc.option(fc.integer({ min: 0, max: 6 }), { nil: null, freq: 5 }) }, { name: 'v', type: T.string(), gen: word }],
  options: { 'sequence.field': 'ts' },
  kinds: [I, I, UA, D],
  legalize: legalizeSequence,
  runs: 5,
};

const partialGroups: Scenario = {
  name: 'partial-update with sequence groups',
  cols: [
    K,
    { name: 'a', type: T.int(), gen: smallInt },
    { name: 'g1', type: T.int(), gen: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null, freq: 4 }) },
    { name: 'c', type: T.string(), gen: word },
    { name: 'g2', type: T.int(), gen: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null, freq: 4 }) },
    { name: 'd', type: T.string(), gen: word },
  ],
  options: { 'merge-engine': 'partial-update', 'fields.g1.sequence-group': 'a', 'fields.g2.sequence-group': 'c' },
  kinds: [I, I, UA, UB, D],
  runs: 5,
};

const partialRemove: Scenario = {
  name: "partial-update with 'partial-update.remove-record-on-delete'",
  cols: [K, { name: 'a', type: T.int(), gen: smallInt }, { name: 'b', type: T.string(), gen: word }],
  options: { 'merge-engine': 'partial-update', 'partial-update.remove-record-on-delete': 'true' },
  kinds: [I, I, UA, UB, D],
  drops: (kind) => kind === UB,
  runs: 5,
};

const AGG_OPTIONS = {
  'merge-engine': 'aggregation',
  'fields.sm.aggregate-function': 'sum',
  'fields.cnt.aggregate-function': 'count',
  'fields.mx.aggregate-function': 'max',
  'fields.mx.ignore-retract': 'true',
  'fields.la.aggregate-function': 'listagg',
  'fields.la.ignore-retract': 'true',
};

const AGG_COLS: Col[] = [
  K, { name: 'sm', type: T.int(), gen: smallInt }, { name: 'cnt', type: T.int(), gen: smallInt },
  { name: 'mx', type: T.int(), gen: smallInt }, { name: 'la', type: T.string(), gen: word },
];

const aggregation: Scenario = {
  name: 'aggregation (sum, count with retractions; max, listagg ignoring them)',
  cols: AGG_COLS,
  options: AGG_OPTIONS,
  kinds: [I, I, UA, UB, D],
  runs: 5,
};

const aggregationRemove: Scenario = {
  name: "aggregation with 'aggregation.remove-record-on-delete'",
  cols: AGG_COLS,
  options: { ...AGG_OPTIONS, 'aggregation.remove-record-on-delete': 'true' },
  kinds: [I, I, UA, UB, D],
  runs: 5,
};

const firstRow: Scenario = {
  name: "first-row ('first-row.ignore-delete'): only inserts of new keys",
  cols: [K, { name: 'v', type: T.int(), gen: smallInt }],
  options: { 'merge-engine': 'first-row', 'first-row.ignore-delete': 'true' },
  kinds: [I, I, UA, UB, D],
  drops: isRetract,
  onlyInserts: true,
  runs: 4,
};

const ENGINES = [dedup, dedupSequence, partialGroups, partialRemove, aggregation, aggregationRemove, firstRow];

describe.each(['lookup', 'none'] as const)("'changelog-producer' = '%s': the changes reproduce the table after every commit", (producer) => {
  ENGINES.forEach((sc, i) => {
    it(sc.name, async () => {
      await fc.assert(
        fc.asyncProperty(tuningArb, stepsArb(sc), async (tuning, steps) => run(sc, producer, tuning, steps, false)),
        { seed: (producer === 'lookup' ? 0xc0de : 0xface) + i, numRuns: sc.runs },
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// 'input': the changelog is the input

/** A consistent changelog over keys from `key`: +I for absent keys, -U old/+U new for present ones, -D old. */
const consistentStepsOf = (key: fc.Arbitrary<unknown>): fc.Arbitrary<Step[]> => fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('commit' as const), freshWriter: fc.boolean(), ops: fc.array(fc.array(fc.tuple(key, fc.boolean(), smallInt, word), { minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 3 }) }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'compact' as const }) },
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((raw) => {
    const state = new Map<unknown, unknown[]>();
    return raw.map((s): Step => {
      if (s.kind === 'compact') return s;
      return {
        kind: 'commit', freshWriter: s.freshWriter, batches: s.ops.map((batch) => batch.flatMap(([k, del, v, w]): Version[] => {
          const old = state.get(k);
          const row = [k, v, w];
          if (del) {
            if (old === undefined) return [];
            state.delete(k);
            return [{ kind: D, row: old }];
          }
          state.set(k, row);
          return old === undefined ? [{ kind: I, row }] : [{ kind: UB, row: old }, { kind: UA, row }];
        })).filter((b) => b.length > 0),
      };
    }).filter((s) => s.kind === 'compact' || s.batches.length > 0);
  });

const consistentSteps = consistentStepsOf(K.gen);

describe("'changelog-producer' = 'input'", () => {
  it('deduplicate: a consistent input changelog is read back as written and reproduces the table', async () => {
    await fc.assert(
      fc.asyncProperty(tuningArb, consistentSteps, async (tuning, steps) => run(dedup, 'input', tuning, steps, true)),
      { seed: 0x1e9, numRuns: 8 },
    );
  });

  [partialGroups, partialRemove, aggregation].forEach((sc, i) => {
    it(`${sc.name}: the changes are the rows written, not the merged rows`, async () => {
      await fc.assert(
        fc.asyncProperty(tuningArb, stepsArb(sc), async (tuning, steps) => run(sc, 'input', tuning, steps, false)),
        { seed: 0x1e0 + i, numRuns: 4 },
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// BIGINT keys given as bigints, a fresh writer per commit, several buckets, memory and local disk

const withBigintKey = (sc: Scenario): Scenario => ({ ...sc, name: `${sc.name}, BIGINT key`, cols: [K64, ...sc.cols.slice(1)] });

/** The key column built by hand, as a caller of TableWrite may: a plain array of bigints, small ones too. */
const bigintKeyBatch: BatchMaker = (types, versions) => {
  const b = rowsBatch(types, versions);
  return { ...b, columns: [{ values: versions.map((v) => v.row[0]), nulls: null }, ...b.columns.slice(1)] };
};

const severalBuckets: fc.Arbitrary<Tuning> = fc.record({
  bucket: fc.constantFrom(2, 3),
  buffer: fc.constantFrom('150 b', '64 mb'),
  trigger: fc.constantFrom(2, 5),
});

/** Every commit by a new TableWrite, which starts from the files of the latest snapshot. */
const freshWriters = (steps: Step[]): Step[] => steps.map((s) => (s.kind === 'commit' ? { ...s, freshWriter: true } : s));

describe.each(IO_KINDS)('BIGINT keys given as bigints, a fresh writer per commit, 2 or 3 buckets, on %s', (io) => {
  ENGINES.map(withBigintKey).forEach((sc, i) => {
    it(`'lookup': ${sc.name}`, async () => {
      await fc.assert(
        fc.asyncProperty(severalBuckets, stepsArb(sc), fc.boolean(), async (tuning, steps, handBuilt) =>
          run(sc, 'lookup', tuning, freshWriters(steps), false, { io, makeBatch: handBuilt ? bigintKeyBatch : rowsBatch })),
        { seed: 0xb16 + i, numRuns: 3 },
      );
    });
  });

  it("'none': deduplicate, BIGINT key", async () => {
    const sc = withBigintKey(dedup);
    await fc.assert(
      fc.asyncProperty(severalBuckets, stepsArb(sc), fc.boolean(), async (tuning, steps, handBuilt) =>
        run(sc, 'none', tuning, freshWriters(steps), false, { io, makeBatch: handBuilt ? bigintKeyBatch : rowsBatch })),
      { seed: 0xb1e, numRuns: 3 },
    );
  });

  it("'input': deduplicate, BIGINT key: a consistent input changelog is read back as written and reproduces the table", async () => {
    const sc = withBigintKey(dedup);
    await fc.assert(
      fc.asyncProperty(severalBuckets, consistentStepsOf(K64.gen), fc.boolean(), async (tuning, steps, handBuilt) =>
        run(sc, 'input', tuning, freshWriters(steps), true, { io, makeBatch: handBuilt ? bigintKeyBatch : rowsBatch })),
      { seed: 0xb1f, numRuns: 3 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// the reported case: 20 rows, then one of them updated by a new writer

const O_TYPES = [notNull(T.bigint()), notNull(T.int()), T.int()];
const O_COLS: Col[] = [K64, { name: 'c', type: O_TYPES[1]!, gen: smallInt }, { name: 'a', type: O_TYPES[2]!, gen: smallInt }];

/** Writes `rows` with a new TableWrite and commits them. */
async function commitRows(t: FileStoreTable, rows: unknown[][], checkpoint: number): Promise<void> {
  const w = new TableWrite(t);
  await w.write(batchFromRows(O_TYPES, rows));
  await new TableCommit(t, 'changelog-test').commit(await w.prepareCommit(), checkpoint);
}

const changeTexts = (cs: readonly Change[]): string[] => cs.map((c) => `${ROW_KIND_NAMES[c.kind]}${rowText(c.row)}`);

/** The changes in (start, end] as an incremental read in `mode` gives them. */
async function incrementalChanges(t: FileStoreTable, mode: string, start: number, end: number): Promise<string[]> {
  const out: Change[] = [];
  for await (const b of incrementalRead(t.withOptions({ 'incremental-between-scan-mode': mode }), { start, end }, [0, 1, 2], [], 64)) out.push(...changesOf(b, O_TYPES));
  return changeTexts(out);
}

describe('an update of a stored BIGINT key by a new writer (keys given as bigints)', () => {
  const cases = IO_KINDS.flatMap((io) => [1, 2, 3].map((bucket) => [io, bucket] as const));

  it.each(cases)("'lookup' on %s, %i bucket(s): -U old / +U new, in the snapshot's changes and in a 'changelog' incremental read", async (io, bucket) => {
    const sc: Scenario = { name: 'o', cols: O_COLS, options: {}, kinds: [I], runs: 1 };
    const t = await createTable(sc, 'lookup', { bucket, buffer: '64 mb', trigger: 5 }, io);
    await commitRows(t, Array.from({ length: 20 }, (_, i) => [BigInt(i), 1, i]), 1);
    await commitRows(t, [[1n, 1, 500]], 2);
    const changes: Change[] = [];
    for await (const b of snapshotChanges(t, (await t.snapshots.snapshot(2)), [0, 1, 2], [], 64, null)) changes.push(...changesOf(b, O_TYPES));
    expect(changeTexts(changes)).toEqual(['-U[1,1,1]', '+U[1,1,500]']);
    expect(await incrementalChanges(t, 'changelog', 1, 2)).toEqual(['-U[1,1,1]', '+U[1,1,500]']);
    expect((await incrementalChanges(t, 'diff', 1, 2)).sort()).toEqual(['+U[1,1,500]', '-U[1,1,1]']);
  });

  it.each(IO_KINDS)("'changelog-producer.row-deduplicate' on %s: the same row again (its key a hand-built bigint) is no change", async (io) => {
    const sc: Scenario = { name: 'o', cols: O_COLS, options: { 'changelog-producer.row-deduplicate': 'true' }, kinds: [I], runs: 1 };
    const t = await createTable(sc, 'lookup', { bucket: 2, buffer: '64 mb', trigger: 5 }, io);
    await commitRows(t, Array.from({ length: 20 }, (_, i) => [BigInt(i), 1, i]), 1);
    const w = new TableWrite(t);
    const again = batchFromRows(O_TYPES, [[1, 1, 1], [2, 1, 7]]);
    await w.write({ ...again, columns: [{ values: [1n, 2n], nulls: null }, ...again.columns.slice(1)] });
    await new TableCommit(t, 'changelog-test').commit(await w.prepareCommit(), 2);
    expect(await incrementalChanges(t, 'changelog', 1, 2)).toEqual(['-U[2,1,2]', '+U[2,1,7]']);
  });

  it.each(IO_KINDS)("'input' on %s keeps the rows as written (+I), 'none' gives -U / +U as a diff", async (io) => {
    const sc: Scenario = { name: 'o', cols: O_COLS, options: {}, kinds: [I], runs: 1 };
    const input = await createTable(sc, 'input', { bucket: 2, buffer: '64 mb', trigger: 5 }, io);
    const none = await createTable(sc, 'none', { bucket: 2, buffer: '64 mb', trigger: 5 }, io);
    for (const t of [input, none]) {
      await commitRows(t, Array.from({ length: 20 }, (_, i) => [BigInt(i), 1, i]), 1);
      await commitRows(t, [[1n, 1, 500]], 2);
    }
    expect(await incrementalChanges(input, 'changelog', 1, 2)).toEqual(['+I[1,1,500]']);
    expect((await incrementalChanges(none, 'diff', 1, 2)).sort()).toEqual(['+U[1,1,500]', '-U[1,1,1]']);
  });

  it.each(IO_KINDS)("through SQL on %s: `o$audit_log` with 'incremental-between-scan-mode' = 'changelog'", async (io) => {
    const engine = await Engine.open(io === 'memory' ? {} : { warehouse: tempDir('freshet-changelog-sql-') });
    try {
      const s = engine.createSession({ 'execution.runtime-mode': 'batch', 'table.dml-sync': 'true' });
      await s.execute("CREATE TABLE o (id BIGINT NOT NULL, c INT NOT NULL, a INT, PRIMARY KEY (id) NOT ENFORCED) WITH ('bucket' = '2', 'changelog-producer' = 'lookup')");
      const t = (engine.catalogs.get('default_catalog') as TableStoreCatalog).storedTable('default_database', 'o')!;
      await commitRows(t, Array.from({ length: 20 }, (_, i) => [BigInt(i), 1, i]), 1);
      await commitRows(t, [[1n, 1, 500]], 2);
      const r = await s.execute("SELECT * FROM `o$audit_log` /*+ OPTIONS('incremental-between' = '1,2', 'incremental-between-scan-mode' = 'changelog') */");
      expect((r as { rows: unknown[][] }).rows.map((row) => rowText(row))).toEqual(['["-U",1,1,1]', '["+U",1,1,500]']);
    } finally {
      await engine.close();
    }
  });
});
