/**
 * The sqllogictest file format as Freshet uses it, and the parser that turns a file into records.
 *
 *   # a comment
 *   statement ok
 *   CREATE TABLE t (a INT) WITH ('connector' = 'values', 'data' = '[[1], [null]]')
 *
 *   statement error unknown column `b`.*Did you mean `a`
 *   SELECT b FROM t
 *
 *   query I rowsort oracle
 *   SELECT a FROM t
 *   ----
 *   1
 *   NULL
 *
 *   halt
 *
 * A blank line ends a record. `query` takes one type letter per column (I integer, R floating or
 * decimal, T text, B boolean, D date/time/timestamp, ? anything), then optionally a sort mode (nosort,
 * the default; rowsort; valuesort), `oracle` (DuckDB computes the expected rows) and `batchonly` (the
 * query is not also run in streaming mode; see runner.ts). Expected rows are
 * tab-separated values in canonical text (test/oracle/canonical.ts). `statement error <regex>` matches the
 * regex against the whole rendered error: `ERROR <sqlstate>: <message> (line, column)`, the caret
 * snippet and `HINT: ..`. `halt` ends the file early.
 */

export type SortMode = 'nosort' | 'rowsort' | 'valuesort';

export interface StatementRecord {
  kind: 'statement';
  /** 1-based line of the record's first line. */
  line: number;
  sql: string;
  /** undefined: `statement ok`; else the regex source of `statement error <regex>`. */
  error?: string;
}

export interface QueryRecord {
  kind: 'query';
  line: number;
  /** Type letters, or null when the header has none (completion mode fills them in). */
  types: string | null;
  sort: SortMode;
  oracle: boolean;
  /** Not run again in streaming mode (it needs batch-only features, or reads the clock). */
  batchOnly: boolean;
  sql: string;
  /** Expected rows (already split at tabs), or null when the record has no `----` block. */
  expected: string[][] | null;
  /** 0-based index of the header line, the last SQL line, and the first line after the record. */
  headerIndex: number;
  sqlEndIndex: number;
  endIndex: number;
}

export type SltRecord = StatementRecord | QueryRecord;

export interface SltFile {
  path: string;
  lines: string[];
  records: SltRecord[];
}

export class SltParseError extends Error {}

const TYPE_LETTERS = /^[ITRBD?]+$/;

export function parseSlt(path: string, text: string): SltFile {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const records: SltRecord[] = [];
  let i = 0;
  const fail = (msg: string): never => {
    throw new SltParseError(`${path}:${i + 1}: ${msg}`);
  };
  /** Lines from `i` up to a blank line (or `stop`), advancing `i`. */
  const block = (stop?: string): string[] => {
    const out: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '' && lines[i] !== stop) out.push(lines[i++]!);
    return out;
  };
  while (i < lines.length) {
    const line = lines[i]!;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      i++;
      continue;
    }
    const header = i;
    const words = trimmed.split(/\s+/);
    if (words[0] === 'halt') break;
    if (words[0] === 'statement') {
      let error: string | undefined;
      if (words[1] === 'error') error = trimmed.replace(/^statement\s+error\s*/, '');
      else if (words[1] !== 'ok' || words.length > 2) fail(`expected 'statement ok' or 'statement error <regex>', got '${trimmed}'`);
      if (error !== undefined) {
        try {
          new RegExp(error, 's');
        } catch (e) {
          fail(`bad error regex: ${(e as Error).message}`);
        }
      }
      i++;
      const sql = block();
      if (sql.length === 0) fail('statement without SQL');
      records.push(error === undefined ? { kind: 'statement', line: header + 1, sql: sql.join('\n') } : { kind: 'statement', line: header + 1, sql: sql.join('\n'), error });
      continue;
    }
    if (words[0] === 'query') {
      let types: string | null = null;
      let sort: SortMode = 'nosort';
      let oracle = false;
      let batchOnly = false;
      for (const w of words.slice(1)) {
        if (w === 'nosort' || w === 'rowsort' || w === 'valuesort') sort = w;
        else if (w === 'oracle') oracle = true;
        else if (w === 'batchonly') batchOnly = true;
        else if (TYPE_LETTERS.test(w) && types === null) types = w;
        else fail(`unknown word '${w}' in query header (type letters ITRBD?, nosort|rowsort|valuesort, oracle, batchonly)`);
      }
      i++;
      const sql = block('----');
      if (sql.length === 0) fail('query without SQL');
      const sqlEndIndex = i - 1;
      let expected: string[][] | null = null;
      if (lines[i] === '----') {
        i++;
        expected = block().map((l) => l.split('\t'));
      }
      records.push({ kind: 'query', line: header + 1, types, sort, oracle, batchOnly, sql: sql.join('\n'), expected, headerIndex: header, sqlEndIndex, endIndex: i });
      continue;
    }
    fail(`expected 'statement', 'query', 'halt' or a comment, got '${trimmed}'`);
  }
  return { path, lines, records };
}

/** The file's text with some query records' headers and expected blocks replaced. */
export function rewriteSlt(file: SltFile, updates: Map<QueryRecord, { types: string; rows: string[][] }>): string {
  const lines = [...file.lines];
  const ordered = [...updates].sort(([a], [b]) => b.headerIndex - a.headerIndex);
  for (const [rec, u] of ordered) {
    const words = ['query', u.types, ...(rec.sort === 'nosort' ? [] : [rec.sort]), ...(rec.oracle ? ['oracle'] : []), ...(rec.batchOnly ? ['batchonly'] : [])];
    const block = ['----', ...u.rows.map((r) => r.join('\t'))];
    lines.splice(rec.sqlEndIndex + 1, rec.endIndex - rec.sqlEndIndex - 1, ...block);
    lines[rec.headerIndex] = words.join(' ');
  }
  return lines.join('\n');
}
