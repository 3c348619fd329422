/**
 * One input of a streaming join, as state: its rows (columnar, in a RowArena), a key space, and per key
 * a doubly linked list of row ids threaded through typed arrays, so holding millions of rows costs no object per
 * row. `matches` counts, per row, the rows of the other side it joins with (outer, semi and anti joins
 * need to know when that count leaves or reaches zero).
 *
 * State TTL: rows written before the limit the join sets per batch are invisible (never matched, found
 * or re-evaluated), as if removed, until the sweep or a snapshot removes them; rows and keys are
 * compacted once mostly free (state/compaction.ts).
 */
import type { Column } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import type { KeySlots } from '../../state/key-slots.ts';
import type { RowArena } from '../../state/row-arena.ts';
import type { StateBackend } from '../../state/backend.ts';
import { growI32Filled, growI32 } from '../../util/grow.ts';
import type { KeySlotsSnapshot } from '../../state/key-slots.ts';
import type { RowArenaSnapshot } from '../../state/row-arena.ts';
import { f64From, i32From } from './checkpointable.ts';
import { remapTyped, renumberIds, worthCompacting } from '../../state/compaction.ts';
import { FULL_STATE, type StateWriter } from '../../state/state-delta.ts';

/** A join side in bulk: rows, keys, and the per-key lists as the typed arrays that thread them. */
export interface JoinSideSnapshot {
  arena: RowArenaSnapshot;
  keys: KeySlotsSnapshot;
  head: Int32Array;
  sizes: Int32Array;
  next: Int32Array;
  prev: Int32Array;
  slotOf: Int32Array;
  matches: Int32Array;
  written: Float64Array;
}

export class JoinSide {
  readonly arena: RowArena;
  readonly keys: KeySlots;
  readonly keyCols: readonly number[];
  /** Key columns compared with `=` (not IS NOT DISTINCT FROM): a NULL there matches nothing. */
  private readonly strict: readonly number[];
  private head = new Int32Array(256).fill(-1);
  private next = new Int32Array(256).fill(-1);
  private prev = new Int32Array(256).fill(-1);
  private slotOf = new Int32Array(256);
  matches = new Int32Array(256);
  /** When each row was stored (processing time), for `table.exec.state.ttl`; empty when TTL is off. */
  private written = new Float64Array(0);
  /** Rows held per key. */
  private sizes = new Int32Array(256);
  private emptied: number[] = [];
  /** Rows written before this time are expired, so invisible (state TTL); -Infinity: all are visible. */
  private expiredBefore = -Infinity;

  constructor(state: StateBackend, name: string, types: readonly DataType[], keyCols: readonly number[], nullSafe: readonly boolean[]) {
    this.arena = state.rowStore(name, types);
    this.keys = state.keySpace(name, keyCols.map((k) => types[k]!));
    this.keyCols = keyCols;
    this.strict = keyCols.filter((_, i) => !nullSafe[i]);
  }

  /** Whether row i of `cols` (this side's layout) has a NULL in a key column compared with `=`. */
  nullKey(cols: readonly Column[], i: number): boolean {
    for (const c of this.strict) {
      const n = cols[c]!.nulls;
      if (n !== null && n[i] === 1) return true;
    }
    return false;
  }

  /** The key columns of `cols` (a batch in this side's layout, or the other side's key columns in order). */
  keyColumns(cols: readonly Column[]): Column[] {
    return this.keyCols.map((c) => cols[c]!);
  }

  /** From now on rows written before `limit` are expired: invisible, as if removed (state TTL). */
  hideWrittenBefore(limit: number): void {
    this.expiredBefore = limit;
  }

  /** `id`, or the first row after it in its key's list that has not expired; -1 when none. */
  private visible(id: number): number {
    const limit = this.expiredBefore;
    if (limit !== -Infinity) while (id >= 0 && this.written[id]! < limit) id = this.next[id]!;
    return id;
  }

  /** First (visible) row id of the key of row i of `keyCols`, or -1. */
  first(keyCols: readonly Column[], i: number): number {
    const s = this.keys.find(keyCols, i);
    return s < 0 ? -1 : this.visible(this.head[s]!);
  }

  nextOf(id: number): number {
    return this.visible(this.next[id]!);
  }

  /** Stores row i of `cols` (this side's layout); returns its id. */
  add(cols: readonly Column[], i: number, slot: number): number {
    const id = this.arena.add(cols, i);
    if (id >= this.next.length) {
      this.next = growI32Filled(this.next, id + 1, -1);
      this.prev = growI32Filled(this.prev, id + 1, -1);
      this.slotOf = growI32(this.slotOf, id + 1);
      this.matches = growI32(this.matches, id + 1);
    }
    if (slot >= this.head.length) {
      this.head = growI32Filled(this.head, slot + 1, -1);
      this.sizes = growI32(this.sizes, slot + 1);
    }
    const first = this.head[slot]!;
    this.next[id] = first;
    this.prev[id] = -1;
    if (first >= 0) {
      this.prev[first] = id;
      this.arena.changed.mark(first);
    }
    this.keys.changed.mark(slot);
    this.head[slot] = id;
    this.slotOf[id] = slot;
    this.sizes[slot]!++;
    this.matches[id] = 0;
    return id;
  }

  /** Records when row `id` was written (state TTL). */
  touch(id: number, now: number): void {
    if (id >= this.written.length) {
      const next = new Float64Array(Math.max(id + 1, this.written.length * 2, 256));
      next.set(this.written);
      this.written = next;
    }
    this.written[id] = now;
    this.arena.changed.mark(id);
  }

