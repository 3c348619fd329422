/**
 * The `parquet` format, on parquet-wasm (the Rust parquet/arrow crates compiled to WebAssembly).
 *
 * Reading opens the file for random access and decodes one row group at a time, only the requested
 * columns, then converts the Arrow result to columns (zero-copy where layouts match; see arrow.ts) and
 * slices it into batches. Row groups whose min/max statistics rule out a pushed predicate are skipped
 * without being read (parquet-stats.ts).
 *
 * While the consumer works on one row group the next one is already being fetched and decoded. String
 * columns stored with a dictionary are read as Arrow dictionaries (see withDictionaryStrings), so a
 * column of a few distinct values costs a few strings, not one per row.
 *
 * Writing streams row groups of ROW_GROUP_ROWS rows through parquet-wasm's streaming writer, with
 * snappy compression and column statistics, holding at most one encoded-but-unwritten row group.
 */
import * as pq from 'parquet-wasm';
import { Dictionary, Field as ArrowField, Int32, Schema, Table as ArrowTable, Type, Utf8, tableFromIPC, tableToIPC } from 'apache-arrow';
import type { Batch, Column, Field } from '../../types/batch.ts';
import { concatBatches, nullColumn, sliceColumn } from '../../types/batch.ts';
import { physicalOf } from '../../types/data-type.ts';
import type { ColumnPredicate, ScanContext } from '../connector.ts';
import type { FileIO, OutputFile, RandomAccessFile } from '../../fs/file-io.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import type { DataFile, FileFormat, FileWriter, FormatInstance, FormatReadRequest } from './format.ts';
import { ConversionError, arrowReader, arrowTypeOf, batchesToArrowIPC, type ArrowReader } from './arrow.ts';
import { rowGroupMayMatch, rowGroupStats, statsComparable } from './parquet-stats.ts';
import { blobOf, blobWithFooter, readFooter, withKeyValue, type Footer } from './parquet-footer.ts';

/** Rows per row group written; also the unit of pruning by statistics. */
const ROW_GROUP_ROWS = 131072;

function wasmMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function notParquet(path: string, e: unknown): FreshetError {
  return new FreshetError(SqlState.badRecord, `cannot read ${path} as Parquet: ${wasmMessage(e)}`, {
    hint: "Check the table's 'format' option. Every file under the table's path must be a Parquet file; files whose names start with '.' or '_' are ignored.",
  });
}

class ParquetFileWriter implements FileWriter {
  private readonly out: OutputFile;
  private readonly fields: readonly Field[];
  private pending: Batch[] = [];
  private pendingRows = 0;
  private controller: ReadableStreamDefaultController<unknown> | undefined;
  private readonly pump: Promise<void>;
  private failed: unknown;
  /** Writers waiting for the encoder to take the queued row group (keeps at most one row group queued). */
  private waiting: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];

  constructor(out: OutputFile, fields: readonly Field[]) {
    this.out = out;
    this.fields = fields;
    const input = new ReadableStream<unknown>({
      start: (c) => { this.controller = c; },
      pull: () => {
        const w = this.waiting;
        this.waiting = [];
        for (const x of w) x.resolve();
      },
    }, { highWaterMark: 1 });
    const props = new pq.WriterPropertiesBuilder()
      .setCompression(pq.Compression.SNAPPY)
      .setMaxRowGroupSize(ROW_GROUP_ROWS)
      .setCreatedBy('freshet')
      .build();
    this.pump = (async () => {
      const output = await pq.transformParquetStream(input as never, props);
      const reader = (output as ReadableStream<Uint8Array>).getReader();
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        await out.write(r.value);
      }
    })();
    this.pump.catch((e) => {
      this.failed = e;
      for (const x of this.waiting) x.reject(e);
      this.waiting = [];
    });
  }

  get bytesWritten(): number {
    return this.out.bytesWritten;
  }

  private flush(): void {
    if (this.pendingRows === 0) return;
    const batch = concatBatches(this.pending, this.fields.map((f) => f.type));
    this.pending = [];
    this.pendingRows = 0;
    const table = pq.Table.fromIPCStream(batchesToArrowIPC(this.fields, [batch]));
    for (const rb of table.recordBatches()) this.controller!.enqueue(rb);
  }

  write(batch: Batch): Promise<void> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    if (batch.length === 0) return Promise.resolve();
    this.pending.push(batch);
    this.pendingRows += batch.length;
    if (this.pendingRows < ROW_GROUP_ROWS) return Promise.resolve();
    this.flush();
    if ((this.controller!.desiredSize ?? 1) > 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  async close(): Promise<void> {
    this.flush();
    this.controller!.close();
    try {
      await this.pump;
    } catch (e) {
      throw new FreshetError(SqlState.ioError, `cannot write Parquet file: ${wasmMessage(e)}`, { cause: e });
    }
    await this.out.close();
  }

  async abort(): Promise<void> {
    try {
      this.controller!.error(new Error('aborted'));
    } catch {
      // already closed
    }
    await this.pump.catch(() => undefined);
    await this.out.abort();
  }
}

