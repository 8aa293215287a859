import type { Endpoint } from 'comlink';
import {
  isRpcEnvelope,
  RPC_ENVELOPE_TAG,
  type RpcEnvelope,
  type RpcReplyPort,
} from './envelope.ts';
import { type ReplyChannel, replyPorts } from './reply-ports.ts';

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

export interface WorkerEndpointOptions {
  /**
   * Makes the channel whose second port the worker answers on. Default: a `MessageChannel`
   * where there is one; `null`: every reply comes through `replies`.
   */
  replyChannel?: (() => ReplyChannel) | null;
}

const messageChannel =
  typeof MessageChannel === 'function' ? (): ReplyChannel => new MessageChannel() : null;

/**
 * A Comlink endpoint over `worker.postMessage` (which wakes a stopped Service Worker, unlike a
 * transferred MessagePort) and the container's `message` events. Replies of other channels —
 * an earlier connection of this page, another client — are ignored.
 *
 * Replies come faster on a port of our own (see reply-ports.ts): the first request carries
 * one and the worker answers on it. Requests never take it: a port does not wake a stopped
 * worker, and a call on it would hang.
 *
 * @example
 * const endpoint = workerEndpoint(registration.active, navigator.serviceWorker, 'ch-1');
 * const api = wrap<WorkerRpc>(endpoint);
 */
export function workerEndpoint(
  target: RequestTarget,
  replies: ReplySource,
  channel: string,
  options: WorkerEndpointOptions = {},
): WorkerEndpoint {
  const listeners = new Set<EventListenerOrEventListenerObject>();
  let closed = false;
  const deliver = (event: MessageEvent, viaPort: boolean) => {
    const envelope: unknown = event.data;
    if (!isRpcEnvelope(envelope) || envelope.channel !== channel) return;
    const { id } = envelope.data;
    if (!viaPort) ports?.answeredWithoutPort(id, envelope.askPort === true);
    ports?.answered(id);
    const forwarded = { data: envelope.data } as MessageEvent;
    for (const listener of listeners) {
      if (typeof listener === 'function') listener(forwarded);
      else listener.handleEvent(forwarded);
    }
  };
  const makeChannel = options.replyChannel === undefined ? messageChannel : options.replyChannel;
  const ports = makeChannel ? replyPorts(makeChannel, (event) => deliver(event, true)) : null;
  const onReply = (event: MessageEvent) => deliver(event, false);
  replies.addEventListener('message', onReply);
  // Messages to the page queue until startMessages() or DOMContentLoaded: start them now.
  replies.startMessages?.();
  return {
    postMessage(data: RpcEnvelope['data'], transfer?: Transferable[]) {
      // A closed line says nothing more: Comlink posts a RELEASE once the line's proxy is
      // garbage-collected, long after the page dropped it.
      if (closed) return;
      const envelope: RpcEnvelope = { tag: RPC_ENVELOPE_TAG, channel, data };
      const reply = ports?.next(data.id);
      if (reply?.port === undefined) target.postMessage(envelope, transfer ?? []);
      else {
        envelope.replyPort = reply.port as RpcReplyPort;
        target.postMessage(envelope, [...(transfer ?? []), reply.port]);
      }
      reply?.sent();
    },
    addEventListener(_type: string, listener: EventListenerOrEventListenerObject) {
      listeners.add(listener);
    },
    removeEventListener(_type: string, listener: EventListenerOrEventListenerObject) {
      listeners.delete(listener);
    },
    close() {
      closed = true;
      ports?.close();
      replies.removeEventListener('message', onReply);
      listeners.clear();
    },
  };
}
