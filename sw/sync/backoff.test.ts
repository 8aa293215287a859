import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  DEFAULT_BACKOFF,
  MAX_TIMER_MS,
  nextRetryDelay,
  parseRetryAfter,
  timerDelay,
} from './backoff.ts';

describe('backoff', () => {
  it('doubles the jitter ceiling from 1 s up to the 5 min cap', () => {
    const top = () => 0.999_999;
    const ceilings = [1, 2, 3, 4, 9, 10, 20].map((a) => backoffDelay(a, DEFAULT_BACKOFF, top));
    expect(ceilings).toEqual([999, 1999, 3999, 7999, 255_999, 299_999, 299_999]);
    expect(backoffDelay(5, DEFAULT_BACKOFF, () => 0)).toBe(0);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.5)).toBe(2000);
  });

  it('never goes past the cap, a huge Retry-After included, and never under a Retry-After', () => {
    const half = () => 0.5;
    // 2147484 s is past setTimeout's 2^31-1 ms: it would have fired after 1 ms.
    const huge = parseRetryAfter('2147484', 0)!;
    expect(huge).toBeGreaterThan(MAX_TIMER_MS);
    expect(nextRetryDelay(1, DEFAULT_BACKOFF, half, huge)).toBe(300_000);
    expect(nextRetryDelay(1, DEFAULT_BACKOFF, half, parseRetryAfter('9'.repeat(400), 0))).toBe(
      300_000,
    );
    // Retry-After: 0 is no reason for a tight loop: the jittered delay still applies.
    expect(nextRetryDelay(4, DEFAULT_BACKOFF, half, 0)).toBe(4000);
    expect(nextRetryDelay(4, DEFAULT_BACKOFF, half, 30_000)).toBe(30_000);
    expect(nextRetryDelay(30, { baseMs: 1000, capMs: 10_000 }, half, 60_000)).toBe(10_000);
  });

  it('clamps any delay to what setTimeout honours', () => {
    expect(timerDelay(2_147_484_000)).toBe(MAX_TIMER_MS);
    expect(timerDelay(Number.POSITIVE_INFINITY)).toBe(MAX_TIMER_MS);
    expect(timerDelay(Number.NaN)).toBe(0);
    expect(timerDelay(-5)).toBe(0);
    expect(timerDelay(1500)).toBe(1500);
  });

  it('reads Retry-After as seconds or a date, and prefers it', () => {
    expect(parseRetryAfter('7', 0)).toBe(7000);
    expect(parseRetryAfter(new Date(60_000).toUTCString(), 0)).toBe(60_000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    // Sent twice, joined by Headers.get: the first counts; a date keeps its own comma.
    expect(parseRetryAfter('30, 30', 0)).toBe(30_000);
    expect(parseRetryAfter('30,5', 0)).toBe(30_000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:01:00 GMT', 0)).toBe(60_000);
    expect(parseRetryAfter(null, 0)).toBeUndefined();
    expect(nextRetryDelay(3, DEFAULT_BACKOFF, () => 0.5, 12_000)).toBe(12_000);
  });
});
