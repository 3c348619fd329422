import { describe, expect, it } from 'vitest';
import { historyEntry, splitScript, splitStatements } from '../../src/client/splitter.ts';

const texts = (s: string): string[] => splitStatements(s).statements.map((x) => x.text);

describe('splitStatements', () => {
  it('splits at semicolons and reports offsets', () => {
    const input = 'SELECT 1;  SELECT 2 ;\nSHOW TABLES;';
    const r = splitStatements(input);
    expect(r.statements).toEqual([
      { text: 'SELECT 1', offset: 0 },
      { text: 'SELECT 2', offset: 11 },
      { text: 'SHOW TABLES', offset: 22 },
    ]);
    expect(r.pending).toBe(false);
    expect(r.restOffset).toBe(input.length);
  });

  it('ignores semicolons inside strings and quoted identifiers', () => {
    expect(texts(`SELECT 'a;b', "c;d", \`e;f\`; SELECT 2;`)).toEqual([`SELECT 'a;b', "c;d", \`e;f\``, 'SELECT 2']);
  });

  it('handles doubled quotes inside strings', () => {
    expect(texts(`SELECT 'it''s; fine'; SELECT 'x';`)).toEqual([`SELECT 'it''s; fine'`, `SELECT 'x'`]);
    expect(texts('SELECT "a""; b"; SELECT 1;')).toEqual(['SELECT "a""; b"', 'SELECT 1']);
  });

  it('knows backslash escapes in E strings only', () => {
    expect(texts(`SELECT E'it\\'s; ok'; SELECT 2;`)).toEqual([`SELECT E'it\\'s; ok'`, 'SELECT 2']);
    // In a plain string a backslash is an ordinary character: the quote after it ends the string.
    expect(texts(`SELECT 'a\\'; SELECT 2;`)).toEqual([`SELECT 'a\\'`, 'SELECT 2']);
    // LIKE'..' is not an E string even though the keyword ends with E.
    expect(texts(`SELECT 1 WHERE a LIKE'%\\'; SELECT 2;`)).toEqual([`SELECT 1 WHERE a LIKE'%\\'`, 'SELECT 2']);
  });

  it('ignores semicolons inside comments and drops leading comments', () => {
    expect(texts('-- first; still a comment\nSELECT 1; /* two; */ SELECT /* ; */ 2;')).toEqual(['SELECT 1', 'SELECT /* ; */ 2']);
    expect(texts('SELECT 1 -- trailing; comment\n;')).toEqual(['SELECT 1 -- trailing; comment']);
  });

  it('keeps optimizer hints', () => {
    expect(texts('SELECT /*+ BROADCAST(t) */ * FROM t;')).toEqual(['SELECT /*+ BROADCAST(t) */ * FROM t']);
  });

  it('skips empty statements', () => {
    expect(texts(';;  ; SELECT 1;;')).toEqual(['SELECT 1']);
  });

  it('keeps EXECUTE STATEMENT SET blocks together', () => {
    const block = 'EXECUTE STATEMENT SET BEGIN\n  INSERT INTO a SELECT 1;\n  INSERT INTO b SELECT 2;\nEND';
    expect(texts(`${block}; SELECT 3;`)).toEqual([block, 'SELECT 3']);
  });

  it('keeps BEGIN STATEMENT SET blocks together, case-insensitively', () => {
    const block = 'begin statement set;\ninsert into a select 1;\ninsert into b select 2;\nend';
    expect(texts(`${block};`)).toEqual([block]);
  });

  it('does not close a block at the END of a CASE expression', () => {
    const block = "EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT CASE WHEN x > 0 THEN 'p' ELSE 'n' END FROM t; END";
    expect(texts(`${block};`)).toEqual([block]);
    const nested = 'BEGIN STATEMENT SET; INSERT INTO a SELECT CASE WHEN x THEN CASE y WHEN 1 THEN 2 END END FROM t; END';
    expect(texts(`${nested}; SELECT 1;`)).toEqual([nested, 'SELECT 1']);
  });

  it('keeps a statement set inside EXPLAIN together', () => {
    const block = 'EXPLAIN PLAN FOR EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; END';
    expect(texts(`${block};`)).toEqual([block]);
  });

  it('is not fooled by the words in other places', () => {
    expect(texts("SELECT `begin`, 'statement set' FROM t; SELECT 2;")).toEqual(["SELECT `begin`, 'statement set' FROM t", 'SELECT 2']);
    expect(texts('SET begin = 1; SELECT 2;')).toEqual(['SET begin = 1', 'SELECT 2']);
  });

  it('reports incomplete input', () => {
    for (const input of ['SELECT 1', "SELECT 'a;", 'SELECT "a;', 'SELECT `a;', 'SELECT 1 /* ;', 'BEGIN STATEMENT SET; INSERT INTO a SELECT 1;', 'EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; END']) {
      const r = splitStatements(input);
      expect(r.statements, input).toEqual([]);
      expect(r.pending, input).toBe(true);
      expect(r.restOffset, input).toBe(0);
    }
  });

  it('points the rest at the unfinished statement', () => {
    const r = splitStatements('SELECT 1; SELECT\n');
    expect(r.statements.map((s) => s.text)).toEqual(['SELECT 1']);
    expect(r.pending).toBe(true);
    expect(r.restOffset).toBe(10);
  });

  it('treats a tail of whitespace and finished comments as nothing pending', () => {
    for (const input of ['', '   \n', '-- just a comment\n', '/* c */ ', 'SELECT 1; -- done\n']) {
      expect(splitStatements(input).pending, input).toBe(false);
    }
    const r = splitStatements('SELECT 1; /* open');
    expect(r.pending).toBe(true);
    expect(r.restOffset).toBe(10);
  });
});

describe('splitScript', () => {
  it('includes a last statement without a semicolon', () => {
    expect(splitScript('SELECT 1;\nSELECT 2\n')).toEqual([{ text: 'SELECT 1', offset: 0 }, { text: 'SELECT 2', offset: 10 }]);
  });

  it('passes an unterminated string on for the parser to report', () => {
    expect(splitScript("SELECT 1; SELECT 'oops")).toEqual([{ text: 'SELECT 1', offset: 0 }, { text: "SELECT 'oops", offset: 10 }]);
  });

  it('returns nothing for comments only', () => {
    expect(splitScript('-- nothing\n/* here */\n')).toEqual([]);
  });
});

describe('historyEntry', () => {
  it('joins the lines of a statement', () => {
    expect(historyEntry('SELECT a,\n    b\n  FROM t;\n')).toBe('SELECT a, b FROM t;');
    expect(historyEntry('SELECT 1\n\n\n;')).toBe('SELECT 1 ;');
  });

  it('keeps line breaks that end a -- comment or sit in a string', () => {
    expect(historyEntry('SELECT 1 -- one\n  + 2;')).toBe('SELECT 1 -- one\n  + 2;');
    expect(historyEntry("SELECT 'a\nb';")).toBe("SELECT 'a\nb';");
  });
});
