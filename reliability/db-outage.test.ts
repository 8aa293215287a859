import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import {
  createTestDatabase,
  type TestDatabase,
  testDatabaseUrl,
} from '../server/testing/postgres-db.ts';
import { type ServerInstance, startInstance } from './support/instance.ts';
import { Rng } from './support/prng.ts';
import { Ledger, Meter, ProtocolClient, statesOverHttp } from './support/protocol-client.ts';
import { demoEngine, liveRecords, localRecords, sleep, sorted } from './support/servers.ts';
import { Writer } from './support/workload.ts';

const SEED = Number(process.env.RELIABILITY_SEED ?? 20261129);
const USERS = 4;

/** `aborted`: the engine gave up waiting (its 5 s request timeout); `network`: no answer. */
type Status = number | 'network' | 'aborted';
type Seen = { status: Status; retryAfter: boolean };

/** Kills every backend of the test database but the caller's own; returns how many died. */
async function killBackends(databaseName: string): Promise<number> {
  const { default: postgres } = await import('postgres');
  const admin = postgres(testDatabaseUrl()!, { max: 1, onnotice: () => {} });
  try {
    // MATERIALIZED: the filters run before pg_terminate_backend (server/push/faults.test.ts).
    // The admin connection is on the admin database, and excluded by pid as well.
    const killed = await admin.unsafe(
      `WITH victim AS MATERIALIZED (
         SELECT pid FROM pg_stat_activity
          WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'
       )
       SELECT pid FROM victim WHERE pg_terminate_backend(pid)`,
      [databaseName],
    );
    return killed.length;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

describe.skipIf(!testDatabaseUrl())('database outage under load (PostgreSQL)', () => {
  let database: TestDatabase;
  let a: ServerInstance;
  let b: ServerInstance;
  beforeAll(async () => {
    database = await createTestDatabase();
    a = await startInstance({ dbUrl: database.url, pool: 4 });
    b = await startInstance({ dbUrl: database.url, pool: 4 });
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.drop();
  });

  it('backends killed and an instance restarted mid-load: 503 (never 500), clients recover, nothing lost', async () => {
    // A failure that comes from an instance (a crash, a hang) is explained by its own log.
    onTestFailed(() => {
      console.error(`[reliability] instance A log:\n${a.log.join('')}`);
      console.error(`[reliability] instance B log:\n${b.log.join('')}`);
    });
    const rng = new Rng(SEED);
    const run = Date.now().toString(36);
    const seen: Seen[] = [];
    const recording: typeof fetch = async (input, init) => {
      try {
        const response = await fetch(input, init);
        seen.push({ status: response.status, retryAfter: response.headers.has('retry-after') });
        return response;
      } catch (error) {
        const aborted = (error as Error).name === 'AbortError';
        seen.push({ status: aborted ? 'aborted' : 'network', retryAfter: false });
        throw error;
      }
    };
    const meter = new Meter();
    const ledgers = new Map<string, Ledger>();
    const engines = [];
    const clients: ProtocolClient[] = [];
    for (let u = 0; u < USERS; u++) {
      const user = `outage-${run}-u${u}`;
      const ledger = new Ledger();
      ledgers.set(user, ledger);
      for (const [i, instance] of [a, b].entries()) {
        const name = `${user}-e${i}`;
        const engine = await demoEngine(user, name, {
          endpoint: instance.endpoint,
          fetch: recording,
          backoff: { baseMs: 100, capMs: 2_000 },
          requestTimeoutMs: 5_000,
          random: new Rng(rng.int(0, 2 ** 31)).next,
        });
        engines.push({ ...engine, name, writer: new Writer(user, name, ledger) });
      }
      for (let i = 0; i < 4; i++) {
        const order = i % 2 === 0 ? [a.endpoint, b.endpoint] : [b.endpoint, a.endpoint];
        clients.push(
          new ProtocolClient(
            user,
            `${user}-p${i}`,
            order,
            ledger,
            meter,
            new Rng(rng.int(0, 2 ** 31)),
          ),
        );
      }
    }

    // Load for a bounded 14 s; the faults come at fixed moments within it.
    const deadline = Date.now() + 14_000;
    const load = Promise.all([
      ...engines.map(async (e) => {
        while (Date.now() < deadline) {
          await e.writer.write(e.engine, rng);
          void e.engine.sync('write');
          await sleep(rng.int(50, 200));
        }
      }),
      ...clients.map(async (c) => {
        while (Date.now() < deadline) {
          await c.pushSome();
          await c.pullAll();
          await sleep(c.rng.int(20, 150));
        }
      }),
    ]);
    const kills: number[] = [];
    // At 2 s, 3.5 s and 5 s: every backend of the database killed; at 6.5 s instance B dies,
    // at 8.5 s it starts again on the same port.
    for (const wait of [2_000, 1_500, 1_500]) {
      await sleep(wait);
      kills.push(await killBackends(database.name));
    }
    await sleep(1_500);
    await b.kill();
    await sleep(2_000);
    await b.start();
    await load;

    // Recovery: explicit syncs (bounded) until every engine is drained.
    for (let round = 0; round < 20; round++) {
      const statuses = await Promise.all(engines.map((e) => e.engine.sync('manual')));
      if (statuses.every((s) => s.pending === 0 && s.lastError === null)) break;
      await sleep(200);
    }
    await Promise.all(engines.map((e) => e.engine.sync('manual')));
    await Promise.all(clients.map((c) => c.pullAll()));

    for (const [user, ledger] of ledgers) {
      const state = await statesOverHttp(a.endpoint, user);
      expect(ledger.diff(state), user).toEqual([]);
      const live = sorted(liveRecords(state));
      for (const e of engines.filter((x) => x.writer.user === user)) {
        expect(sorted(await localRecords(e.engine)), e.name).toEqual(live);
        expect(e.rejections, e.name).toEqual([]);
        expect(await e.engine.status(), e.name).toMatchObject({ pending: 0, lastError: null });
      }
      for (const c of clients.filter((x) => x.user === user)) {
        expect(sorted(c.records), c.name).toEqual(live);
      }
    }

    const statuses = [
      ...seen.map((s) => s.status),
      ...[...meter.statuses].flatMap(([s, n]) => Array<Status>(n).fill(s)),
    ];
    const tally = (s: Status) => statuses.filter((x) => x === s).length;
    console.log(
      `[reliability] database outage: backends killed ${kills.join(', ')}; answers ${JSON.stringify(
        Object.fromEntries(
          [200, 503, 429, 500, 'network', 'aborted'].map((s) => [s, tally(s as never)]),
        ),
      )}; ledger events ${[...ledgers.values()].reduce((n, l) => n + l.events, 0)}`,
    );
    // The faults really hit: backends died, and clients saw 503s or lost connections.
    expect(kills.every((k) => k > 0)).toBe(true);
    expect(tally(503) + tally('network')).toBeGreaterThan(0);
    // Never a 500, and every 503 told the client when to come back.
    expect(statuses.filter((s) => typeof s === 'number' && s >= 500 && s !== 503)).toEqual([]);
    expect(seen.filter((s) => s.status === 503 && !s.retryAfter)).toEqual([]);
    expect([...(await a.stats()).errors, ...(await b.stats()).errors]).toEqual([]);
    await Promise.all(engines.map((e) => e.engine.close()));
  });
});
