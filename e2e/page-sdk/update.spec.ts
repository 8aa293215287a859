/**
 * The worker is updated, stopped or cannot install while the page writes: every write is
 * answered, applied once, and nothing loops.
 */
import type { Page } from '@playwright/test';
import { WorkerControl } from '../support/cdp.ts';
import { expect, test } from '../support/test.ts';
import { usePageSdkServer } from './fixtures/server.ts';
import { type FixtureWindow, installTodoOf, openClient } from './helpers.ts';

const server = usePageSdkServer();
test.beforeEach(async ({ context }) => {
  await installTodoOf(context);
});

// A long per-call timeout: a write that had to wait one out would outlast the test instead of
// succeeding on a retry, so "every write resolved" means no write waited for its timeout.
const options = {
  endpoint: '/api/sync',
  dbName: 'update',
  worker: '/engine-sw.js',
  realtime: false,
  timeoutMs: 120_000,
};

/** Starts `count` creates in the page without awaiting them; `settleWrites` awaits them. */
const startWrites = (prefix: string, count: number) =>
  `(() => {
    const w = window;
    w.writes ??= [];
    for (let i = 0; i < ${count}; i++) {
      w.writes.push(w.client.Todo.create(todoOf('${prefix}' + i)).then(() => 'ok', (e) => e.name + ': ' + e.message));
    }
  })()`;
const settleWrites = `Promise.all(window.writes)`;
const settle = async (page: Page) => (await page.evaluate(settleWrites)) as string[];

/**
 * Every write started in `pages` resolved; `count` todos whose ids match `ids` are stored; the
 * active worker is the one whose script URL ends with `version`, when given; and after a sync
 * the server holds each write's event once. A worker cut off mid-push (stopped, or replaced by
 * the update) may push a batch again: the server drops an event id it has applied.
 */
async function expectAppliedOnce(
  pages: Page[],
  writes: { ids: RegExp; count: number; pushedBefore: number; version?: string },
) {
  const results = (await Promise.all(pages.map(settle))).flat();
  expect(results.filter((r) => r !== 'ok')).toEqual([]);
  expect(results).toHaveLength(writes.count);
  const [first] = pages as [Page];
  if (writes.version !== undefined) {
    const version = writes.version;
    await expect
      .poll(() =>
        first.evaluate(
          async (v) =>
            (await navigator.serviceWorker.getRegistration())?.active?.scriptURL.endsWith(v),
          version,
        ),
      )
      .toBe(true);
  }
  const ids = await first.evaluate(async () =>
    (await (window as unknown as FixtureWindow).client.Todo.list()).map((t) => t.id),
  );
  expect(ids.filter((id) => writes.ids.test(id))).toHaveLength(writes.count);
  await first.evaluate(() => (window as unknown as FixtureWindow).client.syncNow());
  expect(new Set(server().pushed().slice(writes.pushedBefore)).size).toBe(writes.count);
}

test('writes in flight in two tabs while an update that skips waiting takes over are each applied once', async ({
  context,
}) => {
  const first = await context.newPage();
  await openClient(first, server().url, options);
  const second = await context.newPage();
  await openClient(second, server().url, options);
  const before = server().pushed().length;

  await first.evaluate(startWrites('a', 20));
  await second.evaluate(startWrites('b', 20));
  // A new version (a new script URL, same scope): it skips waiting and the old one turns redundant.
  await first.evaluate(() => navigator.serviceWorker.register('/engine-sw.js?v=2'));
  await first.evaluate(startWrites('c', 20));
  await second.evaluate(startWrites('d', 20));

  await expectAppliedOnce([first, second], {
    ids: /^[abcd]\d+$/,
    count: 80,
    pushedBefore: before,
    version: '?v=2',
  });
});

test('writes in flight while the worker is stopped and then updated are each applied once', async ({
  context,
  page,
}) => {
  await openClient(page, server().url, { ...options, timeoutMs: 3_000, attempts: 5 });
  const control = await WorkerControl.attach(context, page);
  const before = server().pushed().length;
  await page.evaluate(startWrites('s', 20));
  await control.stopAll();
  await page.evaluate(startWrites('t', 20));
  await page.evaluate(() => navigator.serviceWorker.register('/engine-sw.js?v=3'));
  await page.evaluate(startWrites('u', 20));
  await expectAppliedOnce([page], { ids: /^[stu]\d+$/, count: 60, pushedBefore: before });
});

test('a worker that never installs: the page registers it again at most once per interval, with no unhandled rejection, and not after close', async ({
  page,
}) => {
  await page.addInitScript(() => {
    const w = window as unknown as { registers: number; unhandled: string[] };
    w.registers = 0;
    w.unhandled = [];
    const container = navigator.serviceWorker;
    const register = container.register.bind(container);
    container.register = (...args: Parameters<typeof register>) => {
      w.registers++;
      return register(...args);
    };
    addEventListener('unhandledrejection', (e) => w.unhandled.push(String(e.reason)));
  });
  await page.goto(server().url);
  const outcome = await page.evaluate(async () => {
    const w = window as unknown as FixtureWindow & { registers: number; unhandled: string[] };
    const started = performance.now();
    const client = w.sdk.createClient({
      schema: w.demoSchema,
      endpoint: '/api/sync',
      dbName: 'never-installs',
      worker: '/failing-install-sw.js',
      realtime: false,
    });
    const errors = new Set<string>();
    for (let i = 0; i < 15; i++) {
      await client.Todo.create(todoOf(`n${i}`)).catch((e: Error) => errors.add(e.name));
    }
    const elapsed = performance.now() - started;
    const registersOpen = w.registers;
    client.close();
    const afterClose = w.registers;
    // Past one interval, nothing registers for a closed client.
    await new Promise((r) => setTimeout(r, 11_000));
    return { errors: [...errors], elapsed, registersOpen, afterClose, later: w.registers };
  });
  expect(outcome.errors).toEqual(['UnavailableError']);
  // The first registration, then at most one per 10 s.
  expect(outcome.registersOpen).toBeLessThanOrEqual(2 + Math.floor(outcome.elapsed / 10_000));
  expect(outcome.later).toBe(outcome.afterClose);
  await page.waitForTimeout(100);
  expect(
    await page.evaluate(() => (window as unknown as { unhandled: string[] }).unhandled),
  ).toEqual([]);
});

