import { StoreClosedError } from './errors.ts';
import { migrateOrClose } from './migrations.ts';
import { type Param, toParam } from './params.ts';
import { PgListener } from './pg-listener.ts';
import type { SqlClient, SyncStore } from './types.ts';

export interface PostgresStoreOptions {
  /** A `postgres://` connection URL. */
  url: string;
  /** Pool size. Default 10. */
  max?: number;
  /** How long `close()` lets running queries finish before cutting connections. Default 5 s. */
  closeTimeoutSeconds?: number;
}

/**
 * URLs whose migrations this process already ran: a store opened per request (workerd, where
 * connections cannot outlive their request) then costs one connection, not a migration too.
 * Plain strings, so workerd shares them across requests.
 */
const migrated = new Set<string>();

/**
 * Opens a PostgreSQL store through postgres.js and runs its migrations (at the first open of
 * each URL in this process; later opens of that URL trust them).
 *
 * Cheap enough to open per request, which workerd needs (a connection made during one request
 * cannot serve another): pass `store: (c) => openPostgresStore({ url: c.env.DATABASE_URL })` to
 * `syncRoutes`, which closes it when the request is done. There postgres.js needs the
 * `nodejs_compat` compatibility flag.
 *
 * @example
 * const store = await openPostgresStore({ url: process.env.DATABASE_URL!, max: 10 });
 * const rows = await store.query<{ one: number }>('SELECT 1 AS one');
 * await store.close();
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<SyncStore> {
  // Dynamic import: postgres.js is an optional peer dependency.
  const { default: postgres } = await import('postgres');
  const sql = postgres(options.url, {
    max: options.max ?? 10,
    onnotice: () => {},
  });
  // LISTEN gets a connection of its own, owned by PgListener (see there why not sql.listen).
  const listener = new PgListener((hooks) => {
    // `onnotify` and `onclose` are options postgres.js 3.4 reads (its own sql.listen uses
    // them) but leaves out of its types.
    const untyped: object = { onnotify: hooks.onnotify, onclose: hooks.onclose };
    return postgres(options.url, {
      max: 1,
      max_lifetime: null,
      fetch_types: false,
      onnotice: () => {},
      ...untyped,
    });
  });
  let closed = false;
  const open = () => {
    if (closed) throw new StoreClosedError();
  };
  const run = async <Row>(
    client: { unsafe: (text: string, params?: Param[]) => Promise<unknown> },
    text: string,
    params?: readonly unknown[],
  ): Promise<Row[]> => {
    open();
    const rows = await client.unsafe(text, params ? params.map(toParam) : undefined);
    return [...(rows as Row[])];
  };

  const store: SyncStore = {
    kind: 'postgres',
    query: (text, params) => run(sql, text, params),
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      open();
      const result = await sql.begin(async (tx) => {
        const client: SqlClient = { query: (text, params) => run(tx, text, params) };
        // Wrapped so postgres.js does not treat an array result as a list of queries.
        return { value: await fn(client) };
      });
      return (result as { value: T }).value;
    },
    async listen(channel, onNotify, onRestored) {
      open();
      return listener.listen(channel, onNotify, onRestored);
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([sql.end({ timeout: options.closeTimeoutSeconds ?? 5 }), listener.end()]);
    },
  };
  if (migrated.has(options.url)) return store;
  await migrateOrClose(store);
  migrated.add(options.url);
  return store;
}
