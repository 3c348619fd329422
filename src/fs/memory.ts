/**
 * FileIO in process memory (`memory://<name>/a/b`), for engines opened without a warehouse and for
 * fast tests. It behaves like an object store, not a disk: directories exist only through the files
 * under them (`mkdirs` does nothing, an emptied directory disappears), and a file and a directory may
 * share a name. Every write publishes a whole new file at once, so readers never see part of one.
 *
 * All instances in a process share one store per name (the URI's authority), so two FileIOs opened on
 * the same URI see the same files; `dropMemoryStore` frees one.
 */
import type { FileIO, FileStatus, OutputFile, RandomAccessFile } from './file-io.ts';
import { FreshetError, SqlState } from '../util/errors.ts';

interface StoredFile {
  /** Never mutated after it is stored: writes replace the whole entry, so readers may keep a reference. */
  readonly data: Uint8Array;
  readonly modificationTime: number;
}

interface Dir {
  readonly dirs: Map<string, Dir>;
  readonly files: Map<string, StoredFile>;
}

const stores = new Map<string, Dir>();

function newDir(): Dir {
  return { dirs: new Map(), files: new Map() };
}

/** Forgets every file of `memory://<name>/`. */
export function dropMemoryStore(name: string): void {
  stores.delete(name);
}

interface MemoryPath {
  /** The store's name (the URI's authority). */
  store: string;
  /** Path components below the store's root; empty for the root. */
  segments: string[];
  /** `memory://<name>`, to which file paths are appended. */
  root: string;
}

function parse(path: string): MemoryPath {
  const m = /^memory:\/\/([^/]*)(\/.*)?$/i.exec(path);
  if (!m) {
    throw new FreshetError(SqlState.invalidParameterValue, `not an in-memory path: '${path}'`, {
      hint: "In-memory paths look like 'memory://<name>/dir/file'.",
    });
  }
  const store = m[1]!;
  return { store, segments: (m[2] ?? '').split('/').filter((s) => s !== ''), root: `memory://${store}` };
}

function pathOf(p: MemoryPath, segments: readonly string[]): string {
  return segments.length === 0 ? p.root + '/' : `${p.root}/${segments.join('/')}`;
}

function missing(op: string, path: string): FreshetError {
  return new FreshetError(SqlState.ioError, `cannot ${op} ${path}: no such file or directory`);
}

function byName(a: FileStatus, b: FileStatus): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  // a file and a directory may share a name, as on an object store; the file comes first
  return Number(a.isDirectory) - Number(b.isDirectory);
}

function byPath(a: FileStatus, b: FileStatus): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

function latestTime(dir: Dir): number {
  let t = 0;
  for (const f of dir.files.values()) t = Math.max(t, f.modificationTime);
  for (const d of dir.dirs.values()) t = Math.max(t, latestTime(d));
  return t;
}

function totalSize(dir: Dir): number {
  let n = 0;
  for (const f of dir.files.values()) n += f.data.length;
  for (const d of dir.dirs.values()) n += totalSize(d);
  return n;
}

class MemoryRandomAccessFile implements RandomAccessFile {
  readonly size: number;
  private readonly data: Uint8Array;

  constructor(data: Uint8Array) {
    this.data = data;
    this.size = data.length;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const start = Math.max(0, Math.min(offset, this.size));
    return this.data.slice(start, Math.min(this.size, start + Math.max(0, length)));
  }

  async close(): Promise<void> {}
}

class MemoryOutputFile implements OutputFile {
  private readonly io: MemoryFileIO;
  private readonly path: string;
  private chunks: Uint8Array[] = [];
  private written = 0;
  private state: 'open' | 'closed' | 'aborted' = 'open';

  constructor(io: MemoryFileIO, path: string) {
    this.io = io;
    this.path = path;
  }

  get bytesWritten(): number {
    return this.written;
  }

