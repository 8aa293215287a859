import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { demoSchema } from '../../demo/schema.ts';
import { openLocalDb } from '../../sw/store/open.ts';
import { board } from '../../sw/testing/demo-records.ts';
import { UnavailableError } from '../errors.ts';
import { LocalReader } from './local-reader.ts';

let dbs = 0;
const b1 = board('b1', 'u1');

/** An engine's database holding board b1. */
async function engineDatabase(): Promise<string> {
  const dbName = `local-reader-${++dbs}`;
  const engineDb = await openLocalDb({ schema: demoSchema, dbName, indexedDB });
  await engineDb.put('Board', b1);
  engineDb.close();
  return dbName;
}

/**
 * An engine's database, a connection to it that never steps aside (a tab of an older release)
 * and, waiting behind it, another context's upgrade (which aborts once it runs, leaving the
 * layout as it was) or deletion. `release` closes the connection; `done` resolves once the
 * waiting request has run.
 */
async function heldUp(kind: 'upgrade' | 'deletion') {
  const dbName = await engineDatabase();
  const held = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(dbName);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const waiting =
    kind === 'upgrade'
      ? indexedDB.open(dbName, held.version + 1)
      : indexedDB.deleteDatabase(dbName);
  if (kind === 'upgrade') {
    (waiting as IDBOpenDBRequest).onupgradeneeded = () => waiting.transaction?.abort();
  }
  const done = new Promise((resolve) => {
    waiting.onsuccess = resolve;
    waiting.onerror = resolve;
  });
  await new Promise((resolve) => {
    (waiting as IDBOpenDBRequest).onblocked = resolve;
  });
  return { dbName, release: () => held.close(), done };
}

/** A reader whose handshake is done, with a 50 ms open timeout, counting `onReplaced` calls. */
function reader(dbName: string, onReplaced?: () => void) {
  const counts = { replaced: 0 };
  const made = new LocalReader(
    dbName,
    () => Promise.resolve(),
    onReplaced ?? (() => void counts.replaced++),
    50,
  );
  return { reader: made, counts };
}

describe('LocalReader', () => {
  it('a read held up by another context’s upgrade rejects in time; once the upgrade is done, it reads again and live queries are told', async () => {
    const { dbName, release, done } = await heldUp('upgrade');
    const opens = vi.spyOn(indexedDB, 'open');
    const { reader: r, counts } = reader(dbName);
    const error = await r.get('Board', 'b1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', details: { method: 'read' } });
    // Every kind of read gives up the same way, on the same open request.
    await expect(r.list('Board')).rejects.toBeInstanceOf(UnavailableError);
    await expect(r.database()).rejects.toBeInstanceOf(UnavailableError);
    expect(counts.replaced).toBe(0);

    release();
    await done;
    await expect.poll(() => counts.replaced).toBe(1);
    expect(await r.get('Board', 'b1')).toEqual(b1);
    expect(await r.list('Board')).toEqual([b1]);
    // Every read waited on the one open request it made first: none was queued beside it.
    expect(opens).toHaveBeenCalledTimes(1);
    opens.mockRestore();
    expect(counts.replaced).toBe(1);
    r.close();
  });

  it('a handshake slower than the open timeout is not cut short by it', async () => {
    let replaced = 0;
    const r = new LocalReader(
      await engineDatabase(),
      () => new Promise((resolve) => setTimeout(resolve, 120)),
      () => void replaced++,
      30,
    );
    expect(await r.get('Board', 'b1')).toEqual(b1);
    expect(replaced).toBe(0);
    r.close();
  });

  it('a failed handshake rejects the read with its own error', async () => {
    const r = new LocalReader(`local-reader-${++dbs}`, () =>
      Promise.reject(new Error('worker unreachable')),
    );
    await expect(r.get('Board', 'b1')).rejects.toThrow('worker unreachable');
  });

  it('a listener that throws when the held-up open succeeds fails neither the reads waiting on it nor the connection', async () => {
    const { dbName, release, done } = await heldUp('upgrade');
    const thrown: unknown[] = [];
    const onError = (error: unknown) => thrown.push(error);
    process.on('uncaughtException', onError);
    const { reader: r } = reader(dbName, () => {
      throw new Error('app bug');
    });
    await expect(r.get('Board', 'b1')).rejects.toBeInstanceOf(UnavailableError);
    const waiting = r.get('Board', 'b1');
    release();
    await done;
    expect(await waiting).toEqual(b1);
    // The connection is the reader's, closed with it: another context may delete the database.
    r.close();
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
    const { dbName, release, done } = await heldUp('deletion');
    const { reader: r, counts } = reader(dbName);
    await expect(r.list('Board')).rejects.toBeInstanceOf(UnavailableError);
    release();
    await done;
    await expect.poll(() => counts.replaced).toBe(1);
    expect(await r.list('Board')).toEqual([]);
    r.close();
  });

  it('a reader closed after a read gave up tells no one when that open ends, nor at the next one', async () => {
    const { dbName, release, done } = await heldUp('upgrade');
    const { reader: r, counts } = reader(dbName);
    await expect(r.get('Board', 'b1')).rejects.toBeInstanceOf(UnavailableError);
    r.close();
    release();
    await done;
    expect(await r.get('Board', 'b1')).toEqual(b1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(counts.replaced).toBe(0);
    r.close();
  });
});
