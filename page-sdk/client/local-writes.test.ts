import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { type BroadcastMessage, broadcastChannelName, type Write } from 'swsync/schema';
import { afterEach, describe, expect, it } from 'vitest';
import { demoSchema } from '../../demo/schema.ts';
import { createEngine } from '../../sw/engine/create-engine.ts';
import { type OutboxRow, STORES } from '../../sw/store/layout.ts';
import { board, todo } from '../../sw/testing/demo-records.ts';
import { UnavailableError, WorkerError } from '../errors.ts';
import { LocalWriter, type LocalWriterOptions } from './local-writes.ts';

// The page writes on its own connection with the engine's write path; the engine (here on the
// same fake-indexeddb database, as the worker's would be) must see exactly what its own write
// would have left, and hand the write back whenever the page cannot make it.

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

let n = 0;
async function setUp(tellWorker: () => Promise<unknown> = async () => {}) {
  const dbName = `local-writes-${++n}`;
  const engine = await createEngine({
    schema: demoSchema,
    dbName,
    endpoint: 'http://127.0.0.1:1/api/sync',
    isOnline: () => false,
  });
  const db = await openDB(dbName);
  const heard: BroadcastMessage[] = [];
  const channel = new BroadcastChannel(broadcastChannelName(dbName));
  channel.onmessage = (event: MessageEvent) => heard.push(event.data as BroadcastMessage);
  const writer = new LocalWriter({
    dbName,
    schema: demoSchema,
    mayWrite: async () => true,
    database: async () => db,
    tellWorker,
  });
  closers.push(
    () => channel.close(),
    () => writer.close(),
    () => db.close(),
    () => engine.close(),
  );
  const state = async () => ({
    todos: await db.getAll('Todo'),
    events: ((await db.getAll(STORES.outbox)) as OutboxRow[]).map((r) => r.event),
    base: await db.getAll(STORES.base),
    receipts: await db.getAll(STORES.receipts),
  });
  return { dbName, engine, db, writer, heard, state };
}

const create = (record: object): Write => ({
  op: 'create',
  model: 'Todo',
  record: record as Record<string, unknown>,
});

