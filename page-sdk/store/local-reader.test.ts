import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { demoSchema } from '../../demo/schema.ts';
import { openLocalDb } from '../../sw/store/open.ts';
import { board } from '../../sw/testing/demo-records.ts';
import { UnavailableError } from '../errors.ts';
import { LocalReader } from './local-reader.ts';

let dbs = 0;

function openRaw(name: string, version?: number): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, version);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** An engine's database holding board b1, and a connection to it that never steps aside. */
async function heldDatabase() {
  const dbName = `local-reader-${++dbs}`;
  const engineDb = await openLocalDb({ schema: demoSchema, dbName, indexedDB });
  await engineDb.put('Board', board('b1', 'u1'));
  engineDb.close();
  return { dbName, held: await openRaw(dbName) };
}

/** Resolves once `request` waits on a connection that does not step aside. */
const blocked = (request: IDBOpenDBRequest) =>
  new Promise((resolve) => {
    request.onblocked = resolve;
  });

const settled = (request: IDBOpenDBRequest) =>
  new Promise((resolve) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => resolve(request.error);
  });

describe('LocalReader', () => {
  it('a read held up by another context’s upgrade rejects in time; once the upgrade is done, it reads again and live queries are told', async () => {
    const dbName = `local-reader-${++dbs}`;
    const engineDb = await openLocalDb({ schema: demoSchema, dbName, indexedDB });
    await engineDb.put('Board', board('b1', 'u1'));
    engineDb.close();
    // A connection that never steps aside (a tab of an older release) and an upgrade behind it.
    const held = await openRaw(dbName);
    const upgrade = indexedDB.open(dbName, held.version + 1);
    const upgraded = new Promise<IDBDatabase>((resolve) => {
      upgrade.onsuccess = () => resolve(upgrade.result);
    });
    await new Promise((resolve) => {
      upgrade.onblocked = resolve;
    });

    const opens = vi.spyOn(indexedDB, 'open');
    let replaced = 0;
    const reader = new LocalReader(
      dbName,
      () => Promise.resolve(),
      () => void replaced++,
      50,
    );
    const error = await reader.get('Board', 'b1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', details: { method: 'read' } });
    // Every kind of read gives up the same way, on the same open request.
    await expect(reader.list('Board')).rejects.toBeInstanceOf(UnavailableError);
    await expect(reader.database()).rejects.toBeInstanceOf(UnavailableError);
    expect(replaced).toBe(0);

    held.close();
    (await upgraded).close();
    await expect.poll(() => replaced).toBe(1);
    expect(await reader.get('Board', 'b1')).toEqual(board('b1', 'u1'));
    expect(await reader.list('Board')).toEqual([board('b1', 'u1')]);
    // Every read waited on the one open request it made first: none was queued beside it.
    expect(opens).toHaveBeenCalledTimes(1);
    opens.mockRestore();
    expect(replaced).toBe(1);
    reader.close();
  });

  it('a handshake slower than the open timeout is not cut short by it', async () => {
    const dbName = `local-reader-${++dbs}`;
    const engineDb = await openLocalDb({ schema: demoSchema, dbName, indexedDB });
    await engineDb.put('Board', board('b1', 'u1'));
    engineDb.close();
    let replaced = 0;
    const reader = new LocalReader(
      dbName,
      () => new Promise((resolve) => setTimeout(resolve, 120)),
      () => void replaced++,
      30,
    );
    expect(await reader.get('Board', 'b1')).toEqual(board('b1', 'u1'));
    expect(replaced).toBe(0);
    reader.close();
  });

  it('a failed handshake rejects the read with its own error', async () => {
    const reader = new LocalReader(`local-reader-${++dbs}`, () =>
      Promise.reject(new Error('worker unreachable')),
    );
    await expect(reader.get('Board', 'b1')).rejects.toThrow('worker unreachable');
  });

  it('a listener that throws when the held-up open succeeds fails neither the reads waiting on it nor the connection', async () => {
    const { dbName, held } = await heldDatabase();
    const upgrade = indexedDB.open(dbName, held.version + 1);
    upgrade.onupgradeneeded = () => upgrade.transaction?.abort();
    const done = settled(upgrade);
    await blocked(upgrade);
    const thrown: unknown[] = [];
    const onError = (error: unknown) => thrown.push(error);
    process.on('uncaughtException', onError);
    const reader = new LocalReader(
      dbName,
      () => Promise.resolve(),
      () => {
        throw new Error('app bug');
      },
      50,
    );
    await expect(reader.get('Board', 'b1')).rejects.toBeInstanceOf(UnavailableError);
    const waiting = reader.get('Board', 'b1');
    held.close();
    await done;
    expect(await waiting).toEqual(board('b1', 'u1'));
    // The connection is the reader's, closed with it: another context may delete the database.
    reader.close();
    const deletion = indexedDB.deleteDatabase(dbName);
    const outcome = await new Promise((resolve) => {
      deletion.onsuccess = () => resolve('deleted');
      deletion.onblocked = () => resolve('blocked');
    });
    process.off('uncaughtException', onError);
    expect(outcome).toBe('deleted');
    // The listener's error is left uncaught, where the page's error handlers see it.
    expect(thrown).toEqual([new Error('app bug')]);
  });

  it('after a held-up deletion, live queries that saw the read give up read again, and find nothing', async () => {
    const { dbName, held } = await heldDatabase();
    const deletion = indexedDB.deleteDatabase(dbName);
    const deleted = settled(deletion);
    await blocked(deletion);
    let replaced = 0;
    const reader = new LocalReader(
      dbName,
      () => Promise.resolve(),
      () => void replaced++,
      50,
    );
    await expect(reader.list('Board')).rejects.toBeInstanceOf(UnavailableError);
    held.close();
    await deleted;
    await expect.poll(() => replaced).toBe(1);
    expect(await reader.list('Board')).toEqual([]);
    reader.close();
  });

  it('a reader closed after a read gave up tells no one when that open ends, nor at the next one', async () => {
    const { dbName, held } = await heldDatabase();
    const upgrade = indexedDB.open(dbName, held.version + 1);
    upgrade.onupgradeneeded = () => upgrade.transaction?.abort();
    const done = settled(upgrade);
    await blocked(upgrade);
    let replaced = 0;
    const reader = new LocalReader(
      dbName,
      () => Promise.resolve(),
      () => void replaced++,
      50,
    );
    await expect(reader.get('Board', 'b1')).rejects.toBeInstanceOf(UnavailableError);
    reader.close();
    held.close();
    await done;
    expect(await reader.get('Board', 'b1')).toEqual(board('b1', 'u1'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(replaced).toBe(0);
    reader.close();
  });
});
