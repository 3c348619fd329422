/**
 * The `csv` format: one record per line (quoted fields may span lines), fields in the order of the
 * table's non-partition columns. Files are read in chunks and scanned with a small state machine that
 * records field boundaries, so only fields that are actually requested are turned into values, and
 * numbers are parsed straight from the text without a substring.
 *
 * NULL is an unquoted empty field (or the `csv.null-literal` text); an empty string is `""`. ARRAY
 * columns hold their elements separated by `csv.array-element-delimiter`. ROW and MAP columns have no
 * CSV form (use json or parquet).
 */
import type { Batch, Field } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { physicalOf, typeToString } from '../../types/data-type.ts';
import { parseInt64 } from '../../types/int64.ts';
import type { ColumnPredicate, ScanContext } from '../connector.ts';
import type { FileIO, OutputFile } from '../../fs/file-io.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { BatchAssembler, type OutputColumn } from './assembler.ts';
import type { DataFile, FileFormat, FileWriter, FormatInstance, FormatReadRequest } from './format.ts';
import { badOption, badRecord, boolOption, charOption, unsupportedColumn } from './format.ts';
import { excerpt, fastDate, fastTimestamp, hasTextForm, textFormatter, textParser, type TextFormatter, type TextParser } from './text-codec.ts';

export const CSV_OPTIONS = [
  'csv.field-delimiter', 'csv.quote-character', 'csv.disable-quote-character', 'csv.allow-comments',
  'csv.ignore-parse-errors', 'csv.null-literal', 'csv.escape-character', 'csv.array-element-delimiter', 'csv.header',
] as const;

const READ_CHUNK = 1 << 20;

interface CsvOptions {
  delimiter: string;
  quote: string | undefined;
  escape: string | undefined;
  allowComments: boolean;
  ignoreErrors: boolean;
  nullLiteral: string | undefined;
  arrayDelimiter: string;
  header: boolean;
}

function csvOptions(options: Record<string, string>, tableName: string): CsvOptions {
  const delimiter = charOption(options, 'csv.field-delimiter', ',', tableName)!;
  const disableQuote = boolOption(options, 'csv.disable-quote-character', false, tableName);
  if (disableQuote && options['csv.quote-character'] !== undefined) {
    throw new FreshetError(SqlState.invalidParameterValue, `table ${tableName} sets both 'csv.quote-character' and 'csv.disable-quote-character'`, {
      hint: "Remove one of them: quoting is either disabled or done with the given character.",
    });
  }
  const quote = disableQuote ? undefined : charOption(options, 'csv.quote-character', '"', tableName);
  const escape = charOption(options, 'csv.escape-character', undefined, tableName);
  const arrayDelimiter = options['csv.array-element-delimiter'] ?? ';';
  if (arrayDelimiter === '') throw badOption('csv.array-element-delimiter', arrayDelimiter, tableName, 'a non-empty string');
  for (const [k, c] of [['csv.quote-character', quote], ['csv.escape-character', escape]] as const) {
    if (c !== undefined && (c === delimiter || c === '\n' || c === '\r')) {
      throw badOption(k, options[k] ?? c, tableName, 'different from the field delimiter and line breaks');
    }
  }
  if (quote !== undefined && quote === escape) throw badOption('csv.escape-character', escape!, tableName, 'different from the quote character');
  return {
    delimiter,
    quote,
    escape,
    allowComments: boolOption(options, 'csv.allow-comments', false, tableName),
    ignoreErrors: boolOption(options, 'csv.ignore-parse-errors', false, tableName),
    nullLiteral: options['csv.null-literal'],
    arrayDelimiter,
    header: boolOption(options, 'csv.header', false, tableName),
  };
}

// ---------------------------------------------------------------- scanning

const QUOTED = 1;
const ESCAPED = 2;

/**
 * Finds the fields of one record at a time. `scan` returns the position after the record, or -1 when
 * the text ends before the record does (more input is needed, or nothing is left).
 */
class CsvScanner {
  private readonly delim: number;
  private readonly quote: number;
  private readonly escape: number;
  private readonly comments: boolean;
  private readonly skipBlank: boolean;
  starts = new Int32Array(16);
  ends = new Int32Array(16);
  flags = new Uint8Array(16);
  count = 0;
  /** Line breaks inside the record, including its terminator. */
  newlines = 0;
  /** The record is a comment or blank line. */
  skip = false;
  /** Why the record is malformed, if it is. */
  error: string | undefined;

