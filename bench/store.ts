/**
 * `freshet bench store`: the table store's write, full-scan and point-lookup speed, on local disk and
 * on an S3 API endpoint (s3rver behind the test proxy, started in this process), over the same seeded
 * rows; parquet-wasm encoding and decoding the same columns in memory, measured in the same run, is the
 * ceiling the write and scan rates are compared with.
 *
 *   freshet bench store [--rows 5000000] [--backend local|s3|both] [--lookups 10000] [--tables pk|append|both]
 *                       [--buckets 1] [--seed 42] [--profile dir]
 *
 * Per backend, two tables get the same rows in batches of BATCH_SIZE:
 * - `pk`: a primary-key table (id BIGINT) with default options. Its write time covers TableWrite
 *   (buffering, sorting, flushing level-0 files, the compactions the LSM tree asks for) and the commit.
 *   Then a full scan of every column (resolveSnapshot, planSplits, readSplit), then point lookups with
 *   StoreLookup on the key: the first call (which loads the bucket into memory) is timed apart, then
 *   single-key calls (some keys missing) give p50/p99, then the same keys in batches give keys/s.
 * - `append`: the same rows in a table without a key (written as they come, no sorting).
 * Every scan and lookup answer is checked against the generated rows.
 *
 * The ceiling writes the same columns (without the key table's two system columns) from Arrow IPC with
 * parquet-wasm's writeParquet, snappy, row groups as large as the store's, in chunks of 8 row groups,
 * and reads them back with readParquet into Arrow tables (no conversion into engine columns).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pq from 'parquet-wasm';
import { tableFromIPC } from 'apache-arrow';
import { BATCH_SIZE, type Batch, type Column, type Field } from '../src/types/batch.ts';
import { T, notNull } from '../src/types/data-type.ts';
import type { FileIO } from '../src/fs/file-io.ts';
import { fileIOFor } from '../src/fs/resolve.ts';
import { batchesToArrowIPC } from '../src/connectors/formats/arrow.ts';
import { FileStoreTable } from '../src/store/table.ts';
import type { SchemaField, TableSchema } from '../src/store/schema.ts';
import { TableWrite } from '../src/store/write/table-write.ts';
import { TableCommit } from '../src/store/commit/table-commit.ts';
import { planSplits, readSplit, resolveSnapshot } from '../src/store/read/table-scan.ts';
import { StoreLookup } from '../src/store/read/lookup-table.ts';
import { startS3Server, type TestS3Server } from '../test/support/s3-server.ts';
import { seededRandom } from '../test/support/seeded-random.ts';
import { saveResults, table, type BenchArgs } from './main.ts';

/** Rows per row group of the store's Parquet writer (parquet.ts), used for the ceiling too. */
const ROW_GROUP_ROWS = 131072;
/** Rows per in-memory Parquet file of the ceiling. */
const CEILING_CHUNK_ROWS = ROW_GROUP_ROWS * 8;
/** Keys are KEY_BASE + 2 * (a permutation of 0..rows-1): even, unique, not in insertion order; odd keys are missing. */
const KEY_BASE = 1_000_000_000_000;
const TS_BASE = Date.UTC(2026, 0, 1);
const STATUSES = ['new', 'paid', 'packed', 'shipped', 'delivered', 'returned', 'refunded', 'cancelled'];

const FIELDS: Field[] = [
  { name: 'id', type: notNull(T.bigint()) },
  { name: 'account', type: T.bigint() },
  { name: 'amount', type: T.double() },
  { name: 'qty', type: T.int() },
  { name: 'status', type: T.string() },
  { name: 'note', type: T.string() },
  { name: 'ts', type: T.timestamp(3) },
];
const ALL = FIELDS.map((_, i) => i);

// ------------------------------------------------------------------------------------------ data

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

interface Data {
  rows: number;
  batches: Batch[];
  /** Row i is at batches[i / BATCH_SIZE], row i % BATCH_SIZE; its key is keyOf(i). */
  keyOf: (i: number) => number;
  qtySum: number;
  nullNotes: number;
}

