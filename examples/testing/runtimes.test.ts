/**
 * `npm run test:runtimes`: starts every example (Node, Bun, Deno, workerd) with the command its
 * README gives, on PGlite and on PostgreSQL (its own database each; workerd on PostgreSQL only,
 * PGlite cannot load there), and runs the one HTTP contract suite against each. The runtimes run
 * side by side, so their 30 s SSE holds overlap. On workerd, PGlite must fail with an error that
 * says why.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PGLITE_ON_WORKERD_MESSAGE } from '../../server/store/pglite.ts';
import {
  createTestDatabase,
  type TestDatabase,
  testDatabaseUrl,
} from '../../server/testing/postgres-db.ts';
import { contractSuite } from './contract.ts';
import { type ExampleServer, startExample } from './servers.ts';
import { answerOnWorkerd } from './workerd.ts';

/** A loaded 2-core machine starts seven runtimes at once in well under this. */
const START_TIMEOUT_MS = 180_000;

interface Target {
  name: string;
  runtime: 'node' | 'bun' | 'deno' | 'workers';
  store: 'pglite' | 'postgres';
}

// RUNTIMES=bun,deno runs only those.
const only = process.env.RUNTIMES?.split(',');
const targets: Target[] = (['node', 'bun', 'deno', 'workers'] as const)
  .filter((runtime) => !only || only.includes(runtime))
  .flatMap((runtime) =>
    (['pglite', 'postgres'] as const)
      // workerd cannot load PGlite (server/store/pglite.ts says why).
      .filter((store) => !(runtime === 'workers' && store === 'pglite'))
      .map((store) => ({ name: `${runtime} on ${store}`, runtime, store })),
  );

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('examples on every runtime', { concurrency: true }, () => {
  for (const target of targets) {
    const skip =
      target.store === 'postgres' && !testDatabaseUrl() ? 'DATABASE_URL is not set' : false;
    describe(target.name, { skip }, () => {
      let server: ExampleServer | undefined;
      let database: TestDatabase | undefined;

      before(
        async () => {
          if (target.store === 'postgres') database = await createTestDatabase();
          server = await startExample(
            target.name,
            target.runtime,
            await freePort(),
            // Unset, the examples fall back to PGlite in memory.
            { DATABASE_URL: database?.url ?? '' },
            START_TIMEOUT_MS,
          );
        },
        { timeout: START_TIMEOUT_MS + 30_000 },
      );

      after(async () => {
        await server?.stop();
        await database?.drop();
        // Once stopped, every line is in: Deno warns when the first stream's client goes away
        // unless the example opts out of request.signal's legacy abort (examples/deno/README.md).
        assert.doesNotMatch(
          server?.output() ?? '',
          /request\.signal aborts on successful responses/,
        );
      });

      contractSuite(() => {
        if (!server) throw new Error(`${target.name} did not start`);
        return server.baseUrl;
      });
    });
  }
});

describe('PGlite on workerd', { skip: only && !only.includes('workers') }, () => {
  it('fails with an error that says why and what to use instead', async () => {
    const answer = await answerOnWorkerd(
      'examples/testing/pglite-worker.ts',
      await freePort(),
      START_TIMEOUT_MS,
    );
    assert.deepEqual(answer, { status: 500, text: PGLITE_ON_WORKERD_MESSAGE });
  });
});
