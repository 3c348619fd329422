/**
 * Manifests: which data files make up the table.
 *
 * A manifest file holds entries, one JSON object per line: ADD or DELETE of one data file in one
 * partition and bucket, with the file's statistics. A manifest list names manifest files. A snapshot's
 * base list describes the table before the commit and its delta list the commit's own entries; the live
 * files are the ADDs of base-then-delta not cancelled by a later DELETE.
 *
 * Files are immutable once written (new names every time), so what was read once is cached.
 */
import type { FileIO } from '../fs/file-io.ts';
import type { JsonScalar } from './value-codec.ts';
import type { PathFactory } from './paths.ts';
import { partitionKeyOf } from './paths.ts';
import { corrupted, decodeJson } from './json-file.ts';

export type FileSource = 'APPEND' | 'COMPACT';

/** One data (or changelog) file and what is known about its rows without reading it. */
export interface DataFileMeta {
  fileName: string;
  fileSize: number;
  rowCount: number;
  /** Smallest and largest primary key in the file (primary-key tables; [] otherwise). */
  minKey: JsonScalar[];
  maxKey: JsonScalar[];
  /** Per field of schema `schemaId`, in field order: min, max (null when unknown) and NULL counts. */
  minValues: JsonScalar[];
  maxValues: JsonScalar[];
  nullCounts: number[];
  minSeq: number;
  maxSeq: number;
  schemaId: number;
  level: number;
  creationTime: number;
  /** Rows that are retractions (-U, -D) kept as tombstones. */
  deleteRowCount: number;
  source: FileSource;
}

export interface ManifestEntry {
  kind: 'ADD' | 'DELETE';
  /** Encoded partition values in PARTITIONED BY order. */
  partition: JsonScalar[];
  bucket: number;
  /** The bucket count the file was written with (-1: a table without buckets). */
  totalBuckets: number;
  file: DataFileMeta;
}

/** A manifest file as listed in a manifest list. */
export interface ManifestFileMeta {
  fileName: string;
  fileSize: number;
  numAdded: number;
  numDeleted: number;
  /** Smallest and largest encoded partition (as partitionKeyOf strings) in the file, for skipping it. */
  minPartition: string | null;
  maxPartition: string | null;
  schemaId: number;
}

/** The identity of a file entry: the same file at the same level in the same bucket. */
export function entryId(e: ManifestEntry): string {
  return `${partitionKeyOf(e.partition)}|${e.bucket}|${e.file.level}|${e.file.fileName}`;
}

const encoder = new TextEncoder();

function checkEntry(raw: unknown, path: string, line: number): ManifestEntry {
  const e = raw as ManifestEntry;
  const ok = e !== null && typeof e === 'object' && (e.kind === 'ADD' || e.kind === 'DELETE') && Array.isArray(e.partition)
    && typeof e.bucket === 'number' && e.file !== null && typeof e.file === 'object' && typeof e.file.fileName === 'string'
    && typeof e.file.rowCount === 'number' && typeof e.file.level === 'number';
  if (!ok) throw corrupted('manifest', `${path}:${line}`, 'not a manifest entry');
  return e;
}

/** Reads and writes manifest files and manifest lists of one table, with a cache of what was read. */
export class ManifestStore {
  private readonly io: FileIO;
  private readonly paths: PathFactory;
  private readonly cache = new Map<string, ManifestEntry[]>();
  private readonly listCache = new Map<string, ManifestFileMeta[]>();
  private cachedEntries = 0;
  /** Entries kept in the cache at most (a few hundred bytes each). */
  private readonly maxCachedEntries = 2_000_000;

  constructor(io: FileIO, paths: PathFactory) {
    this.io = io;
    this.paths = paths;
  }

