/**
 * Data files of the table store: Parquet files of one bucket, written by rolling writers and read
 * through the schema they were written with.
 *
 * Primary-key files hold `_SEQUENCE_NUMBER` and `_VALUE_KIND` before the table's columns and are
 * sorted by key; append files hold the columns only. While writing, each file's statistics (per
 * column min/max/NULL count, key range, sequence range) are gathered for its manifest entry, so scans
 * can skip files without opening them.
 */
import type { FileIO } from '../fs/file-io.ts';
import type { Batch, Column, Field } from '../types/batch.ts';
import { nullColumn } from '../types/batch.ts';
import type { DataType } from '../types/data-type.ts';
import { physicalOf, typesEqualIgnoringNull } from '../types/data-type.ts';
import { makeCast } from '../types/cast.ts';
import { ColumnBuilder } from '../types/batch.ts';
import type { ColumnPredicate, ScanContext } from '../connectors/connector.ts';
import { parquetFormat } from '../connectors/formats/parquet.ts';
import type { FileWriter, FormatInstance } from '../connectors/formats/format.ts';
import type { DataFileMeta, FileSource } from './manifest.ts';
import type { KvBatch } from './kv.ts';
import type { TableLayout } from './layout.ts';
import { SYSTEM_FIELDS } from './layout.ts';
import type { TableSchema } from './schema.ts';
import type { JsonScalar } from './value-codec.ts';
import { MAX_STAT_STRING, encodeValue, hasStats, valueComparator } from './value-codec.ts';
import { encodeKey } from './key-comparator.ts';
import { isRetractionKind } from './merge/kinds.ts';

/** Per-column statistics gathered while writing one file. */
class StatsCollector {
  private readonly types: readonly DataType[];
  private readonly comparable: boolean[];
  private readonly cmps: Array<((a: unknown, b: unknown) => number) | null>;
  min: unknown[];
  max: unknown[];
  nulls: number[];

  constructor(types: readonly DataType[]) {
    this.types = types;
    this.comparable = types.map(hasStats);
    this.cmps = types.map((t, i) => (this.comparable[i] ? valueComparator(t) : null));
    this.min = types.map(() => null);
    this.max = types.map(() => null);
    this.nulls = types.map(() => 0);
  }

  add(cols: readonly Column[], n: number): void {
    for (let c = 0; c < this.types.length; c++) {
      const col = cols[c]!;
      const nulls = col.nulls;
      if (nulls !== null) for (let i = 0; i < n; i++) this.nulls[c]! += nulls[i]!;
      if (!this.comparable[c]) continue;
      const vals = col.values;
      let lo = this.min[c];
      let hi = this.max[c];
      if ((vals instanceof Float64Array || vals instanceof Int32Array || vals instanceof Uint8Array) && this.types[c]!.kind !== 'DOUBLE' && this.types[c]!.kind !== 'FLOAT') {
        let l = lo === null ? Infinity : (lo as number);
        let h = hi === null ? -Infinity : (hi as number);
        for (let i = 0; i < n; i++) {
          if (nulls !== null && nulls[i] === 1) continue;
          const v = vals[i]!;
          if (v < l) l = v;
          if (v > h) h = v;
        }
        if (l !== Infinity) lo = l;
        if (h !== -Infinity) hi = h;
      } else {
        const cmp = this.cmps[c]!;
        const arr = vals as ArrayLike<unknown>;
        for (let i = 0; i < n; i++) {
          if (nulls !== null && nulls[i] === 1) continue;
          const v = arr[i];
          if (typeof v === 'number' && Number.isNaN(v)) continue; // NaN bounds would make every range check fail
          if (lo === null || cmp(v, lo) < 0) lo = v;
          if (hi === null || cmp(v, hi) > 0) hi = v;
        }
      }
      this.min[c] = lo;
      this.max[c] = hi;
    }
  }

  encoded(): { min: JsonScalar[]; max: JsonScalar[]; nulls: number[] } {
    return {
      min: this.types.map((t, c) => {
        const v = this.min[c];
        if (typeof v === 'string' && v.length > MAX_STAT_STRING) return v.slice(0, MAX_STAT_STRING); // a prefix is still a lower bound
        return encodeValue(t, v);
      }),
      max: this.types.map((t, c) => {
        const v = this.max[c];
        if (typeof v === 'string' && v.length > MAX_STAT_STRING) return null; // no short upper bound: unknown
        return encodeValue(t, v);
      }),
      nulls: [...this.nulls],
    };
  }
}

