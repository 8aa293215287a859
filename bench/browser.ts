import { type Browser, type BrowserContext, chromium, type Page } from '@playwright/test';
import type { Hono } from 'hono';
import type { demoSchema } from '../demo/schema.ts';
import { fixturePageFiles } from '../e2e/page-sdk/fixtures/page-files.ts';
import { type FixtureServer, startFixtureServer } from '../e2e/support/fixture-server.ts';
import { chromiumLaunch } from '../playwright.config.ts';

const ISOLATED = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/** Chromium and a server for the browser benchmarks: the fixture page plus `app`'s routes. */
export interface BenchBrowser {
  url: string;
  /**
   * Runs `run` with a page at the app in a fresh browser context (an empty profile: no
   * IndexedDB, no worker), closed afterwards.
   */
  inFreshContext<T>(run: (context: BrowserContext, page: Page) => Promise<T>): Promise<T>;
  /** A context left open, for benchmarks that keep several devices side by side. */
  openContext(): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

/**
 * Serves the fixture page (`window.sdk`, `window.demoSchema`), the given worker entries of
 * `e2e/page-sdk/fixtures/` (bundled) and every other request through `app`, and launches
 * Debian's Chromium.
 *
 * @example
 * const bench = await startBenchBrowser(app, { '/engine-sw.js': 'engine-worker.ts' });
 * const ms = await bench.inFreshContext((context, page) => page.evaluate(() => 1));
 * await bench.close();
 */
export async function startBenchBrowser(
  app: Hono,
  workers: Record<string, string>,
): Promise<BenchBrowser> {
  const files = await fixturePageFiles(workers);
  // Cross-origin isolated, the page's `performance.now()` counts in microseconds instead of
  // 0.1 ms steps: a median of sub-millisecond samples needs that resolution.
  files['/'] = { ...files['/']!, headers: ISOLATED };
  const server: FixtureServer = await startFixtureServer(files, (request) => app.fetch(request));
  let browser: Browser;
  try {
    browser = await chromium.launch({ headless: true, ...chromiumLaunch });
  } catch (error) {
    await server.close();
    throw error;
  }
  const openContext = async () => {
    const context = await browser.newContext();
    // tsx compiles these files with esbuild's keepNames, which wraps the named functions inside
    // a page function in `__name(fn, "name")`: the page needs that helper too.
    await context.addInitScript('globalThis.__name = (fn) => fn;');
    const page = await context.newPage();
    await page.goto(server.url);
    return { context, page };
  };
  return {
    url: server.url,
    openContext,
    async inFreshContext(run) {
      const { context, page } = await openContext();
      try {
        return await run(context, page);
      } finally {
        await context.close();
      }
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * Puts a page SDK client of the engine worker (`/engine-sw.js`) on the page's
 * `window.client` and resolves once its first sync is done.
 *
 * @example
 * await openBenchClient(page, { dbName: 'bench', realtime: false });
 */
export function openBenchClient(
  page: Page,
  options: { dbName: string; realtime: boolean },
): Promise<void> {
  return page.evaluate(async ({ dbName, realtime }) => {
    const w = window as unknown as {
      sdk: typeof import('swsync/page');
      demoSchema: typeof demoSchema;
      client: import('swsync/page').SyncClient<typeof demoSchema>;
    };
    w.client = w.sdk.createClient({
      schema: w.demoSchema,
      endpoint: '/api/sync',
      dbName,
      worker: '/engine-sw.js',
      realtime,
    });
    await new Promise<void>((resolve) => {
      const stop = w.client.status.subscribe((s) => {
        if (s.initialSync?.done) {
          resolve();
          queueMicrotask(() => stop());
        }
      });
    });
  }, options);
}
