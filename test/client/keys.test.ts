import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { isQuitKey, rawKeys } from '../../src/client/keys.ts';

/** A terminal input that records its mode and lets the test type. */
class FakeInput extends EventEmitter {
  isRaw = false;
  flowing = false;
  modes: boolean[] = [];
  setRawMode(raw: boolean): this { this.isRaw = raw; this.modes.push(raw); return this; }
  resume(): this { this.flowing = true; return this; }
  pause(): this { this.flowing = false; return this; }
}

describe('rawKeys', () => {
  it('reads keys in raw mode while captured, then restores the terminal', () => {
    const input = new FakeInput();
    const keys: string[] = [];
    const release = rawKeys(input).capture((k) => keys.push(k));
    expect(input.isRaw).toBe(true);
    expect(input.flowing).toBe(true);
    input.emit('data', Buffer.from('aq\x03'));
    expect(keys).toEqual(['a', 'q', '\x03']);
    release();
    expect(input.isRaw).toBe(false);
    expect(input.flowing).toBe(false);
    input.emit('data', Buffer.from('z'));
    expect(keys).toEqual(['a', 'q', '\x03']);
    expect(input.listenerCount('data')).toBe(0);
  });

  it('knows the keys that leave a live view', () => {
    expect(['q', 'Q', '\x03'].every(isQuitKey)).toBe(true);
    expect(['x', '\r', '\x1b'].some(isQuitKey)).toBe(false);
  });
});
