import type { Page } from '@playwright/test';

/**
 * A benchmark that lost data would pass and look faster: each one checks, after its timed run
 * and outside it, that what should be stored is. Throws naming the side and what was counted.
 *
 * @example
 * expectCount('initial-sync (ours): local records', 49_999, 50_000); // throws
 */
export function expectCount(what: string, actual: number | undefined, expected: number): void {
  if (actual !== expected) throw new Error(`${what}: ${actual}, expected ${expected}`);
}

/**
 * The records in `stores` of the IndexedDB database `dbName` of `page`'s origin, summed. Throws
 * if the database does not exist (it is not created by asking).
 *
 * @example
 * const stored = await countLocal(page, 'bench', ['Board', 'Todo']);
 */
export function countLocal(page: Page, dbName: string, stores: string[]): Promise<number> {
  return page.evaluate(
    async ({ dbName, stores }) => {
      const request = <T>(r: IDBRequest<T>) =>
        new Promise<T>((resolve, reject) => {
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => reject(r.error);
        });
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(dbName);
        open.onupgradeneeded = () => {
          // Opening without a version creates a missing database: undo that and fail.
          open.transaction?.abort();
          reject(new Error(`no IndexedDB database ${dbName}`));
        };
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      try {
        const tx = db.transaction(stores);
        const counts = await Promise.all(stores.map((s) => request(tx.objectStore(s).count())));
        return counts.reduce((sum, n) => sum + n, 0);
      } finally {
        db.close();
      }
    },
    { dbName, stores },
  );
}
