/**
 * Conversion between Apache Arrow data and Freshet columns, in both directions, and the mapping between
 * Arrow and SQL types. Parquet goes through here (parquet-wasm speaks Arrow IPC).
 *
 * Reading is built once per (file column, table column) pair: a reader function that turns one Arrow
 * `Data` into a Column. Fixed-width values whose layout matches are zero-copy views (INT, DOUBLE, DATE);
 * 64-bit integers are read through a 32-bit view of their buffer so that no BigInt is created unless a
 * value is beyond 2^53. A file type that differs from the declared type is read as its own SQL type and
 * then CAST, so a file's Int32 can fill a BIGINT column and a string column can fill an INT one.
 *
 * Timestamps are read as stored: a zone-adjusted (UTC) timestamp is an instant (TIMESTAMP_LTZ) and a
 * local one is a wall-clock time (TIMESTAMP); reading either into the other keeps the number.
 */
import {
  Binary, Bool, type Data, DateDay, Decimal, Field as ArrowField, Float32, Float64, Int8, Int16, Int32, Int64, List,
  Map_, RecordBatch, Schema, Struct, Table, TimeMicrosecond, TimeMillisecond, TimestampMicrosecond, Type, Utf8,
  makeData, tableToIPC, type DataType as ArrowType,
} from 'apache-arrow';
import { isAscii } from 'node:buffer';
import type { Batch, Column, Field } from '../../types/batch.ts';
import { columnFromValues, concatColumns, nullColumn, valueAt, ColumnBuilder } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { T, physicalOf, typeToString, isInteger } from '../../types/data-type.ts';
import { makeCast } from '../../types/cast.ts';
import { normalize, INT64_MAX } from '../../types/int64.ts';
import { formatValue } from '../../types/value.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';

/** A value of an Arrow column could not be converted; `row` is its index in the Data. */
export class ConversionError extends Error {
  readonly row: number;
  constructor(row: number, message: string) {
    super(message);
    this.row = row;
  }
}

export type ArrowReader = (d: Data) => Column;

const TWO32 = 4294967296;
const TIME_UNIT_PRECISION = [0, 3, 6, 9];

// ---------------------------------------------------------------- types

/** The SQL type an Arrow type naturally reads as, or undefined when there is none. */
export function sqlTypeOfArrow(a: ArrowType): DataType | undefined {
  const t = a as ArrowType & Record<string, unknown>;
  switch (a.typeId) {
    case Type.Null: return T.null();
    case Type.Bool: return T.boolean();
    case Type.Int: {
      const bits = t['bitWidth'] as number;
      if (t['isSigned']) return bits === 8 ? T.tinyint() : bits === 16 ? T.smallint() : bits === 32 ? T.int() : T.bigint();
      return bits === 8 ? T.smallint() : bits === 16 ? T.int() : T.bigint();
    }
    case Type.Float: {
      const p = t['precision'] as number;
      return p === 1 ? T.float() : p === 2 ? T.double() : undefined;
    }
    case Type.Decimal: {
      const p = t['precision'] as number;
      return p <= 38 ? T.decimal(p, t['scale'] as number) : undefined;
    }
    case Type.Utf8: case Type.LargeUtf8: return T.string();
    case Type.Binary: case Type.LargeBinary: case Type.FixedSizeBinary: return T.bytes();
    case Type.Date: return T.date();
    case Type.Time: return T.time(TIME_UNIT_PRECISION[t['unit'] as number]!);
    case Type.Timestamp: {
      const p = TIME_UNIT_PRECISION[t['unit'] as number]!;
      return t['timezone'] ? T.timestampLtz(p) : T.timestamp(p);
    }
    case Type.List: case Type.LargeList: case Type.FixedSizeList: {
      const el = sqlTypeOfArrow(a.children[0]!.type);
      return el && T.array(el);
    }
    case Type.Struct: {
      const fields = a.children.map((f) => ({ name: f.name, type: sqlTypeOfArrow(f.type) }));
      return fields.every((f) => f.type !== undefined) ? T.row(fields as { name: string; type: DataType }[]) : undefined;
    }
    case Type.Map: {
      const entries = a.children[0]!.type;
      const k = sqlTypeOfArrow(entries.children[0]!.type);
      const v = sqlTypeOfArrow(entries.children[1]!.type);
      return k && v && T.map(k, v);
    }
    case Type.Dictionary: return sqlTypeOfArrow((a as unknown as { dictionary: ArrowType }).dictionary);
    default: return undefined;
  }
}

function unsupportedArrow(column: string, a: ArrowType, to: DataType, why?: string): FreshetError {
  return new FreshetError(SqlState.featureNotSupported, `column ${column} has type ${String(a)} in the file, which cannot be read as ${typeToString(to, false)}${why ? ` (${why})` : ''}`, {
    hint: 'Declare the column with a type the file\'s values convert to (see the type mapping in docs/connectors.md), or leave the column out of the table.',
  });
}

