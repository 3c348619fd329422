/**
 * Picks the FileIO for a path by its scheme: local paths and `file://`, `memory://`, and `s3://`.
 * Options are a catalog's or table's options; only the implementation of the path's scheme looks at
 * them (S3 reads its `s3.*` keys and shares one FileIO per distinct configuration).
 */
import type { FileIO } from './file-io.ts';
import { schemeOf } from './file-io.ts';
import { LocalFileIO } from './local.ts';
import { MemoryFileIO } from './memory.ts';
import { s3FileIOFor } from './s3.ts';
import { FreshetError, SqlState } from '../util/errors.ts';

export type FileIOFactory = (options: Readonly<Record<string, string>>) => FileIO;

const implementations = new Map<string, FileIOFactory>();
let localIO: FileIO | undefined;
let memoryIO: FileIO | undefined;

implementations.set('file', () => (localIO ??= new LocalFileIO()));
// every MemoryFileIO sees the same stores, so one instance serves all
implementations.set('memory', () => (memoryIO ??= new MemoryFileIO()));
implementations.set('s3', (options) => s3FileIOFor(options));

export function registerFileIO(scheme: string, factory: FileIOFactory): void {
  implementations.set(scheme.toLowerCase(), factory);
}

export function fileIOFor(path: string, options: Readonly<Record<string, string>> = {}): FileIO {
  const scheme = schemeOf(path);
  const f = implementations.get(scheme);
  if (!f) {
    throw new FreshetError(SqlState.featureNotSupported, `no file system for '${scheme}://' paths (in '${path}')`, {
      hint: `Supported: local paths${[...implementations.keys()].filter((s) => s !== 'file').map((s) => `, ${s}://`).join('')}.`,
    });
  }
  return f(options);
}
