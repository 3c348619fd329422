/**
 * Read positions of resumable sources: a read that reports its position after every batch, cut after
 * batch k and resumed from the position reported there, gives exactly the rows the uninterrupted read
 * gave after batch k — for every k. Sources: nexmark (flat and nested), datagen (random values, no
 * seed: the position carries the seed, the time and the random states), values, filesystem (several files,
 * a cut inside a file), and table-store streaming reads of a primary-key table without a changelog
 * producer (a full snapshot, then changes; the normalizer's state is rebuilt on resume) and of a read of
 * changes only.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Batch, Field } from '../../src/types/batch.ts';
import type { ScanSource } from '../../src/connectors/connector.ts';
import { nexmarkConnector } from '../../src/connectors/nexmark/source.ts';
import { datagenConnector } from '../../src/connectors/datagen.ts';
import { valuesConnector } from '../../src/connectors/values.ts';
import { FilesystemSource } from '../../src/connectors/filesystem/source.ts';
import { StoreSource } from '../../src/store/connector/source.ts';
import { Engine } from '../../src/session/engine.ts';
import type { TableStoreCatalog } from '../../src/catalog/table-store-catalog.ts';
import { T } from '../../src/types/data-type.ts';
import { kindRows, publish, scanContext, table, type FakeScanContext } from './stream-helpers.ts';
import { tempDir } from '../helpers/temp-dir.ts';

interface Read {
  /** Rows of each batch, as text. */
  batches: string[][];
  /** The position reported before each batch was yielded. */
  positions: unknown[];
}

const text = (rows: unknown[][]): string[] => rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));

/**
 * Reads `source` from `restored` (or the start) until it ends or `stop` says the rows so far are all
 * there are; records what each batch held and the position reported for it.
 */
async function read(source: ScanSource, batchSize: number, restored?: unknown, stop?: (rows: string[]) => boolean): Promise<Read> {
  const ctx: FakeScanContext = { ...scanContext({ streaming: true, batchSize }), restoredPosition: restored };
  ctx.isCancelled = () => ctx.cancelled;
  let last: unknown;
  ctx.reportPosition = (p) => { last = p; };
  const out: Read = { batches: [], positions: [] };
  const all: string[] = [];
  const cols = source.fields.map((_f, i) => i);
  const it = source.open({ columns: cols, predicates: [] }, ctx)[Symbol.asyncIterator]();
  for (;;) {
    if (stop?.(all)) break;
    const r = await it.next();
    if (r.done) break;
    const rows = text(kindRows(r.value as Batch, source.fields));
    out.batches.push(rows);
    out.positions.push(structuredClone(last));
    all.push(...rows);
  }
  ctx.cancelled = true;
  await it.return?.();
  return out;
}

/** Cuts the uninterrupted read after every batch and checks the resumed read against the rest of it. */
async function checkEveryCut(make: () => ScanSource, batchSize: number, stop?: (rows: string[]) => boolean): Promise<number> {
  const whole = await read(make(), batchSize, undefined, stop);
  expect(whole.batches.length).toBeGreaterThan(3);
  expect(whole.positions.every((p) => p !== undefined)).toBe(true);
  for (let k = 0; k < whole.batches.length; k++) {
    const rest = whole.batches.slice(k + 1).flat();
    // a position was reported as plain data: it survives the on-disk encoding
    const resumed = await read(make(), batchSize, structuredClone(whole.positions[k]), stop === undefined ? undefined : (rows) => rows.length >= rest.length || stop(rows));
    expect(resumed.batches.flat(), `resumed after batch ${k + 1} of ${whole.batches.length}`).toEqual(rest);
  }
  return whole.batches.length;
}

const f = (name: string, type = T.bigint()): Field => ({ name, type });

