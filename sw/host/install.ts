import type { Schema } from 'swsync/schema';
import { clientsClaim } from 'workbox-core';
import { createEngine } from '../engine/index.ts';
import { BackgroundWork } from './background-work.ts';
import { EngineRegistry } from './engines.ts';
import type { EngineFactory } from './hosted-engine.ts';
import { knownDatabases } from './known-databases.ts';
import { serveRpc } from './rpc-endpoint.ts';
import { createWorkerApi } from './worker-api.ts';
import {
  type ExtendableEventLike,
  type SyncEventLike,
  serviceWorkerScope,
} from './worker-scope.ts';

export interface InstallSyncWorkerOptions {
  schema: Schema;
  /** Base URL of the sync routes, resolved against the worker's location. */
  endpoint: string;
  /** Creates an engine per local database; `createEngine` from this package by default. */
  createEngine?: EngineFactory;
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
  /** Delay that lets a burst of writes leave in one push (default 5 ms). */
  writeDebounceMs?: number;
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
  const work = new BackgroundWork();
  const requestBackgroundSync = () =>
    void scope.registration.sync?.register(tag).catch(() => undefined);
  const registry = new EngineRegistry({
    schema: options.schema,
    endpoint: options.endpoint,
    createEngine: options.createEngine ?? createEngine,
    known: knownDatabases(),
    // Where the browser has no Background Sync, start-up, pokes, `online` and the timer carry on.
    onRetryableFailure: requestBackgroundSync,
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

  serveRpc(
    createWorkerApi({
      registry,
      work,
      schemaHash: options.schema.hash,
      writeDebounceMs: options.writeDebounceMs ?? 5,
      requestBackgroundSync,
    }),
    { scope },
  );
  // Registered after serveRpc's listener, so work a call started is already tracked.
  scope.addEventListener('message', (event) =>
    (event as ExtendableEventLike).waitUntil?.(work.settled()),
  );

  scope.addEventListener('sync', (event) => {
    const sync = event as SyncEventLike;
    if (sync.tag !== tag) return;
    sync.waitUntil(backgroundSync(sync.lastChance));
  });

  const syncAll = (reason: string) =>
    work.run(async () => {
      for (const engine of await registry.all()) await engine.sync(reason);
    });

  // Rejecting asks the browser to fire the event again later; on the last chance the other
  // triggers (start-up, pokes, online, timer) take the remaining work.
  async function backgroundSync(lastChance: boolean) {
    await syncAll('background-sync');
    const statuses = await Promise.all((await registry.all()).map((e) => e.status()));
    const unfinished = statuses.some((s) => s.pending > 0 && s.paused === null);
    if (unfinished && !lastChance) throw new Error('outbox not drained; retry later');
  }

  for (const [type, online] of [
    ['online', true],
    ['offline', false],
  ] as const) {
    scope.addEventListener(type, () => {
      void registry.all().then((engines) => {
        for (const engine of engines) engine.setOnline(online);
        if (online) void syncAll('online');
      });
    });
  }

  void syncAll('startup');
  setInterval(async () => {
    const pages = await scope.clients.matchAll({ type: 'window' });
    if (pages.length > 0) void syncAll('timer');
  }, options.intervalMs ?? 30_000);
}
