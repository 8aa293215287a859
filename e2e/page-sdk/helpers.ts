import type { BrowserContext, Page } from '@playwright/test';
import type { CreateClientOptions, SyncClient } from 'swsync/page';
import type { DemoSchema } from '../../demo/schema.ts';

export type Sdk = typeof import('swsync/page');
/** What the fixture page puts on `window`. */
export interface FixtureWindow {
  sdk: Sdk;
  demoSchema: DemoSchema;
  client: SyncClient<DemoSchema>;
}

export type ClientOptions = Omit<CreateClientOptions<DemoSchema>, 'schema'>;

/** Opens the fixture page and creates `window.client` with the given options. */
export async function openClient(page: Page, url: string, options: ClientOptions): Promise<void> {
  await page.goto(url);
  await page.evaluate(async (opts) => {
    const w = window as unknown as FixtureWindow;
    w.client = w.sdk.createClient({ schema: w.demoSchema, ...opts });
    // The first handshake: wait until the worker answered.
    await new Promise<void>((resolve) => {
      const stop = w.client.status.subscribe((s) => {
        if (s.connected) {
          resolve();
          queueMicrotask(() => stop());
        }
      });
    });
  }, options);
}

export const todo = (id: string, title = 'Milk', boardId = 'b1') => ({
  id,
  boardId,
  title,
  done: false,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
});

declare global {
  /** `todo`, installed in every page by `installTodoOf`. */
  var todoOf: typeof todo;
}

/** Puts `todo` on the pages' `globalThis` as `todoOf`, for code that runs inside a page. */
export const installTodoOf = (target: BrowserContext | Page) =>
  target.addInitScript(`globalThis.todoOf = ${todo.toString()};`);

/**
 * Subscribes a live query of every todo's id in the page; `seenTodoIds` reads its results and
 * `liveErrorCodes` the codes of the errors it passed on.
 */
export const watchTodoIds = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as FixtureWindow & { seen: string[][]; liveErrors: unknown[] };
    w.seen = [];
    w.liveErrors = [];
    w.client
      .liveQuery((db) => db.Todo.list())
      .subscribe(
        (rows) => w.seen.push(rows.map((r) => r.id)),
        (error) => w.liveErrors.push((error as { code?: unknown }).code),
      );
  });

/** The latest result of the page's `watchTodoIds` query. */
export const seenTodoIds = (page: Page) =>
  page.evaluate(() => (window as unknown as { seen: string[][] }).seen.at(-1));

/** The codes of the errors the page's `watchTodoIds` query passed on, in order. */
export const liveErrorCodes = (page: Page) =>
  page.evaluate(() => (window as unknown as { liveErrors: unknown[] }).liveErrors);

/**
 * Puts `records` into one store of the page's database with plain IndexedDB (no SDK, no worker:
 * no one hears of them), then returns every row the store holds.
 */
export const rawStore = (page: Page, dbName: string, store: string, records: object[] = []) =>
  page.evaluate(
    async ({ dbName, store, records }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(dbName);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      try {
        const tx = db.transaction(store, 'readwrite');
        for (const record of records) tx.objectStore(store).put(record);
        const rows = tx.objectStore(store).getAll();
        await new Promise((resolve, reject) => {
          tx.oncomplete = resolve;
          tx.onerror = () => reject(tx.error);
        });
        return rows.result as unknown[];
      } finally {
        db.close();
      }
    },
    { dbName, store, records },
  );
