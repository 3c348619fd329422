/**
 * S3FileIO against an endpoint that fails 10% of requests in every way the test proxy knows,
 * including the dangerous one: a request that took effect but whose answer never arrived.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3FileIO, s3SettingsFrom } from '../../src/fs/s3.ts';
import { FAULT_KINDS, startS3Server } from '../support/s3-server.ts';
import type { TestS3Server } from '../support/s3-server.ts';
import { inParallel, sha256 } from './file-io-conformance.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
let server: TestS3Server;
let io: S3FileIO;
/** Reads s3rver directly: no proxy, so no faults, to check what was really stored. */
let direct: S3FileIO;

beforeAll(async () => {
  server = await startS3Server({ bucket: 'faults', seed: 20_241 });
  io = new S3FileIO(s3SettingsFrom(server.options));
  direct = new S3FileIO(s3SettingsFrom({ ...server.options, 's3.endpoint': server.directEndpoint }));
});

afterAll(async () => {
  io?.destroy();
  direct?.destroy();
  await server?.stop();
});

const root = (): string => `s3://${server.bucket}/run-${randomUUID().slice(0, 8)}`;

describe('S3FileIO with 10% of requests faulted', () => {
  it('every operation succeeds, and everything acknowledged reads back byte for byte', async () => {
    const dir = root();
    const acknowledged = new Map<string, Uint8Array>();
    server.faults.set({ rate: 0.1, kinds: FAULT_KINDS });
    try {
      // plain writes, some replaced
      const sizes = Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? 300_000 : i * 97));
      await inParallel(sizes, 16, async (size, i) => {
        const path = `${dir}/data/f-${String(i).padStart(3, '0')}`;
        const data = new Uint8Array(randomBytes(size));
        await io.writeFile(path, data);
        acknowledged.set(path, data);
      });
      await inParallel([...acknowledged.keys()].filter((_, i) => i % 3 === 0), 16, async (path) => {
        const data = enc.encode(`replaced ${path} ${randomUUID()}`);
        await io.writeFile(path, data);
        acknowledged.set(path, data);
      });

      // conditional creates: fresh paths must be created, taken ones refused
      const fresh = Array.from({ length: 40 }, (_, i) => `${dir}/commits/snapshot-${i}`);
      const created = await inParallel(fresh, 16, async (path) => {
        const data = enc.encode(`${path} by ${randomUUID()}`);
        const ok = await io.tryCreate(path, data);
        if (ok) acknowledged.set(path, data);
        return ok;
      });
      expect(created.every((ok) => ok)).toBe(true);
      const refused = await inParallel(fresh.slice(0, 20), 16, (path) => io.tryCreate(path, enc.encode(`late ${randomUUID()}`)));
      expect(refused.every((ok) => !ok)).toBe(true);

      // a multipart upload, its parts and completion faulted like everything else
      const bigPath = `${dir}/big.bin`;
      const big = new Uint8Array(randomBytes(20 * 1024 * 1024));
      const out = await io.create(bigPath);
      for (let off = 0; off < big.length; off += 1024 * 1024) await out.write(big.subarray(off, off + 1024 * 1024));
      await out.close();
      acknowledged.set(bigPath, big);

      // listings, whole reads, ranged reads, all under faults
      const listed = await io.listRecursive(dir);
      expect(listed.map((f) => f.path)).toEqual([...acknowledged.keys()].sort());
      expect(listed.every((f) => f.size === acknowledged.get(f.path)!.length)).toBe(true);
      expect((await io.list(dir)).map((f) => [f.name, f.isDirectory])).toEqual([['big.bin', false], ['commits', true], ['data', true]]);
      await inParallel([...acknowledged], 16, async ([path, data]) => {
        expect(sha256(await io.readAll(path)), path).toBe(sha256(data));
      });
      await inParallel([...acknowledged].slice(0, 30), 8, async ([path, data]) => {
        const raf = await io.openRandomAccess(path);
        expect(raf.size).toBe(data.length);
        for (let k = 0; k < 5; k++) {
          const off = Math.floor(Math.random() * data.length);
          expect(Buffer.from(await raf.read(off, 1000)).equals(Buffer.from(data.subarray(off, off + 1000))), path).toBe(true);
        }
        await raf.close();
      });
      let streamed = 0;
      for await (const c of io.readChunks(bigPath, 4 * 1024 * 1024)) streamed += c.length;
      expect(streamed).toBe(big.length);

      // deletes, with their listings
      await io.delete(`${dir}/data`);
      for (const path of [...acknowledged.keys()]) if (path.startsWith(`${dir}/data/`)) acknowledged.delete(path);
    } finally {
      server.faults.off();
    }

    // what s3rver really holds, read without the proxy
    expect((await direct.listRecursive(dir)).map((f) => f.path)).toEqual([...acknowledged.keys()].sort());
    await inParallel([...acknowledged], 16, async ([path, data]) => {
      expect(sha256(await direct.readAll(path)), path).toBe(sha256(data));
    });
    for (const kind of FAULT_KINDS) expect(server.stats.faults[kind], kind).toBeGreaterThan(0);
  });

  it('racing tryCreate still has exactly one winner, and the winner is told so', async () => {
    const dir = root();
    const paths = Array.from({ length: 30 }, (_, i) => `${dir}/race/snapshot-${i}`);
    const dropsBefore = server.stats.faults['drop-after'];
    server.faults.set({ rate: 0.1, kinds: FAULT_KINDS });
    let outcomes: Array<{ path: string; contents: string[]; results: boolean[] }>;
    try {
      outcomes = await inParallel(paths, 10, async (path) => {
        const contents = Array.from({ length: 10 }, (_, c) => `${path} caller ${c} ${randomUUID()}`);
        const results = await Promise.all(contents.map((c) => io.tryCreate(path, enc.encode(c))));
        return { path, contents, results };
      });
    } finally {
      server.faults.off();
    }
    for (const { path, contents, results } of outcomes) {
      const winners = results.flatMap((r, i) => (r ? [i] : []));
      expect(winners, path).toHaveLength(1);
      const winner = contents[winners[0]!]!;
      // the proxy saw exactly this body create the key, and s3rver holds it
      expect(server.conditionalWinner(path.slice(`s3://${server.bucket}/`.length))?.toString(), path).toBe(winner);
      expect(dec.decode(await direct.readAll(path)), path).toBe(winner);
    }
    expect(server.stats.faults['drop-after']).toBeGreaterThan(dropsBefore);
  });
});
