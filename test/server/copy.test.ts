/**
 * COPY over the wire: FROM STDIN in text and csv (chunked any way, bad rows, CopyFail), TO STDOUT for a
 * table and a query, and psql's \copy both ways. Rows loaded are read back with node-postgres (an
 * independent decoder), and random rows round-trip through an encoder written here from Postgres'
 * rules (a second, independent implementation of the format).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { RawClient, serialize, startServer, type TestServer } from './server-kit.ts';
import { CopyInSource } from '../../src/server/copy/copy-in.ts';
import { T } from '../../src/types/data-type.ts';

const PSQL = ['/usr/bin/psql', '/usr/lib/postgresql/15/bin/psql'].find((p) => existsSync(p));

let ts: TestServer;
let client: pg.Client;

beforeAll(async () => {
  ts = await startServer();
  client = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'copier', database: 'freshet' });
  await client.connect();
});

afterAll(async () => {
  await client.end();
  await ts.close();
});

/** Runs a COPY .. FROM STDIN on a raw connection, sending `chunks` as CopyData; returns what came back. */
async function copyIn(c: RawClient, sql: string, chunks: Array<string | Buffer>, end: 'done' | { fail: string } = 'done') {
  const from = c.messages.length;
  c.send(serialize.query(sql));
  await c.waitUntil(() => c.messages.slice(from).some((m) => m.name === 'copyInResponse' || m.name === 'readyForQuery'));
  const started = c.messages.slice(from).some((m) => m.name === 'copyInResponse');
  if (started) {
    for (const ch of chunks) c.send(serialize.copyData(Buffer.isBuffer(ch) ? ch : Buffer.from(ch, 'utf8')));
    c.send(end === 'done' ? serialize.copyDone() : serialize.copyFail(end.fail));
    await c.waitUntil(() => c.messages.slice(from).filter((m) => m.name === 'readyForQuery').length >= 1);
  }
  const msgs = c.messages.slice(from);
  const error = msgs.find((m) => m.name === 'error') as any;
  const complete = msgs.find((m) => m.name === 'commandComplete') as any;
  return { started, error, tag: complete?.text as string | undefined, names: msgs.map((m) => m.name) };
}

/** Runs a COPY .. TO STDOUT; returns the data as text. */
async function copyOut(c: RawClient, sql: string): Promise<{ data: string; tag?: string; error?: any; columns?: number }> {
  const from = c.messages.length;
  c.send(serialize.query(sql));
  await c.waitUntil(() => c.messages.slice(from).some((m) => m.name === 'readyForQuery'));
  const msgs = c.messages.slice(from);
  const data = Buffer.concat(msgs.filter((m) => m.name === 'copyData').map((m: any) => m.chunk)).toString('utf8');
  const resp = msgs.find((m) => m.name === 'copyOutResponse') as any;
  return { data, tag: (msgs.find((m) => m.name === 'commandComplete') as any)?.text, error: msgs.find((m) => m.name === 'error'), columns: resp?.columnTypes.length };
}

/** Splits a buffer at the given cut points (in any byte, also inside a UTF-8 character). */
function cut(buf: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.map((p) => p % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of at) {
    if (p > prev) out.push(buf.subarray(prev, p));
    prev = Math.max(prev, p);
  }
  if (prev < buf.length) out.push(buf.subarray(prev));
  return out;
}

