import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import type { OutboxEvent } from 'swsync/schema';
import { type SyncStore, syncRoutes } from 'swsync/server';
import { demoSchema } from '../demo/schema.ts';
import { openBenchClient, startBenchBrowser } from './browser.ts';
import { median } from './median.ts';
import { seedBoard } from './push.ts';

export interface DrainResult {
  writes: number;
  /** Medians, ms: from going online until the server holds every write. */
  oursMs: number;
  baselineMs: number;
}

const USER = 'bench-drain';

/**
 * Writes made offline, drained once the context is online again, in Chromium: the page SDK and
 * the real worker host against the real routes, until the outbox is empty; baseline in the same
 * run, against the same routes and store: `workbox-background-sync`'s Queue, one push request
 * per mutation, replayed when Background Sync fires. Both start on the same `setOffline(false)`
 * and stop when the server has every write (ours: `status.pending === 0`, which the engine
 * reaches only once the pushes are answered). Fresh context per trial, interleaved, medians.
 */
export async function benchDrain(
  store: SyncStore,
  writes: number,
  trials = 3,
): Promise<DrainResult> {
  const boardId = await seedBoard(store, USER);
  const app = new Hono();
  app.route('/api/sync', syncRoutes({ store, schema: demoSchema, auth: () => USER }));
  const bench = await startBenchBrowser(app, {
    '/engine-sw.js': 'engine-worker.ts',
    '/workbox-sw.js': '../../../bench/drain/workbox-worker.ts',
  });
  const trial = bench.inFreshContext;
  const ours = () =>
    trial(async (context, page) => {
      await openBenchClient(page, { dbName: 'drain', realtime: false });
      await context.setOffline(true);
      await page.evaluate(
        async ({ boardId, count }) => {
          const { client } = window as unknown as {
            client: import('swsync/page').SyncClient<typeof demoSchema>;
          };
          const at = new Date().toISOString();
          for (let i = 0; i < count; i++) {
            await client.Todo.create({
              id: crypto.randomUUID(),
              boardId,
              title: `offline ${i}`,
              done: false,
              createdAt: at,
              updatedAt: at,
            });
          }
        },
        { boardId, count: writes },
      );
      const started = performance.now();
      await context.setOffline(false);
      await page.evaluate(
        () =>
          new Promise<void>((resolve) => {
            const { client } = window as unknown as {
              client: import('swsync/page').SyncClient<typeof demoSchema>;
            };
            const stop = client.status.subscribe((s) => {
              if (s.pending === 0 && s.online) {
                resolve();
                queueMicrotask(() => stop());
              }
            });
          }),
      );
      return performance.now() - started;
    });
  const baseline = () =>
    trial(async (context, page) => {
      await page.evaluate(async () => {
        await navigator.serviceWorker.register('/workbox-sw.js');
        await navigator.serviceWorker.ready;
      });
      await context.setOffline(true);
      const bodies = pushBodies(boardId, writes);
      await page.evaluate(async (bodies) => {
        const registration = await navigator.serviceWorker.ready;
        const queued = new Promise((resolve) =>
          navigator.serviceWorker.addEventListener('message', resolve, { once: true }),
        );
        registration.active!.postMessage({ bodies });
        await queued;
        (window as unknown as { drained: Promise<unknown> }).drained = new Promise((resolve) =>
          navigator.serviceWorker.addEventListener('message', resolve, { once: true }),
        );
      }, bodies);
      const started = performance.now();
      await context.setOffline(false);
      await page.evaluate(() => (window as unknown as { drained: Promise<unknown> }).drained);
      return performance.now() - started;
    });
  try {
    const oursMs: number[] = [];
    const baselineMs: number[] = [];
    // The board, then every trial's writes: each trial must have stored all of its own.
    let stored = 1;
    for (let i = 0; i < trials; i++) {
      baselineMs.push(await baseline());
      stored += writes;
      await expectAllStored(store, stored, `Workbox baseline, trial ${i + 1}`);
      oursMs.push(await ours());
      stored += writes;
      await expectAllStored(store, stored, `ours, trial ${i + 1}`);
    }
    return { writes, oursMs: median(oursMs), baselineMs: median(baselineMs) };
  } finally {
    await bench.close();
  }
}

/** One v1 push body per mutation, as an app without a sync engine would send them. */
function pushBodies(boardId: string, count: number): string[] {
  const at = new Date().toISOString();
  return Array.from({ length: count }, (_, i) => {
    const id = randomUUID();
    const event: OutboxEvent = {
      id: randomUUID(),
      entityType: 'Todo',
      entityKeyPath: [id],
      operation: 'create',
      payload: { id, boardId, title: `offline ${i}`, done: false, createdAt: at, updatedAt: at },
      createdAt: at,
    };
    return JSON.stringify({ events: [event], clientId: 'workbox-queue' });
  });
}

/**
 * A drain that lost writes, or stopped before the server had them, would look fast: checked
 * after every trial of each side (`trial` names it), outside its time.
 */
async function expectAllStored(store: SyncStore, expected: number, trial: string): Promise<void> {
  const [row] = await store.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM swsync_records WHERE scope = $1 AND record IS NOT NULL',
    [USER],
  );
  if (row?.n !== expected) {
    throw new Error(
      `drain bench (${trial}): the server holds ${row?.n} records, expected ${expected}`,
    );
  }
}
