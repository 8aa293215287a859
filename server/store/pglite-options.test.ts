import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { openPGliteStore } from './pglite.ts';

// Each test starts a PGlite of its own (~3 s alone, far more on a busy 2-core machine).
describe('openPGliteStore options', { timeout: 120_000 }, () => {
  it("passes PGlite's own options through", async () => {
    // An observable option: a parser for `text` (OID 25), which migrations never read.
    const store = await openPGliteStore({
      options: { parsers: { 25: (value: string) => value.toUpperCase() } },
    });
    try {
      expect(await store.query("SELECT 'abc'::text AS t")).toEqual([{ t: 'ABC' }]);
    } finally {
      await store.close();
    }
  });

  it("uses the app's instance, migrates it, and leaves it open on close", async () => {
    const pglite = await PGlite.create();
    try {
      const store = await openPGliteStore({ pglite });
      await store.close();
      const tables = await pglite.query<{ version: number }>(
        'SELECT version FROM swsync_migrations',
      );
      expect(tables.rows.length).toBeGreaterThan(0);
    } finally {
      await pglite.close();
    }
  });

  it('refuses options or dataDir alongside an instance, instead of ignoring them', async () => {
    // Refused before the instance is used, so a stand-in is enough.
    const pglite = {} as PGlite;
    const message =
      'openPGliteStore: `options` and `dataDir` apply only to a PGlite the store creates; an instance given as `pglite` keeps the options it was created with (drop them, or pass them to PGlite.create)';
    // @ts-expect-error the type refuses both at once; untyped code gets the TypeError
    await expect(openPGliteStore({ pglite, options: { debug: 1 } })).rejects.toThrow(
      new TypeError(message),
    );
    // @ts-expect-error as above
    await expect(openPGliteStore({ pglite, dataDir: '.data/x' })).rejects.toThrow(
      new TypeError(message),
    );
  });

  // On workerd it throws PGLITE_ON_WORKERD_MESSAGE: proven in workerd itself by
  // `npm run test:runtimes` (examples/testing/runtimes.test.ts, "PGlite on workerd").
});
