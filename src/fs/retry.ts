/**
 * Retrying calls to a remote store: exponential backoff with full jitter, and the classification of
 * failures that are worth another attempt.
 *
 * Full jitter (a delay drawn uniformly below an exponentially growing ceiling) is used rather than a
 * fixed schedule so that many writers that failed together (a throttled prefix, a restarted endpoint)
 * do not retry together and fail together again.
 */

export interface RetryPolicy {
  /** Attempts in total, the first one included. */
  maxAttempts: number;
  /** Ceiling of the delay after the first failure; it doubles with every further failure. */
  baseDelayMs: number;
  /** The ceiling never grows beyond this. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = { maxAttempts: 10, baseDelayMs: 50, maxDelayMs: 5000 };

export interface RetryOptions extends Partial<RetryPolicy> {
  /** Whether a failure may go away by itself. Anything else ends the loop at once. */
  retryable: (error: unknown) => boolean;
  /** Injected by tests so that no real time passes. */
  sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1); injected by tests for exact delays. */
  random?: () => number;
  /** Observes each failure that will be retried, with the delay before the next attempt. */
  onRetry?: (error: unknown, failedAttempt: number, delayMs: number) => void;
}

/** Why a retried call finally failed: the last error, and how many attempts were made. */
export class RetryFailure extends Error {
  readonly attempts: number;
  /** True when the last error was retryable and the attempts ran out; false when it was permanent. */
  readonly exhausted: boolean;

  constructor(cause: unknown, attempts: number, exhausted: boolean) {
    super(`${exhausted ? 'gave up' : 'failed'} after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${messageOf(cause)}`, { cause });
    this.name = 'RetryFailure';
    this.attempts = attempts;
    this.exhausted = exhausted;
  }
}

/** The ceiling of the delay after `failedAttempts` failures (1 after the first failure). */
export function backoffCeiling(failedAttempts: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'> = DEFAULT_RETRY_POLICY): number {
  // the exponent is capped so that huge attempt counts cannot overflow to Infinity * 0 = NaN
  const exp = Math.min(Math.max(failedAttempts - 1, 0), 40);
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exp);
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `op` until it succeeds, fails with a permanent error, or runs out of attempts; `op` gets the
 * attempt number (1-based). Failures are thrown as a RetryFailure whose cause is the last error.
 */
export async function withRetries<T>(op: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts));
  const policy = {
    baseDelayMs: options.baseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs,
  };
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op(attempt);
    } catch (e) {
      if (!options.retryable(e)) throw new RetryFailure(e, attempt, false);
      if (attempt >= maxAttempts) throw new RetryFailure(e, attempt, true);
      const delay = Math.floor(random() * backoffCeiling(attempt, policy));
      options.onRetry?.(e, attempt, delay);
      await sleep(delay);
    }
  }
}

/** HTTP statuses that mean "the service could not handle it now": server errors and throttling. */
const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);

/** Error codes (S3's XML `Code`, the SDK's error `name`) that mean throttling or a server-side timeout. */
const TRANSIENT_CODES = new Set([
  'SlowDown', 'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottled', 'TooManyRequestsException',
  'RequestTimeout', 'RequestTimeoutException', 'InternalError', 'ServiceUnavailable', 'ServiceUnavailableException',
  // S3 answers 409 to a conditional write that collided with another request in flight; it asks for a retry
  'ConditionalRequestConflict',
  // the client gave up waiting (connect, request or socket idle timeout)
  'TimeoutError',
]);

/** Socket-level failures: the connection dropped or stalled, so the request may be sent again. */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT',
]);

const TRANSIENT_MESSAGES = /socket hang up|premature close|aborted|other side closed|read ECONNRESET/i;

/** The HTTP status of a failed request, as the AWS SDK and most HTTP clients report it. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { $metadata?: { httpStatusCode?: number }; statusCode?: number; status?: number };
  const s = e.$metadata?.httpStatusCode ?? e.statusCode ?? e.status;
  return typeof s === 'number' ? s : undefined;
}

/** The service's or the socket's error code ('SlowDown', 'NoSuchKey', 'ECONNRESET'), if any. */
export function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { Code?: unknown; code?: unknown; name?: unknown };
  for (const c of [e.Code, e.code, e.name]) {
    if (typeof c === 'string' && c !== '' && c !== 'Error' && !c.endsWith('ServiceException')) return c;
  }
  return undefined;
}

/**
 * Whether a failed call to an HTTP object store is worth retrying: server errors (500, 502, 503, 504),
 * throttling (429, SlowDown), timeouts, and dropped connections. Client errors (4xx) are permanent:
 * repeating a forbidden or malformed request gives the same answer. An error object may also mark
 * itself with `transient: true` (used for a response body that broke off while being read).
 */
export function isTransientError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if ((error as { transient?: unknown }).transient === true) return true;
  const e = error as { code?: unknown; name?: unknown; Code?: unknown; message?: unknown; cause?: unknown };
  // a cancelled operation was stopped on purpose (its message says "aborted" too)
  if (e.name === 'AbortError') return false;
  const status = httpStatusOf(error);
  if (status !== undefined && TRANSIENT_STATUS.has(status)) return true;
  for (const c of [e.Code, e.code, e.name]) {
    if (typeof c === 'string' && (TRANSIENT_CODES.has(c) || TRANSIENT_NETWORK_CODES.has(c))) return true;
  }
  // a known 4xx answer is permanent even if its message happens to mention a timeout
  if (status !== undefined && status >= 400) return false;
  if (typeof e.message === 'string' && TRANSIENT_MESSAGES.test(e.message)) return true;
  return e.cause !== undefined && e.cause !== error && isTransientError(e.cause);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