/** The Parquet batch of a KvBatch: sequence numbers and kinds first. */
function kvToFileBatch(b: KvBatch): Batch {
  const kinds = new Int32Array(b.length);
  for (let i = 0; i < b.length; i++) kinds[i] = b.kinds[i]!;
  return { columns: [{ values: b.seq.subarray(0, b.length), nulls: null }, { values: kinds, nulls: null }, ...b.columns], length: b.length, kinds: null };
}

export interface WriterTarget {
  io: FileIO;
  layout: TableLayout;
  /** Directory of the bucket. */
  dir: string;
  newFileName: () => string;
  level: number;
  source: FileSource;
  targetFileSize: number;
  /** Changelog files: rows in arrival order, no key range. */
  changelog?: boolean;
}

/**
 * Writes rows of one bucket into files of about the target size. Rows must come sorted by key for
 * primary-key data files; each file's key range is then its first and last row.
 */
export class RollingWriter {
  private readonly t: WriterTarget;
  private readonly format: FormatInstance;
  private readonly kv: boolean;
  private current: { writer: FileWriter; name: string; stats: StatsCollector; rows: number; minKey: JsonScalar[]; maxKey: JsonScalar[]; minSeq: number; maxSeq: number; deletes: number } | null = null;
  readonly files: DataFileMeta[] = [];
  private readonly keyTypes: DataType[];

  constructor(t: WriterTarget) {
    this.t = t;
    this.kv = t.layout.hasPrimaryKey;
    this.format = parquetFormat.bind(this.kv ? [...SYSTEM_FIELDS, ...t.layout.fields] : t.layout.fields, {}, t.layout.name);
    this.keyTypes = t.layout.keyTypes;
  }

  private async open(): Promise<NonNullable<RollingWriter['current']>> {
    const name = this.t.newFileName();
    const out = await this.t.io.create(`${this.t.dir}/${name}`);
    this.current = {
      writer: this.format.createWriter(out), name, stats: new StatsCollector(this.t.layout.types), rows: 0,
      minKey: [], maxKey: [], minSeq: Infinity, maxSeq: -Infinity, deletes: 0,
    };
    return this.current;
  }

  /** Writes rows of a primary-key table (all table columns, sorted by key unless a changelog). */
  async writeKv(b: KvBatch): Promise<void> {
    if (b.length === 0) return;
    const f = this.current ?? (await this.open());
    if (f.rows === 0 && !this.t.changelog) f.minKey = encodeKey(b.columns, 0, this.t.layout.primaryKey, this.keyTypes);
    if (!this.t.changelog) f.maxKey = encodeKey(b.columns, b.length - 1, this.t.layout.primaryKey, this.keyTypes);
    for (let i = 0; i < b.length; i++) {
      const s = b.seq[i]!;
      if (s < f.minSeq) f.minSeq = s;
      if (s > f.maxSeq) f.maxSeq = s;
      if (isRetractionKind(b.kinds[i]!)) f.deletes++;
    }
    f.stats.add(b.columns, b.length);
    f.rows += b.length;
    await f.writer.write(kvToFileBatch(b));
    if (f.writer.bytesWritten >= this.t.targetFileSize) await this.roll();
  }

  /** Writes rows of an append table; `firstSeq` numbers them. */
  async writeAppend(b: Batch, firstSeq: number): Promise<void> {
    if (b.length === 0) return;
    const f = this.current ?? (await this.open());
    f.minSeq = Math.min(f.minSeq, firstSeq);
    f.maxSeq = Math.max(f.maxSeq, firstSeq + b.length - 1);
    f.stats.add(b.columns, b.length);
    f.rows += b.length;
    await f.writer.write({ columns: b.columns, length: b.length, kinds: null });
    if (f.writer.bytesWritten >= this.t.targetFileSize) await this.roll();
  }

  /** Closes the current file and records it. */
  async roll(): Promise<void> {
    const f = this.current;
    if (!f) return;
    this.current = null;
    await f.writer.close();
    const st = await this.t.io.stat(`${this.t.dir}/${f.name}`);
    const s = f.stats.encoded();
    this.files.push({
      fileName: f.name, fileSize: st?.size ?? f.writer.bytesWritten, rowCount: f.rows,
      minKey: f.minKey, maxKey: f.maxKey, minValues: s.min, maxValues: s.max, nullCounts: s.nulls,
      minSeq: f.minSeq === Infinity ? 0 : f.minSeq, maxSeq: f.maxSeq === -Infinity ? 0 : f.maxSeq,
      schemaId: this.t.layout.schema.id, level: this.t.level, creationTime: Date.now(), deleteRowCount: f.deletes, source: this.t.source,
    });
  }

  async close(): Promise<DataFileMeta[]> {
    await this.roll();
    return this.files;
  }