// The formats as Postgres documents them, written independently of the server's encoder.
const textField = (v: string | null): string => (v === null ? '\\N' : v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t'));
const csvField = (v: string | null): string => (v === null ? '' : `"${v.replace(/"/g, '""')}"`);

describe('COPY FROM STDIN', () => {
  it('loads text format with escapes and NULLs, in one INSERT', async () => {
    await client.query('CREATE TABLE t_text (id INT, name STRING, price DECIMAL(6, 2), ok BOOLEAN, day DATE, at TIMESTAMP(3), raw BYTES)');
    const c = await RawClient.ready(ts.port);
    const r = await copyIn(c, 'COPY t_text FROM STDIN', [
      '1\ttab\\there\t1.50\tt\t2024-02-29\t2024-01-02 03:04:05.5\t\\\\x00ff\n',
      '2\tline\\nbreak and back\\\\slash\t\\N\tf\t\\N\t\\N\t\\N\n3\t\\N\t-0.01\ttrue\t1999-12-31\t1999-12-31 23:59:59\t\\\\x\n',
    ]);
    expect(r.error).toBeUndefined();
    expect(r.tag).toBe('COPY 3');
    const { rows } = await client.query('SELECT id, name, price, ok, day, at, raw FROM t_text ORDER BY id');
    expect(rows.map((x) => [x.id, x.name, x.price, x.ok, x.day?.toISOString?.().slice(0, 10) ?? null, x.raw?.toString('hex') ?? null])).toEqual([
      [1, 'tab\there', '1.50', true, '2024-02-29', '00ff'],
      [2, 'line\nbreak and back\\slash', null, false, null, null],
      [3, null, '-0.01', true, '1999-12-31', ''],
    ]);
    c.end();
  });

  it('loads csv with a header, quoted delimiters, quotes and line breaks, a column list, and custom options', async () => {
    await client.query('CREATE TABLE t_csv (id INT, name STRING, note STRING)');
    const c = await RawClient.ready(ts.port);
    let r = await copyIn(c, 'COPY t_csv (id, name, note) FROM STDIN WITH (FORMAT csv, HEADER)', [
      'id,name,note\n1,"kiwi, green","say ""hi"""\r\n2,,""\n3,"multi\nline",x\n',
    ]);
    expect(r.error).toBeUndefined();
    expect(r.tag).toBe('COPY 3');
    // the spelling psql users type, with a delimiter and a NULL marker
    r = await copyIn(c, "COPY t_csv (note, id) FROM STDIN WITH CSV DELIMITER ';' NULL 'NA'", ['NA;4\n"NA";5\n']);
    expect(r.error).toBeUndefined();
    const { rows } = await client.query('SELECT id, name, note FROM t_csv ORDER BY id');
    expect(rows).toEqual([
      { id: 1, name: 'kiwi, green', note: 'say "hi"' },
      { id: 2, name: null, note: '' },
      { id: 3, name: 'multi\nline', note: 'x' },
      { id: 4, name: null, note: null },
      { id: 5, name: null, note: 'NA' },
    ]);
    c.end();
  });

  it('loads any table an INSERT can write: a filesystem csv table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-copy-fs-'));
    try {
      await client.query(`CREATE TABLE t_files (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = '${dir}', 'format' = 'csv')`);
      const c = await RawClient.ready(ts.port);
      const r = await copyIn(c, 'COPY t_files FROM STDIN WITH (FORMAT csv)', ['1,one\n2,two\n']);
      expect(r.tag).toBe('COPY 2');
      expect((await client.query('SELECT id, name FROM t_files ORDER BY id')).rows).toEqual([{ id: 1, name: 'one' }, { id: 2, name: 'two' }]);
      c.end();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads random rows split across CopyData messages at any byte (text and csv)', async () => {
    await client.query('CREATE TABLE t_prop (id INT, s STRING, b BOOLEAN)');
    const c = await RawClient.ready(ts.port);
    const value = fc.option(fc.string({ unit: fc.constantFrom('a', 'é', '😀', '\t', '\n', '\r', '\\', ',', '"', ' ', 'N', '.'), maxLength: 12 }), { nil: null });
    let id = 0;
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(value, fc.option(fc.boolean(), { nil: null })), { minLength: 1, maxLength: 20 }),
      fc.boolean(),
      fc.array(fc.nat(), { maxLength: 12 }),
      async (rows, csv, cuts) => {
        const first = id;
        const lines = rows.map(([s, b]) => {
          const fields = [String(id++), s, b === null ? null : b ? 't' : 'f'];
          return (csv ? fields.map((f, i) => (i === 1 ? csvField(f) : f ?? '')) : fields.map((f) => textField(f))).join(csv ? ',' : '\t');
        });
        const data = Buffer.from(lines.join('\n') + '\n', 'utf8');
        const r = await copyIn(c, `COPY t_prop FROM STDIN${csv ? ' WITH (FORMAT csv)' : ''}`, cut(data, cuts));
        expect(r.error).toBeUndefined();
        expect(r.tag).toBe(`COPY ${rows.length}`);
        const back = await client.query('SELECT id, s, b FROM t_prop WHERE id >= $1 ORDER BY id', [first]);
        expect(back.rows.map((x) => [x.s, x.b])).toEqual(rows);
      },
    ), { seed: 20240229, numRuns: 30 });
    c.end();
  });

  it('rejects a bad value with 22P02 naming the line and column, and writes nothing', async () => {
    await client.query('CREATE TABLE t_bad (id INT, qty INT)');
    const c = await RawClient.ready(ts.port);
    const r = await copyIn(c, 'COPY t_bad FROM STDIN', ['1\t2\n2\t3\n3\tlots\n4\t5\n']);
    expect(r.error.code).toBe('22P02');
    expect(r.error.message).toBe('COPY t_bad, line 3, column qty: invalid input syntax for type INT: "lots"');
    expect(r.tag).toBeUndefined();
    expect((await client.query('SELECT COUNT(*) AS n FROM t_bad')).rows[0].n).toBe('0');
    // the data the client still sends after the error is dropped, and the session goes on
    c.send(serialize.copyData(Buffer.from('9\t9\n')), serialize.copyDone());
    c.send(serialize.query('SELECT 1 AS one'));
    await c.waitFor('readyForQuery', 3);
    expect(c.messages.filter((m) => m.name === 'error')).toHaveLength(1);
    expect(c.messages.filter((m) => m.name === 'dataRow')).toHaveLength(1);
    c.end();
  });

  it('refuses NULL for a NOT NULL column, naming the line and column', async () => {
    await client.query('CREATE TABLE t_nn (id INT NOT NULL, v STRING, PRIMARY KEY (id) NOT ENFORCED)');
    const c = await RawClient.ready(ts.port);
    const r = await copyIn(c, 'COPY t_nn FROM STDIN', ['1\ta\n\\N\tb\n']);
    expect([r.error.code, r.error.message]).toEqual(['22004', 'COPY t_nn, line 2, column id: the column is NOT NULL but the value is NULL']);
    const missing = await copyIn(c, 'COPY t_nn (v) FROM STDIN', []);
    expect([missing.started, missing.error.code]).toEqual([false, '22004']);
    expect((await client.query('SELECT COUNT(*) AS n FROM t_nn')).rows[0].n).toBe('0');
    c.end();
  });

  it('says which line has too many or too few fields (22P04) and what is unterminated', async () => {
    await client.query('CREATE TABLE t_shape (a INT, b STRING)');
    const c = await RawClient.ready(ts.port);
    let r = await copyIn(c, 'COPY t_shape FROM STDIN', ['1\tx\n2\ty\tz\n']);
    expect([r.error.code, r.error.message]).toEqual(['22P04', 'COPY t_shape, line 2: extra data after last expected column']);
    r = await copyIn(c, 'COPY t_shape FROM STDIN WITH (FORMAT csv)', ['1,x\n2\n']);
    expect([r.error.code, r.error.message]).toEqual(['22P04', 'COPY t_shape, line 2: missing data for column b']);
    r = await copyIn(c, 'COPY t_shape FROM STDIN WITH (FORMAT csv)', ['1,"open\n']);
    expect(r.error.code).toBe('22P04');
    expect(r.error.message).toContain('unterminated CSV quoted field');
    expect((await client.query('SELECT COUNT(*) AS n FROM t_shape')).rows[0].n).toBe('0');
    c.end();
  });

  it('CopyFail aborts with 57014 and nothing written; the \\. marker ends the data', async () => {
    await client.query('CREATE TABLE t_fail (a INT)');
    const c = await RawClient.ready(ts.port);
    let r = await copyIn(c, 'COPY t_fail FROM STDIN', ['1\n2\n'], { fail: 'user said no' });
    expect([r.error.code, r.error.message]).toEqual(['57014', 'COPY from stdin failed: user said no']);
    expect((await client.query('SELECT COUNT(*) AS n FROM t_fail')).rows[0].n).toBe('0');
    r = await copyIn(c, 'COPY t_fail FROM STDIN', ['7\n8\n\\.\nignored\n']);
    expect(r.tag).toBe('COPY 2');
    c.end();
  });

  it('a CancelRequest ends a COPY that waits for data at once, with nothing written', async () => {
    await client.query('CREATE TABLE t_cancel (a INT)');
    const c = await RawClient.ready(ts.port);
    const from = c.messages.length;
    c.send(serialize.query('COPY t_cancel FROM STDIN'));
    await c.waitUntil(() => c.messages.slice(from).some((m) => m.name === 'copyInResponse'));
    c.send(serialize.copyData(Buffer.from('1\n2\n')));
    const key = c.messages.find((m) => m.name === 'backendKeyData') as any;
    const k = await RawClient.connect(ts.port);
    k.send(serialize.cancel(key.processID, key.secretKey));
    await c.waitUntil(() => c.messages.slice(from).some((m) => m.name === 'readyForQuery'));
    expect(c.namesFrom(from)).toEqual(['copyInResponse', 'error', 'readyForQuery']);
    expect((c.messages.find((m) => m.name === 'error') as any).code).toBe('57014');
    // what the client sends for the cancelled COPY is dropped
    c.send(serialize.copyData(Buffer.from('3\n')), serialize.copyDone(), serialize.query('SELECT COUNT(*) AS n FROM t_cancel'));
    await c.waitFor('readyForQuery', 3);
    expect((c.messages.filter((m) => m.name === 'dataRow').at(-1) as any).fields).toEqual(['0']);
    c.end();
  });

  it('errors before CopyInResponse for unknown tables and columns, bad options and files on the server', async () => {
    const c = await RawClient.ready(ts.port);
    const cases: Array<[string, string, string]> = [
      ['COPY nope FROM STDIN', '42P01', 'nope'],
      ['COPY t_fail (zz) FROM STDIN', '42703', 'zz'],
      ['COPY t_fail FROM STDIN WITH (FORMAT binary)', '0A000', 'binary'],
      ["COPY t_fail FROM STDIN WITH (DELIMITER 'ab')", '22023', 'single one-byte character'],
      ["COPY t_fail FROM STDIN WITH (QUOTE '''')", '0A000', 'CSV mode'],
      ["COPY t_fail FROM '/etc/passwd'", '0A000', 'file on the server'],
      ['COPY t_fail FROM STDIN WITH (FORMAT csv, FORMAT text)', '42601', 'twice'],
    ];
    for (const [sql, code, text] of cases) {
      const r = await copyIn(c, sql, []);
      expect(r.started, sql).toBe(false);
      expect(r.error?.code, sql).toBe(code);
      expect(r.error.message, sql).toContain(text);
    }
    const r = await copyIn(c, "COPY t_fail FROM STDIN WITH (DELIMITER 'ab')", []);
    expect(r.error.position).toBe('30');
    c.end();
  });

  it('runs through the extended protocol: Execute starts the copy, Sync ends the exchange', async () => {
    await client.query('CREATE TABLE t_ext (a INT, b STRING)');
    const c = await RawClient.ready(ts.port);
    const from = c.messages.length;
    c.send(serialize.parse({ text: 'COPY t_ext FROM STDIN WITH (FORMAT csv)' }), serialize.bind({}), serialize.describe({ type: 'P' }), serialize.execute({}));
    await c.waitUntil(() => c.messages.slice(from).some((m) => m.name === 'copyInResponse'));
    c.send(serialize.copyData(Buffer.from('1,x\n2,')), serialize.copyData(Buffer.from('y\n')), serialize.flush(), serialize.copyDone(), serialize.sync());
    await c.waitUntil(() => c.messages.slice(from).some((m) => m.name === 'readyForQuery'));
    expect(c.namesFrom(from)).toEqual(['parseComplete', 'bindComplete', 'noData', 'copyInResponse', 'commandComplete', 'readyForQuery']);
    // an error in the data: everything up to Sync is dropped, then ReadyForQuery
    const at = c.messages.length;
    c.send(serialize.parse({ text: 'COPY t_ext FROM STDIN' }), serialize.bind({}), serialize.execute({}));
    await c.waitUntil(() => c.messages.slice(at).some((m) => m.name === 'copyInResponse'));
    c.send(serialize.copyData(Buffer.from('oops\n3\tz\n')), serialize.copyDone(), serialize.sync());
    await c.waitUntil(() => c.messages.slice(at).some((m) => m.name === 'readyForQuery'));
    expect(c.namesFrom(at)).toEqual(['parseComplete', 'bindComplete', 'copyInResponse', 'error', 'readyForQuery']);
    expect((await client.query('SELECT a, b FROM t_ext ORDER BY a')).rows).toEqual([{ a: 1, b: 'x' }, { a: 2, b: 'y' }]);
    c.end();
  });

  it('loads a large copy in batches: 200,000 rows in 64 KiB messages', async () => {
    await client.query('CREATE TABLE t_big (id BIGINT, s STRING)');
    const c = await RawClient.ready(ts.port);
    const lines: string[] = [];
    for (let i = 0; i < 200_000; i++) lines.push(`${i}\trow ${i}\n`);
    const data = Buffer.from(lines.join(''));
    const chunks: Buffer[] = [];
    for (let i = 0; i < data.length; i += 65536) chunks.push(data.subarray(i, i + 65536));
    const r = await copyIn(c, 'COPY t_big FROM STDIN', chunks);
    expect(r.error).toBeUndefined();
    expect(r.tag).toBe('COPY 200000');
    const { rows } = await client.query('SELECT COUNT(*) AS n, SUM(id) AS s FROM t_big');
    expect(rows[0]).toEqual({ n: '200000', s: String((199_999 * 200_000) / 2) });
    c.end();
  });

  it('holds at most two batches between the connection and the INSERT', async () => {
    const src = new CopyInSource([{ name: 'a', type: T.int() }], 't');
    const batch = { columns: [{ values: new Int32Array([1]), nulls: null }], length: 1, kinds: null };
    expect(src.offer(batch)).toBeUndefined();
    const full = src.offer(batch);
    expect(full).toBeInstanceOf(Promise);
    let freed = false;
    void (full as Promise<void>).then(() => { freed = true; });
    const it = src.open({ columns: [0], predicates: [] }, { timeZone: 'UTC', batchSize: 1024, isCancelled: () => false, countSkipped: () => {} })[Symbol.asyncIterator]();
    await it.next();
    await Promise.resolve();
    expect(freed).toBe(true);
    src.finish();
    expect((await it.next()).done).toBe(false);
    expect((await it.next()).done).toBe(true);
  });
});

