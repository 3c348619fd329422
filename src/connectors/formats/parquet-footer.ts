/**
 * The Parquet footer (the FileMetaData Thrift structure at the end of a file), read and minimally
 * edited here because parquet-wasm does not expose what Freshet needs from it:
 *
 * - per row group and top-level column: the physical type, min/max/NULL-count statistics and whether
 *   the column chunk is dictionary-encoded (for skipping row groups, see parquet-stats.ts);
 * - an `ARROW:schema` key-value entry can be replaced, which is how the reader asks the Parquet decoder
 *   to hand back dictionary-encoded string columns as Arrow dictionaries (a few distinct strings and
 *   small indexes) instead of one string per row. The edited footer is served through a Blob whose
 *   bytes are the file's own up to the footer, then the new footer.
 *
 * Only the Thrift compact protocol is involved; unknown fields are skipped or copied byte for byte.
 */
import type { RandomAccessFile } from '../../fs/file-io.ts';

export class Thrift {
  private readonly b: Uint8Array;
  pos = 0;

  constructor(b: Uint8Array) {
    this.b = b;
  }

  byte(): number {
    if (this.pos >= this.b.length) throw new RangeError('truncated Parquet footer');
    return this.b[this.pos++]!;
  }

  /** An unsigned varint; exact as a number up to 2^53. */
  varint(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      const x = this.byte();
      result += (x & 0x7f) * mul;
      if ((x & 0x80) === 0) return result;
      mul *= 128;
    }
  }

  zigzag(): number {
    const v = this.varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  binary(): Uint8Array {
    const n = this.varint();
    if (this.pos + n > this.b.length) throw new RangeError('truncated Parquet footer');
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Calls `field(id, type, headerStart, shortForm)` for each field; the callback consumes or skips the value. */
  struct(field: (id: number, type: number, headerStart: number, shortForm: boolean) => void): void {
    let last = 0;
    for (;;) {
      const start = this.pos;
      const h = this.byte();
      const type = h & 0x0f;
      if (type === 0) return;
      const delta = h >> 4;
      const id = delta === 0 ? this.zigzag() : last + delta;
      last = id;
      field(id, type, start, delta !== 0);
    }
  }

  list(item: (type: number) => void): void {
    const h = this.byte();
    let n = h >> 4;
    if (n === 15) n = this.varint();
    const type = h & 0x0f;
    for (let i = 0; i < n; i++) item(type);
  }

  skip(type: number): void {
    switch (type) {
      case 1: case 2: return;
      case 3: this.pos++; return;
      case 4: case 5: case 6: this.varint(); return;
      case 7: this.pos += 8; return;
      case 8: this.binary(); return;
      case 9: case 10: this.list((t) => (t === 1 || t === 2 ? this.pos++ : this.skip(t))); return;
      case 11: {
        const n = this.varint();
        if (n === 0) return;
        const kv = this.byte();
        for (let i = 0; i < n; i++) { this.skip(kv >> 4); this.skip(kv & 0x0f); }
        return;
      }
      case 12: this.struct((_id, t) => this.skip(t)); return;
      default: throw new RangeError(`bad Thrift type ${type}`);
    }
  }
}

export interface ColumnChunkInfo {
  path: string[];
  physical: number;
  min: Uint8Array | undefined;
  max: Uint8Array | undefined;
  nullCount: number | undefined;
  /** The chunk starts with a dictionary page. */
  dictionary: boolean;
}

export interface RowGroupInfo {
  rows: number;
  columns: ColumnChunkInfo[];
}

export interface Footer {
  /** The FileMetaData bytes. */
  bytes: Uint8Array;
  /** Where they start in the file. */
  offset: number;
  fileSize: number;
  rowGroups: RowGroupInfo[];
  keyValues: Array<[string, string | undefined]>;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();
/** Encodings that only dictionary-encoded chunks use. */
const PLAIN_DICTIONARY = 2;
const RLE_DICTIONARY = 8;

function parseColumnMeta(t: Thrift): ColumnChunkInfo {
  const r: ColumnChunkInfo = { path: [], physical: -1, min: undefined, max: undefined, nullCount: undefined, dictionary: false };
  t.struct((id, type) => {
    if (id === 1 && type === 5) r.physical = t.zigzag();
    else if (id === 2 && type === 9) t.list(() => { const e = t.zigzag(); if (e === PLAIN_DICTIONARY || e === RLE_DICTIONARY) r.dictionary = true; });
    else if (id === 3 && type === 9) t.list(() => r.path.push(decoder.decode(t.binary())));
    else if (id === 11 && type === 6) { t.zigzag(); r.dictionary = true; }
    else if (id === 12 && type === 12) {
      t.struct((sid, st) => {
        if (sid === 6 && st === 8) r.min = t.binary();
        else if (sid === 5 && st === 8) r.max = t.binary();
        else if (sid === 3 && st === 6) r.nullCount = t.zigzag();
        else t.skip(st);
      });
    } else t.skip(type);
  });
  return r;
}

function parseFileMetaData(b: Uint8Array): { rowGroups: RowGroupInfo[]; keyValues: Array<[string, string | undefined]> } {
  const t = new Thrift(b);
  const rowGroups: RowGroupInfo[] = [];
  const keyValues: Array<[string, string | undefined]> = [];
  t.struct((id, type) => {
    if (id === 4 && type === 9) {
      t.list(() => {
        const g: RowGroupInfo = { rows: 0, columns: [] };
        t.struct((gid, gt) => {
          if (gid === 1 && gt === 9) {
            t.list(() => {
              let meta: ColumnChunkInfo | undefined;
              t.struct((cid, ct) => {
                if (cid === 3 && ct === 12) meta = parseColumnMeta(t);
                else t.skip(ct);
              });
              if (meta) g.columns.push(meta);
            });
          } else if (gid === 3 && gt === 6) g.rows = t.zigzag();
          else t.skip(gt);
        });
        rowGroups.push(g);
      });
    } else if (id === 5 && type === 9) {
      t.list(() => {
        let k = '';
        let v: string | undefined;
        t.struct((kid, kt) => {
          if (kid === 1 && kt === 8) k = decoder.decode(t.binary());
          else if (kid === 2 && kt === 8) v = decoder.decode(t.binary());
          else t.skip(kt);
        });
        keyValues.push([k, v]);
      });
    } else t.skip(type);
  });
  return { rowGroups, keyValues };
}

/** Reads and parses a file's footer; undefined when the file does not look like Parquet. */
export async function readFooter(file: RandomAccessFile): Promise<Footer | undefined> {
  if (file.size < 12) return undefined;
  const tail = await file.read(file.size - 8, 8);
  if (decoder.decode(tail.subarray(4)) !== 'PAR1') return undefined;
  const len = new DataView(tail.buffer, tail.byteOffset, 8).getUint32(0, true);
  if (len <= 0 || len > file.size - 12) return undefined;
  const offset = file.size - 8 - len;
  const bytes = await file.read(offset, len);
  try {
    const { rowGroups, keyValues } = parseFileMetaData(bytes);
    return { bytes, offset, fileSize: file.size, rowGroups, keyValues };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- editing

function varintBytes(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function binaryBytes(s: string): number[] {
  const b = encoder.encode(s);
  return [...varintBytes(b.length), ...b];
}

/** The key_value_metadata list (field 5 of FileMetaData), without its field header. */
function keyValueList(entries: Array<[string, string | undefined]>): number[] {
  const out: number[] = entries.length < 15 ? [(entries.length << 4) | 12] : [0xf0 | 12, ...varintBytes(entries.length)];
  for (const [k, v] of entries) {
    out.push(0x18, ...binaryBytes(k));
    if (v !== undefined) out.push(0x18, ...binaryBytes(v));
    out.push(0);
  }
  return out;
}

/**
 * The footer bytes with key-value entry `key` set to `value` (replacing an existing one). Fields keep
 * their bytes; only field 5 is rewritten and, when it is inserted, the header of the field after it.
 */
export function withKeyValue(footer: Footer, key: string, value: string): Uint8Array {
  const entries = footer.keyValues.filter(([k]) => k !== key);
  entries.push([key, value]);
  const list = keyValueList(entries);
  const b = footer.bytes;
  const t = new Thrift(b);
  const fields: Array<{ id: number; start: number; end: number; shortForm: boolean }> = [];
  let stop = -1;
  t.struct((id, type, start, shortForm) => {
    t.skip(type);
    fields.push({ id, start, end: t.pos, shortForm });
  });
  stop = t.pos - 1;
  const existing = fields.find((f) => f.id === 5);
  const parts: Uint8Array[] = [];
  if (existing) {
    const prev = fields[fields.indexOf(existing) - 1]?.id ?? 0;
    const header = 5 - prev >= 1 && 5 - prev <= 15 ? [((5 - prev) << 4) | 9] : [0x09, ...varintBytes(10)];
    parts.push(b.subarray(0, existing.start), Uint8Array.from([...header, ...list]), b.subarray(existing.end));
  } else {
    const nextIndex = fields.findIndex((f) => f.id > 5);
    const at = nextIndex < 0 ? stop : fields[nextIndex]!.start;
    const prev = fields.filter((f) => f.start < at).pop()?.id ?? 0;
    const header = 5 - prev >= 1 && 5 - prev <= 15 ? [((5 - prev) << 4) | 9] : [0x09, ...varintBytes(10)];
    parts.push(b.subarray(0, at), Uint8Array.from([...header, ...list]));
    if (nextIndex >= 0) {
      const next = fields[nextIndex]!;
      const rest = b.slice(at);
      // the following field's id was a delta from the field before field 5; make it a delta from 5
      if (next.shortForm) rest[0] = ((next.id - 5) << 4) | (rest[0]! & 0x0f);
      parts.push(rest);
    } else parts.push(b.subarray(at));
  }
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** A Blob over the file's bytes before the footer, followed by `metadata` and the Parquet trailer. */
export function blobWithFooter(file: RandomAccessFile, footer: Footer, metadata: Uint8Array): Blob {
  const tail = new Uint8Array(metadata.length + 8);
  tail.set(metadata);
  new DataView(tail.buffer).setUint32(metadata.length, metadata.length, true);
  tail.set(encoder.encode('PAR1'), metadata.length + 4);
  const base = footer.offset;
  const size = base + tail.length;
  const slice = (start = 0, end = size) => ({
    arrayBuffer: async (): Promise<ArrayBuffer> => {
      const a = Math.max(0, start);
      const b = Math.min(size, end);
      const out = new Uint8Array(Math.max(0, b - a));
      if (a < base) out.set(await file.read(a, Math.min(b, base) - a), 0);
      if (b > base) out.set(tail.subarray(Math.max(0, a - base), b - base), Math.max(0, base - a));
      return out.buffer;
    },
  });
  return { size, slice } as unknown as Blob;
}

/** A Blob over a whole file, fetching byte ranges on demand. */
export function blobOf(file: RandomAccessFile): Blob {
  const slice = (start = 0, end = file.size) => ({
    arrayBuffer: async (): Promise<ArrayBuffer> => {
      const a = Math.max(0, start);
      const b = Math.min(file.size, end);
      const u = await file.read(a, Math.max(0, b - a));
      return (u.byteOffset === 0 && u.byteLength === u.buffer.byteLength ? u.buffer : u.slice().buffer) as ArrayBuffer;
    },
  });
  return { size: file.size, slice } as unknown as Blob;
}
