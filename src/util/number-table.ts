/**
 * An open-addressing hash table from numeric keys to dense int ids, in typed arrays: the hot path of
 * grouping and joining on one INT/BIGINT/DOUBLE/DATE/TIMESTAMP column. Several times faster than a
 * JavaScript Map for number keys, and it allocates nothing per lookup.
 *
 * -0 and 0 are one key; NaN is one key (as SQL grouping requires).
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function hashOf(k: number): number {
  let h: number;
  if ((k | 0) === k) h = Math.imul(k, 0x9e3779b1);
  else {
    f64[0] = k;
    h = Math.imul(u32[0]! ^ Math.imul(u32[1]!, 0x85ebca6b), 0x9e3779b1);
  }
  return h ^ (h >>> 15);
}

export class NumberTable {
  private keys: Float64Array;
  private ids: Int32Array;
  private mask: number;
  private used = 0;
  /** id of the NaN key, if present (NaN never equals itself in the probe loop) */
  private nanId = -1;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.keys = new Float64Array(cap);
    this.ids = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.used + (this.nanId >= 0 ? 1 : 0);
  }

  /** The id of `k`, or -1. */
  get(k: number): number {
    if (k !== k) return this.nanId;
    if (k === 0) k = 0;
    const mask = this.mask;
    let i = hashOf(k) & mask;
    for (;;) {
      const id = this.ids[i]!;
      if (id < 0) return -1;
      if (this.keys[i] === k) return id;
      i = (i + 1) & mask;
    }
  }

  /** The id of `k`, inserting it with `newId` when absent; returns the existing id or newId. */
  getOrInsert(k: number, newId: number): number {
    if (k !== k) {
      if (this.nanId < 0) this.nanId = newId;
      return this.nanId;
    }
    if (k === 0) k = 0;
    const mask = this.mask;
    let i = hashOf(k) & mask;
    for (;;) {
      const id = this.ids[i]!;
      if (id < 0) {
        this.keys[i] = k;
        this.ids[i] = newId;
        if (++this.used * 2 > mask) this.grow();
        return newId;
      }
      if (this.keys[i] === k) return id;
      i = (i + 1) & mask;
    }
  }

  /** Replaces the id stored for an existing key (join chains keep the newest row as head). */
  set(k: number, id: number): void {
    if (k !== k) {
      this.nanId = id;
      return;
    }
    if (k === 0) k = 0;
    const mask = this.mask;
    let i = hashOf(k) & mask;
    for (;;) {
      const cur = this.ids[i]!;
      if (cur < 0 || this.keys[i] === k) {
        if (cur < 0) {
          this.keys[i] = k;
          if (++this.used * 2 > mask) {
            this.ids[i] = id;
            this.grow();
            return;
          }
        }
        this.ids[i] = id;
        return;
      }
      i = (i + 1) & mask;
    }
  }

  /** Removes `k` (streaming state forgets keys); returns its id, or -1 when absent. */
  delete(k: number): number {
    if (k !== k) {
      const id = this.nanId;
      this.nanId = -1;
      return id;
    }
    if (k === 0) k = 0;
    const mask = this.mask;
    let i = hashOf(k) & mask;
    for (;;) {
      const id = this.ids[i]!;
      if (id < 0) return -1;
      if (this.keys[i] === k) {
        this.removeAt(i);
        return id;
      }
      i = (i + 1) & mask;
    }
  }

  /** Backward-shift deletion: later entries of the probe run move up so lookups never stop early. */
  private removeAt(hole: number): void {
    const mask = this.mask;
    const keys = this.keys;
    const ids = this.ids;
    let i = hole;
    for (;;) {
      i = (i + 1) & mask;
      const id = ids[i]!;
      if (id < 0) break;
      const home = hashOf(keys[i]!) & mask;
      // the entry at i may fill the hole if its home slot is not in (hole, i] (cyclically)
      const between = hole <= i ? home > hole && home <= i : home > hole || home <= i;
      if (between) continue;
      keys[hole] = keys[i]!;
      ids[hole] = id;
      hole = i;
    }
    ids[hole] = -1;
    this.used--;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldIds = this.ids;
    const cap = oldKeys.length * 2;
    this.keys = new Float64Array(cap);
    this.ids = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    const mask = this.mask;
    for (let j = 0; j < oldKeys.length; j++) {
      const id = oldIds[j]!;
      if (id < 0) continue;
      const k = oldKeys[j]!;
      let i = hashOf(k) & mask;
      while (this.ids[i]! >= 0) i = (i + 1) & mask;
      this.keys[i] = k;
      this.ids[i] = id;
    }
  }
}
