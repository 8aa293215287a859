import type { WorkerRpc } from 'swsync/schema';
import { randomId } from '../transport/envelope.ts';
import type { Transport } from '../transport/transport.ts';

type Method = keyof WorkerRpc;

type HostMessage =
  | { type: 'request'; id: string; from: string; method: Method; args: unknown[] }
  | { type: 'response'; id: string; to: string; ok: true; value: unknown }
  | {
      type: 'response';
      id: string;
      to: string;
      ok: false;
      error: { message: string; code?: unknown; details?: unknown };
    }
  | { type: 'leader'; leader: string };

export interface PageHostOptions {
  dbName: string;
  /** Builds the in-page engine's RPC object; runs only in the leader tab. */
  createApi: () => Promise<WorkerRpc> | WorkerRpc;
  onLeader?: (leader: boolean) => void;
}

export interface PageHost extends Transport {
  close(): void;
}

export const engineLockName = (dbName: string) => `swsync:engine:${dbName}`;

/**
 * The no-Service-Worker host: the tab holding the Web Lock `swsync:engine:<db>` runs the engine
 * in the page; other tabs forward their calls to it over a BroadcastChannel (request/response,
 * matched by id). When the leader closes, the lock passes on; callers time out, re-handshake
 * with the new leader and retry (every call is idempotent). Without Web Locks the tab leads.
 *
 * @example
 * const host = pageHost({ dbName, createApi: () => pageEngine({ schema, endpoint }) });
 */
export function pageHost(options: PageHostOptions): PageHost {
  const tabId = randomId();
  const channel = new BroadcastChannel(`swsync-page-host:${options.dbName}`);
  const abort = new AbortController();
  const waiting = new Map<string, { resolve(v: unknown): void; reject(e: unknown): void }>();
  let api: Promise<WorkerRpc> | undefined;
  let leader: string | undefined;
  let release: (() => void) | undefined;
  let elected: () => void = () => {};
  const electedOnce = new Promise<void>((resolve) => {
    elected = resolve;
  });

  const becomeLeader = () => {
    leader = tabId;
    elected();
    api = Promise.resolve(options.createApi());
    options.onLeader?.(true);
    channel.postMessage({ type: 'leader', leader: tabId } satisfies HostMessage);
  };

  channel.onmessage = async (event: MessageEvent<HostMessage>) => {
    const message = event.data;
    if (message.type === 'leader') {
      leader = message.leader;
    } else if (message.type === 'request' && api && leader === tabId) {
      const reply = (body: Partial<HostMessage>) =>
        channel.postMessage({ type: 'response', id: message.id, to: message.from, ...body });
      try {
        const target = await api;
        const fn = target[message.method] as (...a: unknown[]) => Promise<unknown>;
        reply({ ok: true, value: await fn.apply(target, message.args) });
      } catch (e) {
        const err = e as Error & { code?: unknown; details?: unknown };
        reply({ ok: false, error: { message: err.message, code: err.code, details: err.details } });
      }
    } else if (message.type === 'response' && message.to === tabId) {
      const call = waiting.get(message.id);
      waiting.delete(message.id);
      if (!call) return;
      if (message.ok) call.resolve(message.value);
      else call.reject(Object.assign(new Error(message.error.message), message.error));
    }
  };

  const locks = globalThis.navigator?.locks;
  if (locks) {
    locks
      .request(engineLockName(options.dbName), { signal: abort.signal }, () => {
        becomeLeader();
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      })
      .catch(() => undefined);
  } else {
    becomeLeader();
  }

  const forward = new Proxy({} as WorkerRpc, {
    get:
      (_target, method: string) =>
      (...args: unknown[]) =>
        new Promise((resolve, reject) => {
          const id = randomId();
          waiting.set(id, { resolve, reject });
          channel.postMessage({
            type: 'request',
            id,
            from: tabId,
            method: method as Method,
            args,
          } satisfies HostMessage);
        }),
  });

  return {
    // A new leader means a new line: the connection re-handshakes on the change.
    current: () => leader ?? 'none',
    async open() {
      // An uncontended lock is granted within milliseconds: give it that long before
      // concluding that another tab leads, so the leader's first call does not go astray.
      if (leader !== tabId)
        await Promise.race([electedOnce, new Promise((r) => setTimeout(r, 250))]);
      if (leader === tabId && api) return { api: await api, peer: tabId, close: () => {} };
      // Not the leader (or not yet known): forward calls over the channel to whichever tab leads.
      return { api: forward, peer: leader ?? 'none', close: () => {} };
    },
    close() {
      abort.abort();
      release?.();
      channel.close();
      for (const call of waiting.values()) call.reject(new Error('closed'));
      waiting.clear();
    },
  };
}
