// server.ts — Bun: `npm run example:bun` (PGlite in memory, or PostgreSQL with DATABASE_URL).
import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { openStore, syncRoutes } from 'swsync/server';
import { schema } from './schema.ts';

const store = await openStore({ databaseUrl: process.env.DATABASE_URL });
const app = new Hono();
// A stand-in for your sign-in: the `user` cookie is the caller's id (and scope).
app.route('/api/sync', syncRoutes({ store, schema, auth: (c) => getCookie(c, 'user') ?? null }));

// `fetch: app.fetch` hands Bun's server to the routes, which lift Bun's 10 s idle timeout for
// the SSE stream; a wrapped fetch would need `idleTimeout: 30` (above the 25 s heartbeat).
const server = Bun.serve({
  fetch: app.fetch,
  port: Number(process.env.PORT ?? 8787),
  hostname: '127.0.0.1',
});
console.log(`listening on http://127.0.0.1:${server.port}`);
