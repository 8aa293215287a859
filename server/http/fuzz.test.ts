import fc from 'fast-check';
import { errorBodySchema, pullResponseSchema, pushResponseSchema } from 'swsync/schema';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { strictObject } from 'zod/mini';
import { board, describeEachStore, testSchema, todo, uniqueScope } from '../testing/index.ts';
import { bearerAuth, type ServedApp, serveSyncRoutes } from './testing/index.ts';

const RUNS = 150;

/** Keys both users draw from, so random events collide with real records of either scope. */
const BOARD_KEYS = ['b1', 'b2', 'b3', 'b4', 'b5', 'b6'];
const TODO_KEYS = ['t1', 't2', 't3', 't4', 't5', 't6'];
const FIELDS = ['id', 'name', 'userId', 'boardId', 'title', 'done', 'createdAt', 'extra'];

type FuzzEvent = Record<string, unknown> & { id: string };

/**
 * Mostly valid events of the caller (so the write path runs and records get stored), each
 * possibly mutated: a field of the event or of its payload set to random JSON or removed, or the
 * scope field / parent pointed at the other user.
 */
function nearValidEvent(user: string, other: string): fc.Arbitrary<FuzzEvent> {
  const boardKey = fc.constantFrom(...BOARD_KEYS);
  const todoKey = fc.constantFrom(...TODO_KEYS);
  const anyJson = fc.jsonValue({ maxDepth: 2 });
  const id = fc.oneof(fc.uuid(), fc.constantFrom('dup-1', 'dup-2'), fc.string());
  const createdAt = '2026-01-01T00:00:00.000Z';
  const valid: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
    boardKey.map((k) => ({ entityType: 'Board', operation: 'create', payload: board(k, user) })),
    fc
      .tuple(todoKey, boardKey)
      .map(([t, b]) => ({ entityType: 'Todo', operation: 'create', payload: todo(t, b) })),
    fc.tuple(todoKey, fc.boolean(), fc.option(boardKey)).map(([t, done, b]) => ({
      entityType: 'Todo',
      operation: 'update',
      entityKeyPath: [t],
      payload: b === null ? { done } : { done, boardId: b },
    })),
    fc.tuple(fc.constantFrom('Board', 'Todo'), boardKey, todoKey).map(([m, b, t]) => ({
      entityType: m,
      operation: 'delete',
      entityKeyPath: [m === 'Board' ? b : t],
      payload: null,
    })),
  );
  const mutation = fc.oneof(
    { weight: 4, arbitrary: fc.constant((e: Record<string, unknown>) => e) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            'entityType',
            'entityKeyPath',
            'operation',
            'payload',
            'baseVersion',
            'createdAt',
          ),
          fc.option(anyJson),
        )
        .map(([field, value]) => (e: Record<string, unknown>) => {
          const copy = { ...e };
          if (value === null) delete copy[field];
          else copy[field] = value;
          return copy;
        }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...FIELDS), fc.option(anyJson))
        .map(([field, value]) => (e: Record<string, unknown>) => {
          if (typeof e.payload !== 'object' || e.payload === null) return e;
          const payload: Record<string, unknown> = { ...(e.payload as Record<string, unknown>) };
          if (value === null) delete payload[field];
          else payload[field] = value;
          return { ...e, payload };
        }),
    },
    {
      weight: 1,
      arbitrary: fc.constant((e: Record<string, unknown>) => {
        const payload = e.payload as Record<string, unknown> | null;
        if (!payload) return e;
        return { ...e, payload: { ...payload, ...('userId' in payload ? { userId: other } : {}) } };
      }),
    },
  );
  return fc.tuple(id, valid, mutation, fc.nat(5)).map(([eventId, event, mutate, tries]) => ({
    ...mutate({ ...event, createdAt, tries }),
    id: eventId,
  }));
}

