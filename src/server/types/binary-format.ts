/**
 * Values in Postgres' binary format, written straight into the message being built: fixed-size
 * integers and floats, days and microseconds since 2000-01-01 for dates and timestamps, base-10000
 * digits for numeric. Also the reverse for Bind parameters sent in binary.
 */
import type { DataType } from '../../types/data-type.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import type { MessageWriter } from '../protocol/writer.ts';
import { Oid } from './oids.ts';
import { formatPgDate, formatPgTimestamp, formatPgTimestamptz } from './text-format.ts';

/** Writes one non-null value, its int32 length first. */
export type BinaryEncoder = (w: MessageWriter, v: unknown) => void;

/** Days from 1970-01-01 to 2000-01-01, the Postgres epoch. */
const PG_EPOCH_DAYS = 10_957;
const PG_EPOCH_MICROS = 946_684_800_000_000n;
const PG_EPOCH_MS = 946_684_800_000;

const toBigInt = (v: unknown): bigint => (typeof v === 'bigint' ? v : BigInt(v as number));

/** Microseconds since the Postgres epoch from epoch milliseconds (which may carry a fraction of micros). */
function pgMicros(ms: number): bigint {
  const micros = Math.round((ms - PG_EPOCH_MS) * 1000);
  return Number.isSafeInteger(micros) ? BigInt(micros) : BigInt(Math.round(ms)) * 1000n - PG_EPOCH_MICROS;
}

/** Postgres types (DataType.pg) whose binary form is that of their Freshet kind: 4-byte integers, UTF-8 text. */
const SAME_BINARY = new Set(['oid', 'xid', 'name', 'char', 'bpchar', 'varchar', 'json']);

/** The binary encoder of a type, or undefined when Freshet only sends it as text. */
export function binaryEncoderFor(t: DataType): BinaryEncoder | undefined {
  if (t.pg !== undefined && !SAME_BINARY.has(t.pg)) return undefined;
  switch (t.kind) {
    case 'BOOLEAN': return (w, v) => { w.int32(1).byte(v ? 1 : 0); };
    case 'TINYINT': case 'SMALLINT': return (w, v) => { w.int32(2).int16(v as number); };
    case 'INT': return (w, v) => { w.int32(4).int32(v as number); };
    case 'BIGINT': return (w, v) => { w.int32(8).int64(toBigInt(v)); };
    case 'FLOAT': return (w, v) => { w.int32(4).float32(v as number); };
    case 'DOUBLE': return (w, v) => { w.int32(8).float64(v as number); };
    case 'CHAR': case 'VARCHAR': return (w, v) => { w.lengthPrefixedString(v as string); };
    case 'BINARY': case 'VARBINARY': return (w, v) => { const b = v as Uint8Array; w.int32(b.length).bytes(b); };
    case 'DATE': return (w, v) => { w.int32(4).int32((v as number) - PG_EPOCH_DAYS); };
    case 'TIME': return (w, v) => { w.int32(8).int64(BigInt(Math.round((v as number) * 1000))); };
    case 'TIMESTAMP': case 'TIMESTAMP_LTZ': return (w, v) => { w.int32(8).int64(pgMicros(v as number)); };
    case 'INTERVAL_YEAR_MONTH': return (w, v) => { w.int32(16).int64(0n).int32(0).int32(v as number); };
    case 'INTERVAL_DAY_TIME': return (w, v) => {
      const ms = v as number;
      const days = Math.trunc(ms / 86_400_000);
      w.int32(16).int64(BigInt(Math.round((ms - days * 86_400_000) * 1000))).int32(days).int32(0);
    };
    case 'DECIMAL': { const scale = t.scale ?? 0; return (w, v) => writeNumeric(w, toBigInt(v), scale); }
    default: return undefined;
  }
}

const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;

