import type { PokeReason } from 'swsync/schema';

export type { PokeReason };

export interface RealtimeOptions {
  dbName: string;
  /** Base URL of the sync routes; the stream is `${endpoint}/events`. */
  endpoint: string;
  /** The database's account, sent as `?account=` (an EventSource cannot set headers). */
  account?: string;
  /** Asks the engine to pull. Failures are swallowed: the next poke or timer catches up. */
  poke: (reason: PokeReason) => Promise<void>;
  /** Reconnect backoff: first delay and cap (default 1 s, 30 s), with full jitter. */
  backoff?: { baseMs: number; maxMs: number };
  /** Told when this tab takes or gives up the realtime role (for status and tests). */
  onLeader?: (leader: boolean) => void;
  /**
   * Called once with `recheck`, which the caller invokes when the server refused the
   * database's credentials (the engine paused `unauthorized` or `account-mismatch`): the tab
   * holding the stream then opens it again, with the reconnect backoff, so credentials valid
   * again (a sign-in in another tab, a refreshed cookie) are noticed by the stream's `open`
   * and the engine resumes. An open stream was accepted with the credentials of its start, so
   * it alone says nothing about the credentials now. Returns a function that stops watching.
   */
  watchAccess?: (recheck: () => void) => () => void;
}

/** How long a stream must stay open before its end no longer counts as a failure. */
const STABLE_STREAM_MS = 30_000;

/** The Web Lock whose holder owns the origin's realtime stream for one database. */
export const realtimeLockName = (dbName: string) => `swsync:realtime:${dbName}`;

/**
 * Realtime for one database: one tab per origin holds a Web Lock and an `EventSource` on
 * `${endpoint}/events` (same-origin cookies); every `poke` event and every (re)connect asks the
 * engine to pull (pokes may have been missed while disconnected). When the tab closes, the lock
 * and the stream pass to another tab. Every tab also pokes on `online` and on becoming visible.
 * Returns a function that stops all of it (and releases the lock).
 *
 * @example
 * const stop = startRealtime({ dbName, endpoint: '/api/sync', poke: (r) => rpc.call('poke', r) });
 */
export function startRealtime(options: RealtimeOptions): () => void {
  const poke = (reason: PokeReason) => void options.poke(reason).catch(() => undefined);
  const onOnline = () => poke('online');
  const onVisible = () => {
    if (document.visibilityState === 'visible') poke('visible');
  };
  globalThis.addEventListener?.('online', onOnline);
  globalThis.document?.addEventListener('visibilitychange', onVisible);

  const abort = new AbortController();
  let release: (() => void) | undefined;
  const locks = globalThis.navigator?.locks;
  if (locks && typeof EventSource !== 'undefined') {
    locks
      .request(realtimeLockName(options.dbName), { signal: abort.signal }, () => {
        options.onLeader?.(true);
        const stream = holdStream(options, poke);
        const stopWatching = options.watchAccess?.(stream.recheck);
        return new Promise<void>((resolve) => {
          release = () => {
            stopWatching?.();
            stream.stop();
            options.onLeader?.(false);
            resolve();
          };
        });
      })
      .catch(() => undefined);
  }

  return () => {
    abort.abort();
    release?.();
    globalThis.removeEventListener?.('online', onOnline);
    globalThis.document?.removeEventListener('visibilitychange', onVisible);
  };
}

/** Keeps one EventSource open, reconnecting with exponential backoff and full jitter. */
function holdStream(
  options: RealtimeOptions,
  poke: (reason: PokeReason) => void,
): { stop(): void; recheck(): void } {
  const { baseMs, maxMs } = options.backoff ?? { baseMs: 1_000, maxMs: 30_000 };
  const base = `${options.endpoint.replace(/\/$/, '')}/events`;
  const url =
    options.account === undefined
      ? base
      : `${base}${base.includes('?') ? '&' : '?'}account=${encodeURIComponent(options.account)}`;
  let failures = 0;
  let source: EventSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  let openedAt = 0;
  const connect = () => {
    source = new EventSource(url, { withCredentials: true });
    source.addEventListener('open', () => {
      openedAt = Date.now();
      // The server accepted the credentials (for the account, if the database has one): a
      // database paused for want of them (a lost session signed in again, here or in another
      // tab) resumes now; otherwise it is a poke like any other.
      poke('authorized');
    });
    source.addEventListener('poke', () => {
      failures = 0;
      poke('poke');
    });
    // EventSource's own retry is fixed-interval and gives up on HTTP errors: own it instead.
    source.addEventListener('error', () => reconnectLater(true));
  };
  const reconnectLater = (countsAsFailure: boolean) => {
    source?.close();
    source = undefined;
    if (stopped || timer !== undefined) return;
    // Only a stream that lived (or carried a poke) earns a fresh start: one accepted and cut
    // at once (a buffering proxy, a draining instance) must back off like any failure.
    if (countsAsFailure && openedAt > 0 && Date.now() - openedAt >= STABLE_STREAM_MS) failures = 0;
    openedAt = 0;
    const cap = Math.min(maxMs, baseMs * 2 ** failures);
    failures++;
    timer = setTimeout(() => {
      timer = undefined;
      connect();
    }, Math.random() * cap);
  };
  connect();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      source?.close();
    },
    // Backs off like a failure: credentials refused again right after a reopen cannot loop.
    recheck: () => reconnectLater(false),
  };
}
