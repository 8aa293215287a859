/**
 * The slice of the Service Worker global scope the host uses. The project compiles against the
 * DOM library (pages and workers share code), which has no ServiceWorkerGlobalScope, so the
 * host names exactly what it relies on here.
 */
export interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
}

export interface SyncEventLike extends ExtendableEventLike {
  readonly tag: string;
  readonly lastChance: boolean;
}

export interface WorkerClients {
  matchAll(options?: { type?: 'window' | 'all' }): Promise<readonly unknown[]>;
}

export interface ServiceWorkerScopeLike extends EventTarget {
  readonly clients: WorkerClients;
  readonly registration: {
    readonly sync?: { register(tag: string): Promise<void> };
  };
  readonly location: { readonly origin: string };
  skipWaiting(): Promise<void>;
}

/**
 * The global scope, typed as a Service Worker's.
 * @throws Error outside a Service Worker (no `skipWaiting`), naming `createSyncHost` instead.
 */
export function serviceWorkerScope(): ServiceWorkerScopeLike {
  const scope = globalThis as unknown as Partial<ServiceWorkerScopeLike>;
  if (typeof scope.skipWaiting !== 'function' || typeof scope.addEventListener !== 'function') {
    throw new Error(
      'installSyncWorker runs only in a Service Worker; elsewhere host the engine with createSyncHost',
    );
  }
  return scope as ServiceWorkerScopeLike;
}
