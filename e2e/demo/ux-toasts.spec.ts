import { randomUUID } from 'node:crypto';
import { expect, type Page, test } from '../support/test.ts';
import { DemoApp } from './app.ts';
import {
  firstRowTop,
  SIZES,
  screenshot,
  scrollPage,
  seriousViolations,
  sidewaysOverflow,
} from './checks.ts';
import { newUser, seedBoard } from './people.ts';
import { useServedDemo } from './served-demo.ts';

const server = useServedDemo();

/**
 * The controls a person can see (the part of them inside the page's scrolling area) whose
 * visible part meets a toast's box.
 */
function coveredControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const area = document.querySelector('.scroller')?.getBoundingClientRect() ?? {
      top: 0,
      bottom: innerHeight,
    };
    const covered: string[] = [];
    for (const toast of document.querySelectorAll('.toast')) {
      const t = toast.getBoundingClientRect();
      for (const el of document.querySelectorAll<HTMLElement>('main button, main input')) {
        const box = el.getBoundingClientRect();
        const top = Math.max(box.top, area.top, 0);
        const bottom = Math.min(box.bottom, area.bottom, innerHeight);
        if (box.width === 0 || bottom <= top) continue;
        const meets = box.left < t.right && box.right > t.left && top < t.bottom && bottom > t.top;
        if (meets) covered.push(el.getAttribute('aria-label') ?? el.textContent ?? el.tagName);
      }
    }
    return covered;
  });
}

test('a board deleted on another device is one toast: the board, and how many changes were lost', async ({
  context,
  page,
}) => {
  const user = await newUser(server(), 'one-cause');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await app.addBoard('Shopping list');
  for (const title of ['Milk', 'Butter', 'Oats']) await app.addTodo(title);
  await app.allSent(user.dbName);

  await context.setOffline(true);
  await expect(app.status()).toHaveText('Offline');
  await page.getByRole('button', { name: 'Rename Milk' }).click();
  await page.getByRole('textbox', { name: 'New title for Milk' }).fill('Oat milk');
  await page.keyboard.press('Enter');
  await expect(app.todo('Oat milk')).toBeVisible();
  await app.checkbox('Oats').check();
  await app.addTodo('Bread');
  await page.getByRole('button', { name: 'Rename board' }).click();
  await page.getByRole('textbox', { name: 'New board name' }).fill('Shops');
  await page.keyboard.press('Enter');
  await expect(app.board('Shops')).toBeVisible();
  await expect(app.status()).toHaveText('Offline · 4 pending');

  const board = (await server().serverRecords(user.token)).find((e) => e.model === 'Board');
  const [result] = await server().push(user.token, [
    {
      id: randomUUID(),
      entityType: 'Board',
      operation: 'delete',
      entityKeyPath: board!.keyPath,
      payload: null,
      createdAt: new Date().toISOString(),
    },
  ]);
  expect(result?.error).toBeNull();
  await context.setOffline(false);

  const alert = page.getByRole('alert');
  await expect(alert).toHaveText(
    /^‘Shops’ was deleted on another device: 4 changes to it and its todos were not saved\./,
    { timeout: 15_000 },
  );
  await expect(app.status()).toHaveText('Synced');
  await expect(alert).toHaveCount(1);
  await expect(app.board('Shops')).toHaveCount(0);
});

for (const [size, viewport] of Object.entries(SIZES)) {
  test(`toasts never cover the list's controls nor move it (${size})`, async ({ page }) => {
    await page.setViewportSize(viewport);
    const user = await newUser(server(), `toast-place-${size}`);
    const app = new DemoApp(page);
    await app.signIn(server().url, user.name);
    await app.addBoard('Long');
    for (let i = 0; i < 14; i++) await app.addTodo(`Item ${i}`);
    await expect(app.status()).toHaveText('Synced');

    const top = await firstRowTop(page);
    await scrollPage(page, 'end');
    await app.deleteTodo('Item 13');
    // The page got shorter, so the next row's Delete is under the pointer now: a click there
    // at once would count as a double click (one-intent.ts); a person's next click comes later.
    await page.waitForTimeout(700);
    await app.deleteTodo('Item 12');
    await expect(page.getByRole('button', { name: 'Undo' })).toHaveCount(2);
    // The rows stay where they were: toasts do not push the content.
    expect(await firstRowTop(page)).toBe(top);
    // The page reserves the toasts' height: the end of the list scrolls clear of them.
    await scrollPage(page, 'end');
    expect(await coveredControls(page)).toEqual([]);
    expect(await sidewaysOverflow(page)).toBe(0);
  });
}

for (const [size, viewport] of Object.entries(SIZES)) {
  test(`toasts never cover rows in the middle of a scrolled list (${size})`, async ({ page }) => {
    await page.setViewportSize(viewport);
    const user = await newUser(server(), `toast-middle-${size}`);
    await seedBoard(server(), user, 'Long', 60);
    const app = new DemoApp(page);
    await app.signIn(server().url, user.name);
    await expect(app.todo('Item 59')).toHaveCount(1);

    // The middle of the list in the middle of the window, then deletes by keyboard: each
    // hands the focus to the next row's Delete and adds a toast at the bottom.
    await app.todo('Item 30').evaluate((row) => row.scrollIntoView({ block: 'center' }));
    const above = await app.todo('Item 29').boundingBox();
    await page.getByRole('button', { name: 'Delete Item 30', exact: true }).focus();
    for (const [i, title] of ['Item 30', 'Item 31', 'Item 32'].entries()) {
      await page.keyboard.press('Enter');
      await expect(app.todo(title)).toHaveCount(0);
      await expect(page.getByRole('button', { name: 'Undo' })).toHaveCount(i + 1);
      const next = page.getByRole('button', { name: `Delete Item ${31 + i}`, exact: true });
      await expect(next).toBeFocused();
      await expect(next).toBeInViewport();
      expect(await coveredControls(page), `after deleting ${title}`).toEqual([]);
    }
    // The rows above stayed where they were: the toasts took room below them.
    expect(await app.todo('Item 29').boundingBox()).toEqual(above);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await sidewaysOverflow(page)).toBe(0);
  });
}

