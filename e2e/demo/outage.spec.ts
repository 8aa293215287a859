import { randomUUID } from 'node:crypto';
import { WorkerControl } from '../support/cdp.ts';
import { type BrowserContext, expect, type Page, type Route, test } from '../support/test.ts';
import { DemoApp } from './app.ts';
import { useServedDemo } from './served-demo.ts';

const server = useServedDemo();

const SYNC_ROUTES = /\/api\/sync\/(push|pull)$/;

/**
 * Makes the sync routes fail for every request of the context (the worker's included) and
 * counts the requests that reach them. Returns a function that ends the outage.
 */
async function outage(context: BrowserContext, fail: (route: Route) => Promise<void>) {
  const seen = { requests: 0 };
  const handler = async (route: Route) => {
    seen.requests++;
    await fail(route);
  };
  await context.route(SYNC_ROUTES, handler);
  return { seen, end: () => context.unroute(SYNC_ROUTES, handler) };
}

/** Every text the status element shows from now on, in order (no sample can miss a flicker). */
async function recordStatusTexts(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const element = document.querySelector('[role="status"]')!;
    const texts: string[] = [element.textContent ?? ''];
    new MutationObserver(() => {
      const text = element.textContent ?? '';
      if (texts.at(-1) !== text) texts.push(text);
    }).observe(element, { childList: true, characterData: true, subtree: true });
    (window as unknown as { statusTexts: string[] }).statusTexts = texts;
  });
  return () => page.evaluate(() => (window as unknown as { statusTexts: string[] }).statusTexts);
}

const unavailable =
  (headers: Record<string, string> = {}) =>
  (route: Route) =>
    route.fulfill({
      status: 503,
      contentType: 'application/json',
      headers,
      body: JSON.stringify({ error: 'the database is unavailable, retry later' }),
    });

const cases: {
  name: string;
  fail: (route: Route) => Promise<void>;
  seconds: number;
  most: number;
}[] = [
  // 1 s base, full jitter: over 20 s about 5 tries are expected; 12 would need a run of
  // near-zero jitter draws (the Node suite pins the exact schedule).
  { name: '503', fail: unavailable(), seconds: 20, most: 12 },
  // The first try, then nothing for 30 s.
  {
    name: '503 with Retry-After: 30',
    fail: unavailable({ 'retry-after': '30' }),
    seconds: 12,
    most: 2,
  },
  {
    name: 'connection resets',
    fail: (route) => route.abort('connectionreset'),
    seconds: 12,
    most: 10,
  },
];

for (const { name, fail, seconds, most } of cases) {
  test(`sync routes failing (${name}): a handful of requests, "Retrying" shown, Retry now recovers`, async ({
    context,
    page,
  }, testInfo) => {
    test.setTimeout(30_000 + seconds * 1000);
    const userName = `outage-${randomUUID().slice(0, 8)}`;
    const user = await server().login(userName);
    const app = new DemoApp(page);
    await app.signIn(server().url, userName);
    await app.addBoard('Outage');
    await expect(app.status()).toHaveText('Synced');
    const workers = await WorkerControl.attach(context, page);
    const texts = await recordStatusTexts(page);

    const down = await outage(context, fail);
    await app.addTodo('First');
    await app.addTodo('Second');
    await expect(app.status()).toContainText('Retrying');
    await expect(app.status()).toContainText('2 pending');

    // Every other trigger there is, every second: Background Sync events, the page's `online`
    // and `visible` pokes. None may reach the server before the scheduled retry.
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
      await workers.dispatchSync(server().url, 'swsync');
      await page.evaluate(() => {
        window.dispatchEvent(new Event('online'));
        document.dispatchEvent(new Event('visibilitychange'));
      });
      await page.waitForTimeout(1000);
    }
    const requests = down.seen.requests;
    testInfo.annotations.push({ type: 'requests', description: `${requests} in ${seconds} s` });
    expect(requests).toBeGreaterThanOrEqual(1);
    expect(requests).toBeLessThanOrEqual(most);
    await expect(app.status()).toHaveText('Retrying · 2 pending');
    await expect(page.locator('.pill .detail')).toHaveText(
      /^(next try in \d+ (s|min)|trying now)$/,
    );
    await app.snapshot(testInfo, `retrying-${name.replace(/\W+/g, '-')}`);
    // Settled: once it said "Retrying", it kept saying so (no flip to "Syncing" and back).
    const shown = await texts();
    const first = shown.findIndex((t) => t.includes('Retrying'));
    expect(shown.slice(first).filter((t) => !t.includes('Retrying'))).toEqual([]);

    // The user's explicit ask is the one thing that skips the wait.
    await down.end();
    await page.getByRole('button', { name: 'Retry now' }).click();
    await expect(app.status()).toHaveText('Synced', { timeout: 15_000 });
    await expect(page.getByRole('button', { name: 'Retry now' })).toBeHidden();
    const titles = (await server().serverRecords(user.token))
      .filter((e) => e.model === 'Todo')
      .map((e) => e.record?.title)
      .sort();
    expect(titles).toEqual(['First', 'Second']);
  });
}
