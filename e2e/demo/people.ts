import { randomUUID } from 'node:crypto';
import type { DemoServer } from '../support/demo-server.ts';

/** A user name no other test uses, signed in on `server`: its token, id and local database. */
export async function newUser(server: DemoServer, prefix: string) {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  const { userId, token } = await server.login(name);
  return { name, userId, token, dbName: `swsync-demo-${userId}` };
}

/** The names of the user's boards, or the titles of its todos, on the server; sorted. */
export async function serverTitles(server: DemoServer, token: string, model: 'Board' | 'Todo') {
  return (await server.serverRecords(token))
    .filter((e) => e.model === model)
    .map((e) => String(model === 'Board' ? e.record?.name : e.record?.title))
    .sort();
}
