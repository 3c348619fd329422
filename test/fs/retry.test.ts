import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, RetryFailure, backoffCeiling, isTransientError, withRetries } from '../../src/fs/retry.ts';

/** A sleep that records the delays asked for and returns at once. */
function fakeSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

const transient = Object.assign(new Error('slow down'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
const permanent = Object.assign(new Error('no such key'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });

describe('withRetries', () => {
  it('backs off exponentially up to a cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => backoffCeiling(n))).toEqual([50, 100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    expect(backoffCeiling(1000)).toBe(5000);
    expect(backoffCeiling(3, { baseDelayMs: 10, maxDelayMs: 25 })).toBe(25);
  });

  it('waits a random time below the ceiling (full jitter) and returns the first success', async () => {
    const { sleep, delays } = fakeSleep();
    let calls = 0;
    const result = await withRetries(async (attempt) => {
      calls++;
      if (attempt < 4) throw transient;
      return 'done';
    }, { retryable: isTransientError, sleep, random: () => 0.999 });
    expect(result).toBe('done');
    expect(calls).toBe(4);
    expect(delays).toEqual([49, 99, 199]);
    const none = fakeSleep();
    await withRetries(async (a) => { if (a < 3) throw transient; }, { retryable: isTransientError, sleep: none.sleep, random: () => 0 });
    expect(none.delays).toEqual([0, 0]);
  });

  it('gives up after the last attempt, with the last error and the count', async () => {
    const { sleep, delays } = fakeSleep();
    const failure = await withRetries(async () => { throw transient; }, { retryable: isTransientError, sleep, random: Math.random })
      .then(() => undefined, (e: unknown) => e);
    expect(failure).toBeInstanceOf(RetryFailure);
    expect(failure).toMatchObject({ attempts: DEFAULT_RETRY_POLICY.maxAttempts, exhausted: true, cause: transient });
    expect(delays).toHaveLength(DEFAULT_RETRY_POLICY.maxAttempts - 1);
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(backoffCeiling(i + 1));
    });
    // the whole wait stays bounded: about 16 s at most with the defaults
    expect(delays.reduce((a, b) => a + b, 0)).toBeLessThan(16_000);
  });

  it('stops at once on a permanent error', async () => {
    const { sleep, delays } = fakeSleep();
    let calls = 0;
    const failure = await withRetries(async () => { calls++; throw permanent; }, { retryable: isTransientError, sleep })
      .then(() => undefined, (e: unknown) => e);
    expect(calls).toBe(1);
    expect(delays).toEqual([]);
    expect(failure).toMatchObject({ attempts: 1, exhausted: false, cause: permanent });
  });

  it('honours its options and reports each retry', async () => {
    const { sleep } = fakeSleep();
    const seen: Array<[number, number]> = [];
    const failure = await withRetries(async () => { throw transient; }, {
      retryable: isTransientError, sleep, random: () => 0.5, maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 15,
      onRetry: (_e, attempt, delay) => seen.push([attempt, delay]),
    }).then(() => undefined, (e: unknown) => e);
    expect(seen).toEqual([[1, 5], [2, 7]]);
    expect(failure).toMatchObject({ attempts: 3, exhausted: true });
  });
});

describe('isTransientError', () => {
  const http = (status: number, name: string): Error => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
  const sys = (code: string, message = code): Error => Object.assign(new Error(message), { code });

  it('retries server errors, throttling, timeouts and dropped connections', () => {
    for (const e of [
      http(500, 'InternalError'), http(502, 'BadGateway'), http(503, 'SlowDown'), http(503, 'ServiceUnavailable'), http(504, 'GatewayTimeout'),
      http(429, 'TooManyRequests'), http(400, 'ThrottlingException'), http(400, 'RequestTimeout'), http(409, 'ConditionalRequestConflict'),
      sys('ECONNRESET'), sys('EPIPE'), sys('ETIMEDOUT'), sys('ERR_STREAM_PREMATURE_CLOSE', 'Premature close'),
      Object.assign(new Error('request timed out'), { name: 'TimeoutError' }),
      new Error('socket hang up'), new Error('aborted'),
      Object.assign(new Error('body broke off'), { transient: true }),
      new Error('wrapped', { cause: sys('ECONNRESET') }),
    ]) {
      expect(isTransientError(e), `${e.name} ${e.message}`).toBe(true);
    }
  });

  it('does not retry what would fail again', () => {
    for (const e of [
      http(400, 'InvalidArgument'), http(403, 'AccessDenied'), http(404, 'NoSuchKey'), http(404, 'NoSuchBucket'), http(412, 'PreconditionFailed'),
      Object.assign(new Error('aborted'), { $metadata: { httpStatusCode: 400 } }),
      Object.assign(new Error('This operation was aborted'), { name: 'AbortError' }),
      sys('ECONNREFUSED'), sys('ENOTFOUND'), new Error('bad'), 'text', undefined,
    ]) {
      expect(isTransientError(e), String(e)).toBe(false);
    }
  });
});