  /** Per-row state of row `id` changed (its match count, a join's value for it): the next checkpoint writes it. */
  markRow(id: number): void {
    this.arena.changed.mark(id);
  }

  /** Forgets rows written before `limit` (state TTL: no retractions are emitted for them). Returns how many. */
  expireBefore(limit: number): number {
    const old: number[] = [];
    for (const s of this.keys.liveSlots()) for (let id = this.head[s]!; id >= 0; id = this.next[id]!) if (this.written[id]! < limit) old.push(id);
    for (const id of old) this.remove(id);
    this.releaseEmptyKeys();
    return old.length;
  }

  /**
   * Compacts rows and keys once most of them are free (between batches). Returns the renumbering of
   * the rows (old id → new id) when they moved, for arrays the join keeps per row; else null.
   */
  compact(): Int32Array | null {
    let rows: Int32Array | null = null;
    if (worthCompacting(this.arena.capacity, this.arena.size)) {
      rows = this.arena.compact();
      const n = this.arena.capacity;
      this.next = remapTyped(this.next, rows, n, -1, 256);
      this.prev = remapTyped(this.prev, rows, n, -1, 256);
      renumberIds(this.next, rows, n);
      renumberIds(this.prev, rows, n);
      renumberIds(this.head, rows, this.keys.capacity);
      this.slotOf = remapTyped(this.slotOf, rows, n, 0, 256);
      this.matches = remapTyped(this.matches, rows, n, 0, 256);
      if (this.written.length > 0) this.written = remapTyped(this.written, rows, n, 0, 256);
    }
    if (worthCompacting(this.keys.capacity, this.keys.size)) {
      const slots = this.keys.compact();
      const k = this.keys.capacity;
      this.head = remapTyped(this.head, slots, k, -1, 256);
      this.sizes = remapTyped(this.sizes, slots, k, 0, 256);
      renumberIds(this.slotOf, slots, this.arena.capacity);
    }
    return rows;
  }

  /** The id of a stored (visible) row equal to row i of `cols`, or -1. */
  find(cols: readonly Column[], keyCols: readonly Column[], i: number): number {
    for (let id = this.first(keyCols, i); id >= 0; id = this.nextOf(id)) {
      if (this.arena.equalsRow(id, cols, i)) return id;
    }
    return -1;
  }

  /** Removes row `id`; the key's state goes when its last row does. */
  remove(id: number): void {
    const slot = this.slotOf[id]!;
    const before = this.prev[id]!;
    const after = this.next[id]!;
    if (before < 0) this.head[slot] = after;
    else {
      this.next[before] = after;
      this.arena.changed.mark(before);
    }
    if (after >= 0) {
      this.prev[after] = before;
      this.arena.changed.mark(after);
    }
    this.keys.changed.mark(slot);
    this.next[id] = -1;
    this.prev[id] = -1;
    this.arena.release(id);
    if (--this.sizes[slot]! === 0) {
      this.head[slot] = -1;
      this.emptied.push(slot);
    }
  }

  /**
   * Forgets keys whose last row went during the batch. Deferred to the end of a batch because slots for
   * the batch's new rows were assigned up front and must stay valid until then.
   */
  releaseEmptyKeys(): void {
    for (const slot of new Set(this.emptied)) {
      if (this.sizes[slot] === 0 && this.head[slot] === -1) this.keys.release(slot);
    }
    this.emptied = [];
  }

  /**
   * Called between batches (no key is waiting to be released). With the delta writer, per-key arrays
   * are written at the key space's changed slots and per-row arrays at the row store's changed rows.
   */
  exportState(w: StateWriter = FULL_STATE): JoinSideSnapshot {
    const rows = this.arena.capacity;
    const slots = this.keys.capacity;
    const rc = this.arena.changed;
    const kc = this.keys.changed;
    return {
      arena: this.arena.exportState(w),
      keys: this.keys.exportState(w),
      head: w.slots(this.head, slots, kc),
      sizes: w.slots(this.sizes, slots, kc),
      next: w.slots(this.next, rows, rc),
      prev: w.slots(this.prev, rows, rc),
      slotOf: w.slots(this.slotOf, rows, rc),
      matches: w.slots(this.matches, rows, rc),
      written: w.slots(this.written, rows, rc),
    };
  }

  importState(s: JoinSideSnapshot): void {
    this.arena.importState(s.arena);
    this.keys.importState(s.keys);
    this.head = i32From(s.head, 256, -1);
    this.sizes = i32From(s.sizes, 256);
    this.next = i32From(s.next, 256, -1);
    this.prev = i32From(s.prev, 256, -1);
    this.slotOf = i32From(s.slotOf, 256);
    this.matches = i32From(s.matches, 256);
    this.written = s.written.length > 0 ? f64From(s.written, 256) : new Float64Array(0);
    this.emptied = [];
  }

  /** Every stored row id that has not expired (for re-evaluating all rows when a global condition flips). */
  *allRows(): IterableIterator<number> {
    for (const s of this.keys.liveSlots()) for (let id = this.visible(this.head[s]!); id >= 0; id = this.nextOf(id)) yield id;
  }

  /** Columns of the stored rows, indexed by row id, for compiled predicates. */
  columnsView(): Column[] {
    return this.arena.columns.asColumns();
  }

  get rows(): number {
    return this.arena.size;
  }
}
