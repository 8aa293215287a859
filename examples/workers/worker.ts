// worker.ts — Cloudflare Workers (workerd): `npm run example:workers` (PostgreSQL only).
import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { openPostgresStore, syncRoutes } from 'swsync/server';
import { schema } from './schema.ts';

interface Bindings {
  DATABASE_URL: string;
}

const app = new Hono<{ Bindings: Bindings }>();
app.route(
  '/api/sync',
  syncRoutes({
    // One store per request: workerd forbids a connection opened in one request to serve the
    // next. Migrations run at the first open per isolate only.
    store: (c) => openPostgresStore({ url: (c.env as Bindings).DATABASE_URL, max: 1 }),
    schema,
    // A stand-in for your sign-in: the `user` cookie is the caller's id (and scope).
    auth: (c) => getCookie(c, 'user') ?? null,
  }),
);

export default app;
