/**
 * Timers of one operator: (time, id) pairs popped in time order. Windows register their end, interval
 * joins the time their rows expire, sessions their gap deadline. A binary heap over typed arrays, so
 * thousands of timers per batch cost no allocation.
 */
export class TimerQueue {
  private times = new Float64Array(64);
  private ids = new Int32Array(64);
  private n = 0;

  get size(): number {
    return this.n;
  }

  /** The earliest time, or +Infinity when empty. */
  peekTime(): number {
    return this.n > 0 ? this.times[0]! : Infinity;
  }

  peekId(): number {
    return this.ids[0]!;
  }

  push(time: number, id: number): void {
    if (this.n === this.times.length) {
      const t = new Float64Array(this.n * 2);
      t.set(this.times);
      this.times = t;
      const d = new Int32Array(this.n * 2);
      d.set(this.ids);
      this.ids = d;
    }
    let i = this.n++;
    const times = this.times;
    const ids = this.ids;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (times[parent]! <= time) break;
      times[i] = times[parent]!;
      ids[i] = ids[parent]!;
      i = parent;
    }
    times[i] = time;
    ids[i] = id;
  }

  /** The heap as it is (times and ids in heap order), so a restored queue pops in exactly the same order. */
  exportState(): { times: Float64Array; ids: Int32Array } {
    return { times: this.times.slice(0, this.n), ids: this.ids.slice(0, this.n) };
  }

  importState(s: { times: Float64Array; ids: Int32Array }): void {
    const n = s.times.length;
    const cap = Math.max(64, n);
    this.times = new Float64Array(cap);
    this.times.set(s.times);
    this.ids = new Int32Array(cap);
    this.ids.set(s.ids);
    this.n = n;
  }

  /** Removes the earliest timer; returns its id. */
  pop(): number {
    const times = this.times;
    const ids = this.ids;
    const top = ids[0]!;
    const last = --this.n;
    if (last === 0) return top;
    const t = times[last]!;
    const id = ids[last]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      const c = r < last && times[r]! < times[l]! ? r : l;
      if (times[c]! >= t) break;
      times[i] = times[c]!;
      ids[i] = ids[c]!;
      i = c;
    }
    times[i] = t;
    ids[i] = id;
    return top;
  }
}
