/**
 * Rows as COPY .. TO STDOUT writes them: each value in its Postgres text form (as in a DataRow), then
 * escaped for the format. Text: backslash, line breaks, tab and the delimiter are backslash-escaped and
 * NULL is `\N`. Csv: a value is quoted when it holds the delimiter, the quote, a line break, or equals
 * the NULL text (so an empty string is `""` and NULL an empty field); quotes inside are doubled (or
 * preceded by ESCAPE).
 */
import type { ResultColumn } from '../../session/result.ts';
import { textEncoderFor, type RegNamer, type TextEncoder } from '../types/text-format.ts';
import type { CopyFormat } from './copy-format.ts';

export class CopyEncoder {
  private readonly format: CopyFormat;
  private readonly encoders: TextEncoder[];
  private readonly needsQuote: RegExp;
  private readonly textSpecial: RegExp;

  constructor(format: CopyFormat, columns: readonly ResultColumn[], timeZone: string, regName?: RegNamer) {
    this.format = format;
    this.encoders = columns.map((c) => textEncoderFor(c.type, timeZone, regName));
    const d = escapeRe(format.delimiter);
    this.needsQuote = new RegExp(`[${d}${escapeRe(format.quote)}\\r\\n]`);
    this.textSpecial = new RegExp(`[\\\\\\r\\n\\t\\b\\f\\v${d}]`);
  }

  /** The header line: the column names. */
  header(columns: readonly ResultColumn[]): string {
    return columns.map((c) => (this.format.csv ? this.csvField(c.name) : this.textField(c.name))).join(this.format.delimiter) + '\n';
  }

  /** One row, with its line break. */
  line(row: readonly unknown[]): string {
    const f = this.format;
    let out = '';
    for (let i = 0; i < this.encoders.length; i++) {
      if (i > 0) out += f.delimiter;
      const v = row[i];
      if (v === null || v === undefined) {
        out += f.nullText;
        continue;
      }
      const s = this.encoders[i]!(v);
      out += f.csv ? this.csvField(s) : this.textField(s);
    }
    return out + '\n';
  }

  private csvField(s: string): string {
    const f = this.format;
    if (!this.needsQuote.test(s) && s !== f.nullText && !(s === '\\.')) return s;
    let body = '';
    for (const ch of s) body += ch === f.quote || ch === f.escape ? f.escape + ch : ch;
    return f.quote + body + f.quote;
  }

  private textField(s: string): string {
    if (!this.textSpecial.test(s)) return s;
    const d = this.format.delimiter;
    let out = '';
    for (const ch of s) {
      switch (ch) {
        case '\\': out += '\\\\'; break;
        case '\n': out += '\\n'; break;
        case '\r': out += '\\r'; break;
        case '\t': out += '\\t'; break;
        case '\b': out += '\\b'; break;
        case '\f': out += '\\f'; break;
        case '\v': out += '\\v'; break;
        default: out += ch === d ? '\\' + ch : ch;
      }
    }
    return out;
  }
}

function escapeRe(c: string): string {
  return c.replace(/[\\\]^-]/g, '\\$&');
}
