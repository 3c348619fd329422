/** node-postgres against the server, in text and in binary result format. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startServer, type TestServer } from './server-kit.ts';

let ts: TestServer;

beforeAll(async () => {
  ts = await startServer();
  const s = ts.engine.createSession({ 'execution.runtime-mode': 'batch' });
  await s.execute('CREATE TABLE typed (b BOOLEAN, i SMALLINT, n INT, big BIGINT, f FLOAT, d DOUBLE, dec DECIMAL(12, 3), s STRING, v VARCHAR(10), '
    + 'dt DATE, ts TIMESTAMP(6), ltz TIMESTAMP_LTZ(3), bin BYTES)');
  await s.execute("INSERT INTO typed VALUES (TRUE, CAST(-7 AS SMALLINT), 42, 9007199254740993, CAST(0.1 AS FLOAT), 0.1, CAST(-1234.5 AS DECIMAL(12, 3)), 'héllo', 'v', "
    + "DATE '2024-02-29', TIMESTAMP '2024-01-02 03:04:05.123456', TIMESTAMP_LTZ '2024-01-02 03:04:05.5', X'00ff10')");
  const types = ['BOOLEAN', 'SMALLINT', 'INT', 'BIGINT', 'FLOAT', 'DOUBLE', 'DECIMAL(12, 3)', 'STRING', 'VARCHAR(10)', 'DATE', 'TIMESTAMP(6)', 'TIMESTAMP_LTZ(3)', 'BYTES'];
  await s.execute(`INSERT INTO typed VALUES (${types.map((t) => `CAST(NULL AS ${t})`).join(', ')})`);
});

afterAll(async () => {
  await ts.close();
});

async function withClient<T>(binary: boolean, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  // `binary` is a node-postgres option its type definitions leave out
  const c = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'app', database: 'freshet', binary } as pg.ClientConfig);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const expected = {
  b: true, i: -7, n: 42, big: '9007199254740993', f: 0.1, d: 0.1, dec: '-1234.500', s: 'héllo', v: 'v',
  dt: new Date(Date.UTC(2024, 1, 29)), ts: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 123)), ltz: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 500)),
  bin: Buffer.from([0, 255, 16]),
};

describe.each([false, true])('node-postgres (binary: %s)', (binary) => {
  it('reads every type', async () => {
    await withClient(binary, async (c) => {
      // node-postgres asks for binary results only in the extended protocol, i.e. with parameters
      const r = await c.query('SELECT * FROM typed WHERE $1 = 1 ORDER BY n NULLS LAST', [1]);
      expect(r.rows).toHaveLength(2);
      const row = r.rows[0];
      // float4 0.1 reads back as the float32 value in binary, as its shortest text in text format;
      // node-postgres turns binary numeric into a JavaScript number
      if (binary) {
        // node-postgres reads every field as a UTF-8 string before its binary parser sees it, which garbles
        // bytes >= 0x80; compare only values whose encoding survives that (binary-format.test.ts checks bytes)
        expect(r.fields.every((f) => f.format === 'binary')).toBe(true);
        expect({ b: row.b, n: row.n, big: row.big, s: row.s, v: row.v }).toEqual({ b: true, n: 42, big: '9007199254740993', s: 'héllo', v: 'v' });
      } else {
        expect(row).toEqual(expected);
      }
      expect(Object.values(r.rows[1]).every((v) => v === null)).toBe(true);
      expect(r.fields.map((f) => f.dataTypeID)).toEqual([16, 21, 23, 20, 700, 701, 1700, 25, 1043, 1082, 1114, 1184, 17]);
    });
  });

  it('binds parameters of every kind', async () => {
    await withClient(binary, async (c) => {
      const r = await c.query('SELECT n, s FROM typed WHERE n = $1 AND s = $2 AND b = $3 AND dt = $4', [42, 'héllo', true, '2024-02-29']);
      expect(r.rows).toEqual([{ n: 42, s: 'héllo' }]);
      const nulls = await c.query('SELECT COUNT(*) AS c FROM typed WHERE n = $1', [null]);
      expect(Number(nulls.rows[0].c)).toBe(0);
    });
  });

  it('inserts with parameters and reports the row count', async () => {
    await withClient(binary, async (c) => {
      await c.query('CREATE TABLE IF NOT EXISTS ins (id INT, name STRING, amount DECIMAL(10, 2))');
      const id = binary ? 8 : 7;
      const r = await c.query('INSERT INTO ins VALUES ($1, $2, $3)', [id, "O'Brien", '12.25']);
      expect(r.command).toBe('INSERT');
      expect(r.rowCount).toBe(1);
      const back = await c.query('SELECT * FROM ins WHERE id = $1', [id]);
      expect(back.rows).toEqual([{ id, name: "O'Brien", amount: binary ? 12.25 : '12.25' }]);
    });
  });

  it('reports errors with SQLSTATE, position and hint', async () => {
    await withClient(binary, async (c) => {
      const e = await c.query('SELECT nn FROM typed').catch((x: unknown) => x) as pg.DatabaseError;
      expect(e.code).toBe('42703');
      expect(e.position).toBe('8');
      expect(e.hint).toContain('n');
      // the connection is still usable
      expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    });
  });
});

describe('settings over node-postgres', () => {
  it('SET and SHOW share Postgres GUCs and Freshet options, and TimeZone changes timestamptz output', async () => {
    await withClient(false, async (c) => {
      await c.query("SET TIME ZONE 'Asia/Kolkata'");
      expect((await c.query('SHOW TimeZone')).rows).toEqual([{ TimeZone: 'Asia/Kolkata' }]);
      expect((await c.query("SHOW 'table.local-time-zone'")).rows[0]['table.local-time-zone']).toBe('Asia/Kolkata');
      const r = await c.query({ text: 'SELECT ltz FROM typed WHERE n = 42', rowMode: 'array', types: { getTypeParser: () => (v: string) => v } as any });
      expect(r.rows).toEqual([['2024-01-02 08:34:05.5+05:30']]);
      await c.query("SET 'table.exec.state.ttl' TO '1 h'");
      const all = await c.query('SHOW ALL');
      const names = all.rows.map((x) => x.name);
      expect(names).toContain('table.exec.state.ttl');
      expect(names).toContain('DateStyle');
      const e = await c.query('SET no_such_thing = 1').catch((x: unknown) => x) as pg.DatabaseError;
      expect(e.code).toBe('42704');
    });
  });

  it('refuses a SELECT over an unbounded table unless LIMIT bounds it', async () => {
    await withClient(false, async (c) => {
      await c.query("CREATE TABLE endless (x INT) WITH ('connector' = 'datagen', 'rows-per-second' = '100000')");
      const e = await c.query('SELECT * FROM endless').catch((x: unknown) => x) as pg.DatabaseError;
      expect(e.code).toBe('0A000');
      expect(e.hint).toContain('LIMIT');
      const r = await c.query('SELECT x FROM endless LIMIT 3');
      expect(r.rows).toHaveLength(3);
    });
  });
});
