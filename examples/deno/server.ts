// server.ts — Deno: `npm run example:deno` (PGlite in memory, or PostgreSQL with DATABASE_URL).
import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { openStore, syncRoutes } from 'swsync/server';
import { schema } from './schema.ts';

const store = await openStore({ databaseUrl: Deno.env.get('DATABASE_URL') });
const app = new Hono();
// A stand-in for your sign-in: the `user` cookie is the caller's id (and scope).
app.route('/api/sync', syncRoutes({ store, schema, auth: (c) => getCookie(c, 'user') ?? null }));

const port = Number(Deno.env.get('PORT') ?? 8787);
Deno.serve({ port, hostname: '127.0.0.1' }, app.fetch);
