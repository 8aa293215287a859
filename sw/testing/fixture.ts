import { defineSchema, model } from 'swsync/schema';
import { openPGliteStore, type SyncStore } from 'swsync/server';
import { afterAll, beforeAll } from 'vitest';
import { z } from 'zod';
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
}

/**
 * Opens one in-memory PGlite for a whole test file (~2.5 s and over 0.5 GB each: one per file)
 * and serves the sync routes over it on real ports; tests keep apart by using their own users.
 *
 * @example
 * const f = useSyncFixture();
 * it('pushes', async () => { await createEngine({ ..., endpoint: f.server.endpoint }); });
 */
export function useSyncFixture(): SyncFixture {
  const fixture = {} as SyncFixture;
  beforeAll(async () => {
    fixture.store = await openPGliteStore();
    fixture.server = await startSyncServer(fixture.store);
    fixture.strict = await startSyncServer(fixture.store, { maxBatchSize: 4, bodyLimit: 1600 });
    fixture.versioned = await startSyncServer(fixture.store, { schema: notesSchema });
  });
  afterAll(async () => {
    await Promise.all([fixture.server, fixture.strict, fixture.versioned].map((s) => s?.close()));
    await fixture.store?.close();
  });
  return fixture;
}
