import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { type BroadcastMessage, broadcastChannelName } from 'swsync/schema';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { demoSchema } from '../../demo/schema.ts';
import { RejectedError, ValidationError } from '../errors.ts';
import { pageEngine } from '../fallback/engine-rpc.ts';
import { createClient } from './create-client.ts';

const pushed: string[] = [];
const versions = new Map<string, number>();
let changelog = 0;
/** Records the stand-in server holds, by `model:keyPath`. */
const records = new Map<string, { model: string; key: unknown[]; record: object | null }>();

/**
 * A stand-in server: every push applied; a pull from no cursor brings every record (a full
 * pull drops local records it does not bring), later pulls nothing.
 */
const fakeFetch: typeof fetch = async (input, init) => {
  const url = String(input);
  if (url.endsWith('/push')) {
    const { events } = JSON.parse(String(init?.body)) as {
      events: { id: string; entityType: string; entityKeyPath?: unknown[]; payload: unknown }[];
    };
    pushed.push(...events.map((e) => e.id));
    // Like the server: a version per record, one more for every applied change.
    const results = events.map((e) => {
      if ((e.payload as { title?: string } | null)?.title === 'reject-me') {
        const error = { type: 'SCOPE_VIOLATION', message: 'not yours', retryable: false };
        return { id: e.id, appliedChangelogId: null, error };
      }
      const key = `${e.entityType}:${JSON.stringify(e.entityKeyPath)}`;
      const version = (versions.get(key) ?? 0) + 1;
      versions.set(key, version);
      const before = records.get(key)?.record ?? null;
      const record =
        e.payload === null
          ? null
          : (e as { operation?: string }).operation === 'update'
            ? { ...before, ...(e.payload as object) }
            : (e.payload as object);
      records.set(key, { model: e.entityType, key: e.entityKeyPath ?? [], record });
      return { id: e.id, appliedChangelogId: String(++changelog), error: null, version };
    });
    return Response.json(results);
  }
  const { lastChangelogId } = JSON.parse(String(init?.body)) as { lastChangelogId?: string | null };
  const logsWithRecords = lastChangelogId
    ? []
    : [...records].map(([key, { model, key: keyPath, record }]) => ({
        id: String(changelog),
        model,
        keyPath,
        operation: record === null ? 'delete' : 'update',
        record,
        version: versions.get(key)!,
        eventId: null,
        clientId: null,
      }));
  const cursor = changelog > 0 ? String(changelog) : null;
  return Response.json({ cursor, hasMore: false, logsWithRecords });
};

const dbName = `client-test-${Date.now()}`;
const client = createClient({
  schema: demoSchema,
  endpoint: 'http://sync.test/api/sync',
  dbName,
  realtime: false,
  fallback: async () => {
    // `swsync/sw` also carries the worker host, whose workbox imports read `self`.
    Object.assign(globalThis, { self: globalThis });
    const { createEngine } = await import('swsync/sw');
    return pageEngine({
      schema: demoSchema,
      endpoint: 'http://sync.test/api/sync',
      createEngine: (options) => createEngine({ ...options, fetch: fakeFetch }),
      intervalMs: 60_000,
    });
  },
});
afterAll(() => client.close());

const at = (n: number) => `2026-01-0${n}T00:00:00Z`;
const todo = (id: string, n: number, title = `todo ${id}`) => ({
  id,
  boardId: 'b1',
  title,
  done: false,
  createdAt: at(n),
  updatedAt: at(n),
});