test('close() while writes wait on a worker being replaced: each settles at once, applied or CLIENT_CLOSED', async ({
  context,
  page,
}) => {
  await openClient(page, server().url, options);
  const control = await WorkerControl.attach(context, page);
  // The writes go out to a stopped worker, so none is answered before the update and close().
  await control.stopAll();
  await page.evaluate(startWrites('x', 20));
  const results = await page.evaluate(async () => {
    const w = window as unknown as FixtureWindow & { writes: Promise<string>[] };
    await navigator.serviceWorker.register('/engine-sw.js?v=4');
    w.client.close();
    return Promise.all(w.writes);
  });
  // With a 120 s timeout, a write left waiting on a closed line would outlast the test.
  expect(results.filter((r) => r !== 'ok' && !r.startsWith('ClosedError'))).toEqual([]);
});

test('a worker script URL that changes between page loads: writes right after the reload are each applied once', async ({
  page,
}) => {
  await openClient(page, server().url, { ...options, worker: '/engine-sw.js?v=a' });
  await page.evaluate(startWrites('p', 10));
  expect((await settle(page)).filter((r) => r !== 'ok')).toEqual([]);
  await page.evaluate(() => (window as unknown as FixtureWindow).client.syncNow());
  const before = server().pushed().length;
  await page.goto(server().url);
  // The new page's client registers another URL: an update, while the writes go out at once.
  await page.evaluate(
    (opts) => {
      const w = window as unknown as FixtureWindow;
      w.client = w.sdk.createClient({ schema: w.demoSchema, ...opts });
    },
    { ...options, worker: '/engine-sw.js?v=b' },
  );
  await page.evaluate(startWrites('q', 20));
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.evaluate(startWrites('r', 20));
  expect((await settle(page)).filter((r) => r !== 'ok')).toEqual([]);
  const ids = await page.evaluate(async () =>
    (await (window as unknown as FixtureWindow).client.Todo.list()).map((t) => t.id),
  );
  // (The stand-in server's full pull also brings back other tests' todos.)
  expect(ids.filter((id) => /^[pqr]\d+$/.test(id))).toHaveLength(50);
  await page.evaluate(() => (window as unknown as FixtureWindow).client.syncNow());
  expect(new Set(server().pushed().slice(before)).size).toBe(40);
  // The new version takes over (it may still be installing when the writes are done).
  await expect
    .poll(() =>
      page.evaluate(
        async () => (await navigator.serviceWorker.getRegistration())?.active?.scriptURL,
      ),
    )
    .toMatch(/\?v=b$/);
});

test('close() right after writes were started: each settles at once, applied or CLIENT_CLOSED', async ({
  page,
}) => {
  await openClient(page, server().url, options);
  const results = await page.evaluate(() => {
    const w = window as unknown as FixtureWindow;
    const writes = Array.from({ length: 10 }, (_, i) =>
      w.client.Todo.create(todoOf(`z${i}`)).then(
        () => 'ok',
        (e: Error) => e.name,
      ),
    );
    // A component unmounting right after a fire-and-forget write.
    w.client.close();
    return Promise.all(writes);
  });
  // With a 120 s timeout, a write sent on a closed line would outlast the test.
  expect(results.filter((r) => r !== 'ok' && r !== 'ClosedError')).toEqual([]);
});

test('writes in flight in two tabs while a waiting worker is told SKIP_WAITING, across a stop, are each applied once', async ({
  context,
}) => {
  const waiting = { ...options, worker: '/waiting-sw.js' };
  const first = await context.newPage();
  await openClient(first, server().url, waiting);
  const second = await context.newPage();
  await openClient(second, server().url, waiting);
  const control = await WorkerControl.attach(context, first);
  const before = server().pushed().length;

  await first.evaluate(startWrites('w', 15));
  // The new version installs and waits; writes keep going to the old one meanwhile.
  await first.evaluate(async () => {
    const registration = await navigator.serviceWorker.register('/waiting-sw.js?v=2');
    const next = registration.installing ?? registration.waiting;
    await new Promise<void>((resolve) => {
      if (next?.state === 'installed') return resolve();
      next?.addEventListener('statechange', () => next.state === 'installed' && resolve());
    });
  });
  await second.evaluate(startWrites('v', 15));
  await control.stopAll();
  await first.evaluate(startWrites('y', 15));
  await second.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    registration?.waiting?.postMessage({ type: 'SKIP_WAITING' });
  });
  await second.evaluate(startWrites('k', 15));

  await expectAppliedOnce([first, second], {
    ids: /^[wvyk]\d+$/,
    count: 60,
    pushedBefore: before,
    version: '?v=2',
  });
});
