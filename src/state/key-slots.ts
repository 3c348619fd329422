/**
 * Keyed state, part one: which keys exist. Every distinct key gets a dense slot number; an operator keeps
 * its per-key values in typed arrays indexed by slot (accumulators, counts, row lists), so reading the
 * state of a whole batch is a loop over arrays rather than a map lookup per value.
 *
 * Unlike the batch GroupTable, keys can be released (a group's count fell to zero, a window fired, state
 * expired) and their slots are reused, so state stays proportional to the live keys.
 *
 * One numeric key column goes through an open-addressing NumberTable; several numeric columns through a
 * TupleIndex (typed arrays over the stored keys); one string column through a Map keyed by the string;
 * anything else (and keys with NULLs or wide integers) through a Map keyed by a canonical encoding.
 */
import type { Column } from '../types/batch.ts';
import type { DataType } from '../types/data-type.ts';
import { physicalOf } from '../types/data-type.ts';
import { keyEncoder, type KeyEncoder, type KeyValue } from '../types/key-encoder.ts';
import { NumberTable } from '../util/number-table.ts';
import { SlotColumns, type SlotColumnsSnapshot } from './slot-columns.ts';
import { liveRemap } from './compaction.ts';
import { internalError } from '../util/errors.ts';
import { ChangedSlots } from './changed-slots.ts';
import { FULL_STATE, type StateWriter } from './state-delta.ts';

/**
 * A key space in bulk: the key columns of every slot up to the highest one, the free list (in order, so
 * slots are handed out again alike) and the slot of the NULL key. The hash indexes are not saved: they
 * are rebuilt from the keys on restore, with the same slot numbers.
 */
export interface KeySlotsSnapshot {
  width: number;
  keys: SlotColumnsSnapshot;
  free: Int32Array;
  high: number;
  live: number;
  nullSlot: number;
}
import { TupleIndex } from './tuple-index.ts';

export class KeySlots {
  private readonly ids = new Map<KeyValue, number>();
  private readonly encode: KeyEncoder;
  private numbers: NumberTable | null;
  private readonly stringKey: boolean;
  private readonly noKeys: boolean;
  /** Set when there are several key columns, all numeric. */
  private tuples: TupleIndex | null;
  /** Per slot: 1 when its key is in `tuples` (not in the Map). */
  private inTuples = new Uint8Array(0);
  /** The key values of each slot, so operators can emit them. */
  readonly keys: SlotColumns;
  /** The encoded key of each slot (for release), when keys go through the Map. */
  private encoded: KeyValue[] = [];
  private nullSlot = -1;
  private free: number[] = [];
  /**
   * Slots created, released or handed out by `slots` since the last checkpoint: an operator's per-slot
   * state changes only there, plus where it marks more itself (see changed-slots.ts).
   */
  readonly changed: ChangedSlots;
  /** The free list's shortest length since the last checkpoint: entries below it are unchanged. */
  private freeLow = 0;
  /** Set by `compact` until the next checkpoint (see compactedSinceCheckpoint). */
  private renumbered = false;
  private high = 0;
  private live = 0;
  private out = new Int32Array(1024);
  /** Set when a slot was created by the last `slots` call (state starts empty for it). */
  private createdFlags = new Uint8Array(1024);

  /** `trackChanges`: mark what changes for incremental checkpoints (see `changed`). */
  constructor(keyTypes: readonly DataType[], trackChanges = false) {
    this.changed = new ChangedSlots(trackChanges);
    this.encode = keyEncoder(keyTypes, keyTypes.map(() => true));
    this.noKeys = keyTypes.length === 0;
    const p = keyTypes.length === 1 ? physicalOf(keyTypes[0]!) : null;
    this.numbers = p === 'i32' || p === 'f64' || p === 'i64' ? new NumberTable() : null;
    this.stringKey = keyTypes.length === 1 && (keyTypes[0]!.kind === 'VARCHAR' || keyTypes[0]!.kind === 'CHAR');
    this.keys = new SlotColumns(keyTypes);
    const numeric = keyTypes.length >= 2 && keyTypes.every((t) => ['i32', 'f64', 'i64'].includes(physicalOf(t)));
    this.tuples = numeric ? new TupleIndex(this.keys, keyTypes.length) : null;
  }

  /** Number of live keys. */
  get size(): number {
    return this.live;
  }

  /** One past the highest slot ever handed out: per-slot arrays need this many entries. */
  get capacity(): number {
    return this.high;
  }

  /** Whether slot `s` of the last `slots` result was created by that call. */
  get created(): Uint8Array {
    return this.createdFlags;
  }

  private newSlot(keyCols: readonly Column[], i: number): number {
    let s: number;
    if (this.free.length > 0) {
      s = this.free.pop()!;
      if (this.free.length < this.freeLow) this.freeLow = this.free.length;
    } else s = this.high++;
    this.changed.mark(s);
    this.live++;
    this.keys.setFrom(s, keyCols, i);
    return s;
  }

