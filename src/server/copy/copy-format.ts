/**
 * The options of COPY, checked as Postgres checks them: FORMAT text | csv, HEADER, DELIMITER, NULL,
 * QUOTE and ESCAPE (csv only), ENCODING (UTF8 only). Both spellings arrive here as one list: `WITH
 * (FORMAT csv, HEADER)` and the older `WITH CSV HEADER` (the grammar turns CSV into FORMAT csv).
 */
import type * as A from '../../sql/ast.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';

export interface CopyFormat {
  csv: boolean;
  /** One character. */
  delimiter: string;
  /** The text that stands for NULL (text: `\N`, csv: an unquoted empty field). */
  nullText: string;
  /** A header line: written by COPY TO, skipped by COPY FROM ('match': its names must be the columns'). */
  header: boolean | 'match';
  /** csv only. */
  quote: string;
  escape: string;
}

const SUPPORTED = 'FORMAT, HEADER, DELIMITER, NULL, QUOTE, ESCAPE and ENCODING';

/** The format a COPY's options describe; errors point at the option in `sql`. */
export function copyFormat(st: A.CopyStatement, sql: string): CopyFormat {
  const err = (code: string, message: string, o: A.PgOption, hint?: string): FreshetError => new FreshetError(code, message, { hint }).at(sql, o.loc.start);
  const given = new Map<string, A.PgOption>();
  for (const o of st.options) {
    if (given.has(o.name)) throw err(SqlState.syntaxError, `conflicting or redundant options: ${o.name.toUpperCase()} is given twice`, o);
    given.set(o.name, o);
  }
  const text = (name: string): string | undefined => {
    const o = given.get(name);
    if (o === undefined) return undefined;
    if (o.value === undefined) throw err(SqlState.syntaxError, `COPY option ${name.toUpperCase()} needs a value`, o);
    return o.value;
  };
  for (const o of st.options) {
    if (o.name === 'freeze') continue; // every COPY commits as one new snapshot anyway
    if (!['format', 'header', 'delimiter', 'null', 'quote', 'escape', 'encoding'].includes(o.name)) {
      throw err(SqlState.featureNotSupported, `COPY option ${o.name.toUpperCase()} is not supported`, o, `COPY takes ${SUPPORTED}.`);
    }
  }
  const formatName = (text('format') ?? 'text').toLowerCase();
  if (formatName === 'binary') throw err(SqlState.featureNotSupported, 'COPY in binary format is not supported', given.get('format')!, 'Use FORMAT text or FORMAT csv.');
  if (formatName !== 'text' && formatName !== 'csv') throw err(SqlState.invalidParameterValue, `COPY format "${formatName}" not recognized`, given.get('format')!, 'FORMAT is text or csv.');
  const csv = formatName === 'csv';
  const encoding = text('encoding');
  if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) throw err(SqlState.featureNotSupported, `COPY encoding ${encoding} is not supported`, given.get('encoding')!, 'Freshet reads and writes UTF8 only.');

  const single = (name: string, fallback: string): string => {
    const v = text(name);
    if (v === undefined) return fallback;
    if ([...v].length !== 1 || Buffer.byteLength(v) !== 1) throw err(SqlState.invalidParameterValue, `COPY ${name} must be a single one-byte character`, given.get(name)!);
    return v;
  };
  const delimiter = single('delimiter', csv ? ',' : '\t');
  if (delimiter === '\n' || delimiter === '\r') throw err(SqlState.invalidParameterValue, 'COPY delimiter cannot be newline or carriage return', given.get('delimiter')!);
  if (!csv && (delimiter === '\\' || /[a-z0-9.]/i.test(delimiter))) {
    throw err(SqlState.invalidParameterValue, `COPY delimiter cannot be "${delimiter}" in text format`, given.get('delimiter')!, 'Backslash, letters, digits and "." have a meaning in text format.');
  }
  for (const name of ['quote', 'escape']) {
    if (!csv && given.has(name)) throw err(SqlState.featureNotSupported, `COPY ${name} available only in CSV mode`, given.get(name)!, 'Add FORMAT csv.');
  }
  const quote = single('quote', '"');
  const escape = single('escape', quote);
  if (csv && quote === delimiter) throw err(SqlState.invalidParameterValue, 'COPY delimiter and quote must be different', given.get('quote') ?? given.get('delimiter')!);
  const nullText = text('null') ?? (csv ? '' : '\\N');
  if (nullText.includes('\n') || nullText.includes('\r')) throw err(SqlState.invalidParameterValue, 'COPY null representation cannot use newline or carriage return', given.get('null')!);
  if (nullText.includes(delimiter)) throw err(SqlState.invalidParameterValue, 'COPY delimiter must not appear in the NULL specification', given.get('null')!);

  let header: boolean | 'match' = false;
  const h = given.get('header');
  if (h !== undefined) {
    const v = (h.value ?? 'true').toLowerCase();
    if (['true', 'on', '1', 'yes'].includes(v)) header = true;
    else if (['false', 'off', '0', 'no'].includes(v)) header = false;
    else if (v === 'match') {
      if (st.direction === 'to') throw err(SqlState.featureNotSupported, 'cannot use "match" with HEADER in COPY TO', h);
      header = 'match';
    } else throw err(SqlState.invalidParameterValue, `HEADER requires a Boolean value or "match", not "${h.value}"`, h);
  }
  return { csv, delimiter, nullText, header, quote, escape };
}
