import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe } from 'vitest';
import { openPGliteStore } from '../store/pglite.ts';
import { openPostgresStore } from '../store/postgres.ts';
import type { SyncStore } from '../store/types.ts';
import { createTestDatabase, type TestDatabase, testDatabaseUrl } from './postgres-db.ts';

export type StoreKind = SyncStore['kind'];

let sharedPGlite: Promise<SyncStore> | undefined;
let pgliteUsers = 0;

/**
 * The in-memory PGlite store shared by every suite of one test file (Vitest isolates modules
 * per file). A fresh PGlite costs ~2.5 s and over 0.5 GB, so a file opens one; tests keep apart
 * by using their own scopes ({@link uniqueScope}). Release it with {@link releaseSharedPGlite}.
 *
 * @example
 * const store = await sharedPGliteStore();
 */
export function sharedPGliteStore(): Promise<SyncStore> {
  pgliteUsers++;
  sharedPGlite ??= openPGliteStore();
  return sharedPGlite;
}

/** Drops one user of the shared PGlite store; the last one closes it. */
export async function releaseSharedPGlite(): Promise<void> {
  pgliteUsers--;
  if (pgliteUsers > 0 || !sharedPGlite) return;
  const store = await sharedPGlite;
  sharedPGlite = undefined;
  await store.close();
}

export interface PostgresTestStore {
  store: SyncStore;
  database: TestDatabase;
  /** Opens another store (another pool) on the same database; closed by `cleanup`. */
  openAnother(max?: number): Promise<SyncStore>;
  cleanup(): Promise<void>;
}

/**
 * A PostgreSQL store on a freshly created database (needs `DATABASE_URL`); `cleanup` closes
 * every store opened on it and drops the database.
 *
 * @example
 * const pg = await createPostgresTestStore();
 * try { await pg.store.query('SELECT 1'); } finally { await pg.cleanup(); }
 */
export async function createPostgresTestStore(max = 5): Promise<PostgresTestStore> {
  const database = await createTestDatabase();
  const stores: SyncStore[] = [];
  const openAnother = async (poolSize = max) => {
    const store = await openPostgresStore({
      url: database.url,
      max: poolSize,
      closeTimeoutSeconds: 0.2,
    });
    stores.push(store);
    return store;
  };
  try {
    const store = await openAnother();
    return {
      store,
      database,
      openAnother,
      async cleanup() {
        await Promise.allSettled(stores.map((s) => s.close()));
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

/** The store kinds this run covers: PGlite always, PostgreSQL when `DATABASE_URL` is set. */
export function storeKinds(): StoreKind[] {
  return testDatabaseUrl() ? ['pglite', 'postgres'] : ['pglite'];
}

/**
 * Runs one contract suite on every store kind: the file's shared in-memory PGlite, and, when
 * `DATABASE_URL` is set, PostgreSQL on a database created for this suite and dropped after it.
 * `getStore` is valid inside tests and hooks (after `beforeAll`).
 *
 * @example
 * describeEachStore('pull', (getStore) => {
 *   it('starts empty', async () => {
 *     const page = await pullAndMaterializeLogs({ store: getStore(), scopeKey: uniqueScope() });
 *     expect(page.cursor).toBeNull();
 *   });
 * });
 */
export function describeEachStore(
  name: string,
  suite: (getStore: () => SyncStore, kind: StoreKind) => void,
): void {
  for (const kind of storeKinds()) {
    describe(`${name} [${kind}]`, () => {
      let store: SyncStore | undefined;
      let cleanup: (() => Promise<void>) | undefined;
      beforeAll(async () => {
        if (kind === 'pglite') {
          store = await sharedPGliteStore();
          cleanup = releaseSharedPGlite;
        } else {
          const pg = await createPostgresTestStore();
          store = pg.store;
          cleanup = pg.cleanup;
        }
      });
      afterAll(async () => {
        await cleanup?.();
      });
      suite(() => {
        if (!store) throw new Error('the store opens in beforeAll; use it inside tests');
        return store;
      }, kind);
    });
  }
}

/** A scope name no other test uses, so tests can share one store. */
export function uniqueScope(prefix = 'user'): string {
  return `${prefix}-${randomUUID()}`;
}