function generate(rows: number, seed: number): Data {
  const rnd = seededRandom(seed);
  // i -> (i * a + c) mod rows is a permutation when gcd(a, rows) = 1; i * a stays below 2^53
  let a = Math.max(1, Math.floor(rows * 0.618033988749895)) | 1;
  while (gcd(a, rows) !== 1) a += 2;
  const c = Math.floor(rows / 3);
  const keyOf = (i: number): number => KEY_BASE + 2 * ((i * a + c) % rows);
  const batches: Batch[] = [];
  let qtySum = 0;
  let nullNotes = 0;
  for (let start = 0; start < rows; start += BATCH_SIZE) {
    const n = Math.min(BATCH_SIZE, rows - start);
    const id = new Float64Array(n);
    const account = new Float64Array(n);
    const amount = new Float64Array(n);
    const qty = new Int32Array(n);
    const status = new Array<string>(n);
    const note = new Array<string | null>(n);
    const noteNulls = new Uint8Array(n);
    const ts = new Float64Array(n);
    let anyNull = false;
    for (let j = 0; j < n; j++) {
      const i = start + j;
      id[j] = keyOf(i);
      account[j] = Math.floor(rnd() * 1_000_000);
      amount[j] = Math.round(rnd() * 1_000_000) / 100;
      qty[j] = Math.floor(rnd() * 100);
      qtySum += qty[j]!;
      status[j] = STATUSES[Math.floor(rnd() * STATUSES.length)]!;
      if (rnd() < 0.02) {
        note[j] = null;
        noteNulls[j] = 1;
        anyNull = true;
        nullNotes++;
      } else note[j] = `note-${Math.floor(rnd() * 4294967296).toString(36)}`;
      ts[j] = TS_BASE + i * 10 + Math.floor(rnd() * 1000);
    }
    const col = (values: Column['values'], nulls: Uint8Array | null = null): Column => ({ values, nulls });
    batches.push({
      columns: [col(id), col(account), col(amount), col(qty), col(status), col(note, anyNull ? noteNulls : null), col(ts)],
      length: n,
      kinds: null,
    });
  }
  return { rows, batches, keyOf, qtySum, nullNotes };
}

/** The generated row i's value of column c (null for NULL). */
function generatedValue(d: Data, i: number, c: number): unknown {
  const col = d.batches[Math.floor(i / BATCH_SIZE)]!.columns[c]!;
  const j = i % BATCH_SIZE;
  return col.nulls !== null && col.nulls[j] === 1 ? null : (col.values as ArrayLike<unknown>)[j];
}

// ------------------------------------------------------------------------------------------ measuring

const now = (): number => performance.now();

/** Milliseconds spent in garbage collection since start (a PerformanceObserver on 'gc' entries). */
let gcTotal = 0;
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcTotal += e.duration;
});
const gcMs = (): number => {
  for (const e of gcObserver.takeRecords()) gcTotal += e.duration;
  return gcTotal;
};

interface Usage {
  /** Process CPU time (all threads: the main one, the file system's, GC helpers; s3rver runs in this process too). */
  cpuMs: number;
  gcMs: number;
}

/** Starts measuring CPU and GC time; the function returns what was used since. */
function usage(): () => Usage {
  const c0 = process.cpuUsage();
  const g0 = gcMs();
  return () => {
    const c = process.cpuUsage(c0);
    return { cpuMs: (c.user + c.system) / 1000, gcMs: gcMs() - g0 };
  };
}

const rssMb = (): number => Math.round(process.memoryUsage().rss / 1048576);
const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function log(msg: string): void {
  process.stdout.write(`${msg}  [rss ${rssMb()} MB, heap ${Math.round(process.memoryUsage().heapUsed / 1048576)} MB]\n`);
}

interface Result {
  backend: string;
  operation: string;
  rowsPerSecond?: number;
  ms?: number;
  /** Rate divided by the ceiling's rate for the same direction. */
  ceiling?: 'write' | 'read';
  note?: string;
  usage?: Usage;
}

/**
 * With --profile DIR, each timed phase of the store is recorded as DIR/<backend>-<phase>.cpuprofile
 * (open in Chrome DevTools); the profiler's overhead then shows in the figures.
 */
class PhaseProfiler {
  private session: Session | undefined;
  private readonly dir: string | undefined;

  constructor(dir: string | undefined) {
    this.dir = dir;
  }

