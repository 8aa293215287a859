import { guardAgainstWriteRace } from './driver-race.ts';
import { StoreClosedError } from './errors.ts';
import { migrateOrClose } from './migrations.ts';
import { type Param, toParam } from './params.ts';
import { PgListener } from './pg-listener.ts';
import { RecyclingPool } from './pg-pool.ts';
import type { SqlClient, SyncStore } from './types.ts';

export interface PostgresStoreOptions {
  /** A `postgres://` connection URL. */
  url: string;
  /** Pool size. Default 10. */
  max?: number;
  /** How long `close()` lets running queries finish before cutting connections. Default 5 s. */
  closeTimeoutSeconds?: number;
  /**
   * Longest a `query` or a whole `transaction` may take, ms; past it the call fails with
   * `StoreTimeoutError` (a 503 for the client) and the pool is replaced. Default 15 000.
   * Migrations run without it.
   */
  statementTimeoutMs?: number;
  /** How long opening a connection (TCP, TLS, startup, auth) may take, s. Default 10. */
  connectTimeoutSeconds?: number;
  /**
   * Whether statements with parameters run as named prepared statements, parsed and planned
   * once per connection and then sent in one round trip (Bind, Execute). Default true. Set
   * false behind a pooler that cannot keep prepared statements across transactions
   * (PgBouncer in transaction mode before 1.21): each statement is then parsed every time,
   * and postgres.js waits for its parameter types first, two round trips per statement.
   */
  prepare?: boolean;
}

/** How long a pool replaced after a lost connection lets its running statements finish, s. */
const RETIRE_GRACE_SECONDS = 2;

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
 * A lost connection (a restart, `pg_terminate_backend`, a network cut) fails the statements
 * that ran on it with a connection error (classified `unavailable`: a 503) and replaces the
 * whole pool, because postgres.js 3.4.9 cannot reuse such a connection (see RecyclingPool);
 * a call that outlives `statementTimeoutMs` fails the same way. So an outage never leaves the
 * store hanging: once the database is back, the next statements are answered.
 *
 * Throws a `TypeError` when `url` is not a non-empty string: postgres.js would otherwise connect
 * to whatever its defaults name (the local user's database) and create the tables there.
 *
 * @example
 * const store = await openPostgresStore({ url: process.env.DATABASE_URL!, max: 10 });
 * const rows = await store.query<{ one: number }>('SELECT 1 AS one');
 * await store.close();
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<SyncStore> {
  if (typeof options.url !== 'string' || options.url === '') {
    throw new TypeError('openPostgresStore needs `url`, a PostgreSQL connection URL');
  }
  // Dynamic import: postgres.js is an optional peer dependency.
  const { default: postgres } = await import('postgres');
  const connectTimeout = options.connectTimeoutSeconds ?? 10;
  const deadlineMs = options.statementTimeoutMs ?? 15_000;
  guardAgainstWriteRace();
  const pool = new RecyclingPool({
    makeSql: () =>
      postgres(options.url, {
        max: options.max ?? 10,
        connect_timeout: connectTimeout,
        // Off: postgres.js 3.4.9 fetches array types as the first statement of every new
        // connection and drops that promise, so a backend killed during it is an unhandled
        // rejection that ends the process (porsager/postgres#1192, #1223). The store binds
        // only scalars and JSON text and reads no array columns.
        fetch_types: false,
        onnotice: () => {},
        // The deadline on the server too: a statement whose caller gave up (a lock held for
        // minutes) must not keep its backend queued, or replaced pools pile up connections.
        connection: { statement_timeout: deadlineMs + 1_000 },
      }),
    deadlineMs,
    retireGraceSeconds: RETIRE_GRACE_SECONDS,
  });
  // LISTEN gets a connection of its own, owned by PgListener (see there why not sql.listen).
  const listener = new PgListener(
    (hooks) => {
      // `onnotify` and `onclose` are options postgres.js 3.4 reads (its own sql.listen uses
      // them) but leaves out of its types.
      const untyped: object = { onnotify: hooks.onnotify, onclose: hooks.onclose };
      return postgres(options.url, {
        max: 1,
        max_lifetime: null,
        connect_timeout: connectTimeout,
        fetch_types: false,
        onnotice: () => {},
        ...untyped,
      });
    },
    {
      // LISTEN and UNLISTEN get the store's deadline; the liveness NOTIFY goes through the pool.
      statementTimeoutMs: deadlineMs,
      notify: (channel, payload) =>
        pool.run((sql) => sql.unsafe('SELECT pg_notify($1, $2)', [channel, payload])),
    },
  );
  let closed = false;
  const open = () => {
    if (closed) throw new StoreClosedError();
  };
  const prepare = options.prepare ?? true;
  const run = async <Row>(
    client: {
      unsafe: (text: string, params?: Param[], options?: { prepare: boolean }) => Promise<unknown>;
    },
    text: string,
    params?: readonly unknown[],
  ): Promise<Row[]> => {
    open();
    // Without parameters postgres.js uses the simple protocol: one message, nothing to prepare.
    // The store's own statements are a fixed set of texts (batches travel as one JSON
    // parameter), so each connection prepares a few dozen at most.
    const rows = await (params && params.length > 0
      ? client.unsafe(text, params.map(toParam), { prepare })
      : client.unsafe(text));
    return [...(rows as Row[])];
  };

  const transaction = async <T>(
    fn: (tx: SqlClient) => Promise<T>,
    deadlineMs?: number | null,
  ): Promise<T> => {
    open();
    const result = await pool.run(
      (sql) =>
        sql.begin(async (tx) => {
          const client: SqlClient = { query: (text, params) => run(tx, text, params) };
          // Wrapped so postgres.js does not treat an array result as a list of queries.
          return { value: await fn(client) };
        }),
      deadlineMs,
    );
    return (result as { value: T }).value;
  };

  const store: SyncStore = {
    kind: 'postgres',
    query: (text, params) => pool.run((sql) => run(sql, text, params)),
    transaction: (fn) => transaction(fn),
    async listen(channel, onNotify, onRestored) {
      open();
      return listener.listen(channel, onNotify, onRestored);
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([pool.end(options.closeTimeoutSeconds ?? 5), listener.end()]);
    },
  };
  if (migrated.has(options.url)) return store;
  // A migration may take long on a big database: no deadline.
  await migrateOrClose(store, {
    transaction: (fn) =>
      transaction(async (tx) => {
        await tx.query('SET LOCAL statement_timeout = 0');
        return fn(tx);
      }, null),
  });
  migrated.add(options.url);
  return store;
}
