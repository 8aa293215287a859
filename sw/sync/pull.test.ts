import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import type { LogWithRecord } from 'swsync/schema';
import { describe, expect, it } from 'vitest';
import { demoSchema } from '../../demo/schema.ts';
import { META_KEYS, STORES, type VersionRow } from '../store/layout.ts';
import { openLocalDb } from '../store/open.ts';
import { board, todo } from '../testing/demo-records.ts';
import { notesSchema } from '../testing/fixture.ts';
import { scriptedContext } from '../testing/scripted-context.ts';
import { applyWrites } from '../write/apply-writes.ts';
import { checkWrite } from '../write/validate.ts';
import { pullChanges } from './pull.ts';

/**
 * A full pull reads no stored version when none can be newer than what it brings (a first
 * sync of one scope into an empty database, see KnownVersions in pull.ts). These pages are
 * scripted to bring an older version after a newer one, which a real v1 server never does:
 * wherever the pull may meet that, it must still skip the stale entry.
 */

type Entry = LogWithRecord & { scope?: string };

const entry = (key: string, version: number, record: object | null, scope?: string): Entry => ({
  id: `c-${key}-${version}`,
  model: 'Todo',
  keyPath: [key],
  operation: record === null ? 'delete' : version === 1 ? 'create' : 'update',
  record: record as Entry['record'],
  version,
  eventId: null,
  clientId: null,
  ...(scope === undefined ? {} : { scope }),
});

let dbs = 0;
const openDb = () =>
  openLocalDb({ schema: demoSchema, dbName: `pull-${++dbs}`, indexedDB: new IDBFactory() });

const title = (t: string) => ({ ...todo('t1', 'b1'), title: t });

describe('a full pull meets the versions stored', () => {
  it('skips an older entry for a key the database knows only by its version (a delete)', async () => {
    const db = await openDb();
    // The record was deleted here at version 5: no record, no base row, one versions row. A
    // pull starting over (a replaced server database) brings it at version 3.
    await db.put(STORES.versions, { model: 'Todo', key: 't1', version: 5 } satisfies VersionRow);
    expect(await pullChanges(scriptedContext(db, [[entry('t1', 3, title('stale'))]]))).toEqual({
      kind: 'done',
    });
    expect(await db.get('Todo', 't1')).toBeUndefined();
    expect(await db.get(STORES.versions, ['Todo', 't1'])).toMatchObject({ version: 5 });
    db.close();
  });

  it('skips an older entry for a record held at a newer version', async () => {
    const db = await openDb();
    await db.put('Todo', title('current'));
    await db.put(STORES.versions, { model: 'Todo', key: 't1', version: 5 } satisfies VersionRow);
    await pullChanges(scriptedContext(db, [[entry('t1', 3, title('stale'))]]));
    expect(await db.get('Todo', 't1')).toEqual(title('current'));
    db.close();
  });

  it('a first sync stores versions for version-checked records only', async () => {
    const db = await openDb();
    await pullChanges(scriptedContext(db, [[entry('t1', 3, title('first'))]]));
    expect(await db.get('Todo', 't1')).toEqual(title('first'));
    expect(await db.count(STORES.versions)).toBe(0);
    db.close();

    const notes = await openLocalDb({
      schema: notesSchema,
      dbName: `pull-${++dbs}`,
      indexedDB: new IDBFactory(),
    });
    const note = { id: 'n1', userId: 'u1', text: 'one' };
    const page = [{ ...entry('n1', 3, note), model: 'Note' }];
    await pullChanges(scriptedContext(notes, [page], { schema: notesSchema }));
    expect(await notes.get('Note', 'n1')).toEqual(note);
    expect(await notes.get(STORES.versions, ['Note', 'n1'])).toMatchObject({ version: 3 });
    notes.close();
  });

  it('a later full pull stores the versions a first sync left out', async () => {
    const db = await openDb();
    await db.put('Todo', title('first'));
    await pullChanges(scriptedContext(db, [[entry('t1', 4, title('again'))]]));
    expect(await db.get(STORES.versions, ['Todo', 't1'])).toMatchObject({ version: 4 });
    db.close();
  });

  it('spaces: a first sync into an empty database still skips an older entry', async () => {
    const db = await openDb();
    // Two scopes' streams merged: the record's newer state comes first, an older one after.
    const pages = [
      [entry('t1', 4, title('moved'), 'shared')],
      [entry('t1', 2, title('old'), 'own')],
    ];
    await pullChanges(scriptedContext(db, pages, { spaces: true }));
    expect(await db.get('Todo', 't1')).toEqual(title('moved'));
    expect(await db.get(STORES.versions, ['Todo', 't1'])).toMatchObject({
      version: 4,
      scope: 'shared',
    });
    db.close();
  });

  it('a first sync rebases a write made while it runs (a base row: the careful path)', async () => {
    const db = await openDb();
    const pages = [
      [{ ...entry('b1', 1, board('b1', 'u1')), model: 'Board' }, entry('t1', 1, title('first'))],
      [entry('t1', 2, title('changed elsewhere'))],
    ];
    const before = async (page: number) => {
      if (page !== 1) return;
      // The second page is asked for while the first is stored: wait until it is.
      while (!(await db.get('Todo', 't1'))) await new Promise((r) => setTimeout(r, 1));
      const write = checkWrite(demoSchema, {
        op: 'update',
        model: 'Todo',
        key: 't1',
        patch: { done: true },
      });
      await applyWrites(db, demoSchema, [write], { now: () => new Date(0), newId: () => 'e1' });
    };
    await pullChanges(scriptedContext(db, pages, { before }));
    expect(await db.get(STORES.meta, META_KEYS.resyncing)).toBeUndefined();
    // The pending edit stays on top of the newer server state, and stays pending.
    expect(await db.get('Todo', 't1')).toEqual({ ...title('changed elsewhere'), done: true });
    expect(await db.get(STORES.base, ['Todo', 't1'])).toMatchObject({
      record: title('changed elsewhere'),
      version: 2,
    });
    expect(await db.count(STORES.outbox)).toBe(1);
    db.close();
  });
});