describeEachStore('fuzzing push and pull bodies', (getStore) => {
  let served: ServedApp;
  const alice = uniqueScope('alice');
  const bob = uniqueScope('bob');
  let applied = 0;

  beforeAll(async () => {
    served = await serveSyncRoutes({
      store: getStore(),
      schema: testSchema,
      auth: bearerAuth,
      logger: (message, error) => {
        throw new Error(`unexpected server error: ${message} ${String(error)}`);
      },
    });
  });
  afterAll(() => served.close());

  async function send(path: string, user: string, body: BodyInit, contentType: string | null) {
    const headers: Record<string, string> = { authorization: `Bearer ${user}` };
    if (contentType !== null) headers['content-type'] = contentType;
    const response = await fetch(`${served.url}/api/sync/${path}`, {
      method: 'POST',
      headers,
      body,
    });
    const text = await response.text();
    expect(response.status, text).toBeLessThan(500);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const json = JSON.parse(text) as unknown;
    if (response.status === 200) {
      if (path === 'push') expect(pushResponseSchema.safeParse(json).success).toBe(true);
      else expect(pullResponseSchema.safeParse(json).success).toBe(true);
    } else {
      expect([400, 409, 413]).toContain(response.status);
      expect(strictObject(errorBodySchema.shape).safeParse(json).success, text).toBe(true);
    }
    return { status: response.status, json };
  }

  it('near-valid push batches: never a 5xx, one result per event in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(alice, bob),
        fc.array(nearValidEvent(alice, bob), { maxLength: 8 }),
        async (user, events) => {
          const { status, json } = await send(
            'push',
            user,
            JSON.stringify({ events }),
            'application/json',
          );
          expect(status).toBe(200);
          const results = json as { id: string; error: unknown }[];
          expect(results.map((r) => r.id)).toEqual(events.map((e) => e.id));
          applied += results.filter((r) => r.error === null).length;
        },
      ),
      { numRuns: RUNS },
    );
    // The generator must reach the write path, or the last test below proves nothing.
    expect(applied).toBeGreaterThan(10);
  });

  it('own keys JSON.parse makes (__proto__, constructor, prototype) never pass as fields', async () => {
    const poison = fc.constantFrom('__proto__', 'constructor', 'prototype');
    const value = fc.jsonValue({ maxDepth: 2 });
    // JSON text, so the server's JSON.parse makes the keys own keys, as a client's would.
    const withKey = (fields: object, key: string, v: unknown) =>
      `${JSON.stringify(fields).slice(0, -1)}${Object.keys(fields).length > 0 ? ',' : ''}${JSON.stringify(key)}:${JSON.stringify(v)}}`;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(alice, bob),
        fc.constantFrom(...BOARD_KEYS),
        fc.constantFrom('create', 'update', 'delete', 'event'),
        poison,
        value,
        async (user, key, where, bad, v) => {
          const id = `poison-${where}-${bad}-${key}`;
          const event =
            where === 'event'
              ? // The event's own fields come from the poisoned key only: nothing may be read there.
                withKey({ id }, bad, {
                  entityType: 'Board',
                  operation: 'delete',
                  entityKeyPath: [key],
                  payload: null,
                  createdAt: '2026-01-01T00:00:00.000Z',
                })
              : `{"id":${JSON.stringify(id)},"entityType":"Board","operation":"${where}",
                  "entityKeyPath":[${JSON.stringify(key)}],"createdAt":"2026-01-01T00:00:00.000Z",
                  "payload":${withKey(where === 'update' ? { name: 'p' } : board(key, user), bad, v)}}`;
          const before = await send('pull', user, '{}', 'application/json');
          const { status, json } = await send(
            'push',
            user,
            `{"events":[${event}]}`,
            'application/json',
          );
          expect(status).toBe(200);
          const [result] = json as { error: { type: string } | null }[];
          expect(result!.error?.type).toBe(
            where === 'event' ? 'INVALID_MODEL' : 'RECORD_VALIDATION_FAILURE',
          );
          const after = await send('pull', user, '{}', 'application/json');
          expect(after.json).toEqual(before.json);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('random JSON, random bytes and wrong content types on both routes: never a 5xx', async () => {
    const body = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .record({ events: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }) })
        .map((v) => JSON.stringify(v)),
      fc
        .record(
          { lastChangelogId: fc.oneof(fc.string(), fc.jsonValue()), limit: fc.jsonValue() },
          { requiredKeys: [] },
        )
        .map((v) => JSON.stringify(v)),
      fc.uint8Array({ maxLength: 64 }).map((bytes) => new Uint8Array(bytes) as BodyInit),
      fc.string(),
    );
    const contentType = fc.constantFrom(
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=utf-8',
      null,
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('push', 'pull'),
        fc.constantFrom(alice, bob),
        body,
        contentType,
        async (path, user, b, type) => {
          await send(path, user, b, type);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('stored nothing invalid: every pulled record passes its model and belongs to its scope', async () => {
    // Counted with tombstones: the random pushes may well end with every key deleted.
    let entries = 0;
    for (const user of [alice, bob]) {
      let cursor: string | null = null;
      for (;;) {
        const { json } = await send(
          'pull',
          user,
          JSON.stringify({ lastChangelogId: cursor }),
          'application/json',
        );
        const page = pullResponseSchema.parse(json);
        for (const log of page.logsWithRecords) {
          const model = testSchema.getModel(log.model);
          expect(model).toBeDefined();
          entries++;
          if (log.record === null) continue;
          expect(model!.recordSchema.safeParse(log.record).success, JSON.stringify(log)).toBe(true);
          const scopeField =
            model!.ownership.kind === 'root' ? model!.ownership.scopeField : undefined;
          if (scopeField) expect(log.record[scopeField]).toBe(user);
        }
        cursor = page.cursor;
        if (!page.hasMore) break;
      }
    }
    expect(entries).toBeGreaterThan(0);
  });
});
