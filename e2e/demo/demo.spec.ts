import { randomUUID } from 'node:crypto';
import { WorkerControl } from '../support/cdp.ts';
import { type Browser, expect, type Page, test } from '../support/test.ts';
import { DemoApp } from './app.ts';
import { newUser } from './people.ts';
import { useServedDemo } from './served-demo.ts';

const server = useServedDemo();

/** The demo opened on `page` and signed in as `name`. */
async function signIn(page: Page, name: string): Promise<DemoApp> {
  const app = new DemoApp(page);
  await app.signIn(server().url, name);
  return app;
}

/** A page in a browser context of its own: another device. */
async function newDevice(browser: Browser): Promise<Page> {
  return (await browser.newContext()).newPage();
}

async function serverTitles(token: string, model: 'Board' | 'Todo', field: 'name' | 'title') {
  return (await server().serverRecords(token))
    .filter((e) => e.model === model)
    .map((e) => String(e.record?.[field]))
    .sort();
}

test('an online write reaches the server', async ({ page }, testInfo) => {
  const user = await newUser(server(), 'online');
  const app = await signIn(page, user.name);
  // The engine runs in the worker, which claimed the page on its first visit.
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL))
    .toBe(`${server().url}/sw.js`);
  await app.snapshot(testInfo, 'empty-account');
  await app.addBoard('Groceries');
  await app.addTodo('Milk');
  await app.checkbox('Milk').check();

  await expect.poll(() => serverTitles(user.token, 'Board', 'name')).toEqual(['Groceries']);
  await expect
    .poll(
      async () =>
        (await server().serverRecords(user.token)).find((e) => e.model === 'Todo')?.record,
    )
    .toMatchObject({ title: 'Milk', done: true });
  await expect(app.status()).toHaveText('Synced');
  await app.snapshot(testInfo, 'synced');

  // Rename in place; a second board; the selection never toggles and survives a reload.
  await page.getByRole('button', { name: 'Rename Milk' }).click();
  await page.getByRole('textbox', { name: 'New title for Milk' }).fill('Oat milk');
  await page.keyboard.press('Enter');
  await expect(app.todo('Oat milk')).toBeVisible();
  await app.addBoard('Garden');
  await app.board('Groceries').click();
  await app.board('Groceries').click();
  await expect(app.board('Groceries')).toHaveAttribute('aria-current', 'true');
  await page.reload();
  await expect(app.board('Groceries')).toHaveAttribute('aria-current', 'true');
  await expect(app.todo('Oat milk')).toBeVisible();
  await expect
    .poll(
      async () =>
        (await server().serverRecords(user.token)).find((e) => e.model === 'Todo')?.record,
    )
    .toMatchObject({ title: 'Oat milk', done: true });
});

test('Escape cancels a rename, even after typing', async ({ page }) => {
  const user = await newUser(server(), 'escape');
  const app = await signIn(page, user.name);
  await app.addBoard('Groceries');
  await app.addTodo('Milk');
  await page.getByRole('button', { name: 'Rename Milk' }).click();
  await page.getByRole('textbox', { name: 'New title for Milk' }).fill('Oat milk');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('textbox', { name: 'New title for Milk' })).toHaveCount(0);
  await expect(app.todo('Milk')).toBeVisible();
  await expect(app.status()).toHaveText('Synced');
  await expect(app.todo('Oat milk')).toHaveCount(0);
  expect(await serverTitles(user.token, 'Todo', 'title')).toEqual(['Milk']);
});

