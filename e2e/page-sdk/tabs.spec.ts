import { expect, type Page, test } from '../support/test.ts';
import { usePageSdkServer } from './fixtures/server.ts';
import { type FixtureWindow, installTodoOf, openClient } from './helpers.ts';

const server = usePageSdkServer();
test.beforeEach(async ({ context }) => {
  await installTodoOf(context);
});

/** Pokes the worker got from a stream: a (re)connect's (`authorized`) and each poke event's. */
const pokes = (page: Page) =>
  page
    .context()
    .serviceWorkers()[0]
    ?.evaluate(() => {
      const { calls } = (self as unknown as { stats: { calls: Record<string, number> } }).stats;
      return (calls['poke:poke'] ?? 0) + (calls['poke:authorized'] ?? 0);
    });

test('a write in one tab updates a live query in the other', async ({ context, page }) => {
  const options = { endpoint: '/api/sync', dbName: 'tabs', realtime: false };
  await openClient(page, server().url, options);
  const other = await context.newPage();
  await openClient(other, server().url, options);

  await other.evaluate(() => {
    const w = window as unknown as FixtureWindow & { seen: string[][] };
    w.seen = [];
    w.client
      .liveQuery((db) => db.Todo.where('boardId').equals('b1').toArray())
      .subscribe((rows) => w.seen.push(rows.map((r) => r.title)));
  });
  await expect
    .poll(() => other.evaluate(() => (window as unknown as { seen: string[][] }).seen))
    .toEqual([[]]);

  await page.evaluate(async () => {
    const { client } = window as unknown as FixtureWindow;
    await client.Todo.create(todoOf('t1', 'Milk'));
    await client.transaction((tx) => {
      tx.Todo.create(todoOf('t2', 'Bread'));
      tx.Todo.update('t1', { title: 'Oat milk' });
    });
  });
  await expect
    .poll(() => other.evaluate(() => (window as unknown as { seen: string[][] }).seen.at(-1)))
    .toEqual(['Oat milk', 'Bread']);
  // A change of another board's model only re-runs queries that read that model.
  const runs = await other.evaluate(() => (window as unknown as { seen: string[][] }).seen.length);
  expect(runs).toBeLessThanOrEqual(3);
});

test('one tab holds the realtime stream, pokes the worker, reconnects, and hands over when closed', async ({
  context,
}) => {
  const options = { endpoint: '/api/sync', dbName: 'realtime' };
  const first = await context.newPage();
  await openClient(first, server().url, options);
  const second = await context.newPage();
  await openClient(second, server().url, options);

  await expect.poll(() => server().streams()).toEqual({ open: 1, opened: 1 });
  // The (re)connect itself pokes: pokes may have been missed while disconnected.
  await expect.poll(() => pokes(first)).toBe(1);
  server().poke();
  await expect.poll(() => pokes(first)).toBe(2);

  // The stream drops: the tab reconnects (with backoff) and pulls, since pokes may be lost.
  server().dropStreams();
  await expect.poll(() => server().streams(), { timeout: 15_000 }).toEqual({ open: 1, opened: 2 });
  await expect.poll(() => pokes(first)).toBe(3);

  await first.close();
  await expect.poll(() => server().streams()).toEqual({ open: 1, opened: 3 });
  await expect.poll(() => pokes(second)).toBe(4);
  server().poke();
  await expect.poll(() => pokes(second)).toBe(5);
});

test('every tab pokes the worker when it comes online or becomes visible', async ({ page }) => {
  await openClient(page, server().url, { endpoint: '/api/sync', dbName: 'pokes', realtime: true });
  await page.evaluate(() => {
    window.dispatchEvent(new Event('online'));
    document.dispatchEvent(new Event('visibilitychange'));
  });
  const calls = () =>
    page
      .context()
      .serviceWorkers()[0]
      ?.evaluate(() => {
        const { calls } = (self as unknown as { stats: { calls: Record<string, number> } }).stats;
        return [calls['poke:online'], calls['poke:visible']];
      });
  await expect.poll(calls).toEqual([1, 1]);
});
