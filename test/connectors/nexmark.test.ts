import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src/session/engine.ts';
import { resultRows } from '../../src/session/result.ts';
import type { Session } from '../../src/session/session.ts';
import { parseScript } from '../../src/sql/parse.ts';
import type { Batch, Field } from '../../src/types/batch.ts';
import { batchToRows } from '../../src/types/batch.ts';
import { T } from '../../src/types/data-type.ts';
import type { ScanContext, TableDescriptor } from '../../src/connectors/connector.ts';
import { NexmarkSource } from '../../src/connectors/nexmark/source.ts';
import { flatColumns, nestedColumns, AUCTION_FIELDS, PERSON_FIELDS } from '../../src/connectors/nexmark/schema.ts';
import { BASE_TIME, price } from '../../src/connectors/nexmark/model.ts';
import { CITIES, HOT_CHANNELS, HOT_CHANNEL_URLS, STATES } from '../../src/connectors/nexmark/strings.ts';
import { countChar } from '../../bench/nexmark/udf/count-char.js';

// ---- helpers ----

function descriptor(columns: Field[], options: Record<string, string>): TableDescriptor {
  return { name: 'nx', physicalColumns: columns, metadataColumns: [], partitionKeys: [], primaryKey: [], options: { connector: 'nexmark', ...options } };
}

function ctx(batchSize: number, cancelAfter = Infinity): ScanContext {
  let batches = 0;
  // an unbounded read needs a streaming scan (the streaming runtime marks its context so)
  const streaming = cancelAfter !== Infinity;
  const c: ScanContext & { streaming: boolean } = { timeZone: 'UTC', batchSize, isCancelled: () => batches++ >= cancelAfter, countSkipped: () => {}, streaming };
  return c;
}

/** Reads a source to rows (all columns unless `columns` says which). */
async function drain(columns: Field[], options: Record<string, string>, opts: { batchSize?: number; read?: number[]; cancelAfter?: number } = {}): Promise<unknown[][]> {
  const src = new NexmarkSource(descriptor(columns, options));
  const read = opts.read ?? columns.map((_, i) => i);
  const types = read.map((i) => columns[i]!.type);
  const rows: unknown[][] = [];
  const batches: Batch[] = [];
  for await (const b of src.open({ columns: read, predicates: [] }, ctx(opts.batchSize ?? 1000, opts.cancelAfter))) batches.push(b);
  for (const b of batches) for (const r of batchToRows(b, types)) rows.push(r);
  return rows;
}

const BID = flatColumns(2);
const PERSON = flatColumns(0);
const AUCTION = flatColumns(1);
const NESTED = nestedColumns();
const col = (fields: readonly { name: string }[], name: string): number => fields.findIndex((f) => f.name === name);

/** These tests check the generator and the queries' SQL in batch mode; streaming runs are in test/stream. */
async function session(): Promise<Session> {
  const engine = await Engine.open();
  return engine.createSession({ 'execution.runtime-mode': 'batch' });
}

async function query(s: Session, sql: string): Promise<unknown[][]> {
  return resultRows(await s.execute(sql));
}

async function failure(s: Session, sql: string): Promise<Error & { hint?: string }> {
  try {
    await s.execute(sql);
  } catch (e) {
    return e as Error & { hint?: string };
  }
  throw new Error(`expected ${sql} to fail`);
}

const BENCH = join(import.meta.dirname, '../../bench/nexmark');
const withEvents = (sql: string, n: number): string => sql.replace(/'events\.num' = '\d+'/g, `'events.num' = '${n}'`);

// ---- the generator ----