describe('createClient (in-page engine, fake-indexeddb)', () => {
  it('reports where the engine runs and why', async () => {
    // The first handshake loads the engine module and opens two databases: room for a busy machine.
    await expect.poll(() => client.status.getSnapshot()?.connected, { timeout: 10_000 }).toBe(true);
    expect(client.status.getSnapshot()).toMatchObject({
      mode: 'page',
      fallbackReason: 'no-service-worker',
      protocol: { action: null },
    });
  });

  it('writes through the engine and reads straight from IndexedDB', async () => {
    await client.Board.create({ id: 'b1', name: 'Home', userId: 'u1', createdAt: at(1) });
    const created = await client.Todo.create(todo('t1', 1));
    expect(created.title).toBe('todo t1');
    await client.Todo.update('t1', { done: true });
    expect(await client.Todo.get('t1')).toMatchObject({ id: 't1', done: true });
    await client.Todo.delete('t1');
    expect(await client.Todo.get('t1')).toBeUndefined();
    // Acknowledged by the server, the record stays as the page left it.
    await client.syncNow();
    expect(await client.Todo.get('t1')).toBeUndefined();
  });

  it('queries an index by equality and range, in order, with a limit', async () => {
    await client.transaction((tx) => {
      for (const n of [3, 1, 2, 4]) tx.Todo.create(todo(`q${n}`, n));
    });
    const ids = (rows: { id: string }[]) => rows.map((r) => r.id);
    expect(ids(await client.Todo.where('boardId').equals('b1').toArray())).toHaveLength(4);
    expect(ids(await client.Todo.where('createdAt').between(at(2), at(3)).toArray())).toEqual([
      'q2',
      'q3',
    ]);
    expect(
      ids(await client.Todo.where('createdAt').above(at(1)).reverse().limit(2).toArray()),
    ).toEqual(['q4', 'q3']);
    expect((await client.Todo.where('id').belowOrEqual('q1').first())?.id).toBe('q1');
    // Not indexed: a compile error, and at run time (for untyped callers) a typed rejection.
    // @ts-expect-error title is neither the key nor an index
    await expect(client.Todo.where('title').equals('x').toArray()).rejects.toMatchObject({
      code: 'NOT_INDEXED',
      field: 'title',
    });
  });

  it('validates in the page: nothing invalid reaches the engine', async () => {
    const error = await client.Todo.create({ ...todo('bad', 1), title: '' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', model: 'Todo' });
    const patch = await client.Todo.update('q1', { id: 'other' } as never).catch((e: unknown) => e);
    expect(patch).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await client.Todo.get('bad')).toBeUndefined();
  });

  it('re-runs a live query when a model it read changes, and not otherwise', async () => {
    const seen: number[] = [];
    const live = client.liveQuery((db) => db.Todo.where('boardId').equals('b1').toArray());
    const stop = live.subscribe((rows) => seen.push(rows.length));
    await expect.poll(() => seen.at(-1)).toBe(4);
    await client.Todo.create(todo('q5', 5));
    await expect.poll(() => seen.at(-1)).toBe(5);
    const runs = seen.length;
    await client.Board.update('b1', { name: 'Work' });
    // Changes arrive in order: once the later Todo change shows, the Board change was handled,
    // and a re-run for it would have added a result of its own.
    await client.Todo.delete('q5');
    await expect.poll(() => seen.at(-1)).toBe(4);
    expect(seen.length).toBe(runs + 1);
    stop();
  });

  it('iterates a live query asynchronously', async () => {
    const iterator = client.liveQuery((db) => db.Board.list())[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toEqual([expect.objectContaining({ id: 'b1', name: 'Work' })]);
    await iterator.return?.();
  });

  it('reports a server rejection as a RejectedError, and the write is rolled back', async () => {
    const seen: RejectedError[] = [];
    const stop = client.on('rejected', (error) => seen.push(error));
    await client.Todo.create(todo('r1', 6, 'reject-me'));
    expect(await client.Todo.get('r1')).toBeDefined();
    await client.syncNow();
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]).toBeInstanceOf(RejectedError);
    expect(seen[0]).toMatchObject({
      code: 'REJECTED',
      reason: 'SCOPE_VIOLATION',
      message: 'not yours',
    });
    expect(await client.Todo.get('r1')).toBeUndefined();
    stop();
  });

  it('reads a live query whole again when the worker replaces the layout, unannounced', async () => {
    await client.Todo.create(todo('u1', 7));
    const seen: string[][] = [];
    const stop = client
      .liveQuery((db) => db.Todo.where('boardId').equals('b1').toArray())
      .subscribe((rows) => seen.push(rows.map((row) => row.id)));
    await expect.poll(() => seen.at(-1)).toContain('u1');
    // An upgrade that drops a record and reports nothing, as a rebuilt model store does.
    const version = (await indexedDB.databases()).find((d) => d.name === dbName)?.version ?? 1;
    const upgrade = indexedDB.open(dbName, version + 1);
    upgrade.onupgradeneeded = () => void upgrade.transaction?.objectStore('Todo').delete('u1');
    await new Promise((resolve, reject) => {
      upgrade.onsuccess = () => resolve(upgrade.result.close());
      upgrade.onerror = () => reject(upgrade.error);
    });
    await expect.poll(() => seen.at(-1)).not.toContain('u1');
    expect(seen.at(-1)).toContain('q1');
    stop();
  });

  it('reads a live query whole again when an engine opens (a broadcast may have died with the last)', async () => {
    const changes: { model: string; keys: readonly unknown[] }[] = [];
    // An app's listener that throws is reported, and the others are still told.
    const reported: unknown[] = [];
    vi.stubGlobal('reportError', (error: unknown) => reported.push(error));
    const stopBroken = client.on('change', () => {
      throw new Error('app bug');
    });
    const stopChanges = client.on('change', (change) => changes.push(change));
    const seen: string[][] = [];
    const stop = client
      .liveQuery((db) => db.Todo.where('boardId').equals('b1').toArray())
      .subscribe((rows) => seen.push(rows.map((row) => row.title)));
    await expect.poll(() => seen.at(-1)).toContain('todo q1');
    // Committed by a worker stopped before its change broadcast went out.
    const db = await openDB(dbName);
    await db.put('Todo', { ...todo('q1', 1), title: 'lost broadcast' });
    db.close();
    const channel = new BroadcastChannel(broadcastChannelName(dbName));
    channel.postMessage({ type: 'invalidate' } satisfies BroadcastMessage);
    channel.close();
    await expect.poll(() => seen.at(-1)).toContain('lost broadcast');
    // Those who follow changes themselves hear that any record of any model may have changed.
    expect(changes).toEqual(
      expect.arrayContaining(
        demoSchema.modelNames.map((model) => ({ type: 'change', model, keys: [] })),
      ),
    );
    expect(reported.length).toBeGreaterThanOrEqual(demoSchema.modelNames.length);
    expect(reported).toEqual(reported.map(() => new Error('app bug')));
    vi.unstubAllGlobals();
    stopBroken();
    stopChanges();
    stop();
  });

  it('pushes every write once and reports the status after syncNow', async () => {
    const status = await client.syncNow();
    expect(status.pending).toBe(0);
    expect(new Set(pushed).size).toBe(pushed.length);
    expect(pushed.length).toBeGreaterThanOrEqual(9);
  });
});
