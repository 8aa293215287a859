import type { Sql } from 'postgres';
import { describe, expect, it } from 'vitest';
import { decodeChangelogId } from '../changelog/cursor.ts';
import { PgListener, type PgListenerOptions } from '../store/pg-listener.ts';
import type { SyncStore } from '../store/types.ts';
import {
  board,
  createPostgresTestStore,
  ev,
  recordKey,
  testDatabaseUrl,
  testSchema,
  uniqueScope,
} from '../testing/index.ts';
import { type StallProxy, startStallProxy } from '../testing/stall-proxy.ts';
import { bearerAuth, SseReader, serveSyncRoutes, TestSyncClient } from './testing/index.ts';

/**
 * A LISTEN connection that stalls without closing (a vanished host, a failover: packets
 * dropped, no RST). Only the listener goes through the proxy, so its connections can be frozen
 * while commits (on the store's own pool) go on.
 */
async function stalledSetup(listenerOptions: PgListenerOptions) {
  const pg = await createPostgresTestStore(3);
  const proxy: StallProxy = await startStallProxy();
  const { default: postgres } = await import('postgres');
  const url = new URL(pg.database.url);
  url.host = `127.0.0.1:${proxy.port}`;
  const listener = new PgListener((hooks): Sql => {
    const untyped: object = { onnotify: hooks.onnotify, onclose: hooks.onclose };
    return postgres(url.toString(), {
      max: 1,
      max_lifetime: null,
      connect_timeout: 5,
      fetch_types: false,
      onnotice: () => {},
      ...untyped,
    });
  }, listenerOptions);
  const store: SyncStore = {
    ...pg.store,
    listen: (channel, onNotify, onRestored) => listener.listen(channel, onNotify, onRestored),
  };
  const served = await serveSyncRoutes({ store, schema: testSchema, auth: bearerAuth });
  const scope = uniqueScope();
  const readers: SseReader[] = [];
  const events = (signal?: AbortSignal) =>
    fetch(`${served.url}/api/sync/events`, {
      headers: { authorization: `Bearer ${scope}` },
      signal,
    });
  const openStream = async () => {
    const response = await events();
    expect(response.status).toBe(200);
    const stream = new SseReader(response);
    readers.push(stream);
    await stream.until(() => stream.comments.includes('connected'));
    return stream;
  };
  const client = new TestSyncClient(`${served.url}/api/sync`, scope);
  const commit = async () => {
    const [result] = await client.push([ev.create('Board', board(recordKey('b'), scope))]);
    expect(result!.error).toBeNull();
    return decodeChangelogId(result!.appliedChangelogId!)!;
  };
  return {
    proxy,
    events,
    openStream,
    commit,
    async cleanup() {
      for (const reader of readers) reader.close();
      await served.close();
      await listener.end();
      await proxy.close();
      await pg.cleanup();
    },
  };
}

const seqOf = (data: string) => decodeChangelogId(JSON.parse(data).cursor as string) ?? -1;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!testDatabaseUrl())('a LISTEN connection that stalls (PostgreSQL)', () => {
  it('an open stream is still poked: the liveness check restores the LISTEN', async () => {
    const setup = await stalledSetup({ livenessIntervalMs: 300, livenessTimeoutMs: 1_000 });
    try {
      const stream = await setup.openStream();
      const before = await setup.commit();
      await stream.next((m) => m.event === 'poke' && seqOf(m.data) >= before, 10_000);

      setup.proxy.freezeOpen();
      const from = stream.events.length;
      const committed = await setup.commit();
      // The commit of the gap is poked once the LISTEN is back on a new connection ...
      await stream.next((m) => m.event === 'poke' && seqOf(m.data) >= committed, 15_000, from);
      // ... and later commits are poked as they land.
      const after = await setup.commit();
      await stream.next((m) => m.event === 'poke' && seqOf(m.data) >= after, 10_000, from);
    } finally {
      await setup.cleanup();
    }
  }, 40_000);

  it('GET /events on a stalled idle connection answers 503, and the next one 200', async () => {
    const setup = await stalledSetup({ statementTimeoutMs: 1_500, livenessIntervalMs: 60_000 });
    try {
      // A stream came and went: the listener's connection is open, idle, listening to nothing.
      (await setup.openStream()).close();
      await pause(300);

      setup.proxy.freezeOpen();
      const stalled = await setup.events(AbortSignal.timeout(20_000));
      expect(stalled.status).toBe(503);
      expect(stalled.headers.get('retry-after')).not.toBeNull();
      await stalled.body?.cancel();

      // The listener was replaced: the next stream opens and is poked.
      const stream = await setup.openStream();
      const committed = await setup.commit();
      await stream.next((m) => m.event === 'poke' && seqOf(m.data) >= committed, 10_000);
    } finally {
      await setup.cleanup();
    }
  }, 40_000);

  it('an UNLISTEN that stalls does not hold up the next GET /events', async () => {
    const setup = await stalledSetup({ statementTimeoutMs: 1_500, livenessIntervalMs: 60_000 });
    try {
      const first = await setup.openStream();
      setup.proxy.freezeOpen();
      // The last stream leaves: its UNLISTEN goes to the frozen connection.
      first.close();
      await pause(300);
      const response = await setup.events(AbortSignal.timeout(20_000));
      expect(response.status).toBe(200);
      const stream = new SseReader(response);
      try {
        await stream.until(() => stream.comments.includes('connected'));
        const committed = await setup.commit();
        await stream.next((m) => m.event === 'poke' && seqOf(m.data) >= committed, 10_000);
      } finally {
        stream.close();
      }
    } finally {
      await setup.cleanup();
    }
  }, 40_000);
});
