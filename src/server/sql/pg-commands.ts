/**
 * Statements the server answers itself instead of the engine: transaction control (BEGIN, START
 * TRANSACTION, COMMIT, END, ROLLBACK, ABORT) and Postgres-style SET / SHOW / RESET / DISCARD, whose
 * forms (SET x TO y, SET TIME ZONE, SHOW ALL, values lists) the Flink dialect does not have. Freshet's
 * own statements that share a first word (BEGIN STATEMENT SET, SHOW TABLES, bare SET listing the
 * options) go to the engine.
 */
import { FreshetError, SqlState } from '../../util/errors.ts';
import { skipQuotedOrComment } from './split.ts';

export type PgCommand =
  | { kind: 'begin'; tag: 'BEGIN' | 'START TRANSACTION' }
  | { kind: 'commit' }
  | { kind: 'rollback' }
  | { kind: 'set'; name: string; value: string }
  | { kind: 'setNoop'; tag: string }
  | { kind: 'show'; name: string }
  | { kind: 'showAll' }
  | { kind: 'reset'; name?: string }
  | { kind: 'discard' }
  /** DEALLOCATE [PREPARE] name | ALL (no name = all named prepared statements). */
  | { kind: 'deallocate'; name?: string };

interface Token {
  kind: 'word' | 'string' | 'quoted' | 'number' | 'symbol';
  text: string;
}

/** Words, strings, quoted names, numbers and single symbols of a statement (comments dropped). */
function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) { i++; continue; }
    const end = skipQuotedOrComment(s, i);
    if (end !== i) {
      if (c === "'") out.push({ kind: 'string', text: s.slice(i + 1, end - 1).replace(/''/g, "'") });
      else if ((c === 'E' || c === 'e') && s[i + 1] === "'") out.push({ kind: 'string', text: unescapeE(s.slice(i + 2, end - 1)) });
      else if (c === '"' || c === '`') out.push({ kind: 'quoted', text: s.slice(i + 1, end - 1).split(c + c).join(c) });
      i = end;
      continue;
    }
    const m = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(s.slice(i, i + 256)) ?? /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(s.slice(i, i + 256));
    if (m) {
      out.push({ kind: /^[+-]?\d/.test(m[0]) ? 'number' : 'word', text: m[0] });
      i += m[0].length;
      continue;
    }
    out.push({ kind: 'symbol', text: c });
    i++;
  }
  return out;
}

function unescapeE(s: string): string {
  return s.replace(/''/g, "'").replace(/\\(.)/g, (_, x: string) => ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[x] ?? x);
}

const FRESHET_SHOW = new Set(['CATALOGS', 'DATABASES', 'SCHEMAS', 'TABLES', 'VIEWS', 'FUNCTIONS', 'USER', 'JOBS', 'COLUMNS', 'PARTITIONS',
  'CREATE', 'CURRENT', 'MATERIALIZED', 'MODULES', 'FULL']);

const up = (t: Token | undefined): string => (t && t.kind === 'word' ? t.text.toUpperCase() : '');

/** A dotted name made of words and quoted parts: a.b.c, "DateStyle", 'execution.runtime-mode'. */
function readName(toks: Token[], i: number): { name: string; next: number } | undefined {
  const first = toks[i];
  if (!first) return undefined;
  if (first.kind === 'string') return { name: first.text, next: i + 1 };
  if (first.kind !== 'word' && first.kind !== 'quoted') return undefined;
  let name = first.text;
  let j = i + 1;
  while (toks[j]?.text === '.' && toks[j]!.kind === 'symbol' && (toks[j + 1]?.kind === 'word' || toks[j + 1]?.kind === 'quoted')) {
    name += '.' + toks[j + 1]!.text;
    j += 2;
  }
  // unquoted option names may contain dashes: execution.runtime-mode
  while (toks[j]?.text === '-' && toks[j + 1]?.kind === 'word') {
    name += '-' + toks[j + 1]!.text;
    j += 2;
    while (toks[j]?.text === '.' && toks[j + 1]?.kind === 'word') { name += '.' + toks[j + 1]!.text; j += 2; }
  }
  return { name, next: j };
}

