/**
 * An S3 endpoint for tests: s3rver (in process, on 127.0.0.1, in a temp directory) behind a small
 * HTTP proxy that adds what S3 does and s3rver does not, and injects faults.
 *
 * What s3rver 3.7.1 lacks, measured, and what is done about it:
 * - `If-None-Match: *` on PUT is ignored (the PUT overwrites). The proxy enforces it: per key, under a
 *   lock, it asks s3rver (HEAD) whether the key exists and answers 412 PreconditionFailed if so, else
 *   forwards the PUT. So concurrent conditional creates have exactly one winner.
 * - Writes are not atomic: a PUT streams into the object's file, so a concurrent GET can see part of
 *   it, and a delete that removes an emptied directory can race a PUT into that directory (s3rver then
 *   crashes on an unhandled stream error). The proxy buffers each request body whole before
 *   forwarding it (a client that disconnects mid-upload changes nothing), serialises requests per key
 *   (reads shared, writes exclusive), and runs deletes exclusively of all other writes.
 * - ListObjectsV2 is unusable: it walks the directory tree unsorted (pages come out of key order, so
 *   continuation loses keys), with a delimiter it drops a "directory" that holds only subdirectories,
 *   and a truncated page answers 500 on Node 17+ because its continuation token is DES-encrypted,
 *   which OpenSSL 3 no longer offers. The proxy answers ListObjectsV2 itself from s3rver's directory
 *   (sorted keys, S3's delimiter and MaxKeys semantics, opaque tokens); s3rver's ListObjects (v1) is
 *   left as it is.
 * - AbortMultipartUpload answers 405. The proxy implements it by removing the upload's directory.
 * - CompleteMultipartUpload repeated after a completed one answers 500 (its files are gone). The
 *   proxy answers 404 NoSuchUpload, as S3 does, so a client can resolve a completion it did not hear.
 * - `x-amz-copy-source` is decoded with decodeURI, which leaves `%3D` (`=`) and friends encoded; the
 *   proxy re-encodes the header so that s3rver decodes it to the right key.
 * - Signatures are not checked (V4), checksums are not verified, part sizes are not enforced, and
 *   DeleteObjects mis-parses keys that look like numbers (`<Key>007</Key>`). Not worked around; keys
 *   in tests live under a prefix.
 *
 * Faults, each kind selectable, with a probability per request and a seeded random source (runs are
 * reproducible when requests arrive in the same order): `slowdown` (503 SlowDown, not forwarded),
 * `latency` (10–200 ms before forwarding), `drop-before` (connection closed, not forwarded),
 * `drop-after` (forwarded and applied, then the connection is closed: the client never hears the
 * answer), `truncate` (forwarded, then the response breaks off halfway through its body), and, only
 * when asked for, `stall` (never answered, not forwarded: the client must time out).
 *
 * `node --import tsx test/support/s3-server.ts` starts one and prints its endpoint.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { pathToFileURL } from 'node:url';
import { seededRandom } from './seeded-random.ts';

export type FaultKind = 'slowdown' | 'latency' | 'drop-before' | 'drop-after' | 'truncate' | 'stall';
/** The kinds faults are drawn from by default; `stall` is left out because each costs a client timeout. */
export const FAULT_KINDS: readonly FaultKind[] = ['slowdown', 'latency', 'drop-before', 'drop-after', 'truncate'];

export interface FaultSettings {
  /** Probability in [0, 1] that a request gets a fault. */
  rate: number;
  /** The kinds to choose from (uniformly). */
  kinds: readonly FaultKind[];
  /** Only requests this accepts get faults (default: all). */
  filter?: ((method: string, key: string | undefined) => boolean) | undefined;
}

export interface FaultControl {
  set(settings: Partial<FaultSettings> & { seed?: number }): void;
  off(): void;
  /** The next `count` requests (that pass the filter) get `kind`, whatever the rate. */
  next(kind: FaultKind, count?: number): void;
  readonly settings: Readonly<FaultSettings>;
}

export interface S3ServerStats {
  requests: number;
  faults: Record<FaultKind, number>;
  /** Conditional PUTs (If-None-Match: *) that created their key, and those answered with 412. */
  conditionalCreated: number;
  conditionalRejected: number;
}

