import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { demoSchema } from '../../demo/schema.ts';
import { createEngine } from '../engine/create-engine.ts';
import { type BaseRow, type OutboxRow, STORES } from '../store/layout.ts';
import { openLocalDb } from '../store/open.ts';
import { board, todo } from '../testing/demo-records.ts';

// The create fast path (create-fresh.ts) lets the database refuse what is not new; calls racing
// each other (a page's retry after a timeout, two tabs) must still apply once and queue right.

const offline = { endpoint: 'http://127.0.0.1:1/api/sync', isOnline: () => false };

async function setUp() {
  const idb = new IDBFactory();
  const engine = await createEngine({
    schema: demoSchema,
    dbName: 'r',
    indexedDB: idb,
    ...offline,
  });
  const db = await openLocalDb({ schema: demoSchema, dbName: 'r', indexedDB: idb });
  return { engine, db };
}

describe('the create fast path under concurrency', () => {
  it('two concurrent calls with one mutationId apply once', async () => {
    const { engine, db } = await setUp();
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
    const { engine, db } = await setUp();
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
    const { engine, db } = await setUp();
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