  private readonly delimChar: string;

  constructor(o: CsvOptions, fieldCount: number) {
    this.delimChar = o.delimiter;
    this.delim = o.delimiter.charCodeAt(0);
    this.quote = o.quote === undefined ? -1 : o.quote.charCodeAt(0);
    this.escape = o.escape === undefined ? -1 : o.escape.charCodeAt(0);
    this.comments = o.allowComments;
    // with one column a blank line is a NULL value, not nothing
    this.skipBlank = fieldCount >= 2;
  }

  private push(s: number, e: number, f: number): void {
    if (this.count === this.starts.length) {
      const n = this.count * 2;
      const s2 = new Int32Array(n); s2.set(this.starts); this.starts = s2;
      const e2 = new Int32Array(n); e2.set(this.ends); this.ends = e2;
      const f2 = new Uint8Array(n); f2.set(this.flags); this.flags = f2;
    }
    this.starts[this.count] = s;
    this.ends[this.count] = e;
    this.flags[this.count] = f;
    this.count++;
  }

  /** After a record ends at `p` (on a line break or the end of text), the position of the next one. */
  private lineEnd(t: string, p: number, final: boolean): number {
    const n = t.length;
    if (p >= n) return final ? n : -1;
    this.newlines++;
    return p + 1;
  }

  /** Skips the rest of a line (comments, malformed records). */
  private restOfLine(t: string, p: number, final: boolean): number {
    const nl = t.indexOf('\n', p);
    if (nl < 0) return final ? t.length : -1;
    this.newlines++;
    return nl + 1;
  }

  // positions of the next delimiter and line break at or after the last scan position, found with
  // indexOf (much faster than a loop over characters) and reused until passed
  private nextDelim = -1;
  private nextBreak = -1;

  /** Starts scanning a new text (forgets positions found in the previous one). */
  begin(): void {
    this.nextDelim = -1;
    this.nextBreak = -1;
  }

  scan(t: string, p: number, final: boolean): number {
    const n = t.length;
    this.count = 0;
    this.newlines = 0;
    this.skip = false;
    this.error = undefined;
    if (p >= n) return -1;
    const first = t.charCodeAt(p);
    if (this.comments && first === 35) {
      this.skip = true;
      return this.restOfLine(t, p, final);
    }
    if (this.skipBlank && (first === 10 || (first === 13 && p + 1 < n && t.charCodeAt(p + 1) === 10))) {
      this.skip = true;
      this.newlines = 1;
      return first === 10 ? p + 1 : p + 2;
    }
    const delim = this.delim;
    const delimChar = this.delimChar;
    const quote = this.quote;
    const escape = this.escape;
    for (;;) {
      if (p < n && t.charCodeAt(p) === quote) {
        p++;
        const s = p;
        let f = QUOTED;
        let e: number;
        for (;;) {
          if (p >= n) {
            if (!final) return -1;
            this.error = `field ${this.count + 1} opens a quote that is never closed`;
            this.push(s, n, f);
            return n;
          }
          const c = t.charCodeAt(p);
          if (c === escape) { f |= ESCAPED; p += 2; continue; }
          if (c === quote) {
            if (p + 1 >= n && !final) return -1;
            if (p + 1 < n && t.charCodeAt(p + 1) === quote) { f |= ESCAPED; p += 2; continue; }
            e = p;
            p++;
            break;
          }
          if (c === 10) this.newlines++;
          p++;
        }
        this.push(s, e, f);
        if (p >= n) return final ? n : -1;
        const c = t.charCodeAt(p);
        if (c === delim) { p++; continue; }
        if (c === 10) return this.lineEnd(t, p, final);
        if (c === 13 && p + 1 < n && t.charCodeAt(p + 1) === 10) return this.lineEnd(t, p + 1, final);
        if (c === 13 && p + 1 >= n) return final ? n : -1;
        this.error = `unexpected text after the closing quote of field ${this.count}`;
        return this.restOfLine(t, p, final);
      }
      const s = p;
      let f = 0;
      let end: number;
      if (escape < 0) {
        if (this.nextDelim < p) { this.nextDelim = t.indexOf(delimChar, p); if (this.nextDelim < 0) this.nextDelim = n; }
        if (this.nextBreak < p) { this.nextBreak = t.indexOf('\n', p); if (this.nextBreak < 0) this.nextBreak = n; }
        end = this.nextDelim < this.nextBreak ? this.nextDelim : this.nextBreak;
      } else {
        end = p;
        while (end < n) {
          const c = t.charCodeAt(end);
          if (c === delim || c === 10) break;
          if (c === escape) { f |= ESCAPED; end += 2; continue; }
          end++;
        }
        if (end > n) end = n;
      }
      if (end >= n) {
        if (!final) return -1;
        this.push(s, n > s && t.charCodeAt(n - 1) === 13 ? n - 1 : n, f);
        return n;
      }
      if (t.charCodeAt(end) === delim) {
        this.push(s, end, f);
        p = end + 1;
        continue;
      }
      // a line break, after an optional carriage return
      this.push(s, end > s && t.charCodeAt(end - 1) === 13 ? end - 1 : end, f);
      return this.lineEnd(t, end, final);
    }
  }
}