  async readManifest(name: string): Promise<ManifestEntry[]> {
    const hit = this.cache.get(name);
    if (hit) return hit;
    const path = this.paths.manifestPath(name);
    const text = new TextDecoder().decode(await this.io.readAll(path));
    const out: ManifestEntry[] = [];
    let line = 0;
    for (const l of text.split('\n')) {
      line++;
      if (l.trim() === '') continue;
      out.push(checkEntry(decodeJson(encoder.encode(l), 'manifest', `${path}:${line}`), path, line));
    }
    if (this.cachedEntries + out.length > this.maxCachedEntries) {
      this.cache.clear();
      this.cachedEntries = 0;
    }
    this.cache.set(name, out);
    this.cachedEntries += out.length;
    return out;
  }

  /** Writes entries into manifest files of about `targetSize` bytes each. */
  async writeManifests(entries: readonly ManifestEntry[], targetSize: number): Promise<ManifestFileMeta[]> {
    const out: ManifestFileMeta[] = [];
    let lines: string[] = [];
    let size = 0;
    let chunk: ManifestEntry[] = [];
    const flush = async (): Promise<void> => {
      if (chunk.length === 0) return;
      const name = this.paths.newManifestName('manifest');
      const bytes = encoder.encode(lines.join('\n') + '\n');
      await this.io.writeFile(this.paths.manifestPath(name), bytes);
      let minP: string | null = null;
      let maxP: string | null = null;
      for (const e of chunk) {
        const p = partitionKeyOf(e.partition);
        if (minP === null || p < minP) minP = p;
        if (maxP === null || p > maxP) maxP = p;
      }
      out.push({
        fileName: name, fileSize: bytes.length,
        numAdded: chunk.filter((e) => e.kind === 'ADD').length, numDeleted: chunk.filter((e) => e.kind === 'DELETE').length,
        minPartition: minP, maxPartition: maxP, schemaId: Math.max(0, ...chunk.map((e) => e.file.schemaId)),
      });
      this.cache.set(name, chunk);
      this.cachedEntries += chunk.length;
      lines = [];
      size = 0;
      chunk = [];
    };
    for (const e of entries) {
      const l = JSON.stringify(e);
      lines.push(l);
      chunk.push(e);
      size += l.length + 1;
      if (size >= targetSize) await flush();
    }
    await flush();
    return out;
  }

  async readList(name: string): Promise<ManifestFileMeta[]> {
    const hit = this.listCache.get(name);
    if (hit) return hit;
    const path = this.paths.manifestPath(name);
    const raw = decodeJson(await this.io.readAll(path), 'manifest list', path);
    if (!Array.isArray(raw) || raw.some((m) => typeof (m as ManifestFileMeta)?.fileName !== 'string')) throw corrupted('manifest list', path, 'not a list of manifest files');
    const list = raw as ManifestFileMeta[];
    this.listCache.set(name, list);
    return list;
  }

  async writeList(metas: readonly ManifestFileMeta[]): Promise<string> {
    const name = this.paths.newManifestName('manifest-list');
    await this.io.writeFile(this.paths.manifestPath(name), encoder.encode(JSON.stringify(metas)));
    this.listCache.set(name, [...metas]);
    return name;
  }

  /** Entries of every manifest in a list, in order. */
  async readAll(listName: string, skip?: (m: ManifestFileMeta) => boolean): Promise<ManifestEntry[]> {
    const metas = await this.readList(listName);
    const parts = await Promise.all(metas.filter((m) => !skip?.(m)).map((m) => this.readManifest(m.fileName)));
    return parts.flat();
  }

  /** Removes a manifest or manifest list file (after a lost commit race, expiration). */
  async remove(name: string): Promise<void> {
    this.cache.delete(name);
    this.listCache.delete(name);
    await this.io.delete(this.paths.manifestPath(name));
  }
}

/**
 * The live files of a sequence of entries: ADDs not cancelled by a later DELETE. A DELETE of a file
 * that is not live is reported through `onMissing` (a conflict when committing).
 */
export function mergeEntries(entries: Iterable<ManifestEntry>, onMissing?: (e: ManifestEntry) => void): Map<string, ManifestEntry> {
  const live = new Map<string, ManifestEntry>();
  for (const e of entries) {
    const id = entryId(e);
    if (e.kind === 'ADD') live.set(id, e);
    else if (!live.delete(id)) onMissing?.(e);
  }
  return live;
}
