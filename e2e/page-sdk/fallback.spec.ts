import { expect, test } from '../support/test.ts';
import { usePageSdkServer } from './fixtures/server.ts';
import {
  type FixtureWindow,
  installTodoOf,
  openClient,
  seenTodoIds,
  watchTodoIds,
} from './helpers.ts';

const server = usePageSdkServer();

test('without navigator.serviceWorker the engine runs in one leader tab', async ({ context }) => {
  await installTodoOf(context);
  await context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'serviceWorker', { get: () => undefined });
  });
  const options = { endpoint: '/api/sync', dbName: 'fallback', realtime: false };
  const leader = await context.newPage();
  await openClient(leader, server().url, options);
  const follower = await context.newPage();
  await openClient(follower, server().url, options);

  const status = await follower.evaluate(() => {
    const s = (window as unknown as FixtureWindow).client.status.getSnapshot();
    return { mode: s?.mode, reason: s?.fallbackReason };
  });
  expect(status).toEqual({ mode: 'page', reason: 'no-service-worker' });
  expect(await leader.evaluate(() => navigator.serviceWorker)).toBeUndefined();
  // One engine: the first tab holds the engine lock, the second waits for it.
  const locks = await follower.evaluate(async () => {
    const { held = [], pending = [] } = await navigator.locks.query();
    const named = (l: LockInfo) => l.name === 'swsync:engine:fallback';
    return { held: held.filter(named).length, pending: pending.filter(named).length };
  });
  expect(locks).toEqual({ held: 1, pending: 1 });

  await watchTodoIds(leader);
  await leader.evaluate(() =>
    (window as unknown as FixtureWindow).client.Todo.create(todoOf('t1')),
  );
  // The follower's write is forwarded to the leader's engine.
  await follower.evaluate(() =>
    (window as unknown as FixtureWindow).client.Todo.create(todoOf('t2')),
  );

  await expect.poll(() => seenTodoIds(leader)).toEqual(['t1', 't2']);
  const inFollower = await follower.evaluate(async () =>
    (await (window as unknown as FixtureWindow).client.Todo.list()).map((t) => t.id),
  );
  expect(inFollower).toEqual(['t1', 't2']);
  // One engine: each write pushed once, not once per tab.
  await expect.poll(() => server().pushed().length).toBe(2);
  expect(new Set(server().pushed()).size).toBe(2);
  // Stored as pushed before the leader goes: a tab closed between the server's answer and
  // that commit leaves the write for the next engine to push again (at least once, by design).
  await expect
    .poll(() =>
      leader.evaluate(
        () => (window as unknown as FixtureWindow).client.status.getSnapshot()?.pending,
      ),
    )
    .toBe(0);

  // The leader closes: the follower takes the lock and runs the engine itself.
  await leader.close();
  await follower.evaluate(() =>
    (window as unknown as FixtureWindow).client.Todo.create(todoOf('t3')),
  );
  const after = await follower.evaluate(async () => {
    const { held = [] } = await navigator.locks.query();
    const ids = (await (window as unknown as FixtureWindow).client.Todo.list()).map((t) => t.id);
    return { ids, held: held.filter((l) => l.name === 'swsync:engine:fallback').length };
  });
  expect(after).toEqual({ ids: ['t1', 't2', 't3'], held: 1 });
  await expect.poll(() => server().pushed().length).toBe(3);
});

test('a failed registration falls back to the page and says why', async ({ context, page }) => {
  await installTodoOf(context);
  await openClient(page, server().url, {
    endpoint: '/api/sync',
    dbName: 'no-worker-script',
    worker: '/missing-sw.js',
    realtime: false,
  });
  const outcome = await page.evaluate(async () => {
    const { client } = window as unknown as FixtureWindow;
    await client.Todo.create(todoOf('f1'));
    const s = client.status.getSnapshot();
    return { mode: s?.mode, reason: s?.fallbackReason, got: (await client.Todo.get('f1'))?.id };
  });
  expect(outcome).toEqual({ mode: 'page', reason: 'registration-failed', got: 'f1' });
});

test('a worker that throws at evaluation: the status names the script and the failure', async ({
  context,
  page,
}) => {
  await installTodoOf(context);
  await openClient(page, server().url, {
    endpoint: '/api/sync',
    dbName: 'broken-worker-script',
    worker: '/broken-sw.js',
    realtime: false,
  });
  const outcome = await page.evaluate(async () => {
    const { client } = window as unknown as FixtureWindow;
    await client.Todo.create(todoOf('b1'));
    const s = client.status.getSnapshot();
    return { mode: s?.mode, reason: s?.fallbackReason, error: s?.fallbackError ?? '' };
  });
  expect(outcome).toMatchObject({ mode: 'page', reason: 'registration-failed' });
  // Chromium's words: "... with script ('…/broken-sw.js'): ServiceWorker script evaluation failed".
  expect(outcome.error).toMatch(/^\/broken-sw\.js: .*evaluation failed/);
});

test('a worker whose install fails: calls reject at once and say it became redundant', async ({
  page,
}) => {
  await page.goto(server().url);
  const error = await page.evaluate(async () => {
    const w = window as unknown as FixtureWindow;
    const client = w.sdk.createClient({
      schema: w.demoSchema,
      endpoint: '/api/sync',
      dbName: 'failing-install',
      worker: '/failing-install-sw.js',
      realtime: false,
    });
    try {
      await client.syncNow();
      return null;
    } catch (e) {
      return { name: (e as Error).name, message: (e as Error).message };
    } finally {
      client.close();
    }
  });
  expect(error?.name).toBe('UnavailableError');
  expect(error?.message).toContain('became redundant');
});

test('an install cut short is tried again: the page reaches the worker without a reload', async ({
  page,
}) => {
  await installTodoOf(page);
  await page.goto(server().url);
  const outcome = await page.evaluate(async () => {
    const w = window as unknown as FixtureWindow;
    const client = w.sdk.createClient({
      schema: w.demoSchema,
      endpoint: '/api/sync',
      dbName: 'cut-install',
      worker: '/cut-install-sw.js',
      realtime: false,
    });
    try {
      await client.Todo.create(todoOf('c1'));
      const registration = await navigator.serviceWorker.getRegistration('/cut-install-sw.js');
      return {
        stored: (await client.Todo.get('c1'))?.id ?? null,
        mode: client.status.getSnapshot()?.mode,
        active: registration?.active?.state ?? null,
        tries: (await (await caches.open('cut-install')).match('/tried')) !== undefined,
      };
    } finally {
      client.close();
    }
  });
  // The first install failed (its mark is there), the one the client asked for took over.
  expect(outcome).toEqual({
    stored: 'c1',
    mode: 'service-worker',
    active: 'activated',
    tries: true,
  });
});
