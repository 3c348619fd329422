/**
 * Counter-based randomness: every random choice of the generator is a hash of (seed, event number, slot),
 * where a slot names one decision (the bid's auction is hot or not, the bid's price, ...). A value is
 * therefore a pure function of its event, whichever columns are read, whatever the batch size, and any
 * event can be generated without generating the ones before it.
 */

import { fmix32 } from '../../util/hash.ts';

export { fmix32 };

/** Folds a seed (any safe integer) into 32 bits, so seeds beyond 2^32 still differ from their low bits. */
export function seed32(seed: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  return (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0;
}

/** The key of one slot for a seed: mixes both so that slots of different seeds are unrelated. */
export function slotKey(seed: number, slot: number): number {
  return fmix32(Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2f) + Math.imul(slot + 1, 0x165667b1));
}

/** Uniform 32-bit value of event `n` (any non-negative safe integer) under a slot key. */
export function hash32(key: number, n: number): number {
  // events past 2^32 fold their high word in (it is 0 for the first 4 billion events)
  const hi = n < 4294967296 ? 0 : Math.imul(Math.floor(n / 4294967296), 0x85ebca77);
  // two rounds of a 32-bit integer hash (xorshift-multiply), the key entering both
  let h = (n >>> 0) ^ key ^ hi;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  h = (h + key) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

export const INV_2_32 = 1 / 4294967296;

/** Uniform in [0, 1) for event `n` under a slot key. */
export function uniform(key: number, n: number): number {
  return hash32(key, n) * INV_2_32;
}

/** Uniform integer in [0, m) for event `n` under a slot key (m below 2^21 keeps it exact). */
export function below(key: number, n: number, m: number): number {
  return Math.floor(hash32(key, n) * INV_2_32 * m);
}

/** A small sequential generator (xorshift-multiply) for building string pools once. */
export class SeqRandom {
  private state: number;

  constructor(seed: number) {
    this.state = fmix32(seed ^ 0x9e3779b9) || 1;
  }

  next32(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return fmix32(this.state);
  }

  /** Uniform integer in [0, m). */
  below(m: number): number {
    return Math.floor(this.next32() * INV_2_32 * m);
  }

  /** Uniform integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }
}
