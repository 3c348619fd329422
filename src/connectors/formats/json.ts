/**
 * The `json` format: one JSON object per line, fields matched to columns by name (nested ROW, ARRAY
 * and MAP columns as JSON objects and arrays). Files are read in chunks and split into lines; each line
 * goes through the native JSON.parse.
 *
 * JSON.parse reads numbers as doubles, which cannot hold every BIGINT or wide DECIMAL. A line whose
 * BIGINT is beyond 2^53 is parsed again by a small parser that keeps number text; tables with DECIMAL
 * columns wider than 15 digits use that parser for every line, so values stay exact.
 */
import type { Batch, Field } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { physicalOf, typeToString } from '../../types/data-type.ts';
import { parseInt64 } from '../../types/int64.ts';
import { decimalFromDouble, formatDecimal, parseDecimal } from '../../types/decimal.ts';
import { formatFloat } from '../../types/value.ts';
import type { ColumnPredicate, ScanContext } from '../connector.ts';
import type { FileIO, OutputFile } from '../../fs/file-io.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { BatchAssembler, type OutputColumn } from './assembler.ts';
import type { DataFile, FileFormat, FileWriter, FormatInstance, FormatReadRequest } from './format.ts';
import { badOption, badRecord, boolOption, unsupportedColumn } from './format.ts';
import { excerpt, hasTextForm, textFormatter, textParser, type TimestampStyle } from './text-codec.ts';

export const JSON_OPTIONS = [
  'json.fail-on-missing-field', 'json.ignore-parse-errors', 'json.timestamp-format.standard',
  'json.map-null-key.mode', 'json.map-null-key.literal', 'json.encode.ignore-null-fields',
] as const;

const READ_CHUNK = 1 << 20;

export interface JsonOptions {
  failOnMissing: boolean;
  ignoreErrors: boolean;
  timestampStyle: TimestampStyle;
  mapNullKeyMode: 'FAIL' | 'DROP' | 'LITERAL';
  mapNullKeyLiteral: string;
  ignoreNullFields: boolean;
}

/**
 * The json options of a table. Formats built on JSON (debezium-json, canal-json) read the same
 * settings under their own prefix (`debezium-json.timestamp-format.standard`).
 */
export function jsonOptions(options: Record<string, string>, tableName: string, prefix = 'json'): JsonOptions {
  const key = (k: string): string => `${prefix}.${k}`;
  const std = (options[key('timestamp-format.standard')] ?? 'SQL').toUpperCase();
  if (std !== 'SQL' && std !== 'ISO-8601') throw badOption(key('timestamp-format.standard'), options[key('timestamp-format.standard')]!, tableName, "'SQL' or 'ISO-8601'");
  const mode = (options[key('map-null-key.mode')] ?? 'FAIL').toUpperCase();
  if (mode !== 'FAIL' && mode !== 'DROP' && mode !== 'LITERAL') throw badOption(key('map-null-key.mode'), options[key('map-null-key.mode')]!, tableName, "'FAIL', 'DROP' or 'LITERAL'");
  const failOnMissing = boolOption(options, key('fail-on-missing-field'), false, tableName);
  const ignoreErrors = boolOption(options, key('ignore-parse-errors'), false, tableName);
  if (failOnMissing && ignoreErrors) {
    throw new FreshetError(SqlState.invalidParameterValue, `table ${tableName} sets both '${key('fail-on-missing-field')}' and '${key('ignore-parse-errors')}'`, {
      hint: 'Choose one: fail on records with missing fields, or skip malformed records.',
    });
  }
  return {
    failOnMissing,
    ignoreErrors,
    timestampStyle: std as TimestampStyle,
    mapNullKeyMode: mode as JsonOptions['mapNullKeyMode'],
    mapNullKeyLiteral: options[key('map-null-key.literal')] ?? 'null',
    ignoreNullFields: boolOption(options, key('encode.ignore-null-fields'), false, tableName),
  };
}

/** Whether JSON can hold a column of type `t`. */
export function checkJsonType(t: DataType): boolean {
  switch (t.kind) {
    case 'ARRAY': return checkJsonType(t.element!);
    case 'MAP': return hasTextForm(t.key!) && checkJsonType(t.value!);
    case 'ROW': return t.fields!.every((f) => checkJsonType(f.type));
    default: return hasTextForm(t);
  }
}

