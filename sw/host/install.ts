// The module alone: workbox-core's index also loads its logger, which reads process.env.NODE_ENV
// and `self` at load, so it would break plain Node imports and bundles built without a define.
import { clientsClaim } from 'workbox-core/clientsClaim.js';
import { timerDelay } from '../sync/backoff.ts';
import { serveRpc } from './rpc-endpoint.ts';
import { createSyncHost, type SyncHostOptions } from './sync-host.ts';
import {
  type ExtendableEventLike,
  type SyncEventLike,
  serviceWorkerScope,
} from './worker-scope.ts';

export interface InstallSyncWorkerOptions extends Omit<SyncHostOptions, 'requestBackgroundSync'> {
  /**
   * Activate a new worker at once (default `true`). Safe because all state lives in IndexedDB
   * and pushes are idempotent; pages of an older protocol learn of the change at their next
   * handshake and are asked to reload.
   */
  skipWaiting?: boolean;
  /** Background Sync tag (default `'swsync'`). */
  syncTag?: string;
  /** Sync period while pages are open (default 30 s). */
  intervalMs?: number;
}

/**
 * Turns the calling Service Worker into the origin's sync engine host.
 *
 * @example
 * // sw.ts
 * installSyncWorker({ schema, endpoint: '/api/sync' });
 */
export function installSyncWorker(options: InstallSyncWorkerOptions): void {
  const scope = serviceWorkerScope();
  const tag = options.syncTag ?? 'swsync';
  const host = createSyncHost({
    ...options,
    // Where the browser has no Background Sync, start-up, pokes, `online` and the timer carry on.
    requestBackgroundSync: () => void scope.registration.sync?.register(tag).catch(() => undefined),
  });

  if (options.skipWaiting ?? true) {
    scope.addEventListener('install', () => void scope.skipWaiting());
  }
  // With `skipWaiting: false`, a newer page activates the waiting worker once its outbox is
  // drained (the page SDK's version policy).
  scope.addEventListener('message', (event) => {
    const data = (event as MessageEvent).data as { type?: unknown } | null;
    if (data?.type === 'SKIP_WAITING') void scope.skipWaiting();
  });
  clientsClaim();

  serveRpc(host.rpc, { scope });
  // Registered after serveRpc's listener, so work a call started is already tracked.
  scope.addEventListener('message', (event) =>
    (event as ExtendableEventLike).waitUntil?.(host.work.settled()),
  );

  // A sync event is a background trigger like any other: during an engine's backoff it does not
  // reach the server (the engine's gate). Rejecting asks the browser to fire it again after its
  // own delay (Chromium: 5 min, then 15 min, 3 tries at most), never at once, so it is a
  // wake-up for a worker with no page left rather than a loop; on the last chance the other
  // triggers (start-up, pokes, online, timer) take the remaining work.
  scope.addEventListener('sync', (event) => {
    const sync = event as SyncEventLike;
    if (sync.tag !== tag) return;
    sync.waitUntil(
      (async () => {
        await host.syncAll('background-sync');
        const unfinished = (await host.statuses()).some((s) => s.pending > 0 && s.paused === null);
        if (unfinished && !sync.lastChance) throw new Error('outbox not drained; retry later');
      })(),
    );
  });

  // Engines read `navigator.onLine` themselves; the event only makes the retry immediate when
  // the engine saw the device offline before (a real network change).
  scope.addEventListener('online', () => void host.syncAll('online'));

  void host.syncAll('startup');
  setInterval(
    async () => {
      const pages = await scope.clients.matchAll({ type: 'window' });
      if (pages.length > 0) void host.syncAll('timer');
    },
    // Clamped: an interval past 2^31-1 ms would tick every millisecond.
    timerDelay(options.intervalMs ?? 30_000),
  );
}
