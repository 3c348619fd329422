/**
 * The table store seen through SQL, as one suite that runs on every storage backend (local disk, S3
 * through the test server). Each test opens an Engine on a fresh warehouse whose default catalog is a
 * table-store catalog, and checks exact results: persistence across engines, writes (append and
 * primary-key tables, partitions, buckets, overwrite), merge engines, reads (pruning, projection, time
 * travel, incremental), schema evolution, system tables, compaction, and a seeded random workload
 * folded by key in the test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/session/engine.ts';
import { resultRows, type StatementResult } from '../../src/session/result.ts';
import type { Session } from '../../src/session/session.ts';
import { seededRandom } from '../support/seeded-random.ts';

/** Where a test's warehouse lives: a fresh location each time `setup` is called. */
export interface StoreBackend {
  warehouse: string;
  catalogOptions: Record<string, string>;
}

type Row = unknown[];

/** Orders values the way the tests want sorted rows: NULL first, numbers numerically, else as text. */
function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : 1;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function sortRows(rows: readonly Row[]): Row[] {
  return [...rows].sort((r, s) => {
    for (let i = 0; i < Math.max(r.length, s.length); i++) {
      const c = compareValues(r[i], s[i]);
      if (c !== 0) return c;
    }
    return 0;
  });
}

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** `WITH (..)` entries of a catalog on `backend`. */
function catalogWith(backend: StoreBackend): string {
  const o = { type: 'table-store', warehouse: backend.warehouse, ...backend.catalogOptions };
  return Object.entries(o).map(([k, v]) => `${sqlString(k)} = ${sqlString(v)}`).join(', ');
}

/** Waits until the wall clock is past `ms`, so that the next commit is stamped later than `ms`. */
async function clockPast(ms: number): Promise<void> {
  while (Date.now() <= ms) await new Promise((r) => setTimeout(r, 2));
}

