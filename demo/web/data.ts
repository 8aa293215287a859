import { createClient, type SyncClient } from 'swsync/page';
import type { Rejection, SpaceRole } from 'swsync/schema';
import { type DemoSchema, demoSchema } from '../schema.ts';
import type { Board, DemoData, Live, Membership, Todo } from './app.ts';
import {
  boardGoneFirst,
  FriendlyError,
  readErrorMessage,
  rejectionMessages,
  UndoLaterError,
} from './messages.ts';
import type { Restore } from './undo.ts';

const byCreation = <T extends { createdAt: string; id: string }>(a: T, b: T) =>
  a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);

/** Rejections arriving this close together (one push's answers) are told as one batch. */
const REJECTION_BATCH_MS = 100;

/** The demo server's answer about a board's sharing (demo/server/sharing.ts). */
export interface BoardAccess {
  scope: string | null;
  role: SpaceRole;
  members: { account: string; name: string; role: SpaceRole }[];
}

/**
 * A JSON call to the demo server with the session cookie. A 404 while sharing means the name
 * never signed in (`sharingWith` names it); other failures throw what `friendlyError` words.
 */
async function api<T>(path: string, body?: unknown, sharingWith?: string): Promise<T> {
  const response = await fetch(
    path,
    body === undefined
      ? {}
      : {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        },
  );
  if (response.status === 404 && sharingWith !== undefined) {
    throw new FriendlyError(
      `No one named ‘${sharingWith}’ has signed in yet, so the board cannot be shared with them.`,
    );
  }
  if (!response.ok) throw new Error(`${path} failed (${response.status})`);
  return (await response.json()) as T;
}

