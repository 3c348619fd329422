/**
 * Which slots of a key space (or row ids of a row store) were written since the last checkpoint, so an
 * incremental checkpoint writes those and nothing else. Kept as a byte per slot plus the list of marked
 * slots: marking is a typed-array read and a branch on the hot path, and clearing costs as much as what
 * was marked, never the size of the state.
 *
 * The key space marks what it hands out, creates and releases; operators mark what else they write
 * (a neighbour in a linked list, a count on the other side of a join).
 */
import { internalError } from '../util/errors.ts';

export class ChangedSlots {
  /** Off where no incremental checkpoint will ask (the marks would only cost memory). */
  readonly enabled: boolean;
  private marks = new Uint8Array(256);
  private list = new Int32Array(256);
  private n = 0;

  constructor(enabled = true) {
    this.enabled = enabled;
  }

  /** How many slots are marked. */
  get count(): number {
    return this.n;
  }

  mark(s: number): void {
    if (!this.enabled) return;
    if (s >= this.marks.length) this.growMarks(s + 1);
    else if (this.marks[s] === 1) return;
    this.marks[s] = 1;
    if (this.n === this.list.length) {
      const next = new Int32Array(this.list.length * 2);
      next.set(this.list);
      this.list = next;
    }
    this.list[this.n++] = s;
  }

  private growMarks(n: number): void {
    const cap = this.marks.length;
    const next = new Uint8Array(Math.max(n, cap < 1 << 20 ? cap * 2 : cap + (cap >> 1)));
    next.set(this.marks);
    this.marks = next;
  }

  has(s: number): boolean {
    return this.marks[s] === 1;
  }

  /** The marked slots below `n`, ascending (a new array). */
  below(n: number): Int32Array {
    if (!this.enabled) throw internalError('an incremental snapshot was asked of state whose changes are not tracked');
    let m = 0;
    for (let k = 0; k < this.n; k++) if (this.list[k]! < n) m++;
    const out = new Int32Array(m);
    m = 0;
    for (let k = 0; k < this.n; k++) {
      const s = this.list[k]!;
      if (s < n) out[m++] = s;
    }
    return out.sort();
  }

  /** Forgets every mark (a checkpoint has recorded them). */
  clear(): void {
    for (let k = 0; k < this.n; k++) this.marks[this.list[k]!] = 0;
    this.n = 0;
  }
}
