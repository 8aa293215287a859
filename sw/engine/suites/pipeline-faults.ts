import { randomUUID } from 'node:crypto';
import { IDBFactory } from 'fake-indexeddb';
import { pullAndMaterializeLogs } from 'swsync/server';
import { describe, expect, it } from 'vitest';
import { demoSchema } from '../../../demo/schema.ts';
import { board, todo } from '../../testing/demo-records.ts';
import { deletedElsewhere, rejections, signedInEngine } from '../../testing/engines.ts';
import type { SyncFixture } from '../../testing/fixture.ts';

/**
 * The pipelined drain (sync/push.ts) around rejections, refusals and a worker dying between a
 * batch's answer and its results; the in-memory pending count (engine/pending-count.ts) with
 * two engines on one database.
 */
export function pipelineFaultsSuite(f: SyncFixture): void {
  async function serverRecords(user: string) {
    const page = await pullAndMaterializeLogs({ store: f.store, scopeKey: user, limit: 1000 });
    return page.logsWithRecords;
  }

  describe('pipelined drain meets faults', () => {
    it('a record rejected in one batch with its next edit in the batch sent ahead: both rejected once, nothing left', async () => {
      const user = randomUUID();
      const { engine, messages } = await signedInEngine(user, {
        schema: demoSchema,
        endpoint: f.server.endpoint,
        batchSize: 4,
      });
      const kept = randomUUID();
      await engine.create('Board', board(kept, user, 'Kept'));
      const doomed = await deletedElsewhere(engine, user, f.server.endpoint);
      engine.setOnline(false);
      // Batch 1: the doomed board's rename and three others; batch 2 (sent while batch 1's
      // results are stored): its second edit, then an edit of a board batch 1 also edited.
      await engine.update('Board', doomed, { name: 'First' });
      await engine.update('Board', kept, { name: 'Kept 1' });
      for (const name of ['A', 'B']) await engine.create('Board', board(randomUUID(), user, name));
      await engine.update('Board', doomed, { name: 'Second' });
      await engine.update('Board', kept, { name: 'Kept 2' });
      engine.setOnline(true);
      expect(await engine.sync('online')).toMatchObject({ pending: 0, lastError: null });

      const got = rejections(messages);
      expect(got.map((r) => [r.event.payload, r.error.type])).toEqual([
        [{ name: 'First' }, 'CONFLICT'],
        [{ name: 'Second' }, 'CONFLICT'],
      ]);
      expect(await engine.get('Board', doomed)).toBeUndefined();
      expect((await engine.get('Board', kept))?.name).toBe('Kept 2');
      const names = (await serverRecords(user)).flatMap((e) => (e.record ? [e.record.name] : []));
      expect(names.sort()).toEqual(['A', 'B', 'Kept 2']);
      await engine.close();
    });

    it('a batch sent ahead that the server refuses (413) is split after the answered batch is stored', async () => {
      const user = randomUUID();
      const { engine, messages } = await signedInEngine(user, {
        schema: demoSchema,
        endpoint: f.strict.endpoint,
        batchSize: 3,
      });
      const b = randomUUID();
      engine.setOnline(false);
      await engine.create('Board', board(b, user));
      await engine.create('Todo', todo('t1', b));
      await engine.create('Todo', todo('t2', b));
      // Batch 2: too large as a whole and, for its first event, alone.
      await engine.create('Todo', { ...todo('big', b), title: '€'.repeat(500) });
      await engine.create('Todo', todo('t3', b));
      await engine.create('Todo', todo('t4', b));
      await engine.create('Todo', todo('t5', b));
      engine.setOnline(true);
      expect(await engine.sync('online')).toMatchObject({ pending: 0, lastError: null });

      expect(rejections(messages).map((r) => r.event.entityKeyPath)).toEqual([['big']]);
      expect(await engine.get('Todo', 'big')).toBeUndefined();
      const keys = (await serverRecords(user)).map((e) => e.record?.id).sort();
      expect(keys).toEqual([b, 't1', 't2', 't3', 't4', 't5'].sort());
      await engine.close();
    });

    it('a worker killed while the batch sent ahead is in flight: a new engine drains the rest once', async () => {
      const user = randomUUID();
      const indexedDB = new IDBFactory();
      let pushes = 0;
      let kill: (() => Promise<void>) | undefined;
      const first = await signedInEngine(user, {
        schema: demoSchema,
        endpoint: f.server.endpoint,
        indexedDB,
        batchSize: 5,
        fetch: async (input, init) => {
          const response = await globalThis.fetch(input, init);
          // Batch 2 is applied by the server; the worker dies before its answer is read.
          if (String(input).endsWith('/push') && ++pushes === 2) await kill?.();
          return response;
        },
      });
      kill = () => first.engine.close();
      const doomed = await deletedElsewhere(first.engine, user, f.server.endpoint);
      first.engine.setOnline(false);
      await first.engine.update('Board', doomed, { name: 'Edited' });
      const names = Array.from({ length: 12 }, (_, i) => `Board ${String(i).padStart(2, '0')}`);
      for (const name of names) await first.engine.create('Board', board(randomUUID(), user, name));
      pushes = 0;
      first.engine.setOnline(true);
      await first.engine.sync('online');

      const second = await signedInEngine(user, {
        schema: demoSchema,
        endpoint: f.server.endpoint,
        indexedDB,
        batchSize: 5,
      });
      expect(await second.engine.sync()).toMatchObject({ pending: 0, lastError: null });
      const server = await serverRecords(user);
      expect(server.flatMap((e) => (e.record ? [e.record.name] : [])).sort()).toEqual(names);
      // Each board created once (version 1), whatever was pushed twice.
      expect(server.every((e) => e.record === null || e.version === 1)).toBe(true);
      expect((await second.engine.list('Board')).map((x) => x.name).sort()).toEqual(names);
      const all = [...rejections(first.messages), ...rejections(second.messages)];
      expect(all.map((r) => r.event.payload)).toEqual([{ name: 'Edited' }]);
      await second.engine.close();
    });
  });

  describe('pending count', () => {
    it('two engines on one database: a status after the other engine drained the outbox says 0', async () => {
      const user = randomUUID();
      const indexedDB = new IDBFactory();
      let online = false;
      const a = await signedInEngine(user, {
        schema: demoSchema,
        endpoint: f.server.endpoint,
        indexedDB,
        isOnline: () => online,
      });
      for (const name of ['One', 'Two', 'Three']) {
        await a.engine.create('Board', board(randomUUID(), user, name));
      }
      expect((await a.engine.status()).pending).toBe(3);
      online = true;
      // Another context's engine on the same database (a tab leading without Web Locks, a
      // worker being replaced) drains the outbox.
      const b = await signedInEngine(user, {
        schema: demoSchema,
        endpoint: f.server.endpoint,
        indexedDB,
      });
      expect(await b.engine.sync()).toMatchObject({ pending: 0, lastError: null });
      expect((await a.engine.status()).pending).toBe(0);
      await a.engine.create('Board', board(randomUUID(), user, 'Four'));
      expect((await a.engine.status()).pending).toBe(1);
      await a.engine.close();
      await b.engine.close();
    });
  });
}
