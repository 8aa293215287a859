/**
 * The packaging test's browser step: README's app, built from the installed tarball, runs in
 * Chromium with each bundled worker.
 *
 * The app gets a server in README's style (`syncRoutes` over PGlite in memory, a cookie as the
 * session, `serveStatic` for the files) and a page that calls `createClient` from `swsync/page`.
 * Each worker (esbuild's, Vite's) runs in a fresh browser context (its own registrations and
 * IndexedDB) under its own account, and must: register and answer (status `service-worker`,
 * connected), push a write the server then holds (checked by a pull from Node, not from the
 * page), and bring a server-side write back to a read in the page.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { build as esbuild } from 'esbuild';

/** Files the browser step adds to the app; written before the strict type-check, so checked too. */
export const browserAppFiles: Record<string, string> = {
  'browser-server.ts': `// README's server on a free loopback port, PGlite in memory, files from ./browser-public.
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { openStore, syncRoutes } from 'swsync/server';
import { schema } from './schema.ts';

const store = await openStore({});
const app = new Hono();
app.route('/api/sync', syncRoutes({ store, schema, auth: (c) => getCookie(c, 'demo-user') ?? null }));
app.use('/*', serveStatic({ root: './browser-public' }));
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => console.log(\`port \${info.port}\`));
`,
  'browser-page.ts': `// README's page, with the worker and account from the query string and a check to run.
import { createClient } from 'swsync/page';
import { schema } from './schema.ts';

const params = new URL(location.href).searchParams;
const userId = params.get('user') ?? 'u1';
const worker = params.get('worker') ?? '/sw.js';
const client = createClient({ schema, endpoint: '/api/sync', worker, account: userId });

async function write(name: string) {
  const board = await client.Board.create({ id: crypto.randomUUID(), name, userId });
  const synced = await client.syncNow();
  return { id: board.id, pending: synced.pending, lastError: synced.lastError, status: client.status.getSnapshot() ?? null };
}

async function read(id: string) {
  const synced = await client.syncNow();
  const board = await client.Board.get(id);
  const registration = await navigator.serviceWorker.getRegistration();
  return { board: board ?? null, lastError: synced.lastError, script: registration?.active?.scriptURL ?? null };
}

Object.assign(globalThis, { swsyncCheck: { write, read } });
`,
};

export interface BrowserWorker {
  label: string;
  /** The bundled worker file in the app. */
  file: string;
}

type Check = (ok: boolean, what: string) => void;

const SERVER_START_MS = 90_000;

/**
 * Builds the page, serves the app, and runs each worker in Chromium. Every wait is bounded;
 * the server and the browser are stopped whatever happens.
 */
