import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Session } from '../../src/session/session.ts';
import { dataFiles, exec, failure, makeTempDir, newSession, query, removeTempDir, sortRows, write } from './fs-helpers.ts';

let dir: string;
let s: Session;

beforeEach(async () => {
  dir = makeTempDir();
  s = await newSession();
});

afterEach(() => removeTempDir(dir));

const ALL_TYPES = `b BOOLEAN, ti TINYINT, si SMALLINT, i INT, bi BIGINT, f FLOAT, d DOUBLE, dec DECIMAL(10, 2),
  wide DECIMAL(38, 10), s STRING, vc VARCHAR(20), bytes BYTES, dt DATE, tm TIME(3), ts TIMESTAMP(3), ts6 TIMESTAMP(6),
  ltz TIMESTAMP_LTZ(3), arr ARRAY<INT>, sarr ARRAY<STRING>`;

const ALL_DATA = JSON.stringify([
  [true, '-128', '32767', '2147483647', '9223372036854775807', '1.5', '0.1', '12.34', '1234567890123456789012345678.0123456789',
    'plain', 'short', 'hello', '2024-02-29', '23:59:59.123', '2024-01-02 03:04:05.678', '1970-01-01 00:00:00.000001',
    '2024-06-01 12:00:00.5', [1, null, 3], ['a', 'b c', '']],
  [false, '0', '-32768', '-2147483648', '-9223372036854775808', '-0.25', '1e300', '-0.01', '-1.0000000001',
    'a,b "quoted"\nnext line', '', 'x\u0000y', '1900-01-01', '00:00:00', '1969-12-31 23:59:59.999', '2000-01-01 00:00:00',
    '1960-01-01 00:00:00', [], []],
  [null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
  [true, '1', '2', '3', '4', 'NaN', '-Infinity', '0', '0', 'ünïcödé ✓ 😀', '#not a comment', '', '2024-01-01', '12:00:00',
    '2024-01-01 00:00:00', '2024-01-01 00:00:00', '2024-01-01 00:00:00', [null, null], ['x']],
]);

describe('csv format', () => {
  it('round-trips every supported type through INSERT and SELECT', async () => {
    await exec(s, `CREATE TABLE src (${ALL_TYPES}) WITH ('connector' = 'values', 'data' = '${ALL_DATA.replace(/'/g, "''")}')`);
    await exec(s, `CREATE TABLE t (${ALL_TYPES}) WITH ('connector' = 'filesystem', 'path' = '${dir}/t', 'format' = 'csv')`);
    const r = await exec(s, 'INSERT INTO t SELECT * FROM src');
    expect(r.kind === 'ok' && r.rowCount).toBe(4);
    const expected = await query(s, 'SELECT * FROM src');
    const actual = await query(s, 'SELECT * FROM t');
    expect(sortRows(actual)).toEqual(sortRows(expected));
    // BIGINT beyond 2^53 stays exact
    expect(actual.some((row) => row[4] === 9223372036854775807n)).toBe(true);
    // NULL and the empty string stay apart
    const strings = await query(s, "SELECT vc IS NULL, vc FROM t WHERE i = 3 OR i = -2147483648 OR i IS NULL ORDER BY i NULLS FIRST");
    expect(strings).toEqual([[true, null], [false, ''], [false, '#not a comment']]);
  });

  it('writes the text it reads: quoting, NULL as an empty field, arrays with ;', async () => {
    await exec(s, `CREATE TABLE t (id INT, name STRING, tags ARRAY<STRING>, ts TIMESTAMP(3), ltz TIMESTAMP_LTZ(3)) WITH ('connector' = 'filesystem', 'path' = '${dir}/t', 'format' = 'csv')`);
    await exec(s, `INSERT INTO t VALUES (1, 'a,b', ARRAY['x', 'y'], TIMESTAMP '2024-01-02 03:04:05.123', TO_TIMESTAMP_LTZ(0, 3)), (2, CAST(NULL AS STRING), CAST(NULL AS ARRAY<STRING>), CAST(NULL AS TIMESTAMP(3)), CAST(NULL AS TIMESTAMP_LTZ(3))), (3, 'say "hi"', ARRAY['z'], TIMESTAMP '2024-01-02 03:04:05', TO_TIMESTAMP_LTZ(1000, 3))`);
    const [file] = dataFiles(path.join(dir, 't'));
    expect(file).toMatch(/^part-[0-9a-f-]{36}-0\.csv$/);
    const text = fs.readFileSync(path.join(dir, 't', file!), 'utf8').split('\n').sort().join('\n');
    expect(text).toBe([
      '',
      '1,"a,b",x;y,2024-01-02 03:04:05.123,1970-01-01 00:00:00.000Z',
      '2,,,,',
      '3,"say ""hi""",z,2024-01-02 03:04:05.000,1970-01-01 00:00:01.000Z',
    ].join('\n'));
  });

  it('writes and skips a header line with csv.header', async () => {
    await exec(s, `CREATE TABLE t (id INT, \`the name\` STRING, p STRING) PARTITIONED BY (p) WITH ('connector' = 'filesystem', 'path' = '${dir}/h', 'format' = 'csv', 'csv.header' = 'true')`);
    await exec(s, "INSERT INTO t VALUES (1, 'a', 'x'), (2, 'b', 'x')");
    await exec(s, "INSERT INTO t VALUES (3, 'c', 'x')");
    const files = dataFiles(path.join(dir, 'h'));
    expect(files).toHaveLength(2);
    for (const f of files) expect(fs.readFileSync(path.join(dir, 'h', f), 'utf8').split('\n')[0]).toBe('id,the name');
    expect(await query(s, 'SELECT * FROM t ORDER BY id')).toEqual([[1, 'a', 'x'], [2, 'b', 'x'], [3, 'c', 'x']]);
  });

  it('reads quoted fields across lines, comments, a header, CRLF, a BOM and a last line without a newline', async () => {
    write(path.join(dir, 'in', 'a.csv'), '\uFEFFid;note;amount\r\n# a comment line\r\n1;"two\r\nlines";1.50\r\n2;\'single\';-3\r\n3;"with ; and ""quotes""";\r\n4;plain;7');
    await exec(s, `CREATE TABLE t (id INT, note STRING, amount DECIMAL(5, 2)) WITH ('connector' = 'filesystem', 'path' = '${dir}/in',
      'format' = 'csv', 'csv.field-delimiter' = ';', 'csv.allow-comments' = 'true', 'csv.header' = 'true')`);
    expect(await query(s, 'SELECT * FROM t ORDER BY id')).toEqual([
      [1, 'two\r\nlines', 150],
      [2, "'single'", -300],
      [3, 'with ; and "quotes"', null],
      [4, 'plain', 700],
    ]);
  });

  it('supports a tab delimiter, a null literal, an escape character and disabled quoting', async () => {
    write(path.join(dir, 'tab', 'a.tsv'), '1\tn/a\t"x"\n2\ta\\\tb\tq\\\\\n');
    await exec(s, `CREATE TABLE t (id INT, a STRING, b STRING) WITH ('connector' = 'filesystem', 'path' = '${dir}/tab', 'format' = 'csv',
      'csv.field-delimiter' = '\\t', 'csv.null-literal' = 'n/a', 'csv.escape-character' = '\\\\', 'csv.disable-quote-character' = 'true')`);
    expect(await query(s, 'SELECT * FROM t ORDER BY id')).toEqual([
      [1, null, '"x"'],
      [2, 'a\tb', 'q\\'],
    ]);
    // and the sink escapes what it must
    await exec(s, `CREATE TABLE out (id INT, a STRING, b STRING) WITH ('connector' = 'filesystem', 'path' = '${dir}/out', 'format' = 'csv',
      'csv.field-delimiter' = '\\t', 'csv.null-literal' = 'n/a', 'csv.escape-character' = '\\\\', 'csv.disable-quote-character' = 'true')`);
    await exec(s, 'INSERT INTO out SELECT * FROM t');
    expect(await query(s, 'SELECT * FROM out ORDER BY id')).toEqual([[1, null, '"x"'], [2, 'a\tb', 'q\\']]);
  });

  it('streams large files in chunks, keeping records and line numbers right across chunk boundaries', async () => {
    const lines: string[] = [];
    let sumId = 0;
    let extraLines = 0;
    for (let i = 0; i < 100_000; i++) {
      sumId += i;
      if (i % 7 === 0) extraLines++;
      lines.push(i % 7 === 0 ? `${i},"multi\nline ${i} ${'x'.repeat(20)}",${i * 0.5}` : `${i},name ${i} ${'y'.repeat(20)},${i * 0.5}`);
    }
    const text = lines.join('\n') + '\n';
    expect(text.length).toBeGreaterThan(3 * (1 << 20));
    write(path.join(dir, 'big', 'a.csv'), text);
    await exec(s, `CREATE TABLE t (id INT, name STRING, v DOUBLE) WITH ('connector' = 'filesystem', 'path' = '${dir}/big', 'format' = 'csv')`);
    expect(await query(s, 'SELECT COUNT(*), SUM(id), SUM(v) FROM t')).toEqual([[100_000, sumId, sumId / 2]]);
    expect(await query(s, 'SELECT name FROM t WHERE id = 99995 OR id = 99996 ORDER BY id')).toEqual([[`multi\nline 99995 ${'x'.repeat(20)}`], [`name 99996 ${'y'.repeat(20)}`]]);
    // a bad record at the end: its line number counts the extra lines of quoted fields
    fs.appendFileSync(path.join(dir, 'big', 'a.csv'), '100000,oops\n');
    const e = await failure(s, 'SELECT COUNT(*) FROM t');
    const expectedLine = 100_000 + extraLines + 1;
    expect(e.message).toContain(`${path.join(dir, 'big', 'a.csv')}:${expectedLine}`);
    expect(e.message).toContain('expected 3 fields (id, name, v), found 2');
  });

  it('parses numbers exactly as JavaScript does', async () => {
    const texts = ['1e5', '.5', '5.', '-0', '+3', '1.7976931348623157e308', '0.1', '123456789012345.6', '9007199254740993', '1E-7', '-2.5e+3', ' 42 ', '4.9e-324'];
    write(path.join(dir, 'n', 'a.csv'), texts.map((t, i) => `${i},${t}`).join('\n'));
    await exec(s, `CREATE TABLE t (i INT, d DOUBLE) WITH ('connector' = 'filesystem', 'path' = '${dir}/n', 'format' = 'csv')`);
    const rows = await query(s, 'SELECT i, d FROM t ORDER BY i');
    expect(rows.map((r) => r[1])).toEqual(texts.map((t) => Number(t)));
    write(path.join(dir, 'n', 'b.csv'), '99,0x10\n');
    expect((await failure(s, 'SELECT * FROM t')).message).toContain("b.csv:1: column d: cannot read '0x10' as DOUBLE");
  });

  it('fails on a malformed record with the file, the line and what to do', async () => {
    write(path.join(dir, 'bad', 'x.csv'), '1,a\n2,b\nthree,c\n4,d\n');
    await exec(s, `CREATE TABLE t (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = '${dir}/bad', 'format' = 'csv')`);
    const e = await failure(s, 'SELECT * FROM t');
    expect(e.sqlState).toBe('22P04');
    expect(e.message).toBe(`malformed record at ${path.join(dir, 'bad', 'x.csv')}:3: column id: cannot read 'three' as INT`);
    expect(e.hint).toContain("'csv.ignore-parse-errors' = 'true'");
  });

  it('skips and counts malformed records with csv.ignore-parse-errors', async () => {
    write(path.join(dir, 'bad', 'x.csv'), '1,a\n2\n"unterminated,x\n');
    write(path.join(dir, 'bad', 'y.csv'), '3,c\n99999999999,d\n4,e,extra\n5,"q"x\n6,f\n');
    await exec(s, `CREATE TABLE t (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = '${dir}/bad', 'format' = 'csv', 'csv.ignore-parse-errors' = 'true')`);
    const r = await s.execute('SELECT * FROM t ORDER BY id');
    expect(r.kind === 'rows' && r.rows).toEqual([[1, 'a'], [3, 'c'], [6, 'f']]);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^skipped 5 malformed record\(s\); first at .*x\.csv:2: expected 2 fields \(id, name\), found 1$/);
  });

  it('rejects columns CSV cannot hold and options of other formats', async () => {
    await exec(s, `CREATE TABLE m (id INT, m MAP<STRING, INT>) WITH ('connector' = 'filesystem', 'path' = '${dir}/m', 'format' = 'csv')`);
    const e = await failure(s, 'SELECT * FROM m');
    expect(e.message).toContain("format 'csv' cannot store column m MAP<STRING, INT>");
    expect((await failure(s, `CREATE TABLE j (id INT) WITH ('connector' = 'filesystem', 'path' = '${dir}/j', 'format' = 'json', 'csv.header' = 'true')`)).message).toContain("uses format 'json' but sets 'csv.header'");
    await exec(s, `CREATE TABLE q (id INT) WITH ('connector' = 'filesystem', 'path' = '${dir}/q', 'format' = 'csv', 'csv.field-delimiter' = ';;')`);
    expect((await failure(s, 'SELECT * FROM q')).message).toContain("option 'csv.field-delimiter' of table");
  });
});
