/**
 * Splits the text of a Simple Query message into statements. The engine's parser would reject the
 * whole text for one statement it does not know (BEGIN, SET x TO y, ...), which the server answers
 * itself, so the split happens first, on the lexical level: a semicolon ends a statement unless it is
 * in a string ('..', E'..' or $$..$$), a quoted identifier (".." or `..`), a comment (-- or nested /* *\/),
 * or a statement set block (BEGIN STATEMENT SET; ... END; or EXECUTE STATEMENT SET BEGIN ... END;)
 * whose INSERTs carry semicolons of their own (CASE .. END inside the block is counted).
 */

export interface StatementText {
  /** The statement without its semicolon and the whitespace around it. */
  text: string;
  /** Where `text` starts in the message. */
  offset: number;
}

function isWordStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}

function isWordChar(c: number): boolean {
  return isWordStart(c) || (c >= 48 && c <= 57) || c === 36;
}

/** Offset just past a comment or quoted section starting at i, or i when none starts there. */
export function skipQuotedOrComment(s: string, i: number): number {
  const c = s.charCodeAt(i);
  const next = s.charCodeAt(i + 1);
  if (c === 45 && next === 45) { // --
    const nl = s.indexOf('\n', i);
    return nl < 0 ? s.length : nl + 1;
  }
  if (c === 47 && next === 42) { // /* .. */, nested as in Postgres
    let depth = 1;
    let j = i + 2;
    while (j < s.length && depth > 0) {
      if (s.charCodeAt(j) === 47 && s.charCodeAt(j + 1) === 42) { depth++; j += 2; }
      else if (s.charCodeAt(j) === 42 && s.charCodeAt(j + 1) === 47) { depth--; j += 2; }
      else j++;
    }
    return j;
  }
  if ((c === 69 || c === 101) && next === 39 && !isWordChar(s.charCodeAt(i - 1))) { // E'..'
    let j = i + 2;
    while (j < s.length) {
      const d = s.charCodeAt(j);
      if (d === 92) { j += 2; continue; }
      if (d === 39) {
        if (s.charCodeAt(j + 1) === 39) { j += 2; continue; }
        return j + 1;
      }
      j++;
    }
    return s.length;
  }
  if (c === 36 && !isWordChar(s.charCodeAt(i - 1))) { // $$..$$ or $tag$..$tag$ (Postgres dollar quoting)
    const tag = /^\$(?:[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_\u00C0-\uFFFF]*)?\$/.exec(s.slice(i, i + 256));
    if (tag) {
      const end = s.indexOf(tag[0], i + tag[0].length);
      return end < 0 ? s.length : end + tag[0].length;
    }
  }
  if (c === 39 || c === 34 || c === 96) { // '..' ".." `..` with doubled quotes inside
    let j = i + 1;
    while (j < s.length) {
      if (s.charCodeAt(j) === c) {
        if (s.charCodeAt(j + 1) === c) { j += 2; continue; }
        return j + 1;
      }
      j++;
    }
    return s.length;
  }
  return i;
}

/** Offset of the first character that is neither whitespace nor part of a comment, from i. */
export function skipSpaceAndComments(s: string, i: number): number {
  for (;;) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    const c = s.charCodeAt(i);
    if ((c === 45 && s.charCodeAt(i + 1) === 45) || (c === 47 && s.charCodeAt(i + 1) === 42)) {
      i = skipQuotedOrComment(s, i);
      continue;
    }
    return i;
  }
}

/** Splits `sql` into its statements; pieces holding only whitespace and comments are left out. */
export function splitStatements(sql: string): StatementText[] {
  const out: StatementText[] = [];
  let start = 0;
  let words: string[] = [];
  let block = false;
  let caseDepth = 0;
  let i = 0;
  const finish = (end: number): void => {
    const from = skipSpaceAndComments(sql, start);
    let to = end;
    while (to > from && /\s/.test(sql[to - 1]!)) to--;
    if (to > from) out.push({ text: sql.slice(from, to), offset: from });
    words = [];
    block = false;
    caseDepth = 0;
  };
  while (i < sql.length) {
    const skip = skipQuotedOrComment(sql, i);
    if (skip !== i) { i = skip; continue; }
    const c = sql.charCodeAt(i);
    if (isWordStart(c)) {
      let j = i + 1;
      while (j < sql.length && isWordChar(sql.charCodeAt(j))) j++;
      const w = sql.slice(i, j).toUpperCase();
      if (!block && words.length < 4) {
        words.push(w);
        const head = words.join(' ');
        if (head === 'BEGIN STATEMENT SET' || head === 'EXECUTE STATEMENT SET BEGIN') block = true;
      } else if (block) {
        if (w === 'CASE') caseDepth++;
        else if (w === 'END') {
          if (caseDepth > 0) caseDepth--;
          else block = false; // the END of the block: the next semicolon ends the statement
        }
      }
      i = j;
      continue;
    }
    if (c === 59 && !block) { // ;
      finish(i);
      start = i + 1;
    }
    i++;
  }
  finish(sql.length);
  return out;
}
