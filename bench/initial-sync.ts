import type { Page } from '@playwright/test';
import { Hono } from 'hono';
import { applyPush, type SyncStore, syncRoutes } from 'swsync/server';
import { demoSchema } from '../demo/schema.ts';
import { startBenchBrowser } from './browser.ts';
import { median } from './median.ts';
import { seedBoard, todoEvents } from './push.ts';

export interface InitialSyncResult {
  records: number;
  /** Medians, ms. */
  oursMs: number;
  baselineMs: number;
}

const USER = 'bench-initial-sync';

/**
 * The first sync of a fresh browser profile in Chromium: the page SDK and the real worker host
 * against the real routes, until `initialSync.done`; baseline in the same run, on the same
 * records: one fetch of every record as one JSON array and one IndexedDB transaction that puts
 * them all (what an app with no sync engine at all would do). Fresh context per trial,
 * interleaved, medians.
 */
export async function benchInitialSync(
  store: SyncStore,
  todos: number,
  trials = 3,
): Promise<InitialSyncResult> {
  const boardId = await seedBoard(store, USER);
  const events = todoEvents(USER, boardId, todos);
  for (let i = 0; i < events.length; i += 500) {
    await applyPush({
      store,
      schema: demoSchema,
      scopeKey: USER,
      events: events.slice(i, i + 500),
    });
  }
  const app = new Hono();
  app.route('/api/sync', syncRoutes({ store, schema: demoSchema, auth: () => USER }));
  app.get('/bench/all', async (c) => {
    const rows = await store.query<{ record: object }>(
      'SELECT record FROM swsync_records WHERE scope = $1 AND record IS NOT NULL',
      [USER],
    );
    return c.json(rows.map((r) => r.record));
  });
  const bench = await startBenchBrowser(app, { '/engine-sw.js': 'engine-worker.ts' });
  const inFreshPage = <T>(run: () => Promise<T>) =>
    bench.inFreshContext((_context, page) => page.evaluate(run));
  const ours = () => bench.inFreshContext(async (_context, page) => (await syncFromEmpty(page)).ms);
  const baseline = () =>
    inFreshPage(async () => {
      const started = performance.now();
      const records = (await (await fetch('/bench/all')).json()) as { id: string }[];
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open('raw', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('Todo', { keyPath: 'id' });
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction('Todo', 'readwrite');
        for (const record of records) tx.objectStore('Todo').put(record);
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      db.close();
      return performance.now() - started;
    });
  try {
    const oursMs: number[] = [];
    const baselineMs: number[] = [];
    for (let i = 0; i < trials; i++) {
      baselineMs.push(await baseline());
      oursMs.push(await ours());
    }
    return { records: todos + 1, oursMs: median(oursMs), baselineMs: median(baselineMs) };
  } finally {
    await bench.close();
  }
}

/** One initial-sync progress report as the page saw it, `ms` after the client was created. */
export interface ProgressPoint {
  records: number;
  total: number | null;
  ms: number;
}

/**
 * On a page of `startBenchBrowser` in a fresh context: creates a page SDK client of the real
 * worker (`/engine-sw.js`, realtime off) and waits for `initialSync.done`. Returns the time
 * taken and every distinct progress report the page received on the way (also readable as
 * `window.benchProgress` meanwhile).
 */
export function syncFromEmpty(page: Page): Promise<{ ms: number; progress: ProgressPoint[] }> {
  return page.evaluate(async () => {
    const w = window as unknown as {
      sdk: typeof import('swsync/page');
      demoSchema: typeof demoSchema;
    };
    const started = performance.now();
    const client = w.sdk.createClient({
      schema: w.demoSchema,
      endpoint: '/api/sync',
      dbName: 'bench',
      worker: '/engine-sw.js',
      realtime: false,
    });
    const progress: ProgressPoint[] = [];
    // Readable by the benchmark while this runs (see initial-sync-1m.ts).
    (window as unknown as { benchProgress: ProgressPoint[] }).benchProgress = progress;
    await new Promise<void>((resolve) => {
      const stop = client.status.subscribe((s) => {
        const at = s.initialSync;
        if (at && at.records !== progress.at(-1)?.records) {
          progress.push({ records: at.records, total: at.total, ms: performance.now() - started });
        }
        if (at?.done) {
          resolve();
          queueMicrotask(() => stop());
        }
      });
    });
    const ms = performance.now() - started;
    client.close();
    return { ms, progress };
  });
}
