import { createClient, type SyncClient } from 'swsync/page';
import { type DemoSchema, demoSchema } from '../schema.ts';
import type { Board, DemoData, Live } from './app.ts';

const byCreation = <T extends { createdAt: string; id: string }>(a: T, b: T) =>
  a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);

/** The demo's data over the sync client: one local database per user. */
export function createDemoData(userId: string): { data: DemoData; client: SyncClient<DemoSchema> } {
  const client = createClient({
    schema: demoSchema,
    endpoint: '/api/sync',
    worker: '/sw.js',
    account: userId,
    dbName: `swsync-demo-${userId}`,
  });
  const now = () => new Date().toISOString();
  const live = <T>(query: Parameters<typeof client.liveQuery<T>>[0]): Live<T> => {
    const subscribable = client.liveQuery(query);
    return { subscribe: (listener) => subscribable.subscribe(listener) };
  };

  const data: DemoData = {
    boards: live(async (db) =>
      (await db.Board.where('userId').equals(userId).toArray()).sort(byCreation),
    ),
    todos: (boardId) =>
      live(async (db) =>
        (await db.Todo.where('boardId').equals(boardId).toArray()).sort(byCreation),
      ),
    status: { subscribe: (listener) => client.status.subscribe(listener) },
    onRejected: (listener) => {
      client.on('rejected', (_error, rejection) => {
        const what = rejection.event.entityType === 'Todo' ? 'todo' : 'board';
        listener(
          `The server rejected a ${what} change (${rejection.error.message}); it was undone.`,
        );
      });
    },
    async addBoard(name): Promise<Board> {
      return client.Board.create({ id: crypto.randomUUID(), name, userId, createdAt: now() });
    },
    async addTodo(boardId, title) {
      const at = now();
      await client.Todo.create({
        id: crypto.randomUUID(),
        boardId,
        title,
        done: false,
        createdAt: at,
        updatedAt: at,
      });
    },
    setDone: (todo, done) => client.Todo.update(todo.id, { done, updatedAt: now() }),
    rename: (todo, title) => client.Todo.update(todo.id, { title, updatedAt: now() }),
    deleteTodo: (todo) => client.Todo.delete(todo.id),
    async syncNow() {
      await client.syncNow();
    },
  };
  return { data, client };
}