/**
 * Reopens a file so that requested string columns stored with a dictionary in every row group come back
 * as Arrow dictionaries: the file's Arrow schema (an `ARROW:schema` footer entry, which the decoder
 * honours) is replaced by one that declares those columns as Dictionary<Int32, Utf8>. Converting a
 * dictionary column costs one string per distinct value instead of one per row. Undefined when no column
 * qualifies or anything about the file is unusual; the plain reading is then used.
 */
async function withDictionaryStrings(pf: pq.ParquetFile, raf: RandomAccessFile, footer: Footer, wanted: Set<string>): Promise<pq.ParquetFile | undefined> {
  try {
    if (footer.rowGroups.length === 0) return undefined;
    const schema = tableFromIPC(pf.schema().intoIPCStream()).schema;
    const dictionaryEverywhere = (name: string): boolean => footer.rowGroups.every((g) => g.columns.some((c) => c.path.length === 1 && c.path[0] === name && c.dictionary));
    const chosen = schema.fields.filter((f) => (f.type.typeId === Type.Utf8 || f.type.typeId === Type.LargeUtf8) && wanted.has(f.name.toLowerCase()) && dictionaryEverywhere(f.name));
    if (chosen.length === 0) return undefined;
    const fields = schema.fields.map((f) => (chosen.includes(f) ? new ArrowField(f.name, new Dictionary(new Utf8(), new Int32()), f.nullable, f.metadata) : f));
    const ipc = tableToIPC(new ArrowTable(new Schema(fields, schema.metadata)), 'stream');
    // the schema message: continuation marker, length, flatbuffer
    const len = new DataView(ipc.buffer, ipc.byteOffset, 8).getInt32(4, true);
    const message = ipc.subarray(0, 8 + len);
    const encoded = Buffer.from(message.buffer, message.byteOffset, message.byteLength).toString('base64');
    const file = await pq.ParquetFile.fromFile(blobWithFooter(raf, footer, withKeyValue(footer, 'ARROW:schema', encoded)));
    const check = tableFromIPC(file.schema().intoIPCStream()).schema;
    if (check.fields.length !== schema.fields.length || !chosen.every((f) => check.fields.find((x) => x.name === f.name)?.type.typeId === Type.Dictionary)) {
      file.free();
      return undefined;
    }
    return file;
  } catch {
    return undefined;
  }
}

class ParquetInstance implements FormatInstance {
  private readonly fields: readonly Field[];
  readonly bytesPerRow: number;

  constructor(fields: readonly Field[]) {
    this.fields = fields;
    this.bytesPerRow = Math.max(1, fields.length * 4);
  }

  canPrune(p: ColumnPredicate): boolean {
    const f = this.fields[p.column];
    return f !== undefined && statsComparable(f.type);
  }

  createWriter(out: OutputFile): FileWriter {
    return new ParquetFileWriter(out, this.fields);
  }

