import { Hono } from 'hono';
import { openPGliteStore, syncRoutes } from 'swsync/server';
import { demoSchema } from '../demo/schema.ts';
import { openBenchClient, startBenchBrowser } from './browser.ts';
import { observedStore } from './observed-store.ts';
import { seedBoard } from './push.ts';

/**
 * Where a drain's time goes (`drain-vs-workbox`'s "ours"): the same setup (writes made
 * offline through the page SDK, PGlite behind the real routes), and while the outbox drains,
 * the time the server spent in its push handlers and, of that, inside the store's
 * transactions. Prints one line per trial: `{ totalMs, pushes, handlerMs, txMs }`.
 *
 * Not part of `npm run bench` (it makes no row). Run:
 * `NODE_OPTIONS=--conditions=swsync-source npx tsx bench/drain-split.ts`
 * (`BENCH_DRAIN_WRITES`, default 5,000; `BENCH_TRIALS`, default 2).
 */
const USER = 'drain-split';
const writes = Number(process.env.BENCH_DRAIN_WRITES ?? 5_000);
const trials = Number(process.env.BENCH_TRIALS ?? 2);
const inner = await openPGliteStore();
const { store, stats, reset } = observedStore(inner);
const boardId = await seedBoard(inner, USER);
const server = { pushes: 0, handlerMs: 0 };
const app = new Hono();
app.use('/api/sync/push', async (_c, next) => {
  const started = performance.now();
  await next();
  server.pushes++;
  server.handlerMs += performance.now() - started;
});
app.route('/api/sync', syncRoutes({ store, schema: demoSchema, auth: () => USER }));
const bench = await startBenchBrowser(app, { '/engine-sw.js': 'engine-worker.ts' });
try {
  for (let trial = 0; trial < trials; trial++) {
    const totalMs = await bench.inFreshContext(async (context, page) => {
      await openBenchClient(page, { dbName: 'drain', realtime: false });
      await context.setOffline(true);
      await page.evaluate(writeOffline, { boardId, count: writes });
      reset();
      Object.assign(server, { pushes: 0, handlerMs: 0 });
      const started = performance.now();
      await context.setOffline(false);
      await page.evaluate(drained);
      return performance.now() - started;
    });
    const round = Math.round;
    console.log(
      JSON.stringify({
        totalMs: round(totalMs),
        pushes: server.pushes,
        handlerMs: round(server.handlerMs),
        txMs: round(stats.txMs),
      }),
    );
  }
} finally {
  await bench.close();
  await inner.close();
}

type Client = import('swsync/page').SyncClient<typeof demoSchema>;

async function writeOffline(input: { boardId: string; count: number }): Promise<void> {
  const { client } = window as unknown as { client: Client };
  const at = new Date().toISOString();
  for (let i = 0; i < input.count; i++) {
    await client.Todo.create({
      id: crypto.randomUUID(),
      boardId: input.boardId,
      title: `offline ${i}`,
      done: false,
      createdAt: at,
      updatedAt: at,
    });
  }
}

function drained(): Promise<void> {
  const { client } = window as unknown as { client: Client };
  return new Promise((resolve) => {
    const stop = client.status.subscribe((s) => {
      if (s.pending !== 0 || !s.online) return;
      resolve();
      queueMicrotask(() => stop());
    });
  });
}