  async write(data: Uint8Array): Promise<void> {
    if (this.state !== 'open') throw new FreshetError(SqlState.ioError, `cannot write ${this.path}: the file is already ${this.state}`);
    // copied: the caller may reuse its buffer before close()
    this.chunks.push(new Uint8Array(data));
    this.written += data.length;
  }

  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closed';
    // a plain Uint8Array of its own: a Buffer may be a view into a shared pool (byteOffset > 0), and
    // readers that hand `.buffer` on (Parquet decoding) would see the whole pool
    const data = new Uint8Array(this.written);
    let at = 0;
    for (const c of this.chunks) {
      data.set(c, at);
      at += c.length;
    }
    this.io.put(this.path, data);
    this.chunks = [];
  }

  async abort(): Promise<void> {
    const wasClosed = this.state === 'closed';
    this.state = 'aborted';
    this.chunks = [];
    if (wasClosed) await this.io.delete(this.path);
  }
}

export class MemoryFileIO implements FileIO {
  readonly scheme = 'memory';

  private rootOf(p: MemoryPath, create: boolean): Dir | undefined {
    let root = stores.get(p.store);
    if (!root && create) stores.set(p.store, (root = newDir()));
    return root;
  }

  /** The directory at `segments`, created along the way if asked to. */
  private dirAt(p: MemoryPath, segments: readonly string[], create: boolean): Dir | undefined {
    let dir = this.rootOf(p, create);
    for (const s of segments) {
      if (!dir) return undefined;
      let next = dir.dirs.get(s);
      if (!next && create) dir.dirs.set(s, (next = newDir()));
      dir = next;
    }
    return dir;
  }

  private fileAt(path: string): StoredFile | undefined {
    const p = parse(path);
    if (p.segments.length === 0) return undefined;
    return this.dirAt(p, p.segments.slice(0, -1), false)?.files.get(p.segments[p.segments.length - 1]!);
  }

  /** Stores a whole file (the data is kept, not copied: callers pass a buffer of their own). */
  put(path: string, data: Uint8Array): void {
    const p = parse(path);
    if (p.segments.length === 0) throw new FreshetError(SqlState.ioError, `cannot write ${path}: it is the root directory`);
    const dir = this.dirAt(p, p.segments.slice(0, -1), true)!;
    dir.files.set(p.segments[p.segments.length - 1]!, { data, modificationTime: Date.now() });
  }

  async stat(path: string): Promise<FileStatus | undefined> {
    const p = parse(path);
    const clean = pathOf(p, p.segments);
    if (p.segments.length === 0) return { path: clean, name: '', isDirectory: true, size: 0, modificationTime: 0 };
    const name = p.segments[p.segments.length - 1]!;
    const parent = this.dirAt(p, p.segments.slice(0, -1), false);
    const file = parent?.files.get(name);
    if (file) return { path: clean, name, isDirectory: false, size: file.data.length, modificationTime: file.modificationTime };
    const dir = parent?.dirs.get(name);
    if (dir) return { path: clean, name, isDirectory: true, size: 0, modificationTime: latestTime(dir) };
    return undefined;
  }

  async list(dir: string): Promise<FileStatus[]> {
    const p = parse(dir);
    const node = this.dirAt(p, p.segments, false);
    if (!node) return [];
    const out: FileStatus[] = [];
    for (const [name, f] of node.files) {
      out.push({ path: pathOf(p, [...p.segments, name]), name, isDirectory: false, size: f.data.length, modificationTime: f.modificationTime });
    }
    for (const [name, d] of node.dirs) {
      out.push({ path: pathOf(p, [...p.segments, name]), name, isDirectory: true, size: 0, modificationTime: latestTime(d) });
    }
    return out.sort(byName);
  }

