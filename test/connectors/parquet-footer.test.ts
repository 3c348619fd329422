import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { LocalFileIO } from '../../src/fs/local.ts';
import { blobWithFooter, readFooter, withKeyValue } from '../../src/connectors/formats/parquet-footer.ts';
import { exec, makeTempDir, newSession, removeTempDir } from './fs-helpers.ts';

let dir: string;
let duck: DuckDBConnection;
let instance: DuckDBInstance;
const io = new LocalFileIO();

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  duck = await instance.connect();
});
afterAll(() => {
  duck.closeSync();
  instance.closeSync();
});
beforeEach(() => { dir = makeTempDir('freshet-footer-'); });
afterEach(() => removeTempDir(dir));

/** Writes the bytes a Blob serves to a real file, so another reader can check them. */
async function materialize(blob: Blob, file: string): Promise<void> {
  fs.writeFileSync(file, new Uint8Array(await blob.slice(0, blob.size).arrayBuffer()));
}

async function kv(file: string): Promise<Record<string, string>> {
  const r = await duck.runAndReadAll(`SELECT decode(key), decode(value) FROM parquet_kv_metadata('${file}')`);
  return Object.fromEntries(r.getRows().map(([k, v]) => [String(k), String(v)]));
}

describe('parquet footer', () => {
  it('reads row groups, statistics and dictionary flags of a DuckDB file', async () => {
    const file = path.join(dir, 'a.parquet');
    await duck.run(`COPY (SELECT i::BIGINT AS id, 'k' || (i % 3) AS cat FROM range(5000) t(i)) TO '${file}' (FORMAT PARQUET, ROW_GROUP_SIZE 2048)`);
    const raf = await io.openRandomAccess(file);
    const footer = (await readFooter(raf))!;
    await raf.close();
    expect(footer.rowGroups.map((g) => g.rows)).toEqual([2048, 2048, 904]);
    const cat = footer.rowGroups[0]!.columns.find((c) => c.path[0] === 'cat')!;
    expect(cat.dictionary).toBe(true);
    expect(new TextDecoder().decode(cat.min)).toBe('k0');
    expect(new TextDecoder().decode(cat.max)).toBe('k2');
    expect(footer.rowGroups[2]!.columns.find((c) => c.path[0] === 'id')!.nullCount).toBe(0);
  });

  it('adds or replaces a key-value entry, leaving a file other readers accept', async () => {
    const plain = path.join(dir, 'duck.parquet');
    await duck.run(`COPY (SELECT i::INT AS id, 'v' || i AS s FROM range(100) t(i)) TO '${plain}' (FORMAT PARQUET)`);
    const s = await newSession();
    await exec(s, `CREATE TABLE own (id INT, s STRING) WITH ('connector' = 'filesystem', 'path' = '${dir}/own', 'format' = 'parquet')`);
    await exec(s, `INSERT INTO own SELECT id, s FROM (VALUES (1, 'a'), (2, 'b')) AS v(id, s)`);
    const own = path.join(dir, 'own', fs.readdirSync(path.join(dir, 'own'))[0]!);
    for (const file of [plain, own]) {
      const raf = await io.openRandomAccess(file);
      const footer = (await readFooter(raf))!;
      const edited = path.join(dir, `edited-${path.basename(file)}`);
      await materialize(blobWithFooter(raf, footer, withKeyValue(footer, 'freshet:test', 'one')), edited);
      const again = withKeyValue({ ...footer, bytes: withKeyValue(footer, 'freshet:test', 'one') }, 'freshet:test', 'two');
      await materialize(blobWithFooter(raf, footer, again), edited + '2');
      await raf.close();
      expect((await kv(edited))['freshet:test']).toBe('one');
      expect((await kv(edited + '2'))['freshet:test']).toBe('two');
      const original = await duck.runAndReadAll(`SELECT * FROM '${file}' ORDER BY id`);
      const copy = await duck.runAndReadAll(`SELECT * FROM '${edited}' ORDER BY id`);
      expect(copy.getRows()).toEqual(original.getRows());
      if (file === own) expect(Object.keys(await kv(edited))).toContain('ARROW:schema');
    }
  });
});
