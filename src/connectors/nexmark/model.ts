/**
 * The Nexmark event model: which kind event `n` is, its time, its ids, hot keys and prices. Every value
 * is a pure function of the options, the seed and `n` (see random.ts), so any range of events can be
 * generated independently.
 *
 * - Kind: `n % total` (total = sum of the proportions, 50 by default) below the person proportion is a
 *   person, then come the auctions, then the bids (1 / 3 / 46: 2% / 6% / 92%).
 * - Ids: the k-th person (0-based) has id k + 1000, the k-th auction id k + 1000; with the default
 *   proportions person id = n/50 + 1000 and auction id = (n/50)×3 + (n%50 − 1) + 1000.
 * - Time: `ts(n) = BASE_TIME + n × 1e6/rate µs` (milliseconds kept). When `first-event.rate` and
 *   `next-event.rate` differ, the rate alternates between them every 5 minutes of event time (a square
 *   wave with a 10-minute period).
 * - Hot keys: a bid goes to the newest auction with probability 1 − 1/`bid.hot-ratio.auctions` (1/2), to
 *   the newest person with probability 1 − 1/`bid.hot-ratio.bidders` (3/4); an auction's seller is the
 *   newest person with probability 1 − 1/`auction.hot-ratio.sellers` (3/4). Otherwise the auction is
 *   uniform over the last 100 auctions plus 10 not yet opened, the person over the last 1000 people plus
 *   10 not yet registered.
 * - Prices: `round(100 × 10^(6U))`, log-uniform in [100, 1e8]; reserve = initial bid + another price;
 *   category 10..14; an auction expires a random number of events after it opens, up to twice the time
 *   it takes to open 100 auctions.
 */
import type { NexmarkOptions } from './options.ts';
import { below, hash32, INV_2_32, seed32, slotKey } from './random.ts';

/** Event time of event 0: 2024-01-01 00:00:00 UTC (fixed, so results are reproducible). */
export const BASE_TIME = Date.UTC(2024, 0, 1, 0, 0, 0);
export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
export const FIRST_CATEGORY_ID = 10;
export const NUM_CATEGORIES = 5;
/** Auctions a non-hot bid chooses from (the newest ones). */
export const IN_FLIGHT_AUCTIONS = 100;
/** People a non-hot bid or seller chooses from (the newest ones). */
export const ACTIVE_PEOPLE = 1000;
/** How far a non-hot choice may run ahead of the newest auction or person. */
export const ID_LEAD = 10;
/** Half period of the rate's square wave, in milliseconds of event time. */
export const RATE_HALF_PERIOD_MS = 300_000;

const LN_1E6 = 6 * Math.LN10;

/** Event kinds as stored in `event_type`. */
export const PERSON = 0;
export const AUCTION = 1;
export const BID = 2;

/** One slot per random decision. */
export const Slot = {
  bidAuction: 1, bidBidder: 3, bidPrice: 5, bidChannel: 6, extra: 8,
  personName: 10, personEmail: 11, personCard: 12, personCity: 13, personState: 14,
  auctionItem: 15, auctionDescription: 16, auctionInitialBid: 17, auctionReserve: 18, auctionExpires: 19,
  auctionSeller: 20, auctionCategory: 22,
} as const;

export class EventModel {
  readonly options: NexmarkOptions;
  /** Sum of the proportions: the length of one round of event kinds. */
  readonly total: number;
  readonly personProportion: number;
  readonly auctionProportion: number;
  readonly bidProportion: number;
  /** First index within a round of each kind (person, auction, bid). */
  readonly kindStart: readonly [number, number, number];
  readonly kindCount: readonly [number, number, number];
  private readonly singleRate: boolean;
  private readonly rate: number;
  private readonly firstHalfEvents: number;
  private readonly cycleEvents: number;
  /** Events over which an auction's lifetime is drawn. */
  private readonly expiryEvents: number;
  // slot keys
  readonly kBidAuction: number;
  readonly kBidBidder: number;
  readonly kBidPrice: number;
  readonly kBidChannel: number;
  readonly kExtra: number;
  readonly kPersonName: number;
  readonly kPersonEmail: number;
  readonly kPersonCard: number;
  readonly kPersonCity: number;
  readonly kPersonState: number;
  readonly kAuctionItem: number;
  readonly kAuctionDescription: number;
  readonly kAuctionInitialBid: number;
  readonly kAuctionReserve: number;
  readonly kAuctionExpires: number;
  readonly kAuctionSeller: number;
  readonly kAuctionCategory: number;