/** The text of a field whose flags say it contains doubled quotes or escape characters. */
function unescapeField(raw: string, quote: string | undefined, escape: string | undefined): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === escape && i + 1 < raw.length) { out += raw[++i]; continue; }
    if (ch === quote && raw[i + 1] === quote) { out += ch; i++; continue; }
    out += ch;
  }
  return out;
}

// ---------------------------------------------------------------- field conversion

/** Writes field text [s, e) of `t` into row `row` of a column; throws a message when it does not parse. */
type FieldSetter = (t: string, s: number, e: number, flags: number, row: number) => void;

class FieldError extends Error {}

/** An integer from t[s, e) (spaces around allowed), or NaN. Up to 15 digits, so the result is exact. */
function parseSmallInt(t: string, s: number, e: number): number {
  while (s < e && t.charCodeAt(s) === 32) s++;
  while (e > s && t.charCodeAt(e - 1) === 32) e--;
  let neg = false;
  const c0 = t.charCodeAt(s);
  if (c0 === 45) { neg = true; s++; } else if (c0 === 43) s++;
  if (s >= e || e - s > 15) return NaN;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = t.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * A decimal number in t[s, e) without creating a substring, or NaN when the text is not a plain
 * decimal with at most 15 significant digits and a small exponent. In that range one multiplication or
 * division by an exact power of ten is correctly rounded, so the result equals Number(text).
 */
function parseSimpleDouble(t: string, s: number, e: number): number {
  let i = s;
  let neg = false;
  const c0 = t.charCodeAt(i);
  if (c0 === 45) { neg = true; i++; } else if (c0 === 43) i++;
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  let any = false;
  for (; i < e; i++) {
    const d = t.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    any = true;
    if (mantissa !== 0 || d !== 0) digits++;
    mantissa = mantissa * 10 + d;
  }
  if (i < e && t.charCodeAt(i) === 46) {
    for (i++; i < e; i++) {
      const d = t.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      any = true;
      if (mantissa !== 0 || d !== 0) digits++;
      mantissa = mantissa * 10 + d;
      scale++;
    }
  }
  if (i < e && (t.charCodeAt(i) | 32) === 101) {
    i++;
    let eneg = false;
    const c = t.charCodeAt(i);
    if (c === 45) { eneg = true; i++; } else if (c === 43) i++;
    let exp = 0;
    const start = i;
    for (; i < e; i++) {
      const d = t.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      exp = exp * 10 + d;
    }
    if (i === start || exp > 400) return NaN;
    scale += eneg ? exp : -exp;
  }
  if (!any || i !== e || digits > 15) return NaN;
  let v: number;
  if (scale === 0) v = mantissa;
  else if (scale > 0 && scale <= 22) v = mantissa / POW10[scale]!;
  else if (scale < 0 && scale >= -22) v = mantissa * POW10[-scale]!;
  else return NaN;
  return neg ? -v : v;
}

function makeSetter(field: Field, col: OutputColumn, o: CsvOptions): FieldSetter {
  const type = field.type;
  const isString = type.kind === 'VARCHAR' || type.kind === 'CHAR';
  const nullLiteral = o.nullLiteral;
  const quote = o.quote;
  const escape = o.escape;
  const text = (t: string, s: number, e: number, flags: number): string => {
    const raw = t.slice(s, e);
    return flags & ESCAPED ? unescapeField(raw, flags & QUOTED ? quote : undefined, escape) : raw;
  };
  /** Whether an unquoted field means NULL. */
  const isNull = (t: string, s: number, e: number): boolean => {
    if (s === e) return !isString || nullLiteral === undefined;
    return nullLiteral !== undefined && e - s === nullLiteral.length && t.startsWith(nullLiteral, s);
  };
  const fail = (what: string): never => { throw new FieldError(`column ${field.name}: ${what}`); };
  const generic = (parse: TextParser): FieldSetter => (t, s, e, flags, row) => {
    if (!(flags & QUOTED) && isNull(t, s, e)) { col.setNull(row); return; }
    const str = text(t, s, e, flags);
    let v: unknown;
    try {
      v = parse(str);
    } catch (err) {
      if (!(err instanceof FreshetError)) throw err;
      fail(`cannot read ${excerpt(str)} as ${typeToString(type, false)} (${err.message})`);
    }
    if (col.phys === 'i64') col.setInt64(row, v as number | bigint);
    else if (col.phys === 'bool') (col.values as Uint8Array)[row] = v ? 1 : 0;
    else (col.values as unknown[])[row] = v;
  };

  switch (type.kind) {
    case 'TINYINT': case 'SMALLINT': case 'INT': {
      const [lo, hi] = type.kind === 'TINYINT' ? [-128, 127] : type.kind === 'SMALLINT' ? [-32768, 32767] : [-2147483648, 2147483647];
      return (t, s, e, flags, row) => {
        if (!(flags & QUOTED) && isNull(t, s, e)) { col.setNull(row); return; }
        const v = flags & ESCAPED ? NaN : parseSmallInt(t, s, e);
        if (v >= lo && v <= hi) { (col.values as Int32Array)[row] = v; return; }
        const str = text(t, s, e, flags);
        fail(v === v ? `${excerpt(str)} is out of range for ${type.kind}` : `cannot read ${excerpt(str)} as ${type.kind}`);
      };
    }
    case 'BIGINT':
      return (t, s, e, flags, row) => {
        if (!(flags & QUOTED) && isNull(t, s, e)) { col.setNull(row); return; }
        const v = flags & ESCAPED ? NaN : parseSmallInt(t, s, e);
        if (v === v) { (col.values as Float64Array)[row] = v; return; }
        const str = text(t, s, e, flags);
        try {
          col.setInt64(row, parseInt64(str));
        } catch {
          fail(/^\s*[+-]?\d+\s*$/.test(str) ? `${excerpt(str)} is out of range for BIGINT` : `cannot read ${excerpt(str)} as BIGINT`);
        }
      };
    case 'DOUBLE': case 'FLOAT': {
      const slow = generic(textParser(type));
      const single = type.kind === 'FLOAT';
      return (t, s, e, flags, row) => {
        const v = flags & (QUOTED | ESCAPED) || s === e ? NaN : parseSimpleDouble(t, s, e);
        if (v === v) (col.values as Float64Array)[row] = single ? Math.fround(v) : v;
        else slow(t, s, e, flags, row);
      };
    }
    case 'DATE': {
      const slow = generic(textParser(type));
      return (t, s, e, flags, row) => {
        const d = flags & ESCAPED ? NaN : fastDate(t, s, e);
        if (d === d) (col.values as Int32Array)[row] = d;
        else slow(t, s, e, flags, row);
      };
    }
    case 'TIMESTAMP': case 'TIMESTAMP_LTZ': {
      const slow = generic(textParser(type));
      const p = type.precision ?? 6;
      return (t, s, e, flags, row) => {
        const v = flags & ESCAPED ? NaN : fastTimestamp(t, s, e, p);
        if (v === v) (col.values as Float64Array)[row] = v;
        else slow(t, s, e, flags, row);
      };
    }
    case 'VARCHAR': case 'CHAR': {
      if (type.kind === 'VARCHAR' && type.length === 2147483647) {
        return (t, s, e, flags, row) => {
          if (!(flags & QUOTED) && isNull(t, s, e)) { col.setNull(row); return; }
          (col.values as unknown[])[row] = text(t, s, e, flags);
        };
      }
      return generic(textParser(type));
    }
    case 'ARRAY': {
      const el = type.element!;
      const parseEl = textParser(el);
      const elString = el.kind === 'VARCHAR' || el.kind === 'CHAR';
      const sep = o.arrayDelimiter;
      return generic((str) => {
        if (str === '') return [];
        return str.split(sep).map((x) => (x === '' && !elString) || (nullLiteral !== undefined && x === nullLiteral) ? null : parseEl(x));
      });
    }
    default:
      return generic(textParser(type));
  }
}

function checkCsvType(f: Field, tableName: string): void {
  const t = f.type;
  const ok = hasTextForm(t) || (t.kind === 'ARRAY' && hasTextForm(t.element!));
  if (!ok) throw unsupportedColumn('csv', f, tableName, 'CSV holds scalar values and arrays of scalars; store ROW and MAP columns with json or parquet.');
}

// ---------------------------------------------------------------- writing

function makeFormatter(f: Field, o: CsvOptions): (v: unknown) => string {
  const t: DataType = f.type;
  if (t.kind === 'ARRAY') {
    const el = textFormatter(t.element!);
    const nullText = o.nullLiteral ?? '';
    return (v) => (v as unknown[]).map((x) => (x === null ? nullText : el(x))).join(o.arrayDelimiter);
  }
  return textFormatter(t);
}

class CsvFileWriter implements FileWriter {
  private readonly out: OutputFile;
  private readonly fields: readonly Field[];
  private readonly formatters: TextFormatter[];
  private readonly o: CsvOptions;
  private readonly needsQuote: RegExp;
  private readonly quoteAll: RegExp | undefined;
  private headerPending: boolean;
  private tail: Promise<void> = Promise.resolve();

  constructor(out: OutputFile, fields: readonly Field[], o: CsvOptions) {
    this.out = out;
    this.fields = fields;
    this.o = o;
    this.formatters = fields.map((f) => makeFormatter(f, o));
    const special = [o.delimiter, '\n', '\r', ...(o.quote ? [o.quote] : []), ...(o.escape ? [o.escape] : [])];
    this.needsQuote = new RegExp(`[${special.map((c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')).join('')}]`);
    this.quoteAll = o.quote ? new RegExp(o.quote.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'), 'g') : undefined;
    this.headerPending = o.header;
  }

  get bytesWritten(): number {
    return this.out.bytesWritten;
  }

  /** A field's text with quoting where a reader would otherwise misread it. */
  private quoteText(s: string, first: boolean): string {
    const o = this.o;
    // an empty text or the null literal would read back as NULL; a leading '#' as a comment
    const risky = s === '' || s === o.nullLiteral || this.needsQuote.test(s) || (first && o.allowComments && s.startsWith('#'));
    if (!risky) return s;
    if (o.quote === undefined) {
      if (o.escape === undefined) {
        throw new FreshetError(SqlState.invalidParameterValue, `cannot write ${excerpt(s)} to CSV without quoting: it contains the delimiter, a line break, or looks like NULL`, {
          hint: "Enable quoting (remove 'csv.disable-quote-character') or set 'csv.escape-character'.",
        });
      }
      let out = '';
      for (const ch of s) out += ch === o.delimiter || ch === '\n' || ch === '\r' || ch === o.escape ? o.escape + ch : ch;
      if (out === '' || out === o.nullLiteral) {
        throw new FreshetError(SqlState.invalidParameterValue, `cannot write the empty string or the null literal to CSV without quoting`, {
          hint: "Enable quoting (remove 'csv.disable-quote-character').",
        });
      }
      return out;
    }
    const q = o.quote;
    let body = s;
    if (o.escape !== undefined) body = body.split(o.escape).join(o.escape + o.escape);
    body = body.replace(this.quoteAll!, o.escape !== undefined ? o.escape + q : q + q);
    return q + body + q;
  }

  write(batch: Batch): Promise<void> {
    const o = this.o;
    const fields = this.fields;
    const nullText = o.nullLiteral ?? '';
    let text = '';
    if (this.headerPending) {
      this.headerPending = false;
      text += fields.map((f, i) => this.quoteText(f.name, i === 0)).join(o.delimiter) + '\n';
    }
    const cols = batch.columns;
    const bool = fields.map((f) => physicalOf(f.type) === 'bool');
    for (let i = 0; i < batch.length; i++) {
      let line = '';
      for (let c = 0; c < fields.length; c++) {
        if (c > 0) line += o.delimiter;
        const col = cols[c]!;
        if (col.nulls !== null && col.nulls[i] === 1) { line += nullText; continue; }
        const raw = (col.values as ArrayLike<unknown>)[i];
        line += this.quoteText(this.formatters[c]!(bool[c] ? raw === 1 : raw), c === 0);
      }
      text += line + '\n';
    }
    const bytes = Buffer.from(text, 'utf8');
    this.tail = this.tail.then(() => this.out.write(bytes));
    return this.tail;
  }

  async close(): Promise<void> {
    if (this.headerPending) await this.write({ columns: this.fields.map(() => ({ values: [], nulls: null })), length: 0, kinds: null });
    await this.tail;
    await this.out.close();
  }

  async abort(): Promise<void> {
    await this.tail.catch(() => undefined);
    await this.out.abort();
  }
}

// ---------------------------------------------------------------- reading

class CsvInstance implements FormatInstance {
  private readonly fields: readonly Field[];
  private readonly o: CsvOptions;
  readonly bytesPerRow: number;

  constructor(fields: readonly Field[], o: CsvOptions) {
    this.fields = fields;
    this.o = o;
    this.bytesPerRow = Math.max(1, fields.length * 8);
  }

  canPrune(_p: ColumnPredicate): boolean {
    return false;
  }

  createWriter(out: OutputFile): FileWriter {
    return new CsvFileWriter(out, this.fields, this.o);
  }

  async *read(io: FileIO, file: DataFile, req: FormatReadRequest, ctx: ScanContext): AsyncIterable<Batch> {
    const o = this.o;
    const fields = this.fields;
    const nFields = fields.length;
    const cols = req.columns;
    const asm = new BatchAssembler(cols.map((c) => physicalOf(fields[c]!.type)), ctx.batchSize);
    const setters = cols.map((c, j) => makeSetter(fields[c]!, asm.columns[j]!, o));
    const scanner = new CsvScanner(o, nFields);
    const decoder = new TextDecoder('utf-8');
    let headerPending = o.header;
    let line = 1;
    let carry = '';

    const bad = (recLine: number, what: string): void => {
      const where = `${file.path}:${recLine}`;
      if (!o.ignoreErrors) throw badRecord(where, what, 'csv.ignore-parse-errors');
      ctx.countSkipped(where, what);
    };

    /** Converts the records in `text`; returns the unconsumed rest. Yields full batches through `out`. */
    const process = (text: string, final: boolean, out: Batch[]): string => {
      let pos = 0;
      scanner.begin();
      for (;;) {
        const next = scanner.scan(text, pos, final);
        if (next < 0) break;
        const recLine = line;
        line += scanner.newlines;
        pos = next;
        if (scanner.skip) continue;
        if (headerPending) { headerPending = false; continue; }
        if (scanner.error !== undefined) { bad(recLine, scanner.error); continue; }
        if (scanner.count !== nFields) {
          bad(recLine, `expected ${nFields} field${nFields === 1 ? '' : 's'} (${fields.map((f) => f.name).join(', ')}), found ${scanner.count}`);
          continue;
        }
        const row = asm.row;
        try {
          for (let j = 0; j < cols.length; j++) {
            const c = cols[j]!;
            setters[j]!(text, scanner.starts[c]!, scanner.ends[c]!, scanner.flags[c]!, row);
          }
        } catch (e) {
          if (!(e instanceof FieldError)) throw e;
          asm.undoRow();
          bad(recLine, e.message);
          continue;
        }
        asm.row++;
        if (asm.full) out.push(asm.take());
      }
      return pos >= text.length ? '' : text.slice(pos);
    };

    const ready: Batch[] = [];
    for await (const chunk of io.readChunks(file.path, READ_CHUNK)) {
      carry = process(carry + decoder.decode(chunk, { stream: true }), false, ready);
      for (const b of ready) yield b;
      ready.length = 0;
      if (ctx.isCancelled()) return;
    }
    process(carry + decoder.decode(), true, ready);
    for (const b of ready) yield b;
    if (asm.row > 0) yield asm.take();
  }
}

export const csvFormat: FileFormat = {
  name: 'csv',
  extension: 'csv',
  optionKeys: CSV_OPTIONS,
  bind(fields, options, tableName) {
    for (const f of fields) checkCsvType(f, tableName);
    return new CsvInstance(fields, csvOptions(options, tableName));
  },
};
