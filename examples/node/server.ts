// server.ts — Node: `npm run example:node` (PGlite in memory, or PostgreSQL with DATABASE_URL).
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { openStore, syncRoutes } from 'swsync/server';
import { schema } from './schema.ts';

const store = await openStore({ databaseUrl: process.env.DATABASE_URL });
const app = new Hono();
// A stand-in for your sign-in: the `user` cookie is the caller's id (and scope).
app.route('/api/sync', syncRoutes({ store, schema, auth: (c) => getCookie(c, 'user') ?? null }));

const port = Number(process.env.PORT ?? 8787);
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () =>
  console.log(`listening on http://127.0.0.1:${port}`),
);