  constructor(options: NexmarkOptions) {
    this.options = options;
    this.personProportion = options.personProportion;
    this.auctionProportion = options.auctionProportion;
    this.bidProportion = options.bidProportion;
    this.total = options.personProportion + options.auctionProportion + options.bidProportion;
    this.kindStart = [0, options.personProportion, options.personProportion + options.auctionProportion];
    this.kindCount = [options.personProportion, options.auctionProportion, options.bidProportion];
    this.singleRate = options.firstEventRate === options.nextEventRate;
    this.rate = options.firstEventRate;
    this.firstHalfEvents = options.firstEventRate * (RATE_HALF_PERIOD_MS / 1000);
    this.cycleEvents = this.firstHalfEvents + options.nextEventRate * (RATE_HALF_PERIOD_MS / 1000);
    this.expiryEvents = Math.max(1, Math.round((2 * IN_FLIGHT_AUCTIONS * this.total) / Math.max(1, options.auctionProportion)));
    const s = seed32(options.seed);
    this.kBidAuction = slotKey(s, Slot.bidAuction);
    this.kBidBidder = slotKey(s, Slot.bidBidder);
    this.kBidPrice = slotKey(s, Slot.bidPrice);
    this.kBidChannel = slotKey(s, Slot.bidChannel);
    this.kExtra = slotKey(s, Slot.extra);
    this.kPersonName = slotKey(s, Slot.personName);
    this.kPersonEmail = slotKey(s, Slot.personEmail);
    this.kPersonCard = slotKey(s, Slot.personCard);
    this.kPersonCity = slotKey(s, Slot.personCity);
    this.kPersonState = slotKey(s, Slot.personState);
    this.kAuctionItem = slotKey(s, Slot.auctionItem);
    this.kAuctionDescription = slotKey(s, Slot.auctionDescription);
    this.kAuctionInitialBid = slotKey(s, Slot.auctionInitialBid);
    this.kAuctionReserve = slotKey(s, Slot.auctionReserve);
    this.kAuctionExpires = slotKey(s, Slot.auctionExpires);
    this.kAuctionSeller = slotKey(s, Slot.auctionSeller);
    this.kAuctionCategory = slotKey(s, Slot.auctionCategory);
  }

  // ---- kinds and counts ----

  /** PERSON, AUCTION or BID. */
  kindOf(n: number): number {
    const i = n % this.total;
    return i < this.kindStart[1] ? PERSON : i < this.kindStart[2] ? AUCTION : BID;
  }

  /** Events of `kind` among events 0 .. count−1. */
  countOfKind(kind: number, count: number): number {
    const rounds = Math.floor(count / this.total);
    const rest = count - rounds * this.total;
    return rounds * this.kindCount[kind]! + Math.min(Math.max(rest - this.kindStart[kind]!, 0), this.kindCount[kind]!);
  }

  /** The event numbers of the `ordinal`-th .. (ordinal+count−1)-th events of `kind`, into `out`. */
  eventsOfKind(kind: number, ordinal: number, count: number, out: Float64Array): void {
    const per = this.kindCount[kind]!;
    const start = this.kindStart[kind]!;
    const total = this.total;
    let round = Math.floor(ordinal / per);
    let off = ordinal - round * per;
    let base = round * total + start;
    for (let i = 0; i < count; i++) {
      out[i] = base + off;
      if (++off === per) {
        off = 0;
        round++;
        base += total;
      }
    }
  }

  /** People registered by events 0 .. n (n included). */
  personsUpTo(n: number): number {
    const round = Math.floor(n / this.total);
    const i = n - round * this.total;
    return round * this.personProportion + Math.min(i + 1, this.personProportion);
  }

  /** Auctions opened by events 0 .. n (n included). */
  auctionsUpTo(n: number): number {
    const round = Math.floor(n / this.total);
    const i = n - round * this.total;
    return round * this.auctionProportion + Math.min(Math.max(i + 1 - this.personProportion, 0), this.auctionProportion);
  }

  /** The newest auction (0-based) at a bid or auction-later event: auctions of its round are all open. */
  newestAuctionAtBid(n: number): number {
    return (Math.floor(n / this.total) + 1) * this.auctionProportion - 1;
  }

  /** The newest person (0-based) at an auction or bid event: people of its round are all registered. */
  newestPersonAfterPeople(n: number): number {
    return (Math.floor(n / this.total) + 1) * this.personProportion - 1;
  }

  // ---- time ----

  /** Event time of event n, epoch milliseconds. */
  timeOf(n: number): number {
    if (this.singleRate) return BASE_TIME + Math.floor((n * 1000) / this.rate);
    const cycle = Math.floor(n / this.cycleEvents);
    const r = n - cycle * this.cycleEvents;
    const within = r < this.firstHalfEvents
      ? Math.floor((r * 1000) / this.options.firstEventRate)
      : RATE_HALF_PERIOD_MS + Math.floor(((r - this.firstHalfEvents) * 1000) / this.options.nextEventRate);
    return BASE_TIME + cycle * 2 * RATE_HALF_PERIOD_MS + within;
  }

