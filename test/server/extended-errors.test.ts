/**
 * Extended-protocol details that real clients rely on: a Query after an error is skipped until Sync (the
 * fuzz test found it answered), errors raised at Describe carry their position (postgres.js describes
 * every statement first), and DEALLOCATE (psycopg 3 sends DEALLOCATE ALL after a rollback).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, serialize, startServer, type TestServer } from './server-kit.ts';

let ts: TestServer;

beforeAll(async () => {
  ts = await startServer();
  const c = await RawClient.ready(ts.port);
  c.send(serialize.query("CREATE TABLE ee (n INT, s STRING); INSERT INTO ee VALUES (1, 'one'), (2, 'two')"));
  await c.waitFor('readyForQuery', 2);
  expect(c.names()).not.toContain('error');
  c.end();
});

afterAll(async () => {
  await ts.close();
});

const errors = (c: RawClient): any[] => c.messages.filter((m) => m.name === 'error');

describe('after an extended-protocol error', () => {
  it('skips a Query message until Sync, as Postgres does', async () => {
    const c = await RawClient.ready(ts.port);
    c.take();
    c.send(serialize.bind({ statement: 'missing' }), serialize.query('SELECT 1'), serialize.sync(), serialize.query('SELECT 2 AS two'));
    await c.waitFor('readyForQuery', 2);
    expect(c.names()).toEqual(['error', 'readyForQuery', 'rowDescription', 'dataRow', 'commandComplete', 'readyForQuery']);
    expect(errors(c)[0].code).toBe('26000');
    expect((c.messages[2] as any).fields[0].name).toBe('two');
    c.end();
  });
});

describe('errors at Describe', () => {
  const sql = 'SELECT n,\n  nope FROM ee WHERE n = $1';
  const at = String(sql.indexOf('nope') + 1);

  it('of a statement give the position in the statement text', async () => {
    const c = await RawClient.ready(ts.port);
    c.take();
    c.send(serialize.parse({ name: 'd1', text: sql }), serialize.describe({ type: 'S', name: 'd1' }), serialize.sync());
    await c.waitFor('readyForQuery');
    expect(c.names()).toEqual(['parseComplete', 'error', 'readyForQuery']);
    expect(errors(c)[0]).toMatchObject({ code: '42703', position: at });
    c.end();
  });

  it('of a portal give the position in the statement text', async () => {
    const c = await RawClient.ready(ts.port);
    c.take();
    c.send(serialize.parse({ text: sql }), serialize.bind({ values: ['1'] }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync());
    await c.waitFor('readyForQuery');
    expect(c.names()).toEqual(['parseComplete', 'bindComplete', 'error', 'readyForQuery']);
    expect(errors(c)[0]).toMatchObject({ code: '42703', position: at });
    c.end();
  });
});

describe('DEALLOCATE', () => {
  it('drops one named statement, or all of them but the unnamed one', async () => {
    const c = await RawClient.ready(ts.port);
    c.send(
      serialize.parse({ name: 'a', text: 'SELECT 1' }), serialize.parse({ name: 'b', text: 'SELECT 2' }), serialize.parse({ name: 'c', text: 'SELECT 3' }),
      serialize.parse({ text: 'SELECT 4' }), serialize.sync(),
    );
    await c.waitFor('readyForQuery', 2);
    c.take();
    c.send(serialize.query('DEALLOCATE a'), serialize.query('DEALLOCATE PREPARE "b"'));
    await c.waitFor('readyForQuery', 2);
    expect(c.take().filter((m) => m.name === 'commandComplete').map((m: any) => m.text)).toEqual(['DEALLOCATE', 'DEALLOCATE']);
    c.send(serialize.describe({ type: 'S', name: 'a' }), serialize.sync(), serialize.describe({ type: 'S', name: 'c' }), serialize.sync());
    await c.waitFor('readyForQuery', 2);
    expect(c.take().map((m) => m.name)).toEqual(['error', 'readyForQuery', 'parameterDescription', 'rowDescription', 'readyForQuery']);
    c.send(serialize.query('DEALLOCATE ALL'), serialize.describe({ type: 'S', name: 'c' }), serialize.sync(),
      serialize.bind({}), serialize.execute({}), serialize.sync());
    await c.waitFor('readyForQuery', 3);
    const after = c.take();
    expect(after.find((m) => m.name === 'commandComplete' && (m as any).text === 'DEALLOCATE ALL')).toBeDefined();
    expect(after.filter((m) => m.name === 'error').map((m: any) => m.code)).toEqual(['26000']);
    // the unnamed statement is still there
    expect(after.filter((m) => m.name === 'dataRow').map((m: any) => m.fields[0])).toEqual(['4']);
    c.end();
  });

  it('refuses an unknown name with 26000', async () => {
    const c = await RawClient.ready(ts.port);
    c.take();
    c.send(serialize.query('DEALLOCATE nope'));
    await c.waitFor('readyForQuery');
    expect(errors(c)[0].code).toBe('26000');
    c.end();
  });
});
