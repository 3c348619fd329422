/**
 * Picks the FileIO for a path by its scheme. Local paths work out of the box; other schemes (s3) are
 * registered by the module that implements them.
 */
import type { FileIO } from './file-io.ts';
import { schemeOf } from './file-io.ts';
import { LocalFileIO } from './local.ts';
import { FreshetError, SqlState } from '../util/errors.ts';

const implementations = new Map<string, () => FileIO>();
let localIO: FileIO | undefined;

implementations.set('file', () => (localIO ??= new LocalFileIO()));

export function registerFileIO(scheme: string, factory: () => FileIO): void {
  implementations.set(scheme.toLowerCase(), factory);
}

export function fileIOFor(path: string): FileIO {
  const scheme = schemeOf(path);
  const f = implementations.get(scheme);
  if (!f) {
    throw new FreshetError(SqlState.featureNotSupported, `no file system for '${scheme}://' paths (in '${path}')`, {
      hint: `Supported: local paths${[...implementations.keys()].filter((s) => s !== 'file').map((s) => `, ${s}://`).join('')}.`,
    });
  }
  return f();
}