/** The Arrow type a SQL type is written as; throws naming the column when there is none. */
export function arrowTypeOf(t: DataType, column: string): ArrowType {
  switch (t.kind) {
    case 'BOOLEAN': return new Bool();
    case 'TINYINT': return new Int8();
    case 'SMALLINT': return new Int16();
    case 'INT': return new Int32();
    case 'BIGINT': return new Int64();
    case 'FLOAT': return new Float32();
    case 'DOUBLE': return new Float64();
    case 'DECIMAL': return new Decimal(t.scale ?? 0, t.precision ?? 10, 128);
    case 'CHAR': case 'VARCHAR': return new Utf8();
    case 'BINARY': case 'VARBINARY': return new Binary();
    case 'DATE': return new DateDay();
    case 'TIME': return (t.precision ?? 0) <= 3 ? new TimeMillisecond() : new TimeMicrosecond();
    case 'TIMESTAMP': return new TimestampMicrosecond(null);
    case 'TIMESTAMP_LTZ': return new TimestampMicrosecond('UTC');
    case 'ARRAY': return new List(new ArrowField('element', arrowTypeOf(t.element!, column), true));
    case 'ROW': return new Struct(t.fields!.map((f) => new ArrowField(f.name, arrowTypeOf(f.type, `${column}.${f.name}`), true)));
    case 'MAP': {
      const entries: ArrowField[] = [
        new ArrowField('key', arrowTypeOf(t.key!, column), false),
        new ArrowField('value', arrowTypeOf(t.value!, column), true),
      ];
      return new Map_(new ArrowField('entries', new Struct(entries as never), false));
    }
    default:
      throw new FreshetError(SqlState.featureNotSupported, `column ${column} of type ${typeToString(t, false)} cannot be stored in Parquet`, {
        hint: 'CAST it to a supported type (for intervals, a BIGINT count of milliseconds or months) before writing.',
      });
  }
}

// ---------------------------------------------------------------- reading: primitives

/** The null mask (1 = NULL) of an Arrow Data, or null when it has no nulls. */
function nullMask(d: Data): Uint8Array | null {
  if (d.nullCount === 0 || !d.nullBitmap || d.nullBitmap.length === 0) return null;
  const bits = d.nullBitmap;
  const n = d.length;
  const off = d.offset;
  const out = new Uint8Array(n);
  if ((off & 7) === 0) {
    const base = off >> 3;
    const whole = n >> 3;
    for (let b = 0; b < whole; b++) {
      const byte = bits[base + b]!;
      if (byte === 255) continue;
      const i = b << 3;
      for (let k = 0; k < 8; k++) out[i + k] = ((byte >> k) & 1) ^ 1;
    }
    for (let i = whole << 3; i < n; i++) out[i] = ((bits[base + (i >> 3)]! >> (i & 7)) & 1) ^ 1;
  } else {
    for (let i = 0; i < n; i++) {
      const j = off + i;
      out[i] = ((bits[j >> 3]! >> (j & 7)) & 1) ^ 1;
    }
  }
  return out;
}

function readBool(d: Data): Column {
  const bits = d.values as Uint8Array;
  const n = d.length;
  const off = d.offset;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = off + i;
    out[i] = (bits[j >> 3]! >> (j & 7)) & 1;
  }
  return { values: out, nulls: nullMask(d) };
}

/** Signed or unsigned 8/16/32-bit integers as an Int32Array (a view when they already are Int32). */
function readSmallInts(d: Data): Column {
  const v = d.values as Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array;
  const sub = v.subarray(d.offset, d.offset + d.length);
  if (sub instanceof Int32Array) return { values: sub, nulls: nullMask(d) };
  const out = new Int32Array(d.length);
  out.set(sub);
  return { values: out, nulls: nullMask(d) };
}

/** Any fixed-width number up to 32 bits, or floats, as a Float64Array (a view when they already are doubles). */
function readAsDoubles(d: Data): Column {
  const v = d.values as Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Int8Array | Uint8Array | Uint16Array;
  const sub = v.subarray(d.offset, d.offset + d.length);
  if (sub instanceof Float64Array) return { values: sub, nulls: nullMask(d) };
  const out = new Float64Array(d.length);
  out.set(sub);
  return { values: out, nulls: nullMask(d) };
}

/** 64-bit integers: a Float64Array when every value is within ±(2^53-1), else numbers and bigints. */
function int64Values(buf: BigInt64Array | BigUint64Array, offset: number, n: number, nulls: Uint8Array | null, unsigned: boolean, column = ''): Float64Array | unknown[] {
  const w = new Int32Array(buf.buffer, buf.byteOffset + offset * 8, n * 2);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lo = w[2 * i]! >>> 0;
    const hi = unsigned ? w[2 * i + 1]! >>> 0 : w[2 * i + 1]!;
    if (hi > 2097151 || hi < -2097152 || (hi === -2097152 && lo === 0)) {
      if (nulls !== null && nulls[i] === 1) continue;
      return int64Slow(buf, offset, n, nulls, column);
    }
    out[i] = hi * TWO32 + lo;
  }
  return out;
}

