/**
 * The strings of Nexmark events, drawn from pools built once per seed so that generating an event costs
 * an array lookup instead of building a string. Pools are built lazily (a table that reads no string
 * pays nothing) from their own seeded sequence, so their contents do not depend on what was read before.
 *
 * - names: a first name and a last name from two small fixed lists
 * - cities (10, US) and states (6), chosen independently
 * - e-mail addresses, credit card numbers, item names and descriptions: pools of random lowercase text
 * - channels: 4 hot channels with fixed URLs, then `channel-<k>` for k < CHANNELS, each with a fixed URL
 *   `https://www.nexmark.com/<w>/<w>/<w>/item.htm?query=1` that carries `&channel_id=<k>` 90% of the time
 * - extra: padding of random lowercase text, EXTRA_VARIANTS strings per length
 */
import { fmix32, SeqRandom } from './random.ts';

export const FIRST_NAMES: readonly string[] = ['Ada', 'Boris', 'Clara', 'Dmitri', 'Elena', 'Farid', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Keiko', 'Lars'];
export const LAST_NAMES: readonly string[] = ['Abbott', 'Brenner', 'Castillo', 'Dunmore', 'Ekwueme', 'Fairley', 'Gallo', 'Hartmann', 'Ivers', 'Jansen'];
export const CITIES: readonly string[] = ['Portland', 'Boise', 'Sacramento', 'Seattle', 'Phoenix', 'Denver', 'Austin', 'Chicago', 'Atlanta', 'Boston'];
export const STATES: readonly string[] = ['OR', 'ID', 'CA', 'WA', 'AZ', 'NV'];
export const HOT_CHANNELS: readonly string[] = ['Google', 'Facebook', 'Baidu', 'Apple'];
export const HOT_CHANNEL_URLS: readonly string[] = [
  'https://www.nexmark.com/google/search/ads/item.htm?query=1',
  'https://www.nexmark.com/facebook/feed/ads/item.htm?query=1',
  'https://www.nexmark.com/baidu/search/ads/item.htm?query=1',
  'https://www.nexmark.com/apple/store/ads/item.htm?query=1',
];
/** Number of non-hot channels. */
export const CHANNELS = 10_000;
/** Share of non-hot channel URLs with a `channel_id` parameter, in percent. */
export const CHANNEL_ID_PERCENT = 90;
export const POOL_SIZE = 1024;
export const EXTRA_VARIANTS = 32;

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

// pool ids, mixed into the seed of each pool's sequence
const P_EMAIL = 1;
const P_CARD = 2;
const P_ITEM = 3;
const P_DESCRIPTION = 4;
const P_CHANNELS = 5;
const P_EXTRA = 1000;

/** A random lowercase word of `len` letters. */
function word(r: SeqRandom, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += LETTERS[r.below(26)];
  return s;
}

/** Random lowercase text of exactly `len` characters, words separated by single spaces. */
export function text(r: SeqRandom, len: number): string {
  let s = '';
  while (s.length < len) {
    if (s.length > 0) s += ' ';
    s += word(r, r.between(2, 9));
  }
  s = s.slice(0, len);
  // no trailing space
  return s.endsWith(' ') ? s.slice(0, -1) + LETTERS[r.below(26)] : s;
}

export class StringPools {
  private readonly seed: number;
  private namesCache: string[] | undefined;
  private emailsCache: string[] | undefined;
  private cardsCache: string[] | undefined;
  private itemsCache: string[] | undefined;
  private descriptionsCache: string[] | undefined;
  private channelNamesCache: string[] | undefined;
  private channelUrlsCache: string[] | undefined;
  /** Padding pools by length (dense, null until a length is first asked for). */
  private extras: (string[] | null)[] = new Array<string[] | null>(1024).fill(null);

  constructor(seed: number) {
    this.seed = seed >>> 0;
  }

  private rng(pool: number): SeqRandom {
    return new SeqRandom(fmix32(this.seed ^ Math.imul(pool, 0x9e3779b1)));
  }

  /** Every first name with every last name. */
  names(): string[] {
    if (this.namesCache === undefined) {
      const out: string[] = [];
      for (const f of FIRST_NAMES) for (const l of LAST_NAMES) out.push(`${f} ${l}`);
      this.namesCache = out;
    }
    return this.namesCache;
  }

  emails(): string[] {
    if (this.emailsCache === undefined) {
      const r = this.rng(P_EMAIL);
      this.emailsCache = Array.from({ length: POOL_SIZE }, () => `${word(r, r.between(3, 10))}@${word(r, r.between(3, 8))}.com`);
    }
    return this.emailsCache;
  }

  creditCards(): string[] {
    if (this.cardsCache === undefined) {
      const r = this.rng(P_CARD);
      const group = () => String(r.below(10000)).padStart(4, '0');
      this.cardsCache = Array.from({ length: POOL_SIZE }, () => `${group()} ${group()} ${group()} ${group()}`);
    }
    return this.cardsCache;
  }

  itemNames(): string[] {
    if (this.itemsCache === undefined) {
      const r = this.rng(P_ITEM);
      this.itemsCache = Array.from({ length: POOL_SIZE }, () => text(r, r.between(12, 28)));
    }
    return this.itemsCache;
  }

  descriptions(): string[] {
    if (this.descriptionsCache === undefined) {
      const r = this.rng(P_DESCRIPTION);
      this.descriptionsCache = Array.from({ length: POOL_SIZE }, () => text(r, r.between(60, 140)));
    }
    return this.descriptionsCache;
  }

  /** Channel names by channel code (0..3 hot, 4 + k channel k). */
  channelNames(): string[] {
    if (this.channelNamesCache === undefined) this.buildChannels();
    return this.channelNamesCache!;
  }

  /** Channel URLs by channel code. */
  channelUrls(): string[] {
    if (this.channelUrlsCache === undefined) this.buildChannels();
    return this.channelUrlsCache!;
  }

  private buildChannels(): void {
    const r = this.rng(P_CHANNELS);
    const names = [...HOT_CHANNELS];
    const urls = [...HOT_CHANNEL_URLS];
    for (let k = 0; k < CHANNELS; k++) {
      names.push(`channel-${k}`);
      let url = `https://www.nexmark.com/${word(r, r.between(3, 7))}/${word(r, r.between(3, 7))}/${word(r, r.between(3, 7))}/item.htm?query=1`;
      if (r.below(100) < CHANNEL_ID_PERCENT) url += `&channel_id=${k}`;
      urls.push(url);
    }
    this.channelNamesCache = names;
    this.channelUrlsCache = urls;
  }

  /** EXTRA_VARIANTS padding strings of exactly `len` characters. */
  extra(len: number): string[] {
    const pool = len < this.extras.length ? this.extras[len] : null;
    return pool ?? this.buildExtra(len);
  }

  private buildExtra(len: number): string[] {
    while (len >= this.extras.length) this.extras = this.extras.concat(new Array<string[] | null>(this.extras.length).fill(null));
    const r = this.rng(P_EXTRA + len);
    const pool = Array.from({ length: EXTRA_VARIANTS }, () => text(r, len));
    this.extras[len] = pool;
    return pool;
  }
}
