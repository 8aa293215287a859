import { expect, type Page, test } from '../support/test.ts';
import { DemoApp } from './app.ts';
import { seriousViolations } from './checks.ts';
import { newUser, seedBoard } from './people.ts';
import { useServedDemo } from './served-demo.ts';

const server = useServedDemo();

/**
 * From the page's first script on, records every text of the status live region (what a screen
 * reader announces) and of the detail shown beside it, each in order without repeats; `read`
 * gives both lists.
 */
async function recordStatus(page: Page) {
  await page.addInitScript(() => {
    const texts = { said: [] as string[], detail: [] as string[] };
    Object.assign(window, { statusRecord: texts });
    const note = (list: string[], text: string | null | undefined) => {
      if (text && list.at(-1) !== text) list.push(text);
    };
    new MutationObserver(() => {
      note(texts.said, document.querySelector('[role="status"]')?.textContent);
      const detail = document.querySelector<HTMLElement>('.pill .detail');
      note(texts.detail, detail && !detail.hidden ? detail.textContent : null);
    }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  return () =>
    page.evaluate(
      () =>
        (window as unknown as { statusRecord: { said: string[]; detail: string[] } }).statusRecord,
    );
}

test('an outage is announced once: the countdown to the next try ticks outside the live region', async ({
  page,
}, testInfo) => {
  test.setTimeout(90_000);
  const user = await newUser(server(), 'status-outage');
  const read = await recordStatus(page);
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await app.addBoard('Trip');
  await expect(app.status()).toHaveText('Synced');
  const before = (await read()).said.length;
  server().fail(503);
  try {
    await app.addTodo('Tent');
    await expect(app.status()).toHaveText('Retrying · 1 pending');
    // Until the countdown ticked and a whole retry ran (it said "trying now", then counted again).
    await expect
      .poll(
        async () => {
          const { detail } = await read();
          const ran = detail.indexOf('trying now');
          return ran >= 0 && detail.slice(ran + 1).some((d) => d.startsWith('next try in'));
        },
        { timeout: 60_000 },
      )
      .toBe(true);
    await expect(page.locator('.pill')).toContainText(/Retrying · 1 pending.*(next try in|now)/);
    await app.snapshot(testInfo, 'retrying');
    expect(await seriousViolations(page)).toEqual([]);
    const { said, detail } = await read();
    expect(detail.length).toBeGreaterThanOrEqual(3);
    // What a screen reader heard since the outage began: a pending count or a bare "Retrying"
    // (a pull may fail before the write), then "Retrying · 1 pending" once, through every tick
    // and every try.
    const since = said.slice(before);
    const retrying = since.indexOf('Retrying · 1 pending');
    expect(since.slice(0, retrying).filter((t) => t !== '1 pending' && t !== 'Retrying')).toEqual(
      [],
    );
    expect(since.slice(retrying)).toEqual(['Retrying · 1 pending']);
  } finally {
    server().fail(null);
  }
  const retryNow = page.getByRole('button', { name: 'Retry now' });
  // A scheduled try may beat the click (the button hides when it succeeds): then it synced anyway.
  await retryNow.click({ timeout: 5_000 }).catch(async (error: unknown) => {
    if (await retryNow.isVisible()) throw error;
  });
  await expect(app.status()).toHaveText('Synced', { timeout: 15_000 });
  await expect(page.locator('.pill .detail')).toBeHidden();
});

test('a first sync is announced once: the record count grows outside the live region', async ({
  context,
  page,
}) => {
  test.setTimeout(120_000);
  const user = await newUser(server(), 'status-first');
  await seedBoard(server(), user, 'Archive', 3000);
  // Each pull page waits a little, so the count shows several values on the way.
  await context.route('**/api/sync/pull', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    await route.continue();
  });
  const read = await recordStatus(page);
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await expect(page.getByText('3,000 open · 0 done')).toBeVisible({ timeout: 60_000 });
  await expect(app.status()).toHaveText('Synced');
  const { said, detail } = await read();
  // The count went up page by page, beside the line…
  expect(detail.filter((d) => /^[\d,]+\/3,001$/.test(d)).length).toBeGreaterThanOrEqual(2);
  // Never a bare "0" before the first page came: it reads as "nothing to sync".
  expect(detail).not.toContain('0');
  // …which said "Syncing" once.
  expect(said.filter((t) => t.startsWith('Syncing'))).toEqual(['Syncing']);
});