function int64Slow(buf: BigInt64Array | BigUint64Array, offset: number, n: number, nulls: Uint8Array | null, column: string): unknown[] {
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    if (nulls !== null && nulls[i] === 1) { out[i] = 0; continue; }
    const b = buf[offset + i]!;
    if (b > INT64_MAX) throw new ConversionError(i, `column ${column}: ${b} is out of range for BIGINT`);
    out[i] = normalize(b);
  }
  return out;
}

function readInt64(d: Data, column: string): Column {
  const nulls = nullMask(d);
  const buf = d.values as BigInt64Array | BigUint64Array;
  return { values: int64Values(buf, d.offset, d.length, nulls, buf instanceof BigUint64Array, column), nulls };
}

/** Decimal128/256 unscaled values: numbers while safe, bigints beyond. */
function readDecimal(d: Data, bitWidth: number): Column {
  const words = bitWidth / 32;
  const u = d.values as Uint32Array;
  const n = d.length;
  const nulls = nullMask(d);
  const fast = new Float64Array(n);
  let slow: unknown[] | null = null;
  for (let i = 0; i < n; i++) {
    if (nulls !== null && nulls[i] === 1) continue;
    const b = (d.offset + i) * words;
    const w0 = u[b]!;
    const w1 = u[b + 1]!;
    let high = 0;
    for (let k = 2; k < words; k++) high |= u[b + k]! === 0 ? 0 : u[b + k]! === 0xffffffff ? 2 : 1;
    const neg = (u[b + words - 1]! & 0x80000000) !== 0;
    let v: number | bigint;
    if (!neg && high === 0 && w1 <= 2097151) v = w1 * TWO32 + w0;
    else if (neg && high === 2 && w1 >= 0xffe00000 && !(w1 === 0xffe00000 && w0 === 0)) v = (w1 | 0) * TWO32 + w0;
    else {
      let big = 0n;
      for (let k = words - 1; k >= 0; k--) big = (big << 32n) | BigInt(u[b + k]!);
      v = normalize(BigInt.asIntN(bitWidth, big));
    }
    if (typeof v === 'bigint' && slow === null) slow = Array.from(fast);
    if (slow !== null) slow[i] = v;
    else fast[i] = v as number;
  }
  return { values: slow ?? fast, nulls };
}

const utf8 = new TextDecoder('utf-8');

/**
 * Remembers recently seen short ASCII strings so that repeated values (categories, codes, names) become
 * one shared string instead of a new one per row: far less garbage, and equal strings compare by
 * identity. Gives up on a column whose values rarely repeat.
 */
class StringInterner {
  private static readonly SLOTS = 4096;
  private static readonly WIDTH = 32;
  private readonly keyBytes = new Uint8Array(StringInterner.SLOTS * StringInterner.WIDTH);
  private readonly keyLength = new Int32Array(StringInterner.SLOTS).fill(-1);
  private readonly values = new Array<string>(StringInterner.SLOTS).fill('');
  private probes = 0;
  private hits = 0;
  enabled = true;

  /** The string for bytes[s, e) (ASCII, at most WIDTH bytes), cut from `all` at `cs` on a miss. */
  get(bytes: Uint8Array, s: number, e: number, all: string, cs: number): string {
    const len = e - s;
    let h = len;
    for (let k = s; k < e; k++) h = Math.imul(h ^ bytes[k]!, 16777619);
    const slot = (h ^ (h >>> 15)) & (StringInterner.SLOTS - 1);
    const base = slot * StringInterner.WIDTH;
    this.probes++;
    if (this.keyLength[slot] === len) {
      let k = 0;
      while (k < len && this.keyBytes[base + k] === bytes[s + k]) k++;
      if (k === len) {
        this.hits++;
        return this.values[slot]!;
      }
    }
    const str = all.slice(cs, cs + len);
    this.keyLength[slot] = len;
    this.keyBytes.set(bytes.subarray(s, e), base);
    this.values[slot] = str;
    if (this.probes === 8192 && this.hits < 2048) this.enabled = false;
    return str;
  }
}

/**
 * Strings of a Utf8 column. The value buffer is decoded once (as Latin-1 when it is ASCII, which is much
 * faster) and each row is a slice of that string; short ASCII values go through the interner. For
 * non-ASCII data one pass over the bytes maps byte offsets to character offsets.
 */
