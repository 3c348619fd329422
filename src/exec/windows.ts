/**
 * Window arithmetic shared by the window operators: which windows a timestamp falls into for
 * TUMBLE, HOP and CUMULATE. Windows are [start, end) in milliseconds, aligned to the epoch plus offset.
 * For TIMESTAMP_LTZ time columns windows align to the session time zone's wall clock, as in Flink.
 */
import type { TvfWindow } from './plan-types.ts';

/** Largest multiple of `step` (shifted by offset) not above ts. */
export function windowStartOf(ts: number, step: number, offset: number): number {
  const r = (ts - offset) % step;
  return r < 0 ? ts - r - step : ts - r;
}

/**
 * Calls `f(start, end)` for each window containing `ts` (ascending start). Returns the count.
 * TUMBLE: one; HOP: size/slide; CUMULATE: the growing windows of the current period that contain ts.
 */
export function forEachWindow(w: TvfWindow, ts: number, f: (start: number, end: number) => void): number {
  switch (w.kind) {
    case 'tumble': {
      const start = windowStartOf(ts, w.size, w.offset);
      f(start, start + w.size);
      return 1;
    }
    case 'hop': {
      const last = windowStartOf(ts, w.slide, w.offset);
      let first = last;
      while (first - w.slide + w.size > ts) first -= w.slide;
      let n = 0;
      for (let s = first; s <= last; s += w.slide) {
        f(s, s + w.size);
        n++;
      }
      return n;
    }
    case 'cumulate': {
      const start = windowStartOf(ts, w.size, w.offset);
      let n = 0;
      for (let end = start + w.slide; end <= start + w.size; end += w.slide) {
        if (end > ts) {
          f(start, end);
          n++;
        }
      }
      return n;
    }
    case 'session':
      throw new Error('session windows are assigned by merging, not per timestamp');
  }
}

/** The latest window end a row at `ts` can still belong to (for dropping late rows). */
export function lastWindowEnd(w: TvfWindow, ts: number): number {
  switch (w.kind) {
    case 'tumble': return windowStartOf(ts, w.size, w.offset) + w.size;
    case 'hop': return windowStartOf(ts, w.slide, w.offset) + w.size;
    case 'cumulate': return windowStartOf(ts, w.size, w.offset) + w.size;
    case 'session': return ts + w.size;
  }
}
