import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

export interface StaticFile {
  body: string;
  type: string;
  /** Response headers besides the content type and `cache-control: no-store`. */
  headers?: Record<string, string>;
}

export interface FixtureServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves fixed files and hands every other request to `api` (a Web `fetch` handler, e.g. a
 * Hono app), on a free port of 127.0.0.1 — a secure context, so Service Workers register.
 */
export async function startFixtureServer(
  files: Record<string, StaticFile>,
  api: (request: Request) => Response | Promise<Response>,
): Promise<FixtureServer> {
  const server = serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: (request) => {
      const file = files[new URL(request.url).pathname];
      if (!file) return api(request);
      return new Response(file.body, {
        headers: { ...file.headers, 'content-type': file.type, 'cache-control': 'no-store' },
      });
    },
  });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