  async around<T>(name: string, f: () => Promise<T>): Promise<T> {
    if (this.dir === undefined) return f();
    if (!this.session) {
      mkdirSync(this.dir, { recursive: true });
      this.session = new Session();
      this.session.connect();
      await this.session.post('Profiler.enable');
    }
    await this.session.post('Profiler.start');
    try {
      return await f();
    } finally {
      const { profile } = await this.session.post('Profiler.stop');
      writeFileSync(join(this.dir, `${name}.cpuprofile`), JSON.stringify(profile));
    }
  }

  close(): void {
    this.session?.disconnect();
  }
}

// ------------------------------------------------------------------------------------------ ceiling

interface CeilingResult {
  writeMs: number;
  readMs: number;
  writeUsage: Usage;
  readUsage: Usage;
  bytes: number;
  rows: number;
}

/** Encodes the rows (the first `limit` batches) to Parquet in memory and decodes them back, timing both. */
function ceiling(d: Data, limit = d.batches.length): CeilingResult {
  const files: Uint8Array[] = [];
  let writeMs = 0;
  const props = (): pq.WriterProperties => new pq.WriterPropertiesBuilder()
    .setCompression(pq.Compression.SNAPPY)
    .setMaxRowGroupSize(ROW_GROUP_ROWS)
    .build();
  const perChunk = CEILING_CHUNK_ROWS / BATCH_SIZE;
  const expected = d.batches.slice(0, limit).reduce((s, b) => s + b.length, 0);
  const writeUsage: Usage = { cpuMs: 0, gcMs: 0 };
  const readUsage: Usage = { cpuMs: 0, gcMs: 0 };
  const add = (to: Usage, u: Usage): void => {
    to.cpuMs += u.cpuMs;
    to.gcMs += u.gcMs;
  };
  for (let b = 0; b < limit; b += perChunk) {
    // the Arrow form of the chunk is the input, not part of the time
    const ipc = batchesToArrowIPC(FIELDS, d.batches.slice(b, Math.min(limit, b + perChunk)));
    const p = props();
    const u = usage();
    const t0 = now();
    const t = pq.Table.fromIPCStream(ipc);
    files.push(pq.writeParquet(t, p));
    writeMs += now() - t0;
    add(writeUsage, u());
  }
  let readMs = 0;
  let rows = 0;
  for (const f of files) {
    const u = usage();
    const t0 = now();
    const arrow = tableFromIPC(pq.readParquet(f, { batchSize: ROW_GROUP_ROWS }).intoIPCStream());
    readMs += now() - t0;
    add(readUsage, u());
    rows += arrow.numRows;
  }
  if (rows !== expected) throw new Error(`ceiling read ${rows} rows, wrote ${expected}`);
  return { writeMs, readMs, writeUsage, readUsage, bytes: files.reduce((s, f) => s + f.length, 0), rows };
}

// ------------------------------------------------------------------------------------------ store

function schemaOf(primaryKey: boolean): Omit<TableSchema, 'id' | 'timeMillis'> {
  const fields: SchemaField[] = FIELDS.map((f, i) => ({ id: i, name: f.name, type: f.type }));
  return { fields, highestFieldId: fields.length - 1, partitionKeys: [], primaryKeys: primaryKey ? ['id'] : [], options: {} };
}

async function writeAll(t: FileStoreTable, d: Data): Promise<{ ms: number; snapshots: number[] }> {
  const t0 = now();
  const tw = new TableWrite(t);
  for (const b of d.batches) await tw.write(b);
  const messages = await tw.prepareCommit();
  const r = await new TableCommit(t, 'bench-store').commit(messages);
  return { ms: now() - t0, snapshots: r.snapshots };
}

