import { type IDBPDatabase, openDB } from 'idb';
import type { KeyValue } from 'swsync/schema';
import { NotIndexedError, UnavailableError } from '../errors.ts';
import { TimeoutError, withTimeout } from '../transport/connection.ts';

/** A range over an index (or the key), in IndexedDB's key order. */
export interface IndexRange {
  field: string;
  range: IDBKeyRange | undefined;
  direction: 'next' | 'prev';
  limit: number | undefined;
}

/**
 * Reads the worker's IndexedDB straight from the page: no RPC hop. The database is opened
 * WITHOUT a version, so the page never creates or upgrades it (the worker's engine owns the
 * layout: one store per model, keyPath = the key, one index per indexed field). When the
 * engine needs an upgrade, the page closes its connection at once instead of blocking it.
 *
 * Another context can hold the open up for as long as it likes (a tab of an older release that
 * keeps its connection while the worker upgrades, a deletion waiting on it), so a read waits at
 * most `openTimeoutMs` for it and then rejects with `UnavailableError` (code `UNAVAILABLE`), as
 * a call to the worker would. The open goes on; once it ends after a read gave up (opened, or
 * the database found deleted), `onReplaced` runs so live queries read again.
 *
 * @example
 * const reader = new LocalReader('user-1', () => rpc.connect());
 * const todo = await reader.get('Todo', 'todo-1');
 */
export class LocalReader {
  private db: Promise<IDBPDatabase | null> | undefined;
  private drops = 0;
  /** The handshake part of the opening in flight: reads wait for it without a limit of ours. */
  private handshake: Promise<unknown> | undefined;
  /** A read gave up on the opening in flight. */
  private gaveUp = false;
  /** The connection `db` resolved to, once it did: reads then need no timer. */
  private connected: { from: Promise<IDBPDatabase | null>; db: IDBPDatabase } | undefined;

  /**
   * @param ready resolves once the worker has created the database (its hello).
   * @param onReplaced called when the connection made way for the worker's upgrade: what was
   *   read before may no longer be there; and when an open that a read gave up on ends.
   * @param openTimeoutMs how long a read waits for IndexedDB to open the database (default
   *   5,000 ms); the handshake (`ready`) keeps its own timeouts.
   */
  constructor(
    private readonly dbName: string,
    private readonly ready: () => Promise<unknown>,
    private readonly onReplaced: () => void = () => {},
    private readonly openTimeoutMs = 5_000,
  ) {}

  /** Goes up by one whenever the connection is dropped; a later read opens a new one. */
  get connection(): number {
    return this.drops;
  }

  async get(model: string, key: KeyValue): Promise<unknown> {
    const db = await this.opened();
    if (!db?.objectStoreNames.contains(model)) return undefined;
    return db.get(model, key);
  }

  /** The records under `keys` (`undefined` where there is none), in one transaction. */
  async getMany(model: string, keys: readonly KeyValue[]): Promise<unknown[]> {
    const db = await this.opened();
    if (!db?.objectStoreNames.contains(model)) return keys.map(() => undefined);
    const tx = db.transaction(model, 'readonly');
    tx.done.catch(() => undefined);
    return Promise.all(keys.map((key) => tx.store.get(key)));
  }

  async list(model: string): Promise<unknown[]> {
    const db = await this.opened();
    if (!db?.objectStoreNames.contains(model)) return [];
    return db.getAll(model);
  }

  /** Records whose `field` lies in the range, ordered by it; `field` is the key or an index. */
  async query(model: string, keyField: string, query: IndexRange): Promise<unknown[]> {
    const db = await this.opened();
    if (!db?.objectStoreNames.contains(model)) return [];
    const tx = db.transaction(model, 'readonly');
    // Not awaited (a read-only result needs no commit): a forced close must not leave its
    // rejection unhandled.
    tx.done.catch(() => undefined);
    const store = tx.store;
    if (query.field !== keyField && !store.indexNames.contains(query.field)) {
      throw new NotIndexedError(model, query.field);
    }
    const source = query.field === keyField ? store : store.index(query.field);
    // A read-only transaction has nothing to commit: its request's answer is the result, and
    // waiting for `complete` as well costs one more round trip to the browser process.
    if (query.direction === 'next') return source.getAll(query.range, query.limit);
    const rows: unknown[] = [];
    let cursor = await source.openCursor(query.range, 'prev');
    while (cursor && (query.limit === undefined || rows.length < query.limit)) {
      rows.push(cursor.value);
      cursor = await cursor.continue();
    }
    return rows;
  }

