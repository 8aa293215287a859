import { PGlite } from '@electric-sql/pglite';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openPGliteStore, PGLITE_ON_WORKERD_MESSAGE } from './pglite.ts';

describe('openPGliteStore options', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

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

  it('says why PGlite cannot run on workerd instead of failing on its file URL', async () => {
    // workerd's navigator.userAgent is its one documented runtime marker.
    vi.stubGlobal('navigator', { userAgent: 'Cloudflare-Workers' });
    await expect(openPGliteStore()).rejects.toThrow(PGLITE_ON_WORKERD_MESSAGE);
  });
});