export interface TestS3Server {
  /** The proxy's URL: what clients use. */
  endpoint: string;
  /** s3rver's own URL, without faults or conditional PUT. */
  directEndpoint: string;
  bucket: string;
  /** The `s3.*` options for fileIOFor / s3SettingsFrom. */
  options: Record<string, string>;
  faults: FaultControl;
  stats: S3ServerStats;
  /** The body of the conditional PUT that created `key` (as the proxy let it through), if any. */
  conditionalWinner(key: string): Buffer | undefined;
  /** Multipart uploads started and neither completed nor aborted. */
  openUploads(): number;
  stop(): Promise<void>;
}

export interface S3ServerOptions {
  bucket?: string;
  /** Seed of the fault random source. */
  seed?: number;
  faults?: Partial<FaultSettings>;
  /** False makes DeleteObjects answer 501 NotImplemented, as some S3-compatible stores do. */
  batchDelete?: boolean;
}

// ---------------------------------------------------------------------------------------------------
// s3rver

interface S3rverMetadata {
  etag: string;
  'last-modified': string;
  'content-length': string | number;
}

interface S3rverStore {
  getMetadata(bucket: string, key: string): Promise<S3rverMetadata>;
}

interface S3rverInstance {
  store: S3rverStore;
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;

/** How s3rver names an object's content file: `<last key segment>._S3rver_object`. */
const OBJECT_SUFFIX = '._S3rver_object';
const UPLOADS_DIR = '._S3rver_uploads';

/**
 * Every key under `prefix` from s3rver's directory of one bucket, sorted (by UTF-16 code units; S3
 * compares UTF-8 bytes, which orders differently only for characters beyond U+FFFF).
 */
function keysUnder(bucketDir: string, prefix: string): string[] {
  const keys: string[] = [];
  const walk = (dir: string, keyPrefix: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // removed by a concurrent delete
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (keyPrefix === '' && e.name === UPLOADS_DIR) continue;
        const sub = keyPrefix + e.name + '/';
        if (sub.startsWith(prefix) || prefix.startsWith(sub)) walk(nodePath.join(dir, e.name), sub);
      } else if (e.name.endsWith(OBJECT_SUFFIX)) {
        const key = keyPrefix + e.name.slice(0, -OBJECT_SUFFIX.length);
        if (key.startsWith(prefix)) keys.push(key);
      }
    }
  };
  walk(bucketDir, '');
  return keys.sort();
}

interface ListPage {
  objects: Array<{ key: string; metadata: S3rverMetadata }>;
  prefixes: string[];
  /** Where the next page starts (the last key or prefix returned), if there is one. */
  next: string | undefined;
}

/**
 * One page of a ListObjectsV2 listing as S3 gives it: keys in order, keys below the delimiter rolled
 * up into common prefixes, objects and prefixes together at most `maxKeys`.
 */
