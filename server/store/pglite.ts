import type { PGlite, PGliteOptions } from '@electric-sql/pglite';
import { StoreClosedError } from './errors.ts';
import { migrateOrClose } from './migrations.ts';
import { toParam } from './params.ts';
import type { SqlClient, SyncStore } from './types.ts';

/**
 * Either a PGlite the store creates (`dataDir`, `options`) or one the app made (`pglite`), never
 * both: the type says so, and untyped code passing both gets a `TypeError`.
 */
export type PGliteStoreOptions =
  | {
      /** Data directory on disk; undefined → an in-memory database (gone on close). */
      dataDir?: string;
      /**
       * Passed to `PGlite.create` as they are (`relaxedDurability`, `extensions`, `debug`...);
       * `dataDir` above, when set, wins over theirs.
       */
      options?: PGliteOptions;
      pglite?: never;
    }
  | {
      /**
       * An open PGlite instance to use instead of creating one. The app keeps owning it: the
       * store's `close()` leaves it open. Its options are the app's.
       */
      pglite: PGlite;
      dataDir?: never;
      options?: never;
    };

/**
 * PGlite loads its WebAssembly and data files from URLs next to its module; workerd has no file
 * system to read them from and refuses to compile WebAssembly from bytes at run time.
 */
export const PGLITE_ON_WORKERD_MESSAGE =
  'PGlite cannot load on workerd (Cloudflare Workers): it reads its .wasm and .data files from ' +
  'URLs beside its module, which workerd cannot open. Use PostgreSQL there: ' +
  'openPostgresStore({ url }) per request (see examples/workers).';

const onWorkerd = () =>
  typeof navigator !== 'undefined' && navigator.userAgent === 'Cloudflare-Workers';

/**
 * Opens the embedded store (PGlite) and runs its migrations.
 *
 * PGlite is one connection. Its own mutex runs `transaction()` callbacks exclusively and makes
 * plain `query()` calls wait for the running transaction, so statements of two transactions
 * never interleave; concurrent pushes simply queue.
 *
 * Throws when PGlite cannot start (a bad `dataDir`, a failed migration), a `TypeError` for
 * `pglite` given with `options` or `dataDir`, and, on workerd without `pglite`, an error saying
 * why PGlite cannot run there ({@link PGLITE_ON_WORKERD_MESSAGE}).
 *
 * @example
 * const store = await openPGliteStore({ dataDir: '.data/pglite' });
 * await store.query('SELECT 1');
 * await store.close();
 * // PGlite's own options, or an instance the app made:
 * const fast = await openPGliteStore({ options: { relaxedDurability: true } });
 * const mine = await openPGliteStore({ pglite: await PGlite.create() });
 */
export async function openPGliteStore(options: PGliteStoreOptions = {}): Promise<SyncStore> {
  if (
    options.pglite !== undefined &&
    (options.options !== undefined || options.dataDir !== undefined)
  ) {
    throw new TypeError(
      'openPGliteStore: `options` and `dataDir` apply only to a PGlite the store creates; an instance given as `pglite` keeps the options it was created with (drop them, or pass them to PGlite.create)',
    );
  }
  const db = options.pglite ?? (await createPGlite(options));
  const owned = options.pglite === undefined;
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
      if (owned) await db.close();
    },
  };
  return migrateOrClose(store);
}

async function createPGlite(options: PGliteStoreOptions): Promise<PGlite> {
  if (onWorkerd()) throw new Error(PGLITE_ON_WORKERD_MESSAGE);
  // Dynamic import: PGlite is an optional peer dependency.
  const { PGlite } = await import('@electric-sql/pglite');
  return PGlite.create({
    ...options.options,
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
  });
}
