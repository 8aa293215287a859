import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import {
  type BroadcastMessage,
  defineSchema,
  model,
  RESERVED_MODEL_NAMES,
  type Schema,
  SchemaError,
} from 'swsync/schema';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { demoSchema } from '../../demo/schema.ts';
import { createEngine } from '../engine/create-engine.ts';
import { RecordNotFoundError, ReservedModelNameError, WriteValidationError } from '../errors.ts';
import { type BaseRow, type OutboxRow, RESERVED_STORE_NAMES, STORES } from '../store/layout.ts';
import { openLocalDb } from '../store/open.ts';
import { board, todo } from '../testing/demo-records.ts';

const offline = { endpoint: 'http://127.0.0.1:1/api/sync', isOnline: () => false };

async function engineOn(indexedDB: IDBFactory) {
  return createEngine({ schema: demoSchema, dbName: 'w', indexedDB, ...offline });
}

describe('local writes', () => {
  it('applies a write, its outbox event and its base row together', async () => {
    const idb = new IDBFactory();
    const engine = await engineOn(idb);
    const created = await engine.create('Board', board('b1', 'u1'));
    expect(created).toEqual(board('b1', 'u1'));
    const updated = await engine.update('Board', 'b1', { name: 'Renamed' });
    expect(updated.name).toBe('Renamed');
    expect(await engine.get('Board', 'b1')).toEqual({ ...board('b1', 'u1'), name: 'Renamed' });

    const db = await openLocalDb({ schema: demoSchema, dbName: 'w', indexedDB: idb });
    const rows = (await db.getAll(STORES.outbox)) as OutboxRow[];
    expect(rows.map((r) => [r.seq, r.event.operation, r.event.payload])).toEqual([
      [1, 'create', board('b1', 'u1')],
      [2, 'update', { name: 'Renamed' }],
    ]);
    expect(rows[0]!.event.entityKeyPath).toEqual(['b1']);
    expect(rows[0]!.event.baseVersion).toBeNull();
    const base = (await db.get(STORES.base, ['Board', 'b1'])) as BaseRow;
    expect(base).toEqual({ model: 'Board', key: 'b1', record: null, version: null });
    expect((await engine.status()).pending).toBe(2);
    db.close();
    await engine.close();
  });

  it('refuses a value JSON cannot carry in a field the schema could not check', async () => {
    const schema = defineSchema({
      Doc: model({
        fields: z.object({ id: z.string(), ownerId: z.string(), data: z.any() }),
        key: 'id',
        scope: 'ownerId',
      }),
    });
    const engine = await createEngine({
      schema,
      dbName: 'j',
      indexedDB: new IDBFactory(),
      ...offline,
    });
    const doc = (data: unknown) => ({ id: 'd1', ownerId: 'u1', data });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const refused: [unknown, string][] = [
      [{ amount: 10n }, 'data.amount: a bigint cannot travel as JSON'],
      [[new Date(0)], 'data.0: a Date cannot travel as JSON'],
      [new Map(), 'data: a Map cannot travel as JSON'],
      [{ n: Number.NaN }, 'data.n: NaN cannot travel as JSON'],
      [cyclic, 'data.self: a cycle cannot travel as JSON'],
      [[1, undefined], 'data.1: undefined in an array cannot travel as JSON'],
      // What the server's database cannot store: refused now, not rejected after a push.
      [{ note: 'a\u0000b' }, 'data.note: a NUL character (\\u0000) cannot be stored'],
      [['\uD83D'], 'data.0: a lone surrogate is not well-formed text'],
      [{ 'x\u0000': 1 }, 'data.x\u0000: a NUL character (\\u0000) cannot be stored'],
    ];
    for (const [data, message] of refused) {
      await expect(engine.create('Doc', doc(data))).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        message: `invalid Doc: ${message}`,
      });
    }
    // Declared string fields too, not only what the schema cannot see into.
    await expect(
      engine.create('Doc', { id: 'd2', ownerId: 'u\u0000', data: 1 }),
    ).rejects.toMatchObject({
      message: 'invalid Doc: ownerId: a NUL character (\\u0000) cannot be stored',
    });
    expect((await engine.status()).pending).toBe(0);
    await engine.create('Doc', doc({ nested: [1, 'two', null, { ok: true }], fox: '🦊' }));
    await expect(engine.update('Doc', 'd1', { data: 1n })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect((await engine.status()).pending).toBe(1);
    await engine.close();
  });

  it('rejects bad input with a typed error and writes nothing', async () => {
    const engine = await engineOn(new IDBFactory());
    await expect(engine.create('Board', { ...board('b1', 'u1'), name: '' })).rejects.toBeInstanceOf(
      WriteValidationError,
    );
    await expect(
      engine.create('Board', { ...board('b1', 'u1'), extra: 1 } as never),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(engine.update('Board', 'nope', { name: 'x' })).rejects.toBeInstanceOf(
      RecordNotFoundError,
    );
    await expect(
      engine.transaction([
        { op: 'create', model: 'Board', record: board('b2', 'u1') },
        { op: 'update', model: 'Board', key: 'b2', patch: { name: 7 } },
      ]),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    // A failure inside the transaction (after validation) rolls back the writes before it.
    await expect(
      engine.transaction([
        { op: 'create', model: 'Board', record: board('b3', 'u1') },
        { op: 'update', model: 'Board', key: 'missing', patch: { name: 'x' } },
      ]),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      engine.transaction([{ op: 'create', model: 'Nope', record: {} }]),
    ).rejects.toMatchObject({ code: 'UNKNOWN_MODEL' });
    expect(await engine.list('Board')).toEqual([]);
    expect((await engine.status()).pending).toBe(0);
    await engine.close();
  });

  it('refuses own keys the model does not declare, __proto__ and constructor included', async () => {
    const engine = await engineOn(new IDBFactory());
    await engine.create('Board', board('b1', 'u1'));
    const json = JSON.stringify(board('b2', 'u1')).slice(0, -1);
    // Parsed (and structured-cloned, as a page's write arrives): the keys are own keys.
    const parsed = (text: string) => structuredClone(JSON.parse(text) as Record<string, unknown>);
    for (const write of [
      () => engine.create('Board', parsed(`${json}, "__proto__": {}}`) as never),
      () => engine.create('Board', parsed(`${json}, "constructor": "x"}`) as never),
      () => engine.create('Board', parsed(`${json}, "prototype": 1}`) as never),
      () => engine.update('Board', 'b1', parsed('{"__proto__": {}}')),
      () => engine.update('Board', 'b1', parsed('{"__proto__": {"name": "polluted"}}')),
      () => engine.update('Board', 'b1', parsed('{"name": "x", "constructor": {}}')),
    ]) {
      await expect(write()).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect(await engine.list('Board')).toEqual([board('b1', 'u1')]);
    expect((await engine.status()).pending).toBe(1);
    await engine.close();
  });

  it('refuses undeclared keys in nested objects, naming the path, instead of dropping them', async () => {
    const schema = defineSchema({
      Note: model({
        fields: z.object({
          id: z.string(),
          owner: z.string(),
          meta: z.object({ colour: z.string(), pos: z.object({ x: z.number() }).optional() }),
        }),
        key: 'id',
        scope: 'owner',
      }),
    });
    const engine = await createEngine({
      schema,
      dbName: 'n',
      indexedDB: new IDBFactory(),
      ...offline,
    });
    const note = { id: 'n1', owner: 'u1', meta: { colour: 'red' } };
    await engine.create('Note', note);
    const refused = async (write: () => Promise<unknown>) => {
      const error = await write().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WriteValidationError);
      return (error as WriteValidationError).details.issues.map((i) => [
        i.path.join('.'),
        i.message,
      ]);
    };
    expect(
      await refused(() =>
        engine.create('Note', { id: 'n2', owner: 'u1', meta: { colour: 'red', size: 3 } } as never),
      ),
    ).toEqual([['meta', 'Unrecognized key: "size"']]);
    expect(
      await refused(() =>
        engine.update('Note', 'n1', { meta: { colour: 'red', pos: { x: 1, y: 2 } } } as never),
      ),
    ).toEqual([['meta.pos', 'Unrecognized key: "y"']]);
    expect(
      await refused(() =>
        engine.update('Note', 'n1', {
          meta: structuredClone(JSON.parse('{"colour": "x", "__proto__": {}}')),
        }),
      ),
    ).toEqual([['meta', 'Unrecognized key: "__proto__"']]);
    expect(await engine.list('Note')).toEqual([note]);
    expect((await engine.status()).pending).toBe(1);
    await engine.close();
  });

  it('deduplicates by mutationId, across engine restarts', async () => {
    const idb = new IDBFactory();
    const first = await engineOn(idb);
    const writes = [
      { op: 'create' as const, model: 'Board', record: board('b1', 'u1') },
      { op: 'create' as const, model: 'Todo', record: todo('t1', 'b1') },
    ];
    const results = await first.transaction(writes, { mutationId: 'm1' });
    await first.close();
    const second = await engineOn(idb);
    expect(second.clientId).toBe(first.clientId);
    await second.update('Todo', 't1', { title: 'changed' });
    // The retry returns the first result and does not apply the create again.
    expect(await second.transaction(writes, { mutationId: 'm1' })).toEqual(results);
    expect((await second.get('Todo', 't1'))?.title).toBe('changed');
    expect((await second.status()).pending).toBe(3);
    await second.close();

    // Receipts are forgotten after their time to live, at the next start.
    const later = await createEngine({
      schema: demoSchema,
      dbName: 'w',
      indexedDB: idb,
      ...offline,
      now: () => Date.now() + 8 * 24 * 60 * 60 * 1000,
    });
    const db = await openLocalDb({ schema: demoSchema, dbName: 'w', indexedDB: idb });
    expect(await db.count(STORES.receipts)).toBe(0);
    db.close();
    await later.close();
  });

  it('refuses a model named like a reserved store', async () => {
    // defineSchema refuses exactly the engine's store names...
    expect([...RESERVED_MODEL_NAMES].sort()).toEqual([...RESERVED_STORE_NAMES].sort());
    const fields = z.object({ id: z.string(), userId: z.string() });
    const outbox = model({ fields, key: 'id', scope: 'userId' });
    expect(() => defineSchema({ outbox })).toThrow(SchemaError);
    // ...and the store still refuses a schema object built without it.
    const valid = defineSchema({ Outbox: outbox });
    const schema: Schema = { ...valid, models: { outbox }, modelNames: ['outbox'] };
    await expect(
      openLocalDb({ schema, dbName: 'r', indexedDB: new IDBFactory() }),
    ).rejects.toBeInstanceOf(ReservedModelNameError);
  });

  it('upgrades on a schema change, keeping the outbox and records', async () => {
    const idb = new IDBFactory();
    const v1 = await engineOn(idb);
    await v1.create('Board', board('b1', 'u1'));
    await v1.close();
    // As if a first sync were under way: the resync the upgrade starts is no fresh one.
    const before = await openLocalDb({ schema: demoSchema, dbName: 'w', indexedDB: idb });
    await before.put(STORES.meta, true, 'resyncFresh');
    before.close();
    const Board = demoSchema.models.Board;
    const changed = defineSchema({
      Board: model({
        fields: Board.fields,
        key: 'id',
        scope: 'userId',
        indexes: ['name'],
      }),
    });
    const db = await openLocalDb({ schema: changed, dbName: 'w', indexedDB: idb });
    expect(db.version).toBe(2);
    expect([...db.objectStoreNames]).not.toContain('Todo');
    expect([...db.transaction('Board').store.indexNames]).toEqual(['name']);
    expect(await db.get('Board', 'b1')).toEqual(board('b1', 'u1'));
    expect(await db.count(STORES.outbox)).toBe(1);
    expect(await db.get(STORES.meta, 'resyncing')).toBe(true);
    expect(await db.get(STORES.meta, 'resyncFresh')).toBeUndefined();
    db.close();
    // Same schema again: no further upgrade.
    const again = await openLocalDb({ schema: changed, dbName: 'w', indexedDB: idb });
    expect(again.version).toBe(2);
    again.close();
  });

  it('rebuilds a model store whose key changed, carrying its records over', async () => {
    const idb = new IDBFactory();
    const fields = z.object({ id: z.string(), slug: z.string(), userId: z.string() });
    const v1 = defineSchema({ Page: model({ fields, key: 'id', scope: 'userId' }) });
    const v2 = defineSchema({ Page: model({ fields, key: 'slug', scope: 'userId' }) });
    const engine = await createEngine({ schema: v1, dbName: 'k', indexedDB: idb, ...offline });
    await engine.create('Page', { id: 'p1', slug: 'home', userId: 'u1' });
    await engine.close();
    const db = await openLocalDb({ schema: v2, dbName: 'k', indexedDB: idb });
    expect(db.transaction('Page').store.keyPath).toBe('slug');
    expect(await db.get('Page', 'home')).toEqual({ id: 'p1', slug: 'home', userId: 'u1' });
    expect(await db.count(STORES.outbox)).toBe(1);
    db.close();
  });

  it('never stores request headers', async () => {
    const idb = new IDBFactory();
    const engine = await engineOn(idb);
    engine.setHeaders({ authorization: 'Bearer SECRET-TOKEN' });
    await engine.create('Board', board('b1', 'u1'), { mutationId: 'm' });
    await engine.sync();
    await engine.close();
    const db = await openLocalDb({ schema: demoSchema, dbName: 'w', indexedDB: idb });
    const everything: unknown[] = [];
    for (const name of db.objectStoreNames) {
      everything.push(await db.getAll(name), await db.getAllKeys(name));
    }
    expect(JSON.stringify(everything)).not.toContain('SECRET');
    db.close();
  });

  it('deletes the children of a deleted parent locally, as part of its one event', async () => {
    const idb = new IDBFactory();
    const messages: BroadcastMessage[] = [];
    const engine = await createEngine({
      schema: demoSchema,
      dbName: 'w',
      indexedDB: idb,
      ...offline,
      onBroadcast: (m) => messages.push(m),
    });
    await engine.create('Board', board('b1', 'u1'));
    await engine.create('Board', board('b2', 'u1'));
    await engine.create('Todo', todo('t1', 'b1'));
    await engine.create('Todo', todo('t2', 'b1'));
    await engine.create('Todo', todo('t3', 'b2'));
    messages.length = 0;
    await engine.delete('Board', 'b1');
    expect((await engine.list('Todo')).map((t) => t.id)).toEqual(['t3']);
    expect(messages.filter((m) => m.type === 'change')).toEqual([
      { type: 'change', model: 'Board', keys: ['b1'] },
      { type: 'change', model: 'Todo', keys: ['t1', 't2'] },
    ]);
    // One event: the children are never pushed as deletes of their own.
    expect((await engine.status()).pending).toBe(6);
    const db = await openLocalDb({ schema: demoSchema, dbName: 'w', indexedDB: idb });
    const rows = (await db.getAll(STORES.outbox)) as OutboxRow[];
    expect(rows.slice(5).map((r) => [r.event.operation, r.model, r.key, r.cascade])).toEqual([
      [
        'delete',
        'Board',
        'b1',
        [
          { model: 'Todo', key: 't1' },
          { model: 'Todo', key: 't2' },
        ],
      ],
    ]);
    // Each child is tied to that event by a mark in its base row.
    const base = (await db.get(STORES.base, ['Todo', 't1'])) as BaseRow;
    expect(base.cascades).toEqual([
      { seq: rows[5]!.seq, parentModel: 'Board', field: 'boardId', parentKey: 'b1' },
    ]);
    db.close();
    await engine.close();
  });
});
