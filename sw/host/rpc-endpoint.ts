import { type Endpoint, expose, transferHandlers } from 'comlink';
import { isRpcEnvelope, RPC_ENVELOPE_TAG, type RpcEnvelope } from 'swsync/schema';
import { timerDelay } from '../sync/backoff.ts';

/** What a request's source must offer for the reply: a window Client, in practice. */
interface ReplyTarget {
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

/** The slice of an ExtendableMessageEvent the endpoint reads. */
interface WorkerMessageEvent extends Event {
  readonly data: unknown;
  readonly origin: string;
  readonly source: unknown;
  waitUntil?(promise: Promise<unknown>): void;
}

/** The slice of the Service Worker global scope the endpoint needs. */
export interface RpcScope extends EventTarget {
  readonly location: { readonly origin: string };
}

export interface ServeRpcOptions {
  /** Default: the global scope (only meaningful inside a Service Worker). */
  scope?: RpcScope;
  /** Origins whose pages may call. Default: the worker's own origin only. */
  allowedOrigins?: readonly (string | RegExp)[];
  /** How long one call may keep the worker alive through `waitUntil` (default 60 s). */
  maxCallMs?: number;
}

interface PendingCall {
  source: ReplyTarget;
  channel: string;
  done: () => void;
}

function isReplyTarget(source: unknown): source is ReplyTarget {
  return (
    typeof source === 'object' &&
    source !== null &&
    typeof (source as ReplyTarget).postMessage === 'function'
  );
}

function originAllowed(allowed: readonly (string | RegExp)[], origin: string): boolean {
  return allowed.some((entry) =>
    typeof entry === 'string' ? entry === origin : entry.test(origin),
  );
}

/**
 * Errors keep their stable `code` and typed `details` across the wire; the stack stays in the
 * worker (no stack trace reaches a client). Comlink's page side rebuilds an Error carrying
 * every serialized property, so `code` survives without a page-side handler.
 */
function installErrorHandler(): void {
  const original = transferHandlers.get('throw');
  if (!original) return;
  transferHandlers.set('throw', {
    canHandle: original.canHandle,
    serialize(thrown: unknown) {
      const { value } = thrown as { value: unknown };
      if (!(value instanceof Error)) return original.serialize(thrown);
      const { code, details } = value as Error & { code?: unknown; details?: unknown };
      const plain = { message: value.message, name: value.name, code, details };
      return [{ isError: true, value: plain }, []];
    },
    deserialize: original.deserialize,
  });
}

/**
 * Serves `api` to the origin's pages over Comlink, one reply per request routed back to the
 * client that sent it. Messages from other origins, without a source, or outside the RPC
 * envelope are ignored (default deny). Each call keeps the worker alive until it answered.
 * Returns a function that stops serving.
 *
 * @example
 * // sw.ts
 * const stop = serveRpc(workerApi, { scope: self });
 */
export function serveRpc<T extends object>(api: T, options: ServeRpcOptions = {}): () => void {
  const scope = options.scope ?? (globalThis as unknown as RpcScope);
  const allowed = options.allowedOrigins ?? [scope.location.origin];
  const maxCallMs = timerDelay(options.maxCallMs ?? 60_000);
  const pending = new Map<string, PendingCall>();
  const listeners = new Set<EventListenerOrEventListenerObject>();
  installErrorHandler();

  const onMessage = (event: Event) => {
    const message = event as WorkerMessageEvent;
    if (!isRpcEnvelope(message.data)) return;
    if (!originAllowed(allowed, message.origin)) return;
    if (!isReplyTarget(message.source)) return;
    const { channel, data } = message.data;
    const id = data.id as string;
    if (data.type === 'RELEASE') {
      // A page's proxy was released (or garbage-collected) on its line. Comlink's expose would
      // stop listening on the endpoint, and ours is shared by every page: each page's line
      // ends with its page, so only the acknowledgement is due.
      const reply = { id, type: 'RAW', value: undefined };
      const envelope: RpcEnvelope = { tag: RPC_ENVELOPE_TAG, channel, data: reply };
      message.source.postMessage(envelope, []);
      return;
    }
    let done = () => {};
    const answered = new Promise<void>((resolve) => {
      // A call that never answers must not pin the worker forever.
      const timer = setTimeout(resolve, maxCallMs);
      done = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    message.waitUntil?.(answered);
    pending.set(id, { source: message.source, channel, done });
    // Comlink's own origin check is bypassed on purpose: the check above already ran.
    const forwarded = { data, origin: '*' } as unknown as MessageEvent;
    for (const listener of listeners) {
      if (typeof listener === 'function') listener(forwarded);
      else listener.handleEvent(forwarded);
    }
  };

  const endpoint: Endpoint = {
    postMessage(reply: { id?: string }, transfer?: Transferable[]) {
      const call = reply.id === undefined ? undefined : pending.get(reply.id);
      if (!call || reply.id === undefined) return;
      pending.delete(reply.id);
      const envelope: RpcEnvelope = { tag: RPC_ENVELOPE_TAG, channel: call.channel, data: reply };
      try {
        call.source.postMessage(envelope, transfer ?? []);
      } finally {
        call.done();
      }
    },
    addEventListener(_type: string, listener: EventListenerOrEventListenerObject) {
      listeners.add(listener);
    },
    removeEventListener(_type: string, listener: EventListenerOrEventListenerObject) {
      listeners.delete(listener);
    },
  };

  expose(api, endpoint);
  scope.addEventListener('message', onMessage);
  return () => {
    scope.removeEventListener('message', onMessage);
    listeners.clear();
    for (const call of pending.values()) call.done();
    pending.clear();
  };
}
