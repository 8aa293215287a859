import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF, nextRetryDelay, parseRetryAfter } from './backoff.ts';

describe('backoff', () => {
  it('doubles the jitter ceiling from 1 s up to the 5 min cap', () => {
    const top = () => 0.999_999;
    const ceilings = [1, 2, 3, 4, 9, 10, 20].map((a) => backoffDelay(a, DEFAULT_BACKOFF, top));
    expect(ceilings).toEqual([999, 1999, 3999, 7999, 255_999, 299_999, 299_999]);
    expect(backoffDelay(5, DEFAULT_BACKOFF, () => 0)).toBe(0);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.5)).toBe(2000);
  });

  it('reads Retry-After as seconds or a date, and prefers it', () => {
    expect(parseRetryAfter('7', 0)).toBe(7000);
    expect(parseRetryAfter(new Date(60_000).toUTCString(), 0)).toBe(60_000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
    expect(nextRetryDelay(3, DEFAULT_BACKOFF, () => 0.5, 12_000)).toBe(12_000);
  });
});
