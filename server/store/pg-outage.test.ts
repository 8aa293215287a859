import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseUrl } from '../testing/postgres-db.ts';
import { createPostgresTestStore, type PostgresTestStore } from '../testing/stores.ts';
import { StoreTimeoutError } from './errors.ts';
import { classifyFault } from './faults.ts';
import { openPostgresStore } from './postgres.ts';
import type { SyncStore } from './types.ts';

/** Settles with `promise`, or rejects once `ms` pass: a hang fails the test instead of stalling. */
async function settlesWithin<T>(what: string, promise: Promise<T>, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, hung]);
  } finally {
    clearTimeout(timer);
  }
}

const faultOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) => classifyFault(error),
  );

/**
 * Issue #10, database outage: postgres.js 3.4.9 leaves a connection whose backend died with a
 * statement in flight unable to ever connect again (its next startup message stays buffered),
 * and the instance stopped answering once every connection of its pool was in that state.
 */
describe.skipIf(!testDatabaseUrl())('a PostgreSQL store after its backends are killed', () => {
  let pg: PostgresTestStore;
  let admin: import('postgres').Sql;
  beforeAll(async () => {
    pg = await createPostgresTestStore(1);
    const { default: postgres } = await import('postgres');
    // On the maintenance database, so it is never among the victims.
    admin = postgres(testDatabaseUrl()!, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await admin?.end({ timeout: 1 });
    await pg?.cleanup();
  });

  const kill = (pid: number) =>
    admin.unsafe('SELECT pg_terminate_backend($1) AS killed', [pid]).then((rows) => rows.length);

  /** Runs a transaction whose second statement is in flight when its backend is terminated. */
  async function killedMidTransaction(store: SyncStore): Promise<string> {
    let pid: number | undefined;
    const running = store.transaction(async (tx) => {
      const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      pid = row!.pid;
      await tx.query('SELECT pg_sleep(5)');
    });
    const outcome = faultOf(running);
    while (pid === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await kill(pid)).toBe(1);
    return settlesWithin('the killed transaction', outcome);
  }

  it('a transaction killed mid-statement fails as unavailable, and the pool serves again', async () => {
    for (let round = 0; round < 3; round++) {
      expect(await killedMidTransaction(pg.store)).toBe('unavailable');
      const rows = await settlesWithin(
        `the first statement after kill ${round + 1}`,
        pg.store.query<{ one: number }>('SELECT 1 AS one'),
      );
      expect(rows).toEqual([{ one: 1 }]);
      await settlesWithin(
        `a transaction after kill ${round + 1}`,
        pg.store.transaction((tx) => tx.query('SELECT 1')),
      );
    }
  });

  it('statements queued behind a killed transaction settle (rows or an unavailable fault), never left pending', async () => {
    let pid: number | undefined;
    const running = pg.store.transaction(async (tx) => {
      const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      pid = row!.pid;
      await tx.query('SELECT pg_sleep(5)');
    });
    const first = faultOf(running);
    while (pid === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    // Pool of one: these wait for the killed connection.
    const queued = [1, 2, 3].map((n) =>
      pg.store.query<{ n: number }>('SELECT $1::int AS n', [n]).then(
        (rows) => rows[0]!.n,
        (error: unknown) => classifyFault(error),
      ),
    );
    await kill(pid);
    expect(await settlesWithin('the killed transaction', first)).toBe('unavailable');
    for (const outcome of await settlesWithin('the queued statements', Promise.all(queued))) {
      expect([1, 2, 3, 'unavailable']).toContain(outcome);
    }
    expect(await settlesWithin('a statement after', pg.store.query('SELECT 1 AS one'))).toEqual([
      { one: 1 },
    ]);
  });

  it('a statement past the deadline fails as unavailable (StoreTimeoutError) and the store serves on', async () => {
    const store = await openPostgresStore({
      url: pg.database.url,
      max: 1,
      statementTimeoutMs: 300,
      closeTimeoutSeconds: 0.2,
    });
    try {
      // Without the deadline both would resolve after 3 s.
      await expect(store.query('SELECT pg_sleep(3)')).rejects.toBeInstanceOf(StoreTimeoutError);
      expect(await faultOf(store.transaction((tx) => tx.query('SELECT pg_sleep(3)')))).toBe(
        'unavailable',
      );
      expect(await settlesWithin('a statement after', store.query('SELECT 1 AS one'))).toEqual([
        { one: 1 },
      ]);
    } finally {
      await store.close();
    }
  });
});