function needsExactNumbers(t: DataType): boolean {
  switch (t.kind) {
    case 'DECIMAL': return (t.precision ?? 10) > 15;
    case 'ARRAY': return needsExactNumbers(t.element!);
    case 'MAP': return needsExactNumbers(t.value!);
    case 'ROW': return t.fields!.some((f) => needsExactNumbers(f.type));
    default: return false;
  }
}

// ---------------------------------------------------------------- exact parsing

/** A JSON number kept as its text because a double would not hold it exactly. */
class NumberText {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** Signals that a line must be parsed again with exact numbers. */
const NEED_EXACT = new Error('need exact numbers');

/** A JSON parser that returns numbers a double cannot hold exactly as NumberText. */
function parseJsonExact(s: string): unknown {
  let p = 0;
  const ws = (): void => {
    while (p < s.length) {
      const c = s.charCodeAt(p);
      if (c === 32 || c === 9 || c === 10 || c === 13) p++;
      else break;
    }
  };
  const fail = (): never => { throw new SyntaxError(`unexpected ${p < s.length ? `'${s[p]}'` : 'end of input'} at position ${p}`); };
  const value = (): unknown => {
    ws();
    const c = s[p];
    if (c === '{') {
      p++;
      const obj: Record<string, unknown> = {};
      ws();
      if (s[p] === '}') { p++; return obj; }
      for (;;) {
        ws();
        if (s[p] !== '"') fail();
        const k = str();
        ws();
        if (s[p] !== ':') fail();
        p++;
        obj[k] = value();
        ws();
        if (s[p] === ',') { p++; continue; }
        if (s[p] === '}') { p++; return obj; }
        fail();
      }
    }
    if (c === '[') {
      p++;
      const arr: unknown[] = [];
      ws();
      if (s[p] === ']') { p++; return arr; }
      for (;;) {
        arr.push(value());
        ws();
        if (s[p] === ',') { p++; continue; }
        if (s[p] === ']') { p++; return arr; }
        fail();
      }
    }
    if (c === '"') return str();
    if (s.startsWith('true', p)) { p += 4; return true; }
    if (s.startsWith('false', p)) { p += 5; return false; }
    if (s.startsWith('null', p)) { p += 4; return null; }
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = p;
    const r = m.exec(s);
    if (!r) return fail();
    p += r[0].length;
    const n = Number(r[0]);
    if (Number.isInteger(n)) return Number.isSafeInteger(n) ? n : new NumberText(r[0]);
    const digits = r[0].replace(/^-|[eE].*$|\./g, '').replace(/^0+/, '').length;
    return digits <= 15 ? n : new NumberText(r[0]);
  };
  const str = (): string => {
    const start = p;
    p++;
    for (;;) {
      if (p >= s.length) fail();
      const c = s.charCodeAt(p);
      if (c === 34) { p++; break; }
      p += c === 92 ? 2 : 1;
    }
    return JSON.parse(s.slice(start, p)) as string;
  };
  const v = value();
  ws();
  if (p < s.length) fail();
  return v;
}

// ---------------------------------------------------------------- values

/** A value that cannot become its column's type; the message names the field. */
export class FieldError extends Error {}

type Convert = (v: unknown) => unknown;

function describeJson(v: unknown): string {
  if (v instanceof NumberText) return v.text;
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? s.slice(0, 40) + '…' : s;
}

/** Converts a parsed JSON value (not null/undefined) to the internal value of `t`; `path` names it in errors. */
function converter(t: DataType, path: string, o: JsonOptions): Convert {
  const fail = (v: unknown, why?: string): never => {
    throw new FieldError(`field ${path}: ${why ?? `cannot read ${describeJson(v)} as ${typeToString(t, false)}`}`);
  };
  const fromText = (parse: (s: string) => unknown): Convert => (v) => {
    try {
      return parse(v as string);
    } catch (e) {
      if (!(e instanceof FreshetError)) throw e;
      return fail(v, `cannot read ${excerpt(v as string)} as ${typeToString(t, false)}`);
    }
  };
  switch (t.kind) {
    case 'BOOLEAN':
      return (v) => {
        if (typeof v === 'boolean') return v;
        if (typeof v === 'string') {
          const w = v.trim().toLowerCase();
          if (w === 'true') return true;
          if (w === 'false') return false;
        }
        return fail(v);
      };
    case 'TINYINT': case 'SMALLINT': case 'INT': {
      const [lo, hi] = t.kind === 'TINYINT' ? [-128, 127] : t.kind === 'SMALLINT' ? [-32768, 32767] : [-2147483648, 2147483647];
      const text = fromText(textParser(t));
      return (v) => {
        if (typeof v === 'number') {
          if (Number.isInteger(v) && v >= lo && v <= hi) return v;
          return fail(v, Number.isInteger(v) ? `${v} is out of range for ${t.kind}` : undefined);
        }
        if (typeof v === 'string') return text(v);
        if (v instanceof NumberText) return fail(v, `${v.text} is out of range for ${t.kind}`);
        return fail(v);
      };
    }
    case 'BIGINT':
      return (v) => {
        if (typeof v === 'number') {
          if (Number.isSafeInteger(v)) return v;
          if (Number.isInteger(v)) throw NEED_EXACT;
          return fail(v);
        }
        const s = v instanceof NumberText ? v.text : typeof v === 'string' ? v : fail(v);
        try {
          return parseInt64(s);
        } catch {
          return fail(v, /^\s*-?\d+\s*$/.test(s) ? `${s} is out of range for BIGINT` : undefined);
        }
      };
    case 'FLOAT': case 'DOUBLE': {
      const text = fromText(textParser(t));
      const single = t.kind === 'FLOAT';
      return (v) => {
        if (typeof v === 'number') return single ? Math.fround(v) : v;
        if (v instanceof NumberText) return single ? Math.fround(Number(v.text)) : Number(v.text);
        if (typeof v === 'string') return text(v);
        return fail(v);
      };
    }
    case 'DECIMAL': {
      const p = t.precision ?? 10;
      const s = t.scale ?? 0;
      return (v) => {
        try {
          if (typeof v === 'number') return decimalFromDouble(v, p, s);
          if (v instanceof NumberText) return parseDecimal(v.text, p, s);
          if (typeof v === 'string') return parseDecimal(v, p, s);
        } catch (e) {
          if (!(e instanceof FreshetError)) throw e;
          return fail(v, `cannot read ${describeJson(v)} as ${typeToString(t, false)} (${e.message})`);
        }
        return fail(v);
      };
    }
    case 'CHAR': case 'VARCHAR': {
      const fit = t.kind === 'VARCHAR' && t.length === 2147483647 ? (x: string) => x : (textParser(t) as (x: string) => string);
      return (v) => {
        if (typeof v === 'string') return fit(v);
        if (typeof v === 'number' || typeof v === 'boolean') return fit(String(v));
        if (v instanceof NumberText) return fit(v.text);
        return fit(JSON.stringify(v, (_k, x) => (x instanceof NumberText ? Number(x.text) : x)));
      };
    }
    case 'ARRAY': {
      const el = converter(t.element!, `${path}[]`, o);
      return (v) => {
        if (!Array.isArray(v)) return fail(v, `expected a JSON array, found ${describeJson(v)}`);
        const out = new Array(v.length);
        for (let i = 0; i < v.length; i++) out[i] = v[i] === null ? null : el(v[i]);
        return out;
      };
    }
    case 'MAP': {
      const keyParse = fromText(textParser(t.key!));
      const val = converter(t.value!, `${path}{}`, o);
      return (v) => {
        if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof NumberText) return fail(v, `expected a JSON object, found ${describeJson(v)}`);
        const out = new Map<unknown, unknown>();
        for (const [k, x] of Object.entries(v)) out.set(keyParse(k), x === null ? null : val(x));
        return out;
      };
    }
    case 'ROW': {
      const fs = t.fields!;
      const convs = fs.map((f) => converter(f.type, `${path}.${f.name}`, o));
      return (v) => {
        if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof NumberText) return fail(v, `expected a JSON object, found ${describeJson(v)}`);
        const obj = v as Record<string, unknown>;
        const out = new Array(fs.length);
        for (let i = 0; i < fs.length; i++) {
          const x = obj[fs[i]!.name];
          if (x === undefined && o.failOnMissing) throw new FieldError(`field ${path}.${fs[i]!.name} is missing`);
          out[i] = x === null || x === undefined ? null : convs[i]!(x);
        }
        return out;
      };
    }
    default: {
      const parse = fromText(textParser(t));
      return (v) => (typeof v === 'string' ? parse(v) : fail(v, `expected a string for ${typeToString(t, false)}, found ${describeJson(v)}`));
    }
  }
}