/** Reads every row of every column; checks the count, the qty sum, the NULL notes and (key table) key order. */
async function scanAll(t: FileStoreTable, d: Data): Promise<number> {
  const t0 = now();
  const s = await resolveSnapshot(t, 'UTC');
  if (!s) throw new Error(`${t.name}: no snapshot`);
  const splits = await planSplits(t, await t.liveEntries(s), []);
  let rows = 0;
  let qty = 0;
  let nullNotes = 0;
  let last = -Infinity;
  let ordered = true;
  for (const split of splits) {
    for await (const b of readSplit(t, split, ALL, [], BATCH_SIZE)) {
      const ids = b.columns[0]!.values as ArrayLike<number>;
      const q = b.columns[3]!.values as Int32Array;
      const nn = b.columns[5]!.nulls;
      for (let i = 0; i < b.length; i++) {
        qty += q[i]!;
        if (nn !== null) nullNotes += nn[i]!;
        if (ids[i]! <= last) ordered = false;
        last = ids[i]!;
      }
      rows += b.length;
    }
  }
  const ms = now() - t0;
  if (rows !== d.rows || qty !== d.qtySum || nullNotes !== d.nullNotes) {
    throw new Error(`${t.name}: scan read ${rows} rows (qty sum ${qty}, NULL notes ${nullNotes}), expected ${d.rows} (${d.qtySum}, ${d.nullNotes})`);
  }
  if (t.layout.hasPrimaryKey && splits.length === 1 && !ordered) throw new Error(`${t.name}: scan rows not in key order`);
  return ms;
}

interface LookupResult {
  firstMs: number;
  p50: number;
  p99: number;
  max: number;
  batchKeysPerSecond: number;
  hits: number;
  misses: number;
}

/** Keys to look up: existing ones (as row numbers) and, one in ten, missing ones (row -1). */
function lookupKeys(d: Data, count: number, seed: number): { keys: Float64Array; rows: Int32Array } {
  const rnd = seededRandom(seed ^ 0x5bd1e995);
  const keys = new Float64Array(count);
  const rows = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const i = Math.floor(rnd() * d.rows);
    if (rnd() < 0.1) {
      keys[k] = d.keyOf(i) + 1;
      rows[k] = -1;
    } else {
      keys[k] = d.keyOf(i);
      rows[k] = i;
    }
  }
  return { keys, rows };
}

function checkAnswer(d: Data, key: number, row: number, probe: Int32Array, out: Batch, at: number): void {
  if (row < 0) throw new Error(`lookup of missing key ${key} found a row`);
  const got = [0, 2, 3, 5].map((c) => {
    const col = out.columns[c]!;
    return col.nulls !== null && col.nulls[at] === 1 ? null : (col.values as ArrayLike<unknown>)[at];
  });
  const want = [0, 2, 3, 5].map((c) => generatedValue(d, row, c));
  if (got.some((v, k) => v !== want[k])) throw new Error(`lookup of key ${key}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)} (probe ${probe.join()})`);
}

async function lookups(t: FileStoreTable, d: Data, count: number, seed: number): Promise<LookupResult> {
  const { keys, rows } = lookupKeys(d, count, seed);
  const lk = new StoreLookup(t, [0], ALL);
  const keyCol = (values: Float64Array): Column[] => [{ values, nulls: null }];
  try {
    // the first call loads the key's bucket (all of it) into memory
    let t0 = now();
    const first = await lk.lookup(keyCol(Float64Array.of(d.keyOf(0))), 1);
    const firstMs = now() - t0;
    if (first.probe.length !== 1) throw new Error(`lookup of key ${d.keyOf(0)} found ${first.probe.length} rows`);
    const lat = new Float64Array(count);
    let hits = 0;
    const one = new Float64Array(1);
    for (let k = 0; k < count; k++) {
      one[0] = keys[k]!;
      t0 = now();
      const r = await lk.lookup(keyCol(one), 1);
      lat[k] = now() - t0;
      if (r.probe.length > 0) {
        hits++;
        checkAnswer(d, keys[k]!, rows[k]!, r.probe, r.rows, 0);
      } else if (rows[k]! >= 0) throw new Error(`lookup of existing key ${keys[k]} found nothing`);
    }
    lat.sort();
    // the same keys, BATCH_SIZE at a time (what a lookup join does)
    t0 = now();
    let found = 0;
    for (let s = 0; s < count; s += BATCH_SIZE) {
      const part = keys.subarray(s, Math.min(count, s + BATCH_SIZE));
      const r = await lk.lookup(keyCol(part), part.length);
      found += r.probe.length;
      for (let k = 0; k < r.probe.length; k++) {
        const p = r.probe[k]!;
        checkAnswer(d, part[p]!, rows[s + p]!, r.probe, r.rows, k);
      }
    }
    const batchMs = now() - t0;
    if (found !== hits) throw new Error(`batched lookups found ${found} rows, single ones ${hits}`);
    return { firstMs, p50: percentile(lat, 50), p99: percentile(lat, 99), max: lat[lat.length - 1] ?? NaN, batchKeysPerSecond: count / (batchMs / 1000), hits, misses: count - hits };
  } finally {
    await lk.close();
  }
}

