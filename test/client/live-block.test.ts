import { afterEach, describe, expect, it, vi } from 'vitest';
import { HIDE_CURSOR, LiveBlock, SHOW_CURSOR } from '../../src/client/live-block.ts';
import { FakeTerminal, screenOf } from './fakes.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('LiveBlock', () => {
  it('redraws in place: cursor up over the old frame, lines erased to their end, cursor hidden', () => {
    vi.useFakeTimers();
    const tty = new FakeTerminal();
    let lines = ['one', 'two', 'three'];
    const block = new LiveBlock(tty, () => lines, 100);
    tty.write('before\n');
    block.start();
    vi.advanceTimersByTime(100);
    expect(block.frames).toBe(1);
    expect(tty.raw).toBe(`before\n${HIDE_CURSOR}\rone\x1b[K\ntwo\x1b[K\nthree\x1b[K\n\x1b[J`);
    lines = ['uno', 'dos'];
    block.changed();
    vi.advanceTimersByTime(100);
    expect(block.frames).toBe(2);
    expect(tty.raw.endsWith('\x1b[3A\runo\x1b[K\ndos\x1b[K\n\x1b[J')).toBe(true);
    expect(screenOf(tty.raw)).toEqual(['before', 'uno', 'dos', '']);
    block.stop(true);
    expect(tty.raw.endsWith(SHOW_CURSOR)).toBe(true);
    expect(screenOf(tty.raw)).toEqual(['before', 'uno', 'dos', '']);
  });

  it('draws at most once per interval however often it changes', () => {
    vi.useFakeTimers();
    const tty = new FakeTerminal();
    let n = 0;
    const block = new LiveBlock(tty, () => [`n = ${n}`], 100);
    block.start();
    // 1000 changes over one second: ten frames, not a thousand.
    for (let i = 0; i < 1000; i++) {
      n = i;
      block.changed();
      vi.advanceTimersByTime(1);
    }
    expect(block.frames).toBe(10);
    // Nothing changed: no redraw.
    vi.advanceTimersByTime(1000);
    expect(block.frames).toBe(10);
    block.stop(true);
    expect(screenOf(tty.raw)).toEqual(['n = 999', '']);
  });

  it('draws nothing, not even escape codes, when stopped before the first tick', () => {
    vi.useFakeTimers();
    const tty = new FakeTerminal();
    const block = new LiveBlock(tty, () => ['frame'], 100);
    block.start();
    block.changed();
    vi.advanceTimersByTime(99);
    block.stop(false);
    expect(tty.raw).toBe('');
    vi.advanceTimersByTime(1000);
    expect(tty.raw).toBe('');
  });

  it('erases itself when stopped without keeping', () => {
    vi.useFakeTimers();
    const tty = new FakeTerminal();
    const block = new LiveBlock(tty, () => ['a', 'b'], 10);
    tty.write('above\n');
    block.start();
    vi.advanceTimersByTime(10);
    block.stop(false);
    tty.write('after\n');
    expect(screenOf(tty.raw)).toEqual(['above', 'after', '']);
    expect(tty.raw).toContain(SHOW_CURSOR);
  });

  it('draws the last state when kept, even before the first tick', () => {
    vi.useFakeTimers();
    const tty = new FakeTerminal();
    const block = new LiveBlock(tty, () => ['final'], 100);
    block.start();
    block.stop(true);
    expect(screenOf(tty.raw)).toEqual(['final', '']);
    expect(tty.raw.startsWith(HIDE_CURSOR)).toBe(true);
    expect(tty.raw.endsWith(SHOW_CURSOR)).toBe(true);
  });

  it('cuts lines to the terminal width so that none wraps', () => {
    vi.useFakeTimers();
    const tty = new FakeTerminal();
    tty.columns = 10;
    const block = new LiveBlock(tty, (size) => ['x'.repeat(25), `${size.columns}x${size.rows}`], 10);
    block.start();
    block.stop(true);
    expect(screenOf(tty.raw)).toEqual(['xxxxxxxxxx', '10x24', '']);
  });
});