  async listRecursive(dir: string): Promise<FileStatus[]> {
    const p = parse(dir);
    const out: FileStatus[] = [];
    const walk = (node: Dir, segments: string[]): void => {
      for (const [name, f] of node.files) {
        out.push({ path: pathOf(p, [...segments, name]), name, isDirectory: false, size: f.data.length, modificationTime: f.modificationTime });
      }
      for (const [name, d] of node.dirs) walk(d, [...segments, name]);
    };
    const node = this.dirAt(p, p.segments, false);
    if (node) walk(node, p.segments);
    return out.sort(byPath);
  }

  async readAll(path: string): Promise<Uint8Array> {
    const f = this.fileAt(path);
    if (!f) throw missing('read', path);
    return f.data.slice();
  }

  async *readChunks(path: string, chunkSize: number): AsyncIterable<Uint8Array> {
    const f = this.fileAt(path);
    if (!f) throw missing('read', path);
    const step = Math.max(1, Math.floor(chunkSize));
    for (let pos = 0; pos < f.data.length; pos += step) yield f.data.slice(pos, pos + step);
  }

  async openRandomAccess(path: string): Promise<RandomAccessFile> {
    const f = this.fileAt(path);
    if (!f) throw missing('open', path);
    // the stored array is never mutated, so the reader keeps seeing the version it opened
    return new MemoryRandomAccessFile(f.data);
  }

  async create(path: string): Promise<OutputFile> {
    const p = parse(path);
    if (p.segments.length === 0) throw new FreshetError(SqlState.ioError, `cannot create ${path}: it is the root directory`);
    return new MemoryOutputFile(this, path);
  }

  async writeFile(path: string, data: Uint8Array): Promise<void> {
    this.put(path, new Uint8Array(data));
  }

  async tryCreate(path: string, data: Uint8Array): Promise<boolean> {
    // check and store happen in one synchronous step, so no other caller can come in between
    if (this.fileAt(path)) return false;
    this.put(path, new Uint8Array(data));
    return true;
  }

  async rename(from: string, to: string): Promise<void> {
    const src = parse(from);
    const dst = parse(to);
    const f = this.fileAt(from);
    if (!f) throw missing('move', `${from} to ${to}`);
    if (dst.segments.length === 0) throw new FreshetError(SqlState.ioError, `cannot move ${from} to ${to}: the target is the root directory`);
    if (src.store === dst.store && src.segments.join('/') === dst.segments.join('/')) return;
    this.dirAt(dst, dst.segments.slice(0, -1), true)!.files.set(dst.segments[dst.segments.length - 1]!, f);
    this.removeFile(from);
  }

  async delete(path: string): Promise<void> {
    const p = parse(path);
    if (p.segments.length === 0) {
      stores.delete(p.store);
      return;
    }
    const parent = this.dirAt(p, p.segments.slice(0, -1), false);
    if (!parent) return;
    const name = p.segments[p.segments.length - 1]!;
    parent.files.delete(name);
    parent.dirs.delete(name);
    this.prune(p);
  }

  async mkdirs(_path: string): Promise<void> {
    // directories exist through the files under them, as on an object store
  }

  sizeHint(path: string): number | undefined {
    const p = parse(path);
    const f = this.fileAt(path);
    if (f) return f.data.length;
    const dir = this.dirAt(p, p.segments, false);
    return dir ? totalSize(dir) : undefined;
  }

  private removeFile(path: string): void {
    const p = parse(path);
    this.dirAt(p, p.segments.slice(0, -1), false)?.files.delete(p.segments[p.segments.length - 1]!);
    this.prune(p);
  }

  /** Removes the directories along `p` that became empty, so they stop being listed. */
  private prune(p: MemoryPath): void {
    for (let depth = p.segments.length - 1; depth > 0; depth--) {
      const parent = this.dirAt(p, p.segments.slice(0, depth - 1), false);
      const name = p.segments[depth - 1]!;
      const d = parent?.dirs.get(name);
      if (!parent || !d || d.dirs.size > 0 || d.files.size > 0) return;
      parent.dirs.delete(name);
    }
  }
}
