import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseUrl } from '../testing/postgres-db.ts';
import { createPostgresTestStore, type PostgresTestStore } from '../testing/stores.ts';
import { classifyFault } from './faults.ts';
import { openPostgresStore } from './postgres.ts';

/**
 * A lock held for minutes (a migration, VACUUM FULL): the store's deadline fails each call as
 * unavailable, and the backend it left must stop waiting too, or every replaced pool leaves its
 * connections queued on the lock until `max_connections` runs out for the whole cluster.
 */
describe.skipIf(!testDatabaseUrl())('a statement that waits on a lock past the deadline', () => {
  let pg: PostgresTestStore;
  let admin: import('postgres').Sql;
  beforeAll(async () => {
    pg = await createPostgresTestStore(1);
    const { default: postgres } = await import('postgres');
    admin = postgres(pg.database.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await admin?.end({ timeout: 1 });
    await pg?.cleanup();
  });

  it('fails as unavailable and leaves no backend waiting on the lock', {
    timeout: 60_000,
  }, async () => {
    const store = await openPostgresStore({
      url: pg.database.url,
      max: 2,
      statementTimeoutMs: 500,
    });
    try {
      await admin.begin(async (tx) => {
        await tx.unsafe('LOCK TABLE swsync_scopes IN ACCESS EXCLUSIVE MODE');
        for (let i = 0; i < 3; i++) {
          const outcome = await store.query('SELECT count(*) FROM swsync_scopes').then(
            () => 'answered',
            (error: unknown) => classifyFault(error),
          );
          expect(outcome).toBe('unavailable');
        }
        // The server-side deadline is the client's plus a second.
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        const [waiting] = await tx.unsafe<{ n: string }[]>(
          `SELECT count(*) AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        expect(Number(waiting!.n)).toBe(0);
      });
    } finally {
      await store.close();
    }
  });
});
