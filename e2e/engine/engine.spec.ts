import { type FixtureWindow, openClient } from '../page-sdk/helpers.ts';
import { WorkerControl } from '../support/cdp.ts';
import type { DemoServer } from '../support/demo-server.ts';
import { type BrowserContext, expect, type Page, test } from '../support/test.ts';
import { startEngineFixture } from './demo-fixture.ts';

let fixture: DemoServer;
test.beforeAll(async () => {
  fixture = await startEngineFixture();
});
test.afterAll(async () => {
  await fixture?.close();
});

const createdAt = '2026-11-24T10:00:00.000Z';

/** Signs `user` in (session cookie in the context, as the demo does) and opens a client. */
async function signedInClient(context: BrowserContext, user: string) {
  const { userId, token } = await fixture.login(user);
  await context.request.post(`${fixture.url}/api/login`, { data: { user } });
  const page = await context.newPage();
  await openClient(page, fixture.url, { endpoint: '/api/sync', dbName: `db-${userId}` });
  return { page, userId, token };
}

const createBoard = (page: Page, board: { id: string; name: string; userId: string }) =>
  page.evaluate(
    (b) =>
      (window as unknown as FixtureWindow).client.Board.create({ ...b, createdAt: b.createdAt }),
    { ...board, createdAt },
  );

async function serverBoardNames(token: string): Promise<string[]> {
  const records = await fixture.serverRecords(token);
  return records
    .filter((e) => e.model === 'Board')
    .map((e) => String(e.record?.name))
    .sort();
}

test('the worker registers, activates and controls the page on its first visit', async ({
  context,
}) => {
  const { page } = await signedInClient(context, 'ada');
  const state = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return {
      active: registration.active?.state,
      controlled: navigator.serviceWorker.controller !== null,
      backgroundSync: 'sync' in registration,
    };
  });
  expect(state).toEqual({ active: 'activated', controlled: true, backgroundSync: true });
});

test('a write made offline is pushed by Background Sync once online, with no page left', async ({
  context,
}) => {
  const { page, userId, token } = await signedInClient(context, 'grace');
  await context.setOffline(true);
  await createBoard(page, { id: `off-${userId}`, name: 'Written offline', userId });
  // The engine's offline run after the write registers the tag.
  const tags = () =>
    page.evaluate(async () => {
      const registration = (await navigator.serviceWorker.ready) as ServiceWorkerRegistration & {
        sync: { getTags(): Promise<string[]> };
      };
      return registration.sync.getTags();
    });
  await expect.poll(tags).toContain('swsync');
  expect(await serverBoardNames(token)).toEqual([]);

  // No page may trigger the push: the browser wakes the worker for the sync tag.
  await page.close();
  await context.setOffline(false);
  await expect
    .poll(() => serverBoardNames(token), { timeout: 15_000 })
    .toEqual(['Written offline']);
});

test('after the worker is stopped, the next write and the pending queue go through', async ({
  context,
}) => {
  const { page, userId, token } = await signedInClient(context, 'linus');
  const workers = await WorkerControl.attach(context, page);
  const pending = async () =>
    (await page.evaluate(() => (window as unknown as FixtureWindow).client.status.getSnapshot()))
      ?.pending;

  await createBoard(page, { id: `a-${userId}`, name: 'A online', userId });
  await expect.poll(() => serverBoardNames(token)).toEqual(['A online']);

  // A queue built offline; the worker stopped while it holds it; the next write wakes it.
  // (Playwright applies setOffline only to running workers, so the worker is woken before the
  // network comes back: BROWSER-TESTING.md.)
  await context.setOffline(true);
  await createBoard(page, { id: `b-${userId}`, name: 'B queued', userId });
  await createBoard(page, { id: `c-${userId}`, name: 'C queued', userId });
  await workers.stopAll();
  expect(workers.isRunning()).toBe(false);
  await createBoard(page, { id: `d-${userId}`, name: 'D after stop', userId });
  await expect.poll(pending).toBe(3);

  await context.setOffline(false);
  await expect
    .poll(() => serverBoardNames(token), { timeout: 15_000 })
    .toEqual(['A online', 'B queued', 'C queued', 'D after stop']);

  // Stopped again, online this time: a write restarts it and still reaches the server once.
  await workers.stopAll();
  await createBoard(page, { id: `e-${userId}`, name: 'E after stop', userId });
  await expect
    .poll(() => serverBoardNames(token), { timeout: 15_000 })
    .toEqual(['A online', 'B queued', 'C queued', 'D after stop', 'E after stop']);
  await expect.poll(pending).toBe(0);
});
