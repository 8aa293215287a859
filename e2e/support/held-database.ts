import type { Page } from '@playwright/test';

/**
 * Makes `page` hold the database `dbName` up, as a tab of an older release might: it keeps a
 * connection open that ignores `versionchange`, and asks for an upgrade that waits behind it
 * (and aborts once it runs, so the layout stays as it was). Every other connection of the
 * origin makes way for that upgrade and cannot open again until {@link releaseDatabase}.
 *
 * @example
 * await holdDatabase(other, 'swsync-demo-u1');
 * // ... reads and writes in `page` time out ...
 * await releaseDatabase(other);
 */
export async function holdDatabase(page: Page, dbName: string): Promise<void> {
  await page.evaluate(async (name) => {
    const held = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(name);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    Object.assign(window, { heldDatabase: held });
    await new Promise((resolve) => {
      const upgrade = indexedDB.open(name, held.version + 1);
      upgrade.onupgradeneeded = () => upgrade.transaction?.abort();
      upgrade.onerror = () => undefined;
      upgrade.onblocked = resolve;
    });
  }, dbName);
}

/** Closes the connection {@link holdDatabase} kept: the upgrade behind it runs and aborts. */
export async function releaseDatabase(page: Page): Promise<void> {
  await page.evaluate(() =>
    (window as unknown as { heldDatabase: IDBDatabase }).heldDatabase.close(),
  );
}
