import { randomUUID } from 'node:crypto';
import { openPostgresStore } from 'swsync/server';
import { createTestDatabase } from '../server/testing/index.ts';
import { backendCpuMs } from './backend-cpu.ts';
import { observedStore } from './observed-store.ts';
import { seedBoard } from './push.ts';
import { batchesFor, pushBodies } from './push-http.ts';
import { serveSyncRoutes } from './serve.ts';

/**
 * Where a push's time goes, on PostgreSQL (`DATABASE_URL`), under the push benchmark's load
 * (8 clients × `BENCH_PUSH_BATCHES` batches of 100, through HTTP). Prints, per push: statements
 * sent, time awaiting them, the whole transaction and the client's latency; and per event: this
 * process's CPU (server and load generator) and the CPU of the database's backends (read from
 * /proc, so the database must run on this machine). Run it under `node --cpu-prof` to see the
 * process's share by function (`bench/profile-summary.ts` sums a profile by area).
 *
 *   DATABASE_URL=postgres://... node --conditions=swsync-source --import tsx --cpu-prof \
 *     --cpu-prof-dir=/tmp/prof bench/profile-push.ts
 *
 * `PROFILE_BODIES=v1` pushes v1 bodies (idempotent by event id); by default each client numbers
 * its events with outbox counters, as the engine does (docs/protocol.md, "Outbox counters").
 */
async function main() {
  const batches = Number(process.env.BENCH_PUSH_BATCHES ?? 20);
  const load = { clients: 8, batches, size: 100, trials: 1 };
  const v1 = process.env.PROFILE_BODIES === 'v1';
  const db = await createTestDatabase();
  const inner = await openPostgresStore({ url: db.url });
  // Only the pushes' transactions go through it: statements and time per push.
  const { store, stats, reset } = observedStore(inner);
  const server = await serveSyncRoutes(store);
  const { base } = server;

  const once = async () => {
    const clients = await Promise.all(
      Array.from({ length: load.clients }, async () => {
        const scope = `bench-${randomUUID()}`;
        return { scope, batches: batchesFor(scope, await seedBoard(inner, scope), load) };
      }),
    );
    reset();
    let latencyMs = 0;
    const dbBefore = await backendCpuMs(inner, db.name);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await Promise.all(
      clients.map(async ({ scope, batches: list }) => {
        for (const body of pushBodies(scope, list, v1)) {
          const sent = performance.now();
          const response = await fetch(`${base}/api/sync/push`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-bench-user': scope },
            body: JSON.stringify(body),
          });
          const results = (await response.json()) as { error: unknown }[];
          latencyMs += performance.now() - sent;
          if (!response.ok || results.some((r) => r.error !== null)) {
            throw new Error(`push failed: ${response.status}`);
          }
        }
      }),
    );
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const dbCpuMs = (await backendCpuMs(inner, db.name)) - dbBefore;
    const events = load.clients * load.batches * load.size;
    const pushes = load.clients * load.batches;
    return {
      eventsPerSec: Math.round((events / wallMs) * 1000),
      statementsPerPush: +(stats.statements / stats.transactions).toFixed(1),
      latencyMsPerPush: +(latencyMs / pushes).toFixed(1),
      txMsPerPush: +(stats.txMs / stats.transactions).toFixed(1),
      awaitingSqlMsPerPush: +(stats.sqlMs / stats.transactions).toFixed(1),
      nodeCpuUsPerEvent: Math.round((cpu.user + cpu.system) / events),
      dbCpuUsPerEvent: Math.round((dbCpuMs * 1000) / events),
    };
  };
  try {
    await once(); // warm-up
    console.log(JSON.stringify(await once()));
    console.log(JSON.stringify(await once()));
  } finally {
    await server.close();
    await inner.close();
    await db.drop();
  }
}

await main();
