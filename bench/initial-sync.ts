import type { Page } from '@playwright/test';
import { Hono } from 'hono';
import { type SyncStore, syncRoutes } from 'swsync/server';
import { demoSchema } from '../demo/schema.ts';
import { startBenchBrowser } from './browser.ts';
import { countLocal, expectCount } from './check.ts';
import { median } from './median.ts';
import { seedScope } from './seed-scope.ts';

export interface InitialSyncResult {
  records: number;
  /** The records' average size, bytes of their JSON (`JSON.stringify`), measured. */
  recordBytes: number;
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
 * interleaved, medians. The records are one board and `todos` todos of ~300 B (`seedScope`, as
 * the pull and 1M benchmarks); after each run, outside its time, the page's IndexedDB must hold
 * every one of them (ours: the `Board` and `Todo` stores; baseline: its one store).
 */
export async function benchInitialSync(
  store: SyncStore,
  todos: number,
  trials = 3,
): Promise<InitialSyncResult> {
  const records = todos + 1;
  await seedScope(store, USER, records);
  const recordBytes = await averageRecordBytes(store);
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
  const ours = () =>
    bench.inFreshContext(async (_context, page) => {
      const { ms } = await syncFromEmpty(page);
      const stored = await countLocal(page, 'bench', ['Board', 'Todo']);
      expectCount('initial-sync bench (ours): records in IndexedDB', stored, records);
      return ms;
    });
  const baseline = () =>
    bench.inFreshContext(async (_context, page) => {
      const ms = await page.evaluate(rawSync);
      const stored = await countLocal(page, 'raw', ['Todo']);
      expectCount('initial-sync bench (baseline): records in IndexedDB', stored, records);
      return ms;
    });
  // In the page: the baseline, timed from the fetch to the put transaction's commit.
  const rawSync = async () => {
    const started = performance.now();
    const all = (await (await fetch('/bench/all')).json()) as { id: string }[];
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('raw', 1);
      open.onupgradeneeded = () => open.result.createObjectStore('Todo', { keyPath: 'id' });
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction('Todo', 'readwrite');
      for (const record of all) tx.objectStore('Todo').put(record);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    db.close();
    return performance.now() - started;
  };
  try {
    const oursMs: number[] = [];
    const baselineMs: number[] = [];
    for (let i = 0; i < trials; i++) {
      baselineMs.push(await baseline());
      oursMs.push(await ours());
    }
    return { records, recordBytes, oursMs: median(oursMs), baselineMs: median(baselineMs) };
  } finally {
    await bench.close();
  }
}

/** The seeded records' average size: bytes of each record's JSON as the page receives it. */
async function averageRecordBytes(store: SyncStore): Promise<number> {
  const rows = await store.query<{ record: object }>(
    'SELECT record FROM swsync_records WHERE scope = $1 AND record IS NOT NULL',
    [USER],
  );
  let bytes = 0;
  for (const { record } of rows) bytes += Buffer.byteLength(JSON.stringify(record));
  return bytes / rows.length;
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
