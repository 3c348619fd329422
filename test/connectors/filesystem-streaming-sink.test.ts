import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Field } from '../../src/types/batch.ts';
import { T } from '../../src/types/data-type.ts';
import { FilesystemSink, type CommittableSinkWriter } from '../../src/connectors/filesystem/sink.ts';
import { FilesystemSource } from '../../src/connectors/filesystem/source.ts';
import { exec, failure, listTree, makeTempDir, newSession, removeTempDir } from './fs-helpers.ts';
import { batchOf, readAll, scanContext, sleep, table, visible, visibleLines } from './stream-helpers.ts';

let dir: string;
let writers: CommittableSinkWriter[];

beforeEach(() => {
  dir = makeTempDir('freshet-sink-');
  writers = [];
});

afterEach(async () => {
  // stop the rolling timers of writers a test left open
  for (const w of writers) await w.abort().catch(() => undefined);
  removeTempDir(dir);
});

const COLS: Field[] = [{ name: 'id', type: T.int() }, { name: 'name', type: T.string() }];
const PART_COLS: Field[] = [...COLS, { name: 'dt', type: T.string() }];

/** A processing-time clock the test moves by hand. */
function manualClock(): { now: number; ctx: { timeZone: string; clock: () => number } } {
  const c = { now: 0, ctx: { timeZone: 'UTC', clock: () => c.now } };
  return c;
}

async function openWriter(options: Record<string, string> = {}, ctx: { timeZone: string } = { timeZone: 'UTC' }, cols = COLS, partitionKeys: string[] = [],
  overwrite = false): Promise<CommittableSinkWriter> {
  const sink = new FilesystemSink(table('t', cols, { connector: 'filesystem', path: dir, format: 'csv', ...options }, partitionKeys));
  const w = await sink.open({ overwrite, staticPartition: {} }, ctx);
  writers.push(w);
  return w;
}

const stagingDirs = (): string[] => listTree(dir).filter((p) => p.startsWith('.staging-') && p.endsWith('/') && p.split('/').length === 2);

describe('streaming filesystem sink: commit', () => {
  it('commit() makes everything written so far visible, later rows wait for the next commit, finish() commits the rest', async () => {
    const w = await openWriter();
    await w.write(batchOf(COLS, [[1, 'a'], [2, 'b']]));
    expect(visible(dir)).toEqual([]);
    await w.commit();
    expect(visible(dir)).toHaveLength(1);
    expect(visibleLines(dir)).toEqual(['1,a', '2,b']);
    // readers see the committed rows
    const src = new FilesystemSource(table('t', COLS, { connector: 'filesystem', path: dir, format: 'csv' }));
    expect(await readAll(src, scanContext({ streaming: false }))).toEqual([['+I', 1, 'a'], ['+I', 2, 'b']]);

    await w.write(batchOf(COLS, [[3, 'c']]));
    expect(visibleLines(dir)).toEqual(['1,a', '2,b']);
    await w.commit();
    expect(visible(dir)).toHaveLength(2);
    expect(visibleLines(dir)).toEqual(['1,a', '2,b', '3,c']);
    // a commit with nothing new changes nothing
    await w.commit();
    expect(visible(dir)).toHaveLength(2);

    await w.write(batchOf(COLS, [[4, 'd']]));
    expect(await w.finish()).toBe(4);
    expect(visibleLines(dir)).toEqual(['1,a', '2,b', '3,c', '4,d']);
    expect(visible(dir).every((f) => /^part-[0-9a-f-]{36}-\d+\.csv$/.test(f))).toBe(true);
    expect(stagingDirs()).toEqual([]);
  });

  it('rows written while a commit runs belong to the next commit', async () => {
    const w = await openWriter();
    await w.write(batchOf(COLS, [[1, 'a']]));
    const committing = w.commit();
    await w.write(batchOf(COLS, [[2, 'b']]));
    await committing;
    expect(visibleLines(dir)).toEqual(['1,a']);
    await w.finish();
    expect(visibleLines(dir)).toEqual(['1,a', '2,b']);
  });

  it('abort() drops rows not committed yet and keeps committed files', async () => {
    const w = await openWriter();
    await w.write(batchOf(COLS, [[1, 'a']]));
    await w.commit();
    await w.write(batchOf(COLS, [[2, 'b']]));
    await w.abort();
    expect(visibleLines(dir)).toEqual(['1,a']);
    expect(stagingDirs()).toEqual([]);
    await expect(w.commit()).rejects.toThrow(/already aborted/);
  });

  it('rejects updates and deletes with an error that points to an upsert-capable sink', async () => {
    const sink = new FilesystemSink(table('t', COLS, { connector: 'filesystem', path: dir, format: 'csv' }));
    expect(sink.acceptsChanges).toBe(false);
    const w = await openWriter();
    // kinds that are all +I are inserts
    await w.write(batchOf(COLS, [[1, 'a']], [0]));
    for (const [kinds, name] of [[[0, 2], '+U'], [[1, 2], '-U'], [[3, 0], '-D']] as const) {
      let error: (Error & { hint?: string }) | undefined;
      try {
        await w.write(batchOf(COLS, [[2, 'b'], [3, 'c']], [...kinds]));
      } catch (e) {
        error = e as Error & { hint?: string };
      }
      expect(error?.message).toBe(`the filesystem sink cannot store updates or deletes: table t (format 'csv') received a ${name} row`);
      expect(error?.hint).toContain('upsert-capable sink');
    }
    await w.finish();
    expect(visibleLines(dir)).toEqual(['1,a']);
  });

  it('INSERT OVERWRITE cannot commit before it finishes', async () => {
    const w = await openWriter({}, { timeZone: 'UTC' }, COLS, [], true);
    await w.write(batchOf(COLS, [[1, 'a']]));
    await expect(w.commit()).rejects.toThrow('INSERT OVERWRITE into table t cannot commit before it finishes');
  });
});

