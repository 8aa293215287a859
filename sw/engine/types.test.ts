import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { demoSchema } from '../../demo/schema.ts';
import { createEngine } from './create-engine.ts';

describe('engine types follow the schema', () => {
  it('types writes and reads per model', async () => {
    const engine = await createEngine({
      schema: demoSchema,
      endpoint: 'http://127.0.0.1:1/api/sync',
      indexedDB: new IDBFactory(),
      isOnline: () => false,
    });
    const at = new Date(0).toISOString();
    const todo = await engine.create('Todo', {
      id: 't',
      boardId: 'b',
      title: 'x',
      done: false,
      createdAt: at,
      updatedAt: at,
    });
    expectTypeOf(todo.done).toEqualTypeOf<boolean>();
    expectTypeOf(await engine.get('Board', 'b')).toEqualTypeOf<
      { id: string; name: string; userId: string; createdAt: string } | undefined
    >();
    await engine.update('Todo', 't', { done: true });
    // @ts-expect-error: `done` is a boolean
    await engine.update('Todo', 't', { done: 'yes' }).catch(() => undefined);
    // @ts-expect-error: the key cannot be patched
    await engine.update('Todo', 't', { id: 'u' }).catch(() => undefined);
    // @ts-expect-error: no such model (and at run time a typed error)
    await expect(engine.list('Nope')).rejects.toMatchObject({ code: 'UNKNOWN_MODEL' });
    // @ts-expect-error: a create needs the whole record
    await engine.create('Board', { id: 'b' }).catch(() => undefined);
    await engine.close();
  });
});