describe('resuming a read at its reported position gives the rest of the uninterrupted read', () => {
  it('nexmark, flat table', async () => {
    const fields = [f('auction'), f('bidder'), f('price'), f('channel', T.string()), f('url', T.string()), f('dateTime', T.timestamp(3)), f('extra', T.string())];
    const make = () => nexmarkConnector.createSource!(table('bid', fields, { 'nexmark.table': 'bid', 'events.num': '3000', seed: '3' }));
    expect(await checkEveryCut(make, 256)).toBeGreaterThan(5);
  });

  it('nexmark, nested form', async () => {
    const make = () => nexmarkConnector.createSource!(table('events', [f('event_type', T.int()), f('person', T.row([{ name: 'id', type: T.bigint() }, { name: 'name', type: T.string() }]))], { 'events.num': '1500', seed: '5' }));
    expect(await checkEveryCut(make, 200)).toBeGreaterThan(5);
  });

  it('datagen with random values, nulls and times, without a seed', async () => {
    const fields = [f('id'), f('n', T.int()), f('s', T.string()), f('ts', T.timestamp(3)), f('d', T.double())];
    const make = () => datagenConnector.createSource!(table('g', fields, {
      'number-of-rows': '700', 'fields.id.kind': 'sequence', 'fields.id.start': '1', 'fields.id.end': '700',
      'fields.n.null-rate': '0.3', 'fields.s.length': '5', 'fields.ts.max-past': '1 h',
    }));
    expect(await checkEveryCut(make, 64)).toBeGreaterThan(5);
  });

  it('filesystem: files done are skipped, the current file is read again past the rows taken', async () => {
    const dir = tempDir('freshet-positions-');
    for (let i = 0; i < 3; i++) publish(join(dir, `part-${i}.csv`), Array.from({ length: 7 + i }, (_, r) => `${i},${r},row ${i}-${r}`).join('\n') + '\n');
    const make = () => new FilesystemSource(table('files', [f('file', T.int()), f('r', T.int()), f('s', T.string())], { connector: 'filesystem', path: dir, format: 'csv' }));
    expect(await checkEveryCut(make, 4)).toBeGreaterThan(5);
  });

  it('values, a changelog', async () => {
    const data = JSON.stringify(Array.from({ length: 40 }, (_, i) => [i % 3 === 0 ? '+I' : i % 3 === 1 ? '-U' : '+U', i % 7, `v${i}`]));
    const make = () => valuesConnector.createSource!(table('v', [f('k', T.int()), f('s', T.string())], { data, 'changelog-mode': 'I,UB,UA,D' }));
    expect(await checkEveryCut(make, 6)).toBeGreaterThan(5);
  });

  describe('table-store streaming reads of a primary-key table without a changelog producer', () => {
    async function storeTable(options: string): Promise<{ make: () => ScanSource; close: () => Promise<void> }> {
      const engine = await Engine.open();
      const s = engine.createSession({ 'execution.runtime-mode': 'batch' });
      await s.execute(`CREATE TABLE t (k INT, v STRING, PRIMARY KEY (k) NOT ENFORCED) WITH ('bucket' = '2', 'changelog-producer' = 'none', ${options})`);
      await s.execute(`INSERT INTO t VALUES ${Array.from({ length: 9 }, (_, i) => `(${i}, 'a${i}')`).join(', ')}`);
      await s.execute(`INSERT INTO t VALUES ${Array.from({ length: 9 }, (_, i) => `(${i * 2}, 'b${i}')`).join(', ')}`);
      await s.execute("INSERT INTO t VALUES (1, 'c1'), (4, 'c4'), (30, 'c30'), (2, 'b1')");
      await s.execute("INSERT INTO t VALUES (999, 'end')");
      const t = (engine.catalogs.get('default_catalog') as TableStoreCatalog).storedTable('default_database', 't')!;
      return { make: () => new StoreSource(t, 'streaming'), close: () => engine.close() };
    }
    const ended = (rows: string[]): boolean => rows.some((r) => r.includes('"end"'));

    it('snapshot 1 in full, then the changes of 2, 3 and 4 (the state rebuilt from the snapshot before)', async () => {
      const { make, close } = await storeTable("'scan.mode' = 'from-snapshot-full', 'scan.snapshot-id' = '1'");
      try {
        const whole = await read(make(), 2, undefined, ended);
        // updates come as -U/+U pairs: the normalizer knew the old rows
        expect(whole.batches.flat()).toContain('["-U",1,"a1"]');
        expect(await checkEveryCut(make, 2, ended)).toBeGreaterThan(8);
      } finally {
        await close();
      }
    });

    it('the changes from snapshot 1 on (the state rebuilt by reading those changes again)', async () => {
      const { make, close } = await storeTable("'scan.mode' = 'from-snapshot', 'scan.snapshot-id' = '1'");
      try {
        expect(await checkEveryCut(make, 3, ended)).toBeGreaterThan(8);
      } finally {
        await close();
      }
    });
  });
});