describe('a write made in the page', () => {
  it("leaves what the engine's own write leaves, announces it, and the engine counts it", async () => {
    let told = 0;
    const t = await setUp(async () => void told++);
    expect(await t.writer.write([create(todo('t1', 'b1'))])).toBe(true);

    const { todos, events, base, receipts } = await t.state();
    expect(todos).toEqual([todo('t1', 'b1')]);
    expect(events.map((e) => [e.entityType, e.operation, e.baseVersion])).toEqual([
      ['Todo', 'create', null],
    ]);
    expect(base).toEqual([{ model: 'Todo', key: 't1', record: null, version: null }]);
    // No call to retry, so no receipt to answer a retry with.
    expect(receipts).toEqual([]);
    expect(told).toBe(1);
    await expect
      .poll(() => t.heard)
      .toContainEqual({ type: 'change', model: 'Todo', keys: ['t1'] });
    expect((await t.engine.status()).pending).toBe(1);

    // The engine's next write replays on top of it as on one of its own.
    await t.engine.update('Todo', 't1', { done: true });
    expect((await t.state()).events.map((e) => e.baseVersion)).toEqual([null, null]);
  });

  it('an update and a cascading delete go the careful way and name every record they changed', async () => {
    const t = await setUp();
    await t.engine.create('Board', board('b1', 'u1'));
    await t.engine.create('Todo', todo('t1', 'b1'));
    await t.engine.create('Todo', todo('t2', 'b1'));
    t.heard.length = 0;
    const update: Write = { op: 'update', model: 'Todo', key: 't1', patch: { done: true } };
    expect(await t.writer.write([update, { op: 'delete', model: 'Board', key: 'b1' }])).toBe(true);

    expect(await t.db.getAll('Board')).toEqual([]);
    expect(await t.db.getAll('Todo')).toEqual([]);
    const events = (await t.state()).events.map((e) => [e.entityType, e.operation]);
    expect(events.slice(3)).toEqual([
      ['Todo', 'update'],
      ['Board', 'delete'],
    ]);
    await expect
      .poll(() => t.heard)
      .toEqual([
        { type: 'change', model: 'Todo', keys: ['t1', 't2'] },
        { type: 'change', model: 'Board', keys: ['b1'] },
      ]);
  });

  it('on a database laid out for another schema writes nothing and hands the write back', async () => {
    const t = await setUp();
    await t.engine.create('Todo', todo('t1', 'b1'));
    // What a page of another release sees: the worker laid the database out for its schema.
    await t.db.put(STORES.meta, 'another-release', 'schemaHash');
    const before = await t.state();

    expect(await t.writer.write([create(todo('t2', 'b1'))])).toBe(false);
    const update: Write = { op: 'update', model: 'Todo', key: 't1', patch: { done: true } };
    expect(await t.writer.write([update])).toBe(false);
    // Even a write that would fail on its own: the engine's schema decides, not the page's.
    const missing: Write = { op: 'update', model: 'Todo', key: 'nope', patch: { done: true } };
    expect(await t.writer.write([missing])).toBe(false);

    expect(await t.state()).toEqual(before);
    expect(t.heard.filter((m) => m.type === 'change')).toEqual([]);
  });

  it('with no database to write to, or a worker of another release, hands the write back; held up past the timeout, it writes nothing and says so', async () => {
    const t = await setUp();
    const writer = (options: Partial<LocalWriterOptions>) => {
      const made = new LocalWriter({
        dbName: t.dbName,
        schema: demoSchema,
        mayWrite: async () => true,
        database: async () => t.db,
        tellWorker: async () => {},
        ...options,
      });
      closers.push(() => made.close());
      return made;
    };
    const write = [create(todo('t1', 'b1'))];
    const gone = () => Promise.reject(new DOMException('no database', 'NotFoundError'));
    expect(await writer({ database: gone }).write(write)).toBe(false);
    expect(await writer({ mayWrite: async () => false }).write(write)).toBe(false);
    // Held up by another context's upgrade past the reader's timeout: the worker waits on the
    // same hold, so it is not asked (its call could time out and still be applied later).
    const heldUp = () =>
      Promise.reject(new UnavailableError('did not open', { method: 'read', attempts: 1 }));
    const error = await writer({ database: heldUp })
      .write(write)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', details: { method: 'write' } });
    expect((error as Error).message).toMatch(/^nothing was written/);
    expect((await t.state()).todos).toEqual([]);
    // A worker that cannot be reached: the write fails as a call to it would.
    const unreachable = writer({ mayWrite: () => Promise.reject(new Error('unreachable')) });
    await expect(unreachable.write(write)).rejects.toThrow('unreachable');
  });

  it('a write that committed resolves even when the client closed meanwhile', async () => {
    let told = 0;
    const t = await setUp(async () => void told++);
    const written = t.writer.write([create(todo('t1', 'b1'))]);
    t.writer.close();
    expect(await written).toBe(true);
    expect((await t.state()).todos).toEqual([todo('t1', 'b1')]);
    expect(told).toBe(0);
  });

  it("an update of a missing record rejects as the worker's path does, writing nothing", async () => {
    const t = await setUp();
    const update: Write = { op: 'update', model: 'Todo', key: 'nope', patch: { done: true } };
    const error = await t.writer.write([update]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerError);
    expect(error).toMatchObject({ code: 'NOT_FOUND', details: { model: 'Todo', key: 'nope' } });
    expect((await t.state()).events).toEqual([]);
  });

  it('tells the worker once per answer, however many writes commit meanwhile', async () => {
    const answers: (() => void)[] = [];
    const t = await setUp(() => new Promise<void>((resolve) => answers.push(resolve)));
    for (let i = 0; i < 5; i++) await t.writer.write([create(todo(`t${i}`, 'b1'))]);
    expect(answers).toHaveLength(1);
    answers[0]!();
    await expect.poll(() => answers.length).toBe(2);
    answers[1]!();
    // Nothing committed since the second was asked: no third.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answers).toHaveLength(2);
    expect((await t.state()).events).toHaveLength(5);
  });
});