  /** Removes everything written (a failed or abandoned write). */
  async abort(): Promise<void> {
    const f = this.current;
    this.current = null;
    if (f) await f.writer.abort().catch(() => undefined);
    await Promise.all(this.files.map((m) => this.t.io.delete(`${this.t.dir}/${m.fileName}`).catch(() => undefined)));
    this.files.length = 0;
  }
}

const readContext = (batchSize: number): ScanContext => ({
  timeZone: 'UTC', batchSize, isCancelled: () => false, countSkipped: () => undefined,
});

export interface ReadFileRequest {
  io: FileIO;
  path: string;
  size: number;
  /** The schema the file was written with. */
  fileSchema: TableSchema;
  /** The schema rows are read as (the table's current one, or the one a time-travel read asks for). */
  readSchema: TableSchema;
  /** Indexes into readSchema.fields of the columns to produce. */
  fields: readonly number[];
  kv: boolean;
  /** Predicates over readSchema fields; only used to skip row groups. */
  predicates?: readonly ColumnPredicate[];
  batchSize: number;
}

/** How each requested column comes out of a file written under another schema. */
function columnMapping(req: ReadFileRequest): Array<{ fileColumn: number; cast: ((v: unknown) => unknown) | null; type: DataType }> {
  const offset = req.kv ? SYSTEM_FIELDS.length : 0;
  return req.fields.map((f) => {
    const field = req.readSchema.fields[f]!;
    const j = req.fileSchema.fields.findIndex((x) => x.id === field.id);
    if (j < 0) return { fileColumn: -1, cast: null, type: field.type };
    const from = req.fileSchema.fields[j]!.type;
    const cast = typesEqualIgnoringNull(from, field.type) ? null : makeCast(from, field.type, { timeZone: 'UTC' });
    return { fileColumn: offset + j, cast, type: field.type };
  });
}

function castColumn(col: Column, n: number, cast: (v: unknown) => unknown, type: DataType): Column {
  const b = new ColumnBuilder(physicalOf(type), n);
  const vals = col.values as ArrayLike<unknown>;
  for (let i = 0; i < n; i++) {
    if (col.nulls !== null && col.nulls[i] === 1) b.appendNull();
    else b.append(cast(vals[i]));
  }
  return b.build();
}

/**
 * Reads one data file as KvBatches of the requested columns (append files have no sequence numbers
 * or kinds: both arrays are empty); columns the file's schema lacks read as NULL, widened ones are cast.
 */
export async function* readDataFile(req: ReadFileRequest): AsyncGenerator<KvBatch> {
  const fileFields: Field[] = [...(req.kv ? SYSTEM_FIELDS : []), ...req.fileSchema.fields.map((f) => ({ name: f.name, type: f.type }))];
  const format = parquetFormat.bind(fileFields, {}, req.path);
  const mapping = columnMapping(req);
  const wanted: number[] = req.kv ? [0, 1] : [];
  const slot = mapping.map((m) => {
    if (m.fileColumn < 0) return -1;
    const at = wanted.indexOf(m.fileColumn);
    if (at >= 0) return at;
    wanted.push(m.fileColumn);
    return wanted.length - 1;
  });
  const predicates = (req.predicates ?? []).flatMap((p) => {
    const field = req.readSchema.fields[p.column]!;
    const j = req.fileSchema.fields.findIndex((x) => x.id === field.id);
    if (j < 0 || !typesEqualIgnoringNull(req.fileSchema.fields[j]!.type, field.type)) return [];
    return [{ ...p, column: (req.kv ? SYSTEM_FIELDS.length : 0) + j }];
  });
  for await (const b of format.read(req.io, { path: req.path, size: req.size }, { columns: wanted, predicates }, readContext(req.batchSize))) {
    const n = b.length;
    const columns = mapping.map((m, k) => {
      if (slot[k]! < 0) return nullColumn(physicalOf(m.type), n);
      const c = b.columns[slot[k]!]!;
      return m.cast ? castColumn(c, n, m.cast, m.type) : c;
    });
    let seq: Float64Array;
    let kinds: Uint8Array;
    if (req.kv) {
      const s = b.columns[0]!.values;
      seq = s instanceof Float64Array ? s : Float64Array.from(s as ArrayLike<number>, Number);
      const k = b.columns[1]!.values as Int32Array;
      kinds = new Uint8Array(n);
      for (let i = 0; i < n; i++) kinds[i] = k[i]!;
    } else {
      seq = new Float64Array(0);
      kinds = new Uint8Array(0);
    }
    yield { columns, length: n, kinds, seq };
  }
}