/** numeric: ndigits, weight, sign, dscale, then base-10000 digits, from an unscaled integer and its scale. */
function writeNumeric(w: MessageWriter, unscaled: bigint, scale: number): void {
  const neg = unscaled < 0n;
  let text = (neg ? -unscaled : unscaled).toString();
  if (text.length <= scale) text = '0'.repeat(scale - text.length + 1) + text;
  const intPart = text.slice(0, text.length - scale);
  let fracPart = text.slice(text.length - scale);
  // group the integer part from the right and the fraction from the left in fours
  const intPadded = '0'.repeat((4 - (intPart.length % 4)) % 4) + intPart;
  fracPart += '0'.repeat((4 - (fracPart.length % 4)) % 4);
  const groups: number[] = [];
  for (let i = 0; i < intPadded.length; i += 4) groups.push(Number(intPadded.slice(i, i + 4)));
  const intGroups = groups.length;
  for (let i = 0; i < fracPart.length; i += 4) groups.push(Number(fracPart.slice(i, i + 4)));
  let first = 0;
  while (first < groups.length && groups[first] === 0) first++;
  let last = groups.length;
  while (last > first && groups[last - 1] === 0) last--;
  const digits = groups.slice(first, last);
  const weight = digits.length === 0 ? 0 : intGroups - 1 - first;
  w.int32(8 + 2 * digits.length).int16(digits.length).int16(weight).int16(neg && digits.length > 0 ? NUMERIC_NEG : NUMERIC_POS).int16(scale);
  for (const d of digits) w.int16(d);
}

function badBinary(oid: number, why: string): FreshetError {
  return new FreshetError(SqlState.invalidTextRepresentation, `invalid binary parameter for type OID ${oid}: ${why}`);
}

/**
 * A parameter sent in binary, as the text Postgres would print for it (which the parameter
 * substitution then turns into a typed literal).
 */
export function binaryParamToText(oid: number, b: Buffer): string {
  const need = (n: number): void => { if (b.length !== n) throw badBinary(oid, `expected ${n} bytes, got ${b.length}`); };
  switch (oid) {
    case Oid.bool: need(1); return b[0] ? 'true' : 'false';
    case Oid.int2: need(2); return String(b.readInt16BE(0));
    case Oid.int4: case Oid.oid: need(4); return String(b.readInt32BE(0));
    case Oid.int8: need(8); return b.readBigInt64BE(0).toString();
    case Oid.float4: need(4); return String(b.readFloatBE(0));
    case Oid.float8: need(8); return String(b.readDoubleBE(0));
    case Oid.date: need(4); return formatPgDate(b.readInt32BE(0) + PG_EPOCH_DAYS);
    case Oid.timestamp: need(8); return formatPgTimestamp(Number(b.readBigInt64BE(0) + PG_EPOCH_MICROS) / 1000);
    case Oid.timestamptz: need(8); return formatPgTimestamptz(Number(b.readBigInt64BE(0) + PG_EPOCH_MICROS) / 1000, 'UTC');
    case Oid.numeric: return readNumeric(b, oid);
    case Oid.bytea: return '\\x' + b.toString('hex');
    case 0: case Oid.text: case Oid.varchar: case Oid.bpchar: case Oid.name: case Oid.json: case Oid.unknown:
      return b.toString('utf8');
    case Oid.jsonb: return b.subarray(1).toString('utf8');
    default: throw badBinary(oid, 'binary format is not supported for this type; send it as text');
  }
}

function readNumeric(b: Buffer, oid: number): string {
  if (b.length < 8) throw badBinary(oid, 'too short');
  const n = b.readInt16BE(0);
  const weight = b.readInt16BE(2);
  const sign = b.readUInt16BE(4);
  const dscale = b.readInt16BE(6);
  if (sign === 0xc000) return 'NaN';
  if (b.length !== 8 + 2 * n) throw badBinary(oid, 'length does not match its digit count');
  let int = '';
  let frac = '';
  for (let i = 0; i < n; i++) {
    const d = String(b.readInt16BE(8 + 2 * i)).padStart(4, '0');
    if (i <= weight) int += d;
    else frac += d;
  }
  if (weight >= n) int += '0000'.repeat(weight - n + 1);
  if (weight < -1) frac = '0000'.repeat(-weight - 1) + frac;
  int = int.replace(/^0+/, '') || '0';
  frac = (frac + '0'.repeat(Math.max(0, dscale))).slice(0, Math.max(0, dscale));
  return `${sign === NUMERIC_NEG ? '-' : ''}${int}${frac ? '.' + frac : ''}`;
}
