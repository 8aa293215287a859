import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { Schema } from 'swsync/schema';
import { type SyncStore, syncRoutes } from 'swsync/server';
import { demoSchema } from '../../demo/schema.ts';

/** The real sync routes on a real port, for engine tests (Node only). */
export interface TestSyncServer {
  /** `http://127.0.0.1:<port>/api/sync` */
  endpoint: string;
  close(): Promise<void>;
}

export interface TestSyncServerOptions {
  /** Default the demo schema. */
  schema?: Schema;
  maxBatchSize?: number;
  bodyLimit?: number;
}

/**
 * Serves `syncRoutes` over the demo schema. The caller's identity (and scope) is the `x-user`
 * request header: engines set it with `setHeaders`.
 *
 * @example
 * const server = await startSyncServer(await openPGliteStore());
 * const engine = await createEngine({ schema: demoSchema, endpoint: server.endpoint, ... });
 */
export function startSyncServer(
  store: SyncStore,
  options: TestSyncServerOptions = {},
): Promise<TestSyncServer> {
  const app = new Hono();
  app.route(
    '/api/sync',
    syncRoutes({
      store,
      schema: options.schema ?? demoSchema,
      auth: (c) => c.req.header('x-user') ?? null,
      logger: () => undefined,
      maxBatchSize: options.maxBatchSize,
      bodyLimit: options.bodyLimit,
    }),
  );
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: app.fetch, port: 0, hostname: '127.0.0.1' },
      (info: AddressInfo) =>
        resolve({
          endpoint: `http://127.0.0.1:${info.port}/api/sync`,
          close: () =>
            new Promise<void>((done) => {
              (server as Server).closeAllConnections?.();
              server.close(() => done());
            }),
        }),
    );
    server.once('error', reject);
  });
}
