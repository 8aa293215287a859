import { expect, it } from 'vitest';
import type { SqlClient, SyncStore } from '../store/types.ts';
import {
  board,
  describeEachStore,
  ev,
  recordKey,
  testSchema,
  todo,
  uniqueScope,
} from '../testing/index.ts';
import { applyPush } from './index.ts';

/** Counts the statements each transaction runs on a real store. */
function counting(store: SyncStore): SyncStore & { statements: number } {
  const counted = {
    kind: store.kind,
    statements: 0,
    query: (text: string, params?: readonly unknown[]) => store.query(text, params),
    listen: store.listen.bind(store),
    close: store.close.bind(store),
    transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      return store.transaction((tx) =>
        fn({
          query(text, params) {
            counted.statements++;
            return tx.query(text, params);
          },
        }),
      );
    },
  };
  return counted as SyncStore & { statements: number };
}

describeEachStore('applyPush is set-based', (getStore) => {
  it('runs the same handful of statements for a batch of 2 or of 100 events', async () => {
    const sizes = [2, 100];
    const counts: number[] = [];
    for (const size of sizes) {
      const scope = uniqueScope();
      const b = recordKey('b');
      await applyPush({
        store: getStore(),
        schema: testSchema,
        scopeKey: scope,
        events: [ev.create('Board', board(b, scope))],
      });
      const events = [
        ...Array.from({ length: size / 2 }, () => ev.create('Todo', todo(recordKey('t'), b))),
        ...Array.from({ length: size / 2 }, () => ev.update('Board', b, { name: recordKey('n') })),
      ];
      const store = counting(getStore());
      const results = await applyPush({ store, schema: testSchema, scopeKey: scope, events });
      expect(results.every((r) => r.error === null)).toBe(true);
      counts.push(store.statements);
    }
    expect(counts[0]).toBe(counts[1]);
    expect(counts[1]).toBeLessThanOrEqual(8);
  });

  it('a cascade costs one look-up per relation level, not per child', async () => {
    const scope = uniqueScope();
    const b = recordKey('b');
    const todos = Array.from({ length: 50 }, () => recordKey('t'));
    await applyPush({
      store: getStore(),
      schema: testSchema,
      scopeKey: scope,
      events: [
        ev.create('Board', board(b, scope)),
        ...todos.map((t) => ev.create('Todo', todo(t, b))),
        ...todos.map((t) => ev.create('Comment', { id: recordKey('c'), todoId: t, text: 'x' })),
      ],
    });
    const store = counting(getStore());
    const [result] = await applyPush({
      store,
      schema: testSchema,
      scopeKey: scope,
      events: [ev.delete('Board', b)],
    });
    expect(result!.error).toBeNull();
    // lock, idempotency, read, 3 levels of children, records, events, counter, notify.
    expect(store.statements).toBeLessThanOrEqual(10);
  });
});