describe('nexmark source: determinism', () => {
  it('gives the same rows for the same seed, whatever the batch size', async () => {
    const opts = { 'events.num': '5000', seed: '7' };
    const a = await drain(NESTED, opts, { batchSize: 4096 });
    const b = await drain(NESTED, opts, { batchSize: 1 + 136 });
    const c = await drain(NESTED, opts, { batchSize: 1 });
    expect(a.length).toBe(5000);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    const flatA = await drain(BID, { ...opts, 'nexmark.table': 'bid' }, { batchSize: 4096 });
    const flatB = await drain(BID, { ...opts, 'nexmark.table': 'bid' }, { batchSize: 33 });
    expect(flatB).toEqual(flatA);
  });

  it('gives the same values whichever columns are read, and in the flat and nested forms', async () => {
    const opts = { 'events.num': '3000', seed: '11', 'nexmark.table': 'bid' };
    const all = await drain(BID, opts);
    const some = await drain(BID, opts, { read: [6, 2, 0] });
    expect(some).toEqual(all.map((r) => [r[6], r[2], r[0]]));
    const nested = await drain(NESTED, { 'events.num': '3000', seed: '11' }, { read: [3] });
    expect(nested.map((r) => r[0]).filter((x) => x !== null)).toEqual(all);
    const persons = await drain(PERSON, { ...opts, 'nexmark.table': 'person' });
    const nestedPersons = await drain(NESTED, { 'events.num': '3000', seed: '11' }, { read: [1] });
    expect(nestedPersons.map((r) => r[0]).filter((x) => x !== null)).toEqual(persons);
  });

  it('gives other rows for another seed, and the same rows without a seed (seed 0)', async () => {
    const a = await drain(BID, { 'events.num': '500', seed: '1', 'nexmark.table': 'bid' });
    const b = await drain(BID, { 'events.num': '500', seed: '2', 'nexmark.table': 'bid' });
    expect(b).not.toEqual(a);
    const prices = (rows: unknown[][]) => rows.map((r) => r[2]);
    expect(prices(b).filter((p, i) => p === prices(a)[i]).length).toBeLessThan(5);
    // seeds beyond 32 bits are not cut to their low bits
    const big = await drain(BID, { 'events.num': '500', seed: String(2 ** 32 + 1), 'nexmark.table': 'bid' });
    expect(big).not.toEqual(a);
    const d1 = await drain(BID, { 'events.num': '500', 'nexmark.table': 'bid' });
    const d2 = await drain(BID, { 'events.num': '500', 'nexmark.table': 'bid', seed: '0' });
    expect(d1).toEqual(d2);
  });

  it('reads a ROW with a subset of its fields in another order', async () => {
    const columns: Field[] = [
      { name: 'bid', type: T.row([{ name: 'price', type: T.bigint() }, { name: 'auction', type: T.bigint() }]) },
      { name: 'event_type', type: T.int() },
    ];
    const rows = await drain(columns, { 'events.num': '200' });
    const full = await drain(NESTED, { 'events.num': '200' });
    expect(rows.map((r) => r[1])).toEqual(full.map((r) => r[0]));
    const fullBids = full.map((r) => r[3] as unknown[] | null);
    expect(rows.map((r) => r[0])).toEqual(fullBids.map((b) => (b === null ? null : [b[2], b[0]])));
  });
});

