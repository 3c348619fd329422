/**
 * The table a changelog describes, kept up to date as changes arrive (the client's `table` result
 * mode). +I and +U add a row, -U and -D remove one: the row equal to the one named, or, when the stream
 * has a unique key, the row with the same key. With a unique key an added row replaces the row with its
 * key, in place.
 *
 * Rows keep the order in which they were added, and an update stays where its row was: a +U that
 * directly follows a -U takes the place the -U freed. Removed rows leave holes in the slot array, which
 * is compacted once the holes outnumber the rows, so removal costs no shifting.
 */
import type { ChangeBatch } from '../session/result.ts';
import { groupKeyOf } from '../types/value.ts';

const INSERT = 0;
const UPDATE_BEFORE = 1;
const UPDATE_AFTER = 2;

/** Holes below this many are never worth compacting. */
const MIN_COMPACT = 1024;

export class MaterializedView {
  private readonly keyColumns: readonly number[] | undefined;
  /** Rows in order; undefined where a row was removed. */
  private slots: Array<unknown[] | undefined> = [];
  /** Slots holding each identity (the row's values, or its unique key), last added last. */
  private index = new Map<string, number[]>();
  private live = 0;
  /** The slot the last change freed when it was a -U, for the +U that follows. */
  private freed: number | undefined;

  constructor(uniqueKey?: readonly number[]) {
    this.keyColumns = uniqueKey !== undefined && uniqueKey.length > 0 ? uniqueKey : undefined;
  }

  /** Rows in the table now. */
  get size(): number {
    return this.live;
  }

  apply(batch: ChangeBatch): void {
    for (let i = 0; i < batch.rows.length; i++) this.change(batch.kinds[i]!, batch.rows[i]!);
    if (this.freed === undefined && this.slots.length - this.live > Math.max(MIN_COMPACT, this.live)) this.compact();
  }

  /** Up to `count` rows from the start, in order. */
  first(count: number): unknown[][] {
    const out: unknown[][] = [];
    for (let i = 0; i < this.slots.length && out.length < count; i++) {
      const row = this.slots[i];
      if (row !== undefined) out.push(row);
    }
    return out;
  }

  /** Up to `count` rows from the end, in order. */
  last(count: number): unknown[][] {
    const out: unknown[][] = [];
    for (let i = this.slots.length - 1; i >= 0 && out.length < count; i--) {
      const row = this.slots[i];
      if (row !== undefined) out.push(row);
    }
    return out.reverse();
  }

  private identity(row: readonly unknown[]): string {
    return groupKeyOf(this.keyColumns === undefined ? row : this.keyColumns.map((c) => row[c]));
  }

  private change(kind: number, row: unknown[]): void {
    const id = this.identity(row);
    const freed = this.freed;
    this.freed = undefined;
    if (kind === INSERT || kind === UPDATE_AFTER) {
      const at = this.index.get(id);
      if (this.keyColumns !== undefined && at !== undefined && at.length > 0) {
        this.slots[at[at.length - 1]!] = row;
        return;
      }
      let slot: number;
      if (kind === UPDATE_AFTER && freed !== undefined && this.slots[freed] === undefined) {
        slot = freed;
      } else {
        slot = this.slots.length;
        this.slots.push(undefined);
      }
      this.slots[slot] = row;
      if (at === undefined) this.index.set(id, [slot]);
      else at.push(slot);
      this.live++;
      return;
    }
    // -U or -D: a row that is not there (the view started late, or the stream repeats a retraction)
    // changes nothing.
    const at = this.index.get(id);
    if (at === undefined) return;
    const slot = at.pop()!;
    if (at.length === 0) this.index.delete(id);
    this.slots[slot] = undefined;
    this.live--;
    if (kind === UPDATE_BEFORE) this.freed = slot;
  }

  private compact(): void {
    const slots: unknown[][] = [];
    const index = new Map<string, number[]>();
    for (const row of this.slots) {
      if (row === undefined) continue;
      const id = this.identity(row);
      const at = index.get(id);
      if (at === undefined) index.set(id, [slots.length]);
      else at.push(slots.length);
      slots.push(row);
    }
    this.slots = slots;
    this.index = index;
  }
}