  /**
   * The slot of each row `rows[k]` (or k when rows is null) for k < n, creating slots for new keys.
   * The returned array (and `created`) are reused by the next call.
   */
  slots(keyCols: readonly Column[], rows: Int32Array | null, n: number): Int32Array {
    const out = this.assign(keyCols, rows, n);
    // the caller writes the state of these slots
    const changed = this.changed;
    if (changed.enabled) for (let k = 0; k < n; k++) changed.mark(out[k]!);
    return out;
  }

  private assign(keyCols: readonly Column[], rows: Int32Array | null, n: number): Int32Array {
    if (this.out.length < n) {
      this.out = new Int32Array(Math.max(n, this.out.length * 2));
      this.createdFlags = new Uint8Array(this.out.length);
    }
    const out = this.out;
    const created = this.createdFlags;
    created.fill(0, 0, n);
    if (this.noKeys) {
      if (this.live === 0) {
        const s = this.newSlot(keyCols, 0);
        this.nullSlot = s;
        created[0] = 1;
      }
      out.fill(this.nullSlot, 0, n);
      return out;
    }
    const numbers = this.numbers;
    if (numbers !== null) {
      const col = keyCols[0]!;
      const vals = col.values as ArrayLike<number | bigint>;
      const nulls = col.nulls;
      for (let k = 0; k < n; k++) {
        const i = rows === null ? k : rows[k]!;
        if (nulls !== null && nulls[i] === 1) {
          if (this.nullSlot < 0) {
            this.nullSlot = this.newSlot(keyCols, i);
            created[k] = 1;
          }
          out[k] = this.nullSlot;
          continue;
        }
        const v = vals[i]!;
        if (typeof v === 'number') {
          let s = numbers.get(v);
          if (s < 0) {
            s = this.newSlot(keyCols, i);
            numbers.getOrInsert(v, s);
            created[k] = 1;
          }
          out[k] = s;
        } else {
          out[k] = this.viaMap(v, keyCols, i, k);
        }
      }
      return out;
    }
    if (this.stringKey) {
      const col = keyCols[0]!;
      const vals = col.values as ArrayLike<string>;
      const nulls = col.nulls;
      for (let k = 0; k < n; k++) {
        const i = rows === null ? k : rows[k]!;
        if (nulls !== null && nulls[i] === 1) {
          if (this.nullSlot < 0) {
            this.nullSlot = this.newSlot(keyCols, i);
            created[k] = 1;
          }
          out[k] = this.nullSlot;
          continue;
        }
        out[k] = this.viaMap(vals[i]!, keyCols, i, k);
      }
      return out;
    }
    const tuples = this.tuples;
    for (let k = 0; k < n; k++) {
      const i = rows === null ? k : rows[k]!;
      if (tuples !== null && tuples.indexable(keyCols, i)) {
        let s = tuples.find(keyCols, i);
        if (s < 0) {
          s = this.newSlot(keyCols, i);
          tuples.insert(s);
          if (s >= this.inTuples.length) {
            const next = new Uint8Array(Math.max(s + 1, this.inTuples.length * 2, 256));
            next.set(this.inTuples);
            this.inTuples = next;
          }
          this.inTuples[s] = 1;
          created[k] = 1;
        }
        out[k] = s;
        continue;
      }
      out[k] = this.viaMap(this.encode(keyCols, i)!, keyCols, i, k);
    }
    return out;
  }

  private viaMap(key: KeyValue, keyCols: readonly Column[], i: number, k: number): number {
    let s = this.ids.get(key);
    if (s === undefined) {
      s = this.newSlot(keyCols, i);
      this.ids.set(key, s);
      this.encoded[s] = key;
      this.createdFlags[k] = 1;
    }
    return s;
  }

  /** The slot of row i's key, or -1 when the key has no state. */
  find(keyCols: readonly Column[], i: number): number {
    if (this.noKeys) return this.nullSlot;
    if (this.numbers !== null) {
      const c = keyCols[0]!;
      if (c.nulls !== null && c.nulls[i] === 1) return this.nullSlot;
      const v = (c.values as ArrayLike<number | bigint>)[i]!;
      return typeof v === 'number' ? this.numbers.get(v) : this.ids.get(v) ?? -1;
    }
    if (this.stringKey) {
      const c = keyCols[0]!;
      if (c.nulls !== null && c.nulls[i] === 1) return this.nullSlot;
      return this.ids.get((c.values as ArrayLike<string>)[i]!) ?? -1;
    }
    if (this.tuples !== null && this.tuples.indexable(keyCols, i)) return this.tuples.find(keyCols, i);
    return this.ids.get(this.encode(keyCols, i)!) ?? -1;
  }

