import type { ScheduledRetry, SyncStatus } from 'swsync/schema';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSource } from '../live/subscribable.ts';
import { RETRY_WAKE_SLACK_MS, wakeForRetries } from './retry-wake.ts';

describe('wakeForRetries', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse('2026-11-29T23:00:00.000Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const retryIn = (ms: number, attempt = 1): ScheduledRetry => ({
    at: new Date(Date.now() + ms).toISOString(),
    attempt,
    reason: 'HTTP 503: unavailable',
  });

  it('pokes once a retry is due and the worker said nothing since, and only then', () => {
    const status = createSource<Pick<SyncStatus, 'retry'>>({ retry: null });
    let pokes = 0;
    const stop = wakeForRetries(status, async () => void pokes++);
    status.next({ retry: retryIn(8000) });
    // The same retry broadcast again (a pending count changed) does not restart the wait.
    vi.advanceTimersByTime(4000);
    status.next({ retry: { ...status.getSnapshot()!.retry! } });
    vi.advanceTimersByTime(4000 + RETRY_WAKE_SLACK_MS - 1);
    expect(pokes).toBe(0);
    vi.advanceTimersByTime(1);
    expect(pokes).toBe(1);
    vi.advanceTimersByTime(600_000);
    expect(pokes).toBe(1);

    // The worker ran the retry itself (a new one, or success) before the wake: no poke.
    status.next({ retry: retryIn(2000, 2) });
    vi.advanceTimersByTime(2000);
    status.next({ retry: null });
    vi.advanceTimersByTime(600_000);
    expect(pokes).toBe(1);

    // A retry beyond what a timer can hold never fires at once.
    status.next({ retry: retryIn(40 * 24 * 3600_000, 3) });
    vi.advanceTimersByTime(60_000);
    expect(pokes).toBe(1);
    stop();
  });
});
