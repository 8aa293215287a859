import { describe, expect, it } from 'vitest';
import { decodeChangelogId } from '../changelog/cursor.ts';
import {
  board,
  createPostgresTestStore,
  ev,
  type PostgresTestStore,
  recordKey,
  testDatabaseUrl,
  testSchema,
  uniqueScope,
} from '../testing/index.ts';
import { bearerAuth, SseReader, serveSyncRoutes, TestSyncClient } from './testing/index.ts';

const ROUNDS = 10;

/**
 * Issue #10.7 on real PostgreSQL: the backend holding the LISTEN is terminated, a commit lands
 * at once (before any re-LISTEN could be in place), and clients must still be poked; a new
 * `/events` request meanwhile never answers 503.
 */
describe.skipIf(!testDatabaseUrl())('pokes after the LISTEN connection dies (PostgreSQL)', () => {
  it(`every commit made in the gap is poked, over ${ROUNDS} rounds`, async () => {
    const pg: PostgresTestStore = await createPostgresTestStore(3);
    const served = await serveSyncRoutes({
      store: pg.store,
      schema: testSchema,
      auth: bearerAuth,
      logger: (message, error) => {
        throw new Error(`unexpected server error: ${message} ${String(error)}`);
      },
    });
    const readers: SseReader[] = [];
    const closers: (() => Promise<void>)[] = [];
    try {
      // On the maintenance database: a database cannot refuse connections to itself.
      const { default: postgres } = await import('postgres');
      const admin = postgres(testDatabaseUrl()!, { max: 1, onnotice: () => {} });
      closers.push(() => admin.end({ timeout: 1 }));
      const scope = uniqueScope();
      const client = new TestSyncClient(`${served.url}/api/sync`, scope);
      const events = (headers = {}) =>
        fetch(`${served.url}/api/sync/events`, {
          headers: { authorization: `Bearer ${scope}`, ...headers },
        });
      const first = await events();
      expect(first.status).toBe(200);
      const stream = new SseReader(first);
      readers.push(stream);
      await stream.until(() => stream.comments.includes('connected'));
      const seqOf = (data: string) => decodeChangelogId(JSON.parse(data).cursor as string) ?? -1;

      const database = pg.database.name;
      const allowConnections = (allow: boolean) =>
        admin.unsafe(`ALTER DATABASE ${database} ALLOW_CONNECTIONS ${allow}`);
      // The pool's connection is open before the gap, so pushes go through during it.
      await client.push([ev.create('Board', board(recordKey('b'), scope))]);

      let poked = 0;
      for (let round = 0; round < ROUNDS; round++) {
        // The gap, held open: no new connection (so no new LISTEN) until it ends.
        await allowConnections(false);
        // The listening backend: the only one of this database whose last statement was LISTEN.
        const killed = await admin.unsafe(
          `WITH victim AS MATERIALIZED (
             SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'LISTEN %'
           )
           SELECT pid FROM victim WHERE pg_terminate_backend(pid)`,
          [database],
        );
        expect(killed).toHaveLength(1);
        const from = stream.events.length;
        // A commit in the gap, and a client connecting in the gap: never a 503.
        const [result] = await client.push([ev.create('Board', board(recordKey('b'), scope))]);
        expect(result!.error).toBeNull();
        const committed = decodeChangelogId(result!.appliedChangelogId!)!;
        const late = await events();
        expect(late.status).toBe(200);
        const lateStream = new SseReader(late);
        readers.push(lateStream);
        await lateStream.until(() => lateStream.comments.includes('connected'));
        await allowConnections(true);

        // Poked once the LISTEN is back, with a cursor at or past the commit made in the gap.
        await stream.next((m) => m.event === 'poke' && seqOf(m.data) >= committed, 10_000, from);
        await lateStream.next((m) => m.event === 'poke' && seqOf(m.data) >= committed, 10_000);
        poked++;
        lateStream.close();
      }
      expect(poked).toBe(ROUNDS);

      // And ordinary pokes still flow afterwards.
      const from = stream.events.length;
      const [after] = await client.push([ev.create('Board', board(recordKey('b'), scope))]);
      const seq = decodeChangelogId(after!.appliedChangelogId!)!;
      await stream.next((m) => m.event === 'poke' && seqOf(m.data) === seq, 10_000, from);
    } finally {
      for (const reader of readers) reader.close();
      for (const close of closers) await close();
      await served.close();
      await pg.cleanup();
    }
  });
});