test('the status line is never cut at 390 px', async ({ context, page }) => {
  await page.setViewportSize(SIZES.phone);
  const user = await newUser(server(), 'pill');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await context.setOffline(true);
  await expect(app.status()).toHaveText('Offline');
  // The longest lines it writes (status-text.ts), in the settled offline state: the announced
  // text and the detail beside it.
  const lines: [string, string][] = [
    ['Offline · 120 pending', ''],
    ['Syncing · 1,204 pending', '10,000/10,004'],
    ['Retrying · 120 pending', 'next try in 59 s'],
  ];
  for (const [text, more] of lines) {
    const clipped = await page.locator('.pill').evaluate(
      (pill, [value, detail]) => {
        pill.querySelector('[role="status"]')!.textContent = value;
        const beside = pill.querySelector<HTMLElement>('.detail')!;
        beside.textContent = detail;
        beside.hidden = !detail;
        const box = pill.getBoundingClientRect();
        return pill.scrollWidth > pill.clientWidth || box.right > innerWidth || box.left < 0;
      },
      [text, more] as const,
    );
    expect(clipped, `${text} ${more}`).toBe(false);
    expect(await sidewaysOverflow(page)).toBe(0);
  }
});

test('adding spaces alone says why nothing was added', async ({ page }) => {
  const user = await newUser(server(), 'blank');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await page.getByRole('textbox', { name: 'New board' }).fill('   ');
  await page.getByRole('button', { name: 'Add board' }).click();
  await expect(page.getByText('A board needs a name; spaces alone are not one.')).toBeVisible();
  await app.addBoard('Real');
  await page.getByRole('textbox', { name: 'New todo' }).fill('  ');
  await page.keyboard.press('Enter');
  await expect(page.getByText('A todo needs a title; spaces alone are not one.')).toBeVisible();
  await expect(page.getByRole('checkbox')).toHaveCount(0);
  expect((await app.localData(user.dbName))?.boards).toEqual(['Real']);
});

test('toasts of long names take two lines per name and leave most of a phone screen to the page', async ({
  page,
}, testInfo) => {
  await page.setViewportSize(SIZES.phone);
  const user = await newUser(server(), 'long-toasts');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  const board = 'B'.repeat(200);
  await app.addBoard(board);
  const long = 'W'.repeat(500);
  const spaced = `${'word '.repeat(99)}end`;
  for (const title of ['a', long, spaced, 'c']) await app.addTodo(title);
  await app.deleteTodo(long);
  await app.deleteTodo(spaced);
  await app.deleteTodo('a');
  const tray = page.getByRole('log', { name: 'Messages' });
  await expect(tray.getByRole('button', { name: 'Undo' })).toHaveCount(3);
  await screenshot(page, testInfo, 'long-toasts-phone');

  // Each name shows on two lines at most; the words around it are whole.
  const names = await page.locator('.toast-name').evaluateAll((spans) =>
    spans.map((span) => {
      const lineHeight = Number.parseFloat(getComputedStyle(span).lineHeight);
      return Math.round(span.getBoundingClientRect().height / lineHeight);
    }),
  );
  expect(names).toEqual([2, 2, 1]);
  // The whole text is still there for a screen reader.
  const said = await tray.ariaSnapshot();
  expect(said).toContain(`Deleted ‘${long}’`);
  expect(said).toContain(`Deleted ‘${spaced}’`);
  // Most of the screen stays the page's, and the newest toast is in view.
  const heights = await page.evaluate(() => ({
    tray: document.querySelector('.toasts')!.getBoundingClientRect().height,
    page: document.querySelector('.scroller')!.getBoundingClientRect().height,
  }));
  expect(heights.page).toBeGreaterThan(SIZES.phone.height / 2);
  expect(heights.tray).toBeLessThan(SIZES.phone.height / 2);
  expect(await sidewaysOverflow(page)).toBe(0);

  // More toasts than the tray holds: it scrolls, the newest in view, the page keeps its room.
  await page.getByRole('button', { name: 'Delete board' }).click();
  await expect(tray.getByRole('button', { name: 'Undo' })).toHaveCount(4);
  const newest = tray.locator('.toast').last();
  await expect(newest).toContainText('Deleted board ‘');
  await expect(newest.getByRole('button', { name: 'Undo' })).toBeInViewport();
  expect(
    await page.evaluate(() => document.querySelector('.scroller')!.getBoundingClientRect().height),
  ).toBeGreaterThan(SIZES.phone.height / 2);
  expect(await seriousViolations(page)).toEqual([]);
  // Its Undo still brings the board back.
  await newest.getByRole('button', { name: 'Undo' }).click();
  await expect(app.board(board)).toBeVisible();
});