/** The value list of SET: items separated by commas, joined with ", " as Postgres shows them. */
function readValue(toks: Token[], i: number, what: string): string {
  const items: string[] = [];
  let j = i;
  for (;;) {
    const t = toks[j];
    if (!t) break;
    let text = t.text;
    if (t.kind === 'symbol' && (t.text === '-' || t.text === '+') && toks[j + 1]?.kind === 'number') {
      text = t.text + toks[j + 1]!.text;
      j++;
    } else if (t.kind === 'symbol') {
      throw new FreshetError(SqlState.syntaxError, `syntax error at or near "${t.text}" in ${what}`);
    }
    items.push(text);
    j++;
    if (toks[j]?.text === ',') { j++; continue; }
    if (j < toks.length) {
      // a multi-word value such as SET TRANSACTION ISOLATION LEVEL READ COMMITTED: keep the words
      if (toks[j]!.kind === 'word' && t.kind === 'word') { items[items.length - 1] += ' ' + toks[j]!.text; j++; while (toks[j]?.kind === 'word') { items[items.length - 1] += ' ' + toks[j]!.text; j++; } }
      if (j < toks.length) throw new FreshetError(SqlState.syntaxError, `syntax error at or near "${toks[j]!.text}" in ${what}`);
    }
    break;
  }
  if (items.length === 0) throw new FreshetError(SqlState.syntaxError, `${what} needs a value`);
  return items.join(', ');
}

/** The server-side command a statement is, or undefined when the engine should run it. */
export function recognize(sql: string): PgCommand | undefined {
  const toks = tokenize(sql);
  const w0 = up(toks[0]);
  const w1 = up(toks[1]);
  switch (w0) {
    case 'BEGIN':
      if (w1 === 'STATEMENT') return undefined;
      return { kind: 'begin', tag: 'BEGIN' };
    case 'START':
      if (w1 === 'TRANSACTION') return { kind: 'begin', tag: 'START TRANSACTION' };
      return undefined;
    case 'COMMIT': case 'END':
      if (w0 === 'END' && toks.length > 1 && w1 !== 'WORK' && w1 !== 'TRANSACTION') return undefined;
      return { kind: 'commit' };
    case 'ROLLBACK': case 'ABORT':
      if (toks.slice(1).some((t) => up(t) === 'TO' || up(t) === 'SAVEPOINT')) {
        throw new FreshetError(SqlState.featureNotSupported, 'savepoints are not supported');
      }
      return { kind: 'rollback' };
    case 'DISCARD':
      return { kind: 'discard' };
    case 'DEALLOCATE': {
      const i = w1 === 'PREPARE' ? 2 : 1;
      const t = toks[i];
      if (toks.length !== i + 1 || !t || (t.kind !== 'word' && t.kind !== 'quoted')) {
        throw new FreshetError(SqlState.syntaxError, 'syntax error in DEALLOCATE: expected a prepared statement name or ALL');
      }
      if (up(t) === 'ALL') return { kind: 'deallocate' };
      return { kind: 'deallocate', name: t.kind === 'word' ? t.text.toLowerCase() : t.text };
    }
    case 'SET': {
      if (toks.length === 1) return undefined; // Freshet: list the options
      let i = 1;
      if (w1 === 'SESSION' && up(toks[2]) === 'CHARACTERISTICS') return { kind: 'setNoop', tag: 'SET' };
      if (w1 === 'TRANSACTION') return { kind: 'setNoop', tag: 'SET' };
      if (w1 === 'SESSION' || w1 === 'LOCAL') i = 2;
      if (up(toks[i]) === 'TIME' && up(toks[i + 1]) === 'ZONE') return { kind: 'set', name: 'TimeZone', value: readValue(toks, i + 2, 'SET TIME ZONE') };
      const n = readName(toks, i);
      if (!n) throw new FreshetError(SqlState.syntaxError, 'SET needs a parameter name', { hint: "Write SET name = value or SET name TO value, e.g. SET application_name = 'etl'." });
      const sep = toks[n.next];
      if (!sep || !(sep.text === '=' || up(sep) === 'TO')) {
        throw new FreshetError(SqlState.syntaxError, `syntax error in SET: expected = or TO after ${n.name}`);
      }
      return { kind: 'set', name: n.name, value: readValue(toks, n.next + 1, 'SET') };
    }
    case 'SHOW': {
      if (FRESHET_SHOW.has(w1)) return undefined;
      if (w1 === 'ALL' && toks.length === 2) return { kind: 'showAll' };
      if (w1 === 'TIME' && up(toks[2]) === 'ZONE') return { kind: 'show', name: 'TimeZone' };
      if (w1 === 'TRANSACTION' && up(toks[2]) === 'ISOLATION') return { kind: 'show', name: 'transaction_isolation' };
      const n = readName(toks, 1);
      if (!n || n.next !== toks.length) return undefined;
      return { kind: 'show', name: n.name };
    }
    case 'RESET': {
      if (toks.length === 1 || (w1 === 'ALL' && toks.length === 2)) return { kind: 'reset' };
      if (w1 === 'TIME' && up(toks[2]) === 'ZONE') return { kind: 'reset', name: 'TimeZone' };
      const n = readName(toks, 1);
      if (!n || n.next !== toks.length) return undefined;
      return { kind: 'reset', name: n.name };
    }
    default:
      return undefined;
  }
}
