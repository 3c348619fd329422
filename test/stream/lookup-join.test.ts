/**
 * Lookup joins into table-store tables: `JOIN dim FOR SYSTEM_TIME AS OF o.pt ON o.k = dim.k`. Each left
 * row meets the dimension row as it is when the row arrives: rows committed to the table later are seen
 * by later rows, rows already joined are not revised.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/session/engine.ts';
import type { Session } from '../../src/session/session.ts';
import type { StreamResult } from '../../src/session/result.ts';
import { drained, endQueue, pushRows, resetQueues } from './queue-connector.ts';
import { watch } from './watch.ts';

let engine: Engine;
let session: Session;
let batchSession: Session;

beforeEach(async () => {
  resetQueues();
  engine = await Engine.open();
  session = engine.createSession({ 'execution.runtime-mode': 'streaming', 'table.local-time-zone': 'UTC' });
  batchSession = engine.createSession({ 'execution.runtime-mode': 'batch' });
});

afterEach(async () => {
  await engine.close();
});

async function stream(sql: string): Promise<StreamResult> {
  const r = await session.execute(sql);
  if (r.kind !== 'stream') throw new Error(`expected a stream, got ${r.kind}`);
  return r;
}

async function createTables(dimOptions = ''): Promise<void> {
  await session.execute("CREATE TABLE orders (id INT, cust BIGINT, region STRING, pt AS PROCTIME()) WITH ('connector' = 'test-queue', 'queue' = 'orders')");
  await session.execute(`CREATE TABLE customers (id BIGINT, name STRING, region STRING, tier INT, PRIMARY KEY (id) NOT ENFORCED)${dimOptions}`);
  await batchSession.execute("INSERT INTO customers VALUES (1, 'ann', 'eu', 1), (2, 'bob', 'us', 2), (3, 'cy', 'eu', 3)");
}

describe('lookup join into a table-store table', () => {
  it('looks rows up by primary key and sees later commits in later lookups', async () => {
    await createTables(" WITH ('bucket' = '4')");
    const r = await stream('SELECT o.id, c.name, c.tier FROM orders AS o JOIN customers FOR SYSTEM_TIME AS OF o.pt AS c ON o.cust = c.id');
    const w = watch(r);
    pushRows('orders', [[10, 1, 'eu'], [11, 4, 'us'], [12, 2, 'us'], [13, null, 'us']]);
    await drained('orders');
    // a new customer and a changed one, committed while the join runs
    await batchSession.execute("INSERT INTO customers VALUES (4, 'dee', 'us', 4), (1, 'ann2', 'eu', 9)");
    pushRows('orders', [[14, 4, 'us'], [15, 1, 'eu']]);
    endQueue('orders');
    await w.done;
    expect(w.changes).toEqual(['+I[10, ann, 1]', '+I[12, bob, 2]', '+I[14, dee, 4]', '+I[15, ann2, 9]']);
  });

  it('pads unmatched rows in a left join and keeps left order', async () => {
    await createTables();
    const r = await stream('SELECT o.id, c.name FROM orders AS o LEFT JOIN customers FOR SYSTEM_TIME AS OF o.pt AS c ON o.cust = c.id');
    const w = watch(r);
    pushRows('orders', [[1, 3, 'eu'], [2, 9, 'eu'], [3, null, 'eu'], [4, 1, 'eu']]);
    endQueue('orders');
    await w.done;
    expect(w.changes).toEqual(['+I[1, cy]', '+I[2, NULL]', '+I[3, NULL]', '+I[4, ann]']);
  });

  it('applies the ON residual, a filter on the table and a non-key join column', async () => {
    await createTables(" WITH ('bucket' = '2')");
    // region is not the key: the lookup indexes the table on it
    const r = await stream(`SELECT o.id, c.name FROM orders AS o
      LEFT JOIN customers FOR SYSTEM_TIME AS OF o.pt AS c ON o.region = c.region AND c.tier > 1 AND o.id < 100
      `);
    const w = watch(r);
    pushRows('orders', [[1, 0, 'eu'], [2, 0, 'us'], [200, 0, 'us'], [3, 0, 'xx']]);
    endQueue('orders');
    await w.done;
    expect(w.changes).toEqual(['+I[1, cy]', '+I[2, bob]', '+I[200, NULL]', '+I[3, NULL]']);
  });

  it('looks up a partitioned table, honouring a partition filter', async () => {
    await session.execute("CREATE TABLE orders (id INT, cust BIGINT, region STRING, pt AS PROCTIME()) WITH ('connector' = 'test-queue', 'queue' = 'orders')");
    await session.execute('CREATE TABLE customers (region STRING, id BIGINT, name STRING, PRIMARY KEY (region, id) NOT ENFORCED) PARTITIONED BY (region)');
    await batchSession.execute("INSERT INTO customers VALUES ('eu', 1, 'ann'), ('us', 1, 'bob'), ('us', 2, 'cy')");
    const r = await stream(`SELECT o.id, c.name FROM orders AS o
      LEFT JOIN customers FOR SYSTEM_TIME AS OF o.pt AS c ON o.cust = c.id AND o.region = c.region AND c.region = 'us'`);
    const w = watch(r);
    pushRows('orders', [[1, 1, 'eu'], [2, 1, 'us'], [3, 2, 'us'], [4, 2, 'eu']]);
    endQueue('orders');
    await w.done;
    expect(w.changes).toEqual(['+I[1, NULL]', '+I[2, bob]', '+I[3, cy]', '+I[4, NULL]']);
    const plan = await session.execute(`EXPLAIN SELECT o.id, c.name FROM orders AS o
      JOIN customers FOR SYSTEM_TIME AS OF o.pt AS c ON o.cust = c.id AND o.region = c.region AND c.region = 'us'`);
    expect(JSON.stringify(plan)).toContain('LookupJoin');
  });

  it('looks up a composite primary key given in another order, across many batches of the table', async () => {
    await session.execute("CREATE TABLE probes (a INT, b STRING, pt AS PROCTIME()) WITH ('connector' = 'test-queue', 'queue' = 'probes')");
    await session.execute("CREATE TABLE dim (b STRING, a INT, v BIGINT, PRIMARY KEY (a, b) NOT ENFORCED) WITH ('bucket' = '3', 'write-buffer-size' = '64 kb')");
    const rows = Array.from({ length: 6000 }, (_, i) => `(${i % 97}, 'k${i}', ${i})`.replace(/^\((\d+), ('k\d+')/, '($2, $1'));
    await batchSession.execute(`INSERT INTO dim VALUES ${rows.join(', ')}`);
    await batchSession.execute("INSERT INTO dim VALUES ('k5', 5, -5)");
    const r = await stream('SELECT p.a, p.b, d.v FROM probes AS p LEFT JOIN dim FOR SYSTEM_TIME AS OF p.pt AS d ON d.b = p.b AND d.a = p.a');
    const w = watch(r);
    pushRows('probes', [[5, 'k5'], [6, 'k5'], [0, 'k0'], [96, 'k5917'], [0, 'k5917'], [44, 'k5864']]);
    endQueue('probes');
    await w.done;
    expect(w.changes).toEqual(['+I[5, k5, -5]', '+I[6, k5, NULL]', '+I[0, k0, 0]', '+I[96, k5917, NULL]', '+I[0, k5917, 5917]', '+I[44, k5864, 5864]']);
  });

  it('keeps the kinds of a changelog on the left', async () => {
    await session.execute("CREATE TABLE changes (id INT, cust BIGINT, pt AS PROCTIME()) WITH ('connector' = 'test-queue', 'queue' = 'cl', 'changelog' = 'true')");
    await session.execute('CREATE TABLE customers (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED)');
    await batchSession.execute("INSERT INTO customers VALUES (1, 'ann'), (2, 'bob')");
    const r = await stream('SELECT o.id, c.name FROM changes AS o JOIN customers FOR SYSTEM_TIME AS OF o.pt AS c ON o.cust = c.id');
    const w = watch(r);
    pushRows('cl', [['+I', 1, 1], ['-U', 1, 1], ['+U', 1, 2], ['-D', 1, 2]]);
    endQueue('cl');
    await w.done;
    expect(w.changes).toEqual(['+I[1, ann]', '-U[1, ann]', '+U[1, bob]', '-D[1, bob]']);
  });

  it('writes the join into another table-store table, and EXPLAIN shows the lookup', async () => {
    await createTables();
    await session.execute('CREATE TABLE enriched (id INT, name STRING)');
    const plan = await session.execute('EXPLAIN SELECT o.id, c.name FROM orders AS o JOIN customers FOR SYSTEM_TIME AS OF o.pt AS c ON o.cust = c.id');
    expect(JSON.stringify(plan)).toContain('lookup=[table-store(default_catalog.default_database.customers');
    const job = await session.execute('INSERT INTO enriched SELECT o.id, c.name FROM orders AS o JOIN customers FOR SYSTEM_TIME AS OF o.pt AS c ON o.cust = c.id');
    expect(job.kind).toBe('ok');
    pushRows('orders', [[1, 2, 'us'], [2, 3, 'eu']]);
    endQueue('orders');
    for (let i = 0; i < 200; i++) {
      const rows = await batchSession.execute('SELECT * FROM enriched ORDER BY id');
      if (rows.kind === 'rows' && rows.rows.length === 2) {
        expect(rows.rows).toEqual([[1, 'bob'], [2, 'cy']]);
        return;
      }
      await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error('the INSERT job did not commit its rows');
  });

  it('says what to do when the right side can neither look up nor be read to its end', async () => {
    await session.execute("CREATE TABLE orders (id INT, cust BIGINT, pt AS PROCTIME()) WITH ('connector' = 'test-queue', 'queue' = 'orders')");
    await session.execute("CREATE TABLE other (id BIGINT, name STRING) WITH ('connector' = 'test-queue', 'queue' = 'other')");
    await expect(session.execute('SELECT o.id, c.name FROM orders AS o JOIN other FOR SYSTEM_TIME AS OF o.pt AS c ON o.cust = c.id'))
      .rejects.toThrow(/lookup join\) needs a table that answers lookups by its join key, or a bounded table/);
  });
});
