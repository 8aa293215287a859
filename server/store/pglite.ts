import { StoreClosedError } from './errors.ts';
import { migrateOrClose } from './migrations.ts';
import { toParam } from './params.ts';
import type { SqlClient, SyncStore } from './types.ts';

export interface PGliteStoreOptions {
  /** Data directory on disk; undefined → an in-memory database (gone on close). */
  dataDir?: string;
}

/**
 * Opens the embedded store (PGlite) and runs its migrations.
 *
 * PGlite is one connection. Its own mutex runs `transaction()` callbacks exclusively and makes
 * plain `query()` calls wait for the running transaction, so statements of two transactions
 * never interleave; concurrent pushes simply queue.
 *
 * @example
 * const store = await openPGliteStore({ dataDir: '.data/pglite' });
 * await store.query('SELECT 1');
 * await store.close();
 */
export async function openPGliteStore(options: PGliteStoreOptions = {}): Promise<SyncStore> {
  // Dynamic import: PGlite is an optional peer dependency.
  const { PGlite } = await import('@electric-sql/pglite');
  const db =
    options.dataDir === undefined ? await PGlite.create() : await PGlite.create(options.dataDir);
  let closed = false;
  const open = () => {
    if (closed) throw new StoreClosedError();
  };

  const store: SyncStore = {
    kind: 'pglite',
    async query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]) {
      open();
      const result = await db.query<Row>(text, params?.map(toParam));
      return result.rows;
    },
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      open();
      return db.transaction(async (tx) => {
        const client: SqlClient = {
          async query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]) {
            open();
            const result = await tx.query<Row>(text, params?.map(toParam));
            return result.rows;
          },
        };
        return fn(client);
      });
    },
    async listen(channel, onNotify) {
      open();
      const unlisten = await db.listen(channel, onNotify);
      return async () => {
        if (!closed) await unlisten();
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.close();
    },
  };
  return migrateOrClose(store);
}
