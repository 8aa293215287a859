import type { Endpoint } from 'comlink';
import { isRpcEnvelope, RPC_ENVELOPE_TAG, type RpcEnvelope } from './envelope.ts';

/** Where replies arrive: `navigator.serviceWorker`, in practice. */
export interface ReplySource {
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  startMessages?(): void;
}

/** Where requests go: the registration's active worker, in practice. */
export interface RequestTarget {
  postMessage(message: unknown, transfer: Transferable[]): void;
}

export interface WorkerEndpoint extends Endpoint {
  close(): void;
}

/**
 * A Comlink endpoint over `worker.postMessage` (which wakes a stopped Service Worker, unlike a
 * transferred MessagePort) and the container's `message` events. Replies of other channels —
 * an earlier connection of this page, another client — are ignored.
 *
 * @example
 * const endpoint = workerEndpoint(registration.active, navigator.serviceWorker, 'ch-1');
 * const api = wrap<WorkerRpc>(endpoint);
 */
export function workerEndpoint(
  target: RequestTarget,
  replies: ReplySource,
  channel: string,
): WorkerEndpoint {
  const listeners = new Set<EventListenerOrEventListenerObject>();
  let closed = false;
  const onReply = (event: MessageEvent) => {
    const envelope: unknown = event.data;
    if (!isRpcEnvelope(envelope) || envelope.channel !== channel) return;
    const forwarded = { data: envelope.data } as MessageEvent;
    for (const listener of listeners) {
      if (typeof listener === 'function') listener(forwarded);
      else listener.handleEvent(forwarded);
    }
  };
  replies.addEventListener('message', onReply);
  // Messages to the page queue until startMessages() or DOMContentLoaded: start them now.
  replies.startMessages?.();
  return {
    postMessage(data: RpcEnvelope['data'], transfer?: Transferable[]) {
      // A closed line says nothing more: Comlink posts a RELEASE once the line's proxy is
      // garbage-collected, long after the page dropped it.
      if (closed) return;
      const envelope: RpcEnvelope = { tag: RPC_ENVELOPE_TAG, channel, data };
      target.postMessage(envelope, transfer ?? []);
    },
    addEventListener(_type: string, listener: EventListenerOrEventListenerObject) {
      listeners.add(listener);
    },
    removeEventListener(_type: string, listener: EventListenerOrEventListenerObject) {
      listeners.delete(listener);
    },
    close() {
      closed = true;
      replies.removeEventListener('message', onReply);
      listeners.clear();
    },
  };
}
