import { Hono } from 'hono';
import { type SyncStore, syncRoutes } from 'swsync/server';
import { demoSchema } from '../demo/schema.ts';
import { openBenchClient, startBenchBrowser } from './browser.ts';
import { seedBoard } from './push.ts';

export interface ConvergenceResult {
  writes: number;
  /** From the writer's `create()` call until the reader's live query held the todo, ms. */
  p50Ms: number;
  p99Ms: number;
}

const USER = 'bench-convergence';

/**
 * Two devices of one account in Chromium (two browser contexts, each with its own worker and
 * IndexedDB, realtime on): one creates a todo, the other's live query over the board's todos
 * shows it. One write at a time, the next once the last was seen: the whole path (local write,
 * push, commit, poke over SSE, pull, IndexedDB, live query) every time, never batched. No
 * baseline: the issue asks for the figure.
 */
export async function benchConvergence(
  store: SyncStore,
  writes: number,
): Promise<ConvergenceResult> {
  const boardId = await seedBoard(store, USER);
  const app = new Hono();
  app.route('/api/sync', syncRoutes({ store, schema: demoSchema, auth: () => USER }));
  const bench = await startBenchBrowser(app, { '/engine-sw.js': 'engine-worker.ts' });
  try {
    const writer = await bench.openContext();
    const reader = await bench.openContext();
    await openBenchClient(writer.page, { dbName: 'convergence', realtime: true });
    await openBenchClient(reader.page, { dbName: 'convergence', realtime: true });
    await reader.page.evaluate((boardId) => {
      const w = window as unknown as {
        client: import('swsync/page').SyncClient<typeof demoSchema>;
        seenAt: Map<string, number>;
      };
      w.seenAt = new Map();
      w.client
        .liveQuery((db) => db.Todo.where('boardId').equals(boardId).toArray())
        .subscribe((rows) => {
          const now = Date.now();
          for (const row of rows) if (!w.seenAt.has(row.id)) w.seenAt.set(row.id, now);
        });
    }, boardId);
    const latencies: number[] = [];
    for (let i = 0; i < writes; i++) {
      const id = `convergence-${i}`;
      // Both pages read the same wall clock (one machine): ms resolution is enough here.
      const sentAt = await writer.page.evaluate(
        async ({ boardId, id }) => {
          const { client } = window as unknown as {
            client: import('swsync/page').SyncClient<typeof demoSchema>;
          };
          const at = new Date().toISOString();
          const started = Date.now();
          await client.Todo.create({
            id,
            boardId,
            title: 'convergence',
            done: false,
            createdAt: at,
            updatedAt: at,
          });
          return started;
        },
        { boardId, id },
      );
      const seenAt = await reader.page.waitForFunction(
        (id) => (window as unknown as { seenAt: Map<string, number> }).seenAt.get(id),
        id,
        { timeout: 30_000, polling: 5 },
      );
      latencies.push(Number(await seenAt.jsonValue()) - sentAt);
    }
    latencies.sort((a, b) => a - b);
    const at = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    return { writes, p50Ms: at(0.5), p99Ms: at(0.99) };
  } finally {
    await bench.close();
  }
}
