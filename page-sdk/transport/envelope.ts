export {
  isRpcEnvelope,
  RPC_ENVELOPE_TAG,
  type RpcEnvelope,
  type RpcReplyPort,
} from 'swsync/schema';

/** A random id; `crypto.randomUUID` needs a secure context, which the fallback may not have. */
export function randomId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
