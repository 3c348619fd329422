/**
 * Columnar generation: the values of one field for a run of events of one kind, straight into a typed
 * array (numbers and timestamps) or an array of pooled strings. No per-event objects in the flat form.
 *
 * Each field has its own small fill function (not one big switch with all the loops): V8 inlines the
 * model's helpers into each loop only while a function stays within its inlining budget.
 */
import type { Column } from '../../types/batch.ts';
import { EventModel } from './model.ts';
import type { NexmarkOptions } from './options.ts';
import { below, hash32, INV_2_32, seed32 } from './random.ts';
import { CHANNELS, CITIES, STATES, StringPools } from './strings.ts';

/** Average event sizes in bytes that `extra` pads to (numbers and timestamps count 8 bytes each). */
export const AVG_PERSON_BYTES = 200;
export const AVG_AUCTION_BYTES = 500;
export const AVG_BID_BYTES = 100;
/** What a bid counts toward its size: auction, bidder, price and dateTime (channel and url are not counted). */
export const BID_COUNTED_BYTES = 32;

/** Field indexes (the order of schema.ts). */
export const PersonField = { id: 0, name: 1, emailAddress: 2, creditCard: 3, city: 4, state: 5, dateTime: 6, extra: 7 } as const;
export const AuctionField = { id: 0, itemName: 1, description: 2, initialBid: 3, reserve: 4, dateTime: 5, expires: 6, seller: 7, category: 8, extra: 9 } as const;
export const BidField = { auction: 0, bidder: 1, price: 2, channel: 3, url: 4, dateTime: 5, extra: 6 } as const;

type Fill = (g: NexmarkGenerator, ev: Float64Array, count: number) => Column;

const numbers = (values: Float64Array): Column => ({ values, nulls: null });
const strings = (values: string[]): Column => ({ values, nulls: null });

// ---- shared ----

function fillTime(g: NexmarkGenerator, ev: Float64Array, count: number): Column {
  const m = g.model;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = m.timeOf(ev[i]!);
  return numbers(out);
}

function pick(pool: readonly string[], key: number, ev: Float64Array, count: number): Column {
  const out: string[] = new Array(count);
  const size = pool.length;
  for (let i = 0; i < count; i++) out[i] = pool[Math.floor(hash32(key, ev[i]!) * INV_2_32 * size)]!;
  return strings(out);
}

/** Padding of about `missing` characters (±20%), or '' when the event is already that large. */
function extraFor(g: NexmarkGenerator, n: number, missing: number): string {
  if (missing <= 0) return '';
  const m = g.model;
  // one hash: its high bits the length, its low bits which of the pooled strings of that length
  const h = hash32(m.kExtra, n);
  const len = Math.floor(missing * (0.8 + 0.4 * h * INV_2_32) + 0.5);
  const pool = g.pools.extra(len);
  return pool[h & (pool.length - 1)]!;
}

// ---- person ----

function personId(g: NexmarkGenerator, ev: Float64Array, count: number): Column {
  const m = g.model;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = m.personId(ev[i]!);
  return numbers(out);
}

function personExtra(g: NexmarkGenerator, ev: Float64Array, count: number): Column {
  const m = g.model;
  const names = g.pools.names();
  const emails = g.pools.emails();
  const cards = g.pools.creditCards();
  const out: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const n = ev[i]!;
    const size = 16 + names[below(m.kPersonName, n, names.length)]!.length + emails[below(m.kPersonEmail, n, emails.length)]!.length
      + cards[below(m.kPersonCard, n, cards.length)]!.length + CITIES[below(m.kPersonCity, n, CITIES.length)]!.length
      + STATES[below(m.kPersonState, n, STATES.length)]!.length;
    out[i] = extraFor(g, n, AVG_PERSON_BYTES - size);
  }
  return strings(out);
}

const PERSON_FILLS: readonly Fill[] = [
  personId,
  (g, ev, count) => pick(g.pools.names(), g.model.kPersonName, ev, count),
  (g, ev, count) => pick(g.pools.emails(), g.model.kPersonEmail, ev, count),
  (g, ev, count) => pick(g.pools.creditCards(), g.model.kPersonCard, ev, count),
  (g, ev, count) => pick(CITIES, g.model.kPersonCity, ev, count),
  (g, ev, count) => pick(STATES, g.model.kPersonState, ev, count),
  fillTime,
  personExtra,
];

