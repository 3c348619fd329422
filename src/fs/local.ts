/**
 * FileIO on the local file system (plain paths and `file://` URIs). `create` writes straight to the
 * target path; `writeFile` and `tryCreate` write a hidden temp file next to the target first and then
 * move it into place in one step (rename, or link for create-if-absent), so that readers and crashes
 * never see part of a file.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as nodePath from 'node:path';
import type { FileIO, FileStatus, OutputFile, RandomAccessFile } from './file-io.ts';
import { FreshetError, SqlState } from '../util/errors.ts';

function local(path: string): string {
  return path.startsWith('file://') ? path.slice('file://'.length) : path;
}

function ioError(op: string, path: string, e: unknown): FreshetError {
  const err = e as NodeJS.ErrnoException;
  const reason = err.code === 'ENOENT' ? 'no such file or directory'
    : err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied'
    : err.code === 'EISDIR' ? 'is a directory'
    : err.code === 'ENOTDIR' ? 'a component of the path is not a directory'
    : err.code === 'ENOSPC' ? 'no space left on device'
    : err.message;
  return new FreshetError(SqlState.ioError, `cannot ${op} ${path}: ${reason}`, { cause: e });
}

function statusOf(path: string, name: string, st: fs.Stats): FileStatus {
  return { path, name, isDirectory: st.isDirectory(), size: st.isDirectory() ? 0 : st.size, modificationTime: st.mtimeMs };
}

class LocalRandomAccessFile implements RandomAccessFile {
  readonly size: number;
  private readonly handle: fsp.FileHandle;
  private readonly path: string;

  constructor(handle: fsp.FileHandle, size: number, path: string) {
    this.handle = handle;
    this.size = size;
    this.path = path;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const n = Math.max(0, Math.min(length, this.size - offset));
    const buf = new Uint8Array(n);
    let done = 0;
    try {
      while (done < n) {
        const r = await this.handle.read(buf, done, n - done, offset + done);
        if (r.bytesRead === 0) break;
        done += r.bytesRead;
      }
    } catch (e) {
      throw ioError('read', this.path, e);
    }
    return done === n ? buf : buf.subarray(0, done);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

class LocalOutputFile implements OutputFile {
  private readonly handle: fsp.FileHandle;
  private readonly path: string;
  private written = 0;
  private closed = false;

  constructor(handle: fsp.FileHandle, path: string) {
    this.handle = handle;
    this.path = path;
  }

  get bytesWritten(): number {
    return this.written;
  }

  async write(data: Uint8Array): Promise<void> {
    try {
      let off = 0;
      while (off < data.length) {
        const r = await this.handle.write(data, off, data.length - off);
        off += r.bytesWritten;
      }
    } catch (e) {
      throw ioError('write', this.path, e);
    }
    this.written += data.length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      // on disk before anyone commits a reference to it: a snapshot must never outlive its data files
      await this.handle.sync();
      await this.handle.close();
    } catch (e) {
      throw ioError('close', this.path, e);
    }
  }

  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.handle.close().catch(() => undefined);
    }
    await fsp.rm(local(this.path), { force: true });
  }
}

export class LocalFileIO implements FileIO {
  readonly scheme = 'file';

  async stat(path: string): Promise<FileStatus | undefined> {
    try {
      const st = await fsp.stat(local(path));
      return statusOf(path, nodePath.basename(local(path)), st);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw ioError('stat', path, e);
    }
  }

  async list(dir: string): Promise<FileStatus[]> {
    let entries: fs.Dirent[];
    try {
      entries = await fsp.readdir(local(dir), { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError('list', dir, e);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const base = dir.endsWith('/') ? dir : dir + '/';
    // one stat per entry: sizes and times are needed for row estimates and metadata columns
    const found = await Promise.all(entries.map(async (d) => {
      const path = base + d.name;
      try {
        return statusOf(path, d.name, await fsp.stat(local(path)));
      } catch (e) {
        // removed since readdir (another process's temp file moved into place, a concurrent delete):
        // the listing is of the directory as it is now, so it is simply not there
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw ioError('stat', path, e);
      }
    }));
    return found.filter((f): f is FileStatus => f !== undefined);
  }

  async listRecursive(dir: string): Promise<FileStatus[]> {
    const out: FileStatus[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const c of await this.list(d)) {
        if (c.isDirectory) await walk(c.path);
        else out.push(c);
      }
    };
    await walk(dir);
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async readAll(path: string): Promise<Uint8Array> {
    try {
      const b = await fsp.readFile(local(path));
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      throw ioError('read', path, e);
    }
  }

  async *readChunks(path: string, chunkSize: number): AsyncIterable<Uint8Array> {
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(local(path), 'r');
    } catch (e) {
      throw ioError('open', path, e);
    }
    try {
      let pos = 0;
      for (;;) {
        const buf = new Uint8Array(chunkSize);
        let r: { bytesRead: number };
        try {
          r = await handle.read(buf, 0, chunkSize, pos);
        } catch (e) {
          throw ioError('read', path, e);
        }
        if (r.bytesRead === 0) break;
        pos += r.bytesRead;
        yield r.bytesRead === chunkSize ? buf : buf.subarray(0, r.bytesRead);
      }
    } finally {
      await handle.close();
    }
  }

  async openRandomAccess(path: string): Promise<RandomAccessFile> {
    try {
      const handle = await fsp.open(local(path), 'r');
      const st = await handle.stat();
      return new LocalRandomAccessFile(handle, st.size, path);
    } catch (e) {
      throw ioError('open', path, e);
    }
  }

  async create(path: string): Promise<OutputFile> {
    const p = local(path);
    try {
      await fsp.mkdir(nodePath.dirname(p), { recursive: true });
      return new LocalOutputFile(await fsp.open(p, 'w'), path);
    } catch (e) {
      throw ioError('create', path, e);
    }
  }

  async writeFile(path: string, data: Uint8Array): Promise<void> {
    const p = local(path);
    const temp = tempPathFor(p);
    try {
      await fsp.mkdir(nodePath.dirname(p), { recursive: true });
      await writeDurably(temp, data);
      // rename replaces the target atomically: readers see the old file or the new one
      await fsp.rename(temp, p);
    } catch (e) {
      await fsp.rm(temp, { force: true }).catch(() => undefined);
      throw ioError('write', path, e);
    }
    await syncDirectory(nodePath.dirname(p));
  }

  async tryCreate(path: string, data: Uint8Array): Promise<boolean> {
    const p = local(path);
    const temp = tempPathFor(p);
    let created: boolean;
    try {
      await fsp.mkdir(nodePath.dirname(p), { recursive: true });
      // the content is complete and on disk before it gets its name, so a crash leaves at worst a
      // stray hidden temp file, never a partial target
      await writeDurably(temp, data);
      try {
        // link, unlike rename, fails when the target exists: the one atomic create-if-absent
        await fsp.link(temp, p);
        created = true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        created = false;
      }
    } catch (e) {
      throw linkError(path, e);
    } finally {
      await fsp.rm(temp, { force: true }).catch(() => undefined);
    }
    if (created) await syncDirectory(nodePath.dirname(p));
    return created;
  }

  async rename(from: string, to: string): Promise<void> {
    try {
      await fsp.mkdir(nodePath.dirname(local(to)), { recursive: true });
      await fsp.rename(local(from), local(to));
    } catch (e) {
      throw ioError('move', `${from} to ${to}`, e);
    }
  }

  async delete(path: string): Promise<void> {
    try {
      await fsp.rm(local(path), { recursive: true, force: true });
    } catch (e) {
      throw ioError('delete', path, e);
    }
  }

  async mkdirs(path: string): Promise<void> {
    try {
      await fsp.mkdir(local(path), { recursive: true });
    } catch (e) {
      throw ioError('create directory', path, e);
    }
  }

  sizeHint(path: string): number | undefined {
    try {
      return sizeUnder(local(path), 0);
    } catch {
      return undefined;
    }
  }
}

/**
 * A unique name next to `target` for writing its content before it is moved into place. The leading
 * dot keeps it out of table scans, and it stays in the same directory (same file system), which
 * rename and link need.
 */
