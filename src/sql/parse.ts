/**
 * Entry points of the SQL front end: text → AST. Wraps the generated peggy parser and turns its failures
 * into one FreshetError (SQLSTATE 42601) that says where (line, column, caret), what was found and what
 * was expected, with a "did you mean" for misspelt keywords.
 */
import { parse as peggyParse, SyntaxError as PeggySyntaxError, type PeggyExpectation } from './generated/parser.js';
import type { Expr, ParsedStatement, Statement, TypeNode } from './ast.ts';
import { FreshetError, SqlState, positionOf, isStackOverflow, tooComplex } from '../util/errors.ts';
import { nearMatches } from '../util/suggest.ts';

/**
 * The SQL dialect to read: Flink SQL, or Flink SQL plus the Postgres syntax clients send over the wire
 * (see grammar/flink-sql.pegjs).
 */
export type Dialect = 'flink' | 'postgres';

export interface ParseOptions {
  dialect?: Dialect;
}

/** Parses a script of statements separated by semicolons. */
export function parseScript(text: string, opts: ParseOptions = {}): ParsedStatement[] {
  return run(text, 'Script', opts) as ParsedStatement[];
}

/** Parses exactly one statement (a trailing semicolon is allowed). */
export function parseStatement(text: string, opts: ParseOptions = {}): Statement {
  return run(text, 'SingleStatement', opts) as Statement;
}

export function parseDataType(text: string): TypeNode {
  return run(text, 'DataTypeOnly') as TypeNode;
}

export function parseExpression(text: string): Expr {
  return run(text, 'ExpressionOnly') as Expr;
}

function run(text: string, startRule: string, opts: ParseOptions = {}): unknown {
  try {
    return peggyParse(text, { startRule, dialect: opts.dialect ?? 'flink' });
  } catch (e) {
    if (e instanceof PeggySyntaxError) throw toFreshetError(e, text);
    if (isStackOverflow(e)) throw tooComplex();
    throw e;
  }
}

let expressionStartCache: Set<string> | undefined;

/** The tokens that may start an expression, learnt from the parser itself so it never drifts. */
function expressionStart(): Set<string> {
  if (expressionStartCache) return expressionStartCache;
  const set = new Set<string>();
  try {
    peggyParse('SELECT 1 + ', { startRule: 'SingleStatement' });
  } catch (e) {
    if (e instanceof PeggySyntaxError) for (const x of e.expected ?? []) set.add(describe(x));
  }
  expressionStartCache = set;
  return set;
}

function describe(x: PeggyExpectation): string {
  if (x.type === 'literal') return x.text!.toUpperCase() === x.text ? x.text! : x.text!.toUpperCase();
  if (x.type === 'end') return 'end of input';
  return x.description ?? x.type;
}

const KEYWORD_RE = /^[A-Z_]+$/;

function quoteToken(t: string): string {
  if (t === 'end of input' || t === 'identifier' || t === 'number' || t === 'string' || t === 'parameter' || t === 'an expression'
    || t === 'data type' || t === 'type name' || t === 'time unit' || t.startsWith('[')) return t === '[xX]' ? '' : t;
  return KEYWORD_RE.test(t) ? t : `'${t}'`;
}

/** The word (or single character) at an offset, to say what was found. */
function tokenAt(text: string, offset: number): string {
  if (offset >= text.length) return '';
  const rest = text.slice(offset);
  const m = /^([A-Za-z_][A-Za-z0-9_$]*|\d+(?:\.\d*)?|'(?:[^']|'')*'?|`[^`]*`?|"[^"]*"?|\S)/.exec(rest);
  const tok = m ? m[1]! : rest[0]!;
  return tok.length > 40 ? tok.slice(0, 40) + '…' : tok;
}

