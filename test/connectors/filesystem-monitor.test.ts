import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Batch, Field } from '../../src/types/batch.ts';
import { T } from '../../src/types/data-type.ts';
import { FilesystemSource } from '../../src/connectors/filesystem/source.ts';
import { makeTempDir, removeTempDir, write } from './fs-helpers.ts';
import { type FakeScanContext, kindRows, nextWithin, publish, readAll, scanContext, sleep, table } from './stream-helpers.ts';

let dir: string;
let ctx: FakeScanContext;
let iterators: AsyncIterator<Batch>[];

beforeEach(() => {
  dir = makeTempDir('freshet-monitor-');
  ctx = scanContext();
  iterators = [];
});

afterEach(async () => {
  ctx.cancelled = true;
  for (const it of iterators) await it.return?.();
  removeTempDir(dir);
});

const COLS: Field[] = [{ name: 'id', type: T.int() }, { name: 'name', type: T.string() }];
const PART_COLS: Field[] = [...COLS, { name: 'dt', type: T.string() }];
/** Generous: a new file must show up within this long (the interval is 20 ms). */
const WITHIN = 10_000;

function monitored(options: Record<string, string> = {}, cols = COLS, partitionKeys: string[] = []): FilesystemSource {
  return new FilesystemSource(table('t', cols, { connector: 'filesystem', path: path.join(dir, 't'), format: 'csv', 'source.monitor-interval': '20 ms', ...options }, partitionKeys));
}

function start(src: FilesystemSource, predicates: Parameters<FilesystemSource['open']>[0]['predicates'] = []): AsyncIterator<Batch> {
  const it = src.open({ columns: src.fields.map((_f, i) => i), predicates }, ctx)[Symbol.asyncIterator]();
  iterators.push(it);
  return it;
}

async function nextRows(it: AsyncIterator<Batch>, fields: readonly Field[]): Promise<unknown[][]> {
  const r = await nextWithin(it, WITHIN);
  if (r.done) throw new Error('the source ended');
  return kindRows(r.value, fields);
}

describe('filesystem source.monitor-interval', () => {
  it('is bounded without the option and unbounded with it', async () => {
    write(path.join(dir, 't', 'a.csv'), '1,a\n');
    const plain = new FilesystemSource(table('t', COLS, { connector: 'filesystem', path: path.join(dir, 't'), format: 'csv' }));
    expect(plain.bounded).toBe(true);
    expect(await readAll(plain, scanContext({ streaming: false }))).toEqual([['+I', 1, 'a']]);
    const src = monitored({ 'source.monitor-interval': '1 s' });
    expect(src.bounded).toBe(false);
    expect(src.describe()).toBe(`filesystem(path=${path.join(dir, 't')}, format=csv, monitor-interval=1 s)`);
  });

  it('reads the files present, then each file added later exactly once, in the order they appear, ignoring in-progress names', async () => {
    write(path.join(dir, 't', 'b.csv'), '2,b\n');
    write(path.join(dir, 't', 'a.csv'), '1,a\n');
    const it = start(monitored());
    expect(await nextRows(it, COLS)).toEqual([['+I', 1, 'a']]);
    expect(await nextRows(it, COLS)).toEqual([['+I', 2, 'b']]);

    // an in-progress file (hidden name, not even valid CSV for this table) is never read
    write(path.join(dir, 't', '.c.csv.inprogress'), 'not,valid,csv,for,this,table\n');
    write(path.join(dir, 't', '_c.csv.tmp'), 'not,valid,csv,for,this,table\n');
    const pending = it.next();
    // several listings happen meanwhile; none of them may read a, b or the hidden files again
    await sleep(200);
    publish(path.join(dir, 't', 'c.csv'), '3,c\n');
    const r = await Promise.race([pending, sleep(WITHIN).then(() => { throw new Error('c.csv was not picked up'); })]);
    expect(r.done).toBe(false);
    expect(kindRows(r.value as Batch, COLS)).toEqual([['+I', 3, 'c']]);

    publish(path.join(dir, 't', 'z.csv'), '5,z\n');
    await sleep(50);
    publish(path.join(dir, 't', 'd.csv'), '4,d\n');
    // z appeared first, so it is read first, whether one listing sees both or not (not by name)
    expect(await nextRows(it, COLS)).toEqual([['+I', 5, 'z']]);
    expect(await nextRows(it, COLS)).toEqual([['+I', 4, 'd']]);

    ctx.cancelled = true;
    expect((await nextWithin(it, WITHIN)).done).toBe(true);
  });

  it('discovers new partition directories, and prunes them with partition predicates', async () => {
    write(path.join(dir, 't', 'dt=1', 'a.csv'), '1,a\n');
    const it = start(monitored({}, PART_COLS, ['dt']));
    expect(await nextRows(it, PART_COLS)).toEqual([['+I', 1, 'a', '1']]);
    publish(path.join(dir, 't', 'dt=2', 'b.csv'), '2,b\n');
    expect(await nextRows(it, PART_COLS)).toEqual([['+I', 2, 'b', '2']]);

    const only3 = start(monitored({}, PART_COLS, ['dt']), [{ column: 2, op: '=', values: ['3'] }]);
    const pending = only3.next();
    publish(path.join(dir, 't', 'dt=4', 'd.csv'), '4,d\n');
    await sleep(100);
    publish(path.join(dir, 't', 'dt=3', 'c.csv'), '3,c\n');
    const r = await Promise.race([pending, sleep(WITHIN).then(() => { throw new Error('dt=3 was not picked up'); })]);
    expect(kindRows(r.value as Batch, PART_COLS)).toEqual([['+I', 3, 'c', '3']]);
  });

  it('stops promptly when cancelled while waiting for new files', async () => {
    fs.mkdirSync(path.join(dir, 't'));
    const it = start(monitored({ 'source.monitor-interval': '1 h' }));
    const pending = it.next();
    await sleep(50);
    const t0 = performance.now();
    ctx.cancelled = true;
    const r = await Promise.race([pending, sleep(WITHIN).then(() => { throw new Error('the source did not stop'); })]);
    expect(r.done).toBe(true);
    // it sleeps in short steps, so it notices within about one step (the bound allows a loaded machine)
    expect(performance.now() - t0).toBeLessThan(WITHIN / 2);
  });

  it('passes row kinds of changelog files found later', async () => {
    fs.mkdirSync(path.join(dir, 't'));
    const cols: Field[] = [{ name: 'id', type: T.int() }];
    const it = start(monitored({ format: 'debezium-json' }, cols));
    publish(path.join(dir, 't', 'a.json'), '{"before":{"id":1},"after":{"id":2},"op":"u"}\n');
    expect(await nextRows(it, cols)).toEqual([['-U', 1], ['+U', 2]]);
  });

  it('refuses batch scans, and rejects an interval that is not a positive duration', async () => {
    fs.mkdirSync(path.join(dir, 't'));
    await expect(readAll(monitored(), scanContext({ streaming: false }))).rejects.toThrow(
      "table t is unbounded (filesystem with 'source.monitor-interval') and cannot be read in batch mode");
    expect(() => monitored({ 'source.monitor-interval': 'soon' })).toThrow(
      "option 'source.monitor-interval' of table t must be a positive duration such as '1 s', '10 min' or '500 ms', got 'soon'");
    expect(() => monitored({ 'source.monitor-interval': '0 s' })).toThrow(/must be a positive duration/);
  });
});