function readStrings(d: Data, large: boolean, interner: StringInterner): Column {
  const n = d.length;
  const nulls = nullMask(d);
  const offs = large ? bigOffsets(d.valueOffsets as BigInt64Array, d.offset, n) : (d.valueOffsets as Int32Array).subarray(d.offset, d.offset + n + 1);
  const bytes = d.values as Uint8Array;
  const start = offs[0]!;
  const end = offs[n]!;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
  const out = new Array<unknown>(n);
  if (isAscii(buf)) {
    const all = buf.toString('latin1');
    for (let i = 0; i < n; i++) {
      if (nulls !== null && nulls[i] === 1) { out[i] = null; continue; }
      const s = offs[i]!;
      const e = offs[i + 1]!;
      out[i] = interner.enabled && e - s <= 32 ? interner.get(bytes, s, e, all, s - start) : all.slice(s - start, e - start);
    }
    return { values: out, nulls };
  }
  const all = utf8.decode(buf);
  // character offset of each row start: count UTF-16 units per byte (continuation bytes add none,
  // 4-byte sequences add two)
  let ch = 0;
  let pos = start;
  for (let i = 0; i < n; i++) {
    const stop = offs[i + 1]!;
    const from = ch;
    for (; pos < stop; pos++) {
      const b = bytes[pos]!;
      if ((b & 0xc0) !== 0x80) ch += b >= 0xf0 ? 2 : 1;
    }
    out[i] = nulls !== null && nulls[i] === 1 ? null : all.slice(from, ch);
  }
  return { values: out, nulls };
}

function bigOffsets(o: BigInt64Array, offset: number, n: number): Float64Array {
  const out = new Float64Array(n + 1);
  const w = new Int32Array(o.buffer, o.byteOffset + offset * 8, (n + 1) * 2);
  for (let i = 0; i <= n; i++) out[i] = w[2 * i + 1]! * TWO32 + (w[2 * i]! >>> 0);
  return out;
}

function readBinary(d: Data, large: boolean): Column {
  const n = d.length;
  const nulls = nullMask(d);
  const offs = large ? bigOffsets(d.valueOffsets as BigInt64Array, d.offset, n) : (d.valueOffsets as Int32Array).subarray(d.offset, d.offset + n + 1);
  const bytes = d.values as Uint8Array;
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = nulls !== null && nulls[i] === 1 ? null : bytes.slice(offs[i]!, offs[i + 1]!);
  return { values: out, nulls };
}

function readFixedBinary(d: Data, width: number): Column {
  const n = d.length;
  const nulls = nullMask(d);
  const bytes = d.values as Uint8Array;
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = nulls !== null && nulls[i] === 1 ? null : bytes.slice((d.offset + i) * width, (d.offset + i + 1) * width);
  return { values: out, nulls };
}

/** Time values (s, ms: Int32; us, ns: Int64) as milliseconds of the day. */
function readTime(d: Data, unit: number): Column {
  const nulls = nullMask(d);
  const n = d.length;
  if (unit <= 1) {
    const v = (d.values as Int32Array).subarray(d.offset, d.offset + n);
    if (unit === 1) return { values: v, nulls };
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = v[i]! * 1000;
    return { values: out, nulls };
  }
  const raw = int64Values(d.values as BigInt64Array, d.offset, n, nulls, false) as Float64Array;
  const div = unit === 2 ? 1000 : 1_000_000;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(raw[i]! / div);
  return { values: out, nulls };
}

/** Timestamps in any unit as epoch milliseconds (sub-millisecond digits kept as the fraction, to micros). */
function readTimestamp(d: Data, unit: number): Column {
  const nulls = nullMask(d);
  const n = d.length;
  const buf = d.values as BigInt64Array;
  if (unit === 3) {
    // nanoseconds overflow 2^53 for today's dates: divide exactly by splitting the 64 bits
    const w = new Int32Array(buf.buffer, buf.byteOffset + d.offset * 8, n * 2);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const lo = w[2 * i]! >>> 0;
      const hi = w[2 * i + 1]!;
      // v = hi * 2^32 + lo = hi * 4294967 * 1000 + (hi * 296 + lo)
      const micros = hi * 4294967 + Math.floor((hi * 296 + lo) / 1000);
      out[i] = micros / 1000;
    }
    return { values: out, nulls };
  }
  const raw = int64Values(buf, d.offset, n, nulls, false);
  if (!(raw instanceof Float64Array)) throw new ConversionError(0, 'timestamp out of range');
  if (unit === 1) return { values: raw, nulls };
  if (unit === 0) {
    for (let i = 0; i < n; i++) raw[i] = raw[i]! * 1000;
  } else {
    for (let i = 0; i < n; i++) raw[i] = raw[i]! / 1000;
  }
  return { values: raw, nulls };
}

function readDate(d: Data, unit: number): Column {
  const nulls = nullMask(d);
  const n = d.length;
  if (unit === 0) return { values: (d.values as Int32Array).subarray(d.offset, d.offset + n), nulls };
  const raw = int64Values(d.values as BigInt64Array, d.offset, n, nulls, false) as Float64Array;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(raw[i]! / 86_400_000);
  return { values: out, nulls };
}

