import { openPGliteStore } from './pglite.ts';
import { openPostgresStore } from './postgres.ts';
import type { SyncStore } from './types.ts';

export interface OpenStoreOptions {
  /** When set, PostgreSQL at this URL; otherwise the embedded PGlite store. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; undefined → in memory. Ignored with `databaseUrl`. */
  dataDir?: string | undefined;
  /** PostgreSQL pool size. */
  max?: number | undefined;
}

/**
 * Picks the store: PostgreSQL when a URL is given, else embedded PGlite.
 *
 * @example
 * const store = await openStore({ databaseUrl: process.env.DATABASE_URL, dataDir: '.data' });
 */
export function openStore(options: OpenStoreOptions = {}): Promise<SyncStore> {
  if (options.databaseUrl) {
    return openPostgresStore({
      url: options.databaseUrl,
      ...(options.max === undefined ? {} : { max: options.max }),
    });
  }
  return openPGliteStore(options.dataDir === undefined ? {} : { dataDir: options.dataDir });
}
