/**
 * Runs the records of one .slt file against a fresh embedded engine (and, when the file has `oracle`
 * queries, against a DuckDB mirror of its tables), and says precisely how a record failed.
 *
 * Files run in batch mode (the session starts in it), and every query (not marked `batchonly`) runs a
 * second time in streaming mode: the rows its changelog adds up to must be the same rows (in any
 * order). A file that switches to streaming itself (`SET 'execution.runtime-mode' = 'streaming'`) runs
 * its queries in streaming mode only.
 *
 * Completion mode (`FRESHET_SLT_COMPLETE=1`) takes DuckDB's answer as the expected rows of every
 * `oracle` query (and Freshet's column types as its type letters when the header has none), still
 * checks Freshet against it, and `rewrite()` returns the file's new text.
 */
import { Engine } from '../../src/session/engine.ts';
import type { Session } from '../../src/session/session.ts';
import type { StatementResult } from '../../src/session/result.ts';
import { collectStream, sortByOrder } from '../../src/session/result.ts';
import type { DataType } from '../../src/types/data-type.ts';
import { parseStatement } from '../../src/sql/parse.ts';
import { FreshetError, formatError } from '../../src/util/errors.ts';
import { DuckDbOracle } from '../oracle/duckdb.ts';
import { freshetText, stringText } from '../oracle/canonical.ts';
import type { QueryRecord, SltFile, SltRecord, SortMode, StatementRecord } from './slt-file.ts';
import { rewriteSlt } from './slt-file.ts';

/** Relative tolerance for R columns; values this close are equal (an absolute floor covers zero). */
const RELATIVE_TOLERANCE = 1e-9;
const ABSOLUTE_TOLERANCE = 1e-12;

export class SltRunner {
  private readonly file: SltFile;
  private readonly complete: boolean;
  private engine: Engine | undefined;
  private session: Session | undefined;
  private oracle: DuckDbOracle | undefined;
  private readonly updates = new Map<QueryRecord, { types: string; rows: string[][] }>();

  constructor(file: SltFile, complete: boolean) {
    this.file = file;
    this.complete = complete;
  }

  async open(): Promise<void> {
    this.engine = await Engine.open();
    this.session = this.engine.createSession({ 'execution.runtime-mode': 'batch' });
    if (this.file.records.some((r) => r.kind === 'query' && r.oracle)) this.oracle = await DuckDbOracle.open();
  }

  async close(): Promise<void> {
    this.oracle?.close();
    await this.engine?.close();
  }

  /** The file with completed expectations, or undefined when nothing changed. */
  rewrite(): string | undefined {
    if (this.updates.size === 0) return undefined;
    const text = rewriteSlt(this.file, this.updates);
    return text === this.file.lines.join('\n') ? undefined : text;
  }

  async run(rec: SltRecord): Promise<void> {
    if (rec.kind === 'statement') await this.runStatement(rec);
    else await this.runQuery(rec);
  }

  private where(rec: SltRecord): string {
    return `${this.file.path}:${rec.line}\n${indent(rec.sql)}`;
  }

  private async runStatement(rec: StatementRecord): Promise<void> {
    let result: StatementResult;
    try {
      result = await this.session!.execute(rec.sql);
    } catch (e) {
      if (rec.error === undefined) throw new Error(`${this.where(rec)}\nexpected success, got:\n${indent(formatError(e, true))}`);
      if (!(e instanceof FreshetError)) throw new Error(`${this.where(rec)}\nexpected a user error matching /${rec.error}/, got an internal error:\n${indent(formatError(e, true))}`);
      const text = formatError(e);
      if (!new RegExp(rec.error, 's').test(text)) throw new Error(`${this.where(rec)}\nexpected an error matching /${rec.error}/, got:\n${indent(text)}`);
      return;
    }
    if (rec.error !== undefined) throw new Error(`${this.where(rec)}\nexpected an error matching /${rec.error}/, but the statement succeeded (${describeResult(result)})`);
    await this.mirror(rec.sql);
  }

  /** Replays a successful statement on the oracle. */
  private async mirror(sql: string): Promise<void> {
    if (!this.oracle) return;
    const cm = this.session!.catalogs;
    const inDefault = cm.currentCatalog === this.engine!.defaultCatalog && cm.currentDatabase === 'default_database';
    await this.oracle.mirror(parseStatement(sql), sql, inDefault);
  }

