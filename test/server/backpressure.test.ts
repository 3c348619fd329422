/**
 * A client that stops reading holds back its own statement and nothing else: the server stops pulling
 * rows from the query (or subscription) while the socket's buffer is full, its output buffer stays
 * small, other sessions are answered meanwhile, and when the client goes away the query is stopped.
 *
 * The rows come from a test connector that counts what it produces, in batches of 256 rows of 1 KiB,
 * so "how much did the server pull" is a number. Without backpressure the server would produce all
 * 200,000 rows (200 MB) before the client had read anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import pg from 'pg';
import { registerConnector } from '../../src/connectors/registry.ts';
import type { ScanContext, ScanRequest, ScanSource } from '../../src/connectors/connector.ts';
import { batchFromRows, type Batch } from '../../src/types/batch.ts';
import { T } from '../../src/types/data-type.ts';
import { serialize, startServer, type TestServer } from './server-kit.ts';

const BATCH = 256;
const PAD = 'x'.repeat(1000);
const produced = new Map<string, { rows: number; open: boolean }>();

/** Rows (id, pad) up to 'rows' (or without end), counted per table in `produced`. */
registerConnector({
  identifier: 'counting-test',
  requiredOptions: ['name'],
  optionalOptions: ['rows'],
  createSource: (table): ScanSource => {
    const limit = table.options['rows'] === undefined ? Number.POSITIVE_INFINITY : Number(table.options['rows']);
    const name = table.options['name']!;
    return {
      fields: table.physicalColumns,
      bounded: Number.isFinite(limit),
      describe: () => `counting-test(${name})`,
      async *open(request: ScanRequest, ctx: ScanContext): AsyncIterable<Batch> {
        const stat = { rows: 0, open: true };
        produced.set(name, stat);
        try {
          let id = 0;
          while (id < limit && !ctx.isCancelled()) {
            const rows: unknown[][] = [];
            for (let i = 0; i < BATCH && id < limit; i++) rows.push([id++, PAD]);
            stat.rows += rows.length;
            const b = batchFromRows([T.bigint(), T.string()], rows);
            yield { columns: request.columns.map((c) => b.columns[c]!), length: rows.length, kinds: null };
          }
        } finally {
          stat.open = false;
        }
      },
    };
  },
});

let ts: TestServer;

beforeAll(async () => {
  ts = await startServer();
  const c = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'setup', database: 'freshet' });
  await c.connect();
  await c.query("CREATE TABLE big (id BIGINT, pad STRING) WITH ('connector' = 'counting-test', 'name' = 'big', 'rows' = '200000')");
  await c.query("CREATE TABLE endless (id BIGINT, pad STRING) WITH ('connector' = 'counting-test', 'name' = 'endless')");
  await c.query('CREATE TABLE small (n INT)');
  await c.query('INSERT INTO small VALUES (1), (2), (3)');
  await c.end();
});

afterAll(async () => {
  await ts.close();
});

/** A client that sends its startup and one statement, then never reads. */
async function nonReader(sql: string, user: string): Promise<Socket> {
  const s = connect(ts.port, '127.0.0.1');
  await new Promise<void>((resolve) => s.once('connect', resolve));
  s.pause();
  s.write(Buffer.concat([serialize.startup({ user, database: 'freshet' }), serialize.query(sql)]));
  return s;
}

/** Polls the server until `pred` holds (each check is one look at the server's state). */
async function until(pred: () => boolean): Promise<void> {
  while (!pred()) await new Promise((r) => setTimeout(r, 5));
}

/** Lets the server run: many turns of the event loop, in which a producer without backpressure would go on. */
async function letItRun(): Promise<void> {
  for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 100));
}

describe('a client that does not read', () => {
  for (const [what, sql, table] of [
    ['a SELECT', 'SELECT id, pad FROM big', 'big'],
    ['a SUBSCRIBE', 'SUBSCRIBE (SELECT id, pad FROM endless)', 'endless'],
  ] as const) {
    it(`pauses ${what}, keeps the server's buffer small, and does not hold up other sessions`, async () => {
      const s = await nonReader(sql, `slow_${table}`);
      const session = () => ts.server.sessions().find((x) => x.user === `slow_${table}`);
      await until(() => session()?.waitingForClient === true);
      await letItRun();
      const stat = produced.get(table)!;
      // what is pulled: what the socket took, the result queue (16 batches) and one chunk; far from all
      expect(stat.rows).toBeLessThan(60_000);
      expect(session()!.waitingForClient).toBe(true);
      const pulled = stat.rows;
      await letItRun();
      expect(stat.rows - pulled).toBeLessThanOrEqual(16 * BATCH + 1024);
      expect(session()!.outputBuffered).toBeLessThan(2 << 20);

      // another session is answered meanwhile
      const other = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'other', database: 'freshet' });
      await other.connect();
      expect((await other.query('SELECT SUM(n) AS s FROM small')).rows).toEqual([{ s: '6' }]);
      await other.end();

      // the client goes away: its statement is stopped
      s.destroy();
      await until(() => !stat.open);
      expect(stat.rows).toBeLessThan(200_000);
    });
  }

  it('gets every row once it reads', async () => {
    const c = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'reader', database: 'freshet' });
    await c.connect();
    const r = await c.query('SELECT COUNT(*) AS n, MAX(id) AS m FROM big');
    expect(r.rows).toEqual([{ n: '200000', m: '199999' }]);
    await c.end();
  });
});
