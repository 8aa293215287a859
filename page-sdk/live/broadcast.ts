import { type BroadcastMessage, broadcastChannelName } from 'swsync/schema';

/**
 * Listens to the engine's BroadcastChannel for one database. Messages that are not one of the
 * `BroadcastMessage` shapes are ignored.
 *
 * @example
 * const stop = listenBroadcasts('user-1', (m) => m.type === 'change' && refresh(m.model));
 */
export function listenBroadcasts(
  dbName: string,
  onMessage: (message: BroadcastMessage) => void,
): () => void {
  if (typeof BroadcastChannel === 'undefined') return () => {};
  const channel = new BroadcastChannel(broadcastChannelName(dbName));
  channel.onmessage = (event: MessageEvent) => {
    const message: unknown = event.data;
    if (isBroadcastMessage(message)) onMessage(message);
  };
  return () => channel.close();
}

function isBroadcastMessage(data: unknown): data is BroadcastMessage {
  if (typeof data !== 'object' || data === null) return false;
  const m = data as Partial<BroadcastMessage> & Record<string, unknown>;
  if (m.type === 'change') return typeof m.model === 'string' && Array.isArray(m.keys);
  if (m.type === 'status') return typeof m.status === 'object' && m.status !== null;
  if (m.type === 'rejected') return typeof m.rejection === 'object' && m.rejection !== null;
  if (m.type === 'invalidate') return true;
  return false;
}
