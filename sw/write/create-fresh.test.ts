import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { demoSchema } from '../../demo/schema.ts';
import { createEngine } from '../engine/create-engine.ts';
import { type BaseRow, type OutboxRow, STORES, type VersionRow } from '../store/layout.ts';
import { openLocalDb } from '../store/open.ts';
import { board, todo } from '../testing/demo-records.ts';

// Creates take a fast path (create-fresh.ts) that writes as if every key were new here and lets
// the database refuse otherwise. These are the cases where it is not new: the fast path must
// leave nothing behind, and the careful path must write what it always wrote.

const offline = { endpoint: 'http://127.0.0.1:1/api/sync', isOnline: () => false };

async function setUp(seed: { record?: object; version?: number; base?: BaseRow }) {
  const idb = new IDBFactory();
  const engine = await createEngine({
    schema: demoSchema,
    dbName: 'g',
    indexedDB: idb,
    ...offline,
  });
  const db = await openLocalDb({ schema: demoSchema, dbName: 'g', indexedDB: idb });
  if (seed.record) await db.put('Board', seed.record);
  if (seed.version !== undefined) {
    const row: VersionRow = { model: 'Board', key: 'b1', version: seed.version };
    await db.put(STORES.versions, row);
  }
  if (seed.base) await db.put(STORES.base, seed.base);
  const state = async () => ({
    record: await db.get('Board', 'b1'),
    base: (await db.get(STORES.base, ['Board', 'b1'])) as BaseRow | undefined,
    events: ((await db.getAll(STORES.outbox)) as OutboxRow[]).map((r) => r.event),
    receipts: await db.getAll(STORES.receipts),
  });
  const close = async () => {
    db.close();
    await engine.close();
  };
  return { engine, db, state, close };
}

describe('a create whose key is not new here', () => {
  it('keeps a synced record it replaces as the base, with its version', async () => {
    const synced = board('b1', 'u1', 'From the server');
    const t = await setUp({ record: synced, version: 3 });
    await t.engine.create('Board', board('b1', 'u1', 'Mine'), { mutationId: 'm1' });
    const { record, base, events } = await t.state();
    expect(record).toEqual(board('b1', 'u1', 'Mine'));
    expect(base).toEqual({ model: 'Board', key: 'b1', record: synced, version: 3 });
    expect(events.map((e) => [e.operation, e.baseVersion])).toEqual([['create', 3]]);
    await t.close();
  });

  it('starts from the version of a record the server deleted', async () => {
    const t = await setUp({ version: 5 });
    await t.engine.create('Board', board('b1', 'u1'));
    const { base, events } = await t.state();
    expect(base).toEqual({ model: 'Board', key: 'b1', record: null, version: 5 });
    expect(events.map((e) => e.baseVersion)).toEqual([5]);
    await t.close();
  });

  it('leaves a base row already there as it was, cascade marks included', async () => {
    const kept: BaseRow = {
      model: 'Board',
      key: 'b1',
      record: board('b1', 'u1', 'Confirmed'),
      version: 7,
      cascades: [{ seq: 1, parentModel: 'Board', field: 'boardId', parentKey: 'b0' }],
    };
    const t = await setUp({ base: kept, version: 9 });
    await t.engine.create('Board', board('b1', 'u1', 'Again'));
    const { record, base, events } = await t.state();
    expect(record).toEqual(board('b1', 'u1', 'Again'));
    expect(base).toEqual(kept);
    expect(events.map((e) => e.baseVersion)).toEqual([7]);
    await t.close();
  });

  it('a second create of a key still pending keeps the first one’s base', async () => {
    const t = await setUp({});
    await t.engine.transaction([
      { op: 'create', model: 'Board', record: board('b1', 'u1', 'One') },
      { op: 'create', model: 'Board', record: board('b1', 'u1', 'Two') },
    ]);
    const { record, base, events } = await t.state();
    expect(record).toEqual(board('b1', 'u1', 'Two'));
    expect(base).toEqual({ model: 'Board', key: 'b1', record: null, version: null });
    expect(events.map((e) => e.baseVersion)).toEqual([null, null]);
    await t.close();
  });

  it('a repeated mutationId leaves nothing of the second call', async () => {
    const t = await setUp({});
    const first = await t.engine.transaction(
      [{ op: 'create', model: 'Board', record: board('b1', 'u1') }],
      { mutationId: 'm1' },
    );
    const before = await t.state();
    // Not what a page would send again, but it shows that nothing of it stays.
    const again = await t.engine.transaction(
      [
        { op: 'create', model: 'Board', record: board('b1', 'u1', 'Other') },
        { op: 'create', model: 'Todo', record: todo('t1', 'b1') },
      ],
      { mutationId: 'm1' },
    );
    expect(again).toEqual(first);
    expect(await t.state()).toEqual(before);
    expect(await t.engine.list('Todo')).toEqual([]);
    expect((await t.engine.status()).pending).toBe(1);
    await t.close();
  });
});

// Calls racing each other (a page's retry after a timeout, two tabs) must still apply once and
// queue right.
describe('the create fast path under concurrency', () => {
  it('two concurrent calls with one mutationId apply once', async () => {
    const { engine, db } = await setUp({});
    const call = () =>
      engine.transaction(
        [
          { op: 'create', model: 'Board', record: board('b1', 'u1') },
          { op: 'create', model: 'Todo', record: todo('t1', 'b1') },
        ],
        { mutationId: 'm1' },
      );
    const [a, b, c] = await Promise.all([call(), call(), call()]);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(await db.count(STORES.outbox)).toBe(2);
    expect(await db.count(STORES.receipts)).toBe(1);
    db.close();
    await engine.close();
  });

  it('concurrent creates of one key without mutationId: both queued, one base row', async () => {
    const { engine, db } = await setUp({});
    await Promise.all([
      engine.create('Board', board('b1', 'u1', 'One')),
      engine.create('Board', board('b1', 'u1', 'Two')),
    ]);
    const rows = (await db.getAll(STORES.outbox)) as OutboxRow[];
    expect(rows.map((r) => r.event.baseVersion)).toEqual([null, null]);
    expect((await db.get(STORES.base, ['Board', 'b1'])) as BaseRow).toEqual({
      model: 'Board',
      key: 'b1',
      record: null,
      version: null,
    });
    expect(await db.get('Board', 'b1')).toEqual(board('b1', 'u1', 'Two'));
    db.close();
    await engine.close();
  });

  it('a create after a local delete of a pending create keeps the first base', async () => {
    const { engine, db } = await setUp({});
    await engine.create('Board', board('b1', 'u1', 'One'));
    await engine.delete('Board', 'b1');
    await engine.create('Board', board('b1', 'u1', 'Again'));
    const rows = (await db.getAll(STORES.outbox)) as OutboxRow[];
    expect(rows.map((r) => r.event.operation)).toEqual(['create', 'delete', 'create']);
    expect(await db.get('Board', 'b1')).toEqual(board('b1', 'u1', 'Again'));
    db.close();
    await engine.close();
  });
});