test('offline writes survive a reload and a worker stop, then reach the server exactly once', async ({
  context,
  page,
}, testInfo) => {
  const user = await newUser(server(), 'offline');
  const app = await signIn(page, user.name);
  await app.addBoard('Trip');
  await app.allSent(user.dbName);

  await context.setOffline(true);
  await expect(app.status()).toContainText('Offline');
  await app.addTodo('Passport');
  await app.addTodo('Tickets');
  await app.addTodo('Charger');
  await expect(app.status()).toHaveText('Offline · 3 pending');
  await app.snapshot(testInfo, 'offline-pending');

  // The app shell comes from the worker's precache; the todos from IndexedDB.
  await page.reload({ timeout: 15_000 });
  for (const title of ['Passport', 'Tickets', 'Charger'])
    await expect(app.todo(title)).toBeVisible();
  await expect(app.status()).toHaveText('Offline · 3 pending');

  const workers = await WorkerControl.attach(context, page);
  await workers.stopAll();
  await app.addTodo('Adapter');
  await expect(app.status()).toHaveText('Offline · 4 pending');

  await context.setOffline(false);
  await expect
    .poll(() => serverTitles(user.token, 'Todo', 'title'), { timeout: 15_000 })
    .toEqual(['Adapter', 'Charger', 'Passport', 'Tickets']);
  await expect(app.status()).toHaveText('Synced', { timeout: 10_000 });
  // Exactly once: one record per title, each created by a single changelog entry.
  const todos = (await server().serverRecords(user.token)).filter((e) => e.model === 'Todo');
  expect(todos).toHaveLength(4);
  expect(todos.every((e) => e.version === 1)).toBe(true);
  await app.snapshot(testInfo, 'back-online');
});

test('two devices of one user see each other’s writes and deletes without a reload', async ({
  browser,
}) => {
  const user = await newUser(server(), 'tabs');
  const first = await signIn(await newDevice(browser), user.name);
  await first.addBoard('Shared');
  const second = await signIn(await newDevice(browser), user.name);
  // Each context is a device of its own: changes reach the other through the server.
  await expect(second.board('Shared')).toBeVisible({ timeout: 15_000 });

  await first.addTodo('Call mum');
  await expect(second.todo('Call mum')).toBeVisible({ timeout: 15_000 });
  await second.deleteTodo('Call mum');
  await expect(first.todo('Call mum')).toHaveCount(0, { timeout: 15_000 });
  await first.page.context().close();
  await second.page.context().close();
});

test('two users never see each other’s boards', async ({ browser }, testInfo) => {
  const alice = await newUser(server(), 'alice');
  const bob = await newUser(server(), 'bob');
  const aliceApp = await signIn(await newDevice(browser), alice.name);
  await aliceApp.addBoard('Alice secret');
  const bobApp = await signIn(await newDevice(browser), bob.name);
  await bobApp.addBoard('Bob plans');
  await expect.poll(() => serverTitles(alice.token, 'Board', 'name')).toEqual(['Alice secret']);
  await expect.poll(() => serverTitles(bob.token, 'Board', 'name')).toEqual(['Bob plans']);

  await bobApp.page.reload();
  await expect(bobApp.board('Bob plans')).toBeVisible();
  await expect(bobApp.board('Alice secret')).toHaveCount(0);
  await expect(aliceApp.board('Bob plans')).toHaveCount(0);
  await bobApp.snapshot(testInfo, 'second-user');
  await aliceApp.page.context().close();
  await bobApp.page.context().close();
});

test('a change the server rejects is rolled back with a message, and later writes sync', async ({
  context,
  page,
}, testInfo) => {
  const user = await newUser(server(), 'rejected');
  const app = await signIn(page, user.name);
  await app.addBoard('Doomed');
  await app.addBoard('Kept');
  await expect.poll(() => serverTitles(user.token, 'Board', 'name')).toEqual(['Doomed', 'Kept']);

  // Offline, a todo goes into a board that another device deletes meanwhile.
  await context.setOffline(true);
  await app.board('Doomed').click();
  await app.addTodo('Orphan');
  const doomed = (await server().serverRecords(user.token)).find(
    (e) => e.record?.name === 'Doomed',
  );
  const results = await server().push(user.token, [
    {
      id: randomUUID(),
      entityType: 'Board',
      operation: 'delete',
      entityKeyPath: doomed!.keyPath,
      payload: null,
      createdAt: new Date().toISOString(),
    },
  ]);
  expect(results[0]?.error).toBeNull();

  await context.setOffline(false);
  // The toast names the item and says why, once.
  const told = page
    .getByRole('alert')
    .filter({ hasText: '‘Orphan’ was not saved: its board was deleted on another device.' });
  await expect(told).toBeVisible({ timeout: 15_000 });
  await expect(told).toHaveCount(1);
  await app.snapshot(testInfo, 'rejected');
  await expect(app.todo('Orphan')).toHaveCount(0);
  await expect(app.board('Doomed')).toHaveCount(0);

  await app.board('Kept').click();
  await app.addTodo('Still syncing');
  await expect
    .poll(() => serverTitles(user.token, 'Todo', 'title'), { timeout: 10_000 })
    .toEqual(['Still syncing']);
  await expect(app.status()).toHaveText('Synced');
});