  private async runQuery(rec: QueryRecord): Promise<void> {
    const problems: string[] = [];
    let actual: { types: DataType[]; rows: string[][] } | undefined;
    const streamingFile = this.session!.streaming;
    try {
      actual = await resultRows(await this.session!.execute(rec.sql), this.session!.options.timeZone());
    } catch (e) {
      problems.push(`Freshet failed${streamingFile ? ' (streaming)' : ''}:\n${indent(formatError(e, true))}`);
    }

    let expected = rec.expected;
    let letters = rec.types;
    let duck: string[][] | undefined;
    if (rec.oracle) {
      if (!this.oracle) throw new Error('internal: no oracle');
      const cm = this.session!.catalogs;
      if (cm.currentCatalog !== this.engine!.defaultCatalog || cm.currentDatabase !== 'default_database') {
        throw new Error(`${this.where(rec)}\nan oracle query must run in default_catalog.default_database (DuckDB mirrors only that one)`);
      }
      try {
        duck = sortRows((await this.oracle.query(rec.sql)).rows, rec.sort);
      } catch (e) {
        problems.push((e as Error).message);
      }
      if (this.complete && duck) {
        expected = duck;
        if (letters === null && actual) letters = actual.types.map(letterOf).join('');
        if (letters !== null) this.updates.set(rec, { types: letters, rows: duck });
      }
    }
    if (letters === null) problems.push('the query header has no type letters (e.g. `query IT`)');
    if (expected === null) problems.push('the query has no expected block (`----`); oracle queries get one in completion mode: FRESHET_SLT_COMPLETE=1');

    if (actual && letters !== null) {
      if (actual.types.length !== letters.length) {
        problems.push(`the query returns ${actual.types.length} columns, the header declares ${letters.length} (${letters})`);
      } else {
        actual.types.forEach((t, i) => {
          if (!letterFits(letters![i]!, t)) problems.push(`column ${i + 1} has type ${t.kind}, which does not fit type letter ${letters![i]} (it would be ${letterOf(t)})`);
        });
      }
    }
    const want = expected === null ? null : sortRows(expected, rec.sort);
    const got = actual ? sortRows(actual.rows, rec.sort) : undefined;
    if (want !== null && got && letters !== null) {
      const diff = compareRows(want, got, rec.sort === 'valuesort' ? '' : letters);
      if (diff) problems.push(`Freshet's result differs from the expected rows: ${diff}\n  expected:\n${showRows(want)}\n  Freshet:\n${showRows(got)}`);
    }
    if (want !== null && duck && letters !== null && !this.complete) {
      const diff = compareRows(want, duck, rec.sort === 'valuesort' ? '' : letters);
      if (diff) problems.push(`DuckDB's result differs from the expected rows: ${diff}\n  expected:\n${showRows(want)}\n  DuckDB:\n${showRows(duck)}`);
    }
    if (!streamingFile && !rec.batchOnly && want !== null && letters !== null && isQuery(rec.sql)) {
      const p = await this.streamingProblem(rec, want, letters);
      if (p) problems.push(p);
    }
    if (problems.length > 0) throw new Error(`${this.where(rec)}\n${problems.join('\n')}`);
  }

  /** Runs the query in streaming mode; its final rows must be the expected ones, as a multiset. */
  private async streamingProblem(rec: QueryRecord, want: string[][], letters: string): Promise<string | undefined> {
    const s = this.session!;
    s.options.set('execution.runtime-mode', 'streaming');
    try {
      const got = await resultRows(await s.execute(rec.sql), s.options.timeZone());
      const a = sortRows(want, 'rowsort');
      const b = sortRows(got.rows, 'rowsort');
      const diff = compareRows(rec.sort === 'valuesort' ? sortRows(a, 'valuesort') : a, rec.sort === 'valuesort' ? sortRows(b, 'valuesort') : b, rec.sort === 'valuesort' ? '' : letters);
      if (diff) return `in streaming mode the changelog adds up to other rows: ${diff}\n  expected:\n${showRows(a)}\n  streaming:\n${showRows(b)}\n(mark the query \`batchonly\` if it cannot mean the same in streaming mode)`;
      return undefined;
    } catch (e) {
      return `streaming mode failed (mark the query \`batchonly\` if it cannot run in streaming mode):\n${indent(formatError(e, true))}`;
    } finally {
      s.options.set('execution.runtime-mode', 'batch');
    }
  }
}

