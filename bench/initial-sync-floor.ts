import { Hono } from 'hono';
import { startBenchBrowser } from './browser.ts';

/**
 * What IndexedDB alone costs for the writes of a first sync, against `initial-sync-vs-raw`'s
 * baseline, for "Where the time goes". In one page, 50,000 todos of the benchmark's shape,
 * each variant into a fresh database, variants interleaved, 3 trials, medians in ms:
 * - `bulk`: the row's baseline without its fetch: one transaction, a store with no index;
 * - `bulkIndexed`: the same into a store with the demo's two indexes (`boardId`, `createdAt`);
 * - `pages`: that indexed store, in transactions of 1,000 (a pull page), one after another;
 * - `pagesVersions`: the same plus a `versions` row per record as the engine stores it (key
 *   path `['model', 'key']`, value `{ model, key, version }`);
 * - `pagesVersionsBare`: the same with the version alone as the value, under an out-of-line
 *   key `['Todo', id]`;
 * - `pagesWrapped`: no `versions` row; the version beside the record in its own row
 *   (`{ v, r }`, key path `r.id`, indexes on `r.boardId` and `r.createdAt`), in pages.
 *
 * Not part of `npm run bench` (it makes no row). Run:
 * `NODE_OPTIONS=--conditions=swsync-source npx tsx bench/initial-sync-floor.ts`
 */
const bench = await startBenchBrowser(new Hono(), {});
try {
  const medians = await bench.inFreshContext((_context, page) =>
    page.evaluate(measure, {
      count: Number(process.env.BENCH_RECORDS ?? 50_000),
      trials: Number(process.env.BENCH_TRIALS ?? 3),
    }),
  );
  console.log(JSON.stringify(medians));
} finally {
  await bench.close();
}

async function measure({
  count,
  trials,
}: {
  count: number;
  trials: number;
}): Promise<Record<string, number>> {
  const at = new Date().toISOString();
  const boardId = crypto.randomUUID();
  const todos = Array.from({ length: count }, (_, i) => ({
    id: crypto.randomUUID(),
    boardId,
    title: `todo ${i}`,
    done: false,
    createdAt: at,
    updatedAt: at,
  }));
  type Layout = (db: IDBDatabase) => void;
  const indexed: Layout = (db) => {
    const store = db.createObjectStore('Todo', { keyPath: 'id' });
    store.createIndex('boardId', 'boardId');
    store.createIndex('createdAt', 'createdAt');
  };
  const withVersions: Layout = (db) => {
    indexed(db);
    db.createObjectStore('versions', { keyPath: ['model', 'key'] });
  };
  const versionRow = (store: IDBObjectStore, todo: (typeof todos)[number]) =>
    store.put({ model: 'Todo', key: todo.id, version: 1 });
  let opened = 0;
  const open = (layout: Layout) =>
    new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(`floor-${opened++}`, 1);
      request.onupgradeneeded = () => layout(request.result);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  const committed = (tx: IDBTransaction) =>
    new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
  /** Puts every todo, `size` to a transaction, each after the last committed. */
  const put = async (
    db: IDBDatabase,
    size: number,
    versions?: (store: IDBObjectStore, todo: (typeof todos)[number]) => void,
    durability: IDBTransactionDurability = 'default',
    row: (todo: (typeof todos)[number]) => unknown = (todo) => todo,
  ) => {
    for (let i = 0; i < todos.length; i += size) {
      const names = versions ? ['Todo', 'versions'] : ['Todo'];
      const tx = db.transaction(names, 'readwrite', { durability });
      const store = tx.objectStore('Todo');
      const versionStore = versions ? tx.objectStore('versions') : null;
      for (const todo of todos.slice(i, i + size)) {
        store.put(row(todo));
        if (versionStore) versions?.(versionStore, todo);
      }
      await committed(tx);
    }
    db.close();
  };
  const variants: Record<string, () => Promise<void>> = {
    bulk: async () =>
      put(await open((db) => db.createObjectStore('Todo', { keyPath: 'id' })), count),
    bulkIndexed: async () => put(await open(indexed), count),
    pages: async () => put(await open(indexed), 1_000),
    pagesVersions: async () => put(await open(withVersions), 1_000, versionRow),
    pagesVersionsRelaxed: async () => put(await open(withVersions), 1_000, versionRow, 'relaxed'),
    pagesVersionsStrict: async () => put(await open(withVersions), 1_000, versionRow, 'strict'),
    pages5kVersions: async () => put(await open(withVersions), 5_000, versionRow),
    pagesWrapped: async () =>
      put(
        await open((db) => {
          const store = db.createObjectStore('Todo', { keyPath: 'r.id' });
          store.createIndex('boardId', 'r.boardId');
          store.createIndex('createdAt', 'r.createdAt');
        }),
        1_000,
        undefined,
        'default',
        (todo) => ({ v: 1, r: todo }),
      ),
    pagesVersionsBare: async () =>
      put(
        await open((db) => {
          indexed(db);
          db.createObjectStore('versions');
        }),
        1_000,
        (store, todo) => store.put(1, ['Todo', todo.id]),
      ),
  };
  const samples: Record<string, number[]> = Object.fromEntries(
    Object.keys(variants).map((name) => [name, []]),
  );
  for (let trial = 0; trial < trials; trial++) {
    for (const [name, run] of Object.entries(variants)) {
      const started = performance.now();
      await run();
      samples[name]!.push(performance.now() - started);
      // Every variant meets the same disk: none keeps the last one's data.
      await new Promise((resolve) => {
        indexedDB.deleteDatabase(`floor-${opened - 1}`).onsuccess = resolve;
      });
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  return Object.fromEntries(
    Object.entries(samples).map(([name, values]) => [name, Math.round(median(values))]),
  );
}
