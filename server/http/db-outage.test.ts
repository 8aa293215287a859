import { describe, expect, it } from 'vitest';
import {
  board,
  createPostgresTestStore,
  ev,
  recordKey,
  testDatabaseUrl,
  testSchema,
  uniqueScope,
} from '../testing/index.ts';
import { bearerAuth, serveSyncRoutes, TestSyncClient } from './testing/index.ts';

/** An answer, or 'hung' when none came within `ms` (the request is aborted). */
async function answerWithin(
  client: TestSyncClient,
  path: 'push' | 'pull',
  body: unknown,
  ms = 12_000,
): Promise<{ status: number; retryAfter: string | null } | 'hung'> {
  try {
    const response = await fetch(`${client.base}/${path}`, {
      method: 'POST',
      headers: client.headers(),
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(ms),
    });
    await response.arrayBuffer();
    return { status: response.status, retryAfter: response.headers.get('retry-after') };
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return 'hung';
    throw error;
  }
}

/**
 * Issue #10, database outage, through the real routes on real PostgreSQL with a pool of one:
 * the only connection is killed while a transaction runs on it and requests queue behind it.
 * Before the store replaced such pools, every later request hung for good (postgres.js 3.4.9
 * never reopened that connection); now each answers 200 or a 503 with Retry-After, and the
 * routes serve normally afterwards.
 */
describe.skipIf(!testDatabaseUrl())('sync routes while the database connections are killed', () => {
  it('requests during the kill answer 200 or 503 + Retry-After, never hang nor 500; then 200', async () => {
    const pg = await createPostgresTestStore(1);
    const errors: string[] = [];
    const served = await serveSyncRoutes({
      store: pg.store,
      schema: testSchema,
      auth: bearerAuth,
      logger: (message, error) => errors.push(`${message}: ${String(error)}`),
    });
    const { default: postgres } = await import('postgres');
    // On the maintenance database, so it is never among the victims.
    const admin = postgres(testDatabaseUrl()!, { max: 1, onnotice: () => {} });
    try {
      const scope = uniqueScope();
      const client = new TestSyncClient(`${served.url}/api/sync`, scope);
      const push = () => ({ events: [ev.create('Board', board(recordKey('b'), scope))] });
      const answers: Awaited<ReturnType<typeof answerWithin>>[] = [];
      for (let round = 0; round < 3; round++) {
        // The pool's one connection runs a transaction; requests queue behind it.
        let pid: number | undefined;
        const holding = pg.store
          .transaction(async (tx) => {
            const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
            pid = row!.pid;
            await tx.query('SELECT pg_sleep(5)');
          })
          .catch(() => undefined);
        while (pid === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
        const during = [
          answerWithin(client, 'push', push()),
          answerWithin(client, 'pull', { cursor: null }),
          answerWithin(client, 'push', push()),
        ];
        await new Promise((resolve) => setTimeout(resolve, 100));
        await admin.unsafe('SELECT pg_terminate_backend($1)', [pid]);
        answers.push(...(await Promise.all(during)));
        await holding;
        // Served normally again.
        const after = await answerWithin(client, 'push', push());
        expect(after, `a push after kill ${round + 1}`).toMatchObject({ status: 200 });
      }
      expect(answers.filter((a) => a === 'hung')).toEqual([]);
      for (const answer of answers) {
        if (answer === 'hung') continue;
        expect([200, 503]).toContain(answer.status);
        if (answer.status === 503) expect(answer.retryAfter).not.toBeNull();
      }
      expect(errors).toEqual([]);
    } finally {
      await admin.end({ timeout: 1 });
      await served.close();
      await pg.cleanup();
    }
  });
});