// ---------------------------------------------------------------- reading: builder

function sameShape(natural: DataType, to: DataType): boolean {
  if (natural.kind === to.kind) {
    switch (to.kind) {
      case 'DECIMAL': return natural.scale === to.scale && (natural.precision ?? 10) <= (to.precision ?? 10);
      case 'TIMESTAMP': case 'TIMESTAMP_LTZ': return (natural.precision ?? 6) <= (to.precision ?? 6);
      // TIME is whole milliseconds of the day whatever its precision
      case 'TIME': return true;
      case 'VARCHAR': case 'VARBINARY': return to.length === 2147483647;
      default: return true;
    }
  }
  const rank: Record<string, number> = { TINYINT: 1, SMALLINT: 2, INT: 3, BIGINT: 4 };
  if (isInteger(natural) && isInteger(to)) return rank[natural.kind]! <= rank[to.kind]!;
  if (natural.kind === 'FLOAT' && to.kind === 'DOUBLE') return true;
  if ((natural.kind === 'TIMESTAMP' && to.kind === 'TIMESTAMP_LTZ') || (natural.kind === 'TIMESTAMP_LTZ' && to.kind === 'TIMESTAMP')) {
    return (natural.precision ?? 6) <= (to.precision ?? 6);
  }
  if (natural.kind === 'VARBINARY' && to.kind === 'VARBINARY') return to.length === 2147483647;
  return false;
}

function findChild(fields: readonly ArrowField[], name: string): number {
  const exact = fields.findIndex((f) => f.name === name);
  if (exact >= 0) return exact;
  const lower = name.toLowerCase();
  return fields.findIndex((f) => f.name.toLowerCase() === lower);
}

/**
 * A function converting Arrow Data of type `from` into a Column of SQL type `to`. Throws (naming the
 * column) when the file's type cannot become the declared one.
 */