describe('streaming filesystem sink: rolling policy', () => {
  it('rolls a part file open longer than the rollover interval when rows arrive', async () => {
    const clock = manualClock();
    const w = await openWriter({ 'sink.rolling-policy.rollover-interval': '1 min', 'sink.rolling-policy.check-interval': '1 h' }, clock.ctx);
    await w.write(batchOf(COLS, [[1, 'a']]));
    clock.now = 59_000;
    await w.write(batchOf(COLS, [[2, 'b']]));
    clock.now = 60_000;
    await w.write(batchOf(COLS, [[3, 'c']]));
    // rolled files wait (hidden) for the commit
    expect(visible(dir)).toEqual([]);
    await w.commit();
    expect(visible(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).sort()).toEqual(['1,a\n2,b\n', '3,c\n']);
  });

  it('checks the rollover interval every check-interval, without rows arriving', async () => {
    const clock = manualClock();
    const w = await openWriter({ 'sink.rolling-policy.rollover-interval': '1 min', 'sink.rolling-policy.check-interval': '10 ms' }, clock.ctx);
    await w.write(batchOf(COLS, [[1, 'a']]));
    clock.now = 61_000;
    // timers fire in order of due time, so the 10 ms checks run before this sleep ends
    await sleep(100);
    // with the clock back at 0 a write alone would not roll: only the timed check can have rolled the file
    clock.now = 0;
    await w.write(batchOf(COLS, [[2, 'b']]));
    await w.finish();
    expect(visible(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).sort()).toEqual(['1,a\n', '2,b\n']);
  });

  it('rejects rolling options that are not positive durations', () => {
    expect(() => new FilesystemSink(table('t', COLS, { connector: 'filesystem', path: dir, format: 'csv', 'sink.rolling-policy.rollover-interval': 'often' })))
      .toThrow("option 'sink.rolling-policy.rollover-interval' of table t must be a positive duration such as '1 s', '10 min' or '500 ms', got 'often'");
    expect(() => new FilesystemSink(table('t', COLS, { connector: 'filesystem', path: dir, format: 'csv', 'sink.rolling-policy.check-interval': '0' })))
      .toThrow(/'sink.rolling-policy.check-interval' of table t must be a positive duration/);
  });
});

