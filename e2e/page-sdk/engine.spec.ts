import { WorkerControl } from '../support/cdp.ts';
import { expect, test } from '../support/test.ts';
import { usePageSdkServer } from './fixtures/server.ts';
import {
  type FixtureWindow,
  installTodoOf,
  openClient,
  rawStore,
  seenTodoIds,
  todo,
  watchTodoIds,
} from './helpers.ts';

const server = usePageSdkServer();
test.beforeEach(async ({ context }) => {
  await installTodoOf(context);
});

const options = {
  endpoint: '/api/sync',
  dbName: 'engine',
  worker: '/engine-sw.js',
  realtime: false,
};
const board = { id: 'b1', name: 'Home', userId: 'u1', createdAt: '2026-01-01T00:00:00Z' };

test('two tabs share one engine in the worker: one push per write, live in both', async ({
  context,
}) => {
  const first = await context.newPage();
  await openClient(first, server().url, options);
  const second = await context.newPage();
  await openClient(second, server().url, options);
  const before = server().pushed().length;

  await watchTodoIds(first);
  await second.evaluate(
    (b) =>
      (window as unknown as FixtureWindow).client.transaction((tx) => {
        tx.Board.create(b);
        tx.Todo.create(todoOf('t1'));
      }),
    board,
  );
  await first.evaluate(() => (window as unknown as FixtureWindow).client.Todo.create(todoOf('t2')));

  await expect.poll(() => seenTodoIds(first)).toEqual(['t1', 't2']);
  await expect.poll(() => server().pushed().length - before).toBe(3);
  // Nothing pushed twice, even with two tabs open: a further sync run pushes nothing.
  await second.evaluate(() => (window as unknown as FixtureWindow).client.syncNow());
  const pushed = server().pushed().slice(before);
  expect(new Set(pushed).size).toBe(pushed.length);
  expect(pushed).toHaveLength(3);
});

test('the real host answers after the worker was stopped', async ({ context, page }) => {
  await openClient(page, server().url, options);
  const control = await WorkerControl.attach(context, page);
  await page.evaluate((b) => (window as unknown as FixtureWindow).client.Board.create(b), board);
  await expect.poll(() => control.isRunning()).toBe(true);
  await control.stopAll();
  await page.evaluate(() => (window as unknown as FixtureWindow).client.Todo.create(todoOf('t9')));
  const status = await page.evaluate(() => (window as unknown as FixtureWindow).client.syncNow());
  expect(status.pending).toBe(0);
  expect(
    await page.evaluate(
      async () => (await (window as unknown as FixtureWindow).client.Todo.get('t9'))?.id,
    ),
  ).toBe('t9');
});

test('a page that opens a new database starts its initial sync at once, not at the next timer', async ({
  browser,
  context,
}) => {
  const writer = await context.newPage();
  await openClient(writer, server().url, options);
  await writer.evaluate(async (b) => {
    const { client } = window as unknown as FixtureWindow;
    await client.Board.create(b);
    await client.Todo.create(todoOf('t-first'));
    await client.syncNow();
  }, board);
  // Another browser profile: a fresh worker and a database that never synced. Realtime is off,
  // so no poke starts the sync; the engine's timer is 30 s away.
  const fresh = await browser.newContext();
  try {
    await installTodoOf(fresh);
    const page = await fresh.newPage();
    await openClient(page, server().url, options);
    await expect
      .poll(() =>
        page.evaluate(
          async () => (await (window as unknown as FixtureWindow).client.Todo.get('t-first'))?.id,
        ),
      )
      .toBe('t-first');
  } finally {
    await fresh.close();
  }
});

test('a change a stopped worker committed but never announced shows once the next engine opens', async ({
  context,
  page,
}) => {
  await openClient(page, server().url, options);
  const control = await WorkerControl.attach(context, page);
  await page.evaluate(async (b) => {
    const { client } = window as unknown as FixtureWindow;
    await client.transaction((tx) => {
      tx.Board.create(b);
      tx.Todo.create(todoOf('t1'));
    });
  }, board);
  await watchTodoIds(page);
  await expect.poll(() => seenTodoIds(page)).toContain('t1');
  // What a worker stopped between a commit and its change broadcast leaves: the record is
  // stored, and no page heard of it.
  await rawStore(page, 'engine', 'Todo', [todo('t2')]);
  await control.stopAll();
  await page.evaluate(() => (window as unknown as FixtureWindow).client.syncNow());
  await expect.poll(() => seenTodoIds(page)).toContain('t2');
});
