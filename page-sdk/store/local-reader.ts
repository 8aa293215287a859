import { type IDBPDatabase, openDB } from 'idb';
import type { KeyValue } from 'swsync/schema';
import { NotIndexedError } from '../errors.ts';

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
 * @example
 * const reader = new LocalReader('user-1', () => rpc.connect());
 * const todo = await reader.get('Todo', 'todo-1');
 */
export class LocalReader {
  private db: Promise<IDBPDatabase | null> | undefined;
  private drops = 0;

  /**
   * @param ready resolves once the worker has created the database (its hello).
   * @param onReplaced called when the connection made way for the worker's upgrade: what was
   *   read before may no longer be there.
   */
  constructor(
    private readonly dbName: string,
    private readonly ready: () => Promise<unknown>,
    private readonly onReplaced: () => void = () => {},
  ) {}

  /** Goes up by one whenever the connection is dropped; a later read opens a new one. */
  get connection(): number {
    return this.drops;
  }

  async get(model: string, key: KeyValue): Promise<unknown> {
    const db = await this.open();
    if (!db?.objectStoreNames.contains(model)) return undefined;
    return db.get(model, key);
  }

  /** The records under `keys` (`undefined` where there is none), in one transaction. */
  async getMany(model: string, keys: readonly KeyValue[]): Promise<unknown[]> {
    const db = await this.open();
    if (!db?.objectStoreNames.contains(model)) return keys.map(() => undefined);
    const tx = db.transaction(model, 'readonly');
    tx.done.catch(() => undefined);
    return Promise.all(keys.map((key) => tx.store.get(key)));
  }

  async list(model: string): Promise<unknown[]> {
    const db = await this.open();
    if (!db?.objectStoreNames.contains(model)) return [];
    return db.getAll(model);
  }

  /** Records whose `field` lies in the range, ordered by it; `field` is the key or an index. */
  async query(model: string, keyField: string, query: IndexRange): Promise<unknown[]> {
    const db = await this.open();
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
    const db = await this.open();
    if (!db) throw new DOMException(`no database "${this.dbName}"`, 'NotFoundError');
    return db;
  }

  close(): void {
    this.drops++;
    const db = this.db;
    this.db = undefined;
    void db?.then((d) => d?.close()).catch(() => undefined);
  }

  /** The connection, or null where the database is not there (removed): none is made. */
  private open(): Promise<IDBPDatabase | null> {
    if (this.db) return this.db;
    let absent = false;
    const opening: Promise<IDBPDatabase | null> = this.ready()
      .then(() =>
        openDB(this.dbName, undefined, {
          // Opening without a version creates a database that is not there: an empty one,
          // which the worker would then take for a database of no account. Undo it.
          upgrade: (_db, oldVersion, _next, transaction) => {
            if (oldVersion !== 0) return;
            absent = true;
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
      .catch((error: unknown) => {
        // Not kept: the next read tries again (the worker may have made the database since).
        if (this.db === opening) this.db = undefined;
        if (absent) return null;
        throw error;
      });
    this.db = opening;
    return opening;
  }
}