function toFreshetError(e: PeggySyntaxError, text: string): FreshetError {
  const offset = e.location.start.offset;
  const position = positionOf(text, offset);
  const found = tokenAt(text, offset);
  const foundText = found === '' ? 'end of input' : `'${found}'`;

  // An error raised from a grammar action (error("...")) carries its own message.
  if (e.expected === null || e.expected === undefined) {
    return new FreshetError(SqlState.syntaxError, `syntax error: ${e.message}`, { position, source: text });
  }

  if (/^'(?:[^']|'')*$/.test(found) || /^`[^`]*$/.test(found) || /^"[^"]*$/.test(found)) {
    const what = found[0] === "'" ? 'string literal' : 'quoted identifier';
    return new FreshetError(SqlState.syntaxError, `unterminated ${what}`, {
      position, source: text, hint: `Close it with ${found[0]}; inside a string write '' for a single quote.`,
    });
  }

  const exprStart = expressionStart();
  const raw = [...new Set(e.expected.map(describe))].filter((t) => t !== 'whitespace' && t !== '[xX]');
  const inExpr = raw.includes('identifier') && raw.includes('number') && raw.includes('string');
  let items = raw;
  if (inExpr) items = [...raw.filter((t) => !exprStart.has(t)), 'an expression'];
  const punct = items.filter((t) => !KEYWORD_RE.test(t) && !/^[a-z]/.test(t));
  const words = items.filter((t) => KEYWORD_RE.test(t)).sort();
  const named = items.filter((t) => /^[a-z]/.test(t) && t !== 'end of input');
  let ordered = [...punct, ...words, ...named];
  if (items.includes('end of input')) ordered.push('end of input');
  ordered = ordered.map(quoteToken).filter((t) => t !== '');
  const shown = ordered.length > 14 ? [...ordered.slice(0, 14), '…'] : ordered;
  const expected = shown.length === 0 ? '' : shown.length === 1 ? `; expected ${shown[0]}` : `; expected one of ${shown.join(', ')}`;

  let hint: string | undefined;
  if (/^[A-Za-z_]+$/.test(found)) {
    const keywords = items.filter((t) => KEYWORD_RE.test(t));
    const near = nearMatches(found.toUpperCase(), keywords, 2).filter((k) => k !== found.toUpperCase());
    if (near.length > 0) hint = `Did you mean ${near.join(' or ')}?`;
    else if (inExpr && /^[A-Za-z_]+$/.test(found) && !raw.includes('identifier')) hint = undefined;
  }
  if (hint === undefined && /^[A-Za-z_]+$/.test(found) && isReservedWord(found) && raw.includes('identifier') && !CLAUSE_WORDS.has(found.toUpperCase())) {
    hint = `${found.toUpperCase()} is a reserved word; quote it with backquotes (\`${found}\`) to use it as a name.`;
  }
  return new FreshetError(SqlState.syntaxError, `syntax error at ${foundText}${expected}`, { position, source: text, hint });
}

/** Words that start or join clauses: finding one where a name was possible means a missing piece, not a name. */
const CLAUSE_WORDS = new Set(['SELECT', 'FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'OFFSET', 'FETCH', 'UNION', 'INTERSECT',
  'EXCEPT', 'MINUS', 'JOIN', 'ON', 'USING', 'WINDOW', 'QUALIFY', 'AND', 'OR', 'NOT', 'THEN', 'ELSE', 'END', 'WHEN', 'AS', 'BY',
  'INTO', 'VALUES', 'WITH', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'NATURAL', 'IN', 'IS', 'BETWEEN', 'LIKE']);

const RESERVED_PROBE = new Map<string, boolean>();

function isReservedWord(word: string): boolean {
  const w = word.toUpperCase();
  let r = RESERVED_PROBE.get(w);
  if (r === undefined) {
    try {
      peggyParse(`SELECT 1 AS ${w}`, { startRule: 'SingleStatement' });
      r = false;
    } catch {
      r = true;
    }
    RESERVED_PROBE.set(w, r);
  }
  return r;
}
