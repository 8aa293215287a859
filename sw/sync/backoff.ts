/** Retry schedule of failed syncs. */
export interface BackoffOptions {
  /** Upper bound of the first delay (default 1 s). */
  baseMs: number;
  /** No delay exceeds this, a server's `Retry-After` included (default 5 min). */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 300_000 };

/**
 * The longest delay `setTimeout` takes: beyond 2^31-1 ms browsers and Node fire after ~1 ms
 * instead (a `Retry-After: 2147484` became a retry storm that way).
 */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * A delay `setTimeout` honours: within [0, {@link MAX_TIMER_MS}]; NaN is 0, +Infinity the maximum.
 *
 * @example
 * timerDelay(2_147_484_000); // 2_147_483_647
 */
export function timerDelay(ms: number): number {
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}

/**
 * Exponential backoff with full jitter: a uniform delay in `[0, min(cap, base * 2^(attempt-1)))`
 * — jitter spreads clients that failed together so they do not come back together.
 * `attempt` counts consecutive failures from 1; `random` returns a number in [0, 1).
 *
 * @example
 * backoffDelay(3, DEFAULT_BACKOFF, Math.random); // somewhere in [0, 4000)
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number,
): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * The delay a `Retry-After` header asks for, in ms: delta-seconds or an HTTP date. Undefined
 * when absent or unreadable. May be huge (a server's word): {@link nextRetryDelay} caps it.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  // A header sent twice arrives joined ("30, 30"): the first value counts. (An HTTP date has a
  // comma of its own, so only lists of delta-seconds are split.)
  const seconds = /^(\d+)(\s*,\s*\d+)*$/.exec(trimmed);
  if (seconds) return Number(seconds[1]) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/**
 * The next delay after a failure: the jittered exponential delay, never shorter than the
 * server's `Retry-After` (it knows its load better than any formula; a `Retry-After: 0` must not
 * turn into a tight loop either), and never longer than `capMs` — a `Retry-After` included, so a
 * wrong or hostile header cannot park the queue for days (or overflow a timer).
 *
 * @example
 * nextRetryDelay(1, DEFAULT_BACKOFF, () => 0.5, 30_000); // 30_000
 * nextRetryDelay(1, DEFAULT_BACKOFF, () => 0.5, 2_147_484_000); // 300_000
 */
export function nextRetryDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number,
  retryAfterMs?: number,
): number {
  const jittered = backoffDelay(attempt, options, random);
  const delay = Math.max(jittered, retryAfterMs ?? 0);
  return Math.min(timerDelay(delay), options.capMs);
}