  // ---- person (n is a person event) ----

  personId(n: number): number {
    // a person event: its index within the round is its index among the round's people
    const round = Math.floor(n / this.total);
    return round * this.personProportion + (n - round * this.total) + FIRST_PERSON_ID;
  }

  // ---- auction (n is an auction event) ----

  auctionId(n: number): number {
    const round = Math.floor(n / this.total);
    return round * this.auctionProportion + (n - round * this.total - this.personProportion) + FIRST_AUCTION_ID;
  }

  initialBid(n: number): number {
    return price(hash32(this.kAuctionInitialBid, n));
  }

  reserve(n: number): number {
    return this.initialBid(n) + price(hash32(this.kAuctionReserve, n));
  }

  expires(n: number): number {
    return this.timeOf(n + 1 + below(this.kAuctionExpires, n, this.expiryEvents));
  }

  seller(n: number): number {
    return this.personChoice(n, this.newestPersonAfterPeople(n), this.options.hotSellerRatio, this.kAuctionSeller);
  }

  category(n: number): number {
    return FIRST_CATEGORY_ID + below(this.kAuctionCategory, n, NUM_CATEGORIES);
  }

  // ---- bid (n is a bid event) ----

  bidAuction(n: number): number {
    // one hash decides both: its low bits whether the bid goes to the hot auction, its high bits which
    // auction otherwise
    const h = hash32(this.kBidAuction, n);
    const newest = this.newestAuctionAtBid(n);
    if (isHot(h, this.options.hotAuctionRatio)) return Math.max(newest, 0) + FIRST_AUCTION_ID;
    const lo = Math.max(0, newest - (IN_FLIGHT_AUCTIONS - 1));
    return lo + Math.floor(h * INV_2_32 * (newest + ID_LEAD - lo + 1)) + FIRST_AUCTION_ID;
  }

  bidder(n: number): number {
    return this.personChoice(n, this.newestPersonAfterPeople(n), this.options.hotBidderRatio, this.kBidBidder);
  }

  bidPrice(n: number): number {
    return price(hash32(this.kBidPrice, n));
  }

  /**
   * The bid's channel: 0..3 one of the hot channels (half of the bids), otherwise 4 + k for channel k
   * in 0 .. channels−1.
   */
  channelCode(n: number, channels: number): number {
    const h = hash32(this.kBidChannel, n);
    // lowest bit: hot or not; then two bits for the hot channel, or the high bits for the channel number
    if ((h & 1) === 0) return (h >>> 1) & 3;
    return 4 + Math.floor(h * INV_2_32 * channels);
  }

  /** The newest person with probability 1 − 1/ratio, else one of the active people (or a few ahead). */
  private personChoice(n: number, newest: number, ratio: number, key: number): number {
    const h = hash32(key, n);
    if (isHot(h, ratio)) return Math.max(newest, 0) + FIRST_PERSON_ID;
    const lo = Math.max(0, newest - (ACTIVE_PEOPLE - 1));
    return lo + Math.floor(h * INV_2_32 * (newest + ID_LEAD - lo + 1)) + FIRST_PERSON_ID;
  }
}

// 10^(6U) as a product of three table lookups (10 bits of U each): exact to 30 bits of U, and four
// times faster than Math.exp over this range
const EXP_HI = new Float64Array(1024);
const EXP_MID = new Float64Array(1024);
const EXP_LO = new Float64Array(1024);
for (let i = 0; i < 1024; i++) {
  EXP_HI[i] = Math.exp((i / 1024) * LN_1E6);
  EXP_MID[i] = Math.exp((i / (1024 * 1024)) * LN_1E6);
  EXP_LO[i] = Math.exp((i / (1024 * 1024 * 1024)) * LN_1E6);
}

/** `round(100 × 10^(6U))` for a uniform 32-bit value (U = its top 30 bits): log-uniform in [100, 1e8]. */
export function price(u32: number): number {
  // floor(x + 0.5) rather than Math.round: the same for these positive values, and much faster
  return Math.floor(100 * EXP_HI[u32 >>> 22]! * EXP_MID[(u32 >>> 12) & 1023]! * EXP_LO[(u32 >>> 2) & 1023]! + 0.5);
}

/**
 * Whether a choice goes to the hot key: the low 16 bits of the hash, scaled to [0, ratio), are not 0
 * (probability 1 − 1/ratio; integer arithmetic, no modulo of a double).
 */
export function isHot(h: number, ratio: number): boolean {
  return ((h & 0xffff) * ratio) >>> 16 !== 0;
}
