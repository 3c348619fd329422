import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3FileIO, s3FileIOFor, s3SettingsFrom } from '../../src/fs/s3.ts';
import { fileIOFor } from '../../src/fs/resolve.ts';
import { FreshetError } from '../../src/util/errors.ts';
import { startS3Server } from '../support/s3-server.ts';
import type { TestS3Server } from '../support/s3-server.ts';
import { describeFileIOConformance, sha256 } from './file-io-conformance.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
let server: TestS3Server;
let io: S3FileIO;

beforeAll(async () => {
  server = await startS3Server({ bucket: 'conformance' });
  io = new S3FileIO(s3SettingsFrom(server.options));
});

afterAll(async () => {
  io?.destroy();
  await server?.stop();
});

describeFileIOConformance('S3FileIO', () => ({ io, root: `s3://${server.bucket}/conformance` }));

/** A FileIO on the same server with other settings (each gets its own client). */
function ioWith(extra: Record<string, string>): S3FileIO {
  return new S3FileIO(s3SettingsFrom({ ...server.options, ...extra }));
}

describe('S3FileIO against the test server', () => {
  it('resolves a conditional create whose answer was lost', async () => {
    const path = `s3://${server.bucket}/lost/snapshot-1`;
    // our PUT is applied, but the connection drops before the answer: the retry meets 412
    server.faults.next('drop-after');
    expect(await io.tryCreate(path, enc.encode('mine'))).toBe(true);
    expect(server.conditionalWinner('lost/snapshot-1')?.toString()).toBe('mine');
    // another writer whose first attempt vanished, so it cannot tell either: the bytes differ
    server.faults.next('drop-before');
    expect(await io.tryCreate(path, enc.encode('theirs'))).toBe(false);
    expect(dec.decode(await io.readAll(path))).toBe('mine');
    expect(server.stats.faults['drop-after']).toBeGreaterThanOrEqual(1);
  });

  it('retries a stalled request after the client-side timeout', async () => {
    const quick = ioWith({ 's3.request-timeout': '300 ms' });
    const started = Date.now();
    server.faults.next('stall');
    await quick.writeFile(`s3://${server.bucket}/stalled/f`, enc.encode('late'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(dec.decode(await io.readAll(`s3://${server.bucket}/stalled/f`))).toBe('late');
    quick.destroy();
  });

  it('completes a multipart upload whose completion answer was lost', async () => {
    const path = `s3://${server.bucket}/multipart/lost-complete.bin`;
    const data = new Uint8Array(randomBytes(17 * 1024 * 1024));
    // POSTs of a multipart upload: initiate, then complete; the completion is applied but not heard
    server.faults.set({ filter: (method) => method === 'POST' });
    server.faults.next('latency');
    server.faults.next('drop-after');
    try {
      const out = await io.create(path);
      await out.write(data);
      await out.close();
    } finally {
      server.faults.set({ filter: undefined });
    }
    expect(sha256(await io.readAll(path))).toBe(sha256(data));
    expect(server.openUploads()).toBe(0);
  });

  it('aborting a multipart upload leaves neither object nor upload', async () => {
    const path = `s3://${server.bucket}/multipart/aborted.bin`;
    const out = await io.create(path);
    for (let i = 0; i < 20; i++) await out.write(new Uint8Array(1024 * 1024));
    expect(server.openUploads()).toBe(1);
    await out.abort();
    expect(server.openUploads()).toBe(0);
    expect(await io.stat(path)).toBeUndefined();
  });

  it('gives up after the configured attempts and says what failed', async () => {
    const few = ioWith({ 's3.max-attempts': '3' });
    server.faults.set({ rate: 1, kinds: ['slowdown'] });
    let error: unknown;
    try {
      await few.writeFile(`s3://${server.bucket}/busy/f`, enc.encode('x'));
    } catch (e) {
      error = e;
    } finally {
      server.faults.off();
      few.destroy();
    }
    expect(error).toBeInstanceOf(FreshetError);
    const fe = error as FreshetError;
    expect(fe.sqlState).toBe('58030');
    expect(fe.message).toBe(`cannot write s3://${server.bucket}/busy/f: the store kept failing (HTTP 503 SlowDown), after 3 attempts`);
    expect(fe.hint).toMatch(/s3\.max-attempts/);
  });

  it('does not retry what cannot succeed', async () => {
    const before = server.stats.requests;
    await expect(io.readAll(`s3://${server.bucket}/nothing/here`)).rejects.toThrow(`cannot read s3://${server.bucket}/nothing/here: no such file or directory (HTTP 404 NoSuchKey)`);
    expect(server.stats.requests - before).toBe(1);
    await expect(io.readAll('s3://no-such-bucket/x')).rejects.toThrow('the bucket does not exist');
    expect(await io.list('s3://no-such-bucket/x')).toEqual([]);
    expect(await io.stat('s3://no-such-bucket/x')).toBeUndefined();
  });

  it('treats the bucket root as a directory', async () => {
    const root = `s3://${server.bucket}`;
    expect((await io.stat(root))?.isDirectory).toBe(true);
    expect((await io.list(root + '/')).some((f) => f.name === 'conformance' && f.isDirectory)).toBe(true);
    await expect(io.writeFile(root + '/', enc.encode('x'))).rejects.toThrow('root of the bucket');
  });

  it('rejects other URIs', async () => {
    await expect(io.readAll('gs://b/k')).rejects.toThrow("not an S3 path: 'gs://b/k'");
  });
});

describe('S3FileIO where DeleteObjects is not implemented', () => {
  it('deletes key by key', async () => {
    const plain = await startS3Server({ batchDelete: false });
    const pio = new S3FileIO(s3SettingsFrom(plain.options));
    try {
      for (let i = 0; i < 30; i++) await pio.writeFile(`s3://${plain.bucket}/d/f${i}`, enc.encode(String(i)));
      await pio.writeFile(`s3://${plain.bucket}/d-kept`, enc.encode('kept'));
      await pio.delete(`s3://${plain.bucket}/d`);
      expect((await pio.listRecursive(`s3://${plain.bucket}/`)).map((f) => f.name)).toEqual(['d-kept']);
    } finally {
      pio.destroy();
      await plain.stop();
    }
  });
});

describe('S3 settings', () => {
  it('reads s3.* options, with defaults and the environment as fallbacks', () => {
    const s = s3SettingsFrom({ 's3.endpoint': 'http://127.0.0.1:9000', 's3.access-key': 'k', 's3.secret-key': 's', 's3.path-style-access': 'TRUE', 'bucket': '4' }, {});
    expect(s).toMatchObject({ endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', accessKey: 'k', secretKey: 's', pathStyle: true, connectTimeoutMs: 5000, requestTimeoutMs: 30_000 });
    expect(s.retry).toEqual({ maxAttempts: 10, baseDelayMs: 50, maxDelayMs: 5000 });
    const fromEnv = s3SettingsFrom({}, { AWS_ENDPOINT_URL: 'http://minio:9000', AWS_REGION: 'eu-west-1' });
    expect(fromEnv).toMatchObject({ endpoint: 'http://minio:9000', region: 'eu-west-1', accessKey: undefined, pathStyle: false });
    expect(s3SettingsFrom({ 's3.connect-timeout': '2 s', 's3.request-timeout': '1500', 's3.max-attempts': '4' }, {})).toMatchObject({ connectTimeoutMs: 2000, requestTimeoutMs: 1500, retry: { maxAttempts: 4 } });
  });

  it('says what is wrong with an option', () => {
    expect(() => s3SettingsFrom({ 's3.acces-key': 'k' }, {})).toThrow("unknown S3 option 's3.acces-key', did you mean `s3.access-key`");
    expect(() => s3SettingsFrom({ 's3.access-key': 'k' }, {})).toThrow("'s3.access-key' is set without 's3.secret-key'");
    expect(() => s3SettingsFrom({ 's3.path-style-access': 'yes' }, {})).toThrow("invalid 's3.path-style-access' 'yes'");
    expect(() => s3SettingsFrom({ 's3.endpoint': 'minio:9000' }, {})).toThrow("invalid 's3.endpoint' 'minio:9000'");
    expect(() => s3SettingsFrom({ 's3.request-timeout': 'soon' }, {})).toThrow("invalid 's3.request-timeout' 'soon'");
    expect(() => s3SettingsFrom({ 's3.max-attempts': '0' }, {})).toThrow("invalid 's3.max-attempts' '0'");
  });

  it('shares one FileIO per configuration', () => {
    const a = fileIOFor('s3://b/x', { 's3.endpoint': 'http://127.0.0.1:1', 'other': 'ignored' });
    expect(a.scheme).toBe('s3');
    expect(fileIOFor('s3://b/y', { 's3.endpoint': 'http://127.0.0.1:1' })).toBe(a);
    expect(fileIOFor('s3://b/y', { 's3.endpoint': 'http://127.0.0.1:2' })).not.toBe(a);
    expect(s3FileIOFor({ 's3.endpoint': 'http://127.0.0.1:1' })).toBe(a);
    expect(fileIOFor('s3://b/x').scheme).toBe('s3');
  });
});