describe('nexmark source: the event model', () => {
  it('chooses the kind by n % 50 and numbers people and auctions from 1000', async () => {
    const rows = await drain(NESTED, { 'events.num': '5000' });
    const pId = col(PERSON_FIELDS, 'id');
    const aId = col(AUCTION_FIELDS, 'id');
    for (let n = 0; n < rows.length; n++) {
      const [type, person, auction, bid] = rows[n]! as [number, unknown[] | null, unknown[] | null, unknown[] | null];
      const k = n % 50;
      expect(type).toBe(k === 0 ? 0 : k <= 3 ? 1 : 2);
      expect([person !== null, auction !== null, bid !== null]).toEqual([type === 0, type === 1, type === 2]);
      if (type === 0) expect(person![pId]).toBe(Math.floor(n / 50) + 1000);
      if (type === 1) expect(auction![aId]).toBe(Math.floor(n / 50) * 3 + (k - 1) + 1000);
    }
    expect(rows.filter((r) => r[0] === 0).length).toBe(100);
    expect(rows.filter((r) => r[0] === 1).length).toBe(300);
    expect(rows.filter((r) => r[0] === 2).length).toBe(4600);
  });

  it('spaces event time by the rate: ts(n) = base + n × 1e6/rate µs', async () => {
    const rows = await drain(NESTED, { 'events.num': '1000', 'first-event.rate': '10000', 'next-event.rate': '10000' });
    const times = rows.map((r) => ((r[1] ?? r[2] ?? r[3]) as unknown[])[r[0] === 0 ? 6 : r[0] === 1 ? 5 : 5]);
    expect(times[0]).toBe(BASE_TIME);
    expect(BASE_TIME).toBe(Date.UTC(2024, 0, 1));
    // 100 µs per event: 10 events per millisecond
    times.forEach((t, n) => expect(t).toBe(BASE_TIME + Math.floor(n / 10)));
    const fast = await drain(BID, { 'events.num': '100000', 'first-event.rate': '1000000', 'nexmark.table': 'bid' }, { read: [5] });
    expect(fast[fast.length - 1]![0]).toBe(BASE_TIME + 99); // event 99999 at 99.999 ms
  });

  it('alternates between first-event.rate and next-event.rate every 5 minutes of event time', async () => {
    const opts = { 'nexmark.table': 'person', 'person.proportion': '1', 'auction.proportion': '0', 'bid.proportion': '0', 'first-event.rate': '10', 'next-event.rate': '20' };
    const rows = await drain(PERSON, { ...opts, 'events.num': '9001' }, { read: [6] });
    const t = (n: number) => rows[n]![0] as number;
    expect(t(1) - t(0)).toBe(100); // 10 per second
    expect(t(3000)).toBe(BASE_TIME + 300_000); // 3000 events at 10/s = 5 minutes
    expect(t(3001) - t(3000)).toBe(50); // then 20 per second
    expect(t(9000)).toBe(BASE_TIME + 600_000); // 3000 + 6000 events: a full 10-minute cycle
  });

  it('keeps ids consistent: bids name existing or soon-to-exist auctions and people', async () => {
    const rows = await drain(NESTED, { 'events.num': '20000', seed: '3' });
    let persons = 0;
    let auctions = 0;
    for (const [type, , , bid] of rows as [number, unknown, unknown, unknown[] | null][]) {
      if (type === 0) persons++;
      else if (type === 1) auctions++;
      else {
        const a = bid![0] as number;
        const b = bid![1] as number;
        expect(a).toBeGreaterThanOrEqual(Math.max(1000, 1000 + auctions - 100));
        expect(a).toBeLessThanOrEqual(1000 + auctions - 1 + 10);
        expect(b).toBeGreaterThanOrEqual(Math.max(1000, 1000 + persons - 1000));
        expect(b).toBeLessThanOrEqual(1000 + persons - 1 + 10);
      }
    }
  });

  it('sends bids to the hot auction and bidder, and auctions to the hot seller, at the configured ratios', async () => {
    const rows = await drain(NESTED, { 'events.num': '200000', seed: '5' });
    let persons = 0;
    let auctions = 0;
    let bids = 0;
    let hotAuction = 0;
    let hotBidder = 0;
    let sold = 0;
    let hotSeller = 0;
    for (const [type, , auction, bid] of rows as [number, unknown, unknown[] | null, unknown[] | null][]) {
      if (type === 0) persons++;
      else if (type === 1) {
        auctions++;
        sold++;
        if (auction![7] === 1000 + persons - 1) hotSeller++;
      } else {
        bids++;
        if (bid![0] === 1000 + auctions - 1) hotAuction++;
        if (bid![1] === 1000 + persons - 1) hotBidder++;
      }
    }
    // hot with probability 1 − 1/ratio, plus the uniform choice landing on the newest id by chance
    expect(hotAuction / bids).toBeCloseTo(1 / 2 + 1 / 2 / 110, 2);
    expect(hotBidder / bids).toBeCloseTo(3 / 4 + 1 / 4 / 1010, 2);
    expect(hotSeller / sold).toBeCloseTo(3 / 4 + 1 / 4 / 1010, 1);
    expect(Math.abs(hotSeller / sold - 0.75)).toBeLessThan(0.02);
  });

  it('follows changed hot ratios and proportions', async () => {
    const opts = { 'events.num': '100000', 'nexmark.table': 'bid', 'bid.hot-ratio.auctions': '1', 'bid.hot-ratio.bidders': '10', 'person.proportion': '2', 'auction.proportion': '8', 'bid.proportion': '10' };
    const rows = await drain(BID, opts, { read: [0, 1] });
    expect(rows.length).toBe(50_000);
    // 8 auctions and 2 people per round of 20 events, all opened before the round's bids
    let hotAuction = 0;
    let hotBidder = 0;
    rows.forEach(([a, b], i) => {
      const round = Math.floor(i / 10);
      if (a === 1000 + (round + 1) * 8 - 1) hotAuction++;
      if (b === 1000 + (round + 1) * 2 - 1) hotBidder++;
    });
    expect(hotAuction / rows.length).toBeLessThan(0.03); // ratio 1: no hot auction, 1 in 110 by chance
    expect(hotBidder / rows.length).toBeCloseTo(0.9, 1);
  });

  it('draws prices log-uniformly from [100, 1e8], a third per two decades', async () => {
    const rows = await drain(BID, { 'events.num': '300000', 'nexmark.table': 'bid', seed: '9' }, { read: [2] });
    const prices = rows.map((r) => r[0] as number);
    expect(prices.reduce((a, b) => Math.min(a, b))).toBeGreaterThanOrEqual(100);
    expect(prices.reduce((a, b) => Math.max(a, b))).toBeLessThanOrEqual(1e8);
    expect(prices.every((p) => Number.isInteger(p))).toBe(true);
    const low = prices.filter((p) => p < 1e4).length / prices.length;
    const mid = prices.filter((p) => p >= 1e4 && p < 1e6).length / prices.length;
    const high = prices.filter((p) => p >= 1e6).length / prices.length;
    for (const share of [low, mid, high]) expect(share).toBeCloseTo(1 / 3, 2);
    // each decade holds a sixth
    for (let d = 2; d < 8; d++) {
      const share = prices.filter((p) => p >= 10 ** d && p < 10 ** (d + 1)).length / prices.length;
      expect(share).toBeCloseTo(1 / 6, 2);
    }
    expect(price(0)).toBe(100);
    expect(price(0xffffffff)).toBeLessThanOrEqual(1e8);
    expect(price(0xffffffff)).toBeGreaterThan(0.99e8);
  });

  it('gives auctions a reserve above the initial bid, a category in 10..14 and an expiry after their time', async () => {
    const rows = await drain(AUCTION, { 'events.num': '200000', 'nexmark.table': 'auction' });
    expect(rows.length).toBe(12_000);
    const cats = new Map<number, number>();
    for (const r of rows) {
      const [initialBid, reserve, dateTime, expires, category] = [r[3], r[4], r[5], r[6], r[8]] as number[];
      expect(reserve).toBeGreaterThan(initialBid!);
      expect(reserve! - initialBid!).toBeGreaterThanOrEqual(100);
      expect(expires).toBeGreaterThanOrEqual(dateTime!);
      // within twice the time to open 100 auctions (2 × 100 × 50/3 events at 100 µs)
      expect(expires! - dateTime!).toBeLessThanOrEqual(334);
      cats.set(category!, (cats.get(category!) ?? 0) + 1);
    }
    expect([...cats.keys()].sort()).toEqual([10, 11, 12, 13, 14]);
    for (const c of cats.values()) expect(c / rows.length).toBeCloseTo(0.2, 1);
    const lifetimes = rows.map((r) => (r[6] as number) - (r[5] as number));
    const mean = lifetimes.reduce((a, b) => a + b, 0) / lifetimes.length;
    expect(mean).toBeGreaterThan(150);
    expect(mean).toBeLessThan(185);
  });

  it('draws people from fixed lists of names, 10 cities and 6 states', async () => {
    const rows = await drain(PERSON, { 'events.num': '500000', 'nexmark.table': 'person' });
    expect(rows.length).toBe(10_000);
    expect(CITIES.length).toBe(10);
    expect(STATES.length).toBe(6);
    expect(new Set(rows.map((r) => r[4]))).toEqual(new Set(CITIES));
    expect(new Set(rows.map((r) => r[5]))).toEqual(new Set(STATES));
    for (const st of ['OR', 'ID', 'CA']) expect(rows.filter((r) => r[5] === st).length / rows.length).toBeCloseTo(1 / 6, 1);
    for (const r of rows) {
      expect(r[1]).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
      expect(r[2]).toMatch(/^[a-z]+@[a-z]+\.com$/);
      expect(r[3]).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
    }
    expect(new Set(rows.map((r) => r[1])).size).toBeLessThanOrEqual(120);
  });

  it('uses 4 hot channels for half of the bids, and channel_id in 90% of the other URLs', async () => {
    const rows = await drain(BID, { 'events.num': '200000', 'nexmark.table': 'bid' }, { read: [3, 4] });
    const hot = rows.filter((r) => HOT_CHANNELS.includes(r[0] as string));
    expect(hot.length / rows.length).toBeCloseTo(0.5, 2);
    for (const [i, ch] of HOT_CHANNELS.entries()) {
      const these = hot.filter((r) => r[0] === ch);
      expect(these.length / hot.length).toBeCloseTo(0.25, 1);
      expect(new Set(these.map((r) => r[1]))).toEqual(new Set([HOT_CHANNEL_URLS[i]]));
    }
    const other = rows.filter((r) => !HOT_CHANNELS.includes(r[0] as string));
    const urlRe = /^https:\/\/www\.nexmark\.com\/[a-z]+\/[a-z]+\/[a-z]+\/item\.htm\?query=1(&channel_id=(\d+))?$/;
    let withId = 0;
    let badChannel = 0;
    let badUrl = 0;
    let idMismatch = 0;
    let urlChanged = 0;
    const urlOf = new Map<string, string>();
    for (const [channel, url] of other as [string, string][]) {
      if (!/^channel-\d+$/.test(channel)) badChannel++;
      const m = urlRe.exec(url);
      if (m === null) badUrl++;
      else if (m[2] !== undefined) {
        withId++;
        if (`channel-${m[2]}` !== channel) idMismatch++;
      }
      // a channel always has the same URL
      if ((urlOf.get(channel) ?? url) !== url) urlChanged++;
      urlOf.set(channel, url);
    }
    expect([badChannel, badUrl, idMismatch, urlChanged]).toEqual([0, 0, 0, 0]);
    expect(withId / other.length).toBeCloseTo(0.9, 1);
    expect(urlOf.size).toBeGreaterThan(9000);
  });

  it('pads events with extra to their average size', async () => {
    const bids = await drain(BID, { 'events.num': '50000', 'nexmark.table': 'bid' }, { read: [6] });
    const bidLengths = bids.map((r) => (r[0] as string).length);
    // 100 bytes less 4 numbers of 8 bytes, ±20%
    expect(Math.min(...bidLengths)).toBeGreaterThanOrEqual(54);
    expect(Math.max(...bidLengths)).toBeLessThanOrEqual(82);
    expect(bidLengths.reduce((a, b) => a + b, 0) / bidLengths.length).toBeCloseTo(68, 0);
    expect(bids.every((r) => /^[a-z]+( [a-z]+)*$/.test(r[0] as string))).toBe(true);
    const size = (r: unknown[], numbers: number) => numbers * 8 + r.filter((v) => typeof v === 'string').reduce((s: number, v) => s + (v as string).length, 0);
    const persons = await drain(PERSON, { 'events.num': '200000', 'nexmark.table': 'person' });
    const personSize = persons.reduce((s, r) => s + size(r, 2), 0) / persons.length;
    expect(Math.abs(personSize - 200)).toBeLessThan(4);
    const auctions = await drain(AUCTION, { 'events.num': '50000', 'nexmark.table': 'auction' });
    const auctionSize = auctions.reduce((s, r) => s + size(r, 7), 0) / auctions.length;
    expect(Math.abs(auctionSize - 500)).toBeLessThan(8);
  });

  it('is bounded by events.num and unbounded without it', async () => {
    expect(new NexmarkSource(descriptor(NESTED, { 'events.num': '10' })).bounded).toBe(true);
    const unbounded = new NexmarkSource(descriptor(NESTED, {}));
    expect(unbounded.bounded).toBe(false);
    expect(unbounded.describe()).toBe('nexmark(nested, unbounded, rate=10000, seed=0)');
    // an unbounded source produces until the consumer stops it
    const rows = await drain(BID, { 'nexmark.table': 'bid' }, { batchSize: 100, cancelAfter: 5 });
    expect(rows.length).toBe(500);
    const counts = await Promise.all([1, 49, 50, 51, 12345].map(async (n) => (await drain(BID, { 'events.num': String(n), 'nexmark.table': 'bid' }, { read: [0] })).length));
    expect(counts).toEqual([0, 45, 46, 46, 11357]);
  });
});