  async *read(io: FileIO, file: DataFile, req: FormatReadRequest, ctx: ScanContext): AsyncIterable<Batch> {
    const raf = await io.openRandomAccess(file.path, file.size);
    let pf: pq.ParquetFile | undefined;
    let inFlight: Promise<pq.Table> | null = null;
    try {
      const footer = await readFooter(raf);
      try {
        pf = await pq.ParquetFile.fromFile(blobOf(raf));
      } catch (e) {
        throw notParquet(file.path, e);
      }
      if (footer !== undefined) {
        const wantedNames = new Set(req.columns.map((c) => this.fields[c]!.name.toLowerCase()));
        const better = await withDictionaryStrings(pf, raf, footer, wantedNames);
        if (better !== undefined) {
          pf.free();
          pf = better;
        }
      }
      const meta = pf.metadata();
      const groups = meta.numRowGroups();
      const groupRows: number[] = [];
      for (let g = 0; g < groups; g++) groupRows.push(meta.rowGroup(g).numRows());
      meta.free();
      const schema = tableFromIPC(pf.schema().intoIPCStream()).schema;

      // file column for each requested table column (by name; a column the file lacks reads as NULL)
      const wanted = req.columns.map((c) => this.fields[c]!);
      const fileIndex = wanted.map((f) => {
        const exact = schema.fields.findIndex((x) => x.name === f.name);
        return exact >= 0 ? exact : schema.fields.findIndex((x) => x.name.toLowerCase() === f.name.toLowerCase());
      });
      const readers: (ArrowReader | null)[] = wanted.map((f, j) => (fileIndex[j]! < 0 ? null : arrowReader(schema.fields[fileIndex[j]!]!.type, f.type, f.name)));
      const names = [...new Set(fileIndex.filter((i) => i >= 0).map((i) => schema.fields[i]!.name))];

      let selected = groupRows.map((_, g) => g);
      const prunable = req.predicates.filter((p) => this.canPrune(p));
      if (prunable.length > 0 && footer !== undefined && footer.rowGroups.length === groups) {
        const stats = rowGroupStats(footer, schema);
        selected = selected.filter((g) => prunable.every((p) => rowGroupMayMatch(stats, g, p, this.fields[p.column]!)));
      }

      // decode the next row group while the consumer works on this one: the read is I/O plus wasm work
      const fetch = (k: number): Promise<pq.Table> | null => {
        if (k >= selected.length || names.length === 0 || groupRows[selected[k]!] === 0) return null;
        const p = pf!.read({ rowGroups: [selected[k]!], columns: names, batchSize: groupRows[selected[k]!]! });
        p.catch(() => undefined);
        return p;
      };
      inFlight = fetch(0);
      for (let k = 0; k < selected.length; k++) {
        if (ctx.isCancelled()) return;
        const g = selected[k]!;
        const rows = groupRows[g]!;
        if (inFlight === null) {
          // an empty row group, or no column of the file is wanted (only the row count matters)
          inFlight = fetch(k + 1);
          if (rows === 0) continue;
          const columns = wanted.map((f) => nullColumn(physicalOf(f.type), rows));
          for (let s = 0; s < rows; s += ctx.batchSize) {
            const e = Math.min(rows, s + ctx.batchSize);
            yield { columns: columns.map((c) => sliceColumn(c, s, e)), length: e - s, kinds: null };
          }
          continue;
        }
        let arrow;
        try {
          const table = await inFlight;
          inFlight = null;
          arrow = tableFromIPC(table.intoIPCStream());
        } catch (e) {
          inFlight = null;
          throw new FreshetError(SqlState.badRecord, `cannot read ${file.path}, row group ${g}: ${wasmMessage(e)}`, {
            hint: 'The file may be damaged or written by a tool that uses Parquet features Freshet cannot read.',
          });
        }
        inFlight = fetch(k + 1);
        const parts = arrow.batches;
        let before = 0;
        for (const rb of parts) {
          let columns: Column[];
          try {
            columns = wanted.map((f, j) => {
              const r = readers[j]!;
              if (r === null) return nullColumn(physicalOf(f.type), rb.numRows);
              const idx = rb.schema.fields.findIndex((x) => x.name === schema.fields[fileIndex[j]!]!.name);
              return r(rb.data.children[idx]!);
            });
          } catch (e) {
            if (!(e instanceof ConversionError)) throw e;
            throw new FreshetError(SqlState.badRecord, `cannot read ${file.path}, row group ${g}, row ${before + e.row} (both counted from 0): ${e.message}`, {
              hint: 'Declare the column with a type that holds the file\'s values, or fix the file.',
            });
          }
          const n = rb.numRows;
          for (let s = 0; s < n; s += ctx.batchSize) {
            const e = Math.min(n, s + ctx.batchSize);
            yield { columns: s === 0 && e === n ? columns : columns.map((c) => sliceColumn(c, s, e)), length: e - s, kinds: null };
          }
          before += n;
        }
      }
    } finally {
      // a prefetched row group still decoding must finish before its file is freed
      if (inFlight !== null) await inFlight.then((t) => t.free(), () => undefined);
      pf?.free();
      await raf.close();
    }
  }
}

export const parquetFormat: FileFormat = {
  name: 'parquet',
  extension: 'parquet',
  optionKeys: [],
  bind(fields) {
    // fail at CREATE/INSERT time, not halfway through writing, for columns Parquet cannot hold
    for (const f of fields) arrowTypeOf(f.type, f.name);
    return new ParquetInstance(fields);
  },
};
