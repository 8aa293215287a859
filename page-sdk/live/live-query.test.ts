import { describe, expect, it } from 'vitest';
import { liveQuery } from './live-query.ts';
import type { ModelChange } from './read-cache.ts';

/** A host whose data and change notifications the test drives. */
function fakeHost() {
  const data: Record<string, number> = { Todo: 0, Board: 0 };
  const listeners = new Set<(change: ModelChange) => void>();
  const unused = () => Promise.reject(new Error('this reader does not read through the cache'));
  return {
    data,
    change(model: string) {
      data[model] = (data[model] ?? 0) + 1;
      for (const l of listeners) l({ model, keys: null });
    },
    listeners,
    host: {
      reader: (touched: Set<string>) => ({
        read: async (model: string) => {
          touched.add(model);
          await new Promise((r) => setTimeout(r, 5));
          return data[model] ?? 0;
        },
      }),
      source: { connection: 0, get: unused, getMany: unused, query: unused },
      onChange: (listener: (change: ModelChange) => void) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
  };
}

const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

describe('liveQuery', () => {
  it('runs while subscribed and re-runs only for models it read', async () => {
    const f = fakeHost();
    let runs = 0;
    const live = liveQuery(f.host, async (db) => {
      runs++;
      return db.read('Todo');
    });
    const seen: number[] = [];
    const stop = live.subscribe((v) => seen.push(v));
    await tick();
    f.change('Board');
    await tick();
    f.change('Todo');
    await tick();
    expect(seen).toEqual([0, 1]);
    expect(runs).toBe(2);
    stop();
    expect(f.listeners.size).toBe(0);
    f.change('Todo');
    await tick();
    expect(runs).toBe(2);
  });

  it('does not miss a change that lands while the query runs', async () => {
    const f = fakeHost();
    const live = liveQuery(f.host, (db) => db.read('Todo'));
    const seen: number[] = [];
    live.subscribe((v) => seen.push(v));
    // The first run has read Todo (0) and is still in flight when Todo changes.
    await tick(1);
    f.change('Todo');
    await tick();
    expect(seen.at(-1)).toBe(1);
  });

  it('hands errors to the error callback and to async iterators', async () => {
    const f = fakeHost();
    const live = liveQuery(f.host, async () => {
      throw new Error('boom');
    });
    const errors: unknown[] = [];
    const stop = live.subscribe(
      () => {},
      (e) => errors.push(e),
    );
    await tick();
    expect(errors).toHaveLength(1);
    stop();
    await expect(live[Symbol.asyncIterator]().next()).rejects.toThrow('boom');
  });
});
