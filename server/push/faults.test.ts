import { describe, expect, it } from 'vitest';
import { ServerError } from '../errors.ts';
import type { SyncStore } from '../store/types.ts';
import {
  board,
  createPostgresTestStore,
  describeEachStore,
  drain,
  driverError,
  ev,
  recordKey,
  testDatabaseUrl,
  testSchema,
  todo,
  uniqueScope,
  withFaults,
  withLostCommits,
} from '../testing/index.ts';
import { applyPush, applyServerWrites, type ServerWrite } from './index.ts';

const isWrite = (sql: string) => sql.includes('INSERT INTO swsync_events');

async function unavailable(promise: Promise<unknown>): Promise<ServerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ServerError);
  expect((error as ServerError).code).toBe('UNAVAILABLE');
  // Nothing of the driver's message reaches the client.
  expect((error as ServerError).message).not.toContain('injected');
  return error as ServerError;
}

describeEachStore('applyPush under faults', (getStore) => {
  const batch = (scope: string) => {
    const b = recordKey('b');
    return [ev.create('Board', board(b, scope)), ev.create('Todo', todo(recordKey('t'), b))];
  };

  it('a serialization failure is retried and the batch then applies once', async () => {
    const scope = uniqueScope();
    const store = withFaults(getStore(), {
      when: isWrite,
      error: () => driverError('40001'),
      times: 2,
    });
    const results = await applyPush({
      store,
      schema: testSchema,
      scopeKey: scope,
      events: batch(scope),
    });
    expect(store.failures()).toBe(2);
    expect(results.map((r) => r.error)).toEqual([null, null]);
    expect((await drain(getStore(), scope)).entries).toHaveLength(2);
  });

  it('a persistent serialization failure → UNAVAILABLE, nothing applied', async () => {
    const scope = uniqueScope();
    const store = withFaults(getStore(), { when: isWrite, error: () => driverError('40P01') });
    await unavailable(
      applyPush({
        store,
        schema: testSchema,
        scopeKey: scope,
        events: batch(scope),
        maxAttempts: 3,
      }),
    );
    expect(store.failures()).toBe(3);
    expect(await drain(getStore(), scope)).toMatchObject({ cursor: null, entries: [] });
  });

  it('a lost connection is retried on a fresh attempt; the batch applies once', async () => {
    const scope = uniqueScope();
    const events = batch(scope);
    const store = withFaults(getStore(), {
      when: isWrite,
      error: () => driverError('ECONNRESET'),
      times: 1,
    });
    const results = await applyPush({ store, schema: testSchema, scopeKey: scope, events });
    expect(store.failures()).toBe(1);
    expect(results.map((r) => r.error)).toEqual([null, null]);
    expect((await drain(getStore(), scope)).entries).toHaveLength(2);
  });

  describe('a COMMIT whose acknowledgement is lost', () => {
    /** A scope with a board at version 1; returns its key. */
    async function boardAtV1(scope: string) {
      const b = recordKey('b');
      const [created] = await applyPush({
        store: getStore(),
        schema: testSchema,
        scopeKey: scope,
        events: [ev.create('Board', board(b, scope))],
      });
      expect(created!.version).toBe(1);
      return b;
    }
    const versionOf = async (scope: string, b: string) =>
      (await drain(getStore(), scope)).entries.find((e) => e.keyPath[0] === b)?.version;

    it('a push is retried and recognised as applied: once', async () => {
      const scope = uniqueScope();
      const b = await boardAtV1(scope);
      const store = withLostCommits(getStore(), 1);
      const events = [ev.update('Board', b, { name: 'once' })];
      const results = await applyPush({ store, schema: testSchema, scopeKey: scope, events });
      expect(store.lost()).toBe(1);
      expect(results).toMatchObject([{ error: null, version: 2 }]);
      expect(await versionOf(scope, b)).toBe(2);
    });

    it('server writes with an idempotencyKey are retried inside and by the caller: once', async () => {
      const scope = uniqueScope();
      const b = await boardAtV1(scope);
      const writes: ServerWrite[] = [
        {
          entityType: 'Board',
          operation: 'update',
          entityKeyPath: [b],
          payload: { name: 'by a job' },
          idempotencyKey: `job-1:${b}`,
        },
      ];
      const store = withLostCommits(getStore(), 1);
      const first = await applyServerWrites({
        store,
        schema: testSchema,
        scopeKey: scope,
        events: writes,
      });
      expect(store.lost()).toBe(1);
      expect(first).toMatchObject([{ error: null, version: 2 }]);
      // The caller retries the whole call (say its own answer was lost): nothing applies twice.
      const again = await applyServerWrites({
        store: withLostCommits(getStore(), 1),
        schema: testSchema,
        scopeKey: scope,
        events: writes,
      });
      expect(again).toEqual(first);
      expect(await versionOf(scope, b)).toBe(2);
      const entry = (await drain(getStore(), scope)).entries.find((e) => e.keyPath[0] === b);
      // Still a server write on the wire: no event id, no client id.
      expect(entry).toMatchObject({ eventId: null, clientId: null, record: { name: 'by a job' } });
    });

    it('server writes without a key are not retried blindly: UNAVAILABLE, applied at most once', async () => {
      const scope = uniqueScope();
      const b = await boardAtV1(scope);
      const store = withLostCommits(getStore(), 1);
      await unavailable(
        applyServerWrites({
          store,
          schema: testSchema,
          scopeKey: scope,
          events: [
            {
              entityType: 'Board',
              operation: 'update',
              entityKeyPath: [b],
              payload: { name: 'x' },
            },
          ],
        }),
      );
      expect(await versionOf(scope, b)).toBe(2);
    });

    it('a server write key never matches a client event id, nor another scope', async () => {
      const scope = uniqueScope();
      const b = await boardAtV1(scope);
      const shared = `same-id-${b}`;
      const write = (scopeKey: string, name: string) =>
        applyServerWrites({
          store: getStore(),
          schema: testSchema,
          scopeKey,
          events: [
            {
              entityType: 'Board',
              operation: 'update',
              entityKeyPath: [b],
              payload: { name },
              idempotencyKey: shared,
            },
          ],
        });
      const [client] = await applyPush({
        store: getStore(),
        schema: testSchema,
        scopeKey: scope,
        events: [{ ...ev.update('Board', b, { name: 'client' }), id: shared }],
      });
      expect(client).toMatchObject({ error: null, version: 2 });
      expect(await write(scope, 'server')).toMatchObject([{ error: null, version: 3 }]);
      // Another scope with the same key is checked afresh (and refused: not its board).
      expect((await write(uniqueScope(), 'other'))[0]!.error?.type).toBe('SCOPE_VIOLATION');
      await expect(
        applyServerWrites({
          store: getStore(),
          schema: testSchema,
          scopeKey: scope,
          events: [
            {
              entityType: 'Board',
              operation: 'delete',
              entityKeyPath: [b],
              payload: null,
              idempotencyKey: '',
            },
          ],
        }),
      ).rejects.toThrow(TypeError);
      expect(await versionOf(scope, b)).toBe(3);
    });
  });

  it('a connection that stays lost → UNAVAILABLE, nothing applied, and a later retry works', async () => {
    const scope = uniqueScope();
    const events = batch(scope);
    const store = withFaults(getStore(), {
      when: isWrite,
      error: () => driverError('57P01'),
      times: 2,
    });
    await unavailable(
      applyPush({ store, schema: testSchema, scopeKey: scope, events, maxAttempts: 2 }),
    );
    expect((await drain(getStore(), scope)).entries).toEqual([]);
    const results = await applyPush({ store, schema: testSchema, scopeKey: scope, events });
    expect(results.map((r) => r.error)).toEqual([null, null]);
  });

  it('any other database error is still an UNAVAILABLE, never a raw driver error', async () => {
    const scope = uniqueScope();
    const store = withFaults(getStore(), {
      when: isWrite,
      error: () => driverError('22P05', 'injected secret detail'),
    });
    const error = await unavailable(
      applyPush({ store, schema: testSchema, scopeKey: scope, events: batch(scope) }),
    );
    expect(JSON.stringify(error.details)).not.toContain('secret');
  });

  it('a bug in the application hook is not disguised as a database fault', async () => {
    const scope = uniqueScope();
    const push = applyPush({
      store: getStore(),
      schema: testSchema,
      scopeKey: scope,
      events: batch(scope),
      customValidation: () => {
        throw new TypeError('hook bug');
      },
    });
    await expect(push).rejects.toThrow(TypeError);
    expect((await drain(getStore(), scope)).entries).toEqual([]);
  });
});

