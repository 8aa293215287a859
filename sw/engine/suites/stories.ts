import { randomUUID } from 'node:crypto';
import { IDBFactory } from 'fake-indexeddb';
import { pullAndMaterializeLogs, purgeTombstones } from 'swsync/server';
import { describe, expect, it } from 'vitest';
import { demoSchema } from '../../../demo/schema.ts';
import { board } from '../../testing/demo-records.ts';
import { signedInEngine } from '../../testing/engines.ts';
import { faultyFetch } from '../../testing/faults.ts';
import type { SyncFixture } from '../../testing/fixture.ts';
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
  });
}