/** Stores a converted top-level value into a column at `row`. */
export function store(col: OutputColumn, row: number, v: unknown): void {
  switch (col.phys) {
    case 'bool': (col.values as Uint8Array)[row] = v ? 1 : 0; break;
    case 'i32': (col.values as Int32Array)[row] = v as number; break;
    case 'f64': (col.values as Float64Array)[row] = v as number; break;
    case 'i64': col.setInt64(row, v as number | bigint); break;
    default: (col.values as unknown[])[row] = v;
  }
}

// ---------------------------------------------------------------- writing

type Serialize = (v: unknown) => string;

function serializer(t: DataType, o: JsonOptions): Serialize {
  switch (t.kind) {
    case 'BOOLEAN': return (v) => (v ? 'true' : 'false');
    case 'TINYINT': case 'SMALLINT': case 'INT': case 'BIGINT': return (v) => String(v);
    case 'FLOAT': case 'DOUBLE': {
      const single = t.kind === 'FLOAT';
      return (v) => {
        const d = v as number;
        if (!Number.isFinite(d)) return Number.isNaN(d) ? '"NaN"' : d > 0 ? '"Infinity"' : '"-Infinity"';
        return single ? formatFloat(d) : String(d);
      };
    }
    case 'DECIMAL': { const s = t.scale ?? 0; return (v) => formatDecimal(v as number | bigint, s); }
    case 'CHAR': case 'VARCHAR': return (v) => JSON.stringify(v);
    case 'ARRAY': {
      const el = serializer(t.element!, o);
      return (v) => {
        const a = v as unknown[];
        let out = '[';
        for (let i = 0; i < a.length; i++) out += (i > 0 ? ',' : '') + (a[i] === null ? 'null' : el(a[i]));
        return out + ']';
      };
    }
    case 'MAP': {
      const key = textFormatter(t.key!, o.timestampStyle);
      const val = serializer(t.value!, o);
      return (v) => {
        let out = '{';
        let first = true;
        for (const [k, x] of v as Map<unknown, unknown>) {
          let name: string;
          if (k === null) {
            if (o.mapNullKeyMode === 'DROP') continue;
            if (o.mapNullKeyMode === 'FAIL') {
              throw new FreshetError(SqlState.nullValueNotAllowed, 'cannot write a MAP with a NULL key to JSON', {
                hint: "Set 'json.map-null-key.mode' to 'DROP' or 'LITERAL' (with 'json.map-null-key.literal').",
              });
            }
            name = o.mapNullKeyLiteral;
          } else name = key(k);
          out += (first ? '' : ',') + JSON.stringify(name) + ':' + (x === null ? 'null' : val(x));
          first = false;
        }
        return out + '}';
      };
    }
    case 'ROW': {
      const names = t.fields!.map((f) => JSON.stringify(f.name) + ':');
      const sers = t.fields!.map((f) => serializer(f.type, o));
      return (v) => {
        const r = v as unknown[];
        let out = '{';
        let first = true;
        for (let i = 0; i < names.length; i++) {
          if (r[i] === null && o.ignoreNullFields) continue;
          out += (first ? '' : ',') + names[i] + (r[i] === null ? 'null' : sers[i]!(r[i]));
          first = false;
        }
        return out + '}';
      };
    }
    default: {
      const text = textFormatter(t, o.timestampStyle);
      return (v) => '"' + text(v) + '"';
    }
  }
}