interface SizeInfo {
  liveFiles: number;
  liveBytes: number;
  /** Everything under the table's directory (data files replaced by the compaction but not yet expired, metadata). */
  allFiles: number;
  allBytes: number;
}

async function sizes(t: FileStoreTable): Promise<SizeInfo> {
  const s = await t.snapshots.latest();
  const live = s ? await t.liveEntries(s) : [];
  const all = await t.io.listRecursive(t.path);
  return {
    liveFiles: live.length,
    liveBytes: live.reduce((x, e) => x + e.file.fileSize, 0),
    allFiles: all.length,
    allBytes: all.reduce((x, f) => x + f.size, 0),
  };
}

interface BackendRun {
  results: Result[];
  sizes: Record<string, SizeInfo>;
  detail: Record<string, unknown>;
}

interface RunOptions {
  lookups: number;
  seed: number;
  buckets: number;
  tables: Array<'pk' | 'append'>;
  profiler: PhaseProfiler;
}

async function runBackend(backend: string, io: FileIO, root: string, d: Data, opts: RunOptions): Promise<BackendRun> {
  const results: Result[] = [];
  const detail: Record<string, unknown> = {};
  const sz: Record<string, SizeInfo> = {};
  for (const kind of opts.tables) {
    const schema = schemaOf(kind === 'pk');
    if (kind === 'pk' && opts.buckets !== 1) schema.options = { bucket: String(opts.buckets) };
    const t = await FileStoreTable.create(io, `${root}/bench.db/${kind}`, `bench.${kind}`, schema);
    let u = usage();
    const w = await opts.profiler.around(`${backend}-${kind}-write`, () => writeAll(t, d));
    results.push({ backend, operation: `${kind} write`, rowsPerSecond: d.rows / (w.ms / 1000), ms: w.ms, ceiling: 'write', usage: u() });
    log(`${backend} ${kind}: wrote ${d.rows} rows in ${(w.ms / 1000).toFixed(2)} s (snapshots ${w.snapshots.join(', ')})`);
    u = usage();
    const scanMs = await opts.profiler.around(`${backend}-${kind}-scan`, () => scanAll(t, d));
    results.push({ backend, operation: `${kind} full scan`, rowsPerSecond: d.rows / (scanMs / 1000), ms: scanMs, ceiling: 'read', usage: u() });
    log(`${backend} ${kind}: scanned ${d.rows} rows in ${(scanMs / 1000).toFixed(2)} s`);
    sz[kind] = await sizes(t);
    if (kind === 'pk' && opts.lookups > 0) {
      u = usage();
      const l = await opts.profiler.around(`${backend}-${kind}-lookup`, () => lookups(t, d, opts.lookups, opts.seed));
      detail.lookupUsage = u();
      results.push({ backend, operation: 'pk lookup, first call', ms: l.firstMs, note: 'loads the bucket' });
      results.push({ backend, operation: 'pk lookup p50', ms: l.p50 });
      results.push({ backend, operation: 'pk lookup p99', ms: l.p99 });
      results.push({ backend, operation: `pk lookup, ${BATCH_SIZE} keys/call`, rowsPerSecond: l.batchKeysPerSecond, ms: (opts.lookups / l.batchKeysPerSecond) * 1000, note: 'keys/s' });
      detail.lookup = l;
      log(`${backend} pk: ${opts.lookups} lookups (${l.misses} missing), first call ${l.firstMs.toFixed(0)} ms, p50 ${l.p50.toFixed(3)} ms, p99 ${l.p99.toFixed(3)} ms, max ${l.max.toFixed(1)} ms`);
    }
  }
  return { results, sizes: sz, detail };
}

// ------------------------------------------------------------------------------------------ output

const fmtRate = (r: number): string => (r >= 1e6 ? `${(r / 1e6).toFixed(2)} M` : `${(r / 1e3).toFixed(0)} K`);
const fmtMs = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));
const fmtMb = (b: number): string => `${(b / 1048576).toFixed(1)} MB`;

