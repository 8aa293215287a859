import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { type SyncStore, syncRoutes } from 'swsync/server';
import { demoSchema } from '../demo/schema.ts';

/** An app served on loopback for a benchmark's HTTP clients. */
export interface BenchServer {
  /** `http://127.0.0.1:<port>` */
  base: string;
  close(): Promise<void>;
}

/**
 * Serves `app` through Hono's Node adapter on a free loopback port.
 *
 * @example
 * const server = await serveBench(app);
 * await fetch(`${server.base}/api/sync/pull`, { method: 'POST', body: '{}' });
 * await server.close();
 */
export async function serveBench(app: Hono): Promise<BenchServer> {
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }) as Server;
  // Seeding between runs leaves the clients' connections idle longer than Node's default 5 s:
  // a reuse racing the server's close would fail a run with ECONNRESET.
  server.keepAliveTimeout = 120_000;
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * The demo schema's sync routes over `store` at `/api/sync`, served on loopback; the caller is
 * named by the `x-bench-user` header (no sessions: the benchmarks measure the sync path).
 *
 * @example
 * const server = await serveSyncRoutes(store);
 * await fetch(`${server.base}/api/sync/pull`, { method: 'POST', headers: { 'x-bench-user': 'u1' }, body: '{}' });
 */
export function serveSyncRoutes(store: SyncStore): Promise<BenchServer> {
  return serveBench(syncApp(store));
}

/** The app `serveSyncRoutes` serves, for a caller that mounts more routes beside it. */
export function syncApp(store: SyncStore): Hono {
  const app = new Hono();
  app.route(
    '/api/sync',
    syncRoutes({ store, schema: demoSchema, auth: (c) => c.req.header('x-bench-user') ?? null }),
  );
  return app;
}