// ---- through SQL ----

const BID_DDL = `auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP(3), extra STRING`;

describe('nexmark tables in SQL', () => {
  it('counts rows of bounded tables and agrees between the nested and flat setups', async () => {
    const s = await session();
    await s.executeScript(withEvents(readFileSync(join(BENCH, 'ddl.sql'), 'utf8'), 12345));
    const flat = await session();
    await flat.executeScript(withEvents(readFileSync(join(BENCH, 'ddl-flat.sql'), 'utf8'), 12345));
    expect(await query(s, 'SELECT COUNT(*) FROM datagen')).toEqual([[12345]]);
    for (const [table, n] of [['person', 247], ['auction', 741], ['bid', 11357]] as const) {
      expect(await query(s, `SELECT COUNT(*) FROM ${table}`)).toEqual([[n]]);
      expect(await query(flat, `SELECT COUNT(*) FROM ${table}`)).toEqual([[n]]);
    }
    const q = 'SELECT auction, bidder, price, channel, url, dateTime, extra FROM bid ORDER BY dateTime, auction, bidder, price LIMIT 50';
    expect(await query(s, q)).toEqual(await query(flat, q));
    const p = 'SELECT * FROM person ORDER BY id';
    expect(await query(s, p)).toEqual(await query(flat, p));
  });

  it('checks options when the table is created', async () => {
    const s = await session();
    const create = (opts: string, cols = BID_DDL) => `CREATE TABLE t (${cols}) WITH ('connector' = 'nexmark', 'nexmark.table' = 'bid', ${opts})`;
    const cases: [string, RegExp][] = [
      ["'events.num' = '-1'", /option 'events\.num' of table .*t must be a non-negative integer \(0 = unbounded\), got '-1'/],
      ["'events.num' = 'lots'", /'events\.num'.*got 'lots'/],
      ["'first-event.rate' = '0'", /option 'first-event\.rate' .* must be a positive integer/],
      ["'next-event.rate' = '1.5'", /option 'next-event\.rate' .* must be a positive integer/],
      ["'bid.proportion' = '-3'", /option 'bid\.proportion' .* must be a non-negative integer/],
      ["'person.proportion' = '0', 'auction.proportion' = '0', 'bid.proportion' = '0'", /are all 0/],
      ["'bid.hot-ratio.auctions' = '0'", /option 'bid\.hot-ratio\.auctions' .* must be an integer from 1 \(no hot key\) to 65536/],
      ["'auction.hot-ratio.sellers' = 'x'", /'auction\.hot-ratio\.sellers'/],
      ["'bid.hot-ratio.bidders' = '100000'", /'bid\.hot-ratio\.bidders'/],
      ["'seed' = 'abc'", /option 'seed' .* must be an integer, got 'abc'/],
      ["'events.nmu' = '5'", /unsupported option 'events\.nmu'.*did you mean `events\.num`/],
    ];
    for (const [opts, re] of cases) expect((await failure(s, create(opts))).message).toMatch(re);
    const table = await failure(s, `CREATE TABLE t (${BID_DDL}) WITH ('connector' = 'nexmark', 'nexmark.table' = 'bids')`);
    expect(table.message).toMatch(/option 'nexmark\.table' .* must be one of 'person', 'auction', 'bid', got 'bids', did you mean `bid`\?/);
    expect(table.hint).toMatch(/nested form/);
    // a good table is accepted
    expect((await s.execute(create("'events.num' = '10', 'seed' = '-42'"))).kind).toBe('ok');
  });

  it('checks declared columns against what the connector produces', async () => {
    const s = await session();
    const flat = (cols: string) => `CREATE TABLE t (${cols}) WITH ('connector' = 'nexmark', 'nexmark.table' = 'bid')`;
    let e = await failure(s, flat('auction BIGINT, prize BIGINT'));
    expect(e.message).toMatch(/nexmark table .*t has no bid column 'prize', did you mean `price`\?/);
    expect(e.hint).toMatch(/auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP\(3\), extra STRING/);
    e = await failure(s, flat('auction INT'));
    expect(e.message).toMatch(/column auction of nexmark table .*t is declared INT, but the connector produces BIGINT/);
    e = await failure(s, flat('dateTime TIMESTAMP(6)'));
    expect(e.message).toMatch(/declared TIMESTAMP\(6\), but the connector produces TIMESTAMP\(3\)/);
    e = await failure(s, flat('channel VARCHAR(10)'));
    expect(e.message).toMatch(/declared VARCHAR\(10\), but the connector produces STRING/);
    const nested = (cols: string) => `CREATE TABLE t (${cols}) WITH ('connector' = 'nexmark')`;
    e = await failure(s, nested('event_type INT, bids ROW<price BIGINT>'));
    expect(e.message).toMatch(/nexmark table .*t has no column 'bids', did you mean `bid`\?/);
    e = await failure(s, nested('event_type BIGINT'));
    expect(e.message).toMatch(/column event_type .* declared BIGINT, but the connector produces INT/);
    e = await failure(s, nested('bid ROW<price BIGINT, cost BIGINT>'));
    expect(e.message).toMatch(/has no bid field 'cost'/);
    e = await failure(s, nested('bid ROW<price STRING>'));
    expect(e.message).toMatch(/column bid\.price .* declared STRING, but the connector produces BIGINT/);
    e = await failure(s, nested('person STRING'));
    expect(e.message).toMatch(/declared STRING, but the connector produces ROW<`id` BIGINT/);
    e = await failure(s, nested('auction ROW<id BIGINT> NOT NULL'));
    expect(e.message).toMatch(/declared NOT NULL, but it is NULL for every event that is not a auction/);
    // names match case-insensitively; a subset of columns is fine
    expect((await s.execute(flat('PRICE BIGINT, Auction BIGINT'))).kind).toBe('ok');
  });

  it('refuses to read an unbounded table in batch mode', async () => {
    const s = await session();
    await s.execute(`CREATE TABLE b (${BID_DDL}) WITH ('connector' = 'nexmark', 'nexmark.table' = 'bid')`);
    const e = await failure(s, 'SELECT auction, price FROM b LIMIT 7');
    expect(e.message).toMatch(/table .*b is unbounded \(nexmark without 'events\.num'\) and cannot be read in batch mode/);
    expect(e.hint).toMatch(/streaming/);
  });
});