export async function run(args: BenchArgs): Promise<void> {
  const started = now();
  gcObserver.observe({ entryTypes: ['gc'] });
  const rows = Number(args.flags.get('rows') ?? 5_000_000);
  const backend = args.flags.get('backend') ?? 'both';
  const lookupCount = Number(args.flags.get('lookups') ?? 10_000);
  const seed = Number(args.flags.get('seed') ?? 42);
  const buckets = Number(args.flags.get('buckets') ?? 1);
  if (!Number.isInteger(rows) || rows <= 0) throw new Error(`--rows must be a positive integer, got ${args.flags.get('rows')}`);
  if (!['local', 's3', 'both'].includes(backend)) throw new Error(`--backend must be local, s3 or both, got ${backend}`);
  if (!Number.isInteger(lookupCount) || lookupCount < 0) throw new Error(`--lookups must be a count, got ${args.flags.get('lookups')}`);
  if (!Number.isInteger(buckets) || buckets < 1) throw new Error(`--buckets must be a positive integer, got ${args.flags.get('buckets')}`);
  const tablesFlag = args.flags.get('tables') ?? 'both';
  if (!['pk', 'append', 'both'].includes(tablesFlag)) throw new Error(`--tables must be pk, append or both, got ${tablesFlag}`);
  const tables: RunOptions['tables'] = tablesFlag === 'both' ? ['pk', 'append'] : [tablesFlag as 'pk' | 'append'];

  console.log(`table store benchmark: ${rows.toLocaleString('en-US')} rows, ${FIELDS.length} columns, batches of ${BATCH_SIZE}, backend ${backend}, ${lookupCount} lookups, seed ${seed}`);
  let t0 = now();
  const d = generate(rows, seed);
  log(`generated in ${((now() - t0) / 1000).toFixed(1)} s`);

  // WebAssembly and JS code run unoptimized at first: warm up on one chunk, then time all rows (and
  // again at the end; the better of the two runs is the ceiling)
  for (let k = 0; k < 3; k++) ceiling(d, Math.min(d.batches.length, CEILING_CHUNK_ROWS / BATCH_SIZE));
  const ceilRuns = [ceiling(d)];
  log(`parquet-wasm ceiling: write ${fmtRate(rows / (ceilRuns[0]!.writeMs / 1000))} rows/s, read ${fmtRate(rows / (ceilRuns[0]!.readMs / 1000))} rows/s, ${fmtMb(ceilRuns[0]!.bytes)}`);

  const results: Result[] = [];
  const sizeRows: string[][] = [['memory', 'parquet-wasm', String(Math.ceil(rows / CEILING_CHUNK_ROWS)), fmtMb(ceilRuns[0]!.bytes), '-', '-']];
  const json: Record<string, unknown> = {};

  const opts: RunOptions = { lookups: lookupCount, seed, buckets, tables, profiler: new PhaseProfiler(args.flags.get('profile')) };
  if (backend === 'local' || backend === 'both') {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-bench-store-'));
    try {
      const r = await runBackend('local', fileIOFor(dir), dir, d, opts);
      results.push(...r.results);
      for (const [k, s] of Object.entries(r.sizes)) sizeRows.push(['local', k, String(s.liveFiles), fmtMb(s.liveBytes), String(s.allFiles), fmtMb(s.allBytes)]);
      json.local = { sizes: r.sizes, ...r.detail };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (backend === 's3' || backend === 'both') {
    let server: TestS3Server | undefined;
    try {
      server = await startS3Server({ bucket: 'bench' });
      const root = `s3://${server.bucket}/warehouse`;
      const r = await runBackend('s3', fileIOFor(root, server.options), root, d, opts);
      results.push(...r.results);
      for (const [k, s] of Object.entries(r.sizes)) sizeRows.push(['s3', k, String(s.liveFiles), fmtMb(s.liveBytes), String(s.allFiles), fmtMb(s.allBytes)]);
      json.s3 = { sizes: r.sizes, requests: server.stats.requests, ...r.detail };
    } finally {
      await server?.stop();
    }
  }

  opts.profiler.close();
  ceilRuns.push(ceiling(d));
  log(`parquet-wasm ceiling again: write ${fmtRate(rows / (ceilRuns[1]!.writeMs / 1000))} rows/s, read ${fmtRate(rows / (ceilRuns[1]!.readMs / 1000))} rows/s`);
  const ceil: CeilingResult = { ...ceilRuns[0]!, writeMs: Math.min(...ceilRuns.map((c) => c.writeMs)), readMs: Math.min(...ceilRuns.map((c) => c.readMs)) };
  const ceilWrite = rows / (ceil.writeMs / 1000);
  const ceilRead = rows / (ceil.readMs / 1000);
  const best = (k: 'writeMs' | 'readMs'): CeilingResult => ceilRuns.reduce((a, b) => (b[k] < a[k] ? b : a));
  results.unshift(
    { backend: 'memory', operation: 'parquet-wasm write', rowsPerSecond: ceilWrite, ms: ceil.writeMs, ceiling: 'write', usage: best('writeMs').writeUsage },
    { backend: 'memory', operation: 'parquet-wasm read', rowsPerSecond: ceilRead, ms: ceil.readMs, ceiling: 'read', usage: best('readMs').readUsage },
  );

  const wallMs = now() - started;
  gcObserver.disconnect();
  const peak = peakRssMb();
  const ratio = (r: Result): string => {
    if (r.ceiling === undefined || r.rowsPerSecond === undefined) return '-';
    return (r.rowsPerSecond / (r.ceiling === 'write' ? ceilWrite : ceilRead)).toFixed(2);
  };
  console.log(`\ntable store: ${rows.toLocaleString('en-US')} rows; write = TableWrite + TableCommit (sorting, flushes, compactions, commit);`);
  console.log('scan = every column through readSplit; ceiling = parquet-wasm writeParquet/readParquet of the same columns in memory,');
  console.log('from and to Arrow IPC (no JS values are converted); cpu/wall = process CPU time (all threads) over wall time\n');
  const opWidth = Math.max(...results.map((r) => r.operation.length));
  const pct = (x: number, of: number): string => `${Math.round((100 * x) / of)}%`;
  console.log(table(['backend', 'operation'.padEnd(opWidth), 'rows/s', 'ms', 'x ceiling', 'cpu/wall', 'gc/wall'], results.map((r) => [
    r.backend, r.operation.padEnd(opWidth), r.rowsPerSecond === undefined ? '-' : fmtRate(r.rowsPerSecond) + (r.note === 'keys/s' ? ' keys' : ''), r.ms === undefined ? '-' : fmtMs(r.ms), ratio(r),
    r.usage && r.ms ? pct(r.usage.cpuMs, r.ms) : '-', r.usage && r.ms ? pct(r.usage.gcMs, r.ms) : '-',
  ])));
  console.log('\ndata size (live = files of the latest snapshot; all = everything under the table directory, incl. files compacted away and metadata)\n');
  console.log(table(['backend', 'table       ', 'live files', 'live size', 'all files', 'all size'], sizeRows.map((r) => [r[0]!, r[1]!.padEnd(12), ...r.slice(2)])));
  console.log(`\nwall time ${(wallMs / 1000).toFixed(1)} s, peak RSS ${peak} MB, node ${process.version}`);

  const file = saveResults('store', {
    suite: 'store', date: new Date().toISOString(), node: process.version, rows, columns: FIELDS.map((f) => f.name), batchSize: BATCH_SIZE,
    backend, tables, lookups: lookupCount, seed, buckets, wallMs: Math.round(wallMs), peakRssMb: peak,
    ceiling: { writeRowsPerSecond: Math.round(ceilWrite), readRowsPerSecond: Math.round(ceilRead), bytes: ceil.bytes, runs: ceilRuns.map((c) => ({ writeMs: Math.round(c.writeMs), readMs: Math.round(c.readMs), writeUsage: c.writeUsage, readUsage: c.readUsage })) },
    results: results.map((r) => ({ ...r, rowsPerSecond: r.rowsPerSecond === undefined ? undefined : Math.round(r.rowsPerSecond), ratioToCeiling: ratio(r) === '-' ? undefined : Number(ratio(r)) })),
    ...json,
  });
  console.log(`results: ${file}`);
}
