import { randomUUID } from 'node:crypto';
import { IDBFactory } from 'fake-indexeddb';
import { pullAndMaterializeLogs, purgeTombstones } from 'swsync/server';
import { describe, expect, it } from 'vitest';
import { demoSchema } from '../../../demo/schema.ts';
import { foldersSchema, testSchema } from '../../../server/testing/test-schema.ts';
import { STORES } from '../../store/layout.ts';
import { openLocalDb } from '../../store/open.ts';
import { board, todo } from '../../testing/demo-records.ts';
import { rejections, signedInEngine } from '../../testing/engines.ts';
import { faultyFetch } from '../../testing/faults.ts';
import type { SyncFixture } from '../../testing/fixture.ts';
import { startSyncServer } from '../../testing/sync-server.ts';
import type { EngineOptions } from '../options.ts';

/** Multi-device stories from issue #10, each exactly as reported. */
export function storiesSuite(f: SyncFixture): void {
  type Opts = Partial<EngineOptions<typeof demoSchema>>;
  const device = (user: string, options: Opts = {}) =>
    signedInEngine(user, {
      schema: demoSchema,
      endpoint: f.server.endpoint,
      indexedDB: new IDBFactory(),
      ...options,
    });
  const serverKeys = async (user: string) =>
    (await pullAndMaterializeLogs({ store: f.store, scopeKey: user, limit: 1000 })).logsWithRecords
      .filter((e) => e.record !== null)
      .map((e) => String(e.keyPath[0]));
  // Every tombstone of every scope so far leaves the changelog (this store is shared by the
  // file: other tests' cursors expire too, which they survive by design).
  const purgeAll = () =>
    purgeTombstones({ store: f.store, retentionMs: 0, now: new Date(Date.now() + 60_000) });

  const folderDevice = (user: string) =>
    signedInEngine(user, {
      schema: foldersSchema,
      endpoint: f.folders.endpoint,
      indexedDB: new IDBFactory(),
    });
  /** The user's live records on the server, as `Model/key` → record. */
  const serverState = async (user: string) => {
    const page = await pullAndMaterializeLogs({ store: f.store, scopeKey: user, limit: 1000 });
    return new Map(
      page.logsWithRecords
        .filter((e) => e.record !== null)
        .map((e) => [`${e.model}/${String(e.keyPath[0])}`, e.record]),
    );
  };

  describe('a parent delete and its cascade are one change', () => {
    it('a folder delete refused as CONFLICT (renamed elsewhere) keeps its notes everywhere', async () => {
      const user = randomUUID();
      const one = await folderDevice(user);
      const two = await folderDevice(user);
      const folder = `f-${user}`;
      const notes = [`n1-${user}`, `n2-${user}`];
      await one.engine.create('Folder', { id: folder, userId: user, name: 'Work' });
      for (const id of notes) await one.engine.create('Note', { id, folderId: folder, text: id });
      await one.engine.sync();
      await two.engine.sync();

      // Offline, device 1 deletes the folder: its notes go with it, locally, at once.
      one.engine.setOnline(false);
      await one.engine.delete('Folder', folder);
      expect(await one.engine.list('Note')).toEqual([]);
      expect((await one.engine.status()).pending).toBe(1);
      // Device 2 renames it meanwhile.
      await two.engine.update('Folder', folder, { name: 'Renamed' });
      await two.engine.sync();

      one.engine.setOnline(true);
      expect(await one.engine.sync('online')).toMatchObject({ pending: 0, lastError: null });
      expect(rejections(one.messages).map((r) => [r.event.entityType, r.error.type])).toEqual([
        ['Folder', 'CONFLICT'],
      ]);
      const expected = new Map<string, unknown>([
        [`Folder/${folder}`, { id: folder, userId: user, name: 'Renamed' }],
        ...notes.map((id) => [`Note/${id}`, { id, folderId: folder, text: id }] as const),
      ]);
      expect(await serverState(user)).toEqual(expected);
      for (const device of [one, two]) {
        await device.engine.sync();
        expect(await device.engine.get('Folder', folder)).toMatchObject({ name: 'Renamed' });
        expect((await device.engine.list('Note')).map((n) => n.id).sort()).toEqual(notes);
      }
      await one.engine.close();
      await two.engine.close();
    });

    it('a todo moved to another board before an offline board delete arrives survives', async () => {
      const user = randomUUID();
      const one = await device(user);
      const two = await device(user);
      const [b1, b2, t1, t2] = ['b1', 'b2', 't1', 't2'].map((k) => `${k}-${user}`) as [
        string,
        string,
        string,
        string,
      ];
      await one.engine.create('Board', board(b1, user));
      await one.engine.create('Board', board(b2, user));
      await one.engine.create('Todo', todo(t1, b1));
      await one.engine.create('Todo', todo(t2, b1));
      await one.engine.sync();
      await two.engine.sync();

      one.engine.setOnline(false);
      await one.engine.delete('Board', b1);
      expect(await one.engine.list('Todo')).toEqual([]);
      await two.engine.update('Todo', t2, { boardId: b2 });
      await two.engine.sync();

      one.engine.setOnline(true);
      expect(await one.engine.sync('online')).toMatchObject({ pending: 0, lastError: null });
      expect(rejections(one.messages)).toEqual([]);
      const moved = { ...todo(t2, b2) };
      expect(await serverState(user)).toEqual(
        new Map<string, unknown>([
          [`Board/${b2}`, board(b2, user)],
          [`Todo/${t2}`, moved],
        ]),
      );
      for (const d of [one, two]) {
        await d.engine.sync();
        expect(await d.engine.list('Board')).toEqual([board(b2, user)]);
        expect(await d.engine.list('Todo')).toEqual([moved]);
      }
      await one.engine.close();
      await two.engine.close();
    });

    it('restrict: a pin under a cascaded note refuses the folder delete, and everything comes back', async () => {
      const user = randomUUID();
      const one = await folderDevice(user);
      const folder = `f-${user}`;
      const note = `n-${user}`;
      const pin = `p-${user}`;
      await one.engine.create('Folder', { id: folder, userId: user, name: 'Work' });
      await one.engine.create('Note', { id: note, folderId: folder, text: 'x' });
      await one.engine.create('NotePin', { id: pin, noteId: note });
      await one.engine.sync();
      const before = await serverState(user);

      await one.engine.delete('Folder', folder);
      // The note goes with the folder locally; the pin restricts, so it is left alone.
      expect(await one.engine.get('Note', note)).toBeUndefined();
      expect(await one.engine.get('NotePin', pin)).toBeDefined();
      expect(await one.engine.sync()).toMatchObject({ pending: 0, lastError: null });
      expect(rejections(one.messages).map((r) => r.error.type)).toEqual(['CONFLICT']);
      expect(await serverState(user)).toEqual(before);
      expect(await one.engine.get('Folder', folder)).toBeDefined();
      expect(await one.engine.get('Note', note)).toEqual({ id: note, folderId: folder, text: 'x' });
      await one.engine.close();
    });

    it('an applied cascade leaves no bookkeeping, and a child re-created after it stays', async () => {
      const user = randomUUID();
      const idb = new IDBFactory();
      const one = await device(user, { indexedDB: idb });
      const [b1, b2, t1] = ['b1', 'b2', 't1'].map((k) => `${k}-${user}`) as [
        string,
        string,
        string,
      ];
      await one.engine.create('Board', board(b1, user));
      await one.engine.create('Board', board(b2, user));
      await one.engine.create('Todo', todo(t1, b1));
      await one.engine.update('Todo', t1, { title: 'edited before the delete' });
      await one.engine.delete('Board', b1);
      await one.engine.create('Todo', todo(t1, b2, 'again'));
      expect(await one.engine.get('Todo', t1)).toMatchObject({ boardId: b2, title: 'again' });
      expect(await one.engine.sync()).toMatchObject({ pending: 0, lastError: null });
      expect(await one.engine.list('Todo')).toEqual([todo(t1, b2, 'again')]);
      expect((await serverState(user)).get(`Todo/${t1}`)).toEqual(todo(t1, b2, 'again'));
      await one.engine.close();
      const db = await openLocalDb({ schema: demoSchema, dbName: 'swsync', indexedDB: idb });
      expect([await db.count(STORES.outbox), await db.count(STORES.base)]).toEqual([0, 0]);
      db.close();
    });
  });

  describe("a board delete undone by re-creating the board and its todos (the demo's Undo)", () => {
    for (const when of ['while the delete is pending', 'after the delete synced'] as const) {
      it(`keeps them on every device, ${when}`, async () => {
        const user = randomUUID();
        const one = await device(user);
        const two = await device(user);
        const [b1, t1, t2] = ['b1', 't1', 't2'].map((k) => `${k}-${user}`) as [
          string,
          string,
          string,
        ];
        await one.engine.create('Board', board(b1, user));
        await one.engine.create('Todo', todo(t1, b1));
        await one.engine.create('Todo', todo(t2, b1));
        await one.engine.sync();
        await one.engine.delete('Board', b1);
        expect(await one.engine.list('Todo')).toEqual([]);
        if (when === 'after the delete synced') {
          expect(await one.engine.sync()).toMatchObject({ pending: 0, lastError: null });
        }
        await one.engine.create('Board', board(b1, user));
        await one.engine.create('Todo', todo(t1, b1));
        await one.engine.create('Todo', todo(t2, b1));
        expect(await one.engine.sync()).toMatchObject({ pending: 0, lastError: null });
        // A second sync settles whatever the first left to a complete pull.
        await one.engine.sync();
        const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
        const todos = [todo(t1, b1), todo(t2, b1)].sort(byId);
        expect((await one.engine.list('Todo')).sort(byId)).toEqual(todos);
        expect((await serverKeys(user)).sort()).toEqual([b1, t1, t2].sort());
        await two.engine.sync();
        expect((await two.engine.list('Todo')).sort(byId)).toEqual(todos);
        expect(await two.engine.list('Board')).toEqual([board(b1, user)]);
        await one.engine.close();
        await two.engine.close();
      });
    }
  });

  describe('a record deleted elsewhere and purged after its push answer was lost', () => {
    for (const history of ['a fresh device', 'a device that synced before'] as const) {
      it(`is not kept as a ghost by ${history}`, async () => {
        const user = randomUUID();
        const faulty = faultyFetch();
        const one = await device(user, { fetch: faulty.fetch });
        const two = await device(user);
        if (history === 'a device that synced before') {
          await one.engine.create('Board', board(`kept-${user}`, user));
          await one.engine.sync();
        }
        const ghost = `ghost-${user}`;
        await one.engine.create('Board', board(ghost, user));
        faulty.plan = (path) => (path === '/push' ? 'drop-response' : undefined);
        expect((await one.engine.sync()).pending).toBe(1);
        faulty.plan = () => undefined;

        await two.engine.sync();
        expect(await two.engine.get('Board', ghost)).toBeDefined();
        await two.engine.delete('Board', ghost);
        await two.engine.sync();
        expect(await purgeAll()).toBeGreaterThan(0);

        expect(await one.engine.sync()).toMatchObject({ pending: 0, lastError: null });
        expect(await one.engine.get('Board', ghost)).toBeUndefined();
        // ...and for good: later syncs do not bring it back either.
        await one.engine.sync();
        expect(await one.engine.get('Board', ghost)).toBeUndefined();
        expect(await serverKeys(user)).not.toContain(ghost);
        expect((await one.engine.list('Board')).map((b) => b.id)).toEqual(await serverKeys(user));
        await one.engine.close();
        await two.engine.close();
      });
    }

    it('the repeated push answer itself says the record is gone', async () => {
      const user = randomUUID();
      const faulty = faultyFetch();
      const one = await device(user, { fetch: faulty.fetch });
      const two = await device(user);
      await one.engine.create('Board', board(`kept-${user}`, user));
      await one.engine.sync();
      const ghost = `ghost-${user}`;
      await one.engine.create('Board', board(ghost, user));
      faulty.plan = (path) => (path === '/push' ? 'drop-response' : undefined);
      await one.engine.sync();
      await two.engine.sync();
      await two.engine.delete('Board', ghost);
      await two.engine.sync();
      await purgeAll();

      // Between the repeated push and the pull: the answer alone must have removed it.
      let seenAtPull: unknown = 'not pulled';
      faulty.plan = async (path) => {
        if (path === '/pull' && seenAtPull === 'not pulled') {
          seenAtPull = (await one.engine.get('Board', ghost)) ?? null;
        }
        return undefined;
      };
      await one.engine.sync();
      expect(seenAtPull).toBeNull();
      expect(await one.engine.get('Board', ghost)).toBeUndefined();
      await one.engine.close();
      await two.engine.close();
    });

    describe('a cascade reaches only what the server cascaded (review of #10)', () => {
      it('a grandchild under a todo moved away before the board delete arrived stays on the deleting device', async () => {
        const server = await startSyncServer(f.store, { schema: testSchema });
        const user = randomUUID();
        const dev = () =>
          signedInEngine(user, {
            schema: testSchema,
            endpoint: server.endpoint,
            indexedDB: new IDBFactory(),
          });
        const one = await dev();
        const two = await dev();
        const [b1, b2, t1, c1] = ['b1', 'b2', 't1', 'c1'].map((k) => `${k}-${user}`) as [
          string,
          string,
          string,
          string,
        ];
        await one.engine.create('Board', board(b1, user));
        await one.engine.create('Board', board(b2, user));
        await one.engine.create('Todo', todo(t1, b1));
        await one.engine.create('Comment', { id: c1, todoId: t1, text: 'keep me' });
        await one.engine.sync();
        await two.engine.sync();

        one.engine.setOnline(false);
        await one.engine.delete('Board', b1);
        // Offline, the whole subtree goes at once.
        expect(await one.engine.get('Comment', c1)).toBeUndefined();
        await two.engine.update('Todo', t1, { boardId: b2 });
        await two.engine.sync();
        one.engine.setOnline(true);
        await one.engine.sync('online');

        expect(await one.engine.get('Board', b1)).toBeUndefined();
        expect(await one.engine.get('Todo', t1)).toMatchObject({ boardId: b2 });
        expect(await one.engine.get('Comment', c1)).toMatchObject({ text: 'keep me' });
        expect(await one.engine.status()).toMatchObject({ pending: 0 });
        await one.engine.close();
        await two.engine.close();
        await server.close();
      });
    });
  });
}
