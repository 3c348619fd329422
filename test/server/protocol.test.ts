/** The wire protocol played message by message: startup, pipelining, portals, errors, limits, cancel. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { RawClient, serialize, startServer, type TestServer } from './server-kit.ts';

let ts: TestServer;

beforeAll(async () => {
  ts = await startServer({ 'max-message-size': 1 << 20, 'max-connections': 20 });
  const c = await RawClient.ready(ts.port);
  c.send(serialize.query("CREATE TABLE nums (n INT, s STRING); INSERT INTO nums VALUES (1, 'one'), (2, 'two'), (3, 'three'), (4, 'four'), (5, 'five')"));
  await c.waitFor('readyForQuery', 2);
  expect(c.names()).not.toContain('error');
  c.end();
});

afterAll(async () => {
  await ts.close();
});

describe('startup', () => {
  it('sends the parameter statuses, a backend key and ReadyForQuery', async () => {
    const c = await RawClient.ready(ts.port, { application_name: 'probe' });
    const params = Object.fromEntries(c.messages.filter((m) => m.name === 'parameterStatus').map((m) => [(m as any).parameterName, (m as any).parameterValue]));
    expect(params).toMatchObject({
      server_version: '15.0', server_encoding: 'UTF8', client_encoding: 'UTF8', DateStyle: 'ISO, MDY', IntervalStyle: 'postgres',
      integer_datetimes: 'on', standard_conforming_strings: 'on', application_name: 'probe', session_authorization: 'tester', freshet_version: 'test',
    });
    expect(params['TimeZone']).toBeTruthy();
    const key = c.messages.find((m) => m.name === 'backendKeyData') as any;
    expect(key.processID).toBeGreaterThan(0);
    expect((c.messages.at(-1) as any).status).toBe('I');
    c.end();
  });

  it('answers SSLRequest with N when TLS is not configured, then continues in clear', async () => {
    const c = await RawClient.connect(ts.port);
    c.expectRawBytes(1);
    c.send(serialize.requestSsl());
    await c.waitUntil(() => c.rawBytes.length === 1);
    expect(c.rawBytes[0]!.toString()).toBe('N');
    c.send(serialize.startup({ user: 'u', database: 'freshet' }));
    await c.waitFor('readyForQuery');
    c.end();
  });

  it('refuses an unknown database, naming the catalogs', async () => {
    const c = await RawClient.connect(ts.port);
    c.send(serialize.startup({ user: 'u', database: 'nope' }));
    await c.waitFor('error');
    const e = c.messages.find((m) => m.name === 'error') as any;
    expect(e.code).toBe('3D000');
    expect(e.hint).toContain('default_catalog');
    await c.waitClosed();
  });

  it('accepts a catalog and catalog.database as the database', async () => {
    for (const db of ['default_catalog', 'default_catalog.default_database']) {
      const c = await RawClient.ready(ts.port, { database: db });
      c.send(serialize.query('SELECT COUNT(*) FROM nums'));
      await c.waitFor('readyForQuery', 2);
      expect((c.messages.find((m) => m.name === 'dataRow') as any).fields).toEqual(['5']);
      c.end();
    }
  });

  it('refuses an unsupported protocol version', async () => {
    const c = await RawClient.connect(ts.port);
    const b = Buffer.alloc(8);
    b.writeInt32BE(8, 0);
    b.writeInt32BE(2 << 16, 4);
    c.send(b);
    await c.waitFor('error');
    expect((c.messages[0] as any).code).toBe('0A000');
    await c.waitClosed();
  });
});

describe('simple query', () => {
  it('runs several statements with one ReadyForQuery and the right tags', async () => {
    const c = await RawClient.ready(ts.port);
    c.take();
    c.send(serialize.query("SELECT n FROM nums WHERE n < 3; SET application_name = 'x'; SHOW application_name; BEGIN; SELECT 'a;b' -- ;\n; COMMIT"));
    await c.waitFor('readyForQuery');
    const tags = c.messages.filter((m) => m.name === 'commandComplete').map((m) => (m as any).text);
    expect(tags).toEqual(['SELECT 2', 'SET', 'SHOW', 'BEGIN', 'SELECT 1', 'COMMIT']);
    expect(c.messages.filter((m) => m.name === 'readyForQuery')).toHaveLength(1);
    expect(c.messages.some((m) => m.name === 'parameterStatus' && (m as any).parameterName === 'application_name' && (m as any).parameterValue === 'x')).toBe(true);
    c.end();
  });

  it('stops at the first error and gives its position in the whole message', async () => {
    const c = await RawClient.ready(ts.port);
    c.take();
    const sql = 'SELECT 1;\nSELECT nope FROM nums; SELECT 2';
    c.send(serialize.query(sql));
    await c.waitFor('readyForQuery');
    const e = c.messages.find((m) => m.name === 'error') as any;
    expect(e.code).toBe('42703');
    expect(Number(e.position)).toBe(sql.indexOf('nope') + 1);
    expect(c.messages.filter((m) => m.name === 'commandComplete')).toHaveLength(1);
    c.end();
  });

  it('answers an empty query with EmptyQueryResponse', async () => {
    const c = await RawClient.ready(ts.port);
    c.take();
    c.send(serialize.query('  -- nothing\n '));
    await c.waitFor('readyForQuery');
    expect(c.names()).toEqual(['emptyQuery', 'readyForQuery']);
    c.end();
  });

  it('tracks transaction status I, T, E and refuses statements in a failed transaction', async () => {
    const c = await RawClient.ready(ts.port);
    c.take();
    const status = async (sql: string): Promise<string> => {
      const n = c.messages.length;
      c.send(serialize.query(sql));
      await c.waitUntil(() => c.messages.slice(n).some((m) => m.name === 'readyForQuery'));
      return (c.messages.at(-1) as any).status;
    };
    expect(await status('BEGIN')).toBe('T');
    expect(await status('SELECT 1')).toBe('T');
    expect(await status('SELECT nope')).toBe('E');
    expect(await status('SELECT 1')).toBe('E');
    expect((c.messages.filter((m) => m.name === 'error').at(-1) as any).code).toBe('25P02');
    expect(await status('ROLLBACK')).toBe('I');
    expect(await status('START TRANSACTION READ ONLY')).toBe('T');
    expect(await status('COMMIT')).toBe('I');
    c.end();
  });
});

describe('extended protocol', () => {
  it('handles pipelined messages sent in one write, with parameters', async () => {
    const c = await RawClient.ready(ts.port);
    c.take();
    c.send(
      serialize.parse({ name: 'q', text: 'SELECT n, s FROM nums WHERE n > $1 AND s <> $2', types: [23, 25] }),
      serialize.describe({ type: 'S', name: 'q' }),
      serialize.bind({ statement: 'q', values: ['3', "it's"] }),
      serialize.describe({ type: 'P', name: '' }),
      serialize.execute({ portal: '' }),
      serialize.bind({ statement: 'q', values: ['4', 'x'] }),
      serialize.execute({ portal: '' }),
      serialize.sync(),
    );
    await c.waitFor('readyForQuery');
    expect(c.names()).toEqual(['parseComplete', 'parameterDescription', 'rowDescription', 'bindComplete', 'rowDescription', 'dataRow', 'dataRow',
      'commandComplete', 'bindComplete', 'dataRow', 'commandComplete', 'readyForQuery']);
    expect((c.messages[1] as any).dataTypeIDs).toEqual([23, 25]);
    expect((c.messages[2] as any).fields.map((f: any) => [f.name, f.dataTypeID])).toEqual([['n', 23], ['s', 25]]);
    expect(c.messages.filter((m) => m.name === 'dataRow').map((m) => (m as any).fields)).toEqual([['4', 'four'], ['5', 'five'], ['5', 'five']]);
    c.end();
  });

  it('suspends a portal at maxRows and continues it', async () => {
    const c = await RawClient.ready(ts.port);
    c.take();
    c.send(
      serialize.parse({ text: 'SELECT n FROM nums' }),
      serialize.bind({ portal: 'p' }),
      serialize.execute({ portal: 'p', rows: 2 }),
      serialize.execute({ portal: 'p', rows: 2 }),
      serialize.execute({ portal: 'p', rows: 2 }),
      serialize.sync(),
    );
    await c.waitFor('readyForQuery');
    expect(c.names()).toEqual(['parseComplete', 'bindComplete', 'dataRow', 'dataRow', 'portalSuspended', 'dataRow', 'dataRow', 'portalSuspended',
      'dataRow', 'commandComplete', 'readyForQuery']);
    expect((c.messages.find((m) => m.name === 'commandComplete') as any).text).toBe('SELECT 1');
    c.end();
  });

  it('keeps a portal until the end of its transaction: Sync ends it outside a block, COMMIT inside one', async () => {
    const c = await RawClient.ready(ts.port);
    c.take();
    c.send(serialize.parse({ text: 'SELECT n FROM nums' }), serialize.bind({ portal: 'q' }), serialize.execute({ portal: 'q', rows: 1 }), serialize.sync());
    await c.waitFor('readyForQuery');
    c.send(serialize.execute({ portal: 'q', rows: 1 }), serialize.sync());
    await c.waitFor('readyForQuery', 2);
    expect((c.messages.find((m) => m.name === 'error') as any).code).toBe('34000');
    c.take();
    c.send(serialize.query('BEGIN'));
    await c.waitFor('readyForQuery');
    c.send(serialize.parse({ text: 'SELECT n FROM nums' }), serialize.bind({ portal: 'q' }), serialize.execute({ portal: 'q', rows: 1 }), serialize.sync());
    await c.waitFor('readyForQuery', 2);
    c.send(serialize.execute({ portal: 'q', rows: 1 }), serialize.sync());
    await c.waitFor('readyForQuery', 3);
    expect(c.names().filter((n) => n === 'dataRow')).toHaveLength(2);
    c.send(serialize.query('COMMIT'), serialize.execute({ portal: 'q', rows: 1 }), serialize.sync());
    await c.waitFor('readyForQuery', 5);
    expect((c.messages.find((m) => m.name === 'error') as any).code).toBe('34000');
    c.end();
  });

  it('discards messages after an error until Sync', async () => {
    const c = await RawClient.ready(ts.port);
    c.take();
    c.send(
      serialize.parse({ text: 'SELECT nope FROM nums' }),
      serialize.bind({}),
      serialize.execute({}),
      serialize.execute({}),
      serialize.parse({ name: 'never', text: 'SELECT 1' }),
      serialize.sync(),
      serialize.parse({ text: 'SELECT 7' }),
      serialize.bind({}),
      serialize.execute({}),
      serialize.sync(),
    );
    await c.waitFor('readyForQuery', 2);
    // the statement parses; binding its names fails at Execute, and the rest up to Sync is skipped
    expect(c.names()).toEqual(['parseComplete', 'bindComplete', 'error', 'readyForQuery', 'parseComplete', 'bindComplete', 'dataRow', 'commandComplete', 'readyForQuery']);
    expect((c.messages[2] as any).code).toBe('42703');
    c.end();
  });

  it('reports syntax errors at Parse with their position', async () => {
    const c = await RawClient.ready(ts.port);
    c.take();
    c.send(serialize.parse({ text: 'SELECT FROM WHERE' }), serialize.sync());
    await c.waitFor('readyForQuery');
    const e = c.messages[0] as any;
    expect(e.code).toBe('42601');
    expect(Number(e.position)).toBeGreaterThan(0);
    c.end();
  });

  it('closes statements and portals, and refuses unknown ones', async () => {
    const c = await RawClient.ready(ts.port);
    c.take();
    c.send(
      serialize.parse({ name: 's1', text: 'SELECT 1' }),
      serialize.close({ type: 'S', name: 's1' }),
      serialize.bind({ statement: 's1' }),
      serialize.sync(),
    );
    await c.waitFor('readyForQuery');
    expect(c.names()).toEqual(['parseComplete', 'closeComplete', 'error', 'readyForQuery']);
    expect((c.messages[2] as any).code).toBe('26000');
    c.end();
  });

  it('substitutes untyped parameters safely', async () => {
    const c = await RawClient.ready(ts.port);
    c.take();
    c.send(
      serialize.parse({ text: "SELECT $1 || '' AS a, n - $2 AS b FROM nums WHERE s = $3" }),
      serialize.bind({ values: ["x'); DROP TABLE nums; --", '-1', 'two'] }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.sync(),
    );
    await c.waitFor('readyForQuery');
    expect(c.messages.filter((m) => m.name === 'dataRow').map((m) => (m as any).fields)).toEqual([["x'); DROP TABLE nums; --", '3']]);
    c.end();
  });
});

describe('robustness', () => {
  it('closes a connection that sends an oversized message, with 08P01', async () => {
    const c = await RawClient.ready(ts.port);
    c.take();
    const head = Buffer.alloc(5);
    head[0] = 'Q'.charCodeAt(0);
    head.writeInt32BE((1 << 20) + 100, 1);
    c.send(head);
    await c.waitFor('error');
    expect((c.messages[0] as any).code).toBe('08P01');
    await c.waitClosed();
  });

  it('holds CopyData to the message size limit too: the COPY is aborted and nothing written', async () => {
    const c = await RawClient.ready(ts.port);
    c.take();
    c.send(serialize.query('COPY nums FROM STDIN'));
    await c.waitFor('copyInResponse');
    c.send(serialize.copyData(Buffer.from('6\tsix\n')));
    const head = Buffer.alloc(5);
    head[0] = 'd'.charCodeAt(0);
    head.writeInt32BE((1 << 20) + 100, 1);
    c.send(head);
    await c.waitFor('error');
    expect((c.messages.find((m) => m.name === 'error') as any).code).toBe('08P01');
    await c.waitClosed();
    const check = await RawClient.ready(ts.port);
    check.send(serialize.query('SELECT COUNT(*) FROM nums'));
    await check.waitFor('readyForQuery', 2);
    expect((check.messages.find((m) => m.name === 'dataRow') as any).fields).toEqual(['5']);
    check.end();
  });

  it('closes a connection that sends a malformed message, and keeps serving others', async () => {
    const other = await RawClient.ready(ts.port);
    const c = await RawClient.ready(ts.port);
    c.take();
    // a Bind whose parameter count promises more than the message holds
    const bad = Buffer.from([0x42, 0, 0, 0, 10, 0, 0, 0, 0, 0, 5]);
    c.send(bad);
    await c.waitFor('error');
    expect((c.messages[0] as any).code).toBe('08P01');
    await c.waitClosed();
    const c2 = await RawClient.connect(ts.port);
    c2.send(Buffer.from([0x5a, 0, 0, 0, 4]));
    c2.send(serialize.startup({ user: 'x' }));
    await c2.waitClosed();
    other.take();
    other.send(serialize.query('SELECT 1'));
    await other.waitFor('readyForQuery');
    expect(other.names()).toContain('dataRow');
    other.end();
  });

  it('rejects an unknown message type', async () => {
    const c = await RawClient.ready(ts.port);
    c.take();
    c.send(Buffer.from([0x7e, 0, 0, 0, 4]));
    await c.waitFor('error');
    expect((c.messages[0] as any).code).toBe('08P01');
    await c.waitClosed();
  });

  it('cancels a running statement with 57014', async () => {
    await ts.engine.createSession().execute("CREATE TABLE slow (x INT) WITH ('connector' = 'datagen', 'number-of-rows' = '100000000')");
    const c = await RawClient.ready(ts.port);
    const key = c.messages.find((m) => m.name === 'backendKeyData') as any;
    c.take();
    c.send(serialize.query('SELECT COUNT(*) FROM slow'));
    // cancel once the query runs; a cancel that arrives first has nothing to cancel, so retry until it lands
    while (!c.messages.some((m) => m.name === 'readyForQuery')) {
      await new Promise<void>((resolve) => {
        const s = connect(ts.port, '127.0.0.1', () => s.end(serialize.cancel(key.processID, key.secretKey)));
        s.on('close', () => resolve());
      });
      await Promise.race([c.waitFor('readyForQuery'), new Promise((r) => setTimeout(r, 50))]);
    }
    const e = c.messages.find((m) => m.name === 'error') as any;
    expect(e.code).toBe('57014');
    c.end();
  });

  it('refuses connections past the limit with 53300', async () => {
    const small = await startServer({ 'max-connections': 1 }, ts.engine);
    try {
      const a = await RawClient.ready(small.port);
      const b = await RawClient.connect(small.port);
      b.send(serialize.startup({ user: 'u' }));
      await b.waitFor('error');
      expect((b.messages[0] as any).code).toBe('53300');
      a.end();
    } finally {
      await small.close();
    }
  });

  it('ends an idle session after the idle timeout', async () => {
    const idle = await startServer({ 'idle-session-timeout': 50 }, ts.engine);
    try {
      const c = await RawClient.ready(idle.port);
      await c.waitFor('error');
      expect((c.messages.find((m) => m.name === 'error') as any).code).toBe('57P05');
      await c.waitClosed();
    } finally {
      await idle.close();
    }
  });

  it('applies the statement timeout', async () => {
    const st = await startServer({ 'statement-timeout': 100 }, ts.engine);
    try {
      const c = await RawClient.ready(st.port);
      c.send(serialize.query('SELECT COUNT(*) FROM slow'));
      await c.waitFor('readyForQuery', 2);
      const e = c.messages.find((m) => m.name === 'error') as any;
      expect(e.code).toBe('57014');
      expect(e.message).toContain('statement timeout');
      c.end();
    } finally {
      await st.close();
    }
  });
});
