import { type IDBPDatabase, type IDBPTransaction, wrap } from 'idb';
import type { Model, Schema } from 'swsync/schema';
import { ReservedModelNameError } from '../errors.ts';
import { META_KEYS, OUTBOX_BY_RECORD, RESERVED_STORE_NAMES, STORES } from './layout.ts';

/** The engine's handle on its local database. Stores are dynamic (one per model): untyped. */
export type LocalDb = IDBPDatabase<unknown>;
type UpgradeTx = IDBPTransaction<unknown, string[], 'versionchange'>;

export interface OpenLocalDbOptions {
  schema: Schema;
  /** Database name; pages open the same name to read records directly. */
  dbName: string;
  /** Default: the global `indexedDB`. */
  indexedDB?: IDBFactory;
}

/**
 * Opens (creating or upgrading) the local database for a schema. This module alone owns the
 * database shape: the IndexedDB version goes up by one whenever `schema.hash` differs from the
 * hash stored in `meta`, and the upgrade keeps the outbox, `base` and the current records, then
 * resets the cursor so the next pull is a full resync.
 *
 * @example
 * const db = await openLocalDb({ schema, dbName: 'swsync' });
 * const todos = await db.getAll('Todo');
 */
export async function openLocalDb(options: OpenLocalDbOptions): Promise<LocalDb> {
  const { schema, dbName } = options;
  for (const name of schema.modelNames) {
    if (RESERVED_STORE_NAMES.includes(name)) throw new ReservedModelNameError(name);
  }
  const factory = options.indexedDB ?? globalThis.indexedDB;
  // Opening without a version never upgrades an existing database, so first look at what is
  // there; only a fresh database (version 1) is built by this first open.
  const current = await openAt(factory, dbName, undefined, schema);
  if (await isCurrent(current, schema)) return current;
  const next = current.version + 1;
  current.close();
  return openAt(factory, dbName, next, schema);
}

async function isCurrent(db: LocalDb, schema: Schema): Promise<boolean> {
  const names = [...RESERVED_STORE_NAMES, ...schema.modelNames];
  if (!names.every((name) => db.objectStoreNames.contains(name))) return false;
  return (await db.get(STORES.meta, META_KEYS.schemaHash)) === schema.hash;
}

function openAt(
  factory: IDBFactory,
  dbName: string,
  version: number | undefined,
  schema: Schema,
): Promise<LocalDb> {
  const request = factory.open(dbName, version);
  request.onupgradeneeded = (event) => {
    const db = wrap(request.result) as LocalDb;
    const tx = wrap(request.transaction!) as unknown as UpgradeTx;
    upgrade(db, tx, schema, event.oldVersion);
  };
  return (wrap(request) as unknown as Promise<LocalDb>).then((db) => {
    // Another context upgrading the schema must not be blocked by this connection.
    db.addEventListener('versionchange', () => db.close());
    return db;
  });
}

/** Runs inside the versionchange transaction: only IndexedDB requests, nothing else awaited. */
function upgrade(db: LocalDb, tx: UpgradeTx, schema: Schema, oldVersion: number): void {
  const fresh = oldVersion === 0;
  if (!db.objectStoreNames.contains(STORES.outbox)) {
    const outbox = db.createObjectStore(STORES.outbox, { keyPath: 'seq', autoIncrement: true });
    outbox.createIndex(OUTBOX_BY_RECORD, ['model', 'key']);
  }
  for (const name of [STORES.base, STORES.versions, STORES.resync]) {
    if (!db.objectStoreNames.contains(name))
      db.createObjectStore(name, { keyPath: ['model', 'key'] });
  }
  if (!db.objectStoreNames.contains(STORES.receipts)) {
    db.createObjectStore(STORES.receipts, { keyPath: 'mutationId' });
  }
  if (!db.objectStoreNames.contains(STORES.meta)) db.createObjectStore(STORES.meta);

  for (const name of schema.modelNames) upgradeModelStore(db, tx, name, schema.models[name]!);
  for (const name of [...db.objectStoreNames]) {
    if (!RESERVED_STORE_NAMES.includes(name) && !schema.modelNames.includes(name)) {
      db.deleteObjectStore(name);
    }
  }

  const meta = tx.objectStore(STORES.meta);
  void meta.put(schema.hash, META_KEYS.schemaHash);
  if (!fresh) {
    // The records' shape may have changed: pull everything again, dropping what the server no
    // longer has, while pending local events stay in the outbox and are replayed on top.
    void meta.delete(META_KEYS.cursor);
    void meta.put(true, META_KEYS.resyncing);
    // Even one that interrupts a first sync: records are here now.
    void meta.delete(META_KEYS.resyncFresh);
    void tx.objectStore(STORES.resync).clear();
  }
}

function upgradeModelStore(db: LocalDb, tx: UpgradeTx, name: string, model: Model): void {
  if (!db.objectStoreNames.contains(name)) {
    createModelStore(db, name, model);
    return;
  }
  const existing = tx.objectStore(name);
  if (existing.keyPath !== model.key) {
    // The key field changed: rebuild the store, carrying over every record that has the new key.
    void existing.getAll().then((records) => {
      db.deleteObjectStore(name);
      const store = createModelStore(db, name, model);
      for (const record of records as Record<string, unknown>[]) {
        const key = record[model.key];
        if (typeof key === 'string' || typeof key === 'number') void store.put(record);
      }
    });
    return;
  }
  for (const index of [...existing.indexNames]) {
    if (!model.indexes.includes(index)) existing.deleteIndex(index);
  }
  for (const index of model.indexes) {
    if (!existing.indexNames.contains(index)) existing.createIndex(index, index);
  }
}

function createModelStore(db: LocalDb, name: string, model: Model) {
  const store = db.createObjectStore(name, { keyPath: model.key });
  for (const index of model.indexes) store.createIndex(index, index);
  return store;
}
