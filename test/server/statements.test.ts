/** Splitting Simple Query text, recognizing the statements the server answers, parameter substitution, config checks. */
import { describe, expect, it } from 'vitest';
import { splitStatements } from '../../src/server/sql/split.ts';
import { recognize } from '../../src/server/sql/pg-commands.ts';
import { findParams, literalFor, substitute } from '../../src/server/sql/params.ts';
import { applyConfigObject, checkConfig, defaultConfig } from '../../src/server/config.ts';
import { parseServerArgs } from '../../src/server/cli.ts';

describe('splitStatements', () => {
  it('keeps dollar-quoted strings whole, whatever tag they use', () => {
    expect(splitStatements("SELECT $$a;b$$; SELECT $fn$ x; $$ ; $fn$; SELECT a$b FROM t").map((s) => s.text))
      .toEqual(['SELECT $$a;b$$', 'SELECT $fn$ x; $$ ; $fn$', 'SELECT a$b FROM t']);
  });

  it('splits at semicolons outside strings, identifiers and comments', () => {
    const sql = "SELECT 'a;b'; SELECT \"x;y\" FROM `t;u` -- c;\n; /* d; /* nested; */ ; */ SELECT E'\\';'; ;";
    expect(splitStatements(sql).map((s) => s.text)).toEqual(["SELECT 'a;b'", 'SELECT "x;y" FROM `t;u` -- c;', "SELECT E'\\';'"]);
    const pieces = splitStatements('  SELECT 1;\n  SELECT 2');
    expect(pieces.map((p) => p.offset)).toEqual([2, 14]);
  });

  it('keeps a statement set block together', () => {
    const sql = 'BEGIN STATEMENT SET; INSERT INTO a SELECT CASE WHEN x THEN 1 END FROM b; INSERT INTO c VALUES (1); END; SELECT 1';
    expect(splitStatements(sql).map((s) => s.text)).toEqual([sql.slice(0, sql.indexOf('END;') + 3), 'SELECT 1']);
  });

  it('has nothing for blank or comment-only text', () => {
    expect(splitStatements(' ; -- x\n ;')).toEqual([]);
  });
});

describe('recognize', () => {
  it('knows the Postgres forms of SET, SHOW, RESET and transaction control', () => {
    expect(recognize("SET application_name TO 'x'")).toEqual({ kind: 'set', name: 'application_name', value: 'x' });
    expect(recognize('set session search_path = a, "b"')).toEqual({ kind: 'set', name: 'search_path', value: 'a, b' });
    expect(recognize("SET TIME ZONE 'UTC'")).toEqual({ kind: 'set', name: 'TimeZone', value: 'UTC' });
    expect(recognize("SET 'execution.runtime-mode' = 'batch'")).toEqual({ kind: 'set', name: 'execution.runtime-mode', value: 'batch' });
    expect(recognize('SET table.exec.state.ttl = 1000')).toEqual({ kind: 'set', name: 'table.exec.state.ttl', value: '1000' });
    expect(recognize('SET extra_float_digits = -3')).toEqual({ kind: 'set', name: 'extra_float_digits', value: '-3' });
    expect(recognize('SHOW ALL')).toEqual({ kind: 'showAll' });
    expect(recognize('show DateStyle')).toEqual({ kind: 'show', name: 'DateStyle' });
    expect(recognize('RESET ALL')).toEqual({ kind: 'reset' });
    expect(recognize('begin isolation level serializable')).toEqual({ kind: 'begin', tag: 'BEGIN' });
    expect(recognize('START TRANSACTION READ ONLY')).toEqual({ kind: 'begin', tag: 'START TRANSACTION' });
    expect(recognize('END')).toEqual({ kind: 'commit' });
    expect(recognize('abort')).toEqual({ kind: 'rollback' });
  });

  it('leaves Freshet statements to the engine', () => {
    for (const sql of ['SHOW TABLES', 'SHOW CREATE TABLE t', 'SET', 'BEGIN STATEMENT SET', 'SHOW CURRENT CATALOG', 'SELECT 1']) expect(recognize(sql)).toBeUndefined();
  });
});

describe('parameters', () => {
  it('finds $n and ? through the parser, not inside strings or comments', () => {
    const sql = "SELECT '$1', $2 -- $1\n, ? FROM t WHERE a = $1";
    const { slots, count } = findParams(sql);
    expect(count).toBe(2);
    expect(slots.map((s) => sql.slice(s.start, s.end))).toEqual(['$2', '?', '$1']);
  });

  it('makes literals that cannot escape their place', () => {
    expect(literalFor("a'b", 25, false)).toBe("('a''b')");
    expect(literalFor('-5', 0, false)).toBe('(-5)');
    expect(literalFor('-5', 0, true)).toBe("('-5')");
    expect(literalFor('12345678901', 0, false)).toBe('(CAST(12345678901 AS BIGINT))');
  });

  it('refuses values that do not fit a declared type', () => {
    expect(() => literalFor('1; DROP TABLE t', 23, false)).toThrow(/invalid input syntax for type int/);
    expect(() => literalFor('maybe', 16, false)).toThrow(/boolean/);
    expect(literalFor(null, 23, false)).toBe('CAST(NULL AS INT)');
    expect(literalFor('t', 16, false)).toBe('TRUE');
  });

  it('maps offsets in the substituted text back to the original', () => {
    const sql = 'SELECT $1, nope';
    const { slots } = findParams(sql);
    const sub = substitute(sql, slots, ["('long literal')"]);
    expect(sub.text).toBe("SELECT ('long literal'), nope");
    expect(sub.originalOffset(sub.text.indexOf('nope'))).toBe(sql.indexOf('nope'));
    expect(sub.originalOffset(sub.text.indexOf('long'))).toBe(sql.indexOf('$1'));
  });
});

describe('config', () => {
  it('refuses trust authentication on a non-loopback address unless allowed', () => {
    const c = applyConfigObject(defaultConfig(), { host: '0.0.0.0' });
    expect(() => checkConfig(c)).toThrow(/refusing to listen on 0.0.0.0 with trust authentication/);
    expect(() => checkConfig(applyConfigObject(defaultConfig(), { host: '0.0.0.0', 'allow-trust-remote': true }))).not.toThrow();
    expect(() => checkConfig(applyConfigObject(defaultConfig(), { host: '0.0.0.0', users: [{ name: 'a', password: 'b' }] }))).not.toThrow();
  });

  it('reads flags on top of defaults and rejects unknown keys', () => {
    const a = parseServerArgs(['--port', '6543', '--host=localhost', '--warehouse', '/tmp/w']);
    expect(a.config).toMatchObject({ port: 6543, host: 'localhost', warehouse: '/tmp/w', auth: 'trust' });
    expect(() => applyConfigObject(defaultConfig(), { prot: 1 })).toThrow(/unknown key 'prot'/);
    expect(applyConfigObject(defaultConfig(), { 'statement-timeout': '30 s' }).statementTimeout).toBe(30_000);
  });
});
