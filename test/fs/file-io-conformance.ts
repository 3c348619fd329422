/**
 * The behaviour every FileIO must have, as one suite that each implementation runs (local disk,
 * memory, S3 through the test proxy). The table store relies on exactly these properties.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FileIO, FileStatus } from '../../src/fs/file-io.ts';
import { joinPath } from '../../src/fs/file-io.ts';

export interface ConformanceTarget {
  io: FileIO;
  /** A directory (path) under which each test makes its own fresh subdirectory. */
  root: string;
}

export interface ConformanceOptions {
  /** Files in one directory for the listing test; over 1000 makes an S3 listing page. */
  manyFiles?: number;
  /** Bytes of the file written in pieces through create(); over 16 MiB makes an S3 multipart upload. */
  bigFileBytes?: number;
  /** Paths raced by concurrent tryCreate callers, and callers per path. */
  racePaths?: number;
  raceCallers?: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const MiB = 1024 * 1024;

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function inParallel<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function shape(list: FileStatus[]): Array<[string, boolean]> {
  return list.map((f) => [f.name, f.isDirectory]);
}

export function describeFileIOConformance(name: string, target: () => ConformanceTarget, options: ConformanceOptions = {}): void {
  const manyFiles = options.manyFiles ?? 1100;
  const bigFileBytes = options.bigFileBytes ?? 40 * MiB;
  const racePaths = options.racePaths ?? 50;
  const raceCallers = options.raceCallers ?? 20;

  /** A fresh directory for one test, and the FileIO. */
  const fresh = (): { io: FileIO; dir: string } => {
    const t = target();
    return { io: t.io, dir: joinPath(t.root, `t-${randomUUID().slice(0, 8)}`) };
  };

  describe(`${name} conformance`, () => {
    it('stats, lists and lists recursively a nested tree', async () => {
      const { io, dir } = fresh();
      const before = Date.now() - 24 * 3600_000;
      await io.writeFile(joinPath(dir, 'a', 'x.bin'), new Uint8Array([1, 2, 3]));
      // a directory that holds only a directory, which object-store listings must still show
      await io.writeFile(joinPath(dir, 'a', 'b', 'c', 'd.bin'), new Uint8Array(5));
      await io.writeFile(joinPath(dir, 'a', 'p=1', 'y'), enc.encode('why'));
      // names that sort around the directory 'a' ('-' < '/' < 'b')
      await io.writeFile(joinPath(dir, 'a-z.txt'), enc.encode('az'));
      await io.writeFile(joinPath(dir, 'ab', 'q'), enc.encode('q'));

      expect(shape(await io.list(dir))).toEqual([['a', true], ['a-z.txt', false], ['ab', true]]);
      expect(shape(await io.list(dir + '/'))).toEqual([['a', true], ['a-z.txt', false], ['ab', true]]);
      const inA = await io.list(joinPath(dir, 'a'));
      expect(shape(inA)).toEqual([['b', true], ['p=1', true], ['x.bin', false]]);
      expect(inA.map((f) => f.path)).toEqual([joinPath(dir, 'a', 'b'), joinPath(dir, 'a', 'p=1'), joinPath(dir, 'a', 'x.bin')]);
      const x = inA[2]!;
      expect(x.size).toBe(3);
      expect(x.modificationTime).toBeGreaterThan(before);
      expect(shape(await io.list(joinPath(dir, 'a', 'b')))).toEqual([['c', true]]);

      const all = await io.listRecursive(dir);
      expect(all.map((f) => f.path)).toEqual([
        joinPath(dir, 'a-z.txt'),
        joinPath(dir, 'a', 'b', 'c', 'd.bin'),
        joinPath(dir, 'a', 'p=1', 'y'),
        joinPath(dir, 'a', 'x.bin'),
        joinPath(dir, 'ab', 'q'),
      ]);
      expect(all.every((f) => !f.isDirectory)).toBe(true);
      expect(all.map((f) => f.size)).toEqual([2, 5, 3, 3, 1]);
      expect((await io.listRecursive(joinPath(dir, 'a'))).map((f) => f.name)).toEqual(['d.bin', 'y', 'x.bin']);

      const st = await io.stat(joinPath(dir, 'a', 'x.bin'));
      expect(st && [st.name, st.size, st.isDirectory, st.path]).toEqual(['x.bin', 3, false, joinPath(dir, 'a', 'x.bin')]);
      expect((await io.stat(joinPath(dir, 'a')))?.isDirectory).toBe(true);
      expect((await io.stat(joinPath(dir, 'a', 'b')))?.isDirectory).toBe(true);
      expect(await io.stat(joinPath(dir, 'nothing'))).toBeUndefined();
      expect(await io.stat(joinPath(dir, 'a', 'x'))).toBeUndefined();
      expect(await io.stat(joinPath(dir, 'a', 'x.bin', 'below'))).toBeUndefined();
      expect(await io.list(joinPath(dir, 'missing'))).toEqual([]);
      expect(await io.listRecursive(joinPath(dir, 'missing'))).toEqual([]);
    });

    it('reads whole files, in chunks, and at random offsets', async () => {
      const { io, dir } = fresh();
      const data = new Uint8Array(randomBytes(300_000));
      const path = joinPath(dir, 'data.bin');
      await io.writeFile(path, data);
      expect(sha256(await io.readAll(path))).toBe(sha256(data));

      const chunks: Uint8Array[] = [];
      for await (const c of io.readChunks(path, 65_536)) chunks.push(c);
      expect(chunks.map((c) => c.length)).toEqual([65_536, 65_536, 65_536, 65_536, 37_856]);
      expect(sha256(Buffer.concat(chunks))).toBe(sha256(data));

      const raf = await io.openRandomAccess(path);
      expect(raf.size).toBe(data.length);
      for (const [off, len] of [[0, 10], [299_990, 100], [123_456, 7_890], [1000, 0], [300_000, 5], [65_530, 20]] as const) {
        const got = await raf.read(off, len);
        expect(Buffer.from(got).equals(Buffer.from(data.subarray(off, Math.min(data.length, off + len))))).toBe(true);
      }
      await raf.close();

      const empty = joinPath(dir, 'empty');
      await io.writeFile(empty, new Uint8Array(0));
      expect((await io.readAll(empty)).length).toBe(0);
      const none: Uint8Array[] = [];
      for await (const c of io.readChunks(empty, 1024)) none.push(c);
      expect(none).toEqual([]);
      const er = await io.openRandomAccess(empty);
      expect(er.size).toBe(0);
      expect((await er.read(0, 10)).length).toBe(0);
      await er.close();
      expect((await io.stat(empty))?.size).toBe(0);
    });

    it('says which path is missing', async () => {
      const { io, dir } = fresh();
      const missing = joinPath(dir, 'absent.txt');
      await expect(io.readAll(missing)).rejects.toThrow(`cannot read ${missing}: no such file or directory`);
      await expect(io.openRandomAccess(missing)).rejects.toThrow(missing);
      await expect((async () => {
        for await (const _ of io.readChunks(missing, 100)) break;
      })()).rejects.toThrow(missing);
      await expect(io.rename(missing, joinPath(dir, 'elsewhere'))).rejects.toThrow(missing);
    });

    it('create writes a file through close, creating parents and replacing what was there', async () => {
      const { io, dir } = fresh();
      const path = joinPath(dir, 'deep', 'er', 'out.bin');
      const out = await io.create(path);
      await out.write(new Uint8Array([1, 2, 3]));
      const reused = new Uint8Array([4, 5]);
      await out.write(reused);
      reused.fill(9); // the writer must not keep a reference to the caller's buffer
      expect(out.bytesWritten).toBe(5);
      await out.close();
      expect([...(await io.readAll(path))]).toEqual([1, 2, 3, 4, 5]);

      const again = await io.create(path);
      await again.write(new Uint8Array([7]));
      await again.close();
      expect([...(await io.readAll(path))]).toEqual([7]);
      await expect(again.write(new Uint8Array([8]))).rejects.toThrow();
    });

    it('abort discards a file being written', async () => {
      const { io, dir } = fresh();
      const path = joinPath(dir, 'tmp.bin');
      const out = await io.create(path);
      await out.write(enc.encode('partial'));
      await out.abort();
      expect(await io.stat(path)).toBeUndefined();
      expect(await io.list(dir)).toEqual([]);
    });

    it(`writes and reads back a large file (${Math.round(bigFileBytes / MiB)} MiB) written in pieces`, async () => {
      const { io, dir } = fresh();
      const path = joinPath(dir, 'big.bin');
      const data = new Uint8Array(randomBytes(bigFileBytes));
      const out = await io.create(path);
      for (let off = 0; off < data.length; off += MiB) await out.write(data.subarray(off, off + MiB));
      expect(out.bytesWritten).toBe(data.length);
      await out.close();
      expect((await io.stat(path))?.size).toBe(data.length);
      expect(sha256(await io.readAll(path))).toBe(sha256(data));
      const hash = createHash('sha256');
      let n = 0;
      for await (const c of io.readChunks(path, 4 * MiB)) {
        hash.update(c);
        n += c.length;
      }
      expect(n).toBe(data.length);
      expect(hash.digest('hex')).toBe(sha256(data));
      const raf = await io.openRandomAccess(path);
      // across S3 part boundaries (8 MiB) and at the end
      for (const off of [8 * MiB - 10, 16 * MiB - 3, data.length - 100, Math.floor(data.length / 3)]) {
        if (off < 0 || off >= data.length) continue;
        expect(Buffer.from(await raf.read(off, 200)).equals(Buffer.from(data.subarray(off, off + 200)))).toBe(true);
      }
      await raf.close();
    });

    it('writeFile replaces a file whole and leaves nothing else behind', async () => {
      const { io, dir } = fresh();
      const path = joinPath(dir, 'meta', 'LATEST');
      await io.writeFile(path, enc.encode('a much longer first version'));
      await io.writeFile(path, enc.encode('v2'));
      expect(dec.decode(await io.readAll(path))).toBe('v2');
      expect(shape(await io.list(joinPath(dir, 'meta')))).toEqual([['LATEST', false]]);
    });

    it('tryCreate creates once; later callers get false and change nothing', async () => {
      const { io, dir } = fresh();
      const path = joinPath(dir, 'snapshot', 'snapshot-1');
      expect(await io.tryCreate(path, enc.encode('first'))).toBe(true);
      expect(await io.tryCreate(path, enc.encode('second'))).toBe(false);
      expect(dec.decode(await io.readAll(path))).toBe('first');
      expect(shape(await io.list(joinPath(dir, 'snapshot')))).toEqual([['snapshot-1', false]]);
      // after a writeFile, the path is just as taken
      await io.writeFile(joinPath(dir, 'hint'), enc.encode('1'));
      expect(await io.tryCreate(joinPath(dir, 'hint'), enc.encode('2'))).toBe(false);
    });

    it(`racing tryCreate: ${raceCallers} callers on each of ${racePaths} paths, exactly one winner each`, async () => {
      const { io, dir } = fresh();
      const paths = Array.from({ length: racePaths }, (_, i) => joinPath(dir, 'race', `snapshot-${i}`));
      await inParallel(paths, 10, async (path) => {
        const contents = Array.from({ length: raceCallers }, (_, c) => enc.encode(`${path} caller ${c} ${randomUUID()}`));
        const results = await Promise.all(contents.map((data) => io.tryCreate(path, data)));
        const winners = results.flatMap((r, i) => (r ? [i] : []));
        expect(winners, path).toHaveLength(1);
        expect(dec.decode(await io.readAll(path))).toBe(dec.decode(contents[winners[0]!]!));
      });
      const listed = await io.list(joinPath(dir, 'race'));
      expect(listed.map((f) => f.name).sort()).toEqual(paths.map((p) => p.slice(p.lastIndexOf('/') + 1)).sort());
    });

    it('rename moves a file, creating parents and replacing the target', async () => {
      const { io, dir } = fresh();
      await io.writeFile(joinPath(dir, 'a.tmp'), enc.encode('A'));
      await io.rename(joinPath(dir, 'a.tmp'), joinPath(dir, 'x', 'y', 'a'));
      expect(await io.stat(joinPath(dir, 'a.tmp'))).toBeUndefined();
      expect(dec.decode(await io.readAll(joinPath(dir, 'x', 'y', 'a')))).toBe('A');
      await io.writeFile(joinPath(dir, 'b.tmp'), enc.encode('B'));
      await io.rename(joinPath(dir, 'b.tmp'), joinPath(dir, 'x', 'y', 'a'));
      expect(dec.decode(await io.readAll(joinPath(dir, 'x', 'y', 'a')))).toBe('B');
      expect(shape(await io.list(dir))).toEqual([['x', true]]);
    });

    it('delete removes a file or a directory with everything under it, and nothing beside it', async () => {
      const { io, dir } = fresh();
      for (const p of ['t/x', 't/sub/y', 't/sub/deeper/z', 't-sibling', 'tz/q', 't.txt']) await io.writeFile(joinPath(dir, ...p.split('/')), enc.encode(p));
      await io.delete(joinPath(dir, 't'));
      expect(await io.stat(joinPath(dir, 't'))).toBeUndefined();
      expect(await io.stat(joinPath(dir, 't', 'sub', 'y'))).toBeUndefined();
      expect((await io.listRecursive(dir)).map((f) => f.path.slice(dir.length + 1))).toEqual(['t-sibling', 't.txt', 'tz/q']);
      await io.delete(joinPath(dir, 't'));
      await io.delete(joinPath(dir, 'never-was'));
      await io.delete(joinPath(dir, 't.txt'));
      expect(shape(await io.list(dir))).toEqual([['t-sibling', false], ['tz', true]]);
    });

    it(`lists a directory of ${manyFiles} files and deletes it`, async () => {
      const { io, dir } = fresh();
      const many = joinPath(dir, 'many');
      const names = Array.from({ length: manyFiles }, (_, i) => `f-${String(i).padStart(5, '0')}`);
      await inParallel(names, 32, async (n) => {
        const out = await io.create(joinPath(many, n));
        await out.write(enc.encode(n));
        await out.close();
      });
      // subdirectories that sort before, among and after the files
      for (const d of ['a-dir', 'f-00010-dir', 'z-dir']) await io.writeFile(joinPath(many, d, 'inner'), enc.encode(d));
      const listed = await io.list(many);
      const expected = [...names.map((n) => [n, false] as [string, boolean]), ['a-dir', true], ['f-00010-dir', true], ['z-dir', true]] as Array<[string, boolean]>;
      expect(shape(listed)).toEqual(expected.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
      expect((await io.listRecursive(many)).length).toBe(manyFiles + 3);
      await io.delete(many);
      expect(await io.list(many)).toEqual([]);
      expect(await io.stat(many)).toBeUndefined();
    });

    it('mkdirs is harmless and files can be written below it', async () => {
      const { io, dir } = fresh();
      await io.mkdirs(joinPath(dir, 'm', 'n'));
      await io.mkdirs(joinPath(dir, 'm', 'n'));
      await io.writeFile(joinPath(dir, 'm', 'n', 'f'), enc.encode('f'));
      expect(shape(await io.list(joinPath(dir, 'm', 'n')))).toEqual([['f', false]]);
    });
  });
}
