import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import type { Write } from 'swsync/schema';
import { describe, expect, it } from 'vitest';
import { demoSchema } from '../../demo/schema.ts';
import { createEngine } from '../engine/create-engine.ts';
import { EngineClosedError } from '../errors.ts';
import { board } from '../testing/demo-records.ts';
import { EngineRegistry } from './engines.ts';

const DB = 'app';

/** A registry over its own fake IndexedDB, offline and without broadcasts. */
function registryOn(indexedDB: IDBFactory) {
  let opened = 0;
  const registry = new EngineRegistry({
    schema: demoSchema,
    endpoint: 'http://127.0.0.1:1/api/sync',
    known: {
      add: async () => undefined,
      remove: async () => undefined,
      has: async () => true,
      list: async () => [],
    },
    onRetryLater: () => undefined,
    createEngine: (options) => {
      opened++;
      return createEngine({
        ...options,
        indexedDB,
        isOnline: () => false,
        onBroadcast: () => undefined,
      });
    },
  });
  return { registry, opened: () => opened };
}

/** What a newer page or worker does: opens the database at the next version. */
async function upgradeElsewhere(indexedDB: IDBFactory, name: string): Promise<void> {
  const open = (version?: number) =>
    new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(name, version);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error('an open connection blocked the upgrade'));
    });
  const current = await open();
  current.close();
  (await open(current.version + 1)).close();
}

const createBoard = (id: string): Write[] => [
  { op: 'create', model: 'Board', record: board(id, 'u1') },
];

describe('EngineRegistry', () => {
  it('keeps one engine per database while it is open', async () => {
    const { registry, opened } = registryOn(new IDBFactory());
    const [a, b] = await Promise.all([registry.get(DB), registry.get(DB)]);
    expect(a).toBe(b);
    expect(await registry.get(DB)).toBe(a);
    expect(opened()).toBe(1);
  });

  it('reopens an engine whose database another context upgraded', async () => {
    const idb = new IDBFactory();
    const { registry, opened } = registryOn(idb);
    const first = await registry.get(DB);
    await first.write(createBoard('b1'), { mutationId: 'm1' });

    await upgradeElsewhere(idb, DB);
    await expect(first.write(createBoard('b2'), { mutationId: 'm2' })).rejects.toBeInstanceOf(
      EngineClosedError,
    );

    const second = await registry.get(DB);
    expect(second).not.toBe(first);
    expect(opened()).toBe(2);
    await second.write(createBoard('b2'), { mutationId: 'm2' });
    expect((await second.status()).pending).toBe(2);
  });
});
