import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { defineSchema, model, type PushResult } from 'swsync/schema';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { demoSchema } from '../../demo/schema.ts';
import { createEngine } from '../engine/create-engine.ts';
import { type OutboxRow, STORES } from '../store/layout.ts';
import { openLocalDb } from '../store/open.ts';
import { board } from '../testing/demo-records.ts';
import type { SyncContext } from './context.ts';
import { applyPushResults } from './push-results.ts';

const offline = { endpoint: 'http://127.0.0.1:1/api/sync', isOnline: () => false };

/** Three boards queued offline; the database they are in. */
async function threeQueued() {
  const indexedDB = new IDBFactory();
  const engine = await createEngine({ schema: demoSchema, dbName: 'r', indexedDB, ...offline });
  for (const id of ['b1', 'b2', 'b3']) await engine.create('Board', board(id, 'u1'));
  await engine.close();
  const db = await openLocalDb({ schema: demoSchema, dbName: 'r', indexedDB });
  const rows = (await db.getAll(STORES.outbox)) as OutboxRow[];
  const ctx = {
    db,
    schema: demoSchema,
    onChange: () => {},
    onRejected: () => {},
    onPushed: () => {},
  } as unknown as SyncContext;
  return { db, rows, ctx };
}

const applied = (rows: OutboxRow[]): PushResult[] =>
  rows.map((row, i) => ({ id: row.event.id, appliedChangelogId: `c${i}`, error: null }));

describe('applyPushResults settles the batch it was given, and nothing else', () => {
  it('a run of the outbox front leaves the outbox and base', async () => {
    const { db, rows, ctx } = await threeQueued();
    await applyPushResults(ctx, rows.slice(0, 2), applied(rows.slice(0, 2)));
    expect(((await db.getAll(STORES.outbox)) as OutboxRow[]).map((r) => r.key)).toEqual(['b3']);
    expect(await db.getAllKeys(STORES.base)).toEqual([['Board', 'b3']]);
  });

  it('a repeat answered with record: null deletes the row and names it in the change', async () => {
    // An event applied before whose record is gone since (purged: no pull will say so).
    const { db, rows, ctx } = await threeQueued();
    const changed: [string, string[]][] = [];
    const told = {
      ...ctx,
      onChange: (changes: Map<string, Set<unknown>>) => {
        for (const [model, keys] of changes) changed.push([model, [...keys] as string[]]);
      },
    } as unknown as SyncContext;
    const batch = rows.slice(0, 2);
    const gone = applied(batch).map((r, i) => (i === 0 ? { ...r, record: null, version: 3 } : r));
    await applyPushResults(told, batch, gone);
    expect(await db.get('Board', 'b1')).toBeUndefined();
    expect(changed).toEqual([['Board', ['b1']]]);
  });

  it('a batch with a gap keeps the event in the gap queued', async () => {
    const { db, rows, ctx } = await threeQueued();
    const batch = [rows[0]!, rows[2]!];
    await applyPushResults(ctx, batch, applied(batch));
    expect(((await db.getAll(STORES.outbox)) as OutboxRow[]).map((r) => r.key)).toEqual(['b2']);
    expect(await db.getAllKeys(STORES.base)).toEqual([['Board', 'b2']]);
    expect(await db.get('Board', 'b2')).toEqual(board('b2', 'u1'));
  });

  it('an event another run settled already is left alone', async () => {
    const { db, rows, ctx } = await threeQueued();
    await applyPushResults(ctx, rows.slice(0, 1), applied(rows.slice(0, 1)));
    await applyPushResults(ctx, rows, applied(rows));
    expect(await db.count(STORES.outbox)).toBe(0);
    expect(await db.count(STORES.base)).toBe(0);
    expect((await db.getAll('Board')).map((b) => (b as { id: string }).id)).toEqual([
      'b1',
      'b2',
      'b3',
    ]);
  });

  it('two events of a version-checked record in one batch both leave the outbox', async () => {
    // The engine's batches never hold two (cutAtSecondVersionedEdit); the settling must not
    // depend on it: the first's result rewrites the second's base version in the outbox.
    const schema = defineSchema({
      Note: model({
        fields: z.object({ id: z.string(), userId: z.string(), text: z.string() }),
        key: 'id',
        scope: 'userId',
        conflict: 'version',
      }),
    });
    const indexedDB = new IDBFactory();
    const engine = await createEngine({ schema, dbName: 'v', indexedDB, ...offline });
    await engine.create('Note', { id: 'n1', userId: 'u1', text: 'a' });
    await engine.update('Note', 'n1', { text: 'b' });
    await engine.close();
    const db = await openLocalDb({ schema, dbName: 'v', indexedDB });
    const rows = (await db.getAll(STORES.outbox)) as OutboxRow[];
    const ctx = { db, schema, onChange() {}, onRejected() {}, onPushed() {} };
    const results = applied(rows).map((r, i) => ({ ...r, version: i + 1 }));
    await applyPushResults(ctx as unknown as SyncContext, rows, results);
    expect(await db.count(STORES.outbox)).toBe(0);
    expect(await db.count(STORES.base)).toBe(0);
    expect(await db.get('Note', 'n1')).toEqual({ id: 'n1', userId: 'u1', text: 'b' });
  });

  it('an acknowledgement of an edit a pull already brought newer state over shows that state', async () => {
    // Queued offline: b1 created, then renamed 'Mine'. The create was settled since, and a pull
    // brought version 5, where another device renamed it 'Theirs' after 'Mine' reached the
    // server; the stored record still shows the pending 'Mine' on top of that.
    const indexedDB = new IDBFactory();
    const engine = await createEngine({ schema: demoSchema, dbName: 'd', indexedDB, ...offline });
    await engine.create('Board', board('b1', 'u1'));
    await engine.update('Board', 'b1', { name: 'Mine' });
    await engine.close();
    const db = await openLocalDb({ schema: demoSchema, dbName: 'd', indexedDB });
    const [created, renamed] = (await db.getAll(STORES.outbox)) as OutboxRow[];
    await db.delete(STORES.outbox, created!.seq!);
    const theirs = board('b1', 'u1', 'Theirs');
    await db.put(STORES.base, { model: 'Board', key: 'b1', record: theirs, version: 5 });
    expect(await db.get('Board', 'b1')).toEqual(board('b1', 'u1', 'Mine'));

    const ctx = { db, schema: demoSchema, onChange() {}, onRejected() {}, onPushed() {} };
    const result = { id: renamed!.event.id, appliedChangelogId: 'c2', error: null, version: 3 };
    await applyPushResults(ctx as unknown as SyncContext, [renamed!], [result]);
    expect(await db.get('Board', 'b1')).toEqual(theirs);
    expect(await db.count(STORES.outbox)).toBe(0);
    expect(await db.count(STORES.base)).toBe(0);
  });
});
