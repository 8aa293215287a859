import { wrap } from 'comlink';
import type { WorkerRpc } from 'swsync/schema';
import { randomId } from './envelope.ts';
import { type ReplySource, workerEndpoint } from './worker-endpoint.ts';

/** One open line to a worker: its RPC object and what identifies the worker behind it. */
export interface RpcLine {
  api: WorkerRpc;
  /** The worker this line reaches; a different `current()` means it was replaced. */
  peer: unknown;
  /**
   * Settles once the worker behind the line can no longer answer (it became redundant): calls
   * still waiting on it are lost, and need not wait out their timeout. Absent: never known.
   */
  lost?: Promise<void>;
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

/** A worker an update replaced, or whose install failed: it answers nothing more. */
const isRedundant = (worker: object) => (worker as { state?: string }).state === 'redundant';

/**
 * Resolves with the registration's active worker, waiting for an installing or waiting one to
 * activate. Rejects after `timeoutMs` so a page never waits forever for a broken install.
 */
function activeWorker(
  registration: RegistrationLike,
  timeoutMs: number,
): Promise<NonNullable<RegistrationLike['active']>> {
  // A redundant active worker was replaced (an update took over): the page hears of that
  // before `registration.active` shows the successor. A line to it would be lost at once, and
  // every attempt of a call would be spent on it in a moment: wait for the successor instead.
  const usable = () => {
    const { active } = registration;
    return active && !isRedundant(active) ? active : null;
  };
  const now = usable();
  if (now) return Promise.resolve(now);
  const replaced = registration.active !== null;
  return new Promise((resolve, reject) => {
    const pending = registration.installing ?? registration.waiting;
    // Nothing installing, waiting or active: the last install failed.
    if (!pending && !replaced) return reject(new Error(REDUNDANT));
    const done = () => {
      clearTimeout(timer);
      clearInterval(poll);
      pending?.removeEventListener('statechange', check);
    };
    const check = () => {
      const active = usable();
      if (active) {
        done();
        resolve(active);
      } else if (pending && isRedundant(pending)) {
        // Say why at once instead of letting every attempt time out.
        done();
        reject(new Error(REDUNDANT));
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error('no active Service Worker'));
    }, timeoutMs);
    // Replaced with no successor in sight yet: the registration's attributes change without an
    // event of their own, so look again shortly (bounded by the timer above).
    const poll = pending ? undefined : setInterval(check, 20);
    pending?.addEventListener('statechange', check);
    check();
  });
}

/**
 * Settles when `worker` turns redundant. A worker being replaced (an update took over) drops
 * the messages it has not answered yet, so the calls on its line retry on its successor at
 * once instead of after their timeout.
 */
function whenRedundant(worker: NonNullable<RegistrationLike['active']>): {
  promise: Promise<void>;
  stop(): void;
} {
  if (!('addEventListener' in worker)) return { promise: new Promise(() => {}), stop: () => {} };
  let stop = () => {};
  const promise = new Promise<void>((resolve) => {
    const check = () => {
      if (!isRedundant(worker)) return;
      stop();
      resolve();
    };
    stop = () => worker.removeEventListener('statechange', check);
    worker.addEventListener('statechange', check);
    check();
  });
  return { promise, stop };
}

/** What `serviceWorkerTransport` does when the registration is left with no worker at all. */
export interface ReinstallOptions {
  /**
   * Registers the worker again (`() => navigator.serviceWorker.register(url)`) and resolves
   * with the registration, which the transport uses from then on (a first install that fails
   * clears its registration, so the browser makes a new one). Called when an install failed or
   * was cut short (the worker stopped mid-install, the network dropped), which leaves the
   * registration empty until the page reloads. Default: none, such a page stays unreachable
   * and every call rejects at once.
   */
  reinstall?: () => Promise<RegistrationLike>;
  /** At most one reinstall per this many ms, so a worker that cannot install is not hammered. Default 10 000. */
  reinstallEveryMs?: number;
}

/**
 * Reaches the registration's active Service Worker: each line is a fresh Comlink proxy on a
 * fresh channel, so replies meant for an abandoned line are never mistaken for new ones.
 * `activateTimeoutMs` (default 10 s) bounds the wait for an installing worker to activate; an
 * empty registration is registered again through `reinstall`, when given.
 *
 * @example
 * const transport = serviceWorkerTransport(await navigator.serviceWorker.register('/sw.js'));
 */
export function serviceWorkerTransport(
  initial: RegistrationLike,
  replies: ReplySource = navigator.serviceWorker,
  activateTimeoutMs = 10_000,
  options: ReinstallOptions = {},
): Transport {
  let registration = initial;
  let lastReinstall = Number.NEGATIVE_INFINITY;
  let reinstalling: Promise<void> | undefined;
  const empty = () => !registration.active && !registration.installing && !registration.waiting;
  return {
    current: () => registration.active,
    async open() {
      const every = options.reinstallEveryMs ?? 10_000;
      if (options.reinstall && !reinstalling && empty() && Date.now() - lastReinstall >= every) {
        lastReinstall = Date.now();
        reinstalling = options
          .reinstall()
          .then(
            (registered) => {
              registration = registered;
            },
            (error: unknown) => {
              throw new Error(`registering the Service Worker again failed: ${String(error)}`);
            },
          )
          .finally(() => {
            reinstalling = undefined;
          });
      }
      // A reinstall under way (one whose caller gave up on a slow script, say) is waited for:
      // until it answers, the registration only looks empty.
      if (reinstalling) await reinstalling;
      const worker = await activeWorker(registration, activateTimeoutMs);
      const endpoint = workerEndpoint(worker, replies, randomId());
      const redundancy = whenRedundant(worker);
      return {
        api: wrap<WorkerRpc>(endpoint) as unknown as WorkerRpc,
        peer: worker,
        lost: redundancy.promise,
        close: () => {
          redundancy.stop();
          endpoint.close();
        },
      };
    },
  };
}
