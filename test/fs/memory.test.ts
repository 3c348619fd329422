import { describe, expect, it } from 'vitest';
import { MemoryFileIO, dropMemoryStore } from '../../src/fs/memory.ts';
import { fileIOFor } from '../../src/fs/resolve.ts';
import { describeFileIOConformance } from './file-io-conformance.ts';

const io = new MemoryFileIO();
const enc = new TextEncoder();
const dec = new TextDecoder();

describeFileIOConformance('MemoryFileIO', () => ({ io, root: 'memory://conformance' }));

describe('MemoryFileIO', () => {
  it('shares one store per name between instances, and none between names', async () => {
    await new MemoryFileIO().writeFile('memory://shared/a/b', enc.encode('x'));
    expect(dec.decode(await new MemoryFileIO().readAll('memory://shared/a/b'))).toBe('x');
    expect(dec.decode(await fileIOFor('memory://shared/').readAll('memory://shared/a/b'))).toBe('x');
    expect(await io.stat('memory://other/a/b')).toBeUndefined();
    dropMemoryStore('shared');
    expect(await io.stat('memory://shared/a/b')).toBeUndefined();
  });

  it('knows sizes, and directories exist only through their files', async () => {
    await io.writeFile('memory://sizes/t/x', new Uint8Array(10));
    await io.writeFile('memory://sizes/t/y/z', new Uint8Array(5));
    expect(io.sizeHint('memory://sizes/t')).toBe(15);
    expect(io.sizeHint('memory://sizes/t/x')).toBe(10);
    expect(io.sizeHint('memory://sizes/none')).toBeUndefined();
    await io.mkdirs('memory://sizes/empty');
    expect(await io.stat('memory://sizes/empty')).toBeUndefined();
    await io.delete('memory://sizes/t/y/z');
    expect((await io.list('memory://sizes/t')).map((f) => f.name)).toEqual(['x']);
    expect((await io.stat('memory://sizes/'))?.isDirectory).toBe(true);
  });

  it('readers keep the version they opened', async () => {
    await io.writeFile('memory://versions/f', enc.encode('old'));
    const raf = await io.openRandomAccess('memory://versions/f');
    await io.writeFile('memory://versions/f', enc.encode('new!'));
    expect(dec.decode(await raf.read(0, 10))).toBe('old');
    const read = await io.readAll('memory://versions/f');
    read.fill(0); // a caller changing what it read does not change the file
    expect(dec.decode(await io.readAll('memory://versions/f'))).toBe('new!');
  });

  it('rejects paths that are not in-memory paths', async () => {
    await expect(io.readAll('/tmp/x')).rejects.toThrow("not an in-memory path: '/tmp/x'");
  });
});
