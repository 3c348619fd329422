/**
 * Backend messages of protocol 3.0, written into a MessageWriter: authentication requests, status,
 * row descriptions and data rows, completion and error responses.
 */
import type { ResultColumn } from '../../session/result.ts';
import { pgOidOf, pgTypeModifier, pgTypeSize } from '../../types/pg-types.ts';
import { textEncoderFor, type RegNamer } from '../types/text-format.ts';
import { binaryEncoderFor } from '../types/binary-format.ts';
import type { MessageWriter } from './writer.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { PgState } from '../errors.ts';

const c = (ch: string): number => ch.charCodeAt(0);

export const Auth = { ok: 0, cleartext: 3, sasl: 10, saslContinue: 11, saslFinal: 12 } as const;

export function authRequest(w: MessageWriter, code: number, data?: string | Buffer): void {
  w.begin(c('R')).int32(code);
  if (typeof data === 'string') w.bytes(Buffer.from(data, 'utf8'));
  else if (data) w.bytes(data);
  w.end();
}

export function parameterStatus(w: MessageWriter, name: string, value: string): void {
  w.begin(c('S')).cstring(name).cstring(value).end();
}

export function backendKeyData(w: MessageWriter, pid: number, secret: number): void {
  w.begin(c('K')).int32(pid).int32(secret).end();
}

export function readyForQuery(w: MessageWriter, status: 'I' | 'T' | 'E'): void {
  w.begin(c('Z')).byte(c(status)).end();
}

export function commandComplete(w: MessageWriter, tag: string): void {
  w.begin(c('C')).cstring(tag).end();
}

export function emptyQueryResponse(w: MessageWriter): void {
  w.begin(c('I')).end();
}

export function simple(w: MessageWriter, code: '1' | '2' | '3' | 'n' | 's' | 'c'): void {
  w.begin(c(code)).end();
}

/** CopyInResponse ('G') or CopyOutResponse ('H'): text format, every column in text. */
export function copyResponse(w: MessageWriter, code: 'G' | 'H', columns: number): void {
  w.begin(c(code)).byte(0).int16(columns);
  for (let i = 0; i < columns; i++) w.int16(0);
  w.end();
}

/** One CopyData message. */
export function copyData(w: MessageWriter, text: string): void {
  w.begin(c('d')).utf8(text).end();
}

export function parameterDescription(w: MessageWriter, oids: readonly number[]): void {
  w.begin(c('t')).int16(oids.length);
  for (const o of oids) w.int32(o);
  w.end();
}

export function negotiateProtocolVersion(w: MessageWriter, minor: number, unrecognized: readonly string[]): void {
  w.begin(c('v')).int32(minor).int32(unrecognized.length);
  for (const o of unrecognized) w.cstring(o);
  w.end();
}

/** Result column formats for `count` columns from Bind's format codes (none = text, one = all, or one each). */
export function resultFormats(codes: readonly number[], count: number): number[] {
  if (codes.length === 0) return new Array<number>(count).fill(0);
  if (codes.length === 1) return new Array<number>(count).fill(codes[0]!);
  if (codes.length !== count) throw new FreshetError(PgState.protocolViolation, `bind message has ${codes.length} result formats but query has ${count} columns`);
  return [...codes];
}

export function rowDescription(w: MessageWriter, columns: readonly ResultColumn[], formats: readonly number[]): void {
  w.begin(c('T')).int16(columns.length);
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i]!;
    const oid = pgOidOf(col.type);
    w.cstring(col.name).int32(0).int16(0).int32(oid).int16(pgTypeSize(oid)).int32(pgTypeModifier(col.type)).int16(formats[i] ?? 0);
  }
  w.end();
}

export type FieldEncoder = (w: MessageWriter, v: unknown) => void;

/** One encoder per column, in the format asked for (binary where Freshet has it, refused where not). */
export function fieldEncoders(columns: readonly ResultColumn[], formats: readonly number[], timeZone: string, regName?: RegNamer): FieldEncoder[] {
  return columns.map((col, i) => {
    if (formats[i] === 1) {
      const b = binaryEncoderFor(col.type);
      if (!b) throw new FreshetError(SqlState.featureNotSupported, `column ${col.name} (${col.type.pg !== undefined ? `type OID ${pgOidOf(col.type)}` : col.type.kind}) cannot be sent in binary format`, { hint: 'Ask for this column in text format.' });
      return b;
    }
    const t = textEncoderFor(col.type, timeZone, regName);
    return (wr: MessageWriter, v: unknown) => { wr.lengthPrefixedString(t(v)); };
  });
}

export function dataRow(w: MessageWriter, row: readonly unknown[], encoders: readonly FieldEncoder[]): void {
  w.begin(c('D')).int16(encoders.length);
  for (let i = 0; i < encoders.length; i++) {
    const v = row[i];
    if (v === null || v === undefined) w.int32(-1);
    else encoders[i]!(w, v);
  }
  w.end();
}

export interface ErrorFields {
  severity: 'ERROR' | 'FATAL' | 'WARNING' | 'NOTICE';
  code: string;
  message: string;
  detail?: string | undefined;
  hint?: string | undefined;
  /** 1-based character position in the query text. */
  position?: number | undefined;
}

/** ErrorResponse ('E') or NoticeResponse ('N'). */
export function errorResponse(w: MessageWriter, f: ErrorFields, notice = false): void {
  w.begin(c(notice ? 'N' : 'E'));
  w.byte(c('S')).cstring(f.severity);
  w.byte(c('V')).cstring(f.severity);
  w.byte(c('C')).cstring(f.code);
  w.byte(c('M')).cstring(f.message);
  if (f.detail) w.byte(c('D')).cstring(f.detail);
  if (f.hint) w.byte(c('H')).cstring(f.hint);
  if (f.position !== undefined) w.byte(c('P')).cstring(String(f.position));
  w.byte(0).end();
}