describe.skipIf(!testDatabaseUrl())('applyPush on PostgreSQL, real faults', () => {
  it('a closed store → UNAVAILABLE', async () => {
    const pg = await createPostgresTestStore(1);
    try {
      const scope = uniqueScope();
      await pg.store.close();
      await unavailable(
        applyPush({
          store: pg.store,
          schema: testSchema,
          scopeKey: scope,
          events: [ev.create('Board', board('b', scope))],
        }),
      );
    } finally {
      await pg.cleanup();
    }
  });

  it('the connection killed mid-transaction → UNAVAILABLE, nothing applied', async () => {
    const pg = await createPostgresTestStore(2);
    try {
      const admin = await pg.openAnother(1);
      const scope = uniqueScope();
      const b = recordKey('b');
      const push = applyPush({
        store: pg.store,
        schema: testSchema,
        scopeKey: scope,
        events: [ev.create('Board', board(b, scope)), ev.create('Todo', todo(recordKey('t'), b))],
        // Runs inside the push transaction, after its reads: kill that backend from outside.
        customValidation: async ({ model }) => {
          if (model !== 'Todo') return undefined;
          // MATERIALIZED: the filters must run before pg_terminate_backend. As one WHERE, the
          // planner may call it on rows of other databases, or on this connection itself.
          const killed = await admin.query<{ pid: number }>(
            `WITH victim AS MATERIALIZED (
               SELECT pid FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()
                  AND state = 'idle in transaction'
             )
             SELECT pid FROM victim WHERE pg_terminate_backend(pid)`,
          );
          // Let the driver see its socket close before the push writes its next statement:
          // writing to a socket that is closing at that moment can leave the query unsettled in
          // postgres.js 3.4 (and throws an uncaught error, see vitest.config.ts).
          const pids = killed.map((row) => row.pid);
          // Exactly the push's own backend: otherwise the test would pass without any kill.
          expect(pids).toHaveLength(1);
          while (
            (
              await admin.query(
                `SELECT 1 FROM pg_stat_activity
                  WHERE pid IN (SELECT p::int FROM jsonb_array_elements_text($1::text::jsonb) AS p)`,
                [pids],
              )
            ).length > 0
          ) {
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          await new Promise((resolve) => setTimeout(resolve, 200));
          return undefined;
        },
      });
      await unavailable(push);
      const reader: SyncStore = await pg.openAnother(1);
      expect((await drain(reader, scope)).entries).toEqual([]);
    } finally {
      await pg.cleanup();
    }
  });

  it('two scopes racing to create one key: one wins, the other gets SCOPE_VIOLATION', async () => {
    const pg = await createPostgresTestStore(4);
    try {
      const other = await pg.openAnother(4);
      for (let round = 0; round < 10; round++) {
        const key = recordKey('race');
        const a = uniqueScope();
        const b = uniqueScope();
        const results = await Promise.all([
          applyPush({
            store: pg.store,
            schema: testSchema,
            scopeKey: a,
            events: [ev.create('Board', board(key, a))],
          }),
          applyPush({
            store: other,
            schema: testSchema,
            scopeKey: b,
            events: [ev.create('Board', board(key, b))],
          }),
        ]);
        const types = results.map(([r]) => r!.error?.type ?? null).sort();
        expect(types).toEqual(['SCOPE_VIOLATION', null]);
      }
    } finally {
      await pg.cleanup();
    }
  });
});