async function listPage(store: S3rverStore, root: string, bucket: string, prefix: string, delimiter: string, startAfter: string, maxKeys: number): Promise<ListPage> {
  const objects: string[] = [];
  const prefixes: string[] = [];
  let next: string | undefined;
  let last: string | undefined;
  for (const key of keysUnder(nodePath.join(root, bucket), prefix)) {
    if (key <= startAfter) continue;
    // a page that ended on a common prefix resumes after everything under it
    if (delimiter !== '' && startAfter.endsWith(delimiter) && key.startsWith(startAfter)) continue;
    let entry = key;
    let isPrefix = false;
    if (delimiter !== '') {
      const i = key.indexOf(delimiter, prefix.length);
      if (i >= 0) {
        entry = key.slice(0, i + delimiter.length);
        isPrefix = true;
        if (entry === last) continue;
      }
    }
    if (objects.length + prefixes.length >= maxKeys) {
      next = last;
      break;
    }
    (isPrefix ? prefixes : objects).push(entry);
    last = entry;
  }
  const withMetadata: ListPage['objects'] = [];
  for (const key of objects) {
    const metadata = await store.getMetadata(bucket, key).catch(() => undefined); // deleted meanwhile
    if (metadata) withMetadata.push({ key, metadata });
  }
  return { objects: withMetadata, prefixes, next };
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** The ListObjectsV2 answer for a bucket-level GET with `list-type=2`. */
async function listObjectsV2(store: S3rverStore, root: string, bucket: string, query: URLSearchParams): Promise<Answer> {
  if (!fs.existsSync(nodePath.join(root, bucket))) return errorAnswer(404, 'NoSuchBucket', 'The specified bucket does not exist', `/${bucket}`);
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const token = query.get('continuation-token');
  const startAfter = token !== null ? Buffer.from(token, 'base64url').toString('utf8') : query.get('start-after') ?? '';
  const maxKeysText = query.get('max-keys');
  const maxKeys = maxKeysText === null ? 1000 : Math.min(1000, Math.max(0, Number(maxKeysText) || 0));
  const page = await listPage(store, root, bucket, prefix, delimiter, startAfter, maxKeys);
  const el = (name: string, value: string | number): string => `<${name}>${xmlEscape(String(value))}</${name}>`;
  const parts = [
    el('Name', bucket), el('Prefix', prefix),
    token === null && query.has('start-after') ? el('StartAfter', startAfter) : '',
    el('KeyCount', page.objects.length + page.prefixes.length), el('MaxKeys', maxKeys),
    delimiter !== '' ? el('Delimiter', delimiter) : '',
    el('IsTruncated', page.next !== undefined ? 'true' : 'false'),
    token !== null ? el('ContinuationToken', token) : '',
    page.next !== undefined ? el('NextContinuationToken', Buffer.from(page.next, 'utf8').toString('base64url')) : '',
    ...page.objects.map((o) => `<Contents>${el('Key', o.key)}${el('LastModified', new Date(o.metadata['last-modified']).toISOString())}${el('ETag', o.metadata.etag)}${el('Size', Number(o.metadata['content-length']))}${el('StorageClass', 'STANDARD')}</Contents>`),
    ...page.prefixes.map((p) => `<CommonPrefixes>${el('Prefix', p)}</CommonPrefixes>`),
  ];
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts.join('')}</ListBucketResult>`;
  return { status: 200, headers: { 'content-type': 'application/xml' }, body: Buffer.from(xml) };
}

// ---------------------------------------------------------------------------------------------------
// locks

/** A readers-writer lock, first come first served. */
class RwLock {
  private readers = 0;
  private writer = false;
  private readonly queue: Array<{ exclusive: boolean; grant: () => void }> = [];

  get idle(): boolean {
    return this.readers === 0 && !this.writer && this.queue.length === 0;
  }

  acquire(exclusive: boolean): Promise<void> {
    return new Promise((grant) => {
      this.queue.push({ exclusive, grant });
      this.pump();
    });
  }

  release(exclusive: boolean): void {
    if (exclusive) this.writer = false;
    else this.readers--;
    this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.writer) {
      const head = this.queue[0]!;
      if (head.exclusive && this.readers > 0) return;
      this.queue.shift();
      if (head.exclusive) this.writer = true;
      else this.readers++;
      head.grant();
    }
  }
}

class KeyedLocks {
  private readonly locks = new Map<string, RwLock>();

  async with<T>(key: string, exclusive: boolean, fn: () => Promise<T>): Promise<T> {
    let lock = this.locks.get(key);
    if (!lock) this.locks.set(key, (lock = new RwLock()));
    await lock.acquire(exclusive);
    try {
      return await fn();
    } finally {
      lock.release(exclusive);
      if (lock.idle) this.locks.delete(key);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// the proxy

interface Target {
  bucket: string | undefined;
  /** Decoded key; undefined for bucket-level requests. */
  key: string | undefined;
  /** The request path as sent (still encoded), without the query. */
  rawPath: string;
  query: URLSearchParams;
}

interface Answer {
  status: number;
  headers: http.OutgoingHttpHeaders;
  body: Buffer;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'expect', 'upgrade', 'proxy-connection', 'te', 'trailer']);

function parseTarget(url: string): Target {
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const parts = rawPath.split('/').slice(1).map((s) => decodeURIComponent(s));
  const bucket = parts[0] === '' ? undefined : parts[0];
  const key = parts.length > 1 ? parts.slice(1).join('/') : undefined;
  return { bucket, key: key === '' ? undefined : key, rawPath, query };
}

function errorAnswer(status: number, code: string, message: string, resource: string): Answer {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><Resource>${xmlEscape(resource)}</Resource><RequestId>test-proxy</RequestId></Error>`;
  return { status, headers: { 'content-type': 'application/xml' }, body: Buffer.from(xml) };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('client went away during the request'));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function startS3Server(options: S3ServerOptions = {}): Promise<TestS3Server> {
  const bucket = options.bucket ?? 'test-bucket';
  const directory = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'freshet-s3-'));
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  const s3Address = await s3rver.run();
  const upstream = new http.Agent({ keepAlive: true, maxSockets: 64 });

  let random = seededRandom(options.seed ?? 1);
  const forced: FaultKind[] = [];
  const settings: FaultSettings = { rate: 0, kinds: FAULT_KINDS, filter: undefined, ...options.faults };
  const stats: S3ServerStats = {
    requests: 0,
    faults: { slowdown: 0, latency: 0, 'drop-before': 0, 'drop-after': 0, truncate: 0, stall: 0 },
    conditionalCreated: 0,
    conditionalRejected: 0,
  };
  const faults: FaultControl = {
    set(s) {
      if (s.seed !== undefined) random = seededRandom(s.seed);
      if (s.rate !== undefined) settings.rate = s.rate;
      if (s.kinds !== undefined) settings.kinds = [...s.kinds];
      if ('filter' in s) settings.filter = s.filter;
    },
    off() {
      settings.rate = 0;
      forced.length = 0;
    },
    next(kind, count = 1) {
      for (let i = 0; i < count; i++) forced.push(kind);
    },
    get settings() {
      return settings;
    },
  };
  const pickFault = (method: string, key: string | undefined): FaultKind | undefined => {
    if (settings.filter && !settings.filter(method, key)) return undefined;
    if (forced.length > 0) return forced.shift();
    if (settings.rate <= 0 || settings.kinds.length === 0 || random() >= settings.rate) return undefined;
    return settings.kinds[Math.floor(random() * settings.kinds.length)];
  };

  const keyLocks = new KeyedLocks();
  // deletes take this exclusively, other writes shared: see the header on s3rver's directory cleanup
  const treeLock = new RwLock();
  const withTree = async <T>(exclusive: boolean, fn: () => Promise<T>): Promise<T> => {
    await treeLock.acquire(exclusive);
    try {
      return await fn();
    } finally {
      treeLock.release(exclusive);
    }
  };
  const winners = new Map<string, Buffer>();

  /** Sends a request to s3rver and collects the whole answer. */
  const forward = (method: string, url: string, headers: http.IncomingHttpHeaders, body: Buffer): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const out: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
      if (body.length > 0 || headers['content-length'] !== undefined) out['content-length'] = body.length;
      const req = http.request({ host: '127.0.0.1', port: s3Address.port, method, path: url, headers: out, agent: upstream }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });

  const uploadDir = (uploadId: string): string | undefined =>
    /^[0-9a-f]+$/i.test(uploadId) ? nodePath.join(directory, bucket, UPLOADS_DIR, uploadId) : undefined;

  const route = async (req: http.IncomingMessage, body: Buffer, t: Target): Promise<Answer> => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const pass = (headers: http.IncomingHttpHeaders = req.headers): Promise<Answer> => forward(method, url, headers, body);
    const { key, query } = t;
    if (key === undefined) {
      if (method === 'POST' && query.has('delete')) {
        if (options.batchDelete === false) return errorAnswer(501, 'NotImplemented', 'DeleteObjects is not implemented here.', t.rawPath);
        return withTree(true, () => pass());
      }
      if (method === 'GET' && query.get('list-type') === '2' && t.bucket !== undefined) {
        const b = t.bucket;
        return withTree(false, () => listObjectsV2(s3rver.store, directory, b, query));
      }
      if (method === 'GET') return withTree(false, () => pass());
      return pass();
    }
    const uploadId = query.get('uploadId');
    if (method === 'PUT' && uploadId !== null) return pass(); // a part: lands in the upload's own directory
    if (method === 'POST' && query.has('uploads')) return pass();
    if (uploadId !== null && (method === 'POST' || method === 'DELETE')) {
      const dir = uploadDir(uploadId);
      if (dir === undefined || !fs.existsSync(dir)) return errorAnswer(404, 'NoSuchUpload', 'The specified upload does not exist.', t.rawPath);
      if (method === 'DELETE') {
        fs.rmSync(dir, { recursive: true, force: true });
        return { status: 204, headers: {}, body: Buffer.alloc(0) };
      }
      return withTree(false, () => keyLocks.with(key, true, () => pass()));
    }
    if (method === 'DELETE') return withTree(true, () => keyLocks.with(key, true, () => pass()));
    if (method === 'GET' || method === 'HEAD') return keyLocks.with(key, false, () => pass());
    if (method !== 'PUT') return pass();
    return withTree(false, () => keyLocks.with(key, true, async () => {
      const headers = { ...req.headers };
      const copySource = headers['x-amz-copy-source'];
      if (typeof copySource === 'string') {
        // s3rver decodes with decodeURI; hand it a form that decodeURI turns into the right key
        headers['x-amz-copy-source'] = encodeURI(decodeURIComponent(copySource));
        return pass(headers);
      }
      if (headers['if-none-match'] !== '*') return pass();
      delete headers['if-none-match'];
      const head = await forward('HEAD', t.rawPath, {}, Buffer.alloc(0));
      if (head.status === 200) {
        stats.conditionalRejected++;
        return errorAnswer(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', t.rawPath);
      }
      if (head.status !== 404) return errorAnswer(500, 'InternalError', `existence check answered ${head.status}`, t.rawPath);
      const answer = await pass(headers);
      if (answer.status >= 200 && answer.status < 300) {
        stats.conditionalCreated++;
        winners.set(key, Buffer.from(body));
      }
      return answer;
    }));
  };

  const reply = (req: http.IncomingMessage, res: http.ServerResponse, a: Answer, truncate: boolean): void => {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(a.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    if (req.method === 'HEAD') {
      res.writeHead(a.status, headers);
      res.end();
      return;
    }
    headers['content-length'] = a.body.length;
    res.writeHead(a.status, headers);
    if (!truncate) {
      res.end(a.body);
      return;
    }
    res.write(a.body.subarray(0, a.body.length >> 1), () => res.socket?.destroy());
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    stats.requests++;
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      return; // the client gave up mid-request: nothing reaches s3rver, as on S3
    }
    const t = parseTarget(req.url ?? '/');
    const fault = pickFault(req.method ?? 'GET', t.key);
    if (fault) stats.faults[fault]++;
    if (fault === 'slowdown') return reply(req, res, errorAnswer(503, 'SlowDown', 'Please reduce your request rate.', t.rawPath), false);
    if (fault === 'drop-before') return void req.socket.destroy();
    if (fault === 'stall') return; // the socket stays open until the client gives up, or stop()
    if (fault === 'latency') await sleep(10 + Math.floor(random() * 191));
    const answer = await route(req, body, t);
    if (fault === 'drop-after' || (fault === 'truncate' && (req.method === 'HEAD' || answer.body.length < 2))) return void req.socket.destroy();
    reply(req, res, answer, fault === 'truncate');
  };

  const sockets = new Set<Socket>();
  const proxy = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) res.destroy();
      else reply(req, res, errorAnswer(500, 'InternalError', `test proxy: ${e instanceof Error ? e.message : String(e)}`, req.url ?? ''), false);
    });
  });
  proxy.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  proxy.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    proxy.once('error', reject);
    proxy.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (proxy.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    directEndpoint: `http://127.0.0.1:${s3Address.port}`,
    bucket,
    options: {
      's3.endpoint': endpoint,
      's3.region': 'us-east-1',
      's3.access-key': 'S3RVER',
      's3.secret-key': 'S3RVER',
      's3.path-style-access': 'true',
    },
    faults,
    stats,
    conditionalWinner: (key) => winners.get(key),
    openUploads: () => {
      try {
        return fs.readdirSync(nodePath.join(directory, bucket, UPLOADS_DIR)).length;
      } catch {
        return 0;
      }
    },
    async stop() {
      await new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      upstream.destroy();
      await s3rver.close().catch(() => undefined);
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await startS3Server();
  console.log(`S3 endpoint ${server.endpoint}, bucket '${server.bucket}'`);
  console.log(JSON.stringify(server.options, null, 2));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void server.stop().then(() => process.exit(0)));
}