export function arrowReader(from: ArrowType, to: DataType, column: string): ArrowReader {
  const toPhys = physicalOf(to);
  if (from.typeId === Type.Null) return (d) => nullColumn(toPhys, d.length);
  if (from.typeId === Type.Dictionary) {
    // convert the (few) dictionary values once, then pick them by index
    const dictType = (from as unknown as { dictionary: ArrowType }).dictionary;
    const valueReader = arrowReader(dictType, to, column);
    return (d) => {
      const dict = d.dictionary!;
      const dictCol = dict.data.length === 1 ? valueReader(dict.data[0]!) : concatColumns(dict.data.map((x) => valueReader(x)), toPhys);
      const idx = (d.values as Int32Array).subarray(d.offset, d.offset + d.length);
      const nulls = nullMask(d);
      const n = d.length;
      if (toPhys === 'obj') {
        const vals = dictCol.values as unknown[];
        const dn = dictCol.nulls;
        const out = new Array<unknown>(n);
        let outNulls = nulls;
        for (let i = 0; i < n; i++) {
          if (nulls !== null && nulls[i] === 1) { out[i] = null; continue; }
          const k = idx[i]!;
          if (dn !== null && dn[k] === 1) {
            if (outNulls === null) outNulls = new Uint8Array(n);
            outNulls[i] = 1;
            out[i] = null;
          } else out[i] = vals[k];
        }
        return { values: out, nulls: outNulls };
      }
      const b = new ColumnBuilder(toPhys, n);
      for (let i = 0; i < n; i++) {
        if (nulls !== null && nulls[i] === 1) b.appendNull();
        else b.appendFrom(dictCol, idx[i]!);
      }
      return b.build();
    };
  }
  const natural = sqlTypeOfArrow(from);
  if (natural === undefined) throw unsupportedArrow(column, from, to, 'Freshet has no matching SQL type');
  const fromT = from as ArrowType & Record<string, unknown>;

  // nested types convert structurally, so their element types may be cast independently
  if (to.kind === 'ARRAY' && (from.typeId === Type.List || from.typeId === Type.LargeList || from.typeId === Type.FixedSizeList)) {
    const child = arrowReader(from.children[0]!.type, to.element!, `${column}[]`);
    const elPhys = physicalOf(to.element!);
    const fixed = from.typeId === Type.FixedSizeList ? fromT['listSize'] as number : 0;
    return (d) => {
      const values = child(d.children[0]!);
      const n = d.length;
      const nulls = nullMask(d);
      const offs = fixed > 0 ? null : from.typeId === Type.LargeList ? bigOffsets(d.valueOffsets as unknown as BigInt64Array, d.offset, n) : (d.valueOffsets as Int32Array).subarray(d.offset, d.offset + n + 1);
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) {
        if (nulls !== null && nulls[i] === 1) { out[i] = null; continue; }
        const s = offs === null ? (d.offset + i) * fixed : offs[i]!;
        const e = offs === null ? s + fixed : offs[i + 1]!;
        const arr = new Array(e - s);
        for (let k = s; k < e; k++) arr[k - s] = valueAt(values, elPhys, k);
        out[i] = arr;
      }
      return { values: out, nulls };
    };
  }
  if (to.kind === 'ROW' && from.typeId === Type.Struct) {
    const fields = to.fields!;
    const idx = fields.map((f) => findChild(from.children, f.name));
    const readers = fields.map((f, j) => (idx[j]! < 0 ? null : arrowReader(from.children[idx[j]!]!.type, f.type, `${column}.${f.name}`)));
    const phys = fields.map((f) => physicalOf(f.type));
    return (d) => {
      const n = d.length;
      const nulls = nullMask(d);
      const cols = readers.map((r, j) => (r === null ? null : r(d.children[idx[j]!]!)));
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) {
        if (nulls !== null && nulls[i] === 1) { out[i] = null; continue; }
        const k = d.offset + i;
        const row = new Array(fields.length);
        for (let j = 0; j < fields.length; j++) row[j] = cols[j] === null ? null : valueAt(cols[j]!, phys[j]!, k);
        out[i] = row;
      }
      return { values: out, nulls };
    };
  }
  if (to.kind === 'MAP' && from.typeId === Type.Map) {
    const entries = from.children[0]!.type;
    const keyR = arrowReader(entries.children[0]!.type, to.key!, `${column}{key}`);
    const valR = arrowReader(entries.children[1]!.type, to.value!, `${column}{value}`);
    const kp = physicalOf(to.key!);
    const vp = physicalOf(to.value!);
    return (d) => {
      const n = d.length;
      const nulls = nullMask(d);
      const e = d.children[0]!;
      const keys = keyR(e.children[0]!);
      const vals = valR(e.children[1]!);
      const offs = (d.valueOffsets as Int32Array).subarray(d.offset, d.offset + n + 1);
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) {
        if (nulls !== null && nulls[i] === 1) { out[i] = null; continue; }
        const m = new Map<unknown, unknown>();
        for (let k = offs[i]!; k < offs[i + 1]!; k++) m.set(valueAt(keys, kp, e.offset + k), valueAt(vals, vp, e.offset + k));
        out[i] = m;
      }
      return { values: out, nulls };
    };
  }
  if (to.kind === 'ARRAY' || to.kind === 'ROW' || to.kind === 'MAP' || natural.kind === 'ARRAY' || natural.kind === 'ROW' || natural.kind === 'MAP') {
    throw unsupportedArrow(column, from, to);
  }

  const direct = primitiveReader(from, natural, to, column);
  if (sameShape(natural, to)) return direct;

  // a different declared type: read as the file's own type, then CAST each value
  let cast: (v: unknown) => unknown;
  try {
    cast = makeCast(natural, to, { timeZone: 'UTC' });
  } catch {
    throw unsupportedArrow(column, from, to);
  }
  const natPhys = physicalOf(natural);
  return (d) => {
    const src = direct(d);
    const n = d.length;
    const b = new ColumnBuilder(toPhys, n);
    for (let i = 0; i < n; i++) {
      const v = valueAt(src, natPhys, i);
      if (v === null) { b.appendNull(); continue; }
      try {
        b.append(cast(v));
      } catch (e) {
        if (!(e instanceof FreshetError)) throw e;
        throw new ConversionError(i, `column ${column}: cannot read ${formatValue(natural, v)} as ${typeToString(to, false)} (${e.message})`);
      }
    }
    return b.build();
  };
}

/** Reads a scalar Arrow column as its natural SQL type, laid out as `to` needs when the shapes agree. */
function primitiveReader(from: ArrowType, natural: DataType, to: DataType, column: string): ArrowReader {
  const t = from as ArrowType & Record<string, unknown>;
  switch (from.typeId) {
    case Type.Bool: return readBool;
    case Type.Int: {
      const bits = t['bitWidth'] as number;
      if (bits === 64) return (d) => readInt64(d, column);
      if (bits === 32 && !t['isSigned']) return readAsDoubles;
      return physicalOf(to) === 'i64' && sameShape(natural, to) ? readAsDoubles : readSmallInts;
    }
    case Type.Float: return readAsDoubles;
    case Type.Decimal: { const bw = t['bitWidth'] as number; return (d) => readDecimal(d, bw); }
    case Type.Utf8: case Type.LargeUtf8: {
      const large = from.typeId === Type.LargeUtf8;
      const interner = new StringInterner();
      return (d) => readStrings(d, large, interner);
    }
    case Type.Binary: return (d) => readBinary(d, false);
    case Type.LargeBinary: return (d) => readBinary(d, true);
    case Type.FixedSizeBinary: { const w = t['byteWidth'] as number; return (d) => readFixedBinary(d, w); }
    case Type.Date: { const u = t['unit'] as number; return (d) => readDate(d, u); }
    case Type.Time: { const u = t['unit'] as number; return (d) => readTime(d, u); }
    case Type.Timestamp: { const u = t['unit'] as number; return (d) => readTimestamp(d, u); }
    default: throw unsupportedArrow(column, from, to);
  }
}

