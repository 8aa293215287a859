/**
 * The RPC envelope shared with the worker's `serveRpc` (`sw/host/rpc-endpoint.ts`, which holds
 * the other copy: the page SDK and the worker host never import each other). A request goes
 * out through `registration.active.postMessage`; the reply comes back on
 * `navigator.serviceWorker` with the same `channel`.
 */
export const RPC_ENVELOPE_TAG = 'swsync-rpc';

export interface RpcEnvelope {
  tag: typeof RPC_ENVELOPE_TAG;
  channel: string;
  data: { id?: string } & Record<string, unknown>;
}

export function isRpcEnvelope(data: unknown): data is RpcEnvelope {
  if (typeof data !== 'object' || data === null) return false;
  const envelope = data as Partial<RpcEnvelope>;
  return (
    envelope.tag === RPC_ENVELOPE_TAG &&
    typeof envelope.channel === 'string' &&
    typeof envelope.data === 'object' &&
    envelope.data !== null
  );
}

/** A random id; `crypto.randomUUID` needs a secure context, which the fallback may not have. */
export function randomId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