/**
 * Encodes rows as JSON objects, one field per column in order (what the json format writes per line,
 * and what debezium-json and canal-json wrap in their envelopes).
 */
export class JsonRowEncoder {
  private readonly fields: readonly Field[];
  private readonly o: JsonOptions;
  private readonly names: string[];
  private readonly sers: Serialize[];
  private readonly bools: boolean[];

  constructor(fields: readonly Field[], o: JsonOptions) {
    this.fields = fields;
    this.o = o;
    this.names = fields.map((f) => JSON.stringify(f.name) + ':');
    this.sers = fields.map((f) => serializer(f.type, o));
    this.bools = fields.map((f) => physicalOf(f.type) === 'bool');
  }

  /** Row i of `cols` (one column per field) as a JSON object. */
  encode(cols: Batch['columns'], i: number): string {
    const n = this.fields.length;
    let line = '{';
    let first = true;
    for (let c = 0; c < n; c++) {
      const col = cols[c]!;
      const isNull = col.nulls !== null && col.nulls[i] === 1;
      if (isNull && this.o.ignoreNullFields) continue;
      line += (first ? '' : ',') + this.names[c];
      first = false;
      if (isNull) { line += 'null'; continue; }
      const raw = (col.values as ArrayLike<unknown>)[i];
      line += this.sers[c]!(this.bools[c] ? raw === 1 : raw);
    }
    return line + '}';
  }
}

