import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { Models } from 'swsync/schema';
import type { SyncRoutesOptions } from '../options.ts';
import { syncRoutes } from '../routes.ts';

/** Anything with a Web `fetch` handler, such as a Hono app. */
export interface Fetchable {
  fetch: (request: Request) => Response | Promise<Response>;
}

export interface ServedApp {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Stops listening and drops open connections (SSE streams included). */
  close(): Promise<void>;
}

/**
 * Serves `app` on a real socket on a free port (Node only: for tests).
 *
 * @example
 * const served = await serveOnFreePort(app);
 * const res = await fetch(`${served.url}/api/health`);
 * await served.close();
 */
export function serveOnFreePort(app: Fetchable): Promise<ServedApp> {
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: app.fetch, port: 0, hostname: '127.0.0.1' },
      (info: AddressInfo) => {
        resolve({
          url: `http://127.0.0.1:${info.port}`,
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              (server as Server).closeAllConnections?.();
              server.close(() => done());
            }),
        });
      },
    );
    // Node closes a keep-alive connection after 5 s idle; a test that pauses longer between
    // requests (in-process work, a loaded machine) has its client reuse the socket as it
    // closes, and the POST fails with ECONNRESET. Browsers retry that case; Node's fetch does
    // not. Tests are about our answers, not that race.
    (server as Server).keepAliveTimeout = 120_000;
    server.once('error', reject);
  });
}

/**
 * Serves `syncRoutes(options)` mounted at `/api/sync` of an outer app, as an application mounts
 * it, on a free port (Node only: for tests).
 *
 * @example
 * const served = await serveSyncRoutes({ store, schema, auth: bearerAuth });
 * const alice = new TestSyncClient(`${served.url}/api/sync`, 'alice');
 */
export function serveSyncRoutes<M extends Models>(
  options: SyncRoutesOptions<M>,
): Promise<ServedApp> {
  return serveOnFreePort(new Hono().route('/api/sync', syncRoutes(options)));
}
