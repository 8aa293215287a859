import { randomUUID } from 'node:crypto';
import { expect, test } from '../support/test.ts';
import { DemoApp } from './app.ts';
import { useServedDemo } from './served-demo.ts';

const server = useServedDemo();

// The realtime stream is held by a page, so its requests are the page's to route: here a proxy
// accepts every /events request (200, headers, the server's first comment) and ends it at once,
// as a buffering proxy or a draining instance does. Such a stream must back off like any
// failure (1 s base, 30 s cap, full jitter: about five tries in 12 s at most), not reconnect
// every half second because it "opened".
test('a stream accepted and cut at once is retried with backoff, not in a loop', async ({
  context,
  page,
}) => {
  let events = 0;
  await context.route(/\/api\/sync\/events/, (route) => {
    events++;
    return route.fulfill({
      status: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
      body: ': connected\n\n',
    });
  });
  const name = `rt-${randomUUID().slice(0, 8)}`;
  const app = new DemoApp(page);
  await app.signIn(server().url, name);
  await expect(app.status()).toHaveText('Synced');
  const before = events;
  await page.waitForTimeout(12_000);
  expect(events - before).toBeLessThanOrEqual(6);
});