/**
 * A FileWriter of JSON lines: `line(batch, i)` gives the text of row i (without the line break).
 * Encoding is synchronous; writes to the file are queued in order.
 */
export class JsonLinesWriter implements FileWriter {
  private readonly out: OutputFile;
  private readonly line: (batch: Batch, i: number) => string;
  private tail: Promise<void> = Promise.resolve();

  constructor(out: OutputFile, line: (batch: Batch, i: number) => string) {
    this.out = out;
    this.line = line;
  }

  get bytesWritten(): number {
    return this.out.bytesWritten;
  }

  write(batch: Batch): Promise<void> {
    let text = '';
    for (let i = 0; i < batch.length; i++) text += this.line(batch, i) + '\n';
    const bytes = Buffer.from(text, 'utf8');
    this.tail = this.tail.then(() => this.out.write(bytes));
    return this.tail;
  }

  async close(): Promise<void> {
    await this.tail;
    await this.out.close();
  }

  async abort(): Promise<void> {
    await this.tail.catch(() => undefined);
    await this.out.abort();
  }
}

/**
 * Turns parsed JSON objects into rows of internal values, the way the json format reads a line: fields
 * by column name, missing fields NULL (or an error with fail-on-missing-field), values converted as
 * documented for the json format. For formats that carry rows inside an envelope.
 */
export class JsonRowReader {
  private readonly names: string[];
  private readonly convs: Convert[];
  private readonly failOnMissing: boolean;
  /** Every message must be parsed with exact numbers (wide DECIMAL columns). */
  readonly exactAlways: boolean;

  constructor(fields: readonly Field[], o: Pick<JsonOptions, 'failOnMissing'>) {
    this.names = fields.map((f) => f.name);
    this.convs = fields.map((f) => converter(f.type, f.name, o as JsonOptions));
    this.failOnMissing = o.failOnMissing;
    this.exactAlways = fields.some((f) => needsExactNumbers(f.type));
  }

  /**
   * Parses a message; with `exact`, numbers a double cannot hold stay exact. Throws a SyntaxError for
   * text that is not JSON.
   */
  parse(text: string, exact: boolean): unknown {
    return exact || this.exactAlways ? parseJsonExact(text) : JSON.parse(text);
  }

  /**
   * The values of an object's fields, in column order (null for NULL). Throws a FieldError for a value
   * that does not convert, or an error for which `needsExactParse` is true when the message must be
   * parsed again with `parse(text, true)`.
   */
  row(obj: Record<string, unknown>): unknown[] {
    const out = new Array<unknown>(this.convs.length);
    for (let j = 0; j < this.convs.length; j++) {
      const v = obj[this.names[j]!];
      if (v === null || v === undefined) {
        if (v === undefined && this.failOnMissing) throw new FieldError(`field ${this.names[j]} is missing`);
        out[j] = null;
      } else out[j] = this.convs[j]!(v);
    }
    return out;
  }
}

/** Whether an error thrown by JsonRowReader.row asks for the message to be parsed with exact numbers. */
export function needsExactParse(e: unknown): boolean {
  return e === NEED_EXACT;
}

/** A short JSON excerpt of a parsed value for messages. */
export function describeJsonValue(v: unknown): string {
  return describeJson(v);
}

// ---------------------------------------------------------------- reading

class JsonInstance implements FormatInstance {
  private readonly fields: readonly Field[];
  private readonly o: JsonOptions;
  readonly bytesPerRow: number;

  constructor(fields: readonly Field[], o: JsonOptions) {
    this.fields = fields;
    this.o = o;
    this.bytesPerRow = Math.max(1, fields.reduce((s, f) => s + f.name.length + 12, 2));
  }

