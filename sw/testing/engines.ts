import { IDBFactory } from 'fake-indexeddb';
import type { BroadcastMessage, Rejection, Schema } from 'swsync/schema';
import { createEngine } from '../engine/create-engine.ts';
import type { EngineOptions } from '../engine/options.ts';

/**
 * An online engine on its own fake IndexedDB (unless `options` names one), signed in as `user`
 * (the test server's auth reads `x-user`), with every broadcast collected in `messages`.
 *
 * @example
 * const { engine, messages } = await signedInEngine(user, { schema, endpoint: server.endpoint });
 */
export async function signedInEngine<S extends Schema>(user: string, options: EngineOptions<S>) {
  const messages: BroadcastMessage[] = [];
  const engine = await createEngine({
    indexedDB: new IDBFactory(),
    isOnline: () => true,
    onBroadcast: (m) => messages.push(m),
    ...options,
  });
  engine.setHeaders({ 'x-user': user });
  return { engine, messages };
}

/** The rejections among broadcast messages, in order. */
export const rejections = (messages: BroadcastMessage[]): Rejection[] =>
  messages.flatMap((m) => (m.type === 'rejected' ? [m.rejection] : []));
