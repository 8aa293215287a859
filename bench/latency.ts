import { Hono } from 'hono';
import { applyPush, type SyncStore, syncRoutes } from 'swsync/server';
import { demoSchema } from '../demo/schema.ts';
import { openBenchClient, startBenchBrowser } from './browser.ts';
import { median } from './median.ts';
import { seedBoard, todoEvents } from './push.ts';

/** Medians in ms over every sample of every trial; each pair measured in the same page. */
export interface LatencyResult {
  samples: number;
  write: { oursMs: number; baselineMs: number };
  get: { oursMs: number; baselineMs: number };
  list: { oursMs: number; baselineMs: number };
}

const USER = 'bench-latency';
/** The board's todos, read as one list by the `boardId` index. */
const LISTED = 100;

interface Samples {
  write: [number, number][];
  get: [number, number][];
  list: [number, number][];
}

/**
 * Local read and write latency in Chromium, the SDK against a raw IndexedDB baseline in the
 * same page, sample by sample interleaved:
 * - write: `client.Todo.create()` until it resolves (the record, its outbox event and `base`
 *   row committed in one transaction, made in the page; the worker is told afterwards), offline
 *   so no push runs beside it; baseline: one
 *   readwrite transaction per record, awaited until complete, into a store of the same shape
 *   (key path `id`, an index on `boardId`).
 * - get: `client.Todo.get(id)`; baseline: a store `get` on the same records. Each answer must be
 *   the record asked for (checked after the sample's time is taken).
 * - list: the board's 100 todos by `where('boardId').equals()`; baseline: the index's `getAll`.
 *   Each answer must be the board's 100 todos.
 *
 * A fresh profile per trial; `samples` per trial of each kind.
 */
export async function benchLatency(
  store: SyncStore,
  samples: number,
  trials = 3,
): Promise<LatencyResult> {
  const boardId = await seedBoard(store, USER);
  await applyPush({
    store,
    schema: demoSchema,
    scopeKey: USER,
    events: todoEvents(USER, boardId, LISTED),
  });
  const app = new Hono();
  app.route('/api/sync', syncRoutes({ store, schema: demoSchema, auth: () => USER }));
  const bench = await startBenchBrowser(app, { '/engine-sw.js': 'engine-worker.ts' });
  const all: Samples = { write: [], get: [], list: [] };
  try {
    for (let t = 0; t < trials; t++) {
      const trial = await bench.inFreshContext(async (context, page) => {
        await openBenchClient(page, { dbName: 'latency', realtime: false });
        await context.setOffline(true);
        return page.evaluate(measure, { boardId, samples, listed: LISTED });
      });
      for (const kind of ['write', 'get', 'list'] as const) all[kind].push(...trial[kind]);
    }
  } finally {
    await bench.close();
  }
  const pair = (rows: [number, number][]) => ({
    oursMs: median(rows.map(([ours]) => ours)),
    baselineMs: median(rows.map(([, baseline]) => baseline)),
  });
  return {
    samples: all.write.length,
    write: pair(all.write),
    get: pair(all.get),
    list: pair(all.list),
  };
}

/** In the page: interleaved samples, [ours, baseline] in ms. Reads first: writes grow the list. */
async function measure(input: { boardId: string; samples: number; listed: number }) {
  const { client } = window as unknown as {
    client: import('swsync/page').SyncClient<typeof demoSchema>;
  };
  // Without isolation the timer moves in 0.1 ms steps, as coarse as the costs measured here.
  if (!crossOriginIsolated) throw new Error('the bench page is not cross-origin isolated');
  const request = <T>(r: IDBRequest<T>) =>
    new Promise<T>((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  const open = indexedDB.open('raw', 1);
  open.onupgradeneeded = () => {
    open.result.createObjectStore('Todo', { keyPath: 'id' }).createIndex('boardId', 'boardId');
  };
  const raw = await request(open);
  const committed = (tx: IDBTransaction) =>
    new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
  const records = await client.Todo.list();
  if (records.length !== input.listed) throw new Error(`expected ${input.listed} todos locally`);
  const seed = raw.transaction('Todo', 'readwrite');
  for (const record of records) seed.objectStore('Todo').put(record);
  await committed(seed);

  // The checks of what a sample returned run after its time is taken: comparisons only.
  const timed = async <T>(run: () => Promise<T>): Promise<[number, T]> => {
    const started = performance.now();
    const value = await run();
    return [performance.now() - started, value];
  };
  const time = async (run: () => Promise<unknown>) => (await timed(run))[0];
  const expectGot = (side: string, id: string, got: { id: string } | undefined) => {
    if (got?.id !== id) throw new Error(`latency bench (${side}): get(${id}) returned ${got?.id}`);
  };
  const expectListed = (side: string, rows: { boardId: string }[]) => {
    if (rows.length !== input.listed || rows.some((row) => row.boardId !== input.boardId)) {
      throw new Error(
        `latency bench (${side}): listed ${rows.length} todos, expected ${input.listed} of board ${input.boardId}`,
      );
    }
  };
  const out: { write: [number, number][]; get: [number, number][]; list: [number, number][] } = {
    write: [],
    get: [],
    list: [],
  };
  for (let i = 0; i < input.samples; i++) {
    const id = records[i % records.length]!.id;
    const [ours, got] = await timed(() => client.Todo.get(id));
    const [baseline, gotRaw] = await timed(() =>
      request<{ id: string } | undefined>(raw.transaction('Todo').objectStore('Todo').get(id)),
    );
    expectGot('ours', id, got);
    expectGot('baseline', id, gotRaw);
    out.get.push([ours, baseline]);
  }
  for (let i = 0; i < input.samples; i++) {
    const [ours, rows] = await timed(() =>
      client.Todo.where('boardId').equals(input.boardId).toArray(),
    );
    const [baseline, rawRows] = await timed(() => {
      const index = raw.transaction('Todo').objectStore('Todo').index('boardId');
      return request<{ boardId: string }[]>(index.getAll(input.boardId));
    });
    expectListed('ours', rows);
    expectListed('baseline', rawRows);
    out.list.push([ours, baseline]);
  }
  const at = new Date().toISOString();
  const todo = (id: string) => ({
    id,
    boardId: input.boardId,
    title: 'latency',
    done: false,
    createdAt: at,
    updatedAt: at,
  });
  for (let i = 0; i < input.samples; i++) {
    const ours = await time(() => client.Todo.create(todo(crypto.randomUUID())));
    const baseline = await time(() => {
      const tx = raw.transaction('Todo', 'readwrite');
      tx.objectStore('Todo').put(todo(crypto.randomUUID()));
      return committed(tx);
    });
    out.write.push([ours, baseline]);
  }
  raw.close();
  client.close();
  return out;
}
