import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

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
