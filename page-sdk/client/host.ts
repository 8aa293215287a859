import type { WorkerRpc } from 'swsync/schema';
import { type PageHost, pageHost } from '../fallback/page-host.ts';
import { serviceWorkerTransport, type Transport } from '../transport/transport.ts';
import type { StatusHolder } from './status.ts';
import type { FallbackReason } from './types.ts';

export interface HostChoice {
  transport: Transport;
  mode: 'service-worker' | 'page';
  reason: FallbackReason | null;
  /** Why registration failed, in the browser's words (e.g. the script threw at evaluation). */
  error: string | null;
  registration?: ServiceWorkerRegistration;
  close(): void;
}

export interface HostOptions {
  dbName: string;
  worker: string;
  workerType: WorkerType;
  forcePage: boolean;
  /** The in-page engine's RPC object, built in the leader tab only. */
  fallback: () => Promise<WorkerRpc> | WorkerRpc;
}

/**
 * Picks where the engine runs: the Service Worker when the browser has one and registration
 * succeeds, else the page (leader tab) — with the reason, for `status`.
 */
export async function chooseHost(options: HostOptions): Promise<HostChoice> {
  const container = globalThis.navigator?.serviceWorker;
  let reason: FallbackReason = options.forcePage ? 'forced' : 'no-service-worker';
  let error: string | null = null;
  if (container && !options.forcePage) {
    try {
      const register = () => container.register(options.worker, { type: options.workerType });
      let registration = await register();
      return {
        transport: serviceWorkerTransport(registration, container, undefined, {
          // An install cut short leaves the page with no worker: register again, not dead.
          reinstall: async () => {
            registration = await register();
            return registration;
          },
        }),
        mode: 'service-worker',
        reason: null,
        error: null,
        get registration() {
          return registration;
        },
        close: () => {},
      };
    } catch (e) {
      reason = 'registration-failed';
      error = `${options.worker}: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  const host: PageHost = pageHost({
    dbName: options.dbName,
    createApi: options.fallback,
  });
  return { transport: host, mode: 'page', reason, error, close: () => host.close() };
}

/** A transport that waits for the host choice before its first line. */
export function deferredTransport(choice: Promise<HostChoice>): Transport {
  let chosen: Transport | undefined;
  void choice.then((c) => {
    chosen = c.transport;
  });
  return {
    current: () => chosen?.current(),
    async open() {
      const { transport } = await choice;
      return transport.open();
    },
  };
}

/**
 * The `'update-worker'` half of the mismatch policy: fetch the newer worker; if it waits
 * (a host that does not skip waiting), let the old one finish its pending work first, then
 * ask the new one to take over with the Workbox convention `{ type: 'SKIP_WAITING' }`. The
 * next call sees `registration.active` change and handshakes again.
 */
export async function updateWorker(
  registration: ServiceWorkerRegistration,
  status: StatusHolder,
): Promise<void> {
  await registration.update();
  const waiting = registration.waiting ?? registration.installing;
  if (!waiting) return;
  await new Promise<void>((resolve) => {
    if (status.current.pending === 0) return resolve();
    const stop = status.source.subscribe((s) => {
      if (s.pending > 0) return;
      queueMicrotask(() => stop());
      resolve();
    });
  });
  (registration.waiting ?? waiting).postMessage({ type: 'SKIP_WAITING' });
}
