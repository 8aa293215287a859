import { Hono } from 'hono';
import { type SyncStore, syncRoutes } from 'swsync/server';
import { demoSchema } from '../demo/schema.ts';
import { openBenchClient, startBenchBrowser } from './browser.ts';
import { median } from './median.ts';
import { seedScope } from './seed-scope.ts';

export interface BigListLiveResult {
  todos: number;
  /** Medians, ms: an update until the board's live query delivered the list that shows it. */
  toggleMs: number;
  /** Medians, ms: the board's todos read once (`where('boardId').equals().toArray()`). */
  readMs: number;
}

const USER = 'bench-big-list-live';

/**
 * The SDK's part of a toggle in a board of `todos` todos, in Chromium with the real worker:
 * the board's live query (as the demo's board view holds one), then `Todo.update(id, { done })`
 * until that live query delivers a list in which the todo is toggled; `repeats` toggles of
 * todos spread over the board, per trial, fresh context per trial. The drawing is not in it
 * (`big-list-toggle-ms` is). Also times one read of the board's todos, for scale. Each toggle
 * is checked in the delivered list, so a live query that missed it fails the run.
 */
export async function benchBigListLive(
  store: SyncStore,
  todos: number,
  repeats: number,
  trials = 3,
): Promise<BigListLiveResult> {
  await seedScope(store, USER, todos + 1);
  const app = new Hono();
  app.route('/api/sync', syncRoutes({ store, schema: demoSchema, auth: () => USER }));
  const bench = await startBenchBrowser(app, { '/engine-sw.js': 'engine-worker.ts' });
  const toggles: number[] = [];
  const reads: number[] = [];
  try {
    for (let t = 0; t < trials; t++) {
      const trial = await bench.inFreshContext(async (context, page) => {
        await openBenchClient(page, { dbName: 'big-list-live', realtime: false });
        // Offline: no push or pull runs beside the toggles.
        await context.setOffline(true);
        return page.evaluate(measure, { board: `${USER}-board`, todos, repeats });
      });
      toggles.push(...trial.toggles);
      reads.push(...trial.reads);
    }
  } finally {
    await bench.close();
  }
  return { todos, toggleMs: median(toggles), readMs: median(reads) };
}

async function measure(input: { board: string; todos: number; repeats: number }) {
  type Todo = { id: string; done: boolean };
  const { client } = window as unknown as {
    client: import('swsync/page').SyncClient<typeof demoSchema>;
  };
  const boardTodos = () => client.Todo.where('boardId').equals(input.board).toArray();
  const reads: number[] = [];
  let listed: Todo[] = [];
  for (let i = 0; i < input.repeats; i++) {
    const started = performance.now();
    listed = await boardTodos();
    reads.push(performance.now() - started);
  }
  if (listed.length !== input.todos) {
    throw new Error(
      `big-list-live: the board lists ${listed.length} todos, expected ${input.todos}`,
    );
  }
  // Through the live query's reader, as an app does: it records which models the query read.
  const live = client.liveQuery((db) => db.Todo.where('boardId').equals(input.board).toArray());
  let waiting: ((rows: Todo[]) => void) | undefined;
  let first: (() => void) | undefined;
  const ready = new Promise<void>((resolve) => {
    first = resolve;
  });
  const stop = live.subscribe((rows) => {
    if (!rows) return;
    first?.();
    waiting?.(rows);
  });
  await ready;
  const toggles: number[] = [];
  try {
    for (let i = 0; i < input.repeats; i++) {
      const todo = listed[Math.floor(((i + 0.5) / input.repeats) * listed.length)]!;
      const done = !todo.done;
      const delivered = new Promise<void>((resolve, reject) => {
        // A live query that never shows the toggle fails the run instead of hanging it.
        const timer = setTimeout(
          () => reject(new Error(`big-list-live: the live query never showed toggle ${i}`)),
          30_000,
        );
        waiting = (rows) => {
          if (rows.find((row) => row.id === todo.id)?.done !== done) return;
          waiting = undefined;
          clearTimeout(timer);
          resolve();
        };
      });
      const started = performance.now();
      await client.Todo.update(todo.id, { done });
      await delivered;
      toggles.push(performance.now() - started);
    }
  } finally {
    stop();
  }
  return { toggles, reads };
}
