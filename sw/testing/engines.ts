import { randomUUID } from 'node:crypto';
import { IDBFactory } from 'fake-indexeddb';
import type { BroadcastMessage, Rejection, Schema } from 'swsync/schema';
import { demoSchema } from '../../demo/schema.ts';
import { createEngine } from '../engine/create-engine.ts';
import type { EngineOptions } from '../engine/options.ts';
import type { SyncEngine } from '../engine/types.ts';
import { board } from './demo-records.ts';

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

/**
 * A board of `user` that another device deleted on the server while `engine` still has it: an
 * update of it is rejected. `endpoint` serves the demo schema.
 *
 * @example
 * const doomed = await deletedElsewhere(engine, user, f.server.endpoint);
 */
export async function deletedElsewhere(
  engine: SyncEngine<typeof demoSchema>,
  user: string,
  endpoint: string,
): Promise<string> {
  const id = randomUUID();
  await engine.create('Board', board(id, user, 'Doomed'));
  await engine.sync();
  const other = await signedInEngine(user, { schema: demoSchema, endpoint });
  await other.engine.sync();
  await other.engine.delete('Board', id);
  const status = await other.engine.sync();
  if (status.pending !== 0 || status.lastError !== null) {
    throw new Error(`the other device did not sync its delete: ${JSON.stringify(status)}`);
  }
  await other.engine.close();
  return id;
}
