/**
 * Reads COPY data in text or csv format, as it arrives in CopyData messages of any size: a message may
 * end in the middle of a line, of a quoted csv field or of a UTF-8 character. Fields are handed to a
 * sink one at a time (column index, text or null), then the end of the record with its line number, so
 * no array is made per row.
 *
 * Text format (Postgres' default): one line per row, fields split by the delimiter (tab), backslash
 * escapes (`\t`, `\n`, `\\`, `\x41`, `\101`, a backslash before the delimiter), `\N` for NULL. Csv:
 * fields split by the delimiter (`,`), quoted with `"` where they hold the delimiter, a quote or a line
 * break, quotes inside doubled (or preceded by ESCAPE); an unquoted empty field is NULL. Both: a line
 * holding only `\.` ends the data; `\r\n` line ends are accepted.
 */
import { StringDecoder } from 'node:string_decoder';
import { FreshetError, SqlState } from '../../util/errors.ts';
import type { CopyFormat } from './copy-format.ts';

export interface FieldSink {
  /** Field `column` (0-based) of the record that started on line `line`. */
  field(column: number, text: string | null, line: number): void;
  /** The record that started on line `line` (1-based) is complete. */
  endRecord(line: number): void;
}

export class CopyDecoder {
  private readonly format: CopyFormat;
  private readonly utf8 = new StringDecoder('utf8');
  /** Text received and not yet read as records. */
  private pending = '';
  /** Where to look for the next line end in `pending` (text format: earlier text has none). */
  private scanned = 0;
  /** Lines read so far (a csv record with quoted line breaks spans several). */
  private line = 0;
  /** The `\.` end marker was seen: what follows is ignored. */
  done = false;

  constructor(format: CopyFormat) {
    this.format = format;
  }

  push(chunk: Uint8Array, sink: FieldSink): void {
    if (this.done) return;
    this.pending += this.utf8.write(chunk as Buffer);
    this.drain(sink, false);
  }

  /** The data ended (CopyDone): a last line without a line break is a record too. */
  end(sink: FieldSink): void {
    if (this.done) return;
    this.pending += this.utf8.end();
    this.drain(sink, true);
  }

  private drain(sink: FieldSink, atEnd: boolean): void {
    let start = 0;
    const s = this.pending;
    while (start < s.length && !this.done) {
      const next = this.format.csv ? this.csvRecord(s, start, atEnd, sink) : this.textRecord(s, start, atEnd, sink);
      if (next < 0) break;
      start = next;
    }
    this.pending = this.done ? '' : s.slice(start);
    this.scanned = Math.max(0, this.scanned - start);
  }

  // ---- text format ----

  /** Reads the line at `start`; returns where the next begins, or -1 when it is not complete yet. */
  private textRecord(s: string, start: number, atEnd: boolean, sink: FieldSink): number {
    let nl = s.indexOf('\n', Math.max(start, this.scanned));
    let next: number;
    if (nl < 0) {
      if (!atEnd) {
        this.scanned = s.length;
        return -1;
      }
      nl = s.length;
      next = s.length;
    } else {
      next = nl + 1;
    }
    this.scanned = next;
    let end = nl;
    if (end > start && s.charCodeAt(end - 1) === 13) end--; // \r\n
    const lineNo = ++this.line;
    if (end - start === 2 && s[start] === '\\' && s[start + 1] === '.') {
      this.done = true;
      return next;
    }
    if (nl === s.length && end === start) return next; // nothing after the last line break
    const d = this.format.delimiter;
    const nullText = this.format.nullText;
    let col = 0;
    let fieldStart = start;
    let i = start;
    let escaped = false;
    while (i <= end) {
      const c = i < end ? s[i]! : d;
      if (c === '\\' && i + 1 < end) {
        escaped = true;
        i += 2; // an escaped character never ends a field
        continue;
      }
      if (c === d || i === end) {
        const raw = s.slice(fieldStart, i);
        sink.field(col++, raw === nullText ? null : escaped ? unescapeText(raw) : raw, lineNo);
        fieldStart = i + 1;
        escaped = false;
      }
      i++;
    }
    sink.endRecord(lineNo);
    return next;
  }

