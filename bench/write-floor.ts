import { Hono } from 'hono';
import { openPGliteStore, syncRoutes } from 'swsync/server';
import { demoSchema } from '../demo/schema.ts';
import { openBenchClient, startBenchBrowser } from './browser.ts';
import { seedBoard } from './push.ts';

/**
 * Where a create's time goes against `write-latency-vs-idb`'s raw put, in one page, 600
 * interleaved samples of each, medians in ms:
 * - `call`: a worker call that does nothing (`setHeaders(null)`), there and back;
 * - `create`: `client.Todo.create()`, the row's "ours";
 * - `put`: the row's baseline, one put in a readwrite transaction from the page;
 * - `createShape`: a transaction of a create's shape made from the page itself (a `versions`
 *   get and four adds over five stores), what a write made in the page would cost.
 *
 * Not part of `npm run bench` (it makes no row). Run:
 * `NODE_OPTIONS=--conditions=swsync-source npx tsx bench/write-floor.ts`
 */
const USER = 'write-floor';
const store = await openPGliteStore();
const boardId = await seedBoard(store, USER);
const app = new Hono();
app.route('/api/sync', syncRoutes({ store, schema: demoSchema, auth: () => USER }));
const bench = await startBenchBrowser(app, { '/engine-sw.js': 'engine-worker.ts' });
try {
  const medians = await bench.inFreshContext(async (context, page) => {
    await openBenchClient(page, { dbName: 'write-floor', realtime: false });
    await context.setOffline(true);
    return page.evaluate(measure, boardId);
  });
  console.log(JSON.stringify(medians));
} finally {
  await bench.close();
  await store.close();
}

async function measure(boardId: string): Promise<Record<string, number>> {
  const { client } = window as unknown as {
    client: import('swsync/page').SyncClient<typeof demoSchema>;
  };
  const request = <T>(r: IDBRequest<T>) =>
    new Promise<T>((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  const committed = (tx: IDBTransaction) =>
    new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
  const open = indexedDB.open('write-floor-raw', 1);
  open.onupgradeneeded = () => {
    const db = open.result;
    db.createObjectStore('Todo', { keyPath: 'id' }).createIndex('boardId', 'boardId');
    db.createObjectStore('outbox', { autoIncrement: true });
    for (const name of ['base', 'receipts', 'versions']) db.createObjectStore(name);
  };
  const raw = await request(open);
  const at = new Date().toISOString();
  const todo = () => ({
    id: crypto.randomUUID(),
    boardId,
    title: 'floor',
    done: false,
    createdAt: at,
    updatedAt: at,
  });
  const time = async (run: () => Promise<unknown>) => {
    const started = performance.now();
    await run();
    return performance.now() - started;
  };
  const samples: Record<string, number[]> = { call: [], create: [], put: [], createShape: [] };
  for (let i = 0; i < 600; i++) {
    samples.call!.push(await time(() => client.setHeaders(null)));
    samples.create!.push(await time(() => client.Todo.create(todo())));
    samples.put!.push(
      await time(() => {
        const tx = raw.transaction('Todo', 'readwrite');
        tx.objectStore('Todo').put(todo());
        return committed(tx);
      }),
    );
    samples.createShape!.push(
      await time(() => {
        const tx = raw.transaction(['Todo', 'outbox', 'base', 'receipts', 'versions'], 'readwrite');
        const record = todo();
        tx.objectStore('versions').get(record.id);
        tx.objectStore('Todo').add(record);
        tx.objectStore('outbox').add({ model: 'Todo', key: record.id, event: { payload: record } });
        tx.objectStore('base').add({ record: null }, record.id);
        tx.objectStore('receipts').add({ result: [record] }, crypto.randomUUID());
        return committed(tx);
      }),
    );
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  return Object.fromEntries(
    Object.entries(samples).map(([name, values]) => [name, Number(median(values).toFixed(3))]),
  );
}
