import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { openStore } from 'swsync/server';
import { createDemoApp } from './app.ts';
import { readConfig } from './config.ts';
import { loadSessionSecret } from './secret.ts';

/** The demo server's entry point (`npm start`): open the store, serve, shut down cleanly. */
async function main(): Promise<void> {
  const config = readConfig(process.env);
  await mkdir(config.dataDir, { recursive: true });
  const sessionSecret = await loadSessionSecret({
    envSecret: config.sessionSecret,
    dataDir: config.dataDir,
  });
  if (config.sessionSecret !== undefined && config.sessionSecret.length < 32) {
    console.warn('SESSION_SECRET is short: use at least 32 random characters outside of tests');
  }
  const store = await openStore(
    config.databaseUrl
      ? { databaseUrl: config.databaseUrl }
      : { dataDir: join(config.dataDir, 'pglite') },
  );
  const app = await createDemoApp({
    store,
    sessionSecret,
    staticRoot: config.staticRoot,
    secureCookie: config.secureCookie,
  });

  const server = serve(
    {
      fetch: app.fetch,
      port: config.port,
      ...(config.host ? { hostname: config.host } : {}),
    },
    (info) => {
      const where = config.databaseUrl ? 'PostgreSQL' : `PGlite in ${config.dataDir}`;
      console.log(`swsync demo on http://localhost:${info.port} (store: ${where})`);
    },
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    // SSE streams never end on their own: drop open connections so close() can finish.
    (server as Server).closeAllConnections?.();
    server.close(() => {
      store.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('closing the store failed', error);
          process.exit(1);
        },
      );
    });
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('swsync demo failed to start', error);
  process.exit(1);
});