/** `YYYY-MM-DD HH:MM:SS.mmm` of an instant, in UTC. */
function utcText(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** One engine on one warehouse, with a batch session and a streaming session that waits for INSERTs. */
class Db {
  readonly engine: Engine;
  readonly backend: StoreBackend;
  readonly batch: Session;
  readonly stream: Session;

  constructor(engine: Engine, backend: StoreBackend) {
    this.engine = engine;
    this.backend = backend;
    this.batch = engine.createSession({ 'execution.runtime-mode': 'batch', 'table.local-time-zone': 'UTC' });
    this.stream = engine.createSession({ 'table.dml-sync': 'true', 'table.local-time-zone': 'UTC' });
  }

  /** Runs a statement in batch mode. */
  exec(sql: string): Promise<StatementResult> {
    return this.batch.execute(sql);
  }

  /** Runs statements one after the other in batch mode. */
  async run(...sql: string[]): Promise<void> {
    for (const s of sql) await this.exec(s);
  }

  /** The rows of a batch query, in the order the engine returned them. */
  async rows(sql: string): Promise<Row[]> {
    return resultRows(await this.exec(sql));
  }

  /** The rows of a batch query, sorted. */
  async sorted(sql: string): Promise<Row[]> {
    return sortRows(await this.rows(sql));
  }

  /** Column names of a batch query's result. */
  async columns(sql: string): Promise<string[]> {
    const r = await this.exec(sql);
    if (r.kind !== 'rows' && r.kind !== 'stream') throw new Error(`no rows from ${sql}`);
    return r.columns.map((c) => c.name);
  }

  /** The id of the table's latest snapshot. */
  async latestSnapshot(table: string): Promise<number> {
    const r = await this.rows(`SELECT MAX(snapshot_id) FROM \`${table}$snapshots\``);
    return r[0]![0] as number;
  }
}

export function describeStoreSuite(name: string, setup: () => StoreBackend | Promise<StoreBackend>): void {
  describe(`table store through SQL: ${name}`, () => {
    const open: Engine[] = [];

    afterEach(async () => {
      for (const e of open.splice(0)) await e.close();
    });

    async function connect(backend?: StoreBackend): Promise<Db> {
      const b = backend ?? (await setup());
      const engine = await Engine.open({ warehouse: b.warehouse, catalogOptions: b.catalogOptions });
      open.push(engine);
      return new Db(engine, b);
    }

    /** Closes the engine and opens a new one on the same warehouse. */
    async function reopen(db: Db): Promise<Db> {
      await db.engine.close();
      open.splice(open.indexOf(db.engine), 1);
      return connect(db.backend);
    }

    // -----------------------------------------------------------------------------------------------
    describe('catalog', () => {
      it('keeps databases, tables and data across engines', async () => {
        let db = await connect();
        await db.run(
          'CREATE DATABASE shop',
          'CREATE TABLE shop.orders (id INT, item STRING, qty INT, PRIMARY KEY (id) NOT ENFORCED)',
          'CREATE TABLE events (ts BIGINT, msg STRING)',
          "INSERT INTO shop.orders VALUES (1, 'apple', 3), (2, 'pear', 1)",
          "INSERT INTO shop.orders VALUES (2, 'pear', 5)",
          "INSERT INTO events VALUES (10, 'a'), (11, 'b')",
        );
        db = await reopen(db);
        expect(await db.sorted('SHOW DATABASES')).toEqual([['default_database'], ['shop']]);
        expect(await db.sorted('SHOW TABLES FROM shop')).toEqual([['orders']]);
        expect(await db.sorted('SHOW TABLES')).toEqual([['events']]);
        expect(await db.sorted('SELECT * FROM shop.orders')).toEqual([[1, 'apple', 3], [2, 'pear', 5]]);
        expect(await db.sorted('SELECT * FROM events')).toEqual([[10, 'a'], [11, 'b']]);
        // the key survives too: an upsert after reopening still replaces
        await db.run("INSERT INTO shop.orders VALUES (1, 'apple', 4)");
        expect(await db.sorted('SELECT * FROM shop.orders')).toEqual([[1, 'apple', 4], [2, 'pear', 5]]);
        await db.run('CREATE TABLE IF NOT EXISTS shop.orders (x INT)');
        await expect(db.exec('CREATE TABLE shop.orders (x INT)')).rejects.toThrow(/already exists/);
        expect(await db.sorted('SELECT id FROM shop.orders')).toEqual([[1], [2]]);
        const show = await db.exec('SHOW CREATE TABLE shop.orders');
        expect(show.kind).toBe('text');
        if (show.kind === 'text') expect(show.text).toMatch(/PRIMARY KEY \(`?id`?\)/);
      });

      it('DROP TABLE removes the table and its data', async () => {
        let db = await connect();
        await db.run('CREATE TABLE t (k INT, v STRING)', 'CREATE TABLE keep (k INT)', "INSERT INTO t VALUES (1, 'x')", 'INSERT INTO keep VALUES (7)');
        await db.run('DROP TABLE t');
        expect(await db.sorted('SHOW TABLES')).toEqual([['keep']]);
        await expect(db.exec('SELECT * FROM t')).rejects.toThrow(/table `t` does not exist/);
        db = await reopen(db);
        expect(await db.sorted('SHOW TABLES')).toEqual([['keep']]);
        // a table created again under the name starts empty: no snapshot of the old one is left
        await db.run('CREATE TABLE t (k INT, v STRING)');
        expect(await db.rows('SELECT * FROM t')).toEqual([]);
        expect(await db.rows('SELECT * FROM `t$snapshots`')).toEqual([]);
        expect(await db.rows('SELECT * FROM keep')).toEqual([[7]]);
        await db.run('DROP TABLE IF EXISTS nothing_here');
        await expect(db.exec('DROP TABLE nothing_here')).rejects.toThrow(/`nothing_here` does not exist/);
      });

      it('ALTER TABLE RENAME TO and DROP DATABASE .. CASCADE', async () => {
        let db = await connect();
        await db.run(
          'CREATE DATABASE d2',
          'CREATE TABLE d2.old_name (k INT, v STRING, PRIMARY KEY (k) NOT ENFORCED)',
          "INSERT INTO d2.old_name VALUES (1, 'a'), (2, 'b')",
          "INSERT INTO d2.old_name VALUES (2, 'b2')",
          'ALTER TABLE d2.old_name RENAME TO d2.new_name',
        );
        expect(await db.sorted('SHOW TABLES FROM d2')).toEqual([['new_name']]);
        expect(await db.sorted('SELECT * FROM d2.new_name')).toEqual([[1, 'a'], [2, 'b2']]);
        db = await reopen(db);
        expect(await db.sorted('SHOW TABLES FROM d2')).toEqual([['new_name']]);
        // the history moved with it
        expect(await db.sorted("SELECT * FROM d2.new_name /*+ OPTIONS('scan.snapshot-id' = '1') */")).toEqual([[1, 'a'], [2, 'b']]);
        await db.run("INSERT INTO d2.new_name VALUES (3, 'c')");
        expect(await db.rows('SELECT COUNT(*) FROM d2.new_name')).toEqual([[3]]);
        await expect(db.exec('DROP DATABASE d2')).rejects.toThrow(/d2 is not empty/);
        await db.run('DROP DATABASE d2 CASCADE');
        expect(await db.sorted('SHOW DATABASES')).toEqual([['default_database']]);
        db = await reopen(db);
        expect(await db.sorted('SHOW DATABASES')).toEqual([['default_database']]);
        await db.run('CREATE DATABASE d2');
        expect(await db.sorted('SHOW TABLES FROM d2')).toEqual([]);
      });

      it('CREATE CATALOG opens a second table-store catalog', async () => {
        const db = await connect();
        const other = await setup();
        await db.run(
          `CREATE CATALOG c WITH (${catalogWith(other)})`,
          'CREATE TABLE c.default_database.remote (k INT, v STRING, PRIMARY KEY (k) NOT ENFORCED)',
          'CREATE TABLE local_t (k INT, v STRING)',
          "INSERT INTO local_t VALUES (1, 'one'), (2, 'two')",
          'INSERT INTO c.default_database.remote SELECT * FROM local_t',
          "INSERT INTO c.default_database.remote VALUES (2, 'TWO')",
        );
        expect(await db.sorted('SELECT * FROM c.default_database.remote')).toEqual([[1, 'one'], [2, 'TWO']]);
        expect(await db.sorted('SHOW TABLES')).toEqual([['local_t']]);
        await db.run('USE CATALOG c');
        expect(await db.sorted('SHOW TABLES')).toEqual([['remote']]);
        // the second catalog's warehouse is a warehouse of its own: an engine on it sees the table
        const second = await connect(other);
        expect(await second.sorted('SHOW TABLES')).toEqual([['remote']]);
        expect(await second.sorted('SELECT * FROM remote')).toEqual([[1, 'one'], [2, 'TWO']]);
        await expect(db.exec("CREATE CATALOG bad WITH ('type' = 'table-store')")).rejects.toThrow(/warehouse/);
      });
    });

    // -----------------------------------------------------------------------------------------------
    describe('writes', () => {
      it('append tables keep every row of every commit', async () => {
        const db = await connect();
        await db.run(
          'CREATE TABLE log (id INT, msg STRING)',
          "INSERT INTO log VALUES (1, 'a'), (1, 'a')",
          "INSERT INTO log VALUES (2, 'b')",
          "INSERT INTO log VALUES (1, 'a'), (3, CAST(NULL AS STRING))",
        );
        expect(await db.sorted('SELECT * FROM log')).toEqual([[1, 'a'], [1, 'a'], [1, 'a'], [2, 'b'], [3, null]]);
        expect(await db.rows('SELECT snapshot_id, commit_kind, delta_record_count, total_record_count FROM `log$snapshots` ORDER BY snapshot_id'))
          .toEqual([[1, 'APPEND', 2, 2], [2, 'APPEND', 1, 3], [3, 'APPEND', 2, 5]]);
      });

      it('primary-key tables keep the latest row per key, within and across commits', async () => {
        const db = await connect();
        await db.run(
          'CREATE TABLE kv (k INT, v STRING, n INT, PRIMARY KEY (k) NOT ENFORCED)',
          "INSERT INTO kv VALUES (1, 'a', 1), (2, 'b', 1), (1, 'a2', 2), (3, 'c', 1)",
          "INSERT INTO kv VALUES (2, 'b2', 2), (4, 'd', 1)",
          "INSERT INTO kv VALUES (2, 'b3', 3), (1, CAST(NULL AS STRING), 3)",
        );
        expect(await db.sorted('SELECT * FROM kv')).toEqual([[1, null, 3], [2, 'b3', 3], [3, 'c', 1], [4, 'd', 1]]);
        expect(await db.rows('SELECT COUNT(*) FROM kv')).toEqual([[4]]);
        expect(await db.sorted('SELECT n FROM kv')).toEqual([[1], [1], [3], [3]]);
        expect(await db.sorted('SELECT v FROM kv WHERE n = 3')).toEqual([[null], ['b3']]);
      });

      it('a changelog written into a primary-key table applies its updates and deletes', async () => {
        const db = await connect();
        await db.run(
          'CREATE TABLE kv (k INT, v STRING, PRIMARY KEY (k) NOT ENFORCED)',
          "INSERT INTO kv VALUES (1, 'a'), (2, 'b'), (3, 'c')",
          `CREATE TABLE changes (k INT, v STRING) WITH ('connector' = 'values', 'changelog-mode' = 'I,UB,UA,D',
            'data' = '[["-D", 2, "b"], ["+I", 4, "d"], ["-U", 3, "c"], ["+U", 3, "c2"], ["+I", 5, "e"], ["-D", 5, "e"], ["-D", 9, "never"]]')`,
        );
        const r = await db.stream.execute('INSERT INTO kv SELECT * FROM changes');
        expect(r.kind).toBe('ok');
        expect(await db.sorted('SELECT * FROM kv')).toEqual([[1, 'a'], [3, 'c2'], [4, 'd']]);
        // the changes of that commit, as a diff of the two snapshots
        expect(await db.sorted("SELECT * FROM `kv$audit_log` /*+ OPTIONS('incremental-between' = '1,2') */"))
          .toEqual([['+I', 4, 'd'], ['+U', 3, 'c2'], ['-D', 2, 'b'], ['-U', 3, 'c']]);
      });

      it.todo('DELETE FROM / UPDATE statements on table-store tables (the grammar has neither; deletes arrive only as changelog input)');

      it('partitioned tables: rows land in their partitions', async () => {
        const db = await connect();
        await db.run(
          'CREATE TABLE sales (id INT, amount INT, dt STRING, region STRING, PRIMARY KEY (id, dt) NOT ENFORCED) PARTITIONED BY (dt)',
          "INSERT INTO sales VALUES (1, 10, '2024-01-01', 'eu'), (2, 20, '2024-01-01', 'us'), (1, 30, '2024-01-02', 'eu')",
          "INSERT INTO sales VALUES (1, 11, '2024-01-01', 'eu'), (3, 40, '2024-01-03', 'ap')",
        );
        expect(await db.sorted('SELECT * FROM sales')).toEqual([
          [1, 11, '2024-01-01', 'eu'], [1, 30, '2024-01-02', 'eu'], [2, 20, '2024-01-01', 'us'], [3, 40, '2024-01-03', 'ap'],
        ]);
        // the same key in two partitions is two rows
        expect(await db.sorted('SELECT dt, amount FROM sales WHERE id = 1')).toEqual([['2024-01-01', 11], ['2024-01-02', 30]]);
        expect(await db.sorted('SELECT `partition`, file_count FROM `sales$partitions`')).toEqual([
          ['dt=2024-01-01', 2], ['dt=2024-01-02', 1], ['dt=2024-01-03', 1],
        ]);
        const paths = (await db.rows('SELECT file_path FROM `sales$files`')).map((r) => r[0] as string);
        expect(paths.length).toBe(4);
        for (const p of paths) expect(p).toMatch(/\/sales\/dt=2024-01-0[123]\/bucket-0\/data-[^/]+\.parquet$/);
      });

      it("'bucket' = '4' spreads a primary-key table over buckets by its key", async () => {
        const db = await connect();
        await db.run("CREATE TABLE b (k INT, v INT, PRIMARY KEY (k) NOT ENFORCED) WITH ('bucket' = '4')");
        const values = Array.from({ length: 40 }, (_, i) => `(${i}, ${i * 10})`).join(', ');
        await db.run(`INSERT INTO b VALUES ${values}`);
        await db.run('INSERT INTO b VALUES (5, -5), (17, -17), (33, -33)');
        const expected = Array.from({ length: 40 }, (_, i) => [i, [5, 17, 33].includes(i) ? -i : i * 10]);
        expect(await db.sorted('SELECT * FROM b')).toEqual(expected);
        const buckets = await db.sorted('SELECT bucket, SUM(record_count) FROM `b$files` GROUP BY bucket');
        expect(buckets.length).toBe(4);
        expect(buckets.map((r) => r[0])).toEqual([0, 1, 2, 3]);
        expect(buckets.reduce((s, r) => s + (r[1] as number), 0)).toBe(43);
        // each key lives in exactly one bucket: the files of a bucket hold disjoint key ranges from other buckets' keys
        const perKey = new Map<number, number>();
        for (const r of await db.rows('SELECT bucket, min_key, max_key FROM `b$files`')) {
          const lo = (JSON.parse(r[1] as string) as number[])[0]!;
          const hi = (JSON.parse(r[2] as string) as number[])[0]!;
          for (const k of [lo, hi]) {
            if (perKey.has(k)) expect(perKey.get(k)).toBe(r[0]);
            perKey.set(k, r[0] as number);
          }
        }
        expect(await db.rows('SELECT v FROM b WHERE k = 17')).toEqual([[-17]]);
        // another bucket count: writes are refused until INSERT OVERWRITE rewrites the data into the new buckets
        await db.run("ALTER TABLE b SET ('bucket' = '2')");
        await expect(db.exec('INSERT INTO b VALUES (1, 1)')).rejects.toThrow(/written with 4 buckets, the table now says 2/);
        expect(await db.sorted('SELECT * FROM b')).toEqual(expected);
        await db.run('INSERT OVERWRITE b SELECT * FROM b');
        await db.run('INSERT INTO b VALUES (1, 1)');
        expected[1] = [1, 1];
        expect(await db.sorted('SELECT * FROM b')).toEqual(expected);
        expect(await db.sorted('SELECT DISTINCT bucket FROM `b$files`')).toEqual([[0], [1]]);
      });

      it("'bucket-key' puts the rows of one bucket key in one bucket of an append table", async () => {
        const db = await connect();
        await db.run("CREATE TABLE e (dev INT, seq INT) WITH ('bucket' = '4', 'bucket-key' = 'dev')");
        await db.run(`INSERT INTO e VALUES ${Array.from({ length: 12 }, (_, i) => `(7, ${i})`).join(', ')}`);
        const one = await db.rows('SELECT bucket, record_count FROM `e$files`');
        expect(one.length).toBe(1);
        expect(one[0]![1]).toBe(12);
        await db.run(`INSERT INTO e VALUES ${Array.from({ length: 12 }, (_, i) => `(7, ${100 + i})`).join(', ')}`);
        expect(new Set((await db.rows('SELECT bucket FROM `e$files`')).map((r) => r[0]))).toEqual(new Set([one[0]![0]]));
        await db.run(`INSERT INTO e VALUES ${Array.from({ length: 32 }, (_, i) => `(${i}, -1)`).join(', ')}`);
        expect((await db.sorted('SELECT DISTINCT bucket FROM `e$files`')).length).toBeGreaterThan(1);
        expect(await db.rows('SELECT COUNT(*), COUNT(DISTINCT dev) FROM e')).toEqual([[56, 32]]);
        expect(await db.rows('SELECT COUNT(*) FROM e WHERE dev = 7')).toEqual([[25]]);
        await expect(db.exec("CREATE TABLE nokey (a INT) WITH ('bucket' = '4')")).rejects.toThrow(/bucket-key/);
      });

      it('INSERT OVERWRITE replaces a whole unpartitioned table', async () => {
        const db = await connect();
        await db.run(
          'CREATE TABLE a (x INT)',
          'CREATE TABLE k (id INT, v STRING, PRIMARY KEY (id) NOT ENFORCED)',
          'INSERT INTO a VALUES (1), (2)',
          "INSERT INTO k VALUES (1, 'a'), (2, 'b')",
          'INSERT OVERWRITE a VALUES (3)',
          "INSERT OVERWRITE k VALUES (2, 'z'), (5, 'e')",
        );
        expect(await db.rows('SELECT * FROM a')).toEqual([[3]]);
        expect(await db.sorted('SELECT * FROM k')).toEqual([[2, 'z'], [5, 'e']]);
        expect(await db.rows('SELECT snapshot_id, commit_kind FROM `k$snapshots` ORDER BY snapshot_id')).toEqual([[1, 'APPEND'], [2, 'OVERWRITE']]);
        // the overwritten data is still there for time travel
        expect(await db.sorted("SELECT * FROM k /*+ OPTIONS('scan.snapshot-id' = '1') */")).toEqual([[1, 'a'], [2, 'b']]);
        // and the overwrite as a change: key 1 deleted, key 2 updated, key 5 new
        expect(await db.sorted("SELECT * FROM `k$audit_log` /*+ OPTIONS('incremental-between' = '1,2') */")).toEqual([
          ['+I', 5, 'e'], ['+U', 2, 'z'], ['-D', 1, 'a'], ['-U', 2, 'b'],
        ]);
      });

      it('INSERT OVERWRITE .. PARTITION replaces only the static partition', async () => {
        const db = await connect();
        await db.run(
          'CREATE TABLE p (id INT, v STRING, dt STRING, h INT) PARTITIONED BY (dt, h)',
          "INSERT INTO p VALUES (1, 'a', 'd1', 1), (2, 'b', 'd1', 2), (3, 'c', 'd2', 1)",
          "INSERT OVERWRITE p PARTITION (dt = 'd1', h = 1) VALUES (9, 'z')",
        );
        expect(await db.sorted('SELECT * FROM p')).toEqual([[2, 'b', 'd1', 2], [3, 'c', 'd2', 1], [9, 'z', 'd1', 1]]);
        // a partial static spec replaces every partition under it
        await db.run("INSERT OVERWRITE p PARTITION (dt = 'd1') SELECT 10, 'y', 3");
        expect(await db.sorted('SELECT * FROM p')).toEqual([[3, 'c', 'd2', 1], [10, 'y', 'd1', 3]]);
        // an empty result overwrites the static partition with nothing
        await db.run("INSERT OVERWRITE p PARTITION (dt = 'd2', h = 1) SELECT id, v FROM p WHERE id < 0");
        expect(await db.sorted('SELECT * FROM p')).toEqual([[10, 'y', 'd1', 3]]);
      });

      it('INSERT OVERWRITE without PARTITION replaces the partitions written (dynamic), or all with dynamic-partition-overwrite off', async () => {
        const db = await connect();
        await db.run(
          'CREATE TABLE p (id INT, v STRING, dt STRING, PRIMARY KEY (id, dt) NOT ENFORCED) PARTITIONED BY (dt)',
          "INSERT INTO p VALUES (1, 'a', 'd1'), (2, 'b', 'd1'), (3, 'c', 'd2'), (4, 'd', 'd3')",
          "INSERT OVERWRITE p VALUES (5, 'e', 'd1'), (6, 'f', 'd4')",
        );
        expect(await db.sorted('SELECT * FROM p')).toEqual([[3, 'c', 'd2'], [4, 'd', 'd3'], [5, 'e', 'd1'], [6, 'f', 'd4']]);
        // nothing written: nothing replaced
        await db.run("INSERT OVERWRITE p SELECT id, v, dt FROM p WHERE id < 0");
        expect((await db.rows('SELECT COUNT(*) FROM p'))[0]).toEqual([4]);
        await db.run("INSERT OVERWRITE p /*+ OPTIONS('dynamic-partition-overwrite' = 'false') */ VALUES (7, 'g', 'd2')");
        expect(await db.sorted('SELECT * FROM p')).toEqual([[7, 'g', 'd2']]);
      });
    });

    // -----------------------------------------------------------------------------------------------
    describe('merge engines', () => {
      it("'partial-update': newer non-null fields win, NULLs do not overwrite", async () => {
        const db = await connect();
        await db.run(
          "CREATE TABLE pu (k INT, a STRING, b STRING, c INT, PRIMARY KEY (k) NOT ENFORCED) WITH ('merge-engine' = 'partial-update')",
          "INSERT INTO pu VALUES (1, 'a1', CAST(NULL AS STRING), CAST(NULL AS INT)), (2, 'x', 'y', 1)",
          "INSERT INTO pu VALUES (1, CAST(NULL AS STRING), 'b1', 5)",
          "INSERT INTO pu VALUES (1, 'a2', CAST(NULL AS STRING), CAST(NULL AS INT)), (2, CAST(NULL AS STRING), CAST(NULL AS STRING), 2)",
        );
        expect(await db.sorted('SELECT * FROM pu')).toEqual([[1, 'a2', 'b1', 5], [2, 'x', 'y', 2]]);
        // within one commit the same rule holds
        await db.run("INSERT INTO pu VALUES (3, 'p', CAST(NULL AS STRING), 1), (3, CAST(NULL AS STRING), 'q', CAST(NULL AS INT)), (3, 'r', CAST(NULL AS STRING), CAST(NULL AS INT))");
        expect(await db.rows('SELECT * FROM pu WHERE k = 3')).toEqual([[3, 'r', 'q', 1]]);
        // a projection merges the same way
        expect(await db.sorted('SELECT b FROM pu')).toEqual([['b1'], ['q'], ['y']]);
        expect(await db.sorted('SELECT c, a FROM pu WHERE c > 1')).toEqual([[2, 'x'], [5, 'a2']]);
      });

      it("'partial-update' with sequence groups versions each group by its own sequence field", async () => {
        const db = await connect();
        await db.run(
          `CREATE TABLE sg (k INT, a STRING, b STRING, s1 INT, c STRING, s2 INT, PRIMARY KEY (k) NOT ENFORCED)
            WITH ('merge-engine' = 'partial-update', 'fields.s1.sequence-group' = 'a,b', 'fields.s2.sequence-group' = 'c')`,
          "INSERT INTO sg VALUES (1, 'a1', 'b1', 2, 'c1', 1)",
          // group 1 is older (s1 = 1 < 2): ignored; group 2 is newer (s2 = 2): applied
          "INSERT INTO sg VALUES (1, 'a0', CAST(NULL AS STRING), 1, 'c2', 2)",
        );
        expect(await db.rows('SELECT * FROM sg')).toEqual([[1, 'a1', 'b1', 2, 'c2', 2]]);
        // a newer group version replaces all of its columns, NULLs included
        await db.run("INSERT INTO sg VALUES (1, 'a3', CAST(NULL AS STRING), 3, CAST(NULL AS STRING), 1)");
        expect(await db.rows('SELECT * FROM sg')).toEqual([[1, 'a3', null, 3, 'c2', 2]]);
        // without the sequence columns in the projection, groups still merge by them
        expect(await db.rows('SELECT a, c FROM sg')).toEqual([['a3', 'c2']]);
        expect(await db.rows('SELECT b FROM sg')).toEqual([[null]]);
        await expect(db.exec("CREATE TABLE bad (k INT, a STRING, PRIMARY KEY (k) NOT ENFORCED) WITH ('merge-engine' = 'partial-update', 'fields.nope.sequence-group' = 'a')"))
          .rejects.toThrow(/nope/);
      });

      it("'aggregation' combines the versions of a key field by field", async () => {
        const db = await connect();
        await db.run(
          `CREATE TABLE ag (k INT, s BIGINT, mx INT, mn INT, cnt BIGINT, l STRING, lv STRING, fv STRING, PRIMARY KEY (k) NOT ENFORCED) WITH (
            'merge-engine' = 'aggregation', 'fields.s.aggregate-function' = 'sum', 'fields.mx.aggregate-function' = 'max',
            'fields.mn.aggregate-function' = 'min', 'fields.cnt.aggregate-function' = 'count', 'fields.l.aggregate-function' = 'listagg',
            'fields.lv.aggregate-function' = 'last_non_null_value', 'fields.fv.aggregate-function' = 'first_value')`,
          "INSERT INTO ag VALUES (1, 10, 3, 3, 1, 'x', 'p', 'f1'), (2, 1, 1, 1, 1, 'q', CAST(NULL AS STRING), 'g1')",
          "INSERT INTO ag VALUES (1, 5, 7, 1, 1, 'y', CAST(NULL AS STRING), 'f2'), (1, CAST(NULL AS BIGINT), 2, 9, 1, 'z', 'r', 'f3')",
          "INSERT INTO ag VALUES (2, -4, 0, 5, 1, CAST(NULL AS STRING), 's', 'g2')",
        );
        expect(await db.sorted('SELECT * FROM ag')).toEqual([
          [1, 15, 7, 1, 3, 'x,y,z', 'r', 'f1'],
          [2, -3, 1, 1, 2, 'q', 's', 'g1'],
        ]);
        expect(await db.sorted('SELECT s, l FROM ag')).toEqual([[-3, 'q'], [15, 'x,y,z']]);
        expect(await db.sorted('SELECT k FROM ag WHERE cnt = 3')).toEqual([[1]]);
        await expect(db.exec("CREATE TABLE bad (k INT, s INT, PRIMARY KEY (k) NOT ENFORCED) WITH ('merge-engine' = 'aggregation', 'fields.s.aggregate-function' = 'median')"))
          .rejects.toThrow(/median/);
      });

      it("'first-row' keeps the first version of each key", async () => {
        const db = await connect();
        await db.run(
          "CREATE TABLE fr (k INT, v STRING, PRIMARY KEY (k) NOT ENFORCED) WITH ('merge-engine' = 'first-row')",
          "INSERT INTO fr VALUES (1, 'first'), (2, 'two'), (1, 'same commit, later')",
          "INSERT INTO fr VALUES (1, 'second'), (3, 'three')",
        );
        expect(await db.sorted('SELECT * FROM fr')).toEqual([[1, 'first'], [2, 'two'], [3, 'three']]);
        expect(await db.sorted('SELECT v FROM fr')).toEqual([['first'], ['three'], ['two']]);
      });

      it("'sequence.field' orders versions by a column instead of arrival", async () => {
        const db = await connect();
        await db.run(
          "CREATE TABLE sq (k INT, v STRING, ts BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('sequence.field' = 'ts')",
          "INSERT INTO sq VALUES (1, 'new', 10), (2, 'b', 1), (3, 'late-first', 9), (3, 'early-second', 3)",
          "INSERT INTO sq VALUES (1, 'old', 5), (2, 'b2', 2), (4, 'd', 0)",
        );
        expect(await db.sorted('SELECT * FROM sq')).toEqual([[1, 'new', 10], [2, 'b2', 2], [3, 'late-first', 9], [4, 'd', 0]]);
        // the order holds when the sequence column is not read
        expect(await db.sorted('SELECT v FROM sq')).toEqual([['b2'], ['d'], ['late-first'], ['new']]);
        await expect(db.exec("CREATE TABLE bad (k INT, v STRING, PRIMARY KEY (k) NOT ENFORCED) WITH ('sequence.field' = 'nope')")).rejects.toThrow(/nope/);
      });
    });

    // -----------------------------------------------------------------------------------------------
    describe('reads', () => {
      it('partition and range filters return every matching row; projection returns the columns asked for', async () => {
        const db = await connect();
        await db.run(
          'CREATE TABLE m (id INT, v INT, note STRING, dt STRING, PRIMARY KEY (id, dt) NOT ENFORCED) PARTITIONED BY (dt)',
          'CREATE TABLE ap (id INT, v INT, dt STRING) PARTITIONED BY (dt)',
        );
        // several commits with disjoint key and value ranges, so files differ in their statistics
        const all = new Map<string, Row>();
        for (let c = 0; c < 3; c++) {
          const rows: string[] = [];
          for (let i = 0; i < 10; i++) {
            const id = c * 10 + i;
            const dt = `d${id % 2}`;
            rows.push(`(${id}, ${id * 2}, 'n${id}', '${dt}')`);
            all.set(`${id}|${dt}`, [id, id * 2, `n${id}`, dt]);
          }
          await db.run(`INSERT INTO m VALUES ${rows.join(', ')}`, `INSERT INTO ap VALUES ${rows.map((r) => r.replace(/, 'n\d+'/, '')).join(', ')}`);
        }
        // an update moves a key's value out of the range its old file covers: the old version must not come back
        await db.run("INSERT INTO m VALUES (5, 1000, 'moved', 'd1'), (12, 7, 'moved', 'd0')");
        all.set('5|d1', [5, 1000, 'moved', 'd1']);
        all.set('12|d0', [12, 7, 'moved', 'd0']);
        const rows = [...all.values()];
        const where = (f: (r: Row) => boolean): Row[] => sortRows(rows.filter(f));
        expect(await db.sorted("SELECT * FROM m WHERE dt = 'd1'")).toEqual(where((r) => r[3] === 'd1'));
        expect(await db.sorted("SELECT * FROM m WHERE dt IN ('d0', 'd2') AND id < 15")).toEqual(where((r) => (r[3] === 'd0' || r[3] === 'd2') && (r[0] as number) < 15));
        expect(await db.sorted('SELECT * FROM m WHERE id BETWEEN 11 AND 22')).toEqual(where((r) => (r[0] as number) >= 11 && (r[0] as number) <= 22));
        expect(await db.sorted('SELECT * FROM m WHERE v >= 30 AND v < 50')).toEqual(where((r) => (r[1] as number) >= 30 && (r[1] as number) < 50));
        expect(await db.sorted('SELECT * FROM m WHERE v > 500')).toEqual(where((r) => (r[1] as number) > 500));
        expect(await db.sorted('SELECT * FROM m WHERE v < 10')).toEqual(where((r) => (r[1] as number) < 10));
        expect(await db.sorted("SELECT * FROM m WHERE dt > 'd0' AND v <= 20")).toEqual(where((r) => (r[3] as string) > 'd0' && (r[1] as number) <= 20));
        expect(await db.sorted("SELECT * FROM m WHERE dt = 'nope'")).toEqual([]);
        expect(await db.sorted("SELECT note, id FROM m WHERE dt = 'd1' AND id >= 20")).toEqual(sortRows(rows.filter((r) => r[3] === 'd1' && (r[0] as number) >= 20).map((r) => [r[2], r[0]])));
        expect(await db.columns('SELECT note, id FROM m')).toEqual(['note', 'id']);
        // the append table got every row as first written (no key: the two updates are not in it)
        expect(await db.rows('SELECT COUNT(*) FROM ap')).toEqual([[30]]);
        expect(await db.sorted("SELECT id FROM ap WHERE dt = 'd0' AND v BETWEEN 20 AND 40")).toEqual([[10], [12], [14], [16], [18], [20]]);
        expect(await db.sorted('SELECT id, v FROM ap WHERE id > 26 OR v < 3')).toEqual([[0, 0], [1, 2], [27, 54], [28, 56], [29, 58]]);
      });

      it('filters of every shape over NULL partitions, INT partitions and NULL values keep exactly the matching rows', async () => {
        const db = await connect();
        await db.run('CREATE TABLE np (id INT, v INT, s STRING, dt STRING, h INT) PARTITIONED BY (dt, h)');
        const rows: Row[] = [];
        // one partition per (dt, h) in {NULL, d1} x {NULL, 1, 2}; two commits
        for (let c = 0; c < 2; c++) {
          const batch: Row[] = [];
          for (let i = 0; i < 12; i++) {
            const id = c * 12 + i;
            batch.push([id, id * 5, id % 4 === 0 ? null : `${'xyz'[id % 3]}${id}`, id % 3 === 0 ? null : 'd1', id % 5 === 0 ? null : id % 2 + 1]);
          }
          const lit = (x: unknown): string => (x === null ? 'NULL' : typeof x === 'string' ? `'${x}'` : String(x));
          await db.run(`INSERT INTO np SELECT * FROM (VALUES ${batch.map((r) => `(${r.map(lit).join(', ')})`).join(', ')}) AS x(id, v, s, dt, h)`);
          rows.push(...batch);
        }
        const check = async (where: string, f: (r: Row) => boolean): Promise<void> => {
          expect(await db.sorted(`SELECT * FROM np WHERE ${where}`), where).toEqual(sortRows(rows.filter(f)));
        };
        const num = (x: unknown): number => x as number;
        await check('dt IS NULL', (r) => r[3] === null);
        await check('dt IS NOT NULL AND h = 2', (r) => r[3] !== null && r[4] === 2);
        await check('h IS NULL', (r) => r[4] === null);
        await check("dt = 'd1' AND h = 1", (r) => r[3] === 'd1' && r[4] === 1);
        await check("dt <> 'd1'", () => false);
        await check('h IN (1, 3) OR v > 90', (r) => r[4] === 1 || num(r[1]) > 90);
        await check('NOT (h = 1)', (r) => r[4] !== null && r[4] !== 1);
        await check('s IS NULL', (r) => r[2] === null);
        await check("s LIKE 'x%'", (r) => typeof r[2] === 'string' && r[2].startsWith('x'));
        await check("s >= 'y' AND s < 'z'", (r) => typeof r[2] === 'string' && r[2] >= 'y' && r[2] < 'z');
        await check('v BETWEEN 40 AND 60 OR id = 23', (r) => (num(r[1]) >= 40 && num(r[1]) <= 60) || r[0] === 23);
        await check("id > 100 OR dt = 'nope'", () => false);
        expect(await db.sorted('SELECT dt, h, COUNT(*) FROM np GROUP BY dt, h')).toEqual(sortRows([...rows.reduce((m, r) => {
          const k = JSON.stringify([r[3], r[4]]);
          m.set(k, (m.get(k) ?? 0) + 1);
          return m;
        }, new Map<string, number>())].map(([k, n]) => [...(JSON.parse(k) as unknown[]), n])));
      });

      it("time travel: 'scan.snapshot-id', 'scan.timestamp-millis' and FOR SYSTEM_TIME AS OF", async () => {
        const db = await connect();
        await db.run('CREATE TABLE tt (k INT, v STRING, PRIMARY KEY (k) NOT ENFORCED)');
        const times: number[] = [];
        const versions = ["(1, 'a'), (2, 'b')", "(2, 'b2'), (3, 'c')", "(1, 'a3')"];
        for (const v of versions) {
          if (times.length > 0) await clockPast(times[times.length - 1]!);
          await db.run(`INSERT INTO tt VALUES ${v}`);
          const t = await db.rows(`SELECT commit_time FROM \`tt$snapshots\` WHERE snapshot_id = ${times.length + 1}`);
          times.push(t[0]![0] as number);
        }
        const at = [
          [[1, 'a'], [2, 'b']],
          [[1, 'a'], [2, 'b2'], [3, 'c']],
          [[1, 'a3'], [2, 'b2'], [3, 'c']],
        ];
        for (let i = 0; i < 3; i++) {
          expect(await db.sorted(`SELECT * FROM tt /*+ OPTIONS('scan.snapshot-id' = '${i + 1}') */`)).toEqual(at[i]);
          expect(await db.sorted(`SELECT * FROM tt /*+ OPTIONS('scan.timestamp-millis' = '${times[i]}') */`)).toEqual(at[i]);
          expect(await db.sorted(`SELECT * FROM tt FOR SYSTEM_TIME AS OF TIMESTAMP '${utcText(times[i]!)}'`)).toEqual(at[i]);
        }
        // a time between two commits sees the earlier one
        expect(await db.sorted(`SELECT * FROM tt /*+ OPTIONS('scan.timestamp-millis' = '${times[2]! - 1}') */`)).toEqual(at[1]);
        expect(await db.sorted(`SELECT v FROM tt FOR SYSTEM_TIME AS OF TIMESTAMP '${utcText(times[1]!)}' WHERE k = 2`)).toEqual([['b2']]);
        // a TIMESTAMP is wall-clock time of the session's zone
        const tokyo = db.engine.createSession({ 'execution.runtime-mode': 'batch', 'table.local-time-zone': 'Asia/Tokyo' });
        const inTokyo = (ms: number): string => utcText(ms + 9 * 3600_000);
        expect(sortRows(await resultRows(await tokyo.execute(`SELECT * FROM tt FOR SYSTEM_TIME AS OF TIMESTAMP '${inTokyo(times[0]!)}'`)))).toEqual(at[0]);
        expect(sortRows(await resultRows(await tokyo.execute(`SELECT * FROM tt FOR SYSTEM_TIME AS OF TIMESTAMP '${inTokyo(times[1]!)}'`)))).toEqual(at[1]);
        expect(await db.sorted('SELECT * FROM tt')).toEqual(at[2]);
      });

      it('time travel to a snapshot or time that does not exist fails with a clear message', async () => {
        const db = await connect();
        await db.run('CREATE TABLE tt (k INT)', 'INSERT INTO tt VALUES (1)', 'INSERT INTO tt VALUES (2)');
        await expect(db.exec("SELECT * FROM tt /*+ OPTIONS('scan.snapshot-id' = '9') */")).rejects.toThrow(/snapshot 9 does not exist/);
        await expect(db.exec("SELECT * FROM tt /*+ OPTIONS('scan.snapshot-id' = '0') */")).rejects.toThrow(/scan\.snapshot-id/);
        await expect(db.exec("SELECT * FROM tt /*+ OPTIONS('scan.snapshot-id' = 'x') */")).rejects.toThrow(/scan\.snapshot-id/);
        await expect(db.exec("SELECT * FROM tt /*+ OPTIONS('scan.timestamp-millis' = '1') */")).rejects.toThrow(/no snapshot at or before 1970-01-01 00:00:00\.001/);
        await expect(db.exec("SELECT * FROM tt FOR SYSTEM_TIME AS OF TIMESTAMP '2000-01-01 00:00:00'")).rejects.toThrow(/no snapshot at or before 2000-01-01/);
        await expect(db.exec("SELECT * FROM tt /*+ OPTIONS('incremental-between' = '1,5') */")).rejects.toThrow(/up to snapshot 5, but the latest is 2/);
        await expect(db.exec("SELECT * FROM tt /*+ OPTIONS('incremental-between' = '2,1') */")).rejects.toThrow(/incremental-between/);
      });

      it("incremental reads: 'incremental-between' = 'a,b' gives the changes after a up to b", async () => {
        const db = await connect();
        await db.run(
          'CREATE TABLE ap (x INT)',
          'CREATE TABLE kv (k INT, v STRING, PRIMARY KEY (k) NOT ENFORCED)',
        );
        const steps: Array<[string, string]> = [
          ['(1), (2)', "(1, 'a'), (2, 'b')"],
          ['(3)', "(2, 'b2'), (3, 'c')"],
          ['(4), (5)', "(1, 'a3'), (4, 'd')"],
          ['(6)', "(3, 'c4')"],
        ];
        for (const [a, k] of steps) await db.run(`INSERT INTO ap VALUES ${a}`, `INSERT INTO kv VALUES ${k}`);
        expect(await db.sorted("SELECT * FROM ap /*+ OPTIONS('incremental-between' = '1,3') */")).toEqual([[3], [4], [5]]);
        expect(await db.sorted("SELECT * FROM ap /*+ OPTIONS('incremental-between' = '0,1') */")).toEqual([[1], [2]]);
        expect(await db.sorted("SELECT * FROM ap /*+ OPTIONS('incremental-between' = '2,2') */")).toEqual([]);
        // a key table: the rows added or updated after snapshot 1 up to 3, as of snapshot 3
        expect(await db.sorted("SELECT * FROM kv /*+ OPTIONS('incremental-between' = '1,3') */")).toEqual([[1, 'a3'], [2, 'b2'], [3, 'c'], [4, 'd']]);
        expect(await db.sorted("SELECT * FROM kv /*+ OPTIONS('incremental-between' = '3,4') */")).toEqual([[3, 'c4']]);
        // with the kinds: before-images of updates, +I for new keys
        expect(await db.sorted("SELECT * FROM `kv$audit_log` /*+ OPTIONS('incremental-between' = '1,3') */")).toEqual([
          ['+I', 3, 'c'], ['+I', 4, 'd'], ['+U', 1, 'a3'], ['+U', 2, 'b2'], ['-U', 1, 'a'], ['-U', 2, 'b'],
        ]);
        // filters and projection apply to the changes
        expect(await db.sorted("SELECT v FROM kv /*+ OPTIONS('incremental-between' = '1,3') */ WHERE k >= 2")).toEqual([['b2'], ['c'], ['d']]);
      });
    });

    // -----------------------------------------------------------------------------------------------
    describe('schema evolution', () => {
      it('ADD, RENAME and MODIFY (widening) read old files with NULLs, new names and wider values', async () => {
        let db = await connect();
        await db.run(
          'CREATE TABLE ev (k INT, name STRING, n INT, PRIMARY KEY (k) NOT ENFORCED)',
          'CREATE TABLE eva (k INT, n INT)',
          "INSERT INTO ev VALUES (1, 'one', 100), (2, 'two', 2147483647)",
          'INSERT INTO eva VALUES (1, 10), (2, -2147483648)',
        );
        await db.run('ALTER TABLE ev ADD note STRING', 'ALTER TABLE eva ADD extra DOUBLE');
        expect(await db.sorted('SELECT * FROM ev')).toEqual([[1, 'one', 100, null], [2, 'two', 2147483647, null]]);
        expect(await db.sorted('SELECT * FROM eva')).toEqual([[1, 10, null], [2, -2147483648, null]]);
        await db.run("INSERT INTO ev VALUES (3, 'three', 3, 'new')", 'INSERT INTO eva VALUES (3, 3, 0.5)');
        await db.run('ALTER TABLE ev RENAME name TO label', 'ALTER TABLE eva RENAME n TO m');
        expect(await db.columns('SELECT * FROM ev')).toEqual(['k', 'label', 'n', 'note']);
        expect(await db.sorted('SELECT k, label FROM ev')).toEqual([[1, 'one'], [2, 'two'], [3, 'three']]);
        expect(await db.sorted('SELECT m FROM eva')).toEqual([[-2147483648], [3], [10]]);
        await db.run('ALTER TABLE ev MODIFY n BIGINT', 'ALTER TABLE eva MODIFY m BIGINT');
        await db.run("INSERT INTO ev VALUES (4, 'four', 5000000000, CAST(NULL AS STRING)), (1, 'uno', -5000000000, 'upd')", 'INSERT INTO eva VALUES (4, 6000000000, 1.5)');
        expect(await db.sorted('SELECT * FROM ev')).toEqual([
          [1, 'uno', -5000000000, 'upd'], [2, 'two', 2147483647, null], [3, 'three', 3, 'new'], [4, 'four', 5000000000, null],
        ]);
        expect(await db.sorted('SELECT * FROM eva')).toEqual([[1, 10, null], [2, -2147483648, null], [3, 3, 0.5], [4, 6000000000, 1.5]]);
        expect(await db.sorted('SELECT k FROM ev WHERE n > 2147483647')).toEqual([[4]]);
        // filters on the added, renamed and widened columns see the old files too
        expect(await db.sorted('SELECT k FROM ev WHERE n >= 2147483647')).toEqual([[2], [4]]);
        expect(await db.sorted('SELECT k FROM ev WHERE note IS NULL')).toEqual([[2], [4]]);
        expect(await db.sorted("SELECT k FROM ev WHERE label = 'two' OR label = 'three'")).toEqual([[2], [3]]);
        expect(await db.sorted('SELECT k FROM eva WHERE extra IS NULL')).toEqual([[1], [2]]);
        expect(await db.sorted('SELECT k FROM eva WHERE m < -2147483647 OR m > 2147483647')).toEqual([[2], [4]]);
        // an old snapshot reads through the new names
        expect(await db.sorted("SELECT k, label, n, note FROM ev /*+ OPTIONS('scan.snapshot-id' = '1') */")).toEqual([[1, 'one', 100, null], [2, 'two', 2147483647, null]]);
        expect(await db.sorted('SELECT SUM(m) FROM eva')).toEqual([[6000000000 + 10 - 2147483648 + 3]]);
        // the schema history and the data survive a new engine
        db = await reopen(db);
        expect(await db.rows('SELECT schema_id FROM `ev$schemas` ORDER BY schema_id')).toEqual([[0], [1], [2], [3]]);
        expect(await db.sorted('SELECT k, label, n FROM ev WHERE k <= 2')).toEqual([[1, 'uno', -5000000000], [2, 'two', 2147483647]]);
        expect((await db.rows('SELECT schema_id FROM `ev$files`')).map((r) => r[0]).sort()).toEqual([0, 1, 3]);
      });

      it('changes that stored data could not follow fail with a clear message', async () => {
        const db = await connect();
        await db.run(
          'CREATE TABLE ev (k INT, p STRING, n BIGINT, s STRING, PRIMARY KEY (k, p) NOT ENFORCED) PARTITIONED BY (p)',
          "INSERT INTO ev VALUES (1, 'x', 10, 's')",
        );
        await expect(db.exec('ALTER TABLE ev MODIFY n INT')).rejects.toThrow(/BIGINT cannot change to INT/);
        await expect(db.exec('ALTER TABLE ev MODIFY s INT')).rejects.toThrow(/cannot change to INT/);
        await expect(db.exec('ALTER TABLE ev MODIFY k BIGINT')).rejects.toThrow(/primary key or partition column cannot change/);
        await expect(db.exec('ALTER TABLE ev DROP k')).rejects.toThrow(/primary key.*cannot be dropped/);
        await expect(db.exec('ALTER TABLE ev DROP p')).rejects.toThrow(/partition.*cannot be dropped/);
        await expect(db.exec('ALTER TABLE ev MODIFY n BIGINT NOT NULL')).rejects.toThrow(/NOT NULL/);
        await expect(db.exec('ALTER TABLE ev ADD n INT')).rejects.toThrow(/already exists/);
        await expect(db.exec('ALTER TABLE ev RENAME nope TO other')).rejects.toThrow(/nope/);
        // nothing changed
        expect(await db.rows('SELECT COUNT(*) FROM `ev$schemas`')).toEqual([[1]]);
        expect(await db.rows('SELECT * FROM ev')).toEqual([[1, 'x', 10, 's']]);
      });
    });

    // -----------------------------------------------------------------------------------------------
    describe('system tables', () => {
      it('$snapshots lists every commit with its kind and record counts', async () => {
        const db = await connect();
        await db.run(
          'CREATE TABLE s (k INT, v STRING, PRIMARY KEY (k) NOT ENFORCED)',
          "INSERT INTO s VALUES (1, 'a'), (2, 'b')",
          "INSERT INTO s VALUES (2, 'b2')",
          "INSERT OVERWRITE s VALUES (7, 'z')",
        );
        expect(await db.columns('SELECT * FROM `s$snapshots`')).toEqual([
          'snapshot_id', 'schema_id', 'commit_user', 'commit_identifier', 'commit_kind', 'commit_time', 'base_manifest_list',
          'delta_manifest_list', 'changelog_manifest_list', 'total_record_count', 'delta_record_count', 'changelog_record_count', 'watermark',
        ]);
        const rows = await db.rows('SELECT snapshot_id, schema_id, commit_kind, total_record_count, delta_record_count, commit_identifier, watermark FROM `s$snapshots` ORDER BY snapshot_id');
        expect(rows.map((r) => r.slice(0, 5))).toEqual([[1, 0, 'APPEND', 2, 2], [2, 0, 'APPEND', 3, 1], [3, 0, 'OVERWRITE', 1, -2]]);
        // batch commits carry the largest identifier; no watermark
        for (const r of rows) {
          expect(r[5]).toBe(Number.MAX_SAFE_INTEGER);
          expect(r[6]).toBeNull();
        }
        const lists = await db.rows('SELECT commit_user, base_manifest_list, delta_manifest_list, commit_time FROM `s$snapshots`');
        for (const [user, base, delta, time] of lists) {
          expect(typeof user).toBe('string');
          expect(user).not.toBe('');
          expect(base).toMatch(/^manifest-list-/);
          expect(delta).toMatch(/^manifest-list-/);
          expect(typeof time).toBe('number');
        }
        // each statement commits as its own user
        expect(new Set(lists.map((r) => r[0])).size).toBe(3);
      });

      it('$files and $partitions describe the live data files', async () => {
        const db = await connect();
        await db.run(
          "CREATE TABLE f (k INT, v INT, p STRING, PRIMARY KEY (k, p) NOT ENFORCED) PARTITIONED BY (p) WITH ('bucket' = '2')",
          "INSERT INTO f VALUES (1, 10, 'a'), (2, 20, 'a'), (3, 30, 'b')",
          "INSERT INTO f VALUES (1, 11, 'a'), (4, CAST(NULL AS INT), 'b')",
        );
        expect(await db.columns('SELECT * FROM `f$files`')).toEqual([
          'partition', 'bucket', 'file_path', 'file_format', 'schema_id', 'level', 'record_count', 'file_size_in_bytes', 'min_key', 'max_key',
          'null_value_counts', 'min_value_stats', 'max_value_stats', 'min_sequence_number', 'max_sequence_number', 'creation_time',
        ]);
        const files = await db.rows('SELECT `partition`, bucket, file_path, file_format, schema_id, level, record_count, file_size_in_bytes, min_key, max_key, null_value_counts, min_value_stats, max_value_stats FROM `f$files`');
        expect(files.reduce((s, r) => s + (r[6] as number), 0)).toBe(5);
        for (const r of files) {
          expect(['p=a', 'p=b']).toContain(r[0]);
          expect([0, 1]).toContain(r[1]);
          expect(r[2]).toMatch(new RegExp(`/f/${r[0]}/bucket-${r[1]}/data-[^/]+\\.parquet$`));
          expect(r[3]).toBe('parquet');
          expect(r[4]).toBe(0);
          expect(r[5]).toBe(0);
          expect(r[7]).toBeGreaterThan(0);
          const lo = JSON.parse(r[8] as string) as unknown[];
          const hi = JSON.parse(r[9] as string) as unknown[];
          expect(lo.length).toBe(2);
          expect(compareValues(lo[0], hi[0])).toBeLessThanOrEqual(0);
          const nulls = JSON.parse(r[10] as string) as Record<string, number>;
          const min = JSON.parse(r[11] as string) as Record<string, unknown>;
          const max = JSON.parse(r[12] as string) as Record<string, unknown>;
          expect(Object.keys(min)).toEqual(['k', 'v', 'p']);
          expect(min['p']).toBe((r[0] as string).slice(2));
          expect(max['p']).toBe((r[0] as string).slice(2));
          expect(nulls['k']).toBe(0);
        }
        // the file holding key 4 counts its NULL v
        const withNull = files.filter((r) => (JSON.parse(r[10] as string) as Record<string, number>)['v'] === 1);
        expect(withNull.length).toBe(1);
        expect(withNull[0]![0]).toBe('p=b');
        // sequence numbers: the second commit's files start after the first's
        const seqs = await db.rows('SELECT min_sequence_number, max_sequence_number FROM `f$files`');
        for (const [lo, hi] of seqs) expect(lo as number).toBeLessThanOrEqual(hi as number);
        // $partitions sums the files per partition
        expect(await db.columns('SELECT * FROM `f$partitions`')).toEqual(['partition', 'record_count', 'file_size_in_bytes', 'file_count', 'last_update_time']);
        const parts = await db.rows('SELECT `partition`, record_count, file_size_in_bytes, file_count FROM `f$partitions`');
        const expected = new Map<string, [number, number, number]>();
        for (const r of files) {
          const e = expected.get(r[0] as string) ?? [0, 0, 0];
          expected.set(r[0] as string, [e[0] + (r[6] as number), e[1] + (r[7] as number), e[2] + 1]);
        }
        expect(sortRows(parts)).toEqual(sortRows([...expected].map(([p, v]) => [p, ...v])));
        expect(sortRows(parts).map((r) => [r[0], r[1]])).toEqual([['p=a', 3], ['p=b', 2]]);
        // $files of an earlier snapshot
        expect(await db.rows("SELECT SUM(record_count) FROM `f$files` /*+ OPTIONS('scan.snapshot-id' = '1') */")).toEqual([[3]]);
      });

      it('$options and $schemas show the stored options and every schema version', async () => {
        const db = await connect();
        await db.run(
          "CREATE TABLE o (k INT, v STRING, p STRING, PRIMARY KEY (k, p) NOT ENFORCED) PARTITIONED BY (p) WITH ('bucket' = '2', 'merge-engine' = 'first-row')",
        );
        expect(await db.columns('SELECT * FROM `o$options`')).toEqual(['key', 'value']);
        expect(await db.rows('SELECT * FROM `o$options`')).toEqual([['bucket', '2'], ['merge-engine', 'first-row']]);
        await db.run("ALTER TABLE o SET ('num-sorted-run.compaction-trigger' = '3')");
        expect(await db.rows('SELECT * FROM `o$options`')).toEqual([['bucket', '2'], ['merge-engine', 'first-row'], ['num-sorted-run.compaction-trigger', '3']]);
        await db.run('ALTER TABLE o ADD extra INT');
        expect(await db.columns('SELECT * FROM `o$schemas`')).toEqual(['schema_id', 'fields', 'partition_keys', 'primary_keys', 'options', 'comment', 'update_time']);
        const schemas = await db.rows('SELECT schema_id, fields, partition_keys, primary_keys, options FROM `o$schemas` ORDER BY schema_id');
        expect(schemas.length).toBe(3);
        expect(schemas.map((r) => r[0])).toEqual([0, 1, 2]);
        const fields = (i: number): Array<{ id: number; name: string }> => JSON.parse(schemas[i]![1] as string) as Array<{ id: number; name: string }>;
        expect(fields(0).map((f) => [f.id, f.name])).toEqual([[0, 'k'], [1, 'v'], [2, 'p']]);
        expect(fields(2).map((f) => [f.id, f.name])).toEqual([[0, 'k'], [1, 'v'], [2, 'p'], [3, 'extra']]);
        for (const r of schemas) {
          expect(JSON.parse(r[2] as string)).toEqual(['p']);
          expect(JSON.parse(r[3] as string)).toEqual(['k', 'p']);
        }
        expect(JSON.parse(schemas[0]![4] as string)).toEqual({ bucket: '2', 'merge-engine': 'first-row' });
        expect(JSON.parse(schemas[2]![4] as string)).toEqual({ bucket: '2', 'merge-engine': 'first-row', 'num-sorted-run.compaction-trigger': '3' });
        await expect(db.exec('SELECT * FROM `o$nope`')).rejects.toThrow(/unknown system table/);
      });

      it('$audit_log shows rows with their change kind', async () => {
        const db = await connect();
        await db.run(
          'CREATE TABLE a (k INT, v STRING, PRIMARY KEY (k) NOT ENFORCED)',
          "INSERT INTO a VALUES (1, 'a'), (2, 'b'), (3, 'c')",
          `CREATE TABLE ch (k INT, v STRING) WITH ('connector' = 'values', 'changelog-mode' = 'I,UB,UA,D', 'data' = '[["-D", 2, "b"], ["-U", 1, "a"], ["+U", 1, "a2"]]')`,
        );
        await db.stream.execute('INSERT INTO a SELECT * FROM ch');
        expect(await db.columns('SELECT * FROM `a$audit_log`')).toEqual(['rowkind', 'k', 'v']);
        expect(await db.sorted('SELECT * FROM `a$audit_log`')).toEqual([['+I', 1, 'a2'], ['+I', 3, 'c']]);
        expect(await db.sorted("SELECT * FROM `a$audit_log` /*+ OPTIONS('incremental-between' = '1,2') */")).toEqual([['+U', 1, 'a2'], ['-D', 2, 'b'], ['-U', 1, 'a']]);
        expect(await db.sorted("SELECT rowkind, k FROM `a$audit_log` /*+ OPTIONS('incremental-between' = '0,2') */")).toEqual([['+I', 1], ['+I', 3]]);
        expect(await db.sorted("SELECT v FROM `a$audit_log` /*+ OPTIONS('incremental-between' = '1,2') */ WHERE rowkind = '-D'")).toEqual([['b']]);
      });
    });

    // -----------------------------------------------------------------------------------------------
    describe('compaction', () => {
      it("many small INSERTs trigger compaction at 'num-sorted-run.compaction-trigger'; results stay exact", async () => {
        const db = await connect();
        await db.run("CREATE TABLE c (k INT, v INT, PRIMARY KEY (k) NOT ENFORCED) WITH ('num-sorted-run.compaction-trigger' = '3')");
        const expected = new Map<number, number>();
        const commits = 10;
        for (let i = 0; i < commits; i++) {
          const rows = [[i % 4, i], [10 + i, i], [100, i]];
          for (const [k, v] of rows) expected.set(k!, v!);
          await db.run(`INSERT INTO c VALUES ${rows.map(([k, v]) => `(${k}, ${v})`).join(', ')}`);
          if (i % 3 === 2 || i === commits - 1) expect(await db.sorted('SELECT * FROM c')).toEqual(sortRows([...expected]));
        }
        const kinds = await db.rows('SELECT commit_kind, COUNT(*) FROM `c$snapshots` GROUP BY commit_kind');
        const byKind = new Map(kinds.map((r) => [r[0], r[1]]));
        expect(byKind.get('APPEND')).toBe(commits);
        expect(byKind.get('COMPACT') as number).toBeGreaterThan(0);
        const files = await db.rows('SELECT level, record_count FROM `c$files`');
        expect(files.length).toBeLessThan(commits);
        // at most 'compaction-trigger' sorted runs in level 0 after the last commit, and data reached higher levels
        expect(files.filter((r) => r[0] === 0).length).toBeLessThanOrEqual(3);
        expect(Math.max(...files.map((r) => r[0] as number))).toBeGreaterThan(0);
        // compaction drops the versions it merged: fewer records than were written
        expect(files.reduce((s, r) => s + (r[1] as number), 0)).toBeLessThan(commits * 3);
        expect(await db.rows('SELECT COUNT(*), SUM(v) FROM c')).toEqual([[expected.size, [...expected.values()].reduce((a, b) => a + b, 0)]]);
        // every snapshot still reads as it was committed
        const appends = (await db.rows("SELECT snapshot_id FROM `c$snapshots` WHERE commit_kind = 'APPEND' ORDER BY snapshot_id")).map((r) => r[0] as number);
        const third = new Map<number, number>();
        for (let i = 0; i < 3; i++) for (const [k, v] of [[i % 4, i], [10 + i, i], [100, i]]) third.set(k!, v!);
        expect(await db.sorted(`SELECT * FROM c /*+ OPTIONS('scan.snapshot-id' = '${appends[2]}') */`)).toEqual(sortRows([...third]));
      });
    });

    // -----------------------------------------------------------------------------------------------
    describe('append compaction', () => {
      it("small files of an append table are compacted at 'compaction.min.file-num'; every row stays", async () => {
        const db = await connect();
        await db.run("CREATE TABLE ac (id INT, s STRING) WITH ('compaction.min.file-num' = '3')");
        const commits = 7;
        const expected: Row[] = [];
        for (let i = 0; i < commits; i++) {
          const rows: Row[] = [[i, `r${i}`], [i, `r${i}`], [100 + i, null]];
          expected.push(...rows);
          await db.run(`INSERT INTO ac VALUES ${rows.map(([a, b]) => `(${a}, ${b === null ? 'CAST(NULL AS STRING)' : `'${b}'`})`).join(', ')}`);
        }
        expect(await db.sorted('SELECT * FROM ac')).toEqual(sortRows(expected));
        const files = await db.rows('SELECT record_count FROM `ac$files`');
        expect(files.length).toBeLessThan(commits);
        expect(files.reduce((n, r) => n + (r[0] as number), 0)).toBe(commits * 3);
        expect((await db.rows("SELECT COUNT(*) FROM `ac$snapshots` WHERE commit_kind = 'COMPACT'"))[0]![0] as number).toBeGreaterThan(0);
        expect(await db.sorted("SELECT id FROM ac WHERE s = 'r3' OR id = 105")).toEqual([[3], [3], [105]]);
      });
    });

    // -----------------------------------------------------------------------------------------------
    describe('random workload', () => {
      it('aggregates over a primary-key table with updates and deletes equal the input folded by key', async () => {
        const db = await connect();
        await db.run(
          "CREATE TABLE r (k INT, g STRING, v INT, PRIMARY KEY (k) NOT ENFORCED) WITH ('bucket' = '2', 'num-sorted-run.compaction-trigger' = '3')",
        );
        // seeded: the random workload is the same on every run
        const random = seededRandom(20240611);
        const int = (n: number): number => Math.floor(random() * n);
        const state = new Map<number, [string, number]>();
        const history: Array<{ snapshot: number; rows: Row[] }> = [];
        const rounds = 6;
        for (let round = 0; round < rounds; round++) {
          const ops: Array<['+I' | '-D', number, string, number]> = [];
          for (let i = 0; i < 30; i++) {
            const k = int(50);
            const cur = state.get(k);
            if (cur && round % 2 === 1 && int(4) === 0) {
              ops.push(['-D', k, cur[0], cur[1]]);
              state.delete(k);
            } else {
              const row: [string, number] = [`g${int(5)}`, int(2000) - 500];
              ops.push(['+I', k, row[0], row[1]]);
              state.set(k, row);
            }
          }
          if (round % 2 === 0) {
            // upserts only: a plain batch INSERT
            await db.run(`INSERT INTO r VALUES ${ops.map(([, k, g, v]) => `(${k}, '${g}', ${v})`).join(', ')}`);
          } else {
            // upserts and deletes: a changelog, written by a streaming INSERT
            await db.run(`CREATE TABLE ch${round} (k INT, g STRING, v INT) WITH ('connector' = 'values', 'changelog-mode' = 'I,D', 'data' = ${sqlString(JSON.stringify(ops))})`);
            const r = await db.stream.execute(`INSERT INTO r SELECT * FROM ch${round}`);
            expect(r.kind).toBe('ok');
          }
          history.push({ snapshot: await db.latestSnapshot('r'), rows: sortRows([...state].map(([k, [g, v]]) => [k, g, v])) });
        }
        const rows = [...state].map(([k, [g, v]]) => ({ k, g, v }));
        expect(rows.length).toBeGreaterThan(20);
        expect(await db.sorted('SELECT * FROM r')).toEqual(history[rounds - 1]!.rows);
        const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
        const vs = rows.map((r) => r.v);
        expect(await db.rows('SELECT COUNT(*), SUM(v), MIN(v), MAX(v) FROM r')).toEqual([[rows.length, sum(vs), Math.min(...vs), Math.max(...vs)]]);
        const groups = new Map<string, number[]>();
        for (const r of rows) groups.set(r.g, [...(groups.get(r.g) ?? []), r.v]);
        expect(await db.sorted('SELECT g, COUNT(*), SUM(v), MIN(v), MAX(v) FROM r GROUP BY g')).toEqual(
          sortRows([...groups].map(([g, xs]) => [g, xs.length, sum(xs), Math.min(...xs), Math.max(...xs)])),
        );
        expect(await db.sorted('SELECT g, COUNT(*) FROM r WHERE v > 0 AND k BETWEEN 10 AND 40 GROUP BY g HAVING COUNT(*) > 1')).toEqual(
          sortRows([...groups.keys()].map((g) => [g, rows.filter((r) => r.g === g && r.v > 0 && r.k >= 10 && r.k <= 40).length]).filter((r) => (r[1] as number) > 1)),
        );
        expect(await db.sorted('SELECT k FROM r WHERE v < 0')).toEqual(sortRows(rows.filter((r) => r.v < 0).map((r) => [r.k])));
        // earlier rounds' snapshots read as the fold up to that round
        for (const h of history.filter((_, i) => i % 2 === 1)) expect(await db.sorted(`SELECT * FROM r /*+ OPTIONS('scan.snapshot-id' = '${h.snapshot}') */`)).toEqual(h.rows);
      });
    });
  });
}
