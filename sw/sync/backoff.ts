/** Retry schedule of failed syncs. */
export interface BackoffOptions {
  /** Upper bound of the first delay (default 1 s). */
  baseMs: number;
  /** No delay exceeds this, except a server's explicit `Retry-After` (default 5 min). */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 300_000 };

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
 * when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/**
 * The next delay after a failure: the server's `Retry-After` when it gave one (it knows its
 * load better than any formula), else the jittered exponential delay.
 */
export function nextRetryDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number,
  retryAfterMs?: number,
): number {
  return retryAfterMs ?? backoffDelay(attempt, options, random);
}
