import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalFileIO } from '../../src/fs/local.ts';
import { fileIOFor } from '../../src/fs/resolve.ts';
import { baseName, joinPath, parentPath, schemeOf } from '../../src/fs/file-io.ts';
import { makeTempDir, removeTempDir } from './fs-helpers.ts';

let dir: string;
const io = new LocalFileIO();

beforeEach(() => { dir = makeTempDir('freshet-io-'); });
afterEach(() => removeTempDir(dir));

describe('LocalFileIO', () => {
  it('creates, lists, reads, renames and deletes', async () => {
    const out = await io.create(joinPath(dir, 'a', 'b', 'x.bin'));
    await out.write(new Uint8Array([1, 2, 3]));
    await out.write(new Uint8Array([4]));
    expect(out.bytesWritten).toBe(4);
    await out.close();
    expect([...(await io.readAll(joinPath(dir, 'a', 'b', 'x.bin')))]).toEqual([1, 2, 3, 4]);
    const listed = await io.list(joinPath(dir, 'a'));
    expect(listed.map((f) => [f.name, f.isDirectory])).toEqual([['b', true]]);
    expect(await io.list(joinPath(dir, 'missing'))).toEqual([]);
    fs.writeFileSync(path.join(dir, 'a', 'top.txt'), 'x');
    expect((await io.listRecursive(dir)).map((f) => f.path)).toEqual([joinPath(dir, 'a', 'b', 'x.bin'), joinPath(dir, 'a', 'top.txt')]);
    fs.rmSync(path.join(dir, 'a', 'top.txt'));
    const st = await io.stat(joinPath(dir, 'a', 'b', 'x.bin'));
    expect(st && [st.name, st.size, st.isDirectory]).toEqual(['x.bin', 4, false]);
    expect(await io.stat(joinPath(dir, 'nothing'))).toBeUndefined();

    await io.rename(joinPath(dir, 'a', 'b', 'x.bin'), joinPath(dir, 'c', 'y.bin'));
    expect(fs.existsSync(path.join(dir, 'c', 'y.bin'))).toBe(true);
    expect(io.sizeHint(dir)).toBe(4);

    const raf = await io.openRandomAccess(joinPath(dir, 'c', 'y.bin'));
    expect(raf.size).toBe(4);
    expect([...(await raf.read(1, 2))]).toEqual([2, 3]);
    expect([...(await raf.read(3, 10))]).toEqual([4]);
    await raf.close();

    await io.delete(joinPath(dir, 'c'));
    await io.delete(joinPath(dir, 'c'));
    expect(fs.existsSync(path.join(dir, 'c'))).toBe(false);
  });

  it('reads a file in chunks', async () => {
    const data = new Uint8Array(10_000).map((_, i) => i % 251);
    fs.writeFileSync(path.join(dir, 'f'), data);
    const chunks: Uint8Array[] = [];
    for await (const c of io.readChunks(joinPath(dir, 'f'), 4096)) chunks.push(c);
    expect(chunks.map((c) => c.length)).toEqual([4096, 4096, 1808]);
    expect(Buffer.concat(chunks).equals(Buffer.from(data))).toBe(true);
  });

  it('aborting a written file removes it', async () => {
    const out = await io.create(joinPath(dir, 'tmp.txt'));
    await out.write(new TextEncoder().encode('partial'));
    await out.abort();
    expect(fs.existsSync(path.join(dir, 'tmp.txt'))).toBe(false);
  });

  it('says which path an I/O error is about', async () => {
    await expect(io.readAll(joinPath(dir, 'absent.txt'))).rejects.toThrow(`cannot read ${dir}/absent.txt: no such file or directory`);
  });

  it('picks an implementation by scheme', () => {
    expect(schemeOf('/a/b')).toBe('file');
    expect(schemeOf('file:///a')).toBe('file');
    expect(schemeOf('s3://bucket/key')).toBe('s3');
    expect(fileIOFor('/tmp').scheme).toBe('file');
    expect(fileIOFor('memory://m/x').scheme).toBe('memory');
    expect(fileIOFor('s3://bucket/x').scheme).toBe('s3');
    expect(() => fileIOFor('gs://bucket/x')).toThrow("no file system for 'gs://' paths");
    expect(joinPath('/a/', 'b', '', 'c')).toBe('/a/b/c');
    expect(baseName('/a/b/c.csv')).toBe('c.csv');
    expect(parentPath('/a/b/c.csv')).toBe('/a/b');
  });
});