  canPrune(_p: ColumnPredicate): boolean {
    return false;
  }

  createWriter(out: OutputFile): FileWriter {
    const enc = new JsonRowEncoder(this.fields, this.o);
    return new JsonLinesWriter(out, (b, i) => enc.encode(b.columns, i));
  }

  async *read(io: FileIO, file: DataFile, req: FormatReadRequest, ctx: ScanContext): AsyncIterable<Batch> {
    const o = this.o;
    const cols = req.columns;
    const fields = cols.map((c) => this.fields[c]!);
    const names = fields.map((f) => f.name);
    const asm = new BatchAssembler(fields.map((f) => physicalOf(f.type)), ctx.batchSize);
    const convs = fields.map((f) => converter(f.type, f.name, o));
    const exactAlways = fields.some((f) => needsExactNumbers(f.type));
    const decoder = new TextDecoder('utf-8');
    let lineNo = 0;

    const bad = (what: string): void => {
      const where = `${file.path}:${lineNo}`;
      if (!o.ignoreErrors) throw badRecord(where, what, 'json.ignore-parse-errors');
      ctx.countSkipped(where, what);
    };

    /** Fills the current row from a parsed object; false when the line was malformed (and reported). */
    const fill = (obj: Record<string, unknown>): void => {
      const row = asm.row;
      for (let j = 0; j < convs.length; j++) {
        const v = obj[names[j]!];
        const col = asm.columns[j]!;
        if (v === null || v === undefined) {
          if (v === undefined && o.failOnMissing) throw new FieldError(`field ${names[j]} is missing`);
          col.setNull(row);
        } else store(col, row, convs[j]!(v));
      }
    };

    const line = (text: string): void => {
      lineNo++;
      const c0 = text.charCodeAt(0);
      if (text.length === 0 || ((c0 === 32 || c0 === 9 || c0 === 13) && text.trim() === '')) return;
      let parsed: unknown;
      try {
        parsed = exactAlways ? parseJsonExact(text) : JSON.parse(text);
      } catch (e) {
        bad(`not valid JSON (${(e as Error).message})`);
        return;
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        bad(`expected a JSON object, found ${describeJson(parsed)}`);
        return;
      }
      try {
        fill(parsed as Record<string, unknown>);
      } catch (e) {
        asm.undoRow();
        if (e === NEED_EXACT) {
          try {
            fill(parseJsonExact(text) as Record<string, unknown>);
          } catch (e2) {
            asm.undoRow();
            if (!(e2 instanceof FieldError)) throw e2;
            bad(e2.message);
            return;
          }
        } else {
          if (!(e instanceof FieldError)) throw e;
          bad(e.message);
          return;
        }
      }
      asm.row++;
    };

    const ready: Batch[] = [];
    /** Handles the complete lines of `text`; returns the incomplete rest. */
    const process = (text: string, final: boolean): string => {
      let pos = 0;
      for (;;) {
        const nl = text.indexOf('\n', pos);
        if (nl < 0) break;
        line(text.slice(pos, nl));
        pos = nl + 1;
        if (asm.full) ready.push(asm.take());
      }
      if (final && pos < text.length) {
        line(text.slice(pos));
        pos = text.length;
        if (asm.full) ready.push(asm.take());
      }
      return pos >= text.length ? '' : text.slice(pos);
    };

    let carry = '';
    for await (const chunk of io.readChunks(file.path, READ_CHUNK)) {
      carry = process(carry + decoder.decode(chunk, { stream: true }), false);
      for (const b of ready) yield b;
      ready.length = 0;
      if (ctx.isCancelled()) return;
    }
    process(carry + decoder.decode(), true);
    for (const b of ready) yield b;
    if (asm.row > 0) yield asm.take();
  }
}

export const jsonFormat: FileFormat = {
  name: 'json',
  extension: 'json',
  optionKeys: JSON_OPTIONS,
  bind(fields, options, tableName) {
    for (const f of fields) {
      if (!checkJsonType(f.type)) throw unsupportedColumn('json', f, tableName, 'JSON holds scalars, ARRAY, MAP with scalar keys, and ROW.');
    }
    return new JsonInstance(fields, jsonOptions(options, tableName));
  },
};
