/**
 * Parameters of prepared statements. The engine binds no parameters, so the server substitutes the
 * values bound to `$1..$n` (and `?`) into the statement text as literals before the engine sees it.
 * Where each parameter is comes from the engine's parser (which knows `$n` as an expression), never
 * from a textual search, so a `$1` inside a string or comment is left alone.
 *
 * Each value becomes a parenthesized literal, so it can never merge with the text around it (`x -$1`
 * with -5 is `x -(-5)`, not a comment): strings are quoted with quotes doubled, numbers must match a
 * number pattern, everything else goes through CAST('text' AS type). A parameter declared with a type
 * OID is cast to that type; an undeclared one (OID 0, what most drivers send) becomes a number literal
 * when its text is a number and a string literal otherwise; when that choice does not bind (a number
 * compared with a string column), the statement is tried once more with every undeclared parameter as
 * a string literal, which Flink SQL compares with numbers, dates and timestamps.
 */
import { parseStatement } from '../../sql/parse.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { Oid, sqlTypeOfOid } from '../types/oids.ts';

export interface ParamSlot {
  /** 1-based parameter number. */
  index: number;
  start: number;
  end: number;
}

/** Where the parameters of a statement are, and how many it takes (the highest $n). */
export function findParams(sql: string): { slots: ParamSlot[]; count: number } {
  const st = parseStatement(sql, { dialect: 'postgres' });
  const slots: ParamSlot[] = [];
  let positional = 0;
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const x of node) visit(x);
      return;
    }
    const o = node as Record<string, unknown>;
    if (o['kind'] === 'param' && typeof o['index'] === 'number' && o['loc']) {
      const loc = o['loc'] as { start: number; end: number };
      slots.push({ index: o['index'] === -1 ? -1 : o['index'], start: loc.start, end: loc.end });
      return;
    }
    for (const k in o) if (k !== 'loc') visit(o[k]);
  };
  visit(st);
  slots.sort((a, b) => a.start - b.start);
  for (const s of slots) if (s.index === -1) s.index = ++positional;
  const count = slots.reduce((m, s) => Math.max(m, s.index), 0);
  if (slots.some((s) => s.index === 0)) throw new FreshetError(SqlState.syntaxError, 'there is no parameter $0', { hint: 'Parameters are numbered from $1.' });
  return { slots, count };
}

/** A statement text with values in place of its parameters, and how to map offsets back. */
export interface Substituted {
  text: string;
  /** Maps an offset in `text` to the offset in the original statement. */
  originalOffset(offset: number): number;
}

const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER_RE = /^[+-]?\d+$/;

function quote(s: string): string {
  if (s.includes('\0')) throw new FreshetError(SqlState.invalidParameterValue, 'a parameter value contains a NUL character');
  return "'" + s.replace(/'/g, "''") + "'";
}

function invalid(value: string, type: string): FreshetError {
  return new FreshetError(SqlState.invalidTextRepresentation, `invalid input syntax for type ${type}: "${value.length > 60 ? value.slice(0, 60) + '…' : value}"`);
}

/** The literal for one value: `value` is text (binary values were converted before), null is NULL. */
export function literalFor(value: string | null, oid: number, untypedAsString: boolean): string {
  const type = sqlTypeOfOid(oid);
  if (value === null) return type ? `CAST(NULL AS ${type})` : 'NULL';
  switch (oid) {
    case Oid.bool: {
      const v = value.trim().toLowerCase();
      if (['t', 'true', 'y', 'yes', 'on', '1'].includes(v)) return 'TRUE';
      if (['f', 'false', 'n', 'no', 'off', '0'].includes(v)) return 'FALSE';
      throw invalid(value, 'boolean');
    }
    case Oid.int2: case Oid.int4: case Oid.int8: case Oid.oid:
      if (!INTEGER_RE.test(value.trim())) throw invalid(value, type!.toLowerCase());
      return `(CAST(${value.trim()} AS ${type}))`;
    case Oid.float4: case Oid.float8: case Oid.numeric: {
      const v = value.trim();
      if (NUMBER_RE.test(v)) return oid === Oid.numeric ? `(${v})` : `(CAST(${v} AS ${type}))`;
      if (/^[+-]?(nan|infinity|inf)$/i.test(v) && oid !== Oid.numeric) return `(CAST(${quote(v)} AS ${type}))`;
      throw invalid(value, oid === Oid.numeric ? 'numeric' : 'double precision');
    }
    case Oid.bytea: {
      const hex = /^\\x([0-9a-fA-F]*)$/.exec(value);
      if (hex && hex[1]!.length % 2 === 0) return `(X'${hex[1]}')`;
      return `(CAST(${quote(value)} AS BYTES))`;
    }
    case Oid.date: return `(CAST(${quote(value)} AS DATE))`;
    case Oid.time: return `(CAST(${quote(value)} AS TIME(6)))`;
    case Oid.timestamp: return `(CAST(${quote(value)} AS TIMESTAMP(6)))`;
    case Oid.timestamptz: return `(CAST(${quote(normalizeOffset(value))} AS TIMESTAMP_LTZ(6)))`;
    default:
      if (!untypedAsString && (oid === 0 || oid === Oid.unknown) && NUMBER_RE.test(value)) {
        return INTEGER_RE.test(value) && Math.abs(Number(value)) > 2147483647 ? `(CAST(${value} AS BIGINT))` : `(${value})`;
      }
      return `(${quote(value)})`;
  }
}

/** '2024-01-01 00:00:00+00' as Postgres prints it, with an offset Freshet reads ('+00:00'). */
function normalizeOffset(v: string): string {
  return v.replace(/([+-]\d{2})$/, '$1:00');
}

/** The statement with every parameter replaced by its literal. */
export function substitute(sql: string, slots: readonly ParamSlot[], literals: readonly string[]): Substituted {
  if (slots.length === 0) return { text: sql, originalOffset: (o) => o };
  const parts: string[] = [];
  // pairs of (offset in text, offset in original) at the start of each unchanged stretch and each literal
  const map: Array<{ at: number; orig: number; literal: boolean }> = [];
  let pos = 0;
  let outLen = 0;
  for (const s of slots) {
    const keep = sql.slice(pos, s.start);
    map.push({ at: outLen, orig: pos, literal: false });
    parts.push(keep);
    outLen += keep.length;
    const lit = literals[s.index - 1]!;
    map.push({ at: outLen, orig: s.start, literal: true });
    parts.push(lit);
    outLen += lit.length;
    pos = s.end;
  }
  map.push({ at: outLen, orig: pos, literal: false });
  parts.push(sql.slice(pos));
  return {
    text: parts.join(''),
    originalOffset(offset: number): number {
      let seg = map[0]!;
      for (const m of map) {
        if (m.at <= offset) seg = m;
        else break;
      }
      return seg.literal ? seg.orig : seg.orig + (offset - seg.at);
    },
  };
}