  // ---- csv ----

  private csvRecord(s: string, start: number, atEnd: boolean, sink: FieldSink): number {
    const { delimiter: d, quote: q, escape: esc, nullText } = this.format;
    // find the end of the record first: a line break outside quotes
    let i = start;
    let inQuotes = false;
    let lines = 1;
    for (;;) {
      if (i >= s.length) {
        if (!atEnd) return -1;
        if (inQuotes) {
          throw new FreshetError(SqlState.badRecord, `unterminated CSV quoted field (line ${this.line + 1})`, { hint: 'A quoted field must end with a quote before the data ends.' });
        }
        break;
      }
      const c = s[i]!;
      if (inQuotes) {
        if (c === esc && esc !== q && (s[i + 1] === q || s[i + 1] === esc)) { i += 2; continue; }
        if (c === q) {
          if (esc === q && s[i + 1] === q) { i += 2; continue; }
          if (esc === q && i + 1 >= s.length && !atEnd) return -1; // a doubled quote may be split
          inQuotes = false;
        } else if (c === '\n') lines++;
        i++;
        continue;
      }
      if (c === q) { inQuotes = true; i++; continue; }
      if (c === '\n') break;
      i++;
    }
    const nl = i;
    const next = Math.min(s.length, nl + 1);
    let end = nl;
    if (end > start && s.charCodeAt(end - 1) === 13) end--;
    const lineNo = this.line + 1;
    this.line += lines;
    if (end - start === 2 && s[start] === '\\' && s[start + 1] === '.') {
      this.done = true;
      return next;
    }
    if (nl >= s.length && end === start) return next;
    let col = 0;
    let j = start;
    for (;;) {
      // one field from j
      let value = '';
      let quoted = false;
      let rawStart = j;
      let k = j;
      let plainFrom = j;
      while (k < end) {
        const c = s[k]!;
        if (c === q) {
          quoted = true;
          value += s.slice(plainFrom, k);
          k++;
          for (;;) {
            if (k >= end) break;
            const x = s[k]!;
            if (x === esc && esc !== q && (s[k + 1] === q || s[k + 1] === esc)) { value += s[k + 1]; k += 2; continue; }
            if (x === q) {
              if (esc === q && s[k + 1] === q) { value += q; k += 2; continue; }
              k++;
              break;
            }
            const from = k;
            while (k < end && s[k] !== q && s[k] !== esc) k++;
            value += s.slice(from, k);
          }
          plainFrom = k;
          continue;
        }
        if (c === d) break;
        k++;
      }
      value += s.slice(plainFrom, k);
      const raw = s.slice(rawStart, k);
      sink.field(col++, !quoted && raw === nullText ? null : value, lineNo);
      if (k >= end) break;
      j = k + 1;
      rawStart = j;
    }
    sink.endRecord(lineNo);
    return next;
  }
}

const SIMPLE_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** A text-format field with its backslash escapes resolved. */
function unescapeText(raw: string): string {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const bs = raw.indexOf('\\', i);
    if (bs < 0 || bs + 1 >= raw.length) {
      out += raw.slice(i);
      break;
    }
    out += raw.slice(i, bs);
    const c = raw[bs + 1]!;
    i = bs + 2;
    if (SIMPLE_ESCAPES[c] !== undefined) out += SIMPLE_ESCAPES[c];
    else if (c >= '0' && c <= '7') {
      let j = bs + 1;
      while (j < raw.length && j < bs + 4 && raw[j]! >= '0' && raw[j]! <= '7') j++;
      out += String.fromCharCode(parseInt(raw.slice(bs + 1, j), 8) & 0xff);
      i = j;
    } else if (c === 'x' && /[0-9a-fA-F]/.test(raw[bs + 2] ?? '')) {
      let j = bs + 2;
      while (j < raw.length && j < bs + 4 && /[0-9a-fA-F]/.test(raw[j]!)) j++;
      out += String.fromCharCode(parseInt(raw.slice(bs + 2, j), 16));
      i = j;
    } else out += c;
  }
  return out;
}
