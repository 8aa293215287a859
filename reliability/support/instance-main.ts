/**
 * One sync server instance as its own process, for the load and outage tests: the real routes
 * over the demo schema on 127.0.0.1, identity from `Authorization: Bearer <user>`.
 * Env: `RELIABILITY_DB_URL` (PostgreSQL; absent: an in-memory PGlite), `RELIABILITY_PORT`
 * (default 0: a free port), `RELIABILITY_POOL` (connections, default 8). Prints
 * `LISTENING <port>` once it serves. `GET /stats` answers its memory and the number of
 * unexpected errors (500s) it logged.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import {
  isPostgresJsWriteRace,
  openPGliteStore,
  openPostgresStore,
  syncRoutes,
} from 'swsync/server';
import { demoSchema } from '../../demo/schema.ts';
import { bearerAuth } from '../../server/http/testing/client.ts';

async function main() {
  const url = process.env.RELIABILITY_DB_URL;
  const pool = Number(process.env.RELIABILITY_POOL ?? 8);
  const store = url
    ? await openPostgresStore({ url, max: pool, closeTimeoutSeconds: 1 })
    : await openPGliteStore();
  const errors: string[] = [];
  const app = new Hono();
  app.route(
    '/api/sync',
    syncRoutes({
      store,
      schema: demoSchema,
      auth: bearerAuth,
      logger: (message, error) => {
        errors.push(`${message}: ${String(error)}`);
        console.error(message, error);
      },
    }),
  );
  app.get('/stats', (c) => {
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    return c.json({
      pid: process.pid,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      cpuMs: (cpu.user + cpu.system) / 1000,
      errors,
    });
  });
  const server = serve({
    fetch: app.fetch,
    hostname: '127.0.0.1',
    port: Number(process.env.RELIABILITY_PORT ?? 0),
  });
  server.once('listening', () => {
    console.log(`LISTENING ${(server.address() as AddressInfo).port}`);
  });
  server.once('error', (error) => {
    console.error('listen failed', error);
    process.exit(1);
  });
  process.on('uncaughtException', (error) => {
    // The store's own guard ignores postgres.js's stray throw; this one names a crash in the log.
    if (isPostgresJsWriteRace(error)) return;
    console.error('instance crashed', error);
    process.exit(1);
  });
  process.on('SIGTERM', () => {
    (server as Server).closeAllConnections?.();
    server.close(() => void store.close().finally(() => process.exit(0)));
    setTimeout(() => process.exit(1), 5_000).unref();
  });
}

main().catch((error: unknown) => {
  console.error('instance failed to start', error);
  process.exit(1);
});
