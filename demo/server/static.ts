import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';

/** Shown at `/` until the demo app is built into `demo/dist`. */
const PLACEHOLDER = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>swsync demo</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem">
<h1>swsync demo server</h1>
<p>The API is up: <code>POST /api/login</code>, <code>/api/sync/push</code>,
<code>/api/sync/pull</code>, <code>/api/sync/events</code>, <code>GET /api/health</code>.</p>
<p>The demo app is not built yet (no <code>demo/dist/index.html</code>).</p>
</body>
</html>
`;

/**
 * Serves the built demo app from `root` (its files, then `index.html` for any other GET, so
 * client-side routes survive a reload), or a placeholder page when the app is not built.
 * Mount it after the API routes: it answers every GET it is given.
 *
 * @example
 * app.route('/', staticSite(fileURLToPath(new URL('../dist/', import.meta.url))));
 */
export function staticSite(root: string): Hono {
  const app = new Hono();
  const indexPath = join(root, 'index.html');
  if (!existsSync(indexPath)) {
    app.get('*', (c) => c.html(PLACEHOLDER));
    return app;
  }
  // The worker script must be revalidated on every load, or clients miss app updates.
  app.use('/sw.js', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-cache');
  });
  app.use('*', serveStatic({ root }));
  app.get('*', async (c) => {
    c.header('Cache-Control', 'no-cache');
    return c.html(await readFile(indexPath, 'utf8'));
  });
  return app;
}
