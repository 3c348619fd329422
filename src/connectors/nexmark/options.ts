/**
 * Options of the `nexmark` connector, parsed and checked once (CREATE TABLE fails on a bad value).
 *
 *   first-event.rate / next-event.rate   events per second of event time (default 10000; next defaults to
 *                                        first); they only space the synthetic timestamps, events are
 *                                        produced as fast as possible
 *   events.num                           total events of the stream (0 = unbounded)
 *   person.proportion / auction.proportion / bid.proportion   1 / 3 / 46 (out of 50)
 *   bid.hot-ratio.auctions / bid.hot-ratio.bidders / auction.hot-ratio.sellers   2 / 4 / 4
 *   seed                                 seeds every random choice (default 0: results are reproducible)
 *   nexmark.table                        person | auction | bid: one kind as a flat table (absent: nested form)
 */
import { FreshetError, SqlState } from '../../util/errors.ts';
import { didYouMean } from '../../util/suggest.ts';

export type EventKind = 'person' | 'auction' | 'bid';

export const EVENT_KINDS: readonly EventKind[] = ['person', 'auction', 'bid'];

export interface NexmarkOptions {
  readonly firstEventRate: number;
  readonly nextEventRate: number;
  /** Total number of events (all kinds); 0 = unbounded. */
  readonly eventsNum: number;
  readonly personProportion: number;
  readonly auctionProportion: number;
  readonly bidProportion: number;
  readonly hotAuctionRatio: number;
  readonly hotBidderRatio: number;
  readonly hotSellerRatio: number;
  /** The seed as given (any safe integer; see seed32 in random.ts). */
  readonly seed: number;
  /** The kind exposed as a flat table, or null for the nested form. */
  readonly table: EventKind | null;
}

export const NEXMARK_OPTION_KEYS = [
  'first-event.rate', 'next-event.rate', 'events.num',
  'person.proportion', 'auction.proportion', 'bid.proportion',
  'bid.hot-ratio.auctions', 'bid.hot-ratio.bidders', 'auction.hot-ratio.sellers',
  'seed', 'nexmark.table',
] as const;

export const DEFAULT_RATE = 10_000;

function bad(tableName: string, key: string, text: string, must: string, hint?: string): FreshetError {
  return new FreshetError(SqlState.invalidParameterValue, `option '${key}' of table ${tableName} must be ${must}, got '${text}'`, hint === undefined ? {} : { hint });
}

/** An integer option in [min, max]. */
function intOption(opts: Record<string, string>, tableName: string, key: string, fallback: number, min: number, must: string, max = Number.MAX_SAFE_INTEGER): number {
  const text = opts[key];
  if (text === undefined) return fallback;
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) throw bad(tableName, key, text, must);
  const v = Number(t);
  if (!Number.isSafeInteger(v) || v < min || v > max) throw bad(tableName, key, text, must);
  return v;
}

export function parseNexmarkOptions(tableName: string, opts: Record<string, string>): NexmarkOptions {
  const positive = 'a positive integer of events per second, at most 1000000000';
  const firstEventRate = intOption(opts, tableName, 'first-event.rate', DEFAULT_RATE, 1, positive, 1e9);
  const nextEventRate = intOption(opts, tableName, 'next-event.rate', firstEventRate, 1, positive, 1e9);
  const eventsNum = intOption(opts, tableName, 'events.num', 0, 0, 'a non-negative integer (0 = unbounded)');
  const proportion = 'a non-negative integer';
  const personProportion = intOption(opts, tableName, 'person.proportion', 1, 0, proportion);
  const auctionProportion = intOption(opts, tableName, 'auction.proportion', 3, 0, proportion);
  const bidProportion = intOption(opts, tableName, 'bid.proportion', 46, 0, proportion);
  if (personProportion + auctionProportion + bidProportion === 0) {
    throw new FreshetError(SqlState.invalidParameterValue, `options 'person.proportion', 'auction.proportion' and 'bid.proportion' of table ${tableName} are all 0; at least one kind of event must be generated`);
  }
  if (personProportion + auctionProportion + bidProportion > 1_000_000) {
    throw new FreshetError(SqlState.invalidParameterValue, `the proportions of table ${tableName} add up to ${personProportion + auctionProportion + bidProportion}; keep their sum at most 1000000 (the defaults 1, 3, 46 add up to 50)`);
  }
  const ratio = 'an integer from 1 (no hot key) to 65536';
  const hotAuctionRatio = intOption(opts, tableName, 'bid.hot-ratio.auctions', 2, 1, ratio, 65536);
  const hotBidderRatio = intOption(opts, tableName, 'bid.hot-ratio.bidders', 4, 1, ratio, 65536);
  const hotSellerRatio = intOption(opts, tableName, 'auction.hot-ratio.sellers', 4, 1, ratio, 65536);
  const seedText = opts['seed'];
  let seed = 0;
  if (seedText !== undefined) {
    const t = seedText.trim();
    const v = Number(t);
    if (!/^[+-]?\d+$/.test(t) || !Number.isSafeInteger(v)) throw bad(tableName, 'seed', seedText, 'an integer');
    seed = v;
  }
  const tableText = opts['nexmark.table'];
  let table: EventKind | null = null;
  if (tableText !== undefined) {
    const t = tableText.trim().toLowerCase();
    if (!(EVENT_KINDS as readonly string[]).includes(t)) {
      throw new FreshetError(SqlState.invalidParameterValue,
        `option 'nexmark.table' of table ${tableName} must be one of ${EVENT_KINDS.map((k) => `'${k}'`).join(', ')}, got '${tableText}'${didYouMean(t, EVENT_KINDS)}`,
        { hint: 'Leave the option out for the nested form (event_type, person, auction, bid).' });
    }
    table = t as EventKind;
  }
  return {
    firstEventRate, nextEventRate, eventsNum, personProportion, auctionProportion, bidProportion,
    hotAuctionRatio, hotBidderRatio, hotSellerRatio, seed, table,
  };
}