  /**
   * The page's connection, opened once `ready` resolved; the page's own writes use it too
   * (`LocalWriter`). Rejects as `ready` does.
   */
  async database(): Promise<IDBPDatabase> {
    const db = await this.opened();
    if (!db) throw new DOMException(`no database "${this.dbName}"`, 'NotFoundError');
    return db;
  }

  close(): void {
    this.drops++;
    this.handshake = undefined;
    this.gaveUp = false;
    this.connected = undefined;
    const db = this.db;
    this.db = undefined;
    void db?.then((d) => d?.close()).catch(() => undefined);
  }

  /**
   * The open request `opening` ended. If a read gave up on it, what it reported as unavailable
   * may now be there (or gone, after a deletion): live queries read again. Told in a task of
   * its own, so that a throwing listener cannot fail the open, nor leave its connection open
   * with no one to close it.
   */
  private settled(opening: Promise<IDBPDatabase | null>): void {
    if (!this.gaveUp || this.db !== opening) return;
    this.gaveUp = false;
    queueMicrotask(this.onReplaced);
  }

  /** `open()` for a read: waits for the handshake, then at most `openTimeoutMs` for IndexedDB. */
  private async opened(): Promise<IDBPDatabase | null> {
    const opening = this.open();
    // Open already (every read but the first): no handshake to wait for, no timer to set.
    if (this.connected?.from === opening) return this.connected.db;
    // A failed handshake rejects `opening` too, which then reports it.
    await this.handshake?.catch(() => undefined);
    try {
      return await withTimeout(opening, this.openTimeoutMs, 'opening the database');
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      if (this.db === opening) this.gaveUp = true;
      throw new UnavailableError(
        `the database "${this.dbName}" did not open within ${this.openTimeoutMs} ms: another tab or worker holds up its upgrade or deletion`,
        { method: 'read', attempts: 1, cause: error.message },
      );
    }
  }

  /**
   * The connection, or null where the database is not there (removed): none is made. The
   * promise is kept while it is pending, however long, so that a read after one that gave up
   * waits for the same open request instead of queueing another.
   */
  private open(): Promise<IDBPDatabase | null> {
    if (this.db) return this.db;
    let absent = false;
    const handshake = this.ready();
    this.handshake = handshake;
    const opening: Promise<IDBPDatabase | null> = handshake
      .then(() =>
        openDB(this.dbName, undefined, {
          // Opening without a version creates a database that is not there: an empty one,
          // which the worker would then take for a database of no account. Undo it.
          upgrade: (_db, oldVersion, _next, transaction) => {
            if (oldVersion !== 0) return;
            absent = true;
            // Its `done` rejects with the abort: expected, not an unhandled rejection.
            transaction.done.catch(() => undefined);
            transaction.abort();
          },
          // The worker upgrades the layout: step aside so it is not blocked.
          blocking: (_current, next) => {
            this.close();
            // No next version: the database is being deleted (a sign-out that removes data).
            if (next !== null) this.onReplaced();
          },
          terminated: () => {
            this.drops++;
            this.db = undefined;
          },
        }),
      )
      .then(
        (db) => {
          this.settled(opening);
          this.connected = { from: opening, db };
          return db;
        },
        (error: unknown) => {
          const current = this.db === opening;
          this.settled(opening);
          // Not kept: the next read tries again (the worker may have made the database since).
          if (current) this.db = undefined;
          if (absent) return null;
          throw error;
        },
      );
    this.db = opening;
    return opening;
  }
}
