import { wrap } from 'comlink';
import type { WorkerRpc } from 'swsync/schema';
import { randomId } from './envelope.ts';
import { type ReplySource, workerEndpoint } from './worker-endpoint.ts';

/** One open line to a worker: its RPC object and what identifies the worker behind it. */
export interface RpcLine {
  api: WorkerRpc;
  /** The worker this line reaches; a different `current()` means it was replaced. */
  peer: unknown;
  close(): void;
}

/** How the connection reaches a worker. The one seam between RPC logic and the browser. */
export interface Transport {
  open(): Promise<RpcLine>;
  /** The worker a new line would reach now, to notice a replaced worker before calling. */
  current(): unknown;
}

/** The slice of a ServiceWorkerRegistration the transport uses. */
export interface RegistrationLike {
  readonly active: (ServiceWorker | null) | { postMessage(m: unknown, t: Transferable[]): void };
  readonly installing: ServiceWorker | null;
  readonly waiting: ServiceWorker | null;
}

const REDUNDANT =
  'the Service Worker did not install (it became redundant): its install handler failed; see its console';

/**
 * Resolves with the registration's active worker, waiting for an installing or waiting one to
 * activate. Rejects after `timeoutMs` so a page never waits forever for a broken install.
 */
function activeWorker(
  registration: RegistrationLike,
  timeoutMs: number,
): Promise<NonNullable<RegistrationLike['active']>> {
  if (registration.active) return Promise.resolve(registration.active);
  return new Promise((resolve, reject) => {
    const pending = registration.installing ?? registration.waiting;
    // Nothing installing, waiting or active: the last install failed.
    if (!pending) return reject(new Error(REDUNDANT));
    const check = () => {
      if (registration.active) {
        clearTimeout(timer);
        pending.removeEventListener('statechange', check);
        resolve(registration.active);
      } else if (pending.state === 'redundant') {
        // Say why at once instead of letting every attempt time out.
        clearTimeout(timer);
        pending.removeEventListener('statechange', check);
        reject(new Error(REDUNDANT));
      }
    };
    const timer = setTimeout(() => {
      pending.removeEventListener('statechange', check);
      reject(new Error('no active Service Worker'));
    }, timeoutMs);
    pending.addEventListener('statechange', check);
    check();
  });
}

/**
 * Reaches the registration's active Service Worker: each line is a fresh Comlink proxy on a
 * fresh channel, so replies meant for an abandoned line are never mistaken for new ones.
 *
 * @example
 * const transport = serviceWorkerTransport(await navigator.serviceWorker.register('/sw.js'));
 */
export function serviceWorkerTransport(
  registration: RegistrationLike,
  replies: ReplySource = navigator.serviceWorker,
  activateTimeoutMs = 10_000,
): Transport {
  return {
    current: () => registration.active,
    async open() {
      const worker = await activeWorker(registration, activateTimeoutMs);
      const endpoint = workerEndpoint(worker, replies, randomId());
      return {
        api: wrap<WorkerRpc>(endpoint) as unknown as WorkerRpc,
        peer: worker,
        close: () => endpoint.close(),
      };
    },
  };
}
