/**
 * Splits SQL text into statements at semicolons, without parsing it. The client needs this before the
 * parser can help: to know whether a line typed at the prompt completes a statement, and to run a script
 * one statement at a time so that everything before a broken statement still runs.
 *
 * A semicolon ends a statement unless it is inside a string ('..', E'..' with backslash escapes), a
 * quoted identifier ("..", `..`), a comment (-- and /* *\/), or a statement set block
 * (EXECUTE STATEMENT SET BEGIN ... END; and BEGIN STATEMENT SET; ... END;), whose INSERTs end with
 * semicolons of their own. Inside a block, CASE ... END pairs are counted so the END of a CASE
 * expression does not close the block.
 */

export interface SplitStatement {
  /** The statement without its terminating semicolon, leading comments and surrounding whitespace. */
  text: string;
  /** Offset of `text` in the input. */
  offset: number;
}

export interface SplitResult {
  /** Statements terminated by a semicolon. */
  statements: SplitStatement[];
  /** Where the unterminated tail starts (the input length when there is none). */
  restOffset: number;
  /** Whether the tail holds more than whitespace and complete comments, i.e. input is incomplete. */
  pending: boolean;
}

type Mode = 'code' | 'single' | 'escaped' | 'double' | 'back' | 'line' | 'block';

interface Scan extends SplitResult {
  /** Offsets of newlines outside strings and line comments: joining lines there keeps the meaning. */
  joinable: number[];
}

const BLOCK_OPENERS = ['BEGIN STATEMENT SET', 'STATEMENT SET BEGIN'];
/** Statement set keywords come first (after EXPLAIN and its details at most): look no further. */
const HEAD_TOKENS = 16;

function isWordChar(c: string): boolean {
  return /[A-Za-z0-9_$]/.test(c) || c.charCodeAt(0) >= 0xc0;
}

function scan(text: string): Scan {
  const statements: SplitStatement[] = [];
  const joinable: number[] = [];
  let mode: Mode = 'code';
  let start = -1; // first significant character of the current statement
  let commentStart = -1; // an unclosed block comment before any statement text
  let head: string[] = [];
  let inBlock = false;
  let blockDone = false;
  let caseDepth = 0;

  const token = (t: string): void => {
    if (inBlock) {
      if (t === 'CASE') caseDepth++;
      else if (t === 'END') {
        if (caseDepth > 0) caseDepth--;
        else { inBlock = false; blockDone = true; }
      }
      return;
    }
    if (blockDone || head.length >= HEAD_TOKENS) return;
    head.push(t);
    if (head.length >= 3 && BLOCK_OPENERS.includes(head.slice(-3).join(' '))) {
      inBlock = true;
      caseDepth = 0;
    }
  };

  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    switch (mode) {
      case 'single': if (c === "'") mode = 'code'; i++; continue;
      case 'escaped':
        if (c === '\\') i++;
        else if (c === "'") mode = 'code';
        i++;
        continue;
      case 'double': if (c === '"') mode = 'code'; i++; continue;
      case 'back': if (c === '`') mode = 'code'; i++; continue;
      case 'line':
        if (c === '\n') mode = 'code';
        i++;
        continue;
      case 'block':
        if (c === '\n') joinable.push(i);
        if (c === '*' && text[i + 1] === '/') { mode = 'code'; i += 2; } else i++;
        continue;
      case 'code': break;
    }
    if (c === '\n') joinable.push(i);
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\f' || c === '\u00a0' || c === '\ufeff') { i++; continue; }
    if (c === '-' && text[i + 1] === '-') { mode = 'line'; i += 2; continue; }
    if (c === '/' && text[i + 1] === '*') {
      if (start < 0) commentStart = i;
      mode = 'block';
      i += 2;
      continue;
    }
    if (c === ';' && !inBlock) {
      if (start >= 0) statements.push({ text: text.slice(start, i).trimEnd(), offset: start });
      start = -1;
      head = [];
      blockDone = false;
      i++;
      continue;
    }
    if (start < 0) start = i;
    if (c === "'") { mode = 'single'; token("'"); i++; continue; }
    if (c === '"') { mode = 'double'; token('"'); i++; continue; }
    if (c === '`') { mode = 'back'; token('`'); i++; continue; }
    if (isWordChar(c)) {
      let j = i + 1;
      while (j < n && isWordChar(text[j]!)) j++;
      const word = text.slice(i, j).toUpperCase();
      // E'...' is a string with backslash escapes, where \' does not end it.
      if (word === 'E' && text[j] === "'") { mode = 'escaped'; token("'"); i = j + 1; continue; }
      token(word);
      i = j;
      continue;
    }
    token(c);
    i++;
  }

  // An open quote always belongs to a statement (start >= 0); an open comment may precede one.
  if (start >= 0) return { statements, restOffset: start, pending: true, joinable };
  if (mode === 'block') return { statements, restOffset: commentStart, pending: true, joinable };
  return { statements, restOffset: n, pending: false, joinable };
}

/** The complete statements of `text` and where the incomplete rest starts. */
export function splitStatements(text: string): SplitResult {
  const { statements, restOffset, pending } = scan(text);
  return { statements, restOffset, pending };
}

/**
 * All statements of a script: those ended by a semicolon and, since a script's last statement may lack
 * one, the unterminated tail (an unclosed quote or comment is left for the parser to report).
 */
export function splitScript(text: string): SplitStatement[] {
  const r = splitStatements(text);
  if (r.pending) r.statements.push({ text: text.slice(r.restOffset).trimEnd(), offset: r.restOffset });
  return r.statements;
}

/**
 * One line for the history, so a statement typed over several lines comes back as one entry: line
 * breaks become spaces where that keeps the meaning (not inside strings, not ending a -- comment).
 */
export function historyEntry(text: string): string {
  const trimmed = text.trim();
  const { joinable } = scan(trimmed);
  if (joinable.length === 0) return trimmed;
  let out = '';
  let from = 0;
  for (const nl of joinable) {
    out = (out + trimmed.slice(from, nl)).trimEnd() + ' ';
    from = nl + 1;
    while (from < trimmed.length && (trimmed[from] === ' ' || trimmed[from] === '\t')) from++;
  }
  return out + trimmed.slice(from);
}
