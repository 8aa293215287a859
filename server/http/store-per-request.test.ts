import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncStore } from '../store/types.ts';
import {
  board,
  ev,
  recordKey,
  releaseSharedPGlite,
  sharedPGliteStore,
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

// What workerd needs: a store opened per request and closed once that request is done.
describe('syncRoutes with a store per request', () => {
  let shared: SyncStore;
  let served: ServedApp;
  let opened = 0;
  let closed = 0;

  beforeAll(async () => {
    shared = await sharedPGliteStore();
    served = await serveSyncRoutes({
      // Each request's store is the shared one behind its own close(), so opens and closes count.
      store: async () => {
        opened++;
        return { ...shared, close: async () => void closed++ };
      },
      schema: testSchema,
      auth: bearerAuth,
      heartbeatMs: 60_000,
    });
  });
  afterAll(async () => {
    await served.close();
    await releaseSharedPGlite();
  });

  it('opens one per push or pull and closes it after the answer', async () => {
    const user = uniqueScope();
    const client = new TestSyncClient(`${served.url}/api/sync`, user);
    const before = { opened, closed };
    const [result] = await client.push([ev.create('Board', board(recordKey('b'), user))]);
    expect(result?.error).toBeNull();
    expect((await client.pull()).logsWithRecords).toHaveLength(1);
    expect({ opened: opened - before.opened, closed: closed - before.closed }).toEqual({
      opened: 2,
      closed: 2,
    });
  });

  it("keeps the stream's store open while it streams and closes it when it ends", async () => {
    const user = uniqueScope();
    const client = new TestSyncClient(`${served.url}/api/sync`, user);
    const stream = new SseReader(await client.events());
    await stream.until(() => stream.comments.includes('connected'));
    const closedBefore = closed;
    await client.push([ev.create('Board', board(recordKey('b'), user))]);
    await stream.next((m) => m.event === 'poke');
    expect(closed - closedBefore).toBe(1); // the push's own store only
    stream.close();
    await expect.poll(() => closed - closedBefore, { timeout: 5_000 }).toBe(2);
  });
});