// ---- the benchmark's SQL files ----

describe('nexmark queries', () => {
  const files = readdirSync(join(BENCH, 'queries')).filter((f) => f.endsWith('.sql'));

  it('has q0 … q22, each creating its sink and inserting into it', () => {
    expect(files.sort()).toEqual(Array.from({ length: 23 }, (_, i) => `q${i}.sql`).sort());
    for (const f of files) {
      const q = f.slice(0, -4);
      const statements = parseScript(readFileSync(join(BENCH, 'queries', f), 'utf8'));
      const kinds = statements.map((st) => st.statement.kind);
      expect(kinds, q).toContain('createTable');
      expect(kinds[kinds.length - 1], q).toBe('insert');
      const text = readFileSync(join(BENCH, 'queries', f), 'utf8');
      expect(text).toMatch(new RegExp(`CREATE TABLE nexmark_${q} \\(`));
      expect(text).toMatch(new RegExp(`INSERT INTO nexmark_${q}\\s+SELECT`));
      expect(text).toMatch(q === 'q10' ? /'connector' = 'filesystem'/ : /'connector' = 'blackhole'/);
    }
    expect(readFileSync(join(BENCH, 'queries', 'q14.sql'), 'utf8')).toContain("CREATE FUNCTION count_char AS 'bench/nexmark/udf/count-char.js#countChar'");
  });

  it('parses ddl.sql and ddl-flat.sql', () => {
    expect(parseScript(readFileSync(join(BENCH, 'ddl.sql'), 'utf8')).length).toBe(4);
    expect(parseScript(readFileSync(join(BENCH, 'ddl-flat.sql'), 'utf8')).length).toBe(3);
  });

  it('counts characters with the q14 function', () => {
    expect(countChar('abc cab ccc', 'c')).toBe(5);
    expect(countChar('', 'c')).toBe(0);
    expect(countChar(null, 'c')).toBe(null);
  });

  async function run(q: string, form: 'ddl.sql' | 'ddl-flat.sql', events: number, sinkColumns?: string): Promise<unknown[][]> {
    const s = await session();
    await s.executeScript(withEvents(readFileSync(join(BENCH, form), 'utf8'), events));
    let text = readFileSync(join(BENCH, 'queries', `${q}.sql`), 'utf8');
    // collect the result in a values table instead of the blackhole
    text = text.replace(/'connector' = 'blackhole'/, "'connector' = 'values'");
    await s.executeScript(text);
    return query(s, `SELECT ${sinkColumns ?? '*'} FROM nexmark_${q}`);
  }

  const sorted = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? v.toString() : v))).sort();

  it('runs the batch-capable queries over a bounded stream, with the same results in both setups', async () => {
    for (const q of ['q0', 'q1', 'q2', 'q3', 'q4', 'q7', 'q9', 'q15', 'q17', 'q18', 'q19', 'q20', 'q21', 'q22']) {
      const nested = await run(q, 'ddl.sql', 20_000);
      const flat = await run(q, 'ddl-flat.sql', 20_000);
      expect(sorted(flat), q).toEqual(sorted(nested));
      expect(nested.length, q).toBeGreaterThan(0);
    }
  });

  it('computes what the queries say', async () => {
    const q0 = await run('q0', 'ddl-flat.sql', 5000);
    expect(q0.length).toBe(4600);
    const q2 = await run('q2', 'ddl-flat.sql', 100_000);
    expect(q2.length).toBeGreaterThan(0);
    for (const [auction] of q2 as number[][]) expect(auction! % 123).toBe(0);
    const q3 = await run('q3', 'ddl-flat.sql', 100_000);
    expect(q3.length).toBeGreaterThan(0);
    for (const [, , state] of q3) expect(['OR', 'ID', 'CA']).toContain(state);
    const q21 = await run('q21', 'ddl-flat.sql', 20_000);
    for (const [, , , channel, id] of q21 as [number, number, number, string, string][]) {
      if (channel.startsWith('channel-')) expect(`channel-${id}`).toBe(channel);
      else expect(id).toBe(String(['Apple', 'Google', 'Facebook', 'Baidu'].indexOf(channel)));
    }
    const q22 = await run('q22', 'ddl-flat.sql', 5000);
    for (const [, , , channel, dir1] of q22 as [number, number, number, string, string][]) {
      if (channel === 'Google') expect(dir1).toBe('google');
      expect(dir1).toMatch(/^[a-z]+$/);
    }
    // every bid of the stream falls on 1 January 2024
    const q15 = await run('q15', 'ddl-flat.sql', 20_000);
    expect(q15.length).toBe(1);
    expect(q15[0]![0]).toBe('2024-01-01');
    expect(q15[0]![1]).toBe(18_400);
    expect((q15[0]![2] as number) + (q15[0]![3] as number) + (q15[0]![4] as number)).toBe(18_400);
  });
});