describe('COPY TO STDOUT', () => {
  it('writes a table and a query in text and csv, escaping and marking NULLs', async () => {
    await client.query("CREATE TABLE t_out (id INT, s STRING, d DECIMAL(5, 1))");
    await client.query("INSERT INTO t_out VALUES (1, 'tab\there', 1.5), (2, 'a,b \"q\"', CAST(NULL AS DECIMAL(5, 1))), (3, '', 0), (4, CAST(NULL AS STRING), -2), (5, 'back\\slash\nnl', 3)");
    const c = await RawClient.ready(ts.port);
    const text = await copyOut(c, 'COPY (SELECT * FROM t_out ORDER BY id) TO STDOUT');
    expect(text.tag).toBe('COPY 5');
    expect(text.columns).toBe(3);
    expect(text.data).toBe('1\ttab\\there\t1.5\n2\ta,b "q"\t\\N\n3\t\t0.0\n4\t\\N\t-2.0\n5\tback\\\\slash\\nnl\t3.0\n');
    const csv = await copyOut(c, 'COPY (SELECT * FROM t_out ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)');
    expect(csv.data).toBe('id,s,d\n1,tab\there,1.5\n2,"a,b ""q""",\n3,"",0.0\n4,,-2.0\n5,"back\\slash\nnl",3.0\n');
    const cols = await copyOut(c, "COPY t_out (d, id) TO STDOUT WITH (FORMAT csv, DELIMITER ';', NULL 'NULL')");
    expect(cols.data.split('\n').filter(Boolean).sort()).toEqual(['-2.0;4', '0.0;3', '1.5;1', '3.0;5', 'NULL;2']);
    // what COPY TO writes, COPY FROM reads back to the same rows
    for (const fmt of ['text', 'csv']) {
      await client.query(`CREATE TABLE t_out_${fmt} (id INT, s STRING, d DECIMAL(5, 1))`);
      const out = await copyOut(c, `COPY t_out TO STDOUT WITH (FORMAT ${fmt})`);
      const back = await copyIn(c, `COPY t_out_${fmt} FROM STDIN WITH (FORMAT ${fmt})`, [out.data]);
      expect(back.tag).toBe('COPY 5');
      const a = await client.query('SELECT * FROM t_out ORDER BY id');
      const b = await client.query(`SELECT * FROM t_out_${fmt} ORDER BY id`);
      expect(b.rows).toEqual(a.rows);
    }
    c.end();
  });

  it('reports an error in the query before CopyOutResponse', async () => {
    const c = await RawClient.ready(ts.port);
    const r = await copyOut(c, 'COPY (SELECT nope FROM t_out) TO STDOUT');
    expect(r.error.code).toBe('42703');
    expect(r.columns).toBeUndefined();
    c.end();
  });
});

