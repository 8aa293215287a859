// The reply ports (page-sdk/transport/reply-ports.ts) in Chromium: a stopped worker loses the
// ports it held, every tab must get askPort and give a new one, and no call may need a timeout.
import { WorkerControl } from '../support/cdp.ts';
import { expect, type Page, test } from '../support/test.ts';
import { usePageSdkServer } from './fixtures/server.ts';
import { type FixtureWindow, installTodoOf, openClient } from './helpers.ts';

const server = usePageSdkServer();
test.beforeEach(async ({ context }) => {
  await installTodoOf(context);
  await context.addInitScript(() => {
    const w = window as unknown as { askPorts: number; viaClient: number; lines: Set<string> };
    w.askPorts = 0;
    w.viaClient = 0;
    // Every line (a channel) the page opened: a call that timed out would open another.
    w.lines = new Set();
    const post = ServiceWorker.prototype.postMessage as (m: unknown, t: Transferable[]) => void;
    ServiceWorker.prototype.postMessage = function (this: ServiceWorker, m: unknown, t) {
      const channel = (m as { channel?: unknown })?.channel;
      if (typeof channel === 'string') w.lines.add(channel);
      return post.call(this, m, t as Transferable[]);
    } as typeof ServiceWorker.prototype.postMessage;
    navigator.serviceWorker.addEventListener('message', (e) => {
      if (e.data?.tag === 'swsync-rpc') {
        w.viaClient++;
        if (e.data.askPort) w.askPorts++;
      }
    });
  });
});

const counts = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as { askPorts: number; viaClient: number; lines: Set<string> };
    return { askPorts: w.askPorts, viaClient: w.viaClient, lines: w.lines.size };
  });

const burst = (page: Page, prefix: string, n: number) =>
  page.evaluate(
    async ({ prefix, n }) => {
      const { client } = window as unknown as FixtureWindow;
      await Promise.all(
        Array.from({ length: n }, (_, i) => client.Todo.create(todoOf(`${prefix}-${i}`))),
      );
    },
    { prefix, n },
  );

test('two tabs keep answering on their ports through worker stops', async ({ context, page }) => {
  const options = { endpoint: '/api/sync', dbName: 'ports', realtime: false, timeoutMs: 5_000 };
  await openClient(page, server().url, options);
  const other = await context.newPage();
  await openClient(other, server().url, options);
  const control = await WorkerControl.attach(context, page);
  for (let round = 0; round < 3; round++) {
    await expect.poll(() => control.isRunning()).toBe(true);
    await control.stopAll();
    // Both tabs at once, many calls each: the restarted worker holds none of their ports.
    await Promise.all([burst(page, `a${round}`, 15), burst(other, `b${round}`, 15)]);
    // Each tab heard askPort (the replies above came through its client), and no call needed
    // a timeout and a new line.
    for (const tab of [page, other]) {
      const seen = await counts(tab);
      expect(seen.askPorts).toBeGreaterThan(round);
      expect(seen.lines).toBe(1);
    }
    // The port is back: more calls are answered on it, none through the client.
    const before = [await counts(page), await counts(other)];
    await burst(page, `c${round}`, 5);
    await burst(other, `d${round}`, 5);
    expect([await counts(page), await counts(other)]).toEqual(before);
  }
  const ids = await page.evaluate(
    async () => (await (window as unknown as FixtureWindow).client.Todo.list()).length,
  );
  expect(ids).toBe(2 * 3 * 20);
});
