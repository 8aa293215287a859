import type { SyncStatus } from 'swsync/schema';
import type { Subscribable } from '../live/subscribable.ts';

/** How long after a retry is due the page waits for the worker's own news of it. */
export const RETRY_WAKE_SLACK_MS = 1500;

/**
 * Wakes the engine for its scheduled retry. The browser stops an idle Service Worker after
 * ~30 s, and the retry timer with it: while a page is open, it pokes the worker once the retry
 * is due, unless the worker's status moved on first (the retry ran). A poke before the retry is
 * due would change nothing (the engine holds background triggers until then), so none is sent.
 * Returns a function that stops watching.
 *
 * @example
 * const stop = wakeForRetries(client.status, () => rpc.call('poke', 'poke'));
 */
export function wakeForRetries(
  status: Subscribable<Pick<SyncStatus, 'retry'>>,
  poke: () => Promise<void>,
): () => void {
  let watched: string | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stopStatus = status.subscribe(({ retry }) => {
    const key = retry && `${retry.at}#${retry.attempt}`;
    if (key === watched) return;
    clearTimeout(timer);
    watched = key;
    if (!retry) return;
    // At most 2^31-1 ms: a longer delay fires at once (the engine caps retries at minutes).
    const delay = Math.min(Date.parse(retry.at) - Date.now() + RETRY_WAKE_SLACK_MS, 2 ** 31 - 1);
    timer = setTimeout(() => void poke().catch(() => undefined), Math.max(0, delay));
  });
  return () => {
    clearTimeout(timer);
    stopStatus();
  };
}