interface Run { code: number; stdout: string; stderr: string }

function psql(port: number, input: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(PSQL!, ['-h', '127.0.0.1', '-p', String(port), '-U', 'alice', '-d', 'freshet', '-X', '-q', '-v', 'ON_ERROR_STOP=1'], {
      env: { PATH: process.env.PATH ?? '', PGCONNECT_TIMEOUT: '10' }, timeout: 60_000,
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
    child.stdin!.end(input);
  });
}

describe.skipIf(!PSQL)('psql \\copy', () => {
  it('loads a file into a table and writes a query to a file, both ways', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-copy-'));
    try {
      const input = join(dir, 'in.csv');
      const output = join(dir, 'out.csv');
      writeFileSync(input, 'name,qty\napple,3\n"pear, william",10\nfig,\n');
      const r = await psql(ts.port, [
        'CREATE TABLE psql_fruit (name STRING, qty INT);',
        `\\copy psql_fruit from '${input}' with (format csv, header)`,
        `\\copy (SELECT * FROM psql_fruit ORDER BY name) to '${output}' with csv header`,
        `\\copy psql_fruit to stdout`,
      ].join('\n'));
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(readFileSync(output, 'utf8')).toBe('name,qty\napple,3\nfig,\n"pear, william",10\n');
      expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['apple\t3', 'fig\t\\N', 'pear, william\t10']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows a bad line as psql shows errors, and the table stays empty', async () => {
    const r = await psql(ts.port, 'CREATE TABLE psql_bad (n INT);\nCOPY psql_bad FROM STDIN;\n1\n2x\n\\.\n');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('ERROR:  COPY psql_bad, line 2, column n: invalid input syntax for type INT: "2x"');
    expect((await client.query('SELECT COUNT(*) AS n FROM psql_bad')).rows[0].n).toBe('0');
  });
});