export async function runInChromium(
  app: string,
  workers: BrowserWorker[],
  check: Check,
): Promise<void> {
  const publicDir = join(app, 'browser-public');
  mkdirSync(publicDir, { recursive: true });
  writeFileSync(
    join(publicDir, 'index.html'),
    '<!doctype html><title>swsync</title><script type="module" src="/page.js"></script>',
  );
  await esbuild({
    absWorkingDir: app,
    entryPoints: ['browser-page.ts'],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    outfile: join(publicDir, 'page.js'),
    logLevel: 'silent',
  });
  const served = workers.map((worker, i) => {
    const name = `sw-${i}.js`;
    copyFileSync(worker.file, join(publicDir, name));
    return { ...worker, path: `/${name}`, user: `user-${i}` };
  });

  const server = await startServer(app);
  const browser = await chromium
    .launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    })
    .catch(async (error: unknown) => {
      await server.stop();
      throw error;
    });
  try {
    for (const worker of served) {
      const context = await browser.newContext();
      const browserErrors: string[] = [];
      try {
        await context.addCookies([{ name: 'demo-user', value: worker.user, url: server.baseUrl }]);
        const page = await context.newPage();
        page.on('pageerror', (error) => browserErrors.push(`page: ${error.message}`));
        context.on('weberror', (error) => browserErrors.push(`web: ${error.error().message}`));
        // Generous for a busy 2-core CI machine; a worker that never answers still fails.
        page.setDefaultTimeout(60_000);
        await page.goto(`${server.baseUrl}/?worker=${worker.path}&user=${worker.user}`);
        await page.waitForFunction(() => 'swsyncCheck' in globalThis);
        await checkWorker(page, server, worker, check);
      } catch (error) {
        const detail = browserErrors.length > 0 ? `\n${browserErrors.join('\n')}` : '';
        check(false, `chromium, ${worker.label}: ${(error as Error).message}${detail}`);
        console.log(server.output());
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await server.stop();
  }
}

interface Served extends BrowserWorker {
  path: string;
  user: string;
}

interface WriteResult {
  id: string;
  pending: number;
  lastError: { code: string; message: string } | null;
  status: { mode: string; fallbackError: string | null; connected: boolean } | null;
}

interface ReadResult {
  board: { id: string; name: string } | null;
  lastError: WriteResult['lastError'];
  script: string | null;
}

async function checkWorker(
  page: Page,
  server: Server,
  worker: Served,
  check: Check,
): Promise<void> {
  const label = `chromium, ${worker.label}`;
  // A string expression: a function would be serialised from tsx's output, helpers and all.
  const written = (await page.evaluate(
    `globalThis.swsyncCheck.write(${JSON.stringify(`from ${worker.label}`)})`,
  )) as WriteResult;
  const status = written.status;
  check(
    status?.mode === 'service-worker' && status.connected,
    `${label}: the worker registers and answers (mode ${status?.mode}, connected ${status?.connected}${status?.fallbackError ? `, ${status.fallbackError}` : ''})`,
  );
  check(
    written.pending === 0 && written.lastError === null,
    `${label}: the write is pushed (pending ${written.pending}, lastError ${JSON.stringify(written.lastError)})`,
  );
  const onServer = await server.pullAs(worker.user);
  check(
    onServer.includes(written.id),
    `${label}: the server holds the pushed board (pulled as ${worker.user}: ${onServer.join(', ') || 'nothing'})`,
  );
  const fromServer = await server.pushBoardAs(worker.user, `server write for ${worker.label}`);
  const read = (await page.evaluate(
    `globalThis.swsyncCheck.read(${JSON.stringify(fromServer)})`,
  )) as ReadResult;
  check(
    read.board?.id === fromServer && read.script?.endsWith(worker.path) === true,
    `${label}: a server-side write is pulled and read in the page (read ${JSON.stringify(read)})`,
  );
}

interface Server {
  baseUrl: string;
  output(): string;
  /** Keys of the boards the server holds for `user`, by a full pull over HTTP. */
  pullAs(user: string): Promise<string[]>;
  /** Creates a board through `/push` as `user` (another device); resolves with its key. */
  pushBoardAs(user: string, name: string): Promise<string>;
  stop(): Promise<void>;
}

/** Bundles `browser-server.ts` (deps left to the app's node_modules) and runs it with node. */
async function startServer(app: string): Promise<Server> {
  await esbuild({
    absWorkingDir: app,
    entryPoints: ['browser-server.ts'],
    bundle: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    outfile: join(app, 'browser-server.mjs'),
    logLevel: 'silent',
  });
  const child: ChildProcess = spawn('node', ['browser-server.mjs'], {
    cwd: app,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = once(child, 'exit');
  const port = await new Promise<number>((resolve, reject) => {
    // PGlite's start alone takes ~3 s, and many times that on a loaded machine.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in ${SERVER_START_MS / 1000} s:\n${log}`));
    }, SERVER_START_MS);
    child.stdout?.on('data', () => {
      const match = /port (\d+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`server exited:\n${log}`));
    });
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const post = async (user: string, route: string, body: unknown) => {
    const response = await fetch(`${baseUrl}/api/sync/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `demo-user=${user}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`${route} as ${user}: HTTP ${response.status}`);
    return response.json() as Promise<unknown>;
  };
  return {
    baseUrl,
    output: () => log,
    async pullAs(user) {
      const page = (await post(user, 'pull', { limit: 1000 })) as {
        logsWithRecords: { model: string; record: { id?: unknown } | null }[];
      };
      return page.logsWithRecords
        .filter((log) => log.model === 'Board' && log.record !== null)
        .map((log) => String(log.record?.id));
    },
    async pushBoardAs(user, name) {
      const id = crypto.randomUUID();
      const results = (await post(user, 'push', {
        events: [
          {
            id: crypto.randomUUID(),
            entityType: 'Board',
            operation: 'create',
            payload: { id, name, userId: user },
            createdAt: new Date().toISOString(),
          },
        ],
      })) as { error: unknown }[];
      if (results[0]?.error !== null)
        throw new Error(`push as ${user}: ${JSON.stringify(results)}`);
      return id;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