function isQuery(sql: string): boolean {
  try {
    return parseStatement(sql).kind === 'queryStatement';
  } catch {
    return false;
  }
}

function describeResult(r: StatementResult): string {
  if (r.kind === 'rows') return `${r.rows.length} rows`;
  if (r.kind === 'text') return 'a text';
  if (r.kind === 'stream') return 'a changelog stream';
  return r.message;
}

/**
 * A statement's result as canonical text rows; a text result (EXPLAIN, SHOW CREATE) is one row per line,
 * a streaming result the rows its changes add up to (in the order of its ORDER BY, if it has one).
 */
async function resultRows(r: StatementResult, timeZone: string): Promise<{ types: DataType[]; rows: string[][] }> {
  if (r.kind === 'rows') return { types: r.columns.map((c) => c.type), rows: r.rows.map((row) => row.map((v, i) => freshetText(r.columns[i]!.type, v, false, timeZone))) };
  if (r.kind === 'text') return { types: [{ kind: 'VARCHAR', nullable: false }], rows: r.text.replace(/\n$/, '').split('\n').map((l) => [stringText(l, false)]) };
  if (r.kind === 'stream') {
    const types = r.columns.map((c) => c.type);
    const rows = sortByOrder(await collectStream(r), types, r.orderBy);
    return { types, rows: rows.map((row) => row.map((v, i) => freshetText(types[i]!, v, false, timeZone))) };
  }
  throw new Error(`the statement returned no rows (${r.message}); use 'statement ok' for it`);
}

function letterOf(t: DataType): string {
  switch (t.kind) {
    case 'TINYINT': case 'SMALLINT': case 'INT': case 'BIGINT': return 'I';
    case 'FLOAT': case 'DOUBLE': case 'DECIMAL': return 'R';
    case 'CHAR': case 'VARCHAR': return 'T';
    case 'BOOLEAN': return 'B';
    case 'DATE': case 'TIME': case 'TIMESTAMP': case 'TIMESTAMP_LTZ': return 'D';
    default: return '?';
  }
}

function letterFits(letter: string, t: DataType): boolean {
  return letter === '?' || t.kind === 'NULL' || letterOf(t) === letter;
}

function sortRows(rows: string[][], mode: SortMode): string[][] {
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  if (mode === 'rowsort') return [...rows].sort((a, b) => cmp(a.join('\t'), b.join('\t')));
  if (mode === 'valuesort') return rows.flat().sort(cmp).map((v) => [v]);
  return rows;
}

function valuesEqual(expected: string, actual: string, letter: string | undefined): boolean {
  if (expected === actual) return true;
  if (letter !== 'R') return false;
  const a = Number(expected);
  const b = Number(actual);
  if (expected === 'NULL' || actual === 'NULL' || Number.isNaN(a) || Number.isNaN(b)) return false;
  return Math.abs(a - b) <= Math.max(ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b)));
}

/** A description of the first difference, or undefined when the rows are equal. */
function compareRows(expected: string[][], actual: string[][], letters: string): string | undefined {
  if (expected.length !== actual.length) return `${expected.length} rows expected, ${actual.length} returned`;
  for (let r = 0; r < expected.length; r++) {
    const e = expected[r]!;
    const a = actual[r]!;
    if (e.length !== a.length) return `row ${r + 1} has ${a.length} values, ${e.length} expected`;
    for (let c = 0; c < e.length; c++) {
      if (!valuesEqual(e[c]!, a[c]!, letters[c])) return `row ${r + 1}, column ${c + 1}: expected ${e[c]}, got ${a[c]}`;
    }
  }
  return undefined;
}

function showRows(rows: string[][]): string {
  const shown = rows.slice(0, 50).map((r) => '    ' + r.join('\t'));
  if (rows.length > 50) shown.push(`    ... (${rows.length - 50} more)`);
  return shown.length === 0 ? '    (no rows)' : shown.join('\n');
}

function indent(text: string): string {
  return text.split('\n').map((l) => '  ' + l).join('\n');
}