test('the initial sync of a large account shows its progress', async ({
  context,
  page,
}, testInfo) => {
  const user = await newUser(server(), 'large');
  const createdAt = new Date().toISOString();
  const boardId = `big-${user.userId}`;
  const make = (entityType: string, payload: Record<string, unknown>) => ({
    id: randomUUID(),
    entityType,
    operation: 'create' as const,
    payload,
    createdAt,
  });
  await server().push(user.token, [
    make('Board', { id: boardId, name: 'Archive', userId: user.userId, createdAt }),
  ]);
  const total = 2000;
  for (let batch = 0; batch < total / 100; batch++) {
    const events = Array.from({ length: 100 }, (_, i) => {
      const n = batch * 100 + i;
      const at = new Date(Date.parse(createdAt) + n).toISOString();
      return make('Todo', {
        id: `${boardId}-${n}`,
        boardId,
        title: `Item ${n}`,
        done: false,
        createdAt: at,
        updatedAt: at,
      });
    });
    const results = await server().push(user.token, events);
    expect(results.every((r) => r.error === null)).toBe(true);
  }

  // The first pull page goes through; the later ones wait until the progress was seen (the
  // worker's requests go through the context's routes), however fast this machine is.
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let pages = 0;
  await context.route('**/api/sync/pull', async (route) => {
    if (pages++ > 0) await held;
    await route.continue();
  });
  // Every text the page ever shows is recorded, from the first one: an empty state that
  // flashes for a moment would be caught.
  await page.addInitScript(() => {
    const seen = new Set<string>();
    (window as unknown as { seenTexts: Set<string> }).seenTexts = seen;
    new MutationObserver(() => {
      // biome-ignore lint/performance/useDomNodeTextContent: only text on screen counts.
      const onScreen = document.body?.innerText ?? '';
      for (const text of ['No board yet', 'Create your first board', 'Nothing to do here yet'])
        if (onScreen.includes(text)) seen.add(text);
    }).observe(document, { childList: true, subtree: true, characterData: true });
  });
  const app = await signIn(page, user.name);
  const progress = page.getByRole('progressbar', { name: 'Initial sync' });
  await expect(progress).toBeVisible({ timeout: 10_000 });
  // The server says how many the first sync brings: 2,000 todos and their board.
  await expect(progress).toHaveAttribute('aria-valuetext', /^[1-9][\d,]* of 2,001 records$/);
  // In words, where everyone sees it, and in the status line.
  await expect(page.getByText(/^Syncing your data: [1-9][\d,]* of 2,001 records$/)).toBeVisible();
  await expect(app.status()).toHaveText('Syncing');
  await expect(page.locator('.pill .detail')).toHaveText(/^[1-9][\d,]*\/2,001$/);
  await app.snapshot(testInfo, 'initial-sync');
  release();
  await expect(progress).toBeHidden({ timeout: 30_000 });
  await expect(page.getByText('2,000 open · 0 done')).toBeVisible({ timeout: 15_000 });
  await expect(app.status()).toHaveText('Synced');
  expect(
    await page.evaluate(() => [...(window as unknown as { seenTexts: Set<string> }).seenTexts]),
  ).toEqual([]);
});