// ---- auction ----

function auctionId(g: NexmarkGenerator, ev: Float64Array, count: number): Column {
  const m = g.model;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = m.auctionId(ev[i]!);
  return numbers(out);
}

function auctionInitialBid(g: NexmarkGenerator, ev: Float64Array, count: number): Column {
  const m = g.model;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = m.initialBid(ev[i]!);
  return numbers(out);
}

function auctionReserve(g: NexmarkGenerator, ev: Float64Array, count: number): Column {
  const m = g.model;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = m.reserve(ev[i]!);
  return numbers(out);
}

function auctionExpires(g: NexmarkGenerator, ev: Float64Array, count: number): Column {
  const m = g.model;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = m.expires(ev[i]!);
  return numbers(out);
}

function auctionSeller(g: NexmarkGenerator, ev: Float64Array, count: number): Column {
  const m = g.model;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = m.seller(ev[i]!);
  return numbers(out);
}

function auctionCategory(g: NexmarkGenerator, ev: Float64Array, count: number): Column {
  const m = g.model;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = m.category(ev[i]!);
  return numbers(out);
}

function auctionExtra(g: NexmarkGenerator, ev: Float64Array, count: number): Column {
  const m = g.model;
  const items = g.pools.itemNames();
  const descriptions = g.pools.descriptions();
  const out: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const n = ev[i]!;
    const size = 56 + items[below(m.kAuctionItem, n, items.length)]!.length + descriptions[below(m.kAuctionDescription, n, descriptions.length)]!.length;
    out[i] = extraFor(g, n, AVG_AUCTION_BYTES - size);
  }
  return strings(out);
}

const AUCTION_FILLS: readonly Fill[] = [
  auctionId,
  (g, ev, count) => pick(g.pools.itemNames(), g.model.kAuctionItem, ev, count),
  (g, ev, count) => pick(g.pools.descriptions(), g.model.kAuctionDescription, ev, count),
  auctionInitialBid,
  auctionReserve,
  fillTime,
  auctionExpires,
  auctionSeller,
  auctionCategory,
  auctionExtra,
];

// ---- bid ----

function bidAuction(g: NexmarkGenerator, ev: Float64Array, count: number): Column {
  const m = g.model;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = m.bidAuction(ev[i]!);
  return numbers(out);
}

function bidBidder(g: NexmarkGenerator, ev: Float64Array, count: number): Column {
  const m = g.model;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = m.bidder(ev[i]!);
  return numbers(out);
}

function bidPrice(g: NexmarkGenerator, ev: Float64Array, count: number): Column {
  const m = g.model;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = m.bidPrice(ev[i]!);
  return numbers(out);
}

function bidChannelPool(pool: readonly string[], g: NexmarkGenerator, ev: Float64Array, count: number): Column {
  const m = g.model;
  const out: string[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = pool[m.channelCode(ev[i]!, CHANNELS)]!;
  return strings(out);
}

function bidExtra(g: NexmarkGenerator, ev: Float64Array, count: number): Column {
  const out: string[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = extraFor(g, ev[i]!, AVG_BID_BYTES - BID_COUNTED_BYTES);
  return strings(out);
}

const BID_FILLS: readonly Fill[] = [
  bidAuction,
  bidBidder,
  bidPrice,
  (g, ev, count) => bidChannelPool(g.pools.channelNames(), g, ev, count),
  (g, ev, count) => bidChannelPool(g.pools.channelUrls(), g, ev, count),
  fillTime,
  bidExtra,
];

const FILLS: readonly (readonly Fill[])[] = [PERSON_FILLS, AUCTION_FILLS, BID_FILLS];

export class NexmarkGenerator {
  readonly model: EventModel;
  readonly pools: StringPools;

  constructor(options: NexmarkOptions) {
    this.model = new EventModel(options);
    this.pools = new StringPools(seed32(options.seed));
  }

  /** Values of field `field` of `kind` for events ev[0 .. count−1], all of that kind. */
  column(kind: number, field: number, ev: Float64Array, count: number): Column {
    const fill = FILLS[kind]?.[field];
    if (fill === undefined) throw new Error(`nexmark: no field ${field} of event kind ${kind}`);
    return fill(this, ev, count);
  }
}

