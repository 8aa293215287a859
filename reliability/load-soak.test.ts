import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  type TestDatabase,
  testDatabaseUrl,
} from '../server/testing/postgres-db.ts';
import { type InstanceStats, type ServerInstance, startInstance } from './support/instance.ts';
import { Rng } from './support/prng.ts';
import {
  Ledger,
  Meter,
  ProtocolClient,
  percentile,
  statesOverHttp,
} from './support/protocol-client.ts';
import { liveRecords, sorted } from './support/servers.ts';

const CLIENTS = Number(process.env.RELIABILITY_LOAD_CLIENTS ?? 200);
const CLIENTS_PER_USER = 4;
const DURATION_MS = Number(process.env.RELIABILITY_LOAD_MS ?? 60_000);
const SEED = Number(process.env.RELIABILITY_SEED ?? 20261129);

let database: TestDatabase | undefined;
const instances: ServerInstance[] = [];
beforeAll(async () => {
  // Two instances on one PostgreSQL database; without one, a single instance on its own PGlite.
  if (testDatabaseUrl()) {
    database = await createTestDatabase();
    // The first instance creates the tables; the second starts on them.
    instances.push(await startInstance({ dbUrl: database.url }));
    instances.push(await startInstance({ dbUrl: database.url }));
  } else {
    instances.push(await startInstance());
  }
});
afterAll(async () => {
  await Promise.all(instances.map((i) => i.stop()));
  await database?.drop();
});

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

describe('load and soak', () => {
  it(`${CLIENTS} clients writing and pulling for ${DURATION_MS / 1000} s: every client ends equal to the server`, async () => {
    const rng = new Rng(SEED);
    const endpoints = instances.map((i) => i.endpoint);
    const before: InstanceStats[] = await Promise.all(instances.map((i) => i.stats()));
    const meter = new Meter();
    const ledgers = new Map<string, Ledger>();
    const clients: ProtocolClient[] = [];
    const run = Date.now().toString(36);
    for (let i = 0; i < CLIENTS; i++) {
      const user = `load-${run}-u${Math.floor(i / CLIENTS_PER_USER)}`;
      if (!ledgers.has(user)) ledgers.set(user, new Ledger());
      // Each client starts on its own instance, then alternates: its pushes and pulls cross.
      const order = i % 2 === 0 ? endpoints : [...endpoints].reverse();
      clients.push(
        new ProtocolClient(
          user,
          `l${run}c${i}`,
          order,
          ledgers.get(user)!,
          meter,
          new Rng(rng.int(0, 2 ** 31)),
        ),
      );
    }

    const started = Date.now();
    const clientCpu = process.cpuUsage();
    const deadline = started + DURATION_MS;
    await Promise.all(
      clients.map(async (client) => {
        // Spread the starts over the first second, then think 100–600 ms between rounds.
        await new Promise((r) => setTimeout(r, client.rng.int(0, 1000)));
        while (Date.now() < deadline) {
          await client.pushSome();
          await client.pullAll();
          await new Promise((r) => setTimeout(r, client.rng.int(100, 600)));
        }
      }),
    );
    const elapsed = (Date.now() - started) / 1000;
    const clientCpuS = Object.values(process.cpuUsage(clientCpu)).reduce((a, b) => a + b, 0) / 1e6;
    // Quiet now: one last pull each, then every replica must equal the server's scope.
    await Promise.all(clients.map((c) => c.pullAll()));
    const after: InstanceStats[] = await Promise.all(instances.map((i) => i.stats()));

    for (const [user, ledger] of ledgers) {
      const state = await statesOverHttp(endpoints[0]!, user);
      expect(ledger.diff(state), user).toEqual([]);
      const live = sorted(liveRecords(state));
      for (const client of clients.filter((c) => c.user === user)) {
        expect(sorted(client.records), client.name).toEqual(live);
      }
    }
    expect(meter.statuses.get(500) ?? 0).toBe(0);
    expect(after.flatMap((s) => s.errors)).toEqual([]);

    const requests = meter.push.length + meter.pull.length;
    const lines = [
      `clients ${CLIENTS} (${ledgers.size} users × ${CLIENTS_PER_USER}), instances ${instances.length} (${database ? 'PostgreSQL' : 'PGlite'}), ${elapsed.toFixed(1)} s`,
      `events applied ${meter.events} (${(meter.events / elapsed).toFixed(0)}/s), requests answered 200: ${requests} (${(requests / elapsed).toFixed(0)}/s)`,
      `push p50 ${percentile(meter.push, 50).toFixed(1)} ms, p99 ${percentile(meter.push, 99).toFixed(1)} ms (${meter.push.length})`,
      `pull p50 ${percentile(meter.pull, 50).toFixed(1)} ms, p99 ${percentile(meter.pull, 99).toFixed(1)} ms (${meter.pull.length})`,
      `statuses ${JSON.stringify(Object.fromEntries(meter.statuses))}, clients' cpu ${clientCpuS.toFixed(1)} s`,
      ...instances.map(
        (_, i) =>
          `instance ${i + 1}: rss ${mb(before[i]!.rss)} → ${mb(after[i]!.rss)}, heap ${mb(before[i]!.heapUsed)} → ${mb(after[i]!.heapUsed)}, cpu ${((after[i]!.cpuMs - before[i]!.cpuMs) / 1000).toFixed(1)} s`,
      ),
    ];
    console.log(`[reliability] load and soak\n${lines.join('\n')}`);
    // The load happened: every client made rounds (not a test that cannot fail on an idle run).
    expect(meter.events).toBeGreaterThan(CLIENTS);
  });
});
