/**
 * FileIO on S3 and S3-compatible object stores (`s3://bucket/key/prefix`), on @aws-sdk/client-s3.
 *
 * Directories are key prefixes ending in `/`: nothing creates them (`mkdirs` does nothing), `list`
 * is a delimited prefix listing, and a directory exists while some key lies under it. Whole objects
 * appear at once, so readers never see part of a file.
 *
 * Every request goes through our own retry loop (retry.ts) instead of the SDK's, so that each
 * operation can decide what a failed attempt means: a write that may or may not have been applied is
 * harmless to repeat for a plain PUT, but needs resolving for a conditional create (see tryCreate).
 *
 * The SDK is loaded on first use, so programs that never touch S3 do not pay for loading it.
 */
import type { ListObjectsV2CommandOutput, S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { FileIO, FileStatus, OutputFile, RandomAccessFile } from './file-io.ts';
import { DEFAULT_RETRY_POLICY, RetryFailure, errorCodeOf, httpStatusOf, isTransientError, withRetries } from './retry.ts';
import type { RetryPolicy } from './retry.ts';
import { FreshetError, SqlState } from '../util/errors.ts';
import { didYouMean } from '../util/suggest.ts';
import { parseDuration } from '../connectors/options.ts';

type Sdk = typeof import('@aws-sdk/client-s3');

let sdkModule: Promise<Sdk> | undefined;

function loadSdk(): Promise<Sdk> {
  return (sdkModule ??= import('@aws-sdk/client-s3'));
}

/** Objects up to this size are uploaded with one PutObject; larger ones in parts. */
export const MULTIPART_THRESHOLD = 16 * 1024 * 1024;
/** Size of each part of a multipart upload (S3 requires at least 5 MiB for all but the last). */
export const PART_SIZE = 8 * 1024 * 1024;
/** Parts uploaded at the same time by one writer; bounds its memory to about (this + 1) parts. */
const PARTS_IN_FLIGHT = 4;
/** S3 allows at most this many parts, so one file can hold PART_SIZE × this (about 78 GiB). */
const MAX_PARTS = 10_000;
/** Smallest range fetched per request by readChunks, so that small chunk sizes do not mean many requests. */
const MIN_RANGE_READ = 1024 * 1024;
/** Objects up to this size are read with one GET when opened for random access. */
const WHOLE_READ_MAX_BYTES = 8 * 1024 * 1024;
/** Keys per DeleteObjects request (the S3 maximum). */
const DELETE_BATCH = 1000;
/** Concurrent single deletes where DeleteObjects is not supported. */
const DELETE_CONCURRENCY = 16;

// ---------------------------------------------------------------------------------------------------
// configuration

export interface S3Settings {
  /** Endpoint URL for S3-compatible stores; undefined means AWS S3 of `region`. */
  endpoint: string | undefined;
  region: string;
  /** Static credentials; when absent the SDK's default provider chain is used (environment, profiles, instance roles). */
  accessKey: string | undefined;
  secretKey: string | undefined;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key` (MinIO, local servers). */
  pathStyle: boolean;
  connectTimeoutMs: number;
  /** Longest wait for a response, and for further bytes of a response body. */
  requestTimeoutMs: number;
  retry: RetryPolicy;
}

/** The `s3.*` keys a catalog or table may set. */
export const S3_OPTION_KEYS: readonly string[] = [
  's3.endpoint', 's3.region', 's3.access-key', 's3.secret-key', 's3.path-style-access',
  's3.connect-timeout', 's3.request-timeout', 's3.max-attempts',
];

/**
 * Settings from a catalog's or table's options (keys not starting with `s3.` are ignored), falling
 * back to the environment (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, `AWS_REGION`).
 */
export function s3SettingsFrom(options: Readonly<Record<string, string>> = {}, env: NodeJS.ProcessEnv = process.env): S3Settings {
  for (const key of Object.keys(options)) {
    if (key.toLowerCase().startsWith('s3.') && !S3_OPTION_KEYS.includes(key)) {
      throw new FreshetError(SqlState.invalidParameterValue, `unknown S3 option '${key}'${didYouMean(key, S3_OPTION_KEYS)}`, {
        hint: `S3 options: ${S3_OPTION_KEYS.join(', ')}.`,
      });
    }
  }
  const opt = (k: string): string | undefined => {
    const v = options[k]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const endpoint = opt('s3.endpoint') ?? (env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined);
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/i.test(endpoint)) {
    throw new FreshetError(SqlState.invalidParameterValue, `invalid 's3.endpoint' '${endpoint}': not an http(s) URL`, {
      hint: "Give the endpoint as a URL, e.g. 'https://s3.eu-west-1.amazonaws.com' or 'http://127.0.0.1:9000'.",
    });
  }
  const accessKey = opt('s3.access-key');
  const secretKey = opt('s3.secret-key');
  if ((accessKey === undefined) !== (secretKey === undefined)) {
    throw new FreshetError(SqlState.invalidParameterValue, `'${accessKey === undefined ? 's3.secret-key' : 's3.access-key'}' is set without '${accessKey === undefined ? 's3.access-key' : 's3.secret-key'}'`, {
      hint: 'Set both, or neither to use the credentials of the environment (AWS_ACCESS_KEY_ID, profiles, instance roles).',
    });
  }
  const pathStyleText = opt('s3.path-style-access');
  if (pathStyleText !== undefined && !/^(true|false)$/i.test(pathStyleText)) {
    throw new FreshetError(SqlState.invalidParameterValue, `invalid 's3.path-style-access' '${pathStyleText}': expected 'true' or 'false'`);
  }
  const duration = (key: string, fallback: number): number => {
    const text = opt(key);
    if (text === undefined) return fallback;
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) {
      throw new FreshetError(SqlState.invalidParameterValue, `invalid '${key}' '${text}': expected a positive duration`, {
        hint: "Write a duration such as '5 s' or '500 ms'.",
      });
    }
    return ms;
  };
  const attemptsText = opt('s3.max-attempts');
  const maxAttempts = attemptsText === undefined ? DEFAULT_RETRY_POLICY.maxAttempts : Number(attemptsText);
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new FreshetError(SqlState.invalidParameterValue, `invalid 's3.max-attempts' '${attemptsText}': expected a whole number of at least 1`);
  }
  return {
    endpoint,
    region: opt('s3.region') ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1'),
    accessKey,
    secretKey,
    pathStyle: pathStyleText?.toLowerCase() === 'true',
    connectTimeoutMs: duration('s3.connect-timeout', 5_000),
    requestTimeoutMs: duration('s3.request-timeout', 30_000),
    retry: { ...DEFAULT_RETRY_POLICY, maxAttempts },
  };
}

const cache = new Map<string, S3FileIO>();

/** One S3FileIO per distinct configuration, so that connections are pooled across tables. */
export function s3FileIOFor(options: Readonly<Record<string, string>> = {}): S3FileIO {
  const settings = s3SettingsFrom(options);
  const key = JSON.stringify(settings);
  let io = cache.get(key);
  if (!io) cache.set(key, (io = new S3FileIO(settings)));
  return io;
}

// ---------------------------------------------------------------------------------------------------
// paths and errors

interface S3Location {
  bucket: string;
  /** The key without a leading or trailing `/`; '' for the bucket's root. */
  key: string;
}

function parseS3(path: string): S3Location {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/i.exec(path);
  if (!m) {
    throw new FreshetError(SqlState.invalidParameterValue, `not an S3 path: '${path}'`, {
      hint: "S3 paths look like 's3://bucket/prefix/file'.",
    });
  }
  return { bucket: m[1]!, key: (m[2] ?? '').replace(/^\/+/, '').replace(/\/+$/, '') };
}

function uriOf(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** The prefix of everything under a directory key. */
function dirPrefix(key: string): string {
  return key === '' ? '' : key + '/';
}

/** A response body that ended early or broke off; the whole GET is worth repeating. */
class BrokenBody extends Error {
  readonly transient = true;
}

function isNotFound(e: unknown): boolean {
  const code = errorCodeOf(e);
  return httpStatusOf(e) === 404 && code !== 'NoSuchBucket' && code !== 'NoSuchUpload';
}

/** A failed attempt that certainly did not change anything: the service answered and refused it. */
function certainlyNotApplied(e: unknown): boolean {
  const status = httpStatusOf(e);
  // 4xx answers (throttling, conflicts, timeouts waiting for the body included) reject the request whole
  if (status !== undefined && status >= 400 && status < 500) return true;
  const code = errorCodeOf(e);
  return code === 'SlowDown' || code === 'ECONNREFUSED';
}

function describeFailure(e: unknown): string {
  const status = httpStatusOf(e);
  const code = errorCodeOf(e);
  if (status !== undefined) return `HTTP ${status}${code ? ' ' + code : ''}`;
  return code ?? (e instanceof Error ? e.message : String(e));
}

function toFreshetError(op: string, path: string, failure: unknown): FreshetError {
  if (failure instanceof FreshetError) return failure;
  const attempts = failure instanceof RetryFailure ? failure.attempts : 1;
  const exhausted = failure instanceof RetryFailure && failure.exhausted;
  const e = withoutResponse(failure instanceof RetryFailure ? failure.cause : failure);
  const status = httpStatusOf(e);
  const code = errorCodeOf(e);
  const tried = attempts > 1 ? `, after ${attempts} attempts` : '';
  const raw = e instanceof Error ? e.message : String(e);
  let reason: string;
  let hint: string | undefined;
  if (exhausted) {
    reason = `the store kept failing (${describeFailure(e)})`;
    hint = "The S3 endpoint is unreachable, overloaded or throttling; try again later, check 's3.endpoint', or raise 's3.max-attempts'.";
  } else if (code === 'NoSuchBucket') {
    reason = 'the bucket does not exist';
    hint = 'Create the bucket, or fix the bucket name in the path.';
  } else if (status === 404) {
    reason = `no such file or directory (${describeFailure(e)})`;
  } else if (status === 403 || code === 'AccessDenied' || code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch') {
    reason = `access denied (${describeFailure(e)})`;
    hint = "Check 's3.access-key' and 's3.secret-key' (or the environment's AWS credentials) and the bucket's policy.";
  } else if (code === 'CredentialsProviderError' || /credential/i.test(raw)) {
    reason = 'no S3 credentials found';
    hint = "Set 's3.access-key' and 's3.secret-key', or provide AWS credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, or an instance role).";
  } else if (code === 'ECONNREFUSED' || code === 'ENOTFOUND') {
    reason = `cannot connect to the S3 endpoint (${code})`;
    hint = "Check 's3.endpoint' and that the server is running.";
  } else {
    reason = describeFailure(e);
  }
  return new FreshetError(SqlState.ioError, `cannot ${op} ${path}: ${reason}${tried}`, { cause: e, hint, detail: raw });
}

/**
 * The SDK keeps the raw HTTP response (socket included) on its errors, unremovably; an error kept for
 * reporting gets a copy with just the message, code and status.
 */
function withoutResponse(e: unknown): unknown {
  if (!(e instanceof Error) || !('$response' in e)) return e;
  const sdkError = e as Error & { Code?: string; $fault?: string; $metadata?: unknown };
  const copy = Object.assign(new Error(e.message), { Code: sdkError.Code, $fault: sdkError.$fault, $metadata: sdkError.$metadata });
  copy.name = e.name;
  copy.stack = e.stack;
  return copy;
}

function copySourceOf(bucket: string, key: string): string {
  // the copy source is a URL path: each segment encoded, the separators kept
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

// ---------------------------------------------------------------------------------------------------
// the FileIO

interface Connection {
  sdk: Sdk;
  client: S3Client;
}

type ListPage = ListObjectsV2CommandOutput;

export class S3FileIO implements FileIO {
  readonly scheme = 's3';
  readonly settings: S3Settings;
  private connection: Promise<Connection> | undefined;
  /** Cleared when the store answers that it does not implement DeleteObjects. */
  private batchDelete = true;

  constructor(settings: S3Settings) {
    this.settings = settings;
  }

  /** Closes pooled connections; the FileIO connects again on next use. */
  destroy(): void {
    const c = this.connection;
    this.connection = undefined;
    void c?.then((x) => x.client.destroy(), () => undefined);
  }

  private connect(): Promise<Connection> {
    return (this.connection ??= (async () => {
      // the SDK warns on every start under Node 20, which Freshet supports; the warning is not for our users
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
      const sdk = await loadSdk();
      const s = this.settings;
      const config: S3ClientConfig = {
        region: s.region,
        forcePathStyle: s.pathStyle,
        // our own loop retries (see retry.ts); SDK retries inside it would multiply the attempts
        maxAttempts: 1,
        // checksums only where S3 requires them: s3rver and some S3-compatible stores would store
        // the aws-chunked framing of streamed checksums inside the object
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        requestHandler: {
          connectionTimeout: s.connectTimeoutMs,
          requestTimeout: s.requestTimeoutMs,
          throwOnRequestTimeout: true,
          // a stalled response body must fail too, not hang a reader forever
          socketTimeout: s.requestTimeoutMs,
        },
      };
      if (s.endpoint !== undefined) config.endpoint = s.endpoint;
      if (s.accessKey !== undefined && s.secretKey !== undefined) config.credentials = { accessKeyId: s.accessKey, secretAccessKey: s.secretKey };
      return { sdk, client: new sdk.S3Client(config) };
    })());
  }

  /**
   * Runs one request (or a request and the reading of its body) with retries; errors become
   * FreshetErrors naming the operation and the path.
   */
  private async request<T>(op: string, path: string, fn: (c: Connection, attempt: number) => Promise<T>, onFailure?: (e: unknown) => void): Promise<T> {
    const c = await this.connect().catch((e: unknown) => {
      this.connection = undefined;
      throw new FreshetError(SqlState.ioError, `cannot ${op} ${path}: the S3 client could not be loaded`, { cause: e, detail: String(e) });
    });
    try {
      return await withRetries(async (attempt) => {
        try {
          return await fn(c, attempt);
        } catch (e) {
          onFailure?.(e);
          throw e;
        }
      }, { ...this.settings.retry, retryable: isTransientError });
    } catch (e) {
      throw toFreshetError(op, path, e);
    }
  }

  /** HeadObject, or undefined if there is no object at the key. */
  private async head(op: string, loc: S3Location): Promise<{ size: number; modificationTime: number; etag: string | undefined } | undefined> {
    return this.request(op, uriOf(loc.bucket, loc.key), async ({ sdk, client }) => {
      try {
        const r = await client.send(new sdk.HeadObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
        return { size: r.ContentLength ?? 0, modificationTime: r.LastModified?.getTime() ?? 0, etag: r.ETag };
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    });
  }

  private async headExisting(op: string, path: string): Promise<{ size: number; etag: string | undefined }> {
    const loc = parseS3(path);
    const h = loc.key === '' ? undefined : await this.head(op, loc);
    if (!h) throw new FreshetError(SqlState.ioError, `cannot ${op} ${path}: no such file or directory`);
    return h;
  }

  /** The bytes of an object or of a range of it; a broken-off body repeats the whole GET. */
  private async get(op: string, path: string, range?: { start: number; end: number; etag: string | undefined }): Promise<Uint8Array> {
    const loc = parseS3(path);
    return this.request(op, path, async ({ sdk, client }) => {
      const r = await client.send(new sdk.GetObjectCommand({
        Bucket: loc.bucket,
        Key: loc.key,
        ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        // pins the version opened: a file replaced between two ranged reads fails instead of mixing
        ...(range?.etag !== undefined ? { IfMatch: range.etag } : {}),
      }));
      let bytes: Uint8Array;
      try {
        bytes = r.Body ? await r.Body.transformToByteArray() : new Uint8Array(0);
      } catch (e) {
        throw new BrokenBody(`the response body broke off: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      const expected = r.ContentLength ?? (range ? range.end - range.start + 1 : undefined);
      if (expected !== undefined && bytes.length !== expected) throw new BrokenBody(`the response body ended after ${bytes.length} of ${expected} bytes`);
      return bytes;
    }).catch((e: unknown) => {
      if (e instanceof FreshetError && httpStatusOf(e.cause) === 412) {
        throw new FreshetError(SqlState.ioError, `cannot ${op} ${path}: the file was replaced while it was being read`, {
          cause: e.cause,
          hint: 'Retry the operation; it will read the new version.',
        });
      }
      throw e;
    });
  }

  private async put(op: string, loc: S3Location, data: Uint8Array): Promise<void> {
    await this.request(op, uriOf(loc.bucket, loc.key), async ({ sdk, client }) => {
      await client.send(new sdk.PutObjectCommand({ Bucket: loc.bucket, Key: loc.key, Body: data, ContentLength: data.length }));
    });
  }

  async stat(path: string): Promise<FileStatus | undefined> {
    const loc = parseS3(path);
    const name = loc.key === '' ? '' : loc.key.slice(loc.key.lastIndexOf('/') + 1);
    const clean = uriOf(loc.bucket, loc.key);
    if (loc.key !== '') {
      const h = await this.head('stat', loc);
      if (h) return { path: clean, name, isDirectory: false, size: h.size, modificationTime: h.modificationTime };
    }
    // no object: a directory exists while some key lies under it (the bucket's root while the bucket exists)
    const found = await this.request('stat', clean, async ({ sdk, client }) => {
      try {
        const r = await client.send(new sdk.ListObjectsV2Command({ Bucket: loc.bucket, Prefix: dirPrefix(loc.key), MaxKeys: 1 }));
        return loc.key === '' || (r.KeyCount ?? (r.Contents?.length ?? 0) + (r.CommonPrefixes?.length ?? 0)) > 0;
      } catch (e) {
        if (errorCodeOf(e) === 'NoSuchBucket') return false;
        throw e;
      }
    });
    return found ? { path: clean, name, isDirectory: true, size: 0, modificationTime: 0 } : undefined;
  }

  /** The pages of a prefix listing of everything under a directory, one request each. */
  private async *pages(op: string, path: string, loc: S3Location, delimiter: boolean): AsyncIterable<ListPage> {
    const prefix = dirPrefix(loc.key);
    let token: string | undefined;
    do {
      const page: ListPage | undefined = await this.request(op, path, async ({ sdk, client }) => {
        try {
          return await client.send(new sdk.ListObjectsV2Command({
            Bucket: loc.bucket,
            Prefix: prefix,
            ...(delimiter ? { Delimiter: '/' } : {}),
            ...(token !== undefined ? { ContinuationToken: token } : {}),
          }));
        } catch (e) {
          // a missing bucket holds no files, as a missing local directory does
          if (errorCodeOf(e) === 'NoSuchBucket') return undefined;
          throw e;
        }
      });
      if (!page) return;
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /** Files (not directory markers) in listing pages. */
  private filesOf(loc: S3Location, page: ListPage): FileStatus[] {
    const prefix = dirPrefix(loc.key);
    const out: FileStatus[] = [];
    for (const o of page.Contents ?? []) {
      const key = o.Key ?? '';
      // keys ending in '/' are directory markers made by other tools, not files
      if (key.length <= prefix.length || key.endsWith('/')) continue;
      out.push({
        path: uriOf(loc.bucket, key),
        name: key.slice(key.lastIndexOf('/') + 1),
        isDirectory: false,
        size: o.Size ?? 0,
        modificationTime: o.LastModified?.getTime() ?? 0,
      });
    }
    return out;
  }

  async list(dir: string): Promise<FileStatus[]> {
    const loc = parseS3(dir);
    const prefix = dirPrefix(loc.key);
    const out: FileStatus[] = [];
    // a set: some stores repeat a common prefix on consecutive pages
    const dirs = new Set<string>();
    for await (const page of this.pages('list', dir, loc, true)) {
      out.push(...this.filesOf(loc, page));
      for (const p of page.CommonPrefixes ?? []) {
        const name = (p.Prefix ?? '').slice(prefix.length, -1);
        if (name !== '') dirs.add(name);
      }
    }
    for (const name of dirs) out.push({ path: uriOf(loc.bucket, prefix + name), name, isDirectory: true, size: 0, modificationTime: 0 });
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : Number(a.isDirectory) - Number(b.isDirectory)));
  }

  async listRecursive(dir: string): Promise<FileStatus[]> {
    const loc = parseS3(dir);
    const out: FileStatus[] = [];
    for await (const page of this.pages('list', dir, loc, false)) out.push(...this.filesOf(loc, page));
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async readAll(path: string): Promise<Uint8Array> {
    parseS3(path);
    return this.get('read', path);
  }

  async *readChunks(path: string, chunkSize: number): AsyncIterable<Uint8Array> {
    const { size, etag } = await this.headExisting('read', path);
    const step = Math.max(1, Math.floor(chunkSize));
    const fetch = Math.max(step, MIN_RANGE_READ);
    for (let pos = 0; pos < size; pos += fetch) {
      const bytes = await this.get('read', path, { start: pos, end: Math.min(size, pos + fetch) - 1, etag });
      for (let off = 0; off < bytes.length; off += step) yield bytes.subarray(off, off + step);
    }
  }

  async openRandomAccess(path: string, knownSize?: number): Promise<RandomAccessFile> {
    // a caller that knows the size (from a manifest) saves the HEAD; a small object is fetched whole by
    // the first read, as a Parquet reader would otherwise ask for its footer and chunks one GET each
    // (a large one is still looked up: its ETag pins the version its ranged reads see)
    const { size, etag } = knownSize !== undefined && knownSize <= WHOLE_READ_MAX_BYTES ? { size: knownSize, etag: undefined } : await this.headExisting('open', path);
    let whole: Promise<Uint8Array> | null = null;
    return {
      size,
      read: async (offset: number, length: number): Promise<Uint8Array> => {
        const start = Math.max(0, offset);
        const end = Math.min(size, start + Math.max(0, length));
        if (end <= start) return new Uint8Array(0);
        if (size <= WHOLE_READ_MAX_BYTES) {
          whole ??= this.get('read', path, { start: 0, end: size - 1, etag });
          const bytes = await whole;
          if (bytes.length !== size) {
            throw new FreshetError(SqlState.ioError, `cannot read ${path}: it has ${bytes.length} bytes, ${size} were expected`, {
              hint: 'The file was replaced or truncated; if it belongs to a table, the table needs repair from its snapshots.',
            });
          }
          return bytes.subarray(start, end);
        }
        return this.get('read', path, { start, end: end - 1, etag });
      },
      close: async (): Promise<void> => {},
    };
  }

  async create(path: string): Promise<OutputFile> {
    const loc = parseS3(path);
    if (loc.key === '') throw new FreshetError(SqlState.ioError, `cannot create ${path}: it is the root of the bucket`);
    return new S3OutputFile(this, loc);
  }

  async writeFile(path: string, data: Uint8Array): Promise<void> {
    const loc = parseS3(path);
    if (loc.key === '') throw new FreshetError(SqlState.ioError, `cannot write ${path}: it is the root of the bucket`);
    // a PUT replaces the whole object at once, and repeating it is harmless
    await this.put('write', loc, data);
  }

  /**
   * PutObject with `If-None-Match: *`: S3 stores it only if the key is free, else answers 412.
   *
   * A failed attempt can leave us not knowing whether it was applied (the connection dropped after
   * the request went out, a timeout, a 5xx). If a retry then gets 412, the object there may be ours.
   * We read it back and compare bytes: equal bytes mean we created it, because callers put content
   * into every file they tryCreate that no other writer would produce (a commit user id, unique file
   * names). Different bytes mean another writer won.
   */
  async tryCreate(path: string, data: Uint8Array): Promise<boolean> {
    const loc = parseS3(path);
    if (loc.key === '') throw new FreshetError(SqlState.ioError, `cannot create ${path}: it is the root of the bucket`);
    let uncertain = false;
    let created: boolean;
    try {
      created = await this.request('create', path, async ({ sdk, client }) => {
        try {
          await client.send(new sdk.PutObjectCommand({ Bucket: loc.bucket, Key: loc.key, Body: data, ContentLength: data.length, IfNoneMatch: '*' }));
          return true;
        } catch (e) {
          if (httpStatusOf(e) === 412) return false;
          throw e;
        }
      }, (e) => {
        if (!certainlyNotApplied(e)) uncertain = true;
      });
    } catch (e) {
      if (uncertain && e instanceof FreshetError) {
        throw new FreshetError(SqlState.ioError, `${e.message}; it is unknown whether the file was created`, {
          cause: e.cause,
          detail: e.detail,
          hint: 'Read the file: if it holds exactly the content this writer meant to create, the create took effect.',
        });
      }
      throw e;
    }
    if (created || !uncertain) return created;
    return this.holds(path, data);
  }

  /** Whether the object at `path` holds exactly `data` (false if there is none). */
  private async holds(path: string, data: Uint8Array): Promise<boolean> {
    let stored: Uint8Array;
    try {
      stored = await this.get('read back', path);
    } catch (e) {
      // gone again (deleted by someone else): whatever happened, this writer's file is not there now
      if (e instanceof FreshetError && isNotFound(e.cause)) return false;
      throw e;
    }
    return Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength).equals(data);
  }

  /** Not atomic on S3: a copy, then a delete of the source. A failure in between leaves both. */
  async rename(from: string, to: string): Promise<void> {
    const src = parseS3(from);
    const dst = parseS3(to);
    const what = `${from} to ${to}`;
    if (src.key === '' || dst.key === '') throw new FreshetError(SqlState.ioError, `cannot move ${what}: a bucket's root cannot be moved or replaced`);
    if (src.bucket === dst.bucket && src.key === dst.key) {
      await this.headExisting('move', from);
      return;
    }
    // CopyObject copies up to 5 GiB in one request; larger objects would need a multipart copy
    await this.request('move', what, async ({ sdk, client }) => {
      await client.send(new sdk.CopyObjectCommand({ Bucket: dst.bucket, Key: dst.key, CopySource: copySourceOf(src.bucket, src.key) }));
    });
    await this.deleteKey('move', src);
  }

  private async deleteKey(op: string, loc: S3Location): Promise<void> {
    await this.request(op, uriOf(loc.bucket, loc.key), async ({ sdk, client }) => {
      try {
        await client.send(new sdk.DeleteObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
      } catch (e) {
        // deleting is idempotent: a repeated delete may find the key already gone
        if (httpStatusOf(e) !== 404) throw e;
      }
    });
  }

  async delete(path: string): Promise<void> {
    const loc = parseS3(path);
    if (loc.key !== '') await this.deleteKey('delete', loc);
    // everything under the directory, directory markers included
    const keys: string[] = [];
    for await (const page of this.pages('delete', path, loc, false)) {
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    }
    let done = 0;
    while (done < keys.length && this.batchDelete) {
      const batch = keys.slice(done, done + DELETE_BATCH);
      const failed = await this.deleteBatch(path, loc.bucket, batch);
      if (failed === undefined) break;
      // keys the batch could not delete are tried one by one, each with its own retries
      if (failed.length > 0) await this.deleteEach(loc.bucket, failed);
      done += batch.length;
    }
    if (done < keys.length) await this.deleteEach(loc.bucket, keys.slice(done));
  }

  /** DeleteObjects; the keys it reported as not deleted, or undefined if the store does not support it. */
  private async deleteBatch(path: string, bucket: string, keys: string[]): Promise<string[] | undefined> {
    return this.request('delete', path, async ({ sdk, client }) => {
      try {
        const r = await client.send(new sdk.DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
        return (r.Errors ?? []).map((e) => e.Key ?? '').filter((k) => k !== '');
      } catch (e) {
        const status = httpStatusOf(e);
        if (status === 501 || status === 405 || errorCodeOf(e) === 'NotImplemented') {
          this.batchDelete = false;
          return undefined;
        }
        throw e;
      }
    });
  }

  private async deleteEach(bucket: string, keys: string[]): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < keys.length) await this.deleteKey('delete', { bucket, key: keys[next++]! });
    };
    await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, keys.length) }, worker));
  }

  async mkdirs(_path: string): Promise<void> {
    // directories are key prefixes; they exist while keys lie under them
  }

  sizeHint(_path: string): number | undefined {
    // a size would need a listing, which is neither cheap nor synchronous
    return undefined;
  }

  // --- multipart upload, used by S3OutputFile ---

  /** @internal */
  async putWhole(loc: S3Location, data: Uint8Array): Promise<void> {
    await this.put('write', loc, data);
  }

  /** @internal */
  async startUpload(loc: S3Location): Promise<string> {
    return this.request('write', uriOf(loc.bucket, loc.key), async ({ sdk, client }) => {
      const r = await client.send(new sdk.CreateMultipartUploadCommand({ Bucket: loc.bucket, Key: loc.key }));
      if (!r.UploadId) throw new Error('CreateMultipartUpload returned no upload id');
      return r.UploadId;
    });
  }

  /** @internal Uploading a part again replaces it, so a part is retried freely. */
  async uploadPart(loc: S3Location, uploadId: string, partNumber: number, data: Uint8Array): Promise<string> {
    return this.request('write', uriOf(loc.bucket, loc.key), async ({ sdk, client }) => {
      const r = await client.send(new sdk.UploadPartCommand({ Bucket: loc.bucket, Key: loc.key, UploadId: uploadId, PartNumber: partNumber, Body: data, ContentLength: data.length }));
      if (!r.ETag) throw new Error(`UploadPart ${partNumber} returned no ETag`);
      return r.ETag;
    });
  }

  /** @internal */
  async completeUpload(loc: S3Location, uploadId: string, parts: Array<{ PartNumber: number; ETag: string }>, size: number): Promise<void> {
    const path = uriOf(loc.bucket, loc.key);
    let uncertain = false;
    const done = await this.request('write', path, async ({ sdk, client }) => {
      try {
        await client.send(new sdk.CompleteMultipartUploadCommand({ Bucket: loc.bucket, Key: loc.key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
        return true;
      } catch (e) {
        // the upload is gone after an attempt that may have completed it: find out below
        if (uncertain && errorCodeOf(e) === 'NoSuchUpload') return false;
        throw e;
      }
    }, (e) => {
      if (!certainlyNotApplied(e)) uncertain = true;
    });
    if (done) return;
    // nobody else knows the upload id, so a vanished upload was completed by our earlier attempt
    const h = await this.head('write', loc);
    if (h?.size !== size) {
      throw new FreshetError(SqlState.ioError, `cannot write ${path}: the multipart upload vanished before it was completed`, {
        hint: 'Write the file again. A lifecycle rule that aborts incomplete uploads too early can cause this.',
      });
    }
  }

  /** @internal */
  async abortUpload(loc: S3Location, uploadId: string): Promise<void> {
    await this.request('abort writing', uriOf(loc.bucket, loc.key), async ({ sdk, client }) => {
      try {
        await client.send(new sdk.AbortMultipartUploadCommand({ Bucket: loc.bucket, Key: loc.key, UploadId: uploadId }));
      } catch (e) {
        if (httpStatusOf(e) !== 404) throw e;
      }
    });
  }

  /** @internal */
  async removeObject(loc: S3Location): Promise<void> {
    await this.deleteKey('delete', loc);
  }
}

/**
 * A file being written to S3. Small files are buffered and PUT at close(). Once more than
 * MULTIPART_THRESHOLD bytes arrive it becomes a multipart upload whose parts go out while data keeps
 * coming, so a large file never sits in memory whole; close() completes the upload, and only then
 * does the object appear.
 */
class S3OutputFile implements OutputFile {
  private readonly io: S3FileIO;
  private readonly loc: S3Location;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private written = 0;
  private state: 'open' | 'closing' | 'closed' | 'aborted' = 'open';
  private upload: { id: string; parts: Array<{ PartNumber: number; ETag: string }>; next: number; inFlight: Set<Promise<void>> } | undefined;
  private failure: unknown;

  constructor(io: S3FileIO, loc: S3Location) {
    this.io = io;
    this.loc = loc;
  }

  get bytesWritten(): number {
    return this.written;
  }

  private get path(): string {
    return uriOf(this.loc.bucket, this.loc.key);
  }

  async write(data: Uint8Array): Promise<void> {
    if (this.state !== 'open') throw new FreshetError(SqlState.ioError, `cannot write ${this.path}: the file is already ${this.state}`);
    if (this.failure !== undefined) throw this.failure;
    // copied: the caller may reuse its buffer before the data is sent
    this.chunks.push(data.slice());
    this.buffered += data.length;
    this.written += data.length;
    if (!this.upload && this.buffered > MULTIPART_THRESHOLD) {
      this.upload = { id: await this.io.startUpload(this.loc), parts: [], next: 1, inFlight: new Set() };
    }
    while (this.upload && this.buffered >= PART_SIZE) await this.sendPart(this.take(PART_SIZE));
  }

  /** Removes the first `n` buffered bytes and returns them as one array. */
  private take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - filled);
      out.set(c.subarray(0, k), filled);
      filled += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= n;
    return out;
  }

  private async sendPart(bytes: Uint8Array): Promise<void> {
    const up = this.upload!;
    while (up.inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(up.inFlight);
    if (this.failure !== undefined) throw this.failure;
    const partNumber = up.next++;
    if (partNumber > MAX_PARTS) {
      throw (this.failure = new FreshetError(SqlState.programLimitExceeded, `cannot write ${this.path}: the file is larger than S3's limit for one upload (${MAX_PARTS} parts of ${PART_SIZE / 1024 / 1024} MiB)`, {
        hint: 'Write smaller files (e.g. a smaller target file size).',
      }));
    }
    const p: Promise<void> = this.io.uploadPart(this.loc, up.id, partNumber, bytes).then(
      (ETag) => { up.parts.push({ PartNumber: partNumber, ETag }); },
      (e: unknown) => { this.failure ??= e; },
    ).finally(() => { up.inFlight.delete(p); });
    up.inFlight.add(p);
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state !== 'open') throw new FreshetError(SqlState.ioError, `cannot close ${this.path}: the file is already ${this.state}`);
    this.state = 'closing';
    try {
      if (!this.upload) {
        const data = this.take(this.buffered);
        this.chunks = [];
        await this.io.putWhole(this.loc, data);
      } else {
        if (this.buffered > 0 && this.failure === undefined) await this.sendPart(this.take(this.buffered));
        await Promise.all(this.upload.inFlight);
        if (this.failure !== undefined) throw this.failure;
        const parts = [...this.upload.parts].sort((a, b) => a.PartNumber - b.PartNumber);
        await this.io.completeUpload(this.loc, this.upload.id, parts, this.written);
      }
      this.state = 'closed';
    } catch (e) {
      // a failed close leaves nothing behind: the parts uploaded so far are discarded
      this.state = 'aborted';
      if (this.upload) await this.io.abortUpload(this.loc, this.upload.id).catch(() => undefined);
      throw e;
    }
  }

  async abort(): Promise<void> {
    const previous = this.state;
    this.state = 'aborted';
    this.chunks = [];
    this.buffered = 0;
    if (previous === 'closed') {
      await this.io.removeObject(this.loc);
    } else if (this.upload && previous !== 'aborted') {
      await Promise.all(this.upload.inFlight);
      await this.io.abortUpload(this.loc, this.upload.id);
    }
  }
}
