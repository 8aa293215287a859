import 'fake-indexeddb/auto';
import type { KeyValue } from 'swsync/schema';
import { describe, expect, it } from 'vitest';
import { demoSchema } from '../../demo/schema.ts';
import { openLocalDb } from '../../sw/store/open.ts';
import { modelReader } from '../client/models.ts';
import type { ModelReader } from '../client/types.ts';
import { type IndexRange, LocalReader } from '../store/local-reader.ts';
import { liveQuery } from './live-query.ts';
import { type CacheSource, type ModelChange, ReadCache } from './read-cache.ts';

let dbs = 0;

/** The engine's layout for the demo schema, a page reader over it, and a source that counts. */
async function setup() {
  const dbName = `read-cache-${++dbs}`;
  const db = await openLocalDb({ schema: demoSchema, dbName, indexedDB });
  const reader = new LocalReader(dbName, () => Promise.resolve());
  const calls = { query: 0, keys: [] as KeyValue[] };
  const source: CacheSource = {
    get connection() {
      return reader.connection;
    },
    get: (model, key) => reader.get(model, key),
    getMany: (model, keys) => {
      calls.keys.push(...keys);
      return reader.getMany(model, keys);
    },
    query: (model, keyField, range) => {
      calls.query++;
      return reader.query(model, keyField, range);
    },
  };
  return { db, reader, calls, cache: new ReadCache(source) };
}

const range = (
  field: string,
  keyRange?: IDBKeyRange,
  direction: IndexRange['direction'] = 'next',
): IndexRange => ({ field, range: keyRange, direction, limit: undefined });

const todo = (id: string, boardId: string, createdAt: string, done = false) => ({
  id,
  boardId,
  title: `Todo ${id}`,
  done,
  createdAt,
  updatedAt: createdAt,
});

/** A small deterministic generator, so a failure replays. */
function random(seed: number) {
  let state = seed;
  return (n: number) => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state % n;
  };
}

