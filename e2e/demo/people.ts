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

/**
 * Pushes a board named `name` with `count` todos titled `title(i)` ("Item 0"… by default, in
 * order), as another device of the user would have made them, 100 per push; returns the
 * board's id.
 *
 * @example
 * const boardId = await seedBoard(server(), user, 'Big', 1_000);
 */
export async function seedBoard(
  server: DemoServer,
  user: { token: string; userId: string },
  name: string,
  count: number,
  title: (i: number) => string = (i) => `Item ${i}`,
): Promise<string> {
  const boardId = `${name.toLowerCase()}-${user.userId}`;
  const at = (i: number) => new Date(Date.parse('2026-01-01T00:00:00.000Z') + i).toISOString();
  const event = (entityType: string, payload: Record<string, unknown>) => ({
    id: randomUUID(),
    entityType,
    operation: 'create' as const,
    payload,
    createdAt: new Date().toISOString(),
  });
  const pushed = async (events: ReturnType<typeof event>[]) => {
    const results = await server.push(user.token, events);
    const failed = results.find((r) => r.error !== null);
    if (failed) throw new Error(`seedBoard: ${JSON.stringify(failed.error)}`);
  };
  await pushed([event('Board', { id: boardId, name, userId: user.userId, createdAt: at(0) })]);
  for (let from = 0; from < count; from += 100) {
    const todos = Array.from({ length: Math.min(100, count - from) }, (_, i) =>
      event('Todo', {
        id: `${boardId}-${from + i}`,
        boardId,
        title: title(from + i),
        done: false,
        createdAt: at(from + i + 1),
        updatedAt: at(from + i + 1),
      }),
    );
    await pushed(todos);
  }
  return boardId;
}
