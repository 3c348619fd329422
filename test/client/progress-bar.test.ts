import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProgressBar, progressLine } from '../../src/client/progress-bar.ts';

describe('progress line', () => {
  const p = { label: 'refreshing daily', expectedMs: 10_000 };
  it('fills with the share of the expected time', () => {
    expect(progressLine(p, 5000)).toBe('refreshing daily [############............] ~50%  5.0 s of ~10.0 s');
  });
  it('stops at 99% when the run is slower than the last', () => {
    expect(progressLine(p, 30_000)).toBe('refreshing daily [########################] ~99%  30.0 s of ~10.0 s');
  });
  it('shows the elapsed time without an estimate', () => {
    expect(progressLine({ label: 'refreshing daily', expectedMs: null }, 2500)).toBe('refreshing daily ... 2.5 s');
  });
  it('fits the terminal', () => {
    expect(progressLine(p, 5000, 20).length).toBeLessThanOrEqual(19);
  });
});

describe('ProgressBar', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  it('draws after a second, redraws, and erases its line at the end', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const written: string[] = [];
    const bar = new ProgressBar({ write: (t) => written.push(t), columns: 100 }, { label: 'refreshing t', expectedMs: 4000 });
    vi.advanceTimersByTime(900);
    expect(written).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(written[0]).toContain('~25%');
    vi.advanceTimersByTime(1000);
    expect(written.at(-1)).toContain('~50%');
    bar.end();
    expect(written.at(-1)).toBe('\r\x1b[K');
  });
  it('a statement done within a second draws nothing', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const written: string[] = [];
    const bar = new ProgressBar({ write: (t) => written.push(t) }, { label: 'x', expectedMs: null });
    vi.advanceTimersByTime(500);
    bar.end();
    expect(written).toEqual([]);
  });
});
