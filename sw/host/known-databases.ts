import { openDB } from 'idb';

const HOST_DB = 'swsync-host';
const STORE = 'databases';

/**
 * The local databases pages have opened through this worker. A `sync` event or a worker
 * start-up has no page to ask, so the host remembers which databases may hold pending work.
 */
export interface KnownDatabases {
  add(dbName: string): Promise<void>;
  remove(dbName: string): Promise<void>;
  has(dbName: string): Promise<boolean>;
  list(): Promise<string[]>;
}

export function knownDatabases(): KnownDatabases {
  const open = () =>
    openDB(HOST_DB, 1, {
      upgrade(db) {
        db.createObjectStore(STORE);
      },
    });
  const cached = new Set<string>();
  return {
    async add(dbName) {
      if (cached.has(dbName)) return;
      const db = await open();
      try {
        await db.put(STORE, Date.now(), dbName);
        cached.add(dbName);
      } finally {
        db.close();
      }
    },
    async remove(dbName) {
      cached.delete(dbName);
      const db = await open();
      try {
        await db.delete(STORE, dbName);
      } finally {
        db.close();
      }
    },
    async has(dbName) {
      if (cached.has(dbName)) return true;
      const db = await open();
      try {
        return (await db.getKey(STORE, dbName)) !== undefined;
      } finally {
        db.close();
      }
    },
    async list() {
      const db = await open();
      try {
        return (await db.getAllKeys(STORE)).map(String);
      } finally {
        db.close();
      }
    },
  };
}