/** The demo's data over the sync client: one local database per user. */
export function createDemoData(userId: string): { data: DemoData; client: SyncClient<DemoSchema> } {
  const client = createClient({
    schema: demoSchema,
    endpoint: '/api/sync',
    worker: '/sw.js',
    account: userId,
    dbName: `swsync-demo-${userId}`,
    // Shared boards (the worker in sw.ts opts in too; this covers the in-page fallback).
    spaces: true,
  });
  const now = () => new Date().toISOString();
  // Titles and names seen on screen: a rejected update or delete carries no title to name.
  const names = new Map<string, string>();
  // A read that cannot be made is told once, until a live query delivers again: the boards'
  // and the open board's queries fail together.
  const readErrorListeners = new Set<(message: string) => void>();
  let readFailing = false;
  const live = <T>(
    query: Parameters<typeof client.liveQuery<T>>[0],
    seen: (value: T) => void,
  ): Live<T> => {
    const subscribable = client.liveQuery(query);
    return {
      subscribe: (listener) =>
        subscribable.subscribe(
          (value) => {
            readFailing = false;
            seen(value);
            listener(value);
          },
          (error) => {
            const message = readErrorMessage(error);
            if (message === null || readFailing) return;
            readFailing = true;
            for (const l of readErrorListeners) l(message);
          },
        ),
    };
  };
  // The board of each todo seen: a rejected todo update carries no boardId.
  const boardOfTodo = new Map<string, string>();
  const remember = (records: (Board | Todo)[]) => {
    for (const r of records) {
      names.set(r.id, 'title' in r ? r.title : r.name);
      if ('boardId' in r) boardOfTodo.set(r.id, r.boardId);
    }
  };
  const boardOf = ({ event }: Rejection) => {
    const key = event.entityKeyPath?.[0];
    if (event.entityType === 'Board') return key === undefined ? undefined : String(key);
    const payload = event.payload && !Array.isArray(event.payload) ? event.payload : {};
    if (typeof payload.boardId === 'string') return payload.boardId;
    return key === undefined ? undefined : boardOfTodo.get(String(key));
  };
  const nameOf = ({ event }: Rejection) => {
    const key = event.entityKeyPath?.[0];
    return key === undefined ? undefined : names.get(String(key));
  };

  /**
   * One transaction that re-creates deleted records with their ids and content. A todo whose
   * board this tab deleted after it is not written: the server would refuse it, and the person
   * would read that another device deleted the board. It rejects with `UndoLaterError` instead,
   * naming the board (whose own undo brings it back).
   */
  const restore =
    (boards: Board[], todos: Todo[]): Restore =>
    async () => {
      const restored = new Set(boards.map((b) => b.id));
      for (const todo of todos) {
        if (restored.has(todo.boardId) || !deletedHere.has(todo.boardId)) continue;
        if (await client.Board.get(todo.boardId)) continue;
        throw new UndoLaterError(boardGoneFirst(todo.title, names.get(todo.boardId)));
      }
      await client.transaction((tx) => {
        for (const board of boards) tx.Board.create(board);
        for (const todo of todos) tx.Todo.create(todo);
      });
      for (const id of restored) deletedHere.delete(id);
    };
  /** Boards this tab deleted (until their undo): see `restore`. */
  const deletedHere = new Set<string>();

  const data: DemoData = {
    userId,
    // Every board here is readable: the own ones and those shared with this account (whose
    // `userId` names their owner).
    boards: live(async (db) => (await db.Board.list()).sort(byCreation), remember),
    todos: (boardId) =>
      live(
        async (db) => (await db.Todo.where('boardId').equals(boardId).toArray()).sort(byCreation),
        remember,
      ),
    status: { subscribe: (listener) => client.status.subscribe(listener) },
    onReadError: (listener) => {
      readErrorListeners.add(listener);
    },
    onRejected: (listener) => {
      let batch: Rejection[] = [];
      client.on('rejected', (_error, rejection) => {
        batch.push(rejection);
        if (batch.length > 1) return;
        setTimeout(() => {
          const told = batch;
          batch = [];
          for (const message of rejectionMessages(told, nameOf, {
            of: boardOf,
            name: (id) => names.get(id),
          }))
            listener(message);
        }, REJECTION_BATCH_MS);
      });
    },
    async addBoard(name): Promise<Board> {
      return client.Board.create({ id: crypto.randomUUID(), name, userId, createdAt: now() });
    },
    renameBoard: async (board, name) => {
      await client.Board.update(board.id, { name });
    },
    // The local engine deletes the board's todos with it (the schema's `onDelete: 'cascade'`),
    // in the delete's own write; the restore re-creates the board and exactly those todos.
    async deleteBoard(board) {
      const todos = await client.Todo.where('boardId').equals(board.id).toArray();
      await client.Board.delete(board.id);
      deletedHere.add(board.id);
      return restore([board], todos);
    },
    newTodo(boardId, title): Todo {
      const at = now();
      return { id: crypto.randomUUID(), boardId, title, done: false, createdAt: at, updatedAt: at };
    },
    async addTodo(todo) {
      await client.Todo.create(todo);
    },
    setDone: (todo, done) => client.Todo.update(todo.id, { done, updatedAt: now() }),
    rename: (todo, title) => client.Todo.update(todo.id, { title, updatedAt: now() }),
    async deleteTodo(todo) {
      await client.Todo.delete(todo.id);
      return restore([], [todo]);
    },
    async syncNow() {
      await client.syncNow();
    },
    access: (boardId) => api<BoardAccess>(`/api/boards/${encodeURIComponent(boardId)}/access`),
    async share(board, name, role) {
      const { userId: account } = await api<{ userId: string }>('/api/users/lookup', {
        user: name,
      });
      if (account === userId) throw new FriendlyError('This board is yours already.');
      const answer = await api<{ membership: Membership }>(
        '/api/sync/members',
        { model: 'Board', key: board.id, account, role },
        name,
      );
      return answer.membership;
    },
    async setRole(scope, account, role) {
      await api('/api/sync/members', { scope, account, role });
    },
    async unshare(scope, account) {
      await api('/api/sync/members/revoke', { scope, account });
    },
  };
  return { data, client };
}