function tempPathFor(target: string): string {
  const base = nodePath.basename(target).slice(0, 100);
  return nodePath.join(nodePath.dirname(target), `.${base}.${randomUUID()}.tmp`);
}

/** Writes a new file and flushes it to disk, so that it is complete before anything refers to it. */
async function writeDurably(path: string, data: Uint8Array): Promise<void> {
  const handle = await fsp.open(path, 'wx');
  try {
    let off = 0;
    while (off < data.length) off += (await handle.write(data, off, data.length - off)).bytesWritten;
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Flushes a directory, so that a name just added to it survives a power loss (a committed snapshot
 * must not vanish). Not every platform can open a directory (Windows cannot); there it is skipped.
 */
async function syncDirectory(dir: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort: the data itself was already flushed
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function linkError(path: string, e: unknown): FreshetError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
    return new FreshetError(SqlState.ioError, `cannot create ${path}: the file system does not support hard links`, {
      cause: e,
      hint: 'Atomic create-if-absent (used by table commits) needs hard links; put the warehouse on a local file system such as ext4, xfs, APFS or NTFS.',
    });
  }
  return ioError('create', path, e);
}

/** Bytes under a path; gives up (undefined) on very large trees, where an estimate is not worth a long walk. */
function sizeUnder(p: string, depth: number): number | undefined {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.size;
  if (depth > 8) return undefined;
  const names = fs.readdirSync(p);
  if (names.length > 10_000) return undefined;
  let total = 0;
  for (const n of names) {
    if (n.startsWith('.') || n.startsWith('_')) continue;
    const s = sizeUnder(nodePath.join(p, n), depth + 1);
    if (s === undefined) return undefined;
    total += s;
  }
  return total;
}