describe('ReadCache', () => {
  it('keeps every kind of cached read equal to a fresh read through random writes', async () => {
    const { db, reader, cache } = await setup();
    const pick = random(7);
    const day = (n: number) => `2026-01-${String(1 + n).padStart(2, '0')}T00:00:00.000Z`;
    const queries: IndexRange[] = [
      range('boardId', IDBKeyRange.only('b1')),
      range('boardId', IDBKeyRange.only('b2'), 'prev'),
      range('createdAt', IDBKeyRange.bound(day(3), day(6), false, true)),
      range('createdAt', IDBKeyRange.lowerBound(day(5), true), 'prev'),
      range('createdAt'),
      range('id', IDBKeyRange.upperBound('t15')),
      range('id', undefined, 'prev'),
    ];
    for (let step = 0; step < 150; step++) {
      // A few writes (puts that move a record across ranges, deletes), then one change each.
      const keys: string[] = [];
      for (let w = 1 + pick(3); w > 0; w--) {
        const id = `t${pick(30)}`;
        keys.push(id);
        if (pick(5) === 0) await db.delete('Todo', id);
        else await db.put('Todo', todo(id, `b${pick(3)}`, day(pick(9)), pick(2) === 0));
      }
      cache.note({ model: 'Todo', keys });
      cache.startRun();
      for (const query of queries) {
        expect(await cache.range('Todo', 'id', query)).toEqual(
          await reader.query('Todo', 'id', query),
        );
      }
      for (const key of ['t1', 't2', 't3']) {
        expect(await cache.get('Todo', key)).toEqual(await reader.get('Todo', key));
      }
      cache.endRun();
    }
    db.close();
    reader.close();
  });

  it('reads only the changed keys, and everything again when a change names none', async () => {
    const { db, calls, cache } = await setup();
    for (let i = 0; i < 20; i++) await db.put('Todo', todo(`t${i}`, 'b1', '2026-01-01T00:00:00Z'));
    const ofBoard = range('boardId', IDBKeyRange.only('b1'));
    const run = async () => {
      cache.startRun();
      const rows = await cache.range('Todo', 'id', ofBoard);
      cache.endRun();
      return rows as { id: string; done: boolean }[];
    };
    expect(await run()).toHaveLength(20);
    expect(calls.query).toBe(1);

    await db.put('Todo', todo('t7', 'b1', '2026-01-01T00:00:00Z', true));
    cache.note({ model: 'Todo', keys: ['t7'] });
    expect((await run()).find((t) => t.id === 't7')?.done).toBe(true);
    expect(calls).toEqual({ query: 1, keys: ['t7'] });

    // Another model's change, or none at all: nothing is read.
    cache.note({ model: 'Board', keys: null });
    await run();
    expect(calls).toEqual({ query: 1, keys: ['t7'] });

    cache.note({ model: 'Todo', keys: null });
    await run();
    expect(calls.query).toBe(2);
    db.close();
  });

  it('brings up to date a result whose read was under way when a change came', async () => {
    const { db, cache } = await setup();
    const ofBoard = range('boardId', IDBKeyRange.only('b1'));
    cache.startRun();
    const reading = cache.range('Todo', 'id', ofBoard);
    // The write and its broadcast may land before or after the read: either way, the next
    // read must hold the record.
    await db.put('Todo', todo('late', 'b1', '2026-01-01T00:00:00Z'));
    cache.note({ model: 'Todo', keys: ['late'] });
    await reading;
    cache.endRun();
    cache.startRun();
    expect(await cache.range('Todo', 'id', ofBoard)).toEqual([
      expect.objectContaining({ id: 'late' }),
    ]);
    cache.endRun();
    db.close();
  });

  it('hands out frozen records and an array of its own to each run', async () => {
    const { db, cache } = await setup();
    await db.put('Todo', todo('t1', 'b1', '2026-01-01T00:00:00Z'));
    await db.put('Todo', todo('t2', 'b1', '2026-01-02T00:00:00Z'));
    const ofBoard = range('boardId', IDBKeyRange.only('b1'));
    cache.startRun();
    const first = await cache.range('Todo', 'id', ofBoard);
    cache.endRun();
    expect(() => {
      (first[0] as { title: string }).title = 'changed by the caller';
    }).toThrow(TypeError);
    first.reverse();
    cache.startRun();
    const second = (await cache.range('Todo', 'id', ofBoard)) as { id: string; title: string }[];
    cache.endRun();
    expect(second.map((t) => [t.id, t.title])).toEqual([
      ['t1', 'Todo t1'],
      ['t2', 'Todo t2'],
    ]);
    db.close();
  });

  it('reads a limited query afresh every time', async () => {
    const { db, calls, cache } = await setup();
    await db.put('Todo', todo('t1', 'b1', '2026-01-01T00:00:00Z'));
    const latest: IndexRange = { ...range('createdAt', undefined, 'prev'), limit: 1 };
    for (const run of [1, 2]) {
      cache.startRun();
      expect(await cache.range('Todo', 'id', latest)).toHaveLength(1);
      cache.endRun();
      expect(calls.query).toBe(run);
    }
    db.close();
  });

  it('reads everything again through a new connection (the database deleted and made anew)', async () => {
    const { db, reader, cache } = await setup();
    await db.put('Todo', todo('old', 'b1', '2026-01-01T00:00:00Z'));
    const ofBoard = range('boardId', IDBKeyRange.only('b1'));
    const run = async () => {
      cache.startRun();
      const rows = (await cache.range('Todo', 'id', ofBoard)) as { id: string }[];
      cache.endRun();
      return rows.map((row) => row.id);
    };
    expect(await run()).toEqual(['old']);
    // Another tab's "remove data": the page's connection steps aside, nothing is broadcast.
    db.close();
    reader.close();
    const name = db.name;
    await new Promise((resolve) => {
      indexedDB.deleteDatabase(name).onsuccess = resolve;
    });
    const again = await openLocalDb({ schema: demoSchema, dbName: name, indexedDB });
    await again.put('Todo', todo('new', 'b1', '2026-01-01T00:00:00Z'));
    expect(await run()).toEqual(['new']);
    again.close();
  });
});

describe('liveQuery over the cache', () => {
  it('a query unsubscribed during a run and subscribed again shows what changed meanwhile', async () => {
    const { db, reader } = await setup();
    await db.put('Todo', todo('t1', 'b1', '2026-01-01T00:00:00Z'));
    const listeners = new Set<(change: ModelChange) => void>();
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const live = liveQuery(
      {
        reader: (touched, cache) =>
          modelReader(demoSchema, reader, 'Todo', { touched, cache }) as unknown as ModelReader<
            (typeof demoSchema.models)['Todo']
          >,
        source: reader,
        onChange: (listener) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      },
      async (todos) => {
        await gate; // an earlier await of the query: another read, a fetch
        const rows = await todos.where('boardId').equals('b1').toArray();
        return rows.map((row) => row.id);
      },
    );
    // The view goes away while the first run waits; a todo is added while nobody listens.
    live.subscribe(() => {})();
    release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await db.put('Todo', todo('t2', 'b1', '2026-01-01T00:00:00Z'));
    for (const l of listeners) l({ model: 'Todo', keys: ['t2'] });
    const seen: string[][] = [];
    const stop = live.subscribe((ids) => seen.push(ids));
    await expect.poll(() => seen.at(-1)).toEqual(['t1', 't2']);
    stop();
    db.close();
  });
});
