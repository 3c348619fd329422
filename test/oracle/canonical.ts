/**
 * The canonical text of result values: one spelling per value, whichever engine produced it, so that
 * Freshet's results, an oracle's (DuckDB) and the expected rows of a test file compare as text.
 *
 * - NULL is `NULL`; booleans `true`/`false`; integers and decimals in plain notation without trailing
 *   fractional zeros (`1.50` and `1.5` are one value: engines disagree on result scales, not on values);
 * - floating values with at most 12 significant digits (`0.333333333333`), `NaN`, `Infinity`;
 * - dates `2024-01-02`, times `03:04:05.5`, timestamps `2024-01-02 03:04:05.678` (no trailing zeros
 *   in the fraction, no fraction when it is zero);
 * - strings as they are, the empty string as `(empty)` at top level (a test file cannot show an empty
 *   cell), tabs and newlines escaped; bytes as `x'0a1b'`;
 * - arrays `[1, NULL]`, maps `{k=v}`, rows `(1, a)`, nested values in the same forms.
 *
 * Freshet's internal representations (DECIMAL as an unscaled integer, timestamps as epoch millis) are
 * never compared directly: `freshetText` turns them into this form through the engine's own formatting.
 */
import type { DataType } from '../../src/types/data-type.ts';
import { formatValue } from '../../src/types/value.ts';

export const NULL_TEXT = 'NULL';
export const EMPTY_TEXT = '(empty)';

/** A floating value with at most 12 significant digits. */
export function realText(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  if (d === 0) return '0';
  return String(Number(d.toPrecision(12)));
}

/** A decimal number in plain notation without trailing fractional zeros (`-0.50` → `-0.5`, `2.00` → `2`). */
export function decimalText(plain: string): string {
  let s = plain.trim();
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  if (/^-0*$/.test(s)) s = '0';
  return s;
}

/** A date, time or timestamp: ISO with a space, fraction without trailing zeros. */
export function temporalText(text: string): string {
  const s = text.replace('T', ' ');
  const m = /^(.*\d\d:\d\d:\d\d)\.(\d+)$/.exec(s);
  if (!m) return s;
  const frac = m[2]!.replace(/0+$/, '');
  return frac === '' ? m[1]! : `${m[1]}.${frac}`;
}

/** A string; escapes the characters that would break a tab-separated line. */
export function stringText(s: string, nested: boolean): string {
  if (s === '' && !nested) return EMPTY_TEXT;
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

export function bytesText(b: Uint8Array): string {
  return "x'" + Buffer.from(b).toString('hex') + "'";
}

export function listText(items: string[]): string {
  return '[' + items.join(', ') + ']';
}

export function mapText(entries: Array<[string, string]>): string {
  return '{' + entries.map(([k, v]) => `${k}=${v}`).join(', ') + '}';
}

export function rowText(fields: string[]): string {
  return '(' + fields.join(', ') + ')';
}

/**
 * The canonical text of one Freshet result value of `type`. TIMESTAMP_LTZ values show in `timeZone`, the
 * session time zone, as a user sees them.
 */
export function freshetText(type: DataType, v: unknown, nested = false, timeZone = 'UTC'): string {
  if (v === null || v === undefined) return NULL_TEXT;
  switch (type.kind) {
    case 'NULL': return NULL_TEXT;
    case 'BOOLEAN': return v ? 'true' : 'false';
    case 'TINYINT': case 'SMALLINT': case 'INT': case 'BIGINT': return String(v);
    case 'FLOAT': return realText(Math.fround(v as number));
    case 'DOUBLE': return realText(v as number);
    case 'DECIMAL': return decimalText(formatValue(type, v));
    case 'CHAR': case 'VARCHAR': return stringText(v as string, nested);
    case 'BINARY': case 'VARBINARY': return bytesText(v as Uint8Array);
    case 'DATE': case 'TIME': case 'TIMESTAMP': case 'TIMESTAMP_LTZ': return temporalText(formatValue(type, v, { timeZone }));
    case 'ARRAY': case 'MULTISET': return listText((v as unknown[]).map((x) => freshetText(type.element!, x, true, timeZone)));
    case 'MAP': return mapText([...(v as Map<unknown, unknown>)].map(([k, x]) => [freshetText(type.key!, k, true, timeZone), freshetText(type.value!, x, true, timeZone)]));
    case 'ROW': return rowText((v as unknown[]).map((x, i) => freshetText(type.fields![i]!.type, x, true, timeZone)));
    default: return stringText(formatValue(type, v), nested);
  }
}
