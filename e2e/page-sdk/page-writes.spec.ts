import type { Page } from '@playwright/test';
import { WorkerControl } from '../support/cdp.ts';
import { holdDatabase, releaseDatabase } from '../support/held-database.ts';
import { expect, test } from '../support/test.ts';
import { usePageSdkServer } from './fixtures/server.ts';
import {
  type FixtureWindow,
  installTodoOf,
  liveErrorCodes,
  openClient,
  rawStore,
  seenTodoIds,
  watchTodoIds,
} from './helpers.ts';

// Writes commit in the page, on its own IndexedDB connection, with the engine's write path; the
// worker hears of them afterwards and pushes them. A page that cannot write there (another
// release's schema, a removed database) hands the write to the worker, as every write went
// before.

const server = usePageSdkServer();
test.beforeEach(async ({ context }) => {
  await installTodoOf(context);
});

const options = {
  endpoint: '/api/sync',
  dbName: 'page-writes',
  worker: '/engine-sw.js',
  realtime: false,
};
const board = { id: 'b1', name: 'Home', userId: 'u1', createdAt: '2026-01-01T00:00:00Z' };

const rowsOf = (page: Page, store: string) => rawStore(page, options.dbName, store);

test('a write commits while the worker is stopped; told afterwards, the worker pushes it', async ({
  context,
  page,
}) => {
  await openClient(page, server().url, options);
  const control = await WorkerControl.attach(context, page);
  await page.evaluate(async (b) => {
    const { client } = window as unknown as FixtureWindow;
    await client.Board.create(b);
    await client.syncNow();
  }, board);
  await watchTodoIds(page);
  const before = server().pushed().length;
  await control.stopAll();
  expect(await control.isRunning()).toBe(false);

  await page.evaluate(() => (window as unknown as FixtureWindow).client.Todo.create(todoOf('t1')));
  // Committed in the page: no receipt, which only a write through the worker leaves.
  expect(await rowsOf(page, 'receipts')).toEqual([]);
  await expect.poll(() => seenTodoIds(page)).toEqual(['t1']);
  // The page's word woke the worker, which pushed the write without any other trigger.
  await expect.poll(() => server().pushed().length - before).toBe(1);
  await expect
    .poll(() =>
      page.evaluate(
        () => (window as unknown as FixtureWindow).client.status.getSnapshot()?.pending,
      ),
    )
    .toBe(0);
});

test('offline, the pending count the worker broadcasts includes the page’s writes', async ({
  context,
  page,
}) => {
  await openClient(page, server().url, options);
  const before = server().pushed().length;
  await context.setOffline(true);
  await page.evaluate(async (b) => {
    const { client } = window as unknown as FixtureWindow;
    await client.Board.create(b);
    await client.Todo.create(todoOf('t1'));
  }, board);
  await expect
    .poll(() =>
      page.evaluate(
        () => (window as unknown as FixtureWindow).client.status.getSnapshot()?.pending,
      ),
    )
    .toBe(2);
  await context.setOffline(false);
  await page.evaluate(() => (window as unknown as FixtureWindow).client.syncNow());
  await expect.poll(() => server().pushed().length - before).toBe(2);
});

test('a page of a release with another schema writes through the worker', async ({ page }) => {
  await openClient(page, server().url, options);
  const before = server().pushed().length;
  await page.evaluate(async (b) => {
    const w = window as unknown as FixtureWindow;
    w.client.close();
    // The same store layout (hash) but a model accepting other values: what a page of
    // another release may carry. The worker's schema must check its writes.
    const schema: typeof w.demoSchema = Object.create(w.demoSchema, {
      fingerprint: { value: `${w.demoSchema.hash}.another-release` },
    });
    w.client = w.sdk.createClient({
      schema,
      endpoint: '/api/sync',
      dbName: 'page-writes',
      worker: '/engine-sw.js',
      realtime: false,
    });
    await w.client.Board.create(b);
    await w.client.Todo.create(todoOf('t1'));
  }, board);
  // Written by the worker: one receipt per write.
  expect(await rowsOf(page, 'receipts')).toHaveLength(2);
  expect(await rowsOf(page, 'Todo')).toEqual([expect.objectContaining({ id: 't1' })]);
  await page.evaluate(() => (window as unknown as FixtureWindow).client.syncNow());
  expect(server().pushed().length - before).toBe(2);
});

test('a write in a tab whose database another tab removed is refused and does not bring it back', async ({
  context,
  page,
}) => {
  await openClient(page, server().url, options);
  const other = await context.newPage();
  await openClient(other, server().url, options);
  await page.evaluate((b) => (window as unknown as FixtureWindow).client.Board.create(b), board);

  await other.evaluate(() => (window as unknown as FixtureWindow).client.forget());
  const refused = await page.evaluate(() =>
    (window as unknown as FixtureWindow).client.Todo.create(todoOf('t1')).then(
      () => null,
      (error: { code?: string }) => error.code,
    ),
  );
  expect(refused).toBe('UNKNOWN_DATABASE');
  // Reads neither: the page's connection opens no database that is not there.
  expect(
    await page.evaluate(() => (window as unknown as FixtureWindow).client.Todo.list()),
  ).toEqual([]);
  const names = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
  expect(names).not.toContain(options.dbName);
});

test('a write and a read while another context holds up the database’s upgrade settle, and work again once it is over', async ({
  context,
  page,
}) => {
  await openClient(page, server().url, { ...options, timeoutMs: 1_000, attempts: 2 });
  await page.evaluate((b) => (window as unknown as FixtureWindow).client.Board.create(b), board);
  const other = await context.newPage();
  await other.goto(server().url);
  // The page's own connection makes way for the upgrade waiting in the other page, and opening
  // it again waits until the upgrade is over.
  await holdDatabase(other, options.dbName);
  const outcomes = await page.evaluate(() => {
    const { client } = window as unknown as FixtureWindow;
    const settled = (p: Promise<unknown>) =>
      Promise.race([
        p.then(
          () => 'resolved',
          (error: { code?: string }) => error.code,
        ),
        new Promise((resolve) => setTimeout(() => resolve('pending after 20 s'), 20_000)),
      ]);
    return Promise.all([
      settled(client.Todo.create(todoOf('held-up'))),
      settled(client.Board.get('b1')),
    ]);
  });
  // Both give up after the client's timeout. The write is not handed to the worker, whose own
  // connection waits on the same hold: it wrote nothing, and nothing writes it later.
  expect(outcomes).toEqual(['UNAVAILABLE', 'UNAVAILABLE']);
  // A live query started now fails its first read, and reads again once the database opens.
  await watchTodoIds(page);
  await expect.poll(() => liveErrorCodes(page)).toEqual(['UNAVAILABLE']);
  expect(await seenTodoIds(page)).toBeUndefined();

  await releaseDatabase(other);
  await expect
    .poll(() => page.evaluate(() => (window as unknown as FixtureWindow).client.Board.get('b1')))
    .toEqual(board);
  await expect.poll(() => seenTodoIds(page)).toBeDefined();
  await page.evaluate(() =>
    (window as unknown as FixtureWindow).client.Todo.create(todoOf('after-hold')),
  );
  await expect.poll(() => seenTodoIds(page)).toContain('after-hold');
  // Once the worker has run (its queue drained), the write made during the hold is nowhere
  // (other tests' todos come from the shared server).
  await page.evaluate(() => (window as unknown as FixtureWindow).client.syncNow());
  const todos = (await rowsOf(page, 'Todo')) as { id: string }[];
  expect(todos.map((t) => t.id)).toContain('after-hold');
  expect(todos.map((t) => t.id)).not.toContain('held-up');
});