describe('streaming filesystem sink: partition commit', () => {
  const exists = (rel: string): boolean => fs.existsSync(path.join(dir, rel));

  it('writes _SUCCESS into a partition at the first commit after it had no rows for the delay; finish() commits the rest', async () => {
    const clock = manualClock();
    const w = await openWriter({ 'sink.partition-commit.trigger': 'process-time', 'sink.partition-commit.delay': '1 min', 'sink.partition-commit.policy.kind': 'success-file' },
      clock.ctx, PART_COLS, ['dt']);
    await w.write(batchOf(PART_COLS, [[1, 'a', 'x']]));
    clock.now = 50_000;
    await w.write(batchOf(PART_COLS, [[2, 'b', 'y']]));
    clock.now = 70_000;
    await w.commit();
    // both partitions' files are visible; only dt=x has been quiet for a minute
    expect(visibleLines(dir)).toEqual(['1,a', '2,b']);
    expect(exists('dt=x/_SUCCESS')).toBe(true);
    expect(exists('dt=y/_SUCCESS')).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'dt=x/_SUCCESS'), 'utf8')).toBe('');

    clock.now = 110_000;
    await w.commit();
    expect(exists('dt=y/_SUCCESS')).toBe(true);

    // a committed partition that receives rows again is committed again
    fs.rmSync(path.join(dir, 'dt=x/_SUCCESS'));
    await w.write(batchOf(PART_COLS, [[3, 'c', 'x']]));
    clock.now = 111_000;
    await w.commit();
    expect(exists('dt=x/_SUCCESS')).toBe(false);
    await w.finish();
    expect(exists('dt=x/_SUCCESS')).toBe(true);
    expect(visibleLines(dir)).toEqual(['1,a', '2,b', '3,c']);
  });

  it('commits every partition written at each commit with the default delay (0), under the configured file name', async () => {
    const w = await openWriter({ 'sink.partition-commit.policy.kind': 'success-file', 'sink.partition-commit.success-file.name': '_DONE' }, { timeZone: 'UTC' }, PART_COLS, ['dt']);
    await w.write(batchOf(PART_COLS, [[1, 'a', 'x'], [2, 'b', 'y']]));
    await w.commit();
    expect(exists('dt=x/_DONE') && exists('dt=y/_DONE')).toBe(true);
    expect(exists('dt=x/_SUCCESS')).toBe(false);
    await w.finish();
  });

  it('writes no marker without a commit policy', async () => {
    const w = await openWriter({}, { timeZone: 'UTC' }, PART_COLS, ['dt']);
    await w.write(batchOf(PART_COLS, [[1, 'a', 'x']]));
    await w.finish();
    expect(listTree(dir)).toEqual(['dt=x/', expect.stringMatching(/^dt=x\/part-.*\.csv$/)]);
  });

  it('a batch INSERT commits each partition it wrote', async () => {
    const s = await newSession();
    await exec(s, `CREATE TABLE p (id INT, name STRING, dt STRING) PARTITIONED BY (dt) WITH ('connector' = 'filesystem', 'path' = '${dir}/p', 'format' = 'csv',
      'sink.partition-commit.policy.kind' = 'success-file')`);
    await exec(s, `INSERT INTO p VALUES (1, 'a', '2024-01-01'), (2, 'b', '2024-01-02')`);
    expect(listTree(path.join(dir, 'p')).filter((f) => f.endsWith('_SUCCESS'))).toEqual(['dt=2024-01-01/_SUCCESS', 'dt=2024-01-02/_SUCCESS']);
  });

  it('rejects commit options it cannot honour', async () => {
    const s = await newSession();
    const create = (opts: string, partitioned = true): string =>
      `CREATE TABLE q (id INT, dt STRING) ${partitioned ? 'PARTITIONED BY (dt)' : ''} WITH ('connector' = 'filesystem', 'path' = '${dir}/q', 'format' = 'csv', ${opts})`;
    expect((await failure(s, create("'sink.partition-commit.policy.kind' = 'success-file'", false))).message)
      .toContain("q is not partitioned, so 'sink.partition-commit.policy.kind' has nothing to commit");
    expect((await failure(s, create("'sink.partition-commit.policy.kind' = 'metastore,success-file'"))).message)
      .toContain("partition commit policy 'metastore' is not supported by the filesystem connector");
    expect((await failure(s, create("'sink.partition-commit.trigger' = 'partition-time'"))).message)
      .toContain("'sink.partition-commit.trigger' = 'partition-time' is not supported");
    expect((await failure(s, create("'sink.partition-commit.delay' = 'later'"))).message)
      .toContain("option 'sink.partition-commit.delay' of table");
    expect((await failure(s, create("'sink.partition-commit.policy.kind' = 'success-file', 'sink.partition-commit.success-file.name' = 'DONE'"))).message)
      .toContain("must be a file name starting with '_' or '.', got 'DONE'");
  });
});
