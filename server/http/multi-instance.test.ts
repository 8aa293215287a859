import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncStore } from '../store/types.ts';
import {
  board,
  createPostgresTestStore,
  ev,
  type PostgresTestStore,
  recordKey,
  testDatabaseUrl,
  testSchema,
  uniqueScope,
} from '../testing/index.ts';
import {
  bearerAuth,
  type ServedApp,
  SseReader,
  serveSyncRoutes,
  TestSyncClient,
} from './testing/index.ts';

function instance(store: SyncStore): Promise<ServedApp> {
  return serveSyncRoutes({ store, schema: testSchema, auth: bearerAuth });
}

// Two stores (two connection pools) on one database, two apps on two ports: what two server
// processes behind a load balancer look like. Pokes cross through PostgreSQL LISTEN/NOTIFY.
describe.skipIf(!testDatabaseUrl())('two server instances on one PostgreSQL database', () => {
  let pg: PostgresTestStore;
  let a: ServedApp;
  let b: ServedApp;
  beforeAll(async () => {
    pg = await createPostgresTestStore(3);
    a = await instance(pg.store);
    b = await instance(await pg.openAnother(3));
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await pg?.cleanup();
  });

  it('a push through instance A pokes the right client connected to instance B', async () => {
    const alice = uniqueScope('alice');
    const bob = uniqueScope('bob');
    const aliceOnB = new SseReader(await new TestSyncClient(`${b.url}/api/sync`, alice).events());
    const bobOnB = new SseReader(await new TestSyncClient(`${b.url}/api/sync`, bob).events());
    try {
      const viaA = new TestSyncClient(`${a.url}/api/sync`, alice);
      const [result] = await viaA.push([ev.create('Board', board(recordKey('b'), alice))]);
      const poke = await aliceOnB.next((m) => m.event === 'poke');
      expect(JSON.parse(poke.data)).toEqual({ cursor: result?.appliedChangelogId });
      // The poked client pulls from B and sees A's commit.
      const page = await new TestSyncClient(`${b.url}/api/sync`, alice).pull();
      expect(page.logsWithRecords.map((log) => log.id)).toEqual([result?.appliedChangelogId]);
      await new Promise((r) => setTimeout(r, 200));
      expect(bobOnB.events).toEqual([]);
    } finally {
      aliceOnB.close();
      bobOnB.close();
    }
  });
});