  /** Forgets the key of slot `s`; the slot may be handed out again. */
  release(s: number): void {
    if (s === this.nullSlot) this.nullSlot = -1;
    else if (this.numbers !== null && this.keys.isNumber(0, s)) this.numbers.delete(this.keys.number(0, s));
    else if (this.inTuples[s] === 1) {
      this.tuples!.remove(s);
      this.inTuples[s] = 0;
    }
    else {
      this.ids.delete(this.encoded[s]!);
      this.encoded[s] = 0;
    }
    this.keys.clear(s);
    this.free.push(s);
    this.changed.mark(s);
    this.live--;
  }

  /** The key space in bulk; with the delta writer only what changed since the last checkpoint. */
  exportState(w: StateWriter = FULL_STATE): KeySlotsSnapshot {
    return { width: this.keys.width, keys: this.keys.exportState(this.high, w, this.changed), free: w.stack(this.free, this.freeLow), high: this.high, live: this.live, nullSlot: this.nullSlot };
  }

  /** A checkpoint recorded the state: changes are counted from here. */
  resetChanges(): void {
    this.changed.clear();
    this.freeLow = this.free.length;
    this.renumbered = false;
  }

  /**
   * Whether `compact` renumbered the slots since the last checkpoint: the marks no longer say what
   * changed against the checkpoint's slot numbers, so the next incremental checkpoint must be a full base.
   */
  get compactedSinceCheckpoint(): boolean {
    return this.renumbered;
  }

  /** Restores into an empty key space of the same key types: every key gets its old slot back. */
  importState(s: KeySlotsSnapshot): void {
    if (this.high !== 0) throw internalError('state can only be restored into an empty key space');
    if (s.width !== this.keys.width) throw internalError(`saved key space has ${s.width} key columns where ${this.keys.width} are expected`);
    this.keys.importState(s.keys);
    this.free = Array.from(s.free);
    this.high = s.high;
    this.live = s.live;
    this.nullSlot = s.nullSlot;
    this.resetChanges();
    this.indexAll();
  }

  /** Puts the key of every live slot into the index its kind goes to (as `slots` does). */
  private indexAll(): void {
    const live: number[] = [];
    for (const slot of this.liveSlots()) if (slot !== this.nullSlot) live.push(slot);
    const m = live.length;
    if (m === 0 || this.noKeys) return;
    // the keys of all live slots as columns, then each key into its index
    const cols = this.keys.gather(live, m);
    const numbers = this.numbers;
    for (let k = 0; k < m; k++) {
      const slot = live[k]!;
      if (numbers !== null) {
        const v = (cols[0]!.values as ArrayLike<number | bigint>)[k]!;
        if (typeof v === 'number') numbers.getOrInsert(v, slot);
        else this.index(v, slot);
      } else if (this.stringKey) {
        this.index((cols[0]!.values as ArrayLike<string>)[k]!, slot);
      } else if (this.tuples !== null && this.tuples.indexable(cols, k)) {
        this.tuples.insert(slot);
        if (slot >= this.inTuples.length) {
          const next = new Uint8Array(Math.max(slot + 1, this.inTuples.length * 2, 256));
          next.set(this.inTuples);
          this.inTuples = next;
        }
        this.inTuples[slot] = 1;
      } else {
        this.index(this.encode(cols, k)!, slot);
      }
    }
  }

  /**
   * Renumbers the live keys densely, keeping their order (slot s becomes the number of live slots below
   * it), and rebuilds the hash indexes over them: the memory of released keys (expired state, groups
   * that emptied) is given back instead of waiting on the free list. Returns old slot → new slot (-1 for
   * released slots); the owner renumbers its per-slot arrays with it (see compaction.ts).
   */
  compact(): Int32Array {
    const remap = liveRemap(this.high, this.free);
    const n = this.live;
    this.keys.compact(remap, n);
    this.nullSlot = this.nullSlot >= 0 ? remap[this.nullSlot]! : -1;
    this.free = [];
    this.freeLow = 0;
    this.renumbered = true;
    this.high = n;
    this.ids.clear();
    this.encoded = [];
    if (this.numbers !== null) this.numbers = new NumberTable(Math.max(n, 16));
    if (this.tuples !== null) this.tuples = new TupleIndex(this.keys, this.keys.width);
    this.inTuples = new Uint8Array(this.inTuples.length > 0 ? Math.max(n, 256) : 0);
    this.indexAll();
    return remap;
  }

  /** Slots the key storage has room for (shrinks when compacted). */
  get allocated(): number {
    return this.keys.allocated;
  }

  private index(key: KeyValue, slot: number): void {
    this.ids.set(key, slot);
    this.encoded[slot] = key;
  }

  /** Live slots, in no particular order. */
  *liveSlots(): IterableIterator<number> {
    const freeSet = new Set(this.free);
    for (let s = 0; s < this.high; s++) if (!freeSet.has(s)) yield s;
  }
}
