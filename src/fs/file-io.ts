/**
 * FileIO: the small set of file operations connectors and the table store need, so that the same code
 * runs on a local directory today and on an object store (S3) later. Paths are strings with `/`
 * separators; an implementation owns one scheme (`file`, `s3`). Nothing here knows about formats or
 * tables.
 *
 * Operations are chosen so an object store can implement them without a real directory tree:
 * `list` returns the direct children of a prefix, `rename` may be a copy then delete, and `mkdirs` may
 * do nothing.
 */

export interface FileStatus {
  /** Full path, as accepted by the other operations. */
  path: string;
  /** Last path component. */
  name: string;
  isDirectory: boolean;
  /** Bytes; 0 for directories. */
  size: number;
  /** Epoch milliseconds. */
  modificationTime: number;
}

/** A file opened for reads at arbitrary offsets (Parquet footers and column chunks). */
export interface RandomAccessFile {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A file being written. Nothing is guaranteed visible until close() resolves. */
export interface OutputFile {
  write(data: Uint8Array): Promise<void>;
  /** Bytes written so far. */
  readonly bytesWritten: number;
  close(): Promise<void>;
  /** Stops writing and removes what was written. */
  abort(): Promise<void>;
}

export interface FileIO {
  /** The scheme this implementation serves ('file', 's3', ...). */
  readonly scheme: string;
  /** Status of a file or directory, or undefined if nothing exists at `path`. */
  stat(path: string): Promise<FileStatus | undefined>;
  /** Direct children of a directory, sorted by name. Empty if the directory does not exist. */
  list(dir: string): Promise<FileStatus[]>;
  /** Every file (not directory) anywhere under a directory, sorted by path (one prefix listing on an object store). */
  listRecursive(dir: string): Promise<FileStatus[]>;
  /** The whole content of a file. */
  readAll(path: string): Promise<Uint8Array>;
  /** The content of a file in chunks of about `chunkSize` bytes, so large files never sit in memory whole. */
  readChunks(path: string, chunkSize: number): AsyncIterable<Uint8Array>;
  /** `knownSize`: the file's size when the caller knows it (a table's manifest does), saving a lookup. */
  openRandomAccess(path: string, knownSize?: number): Promise<RandomAccessFile>;
  /** Creates (or truncates) a file for writing, creating parent directories as needed. */
  create(path: string): Promise<OutputFile>;
  /**
   * Writes a whole (small) file, replacing what is there: readers see the old content or the new, never
   * part of either. Used for hints and metadata that may be rewritten.
   */
  writeFile(path: string, data: Uint8Array): Promise<void>;
  /**
   * Creates `path` holding `data` only if nothing exists there, atomically: of any number of concurrent
   * callers (in this process or others, on this machine or others) exactly one gets `true`, and readers
   * only ever see the whole content. `false` means the path already existed (another writer won). The
   * table store's commit protocol rests on this: never "check, then write".
   *
   * Callers must make `data` unique to this writer and this attempt (e.g. include the commit user and
   * the names of the new files it refers to). On an object store a create whose answer was lost in
   * transit is retried, meets "already exists", and is resolved by reading the file back: identical
   * bytes mean this caller created it. Content another writer could produce identically would make a
   * loser believe it won. If the outcome stays unknown after all retries, the call throws and says so;
   * the caller must then read the file to learn whether its create took effect.
   */
  tryCreate(path: string, data: Uint8Array): Promise<boolean>;
  /** Moves a file, creating the target's parent directories; replaces an existing target. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file, or a directory with everything under it. Missing paths are not an error. */
  delete(path: string): Promise<void>;
  mkdirs(path: string): Promise<void>;
  /**
   * Total bytes of the files under `path`, if the implementation can tell cheaply and synchronously
   * (used for plan-time row estimates only). Object stores return undefined.
   */
  sizeHint?(path: string): number | undefined;
}

/** Joins path segments with single `/` separators (no normalisation of `..`). */
export function joinPath(base: string, ...parts: string[]): string {
  let out = base;
  for (const p of parts) {
    if (p === '') continue;
    out = out.endsWith('/') ? out + p : out + '/' + p;
  }
  return out;
}

/** The last component of a path. */
export function baseName(path: string): string {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  const i = trimmed.lastIndexOf('/');
  return i < 0 ? trimmed : trimmed.slice(i + 1);
}

/** The path without its last component. */
export function parentPath(path: string): string {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  const i = trimmed.lastIndexOf('/');
  return i <= 0 ? (i === 0 ? '/' : '.') : trimmed.slice(0, i);
}

/** The scheme of a URI-like path ('s3' for 's3://bucket/key'), or 'file' for plain paths. */
export function schemeOf(path: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(path);
  return m ? m[1]!.toLowerCase() : 'file';
}
