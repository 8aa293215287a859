import type { RecordOf, SyncStatus } from 'swsync/schema';
import { describe, expectTypeOf, it } from 'vitest';
import type { DemoSchema } from '../demo/schema.ts';
import type { ClientStatus, SyncClient } from './index.ts';

type Client = SyncClient<DemoSchema>;
type Todo = RecordOf<DemoSchema['models']['Todo']>;
type Board = RecordOf<DemoSchema['models']['Board']>;
declare const client: Client;

const now = '2026-01-01T00:00:00Z';
const todo = {
  id: 't1',
  boardId: 'b1',
  title: 'Milk',
  done: false,
  createdAt: now,
  updatedAt: now,
};

// Compile-time only: these calls are never run.
function typeChecks() {
  void client.Todo.create(todo);
  // @ts-expect-error a required field is missing
  void client.Todo.create({ id: 't1', boardId: 'b1', title: 'Milk' });
  // @ts-expect-error a field of the wrong type
  void client.Todo.create({ ...todo, done: 'yes' });
  // @ts-expect-error an undeclared field
  void client.Todo.create({ ...todo, colour: 'red' });
  void client.Todo.update('t1', { done: true });
  // @ts-expect-error the key cannot be patched
  void client.Todo.update('t1', { id: 't2' });
  // @ts-expect-error a misspelt field
  void client.Todo.update('t1', { titel: 'x' });
  // @ts-expect-error a key of the wrong type
  void client.Todo.delete(42);
  // @ts-expect-error an undeclared model
  void client.Tod;
  // @ts-expect-error an undeclared field to query
  void client.Todo.where('priority');
  // @ts-expect-error a declared field that is neither the key nor an index
  void client.Todo.where('title');
  // @ts-expect-error the index value must have the field's type
  void client.Todo.where('boardId').equals(1);
  void client.transaction((tx) => {
    tx.Board.create({ id: 'b1', name: 'Home', userId: 'u1', createdAt: now });
    tx.Todo.update('t1', { title: 'Oat milk' });
    // @ts-expect-error wrong type inside a transaction too
    tx.Todo.update('t1', { done: 1 });
  });
  // @ts-expect-error a live query reader cannot write
  void client.liveQuery((db) => db.Todo.create(todo));
}

// Checked by `tsc --noEmit` (npm run check); the functions exist only to hold the assertions.
function readTypes() {
  expectTypeOf(client.Todo.get).parameter(0).toEqualTypeOf<string>();
  expectTypeOf(client.Todo.get).returns.resolves.toEqualTypeOf<Todo | undefined>();
  expectTypeOf(client.Board.list).returns.resolves.toEqualTypeOf<Board[]>();
  expectTypeOf(client.Todo.where('boardId').equals('b1').toArray).returns.resolves.toEqualTypeOf<
    Todo[]
  >();
  expectTypeOf(client.Todo.where('createdAt').first).returns.resolves.toEqualTypeOf<
    Todo | undefined
  >();
}

function writeTypes() {
  expectTypeOf(client.Todo.create).returns.resolves.toEqualTypeOf<Todo>();
  expectTypeOf(client.Todo.update).parameter(1).toHaveProperty('title');
  expectTypeOf(client.Todo.delete).parameter(0).toEqualTypeOf<string>();
}

function liveTypes() {
  const live = client.liveQuery((db) => db.Todo.where('boardId').equals('b1').toArray());
  expectTypeOf(live.getSnapshot()).toEqualTypeOf<Todo[] | undefined>();
  expectTypeOf(client.status.getSnapshot()).toEqualTypeOf<ClientStatus | undefined>();
  expectTypeOf<ClientStatus>().toMatchTypeOf<SyncStatus>();
  expectTypeOf(client.syncNow).returns.resolves.toEqualTypeOf<SyncStatus>();
}

describe('inferred client types (demo schema)', () => {
  it('compiles the typed calls and rejects the wrong ones (tsc)', () => {
    for (const check of [typeChecks, readTypes, writeTypes, liveTypes]) {
      expectTypeOf(check).toBeFunction();
    }
  });
});
