import { defineSchema, model } from 'swsync/schema';
import { openPGliteStore, openPostgresStore, type SyncStore } from 'swsync/server';
import { afterAll, beforeAll } from 'vitest';
import { z } from 'zod';
import { createTestDatabase, foldersSchema, testDatabaseUrl } from '../../server/testing/index.ts';
import { startSyncServer, type TestSyncServer } from './sync-server.ts';

/** A model whose updates must name the version they were based on. */
export const notesSchema = defineSchema({
  Note: model({
    fields: z.object({ id: z.string(), userId: z.string(), text: z.string() }),
    key: 'id',
    scope: 'userId',
    conflict: 'version',
  }),
});

/** One store and the servers every engine suite talks to; fields are set in `beforeAll`. */
export interface SyncFixture {
  store: SyncStore;
  /** The demo schema with the default limits. */
  server: TestSyncServer;
  /** The demo schema with small limits, to make the server answer 413. */
  strict: TestSyncServer;
  /** {@link notesSchema}. */
  versioned: TestSyncServer;
  /** `foldersSchema` (server/testing): version-checked parents with cascading children. */
  folders: TestSyncServer;
}

/**
 * Opens one store for a whole test file and serves the sync routes over it on real ports; tests
 * keep apart by using their own users. The store is PostgreSQL (a database created for this
 * file and dropped after it) when `DATABASE_URL` is set, else one in-memory PGlite (~2.5 s and
 * over 0.5 GB each: one per file).
 *
 * @example
 * const f = useSyncFixture();
 * it('pushes', async () => { await createEngine({ ..., endpoint: f.server.endpoint }); });
 */
export function useSyncFixture(): SyncFixture {
  const fixture = {} as SyncFixture;
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ store: fixture.store, cleanup } = await openTestStore());
    fixture.server = await startSyncServer(fixture.store);
    fixture.strict = await startSyncServer(fixture.store, { maxBatchSize: 4, bodyLimit: 1600 });
    fixture.versioned = await startSyncServer(fixture.store, { schema: notesSchema });
    fixture.folders = await startSyncServer(fixture.store, { schema: foldersSchema });
  });
  afterAll(async () => {
    const servers = [fixture.server, fixture.strict, fixture.versioned, fixture.folders];
    await Promise.all(servers.map((s) => s?.close()));
    await cleanup?.();
  });
  return fixture;
}

async function openTestStore(): Promise<{ store: SyncStore; cleanup(): Promise<void> }> {
  if (!testDatabaseUrl()) {
    const store = await openPGliteStore();
    return { store, cleanup: () => store.close() };
  }
  const database = await createTestDatabase();
  const store = await openPostgresStore({ url: database.url, max: 5 });
  return {
    store,
    async cleanup() {
      await store.close();
      await database.drop();
    },
  };
}
