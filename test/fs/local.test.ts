import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalFileIO } from '../../src/fs/local.ts';
import { joinPath } from '../../src/fs/file-io.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { describeFileIOConformance } from './file-io-conformance.ts';

const io = new LocalFileIO();
const root = tempDir('freshet-local-io-');
const enc = new TextEncoder();

describeFileIOConformance('LocalFileIO', () => ({ io, root }));
describeFileIOConformance('LocalFileIO (file:// URIs)', () => ({ io, root: 'file://' + root }), { manyFiles: 20, bigFileBytes: 1 << 20, racePaths: 5 });

describe('LocalFileIO atomic writes', () => {
  it('leaves no temp files, and its temp files would be hidden', async () => {
    const dir = path.join(root, 'no-temps');
    expect(await io.tryCreate(joinPath(dir, 'a'), enc.encode('1'))).toBe(true);
    expect(await io.tryCreate(joinPath(dir, 'a'), enc.encode('2'))).toBe(false);
    await io.writeFile(joinPath(dir, 'b'), enc.encode('3'));
    expect(fs.readdirSync(dir).sort()).toEqual(['a', 'b']);
  });

  it('a temp file left by a crash does not disturb later creates', async () => {
    const dir = path.join(root, 'crashed');
    fs.mkdirSync(dir, { recursive: true });
    // what a crash between writing the temp file and linking it leaves behind
    fs.writeFileSync(path.join(dir, '.snapshot-1.0b7c2a7e-0000-4000-8000-000000000000.tmp'), 'half');
    expect(await io.tryCreate(joinPath(dir, 'snapshot-1'), enc.encode('whole'))).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'snapshot-1'), 'utf8')).toBe('whole');
  });

  it('tryCreate on an existing directory says false; errors name the path', async () => {
    const dir = path.join(root, 'errors');
    fs.mkdirSync(path.join(dir, 'taken'), { recursive: true });
    expect(await io.tryCreate(joinPath(dir, 'taken'), enc.encode('x'))).toBe(false);
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    await expect(io.tryCreate(joinPath(dir, 'file', 'below'), enc.encode('x'))).rejects.toThrow(`cannot create ${dir}/file/below`);
    await expect(io.writeFile(joinPath(dir, 'file', 'below'), enc.encode('x'))).rejects.toThrow(`cannot write ${dir}/file/below`);
    expect(fs.readdirSync(dir).sort()).toEqual(['file', 'taken']);
  });
});