// ---------------------------------------------------------------- writing

/** Validity bitmap (1 = valid) from a null mask, and the NULL count. */
function validity(nulls: Uint8Array | null, n: number): { bitmap: Uint8Array | undefined; nullCount: number } {
  if (nulls === null) return { bitmap: undefined, nullCount: 0 };
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    if (nulls[i] === 1) nullCount++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return nullCount === 0 ? { bitmap: undefined, nullCount: 0 } : { bitmap, nullCount };
}

/** 64-bit little-endian integers from numbers (safe integers) or bigints. */
function int64Buffer(values: ArrayLike<unknown>, n: number, nulls: Uint8Array | null, scale = 1): BigInt64Array {
  const out = new BigInt64Array(n);
  const w = new Int32Array(out.buffer);
  for (let i = 0; i < n; i++) {
    if (nulls !== null && nulls[i] === 1) continue;
    const v = values[i];
    if (typeof v === 'bigint') { out[i] = scale === 1 ? v : v * BigInt(scale); continue; }
    const x = scale === 1 ? (v as number) : Math.round((v as number) * scale);
    if (x > 9007199254740991 || x < -9007199254740991) { out[i] = BigInt(x); continue; }
    const hi = Math.floor(x / TWO32);
    w[2 * i] = (x - hi * TWO32) | 0;
    w[2 * i + 1] = hi | 0;
  }
  return out;
}

function decimalBuffer(values: ArrayLike<unknown>, n: number, nulls: Uint8Array | null): Uint32Array {
  const out = new Uint32Array(n * 4);
  for (let i = 0; i < n; i++) {
    if (nulls !== null && nulls[i] === 1) continue;
    const v = values[i];
    if (typeof v === 'number' && Number.isSafeInteger(v)) {
      const hi = Math.floor(v / TWO32);
      out[4 * i] = (v - hi * TWO32) >>> 0;
      out[4 * i + 1] = hi >>> 0;
      const ext = v < 0 ? 0xffffffff : 0;
      out[4 * i + 2] = ext;
      out[4 * i + 3] = ext;
    } else {
      let big = BigInt.asUintN(128, BigInt(v as bigint));
      for (let k = 0; k < 4; k++) { out[4 * i + k] = Number(big & 0xffffffffn); big >>= 32n; }
    }
  }
  return out;
}

function utf8Data(type: ArrowType, values: ArrayLike<unknown>, n: number, nulls: Uint8Array | null, bm: Uint8Array | undefined, nullCount: number): Data {
  const strs = new Array<string>(n);
  for (let i = 0; i < n; i++) strs[i] = nulls !== null && nulls[i] === 1 ? '' : (values[i] as string);
  const joined = strs.join('');
  const bytes = Buffer.from(joined, 'utf8');
  const offsets = new Int32Array(n + 1);
  if (bytes.length === joined.length) {
    let o = 0;
    for (let i = 0; i < n; i++) { o += strs[i]!.length; offsets[i + 1] = o; }
  } else {
    let o = 0;
    for (let i = 0; i < n; i++) { o += Buffer.byteLength(strs[i]!, 'utf8'); offsets[i + 1] = o; }
  }
  return makeData({ type, length: n, nullCount, nullBitmap: bm, valueOffsets: offsets, data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) } as never);
}

