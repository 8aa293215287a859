import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

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
    server.once('error', reject);
  });
}
