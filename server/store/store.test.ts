import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPostgresTestStore, describeEachStore, testDatabaseUrl } from '../testing/index.ts';
import { classifyFault } from './faults.ts';
import { MIGRATIONS, migrate } from './migrations.ts';
import { openStore } from './open.ts';
import { POKE_CHANNEL } from './types.ts';

describeEachStore('store', (getStore) => {
  it('migrates once and re-running is a no-op', async () => {
    await migrate(getStore());
    const rows = await getStore().query<{ version: number }>(
      'SELECT version FROM swsync_migrations',
    );
    expect(rows.map((r) => Number(r.version)).sort()).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('commits a transaction and rolls back a failed one', async () => {
    const store = getStore();
    await store.query('CREATE TABLE IF NOT EXISTS t_tx (v integer)');
    await store.transaction(async (tx) => {
      await tx.query('INSERT INTO t_tx (v) VALUES ($1)', [1]);
    });
    await expect(
      store.transaction(async (tx) => {
        await tx.query('INSERT INTO t_tx (v) VALUES ($1)', [2]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const rows = await store.query<{ v: number }>('SELECT v FROM t_tx ORDER BY v');
    expect(rows.map((r) => Number(r.v))).toEqual([1]);
  });

  it('never interleaves statements of concurrent transactions', async () => {
    const store = getStore();
    await store.query('CREATE TABLE IF NOT EXISTS t_counter (id integer PRIMARY KEY, n integer)');
    await store.query('INSERT INTO t_counter VALUES (1, 0) ON CONFLICT DO NOTHING');
    // Read-modify-write without row locks: only correct if transactions run one at a time or
    // the database orders them; on PostgreSQL use FOR UPDATE to get the same guarantee.
    const lock = store.kind === 'postgres' ? ' FOR UPDATE' : '';
    await Promise.all(
      Array.from({ length: 20 }, () =>
        store.transaction(async (tx) => {
          const [row] = await tx.query<{ n: number }>(
            `SELECT n FROM t_counter WHERE id = 1${lock}`,
          );
          await new Promise((resolve) => setTimeout(resolve, 1));
          await tx.query('UPDATE t_counter SET n = $1 WHERE id = 1', [Number(row!.n) + 1]);
        }),
      ),
    );
    const [row] = await store.query<{ n: number }>('SELECT n FROM t_counter WHERE id = 1');
    expect(Number(row!.n)).toBe(20);
  });

  it('delivers NOTIFY on commit only, and stops after unlisten', async () => {
    const store = getStore();
    const got: string[] = [];
    const stop = await store.listen(POKE_CHANNEL, (payload) => got.push(payload));
    await store
      .transaction(async (tx) => {
        await tx.query('SELECT pg_notify($1, $2)', [POKE_CHANNEL, 'rolled-back']);
        throw new Error('abort');
      })
      .catch(() => {});
    await store.transaction(async (tx) => {
      await tx.query('SELECT pg_notify($1, $2)', [POKE_CHANNEL, 'committed']);
    });
    await expect.poll(() => got).toEqual(['committed']);
    await stop();
    await store.query('SELECT pg_notify($1, $2)', [POKE_CHANNEL, 'after-stop']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(got).toEqual(['committed']);
  });

  it('round-trips jsonb and bigint parameters', async () => {
    const rows = await getStore().query<{ doc: unknown; n: string | number }>(
      'SELECT $1::text::jsonb AS doc, $2::bigint AS n',
      [{ a: [1, 'x'] }, 9007199254740],
    );
    expect(rows[0]!.doc).toEqual({ a: [1, 'x'] });
    expect(Number(rows[0]!.n)).toBe(9007199254740);
  });
});

describe.skipIf(!testDatabaseUrl())('postgres store', () => {
  it('two instances migrating one database at once both succeed', async () => {
    const pg = await createPostgresTestStore(2);
    try {
      const [a, b] = await Promise.all([pg.openAnother(2), pg.openAnother(2)]);
      const rows = await a!.query('SELECT version FROM swsync_migrations');
      expect(rows).toHaveLength(MIGRATIONS.length);
      await expect(b!.query('SELECT count(*) FROM swsync_records')).resolves.toHaveLength(1);
    } finally {
      await pg.cleanup();
    }
  });

  it('a closed store fails with a transient fault', async () => {
    const pg = await createPostgresTestStore(1);
    try {
      await pg.store.close();
      const error = await pg.store.query('SELECT 1').catch((e: unknown) => e);
      expect(classifyFault(error)).toBe('unavailable');
    } finally {
      await pg.cleanup();
    }
  });
});

describe('PGlite on disk', () => {
  it('keeps its data and its migrations across a reopen', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'swsync-pglite-'));
    try {
      const first = await openStore({ dataDir });
      expect(first.kind).toBe('pglite');
      await first.query("INSERT INTO swsync_scopes (scope, seq) VALUES ('kept', 7)");
      await first.close();
      const second = await openStore({ dataDir });
      try {
        const rows = await second.query<{ seq: number }>(
          "SELECT seq FROM swsync_scopes WHERE scope = 'kept'",
        );
        expect(Number(rows[0]!.seq)).toBe(7);
        const versions = await second.query('SELECT version FROM swsync_migrations');
        expect(versions).toHaveLength(MIGRATIONS.length);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