/** Arrow Data holding the first n rows of a column of SQL type t. */
export function arrowData(col: Column, n: number, t: DataType, type: ArrowType = arrowTypeOf(t, '?')): Data {
  const nulls = col.nulls;
  const { bitmap: bm, nullCount } = validity(nulls, n);
  const v = col.values as ArrayLike<unknown>;
  const base = { type, length: n, nullCount, nullBitmap: bm };
  switch (t.kind) {
    case 'BOOLEAN': {
      const bits = new Uint8Array((n + 7) >> 3);
      const b = col.values as Uint8Array;
      for (let i = 0; i < n; i++) if (b[i] === 1) bits[i >> 3]! |= 1 << (i & 7);
      return makeData({ ...base, data: bits } as never);
    }
    case 'TINYINT': { const o = new Int8Array(n); o.set((col.values as Int32Array).subarray(0, n)); return makeData({ ...base, data: o } as never); }
    case 'SMALLINT': { const o = new Int16Array(n); o.set((col.values as Int32Array).subarray(0, n)); return makeData({ ...base, data: o } as never); }
    case 'INT': case 'DATE': return makeData({ ...base, data: Int32Array.from((col.values as Int32Array).subarray(0, n)) } as never);
    case 'TIME': {
      const ms = col.values as Int32Array;
      if ((t.precision ?? 0) <= 3) {
        const o = new Int32Array(n);
        for (let i = 0; i < n; i++) o[i] = Math.round(ms[i]!);
        return makeData({ ...base, data: o } as never);
      }
      return makeData({ ...base, data: int64Buffer(ms, n, nulls, 1000) } as never);
    }
    case 'BIGINT': return makeData({ ...base, data: int64Buffer(v, n, nulls) } as never);
    case 'FLOAT': { const o = new Float32Array(n); o.set((col.values as Float64Array).subarray(0, n)); return makeData({ ...base, data: o } as never); }
    case 'DOUBLE': return makeData({ ...base, data: Float64Array.from((col.values as Float64Array).subarray(0, n)) } as never);
    case 'DECIMAL': return makeData({ ...base, data: decimalBuffer(v, n, nulls) } as never);
    case 'TIMESTAMP': case 'TIMESTAMP_LTZ': return makeData({ ...base, data: int64Buffer(col.values as Float64Array, n, nulls, 1000) } as never);
    case 'CHAR': case 'VARCHAR': return utf8Data(type, v, n, nulls, bm, nullCount);
    case 'BINARY': case 'VARBINARY': {
      const offsets = new Int32Array(n + 1);
      let total = 0;
      for (let i = 0; i < n; i++) { if (!(nulls !== null && nulls[i] === 1)) total += (v[i] as Uint8Array).length; offsets[i + 1] = total; }
      const data = new Uint8Array(total);
      for (let i = 0; i < n; i++) if (!(nulls !== null && nulls[i] === 1)) data.set(v[i] as Uint8Array, offsets[i]!);
      return makeData({ ...base, valueOffsets: offsets, data } as never);
    }
    case 'ARRAY': {
      const offsets = new Int32Array(n + 1);
      const flat: unknown[] = [];
      for (let i = 0; i < n; i++) {
        if (!(nulls !== null && nulls[i] === 1)) for (const x of v[i] as unknown[]) flat.push(x);
        offsets[i + 1] = flat.length;
      }
      const childType = type.children[0]!.type;
      const child = arrowData(columnFromValues(t.element!, flat), flat.length, t.element!, childType);
      return makeData({ ...base, valueOffsets: offsets, child } as never);
    }
    case 'ROW': {
      const fs = t.fields!;
      const children = fs.map((f, j) => {
        const vals = new Array(n);
        for (let i = 0; i < n; i++) vals[i] = nulls !== null && nulls[i] === 1 ? null : (v[i] as unknown[])[j];
        return arrowData(columnFromValues(f.type, vals), n, f.type, type.children[j]!.type);
      });
      return makeData({ ...base, children } as never);
    }
    case 'MAP': {
      const offsets = new Int32Array(n + 1);
      const keys: unknown[] = [];
      const vals: unknown[] = [];
      for (let i = 0; i < n; i++) {
        if (!(nulls !== null && nulls[i] === 1)) {
          for (const [k, x] of v[i] as Map<unknown, unknown>) {
            if (k === null) throw new FreshetError(SqlState.nullValueNotAllowed, 'cannot write a MAP with a NULL key to Parquet', { hint: 'Filter out or replace NULL keys before writing.' });
            keys.push(k);
            vals.push(x);
          }
        }
        offsets[i + 1] = keys.length;
      }
      const entriesType = type.children[0]!.type;
      const kd = arrowData(columnFromValues(t.key!, keys), keys.length, t.key!, entriesType.children[0]!.type);
      const vd = arrowData(columnFromValues(t.value!, vals), vals.length, t.value!, entriesType.children[1]!.type);
      const child = makeData({ type: entriesType, length: keys.length, nullCount: 0, children: [kd, vd] } as never);
      return makeData({ ...base, valueOffsets: offsets, child } as never);
    }
    default:
      arrowTypeOf(t, '?');
      throw new Error(`no Arrow form for ${typeToString(t)}`);
  }
}

/** Arrow IPC stream bytes of batches (all with `fields`' columns, in order). */
export function batchesToArrowIPC(fields: readonly Field[], batches: readonly Batch[]): Uint8Array {
  const arrowFields = fields.map((f) => new ArrowField(f.name, arrowTypeOf(f.type, f.name), f.type.nullable));
  const schema = new Schema(arrowFields);
  const records = batches.filter((b) => b.length > 0).map((b) => {
    const children = fields.map((f, c) => arrowData(b.columns[c]!, b.length, f.type, arrowFields[c]!.type));
    const struct = makeData({ type: new Struct(arrowFields), length: b.length, nullCount: 0, children } as never);
    return new RecordBatch(schema, struct as never);
  });
  return tableToIPC(new Table(schema, records), 'stream');
}
