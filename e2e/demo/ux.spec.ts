import { randomUUID } from 'node:crypto';
import { expect, type Page, test } from '../support/test.ts';
import { DemoApp } from './app.ts';
import {
  focused,
  SIZES,
  screenshot,
  scrollPage,
  seriousViolations,
  sidewaysOverflow,
  smallTargets,
} from './checks.ts';
import { newUser, seedBoard, serverTitles } from './people.ts';
import { useServedDemo } from './served-demo.ts';

const server = useServedDemo();

/** Deletes the board named `name` on the server, as another device would. */
async function deleteBoardElsewhere(token: string, name: string) {
  const board = (await server().serverRecords(token)).find((e) => e.record?.name === name);
  const [result] = await server().push(token, [
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
}

/** Whether the element's box lies inside the window horizontally. */
async function inView(page: Page, locator: ReturnType<Page['getByRole']>) {
  const box = await locator.boundingBox();
  const width = await page.evaluate(() => window.innerWidth);
  return box !== null && box.x >= 0 && box.x + box.width <= width;
}

const LONG_NAME = 'B'.repeat(200);
const LONG_TITLE = 'T'.repeat(500);
const LONG_URL = `https://example.com/${'segment/'.repeat(60)}`.slice(0, 480);

for (const [size, viewport] of Object.entries(SIZES)) {
  test.describe(`at ${viewport.width}×${viewport.height}`, () => {
    test.use({ viewport });

    test('no text widens the page, targets are 44 px, and every screen passes axe', async ({
      context,
      page,
    }, testInfo) => {
      const user = await newUser(server(), `layout-${size}`);
      const app = new DemoApp(page);
      const check = async (state: string) => {
        expect(await sidewaysOverflow(page), `${state}: sideways scroll`).toBe(0);
        expect(await seriousViolations(page), `${state}: axe`).toEqual([]);
        expect(await smallTargets(page), `${state}: small targets`).toEqual([]);
        await screenshot(page, testInfo, `${state}-${size}`);
      };

      await page.goto(server().url);
      await page.getByRole('textbox', { name: 'Name' }).waitFor();
      await check('signed-out');

      await app.signInHere(user.name);
      await expect(page.getByText('Create your first board')).toBeVisible();
      await check('board-list');

      await app.addBoard('Doomed');
      await app.addBoard(LONG_NAME);
      await app.addTodo(LONG_TITLE);
      await app.addTodo(LONG_URL);
      await app.addTodo('Buy milk');
      await app.checkbox('Buy milk').check();
      await expect(app.status()).toHaveText('Synced');
      for (const control of [
        page.getByRole('button', { name: 'Add todo' }),
        page.getByRole('button', { name: `Rename ${LONG_TITLE}` }),
        page.getByRole('button', { name: `Delete ${LONG_URL}` }),
        page.getByRole('button', { name: 'Delete board' }),
      ]) {
        expect(await inView(page, control)).toBe(true);
      }
      // The header stays one line: brand, status and account share a row.
      const rows = await page.evaluate(() => {
        const header = document.querySelector('header')!.getBoundingClientRect();
        return header.height;
      });
      expect(rows).toBeLessThanOrEqual(64);
      await check('board');

      await context.setOffline(true);
      await expect(app.status()).toHaveText('Offline');
      await app.board('Doomed').click();
      await app.addTodo('Orphan');
      await expect(app.status()).toHaveText('Offline · 1 pending');
      await check('offline');

      await deleteBoardElsewhere(user.token, 'Doomed');
      await context.setOffline(false);
      const toast = page.getByRole('alert');
      await expect(toast).toHaveText(
        /‘Orphan’ was not saved: its board was deleted on another device\./,
        { timeout: 15_000 },
      );
      await check('rejection');
    });

    test('the share panel fits, its targets are 44 px, and it passes axe', async ({
      page,
    }, testInfo) => {
      const user = await newUser(server(), `share-${size}`);
      const app = new DemoApp(page);
      const check = async (state: string) => {
        expect(await sidewaysOverflow(page), `${state}: sideways scroll`).toBe(0);
        expect(await seriousViolations(page), `${state}: axe`).toEqual([]);
        expect(await smallTargets(page), `${state}: small targets`).toEqual([]);
        await screenshot(page, testInfo, `${state}-${size}`);
      };
      await app.signIn(server().url, user.name);
      await app.addBoard(LONG_NAME);
      await app.addTodo('Buy milk');

      // A refused name (its alert), then a member with a remove button.
      const friend = await newUser(server(), `friend-${size}`);
      await page.getByRole('button', { name: 'Share board' }).click();
      const shareWith = page.getByRole('textbox', { name: 'Share with' });
      await expect(shareWith).toBeFocused();
      await shareWith.fill(`nobody-${randomUUID().slice(0, 8)}`);
      await page.getByRole('button', { name: 'Share', exact: true }).click();
      await expect(page.getByRole('alert')).toContainText('has signed in yet');
      await check('share-refused');
      await shareWith.fill(friend.name);
      await page
        .getByRole('combobox', { name: 'Role', exact: true })
        .selectOption({ label: 'Can view' });
      await page.getByRole('button', { name: 'Share', exact: true }).click();
      const remove = page.getByRole('button', { name: `Remove ${friend.name}` });
      await expect(remove).toBeVisible();
      await expect(page.getByRole('alert')).toHaveCount(0);
      expect(await inView(page, remove)).toBe(true);
      await check('share');
    });
  });
}

test('one intent, one record: double and triple clicks and a double Enter add one each', async ({
  page,
}) => {
  const user = await newUser(server(), 'clicks');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);

  await page.getByRole('textbox', { name: 'New board' }).fill('Home');
  await page.getByRole('button', { name: 'Add board' }).dblclick();
  await expect(app.board('Home')).toBeVisible();
  await page.getByRole('textbox', { name: 'New board' }).fill('Work');
  await page.getByRole('button', { name: 'Add board' }).click({ clickCount: 3 });
  await expect(app.board('Work')).toBeVisible();

  const todo = page.getByRole('textbox', { name: 'New todo' });
  await todo.fill('Milk');
  await page.getByRole('button', { name: 'Add todo' }).dblclick();
  await todo.fill('Eggs');
  await page.getByRole('button', { name: 'Add todo' }).click({ clickCount: 3 });
  await todo.fill('Bread');
  await todo.press('Enter');
  await todo.press('Enter');
  await expect(app.todo('Bread')).toBeVisible();

  await expect(app.status()).toHaveText('Synced');
  await expect.poll(() => serverTitles(server(), user.token, 'Board')).toEqual(['Home', 'Work']);
  await expect
    .poll(() => serverTitles(server(), user.token, 'Todo'))
    .toEqual(['Bread', 'Eggs', 'Milk']);
  const local = await app.localData(user.dbName);
  expect(local?.boards).toEqual(['Home', 'Work']);
  expect(local?.todos).toEqual(['Bread', 'Eggs', 'Milk']);
  await expect(page.getByRole('checkbox')).toHaveCount(3);
});

test('the keyboard focus stays where a keyboard user expects it, and rows update in place', async ({
  page,
}) => {
  const user = await newUser(server(), 'focus');
  const app = new DemoApp(page);
  await page.goto(server().url);
  await page.getByRole('textbox', { name: 'Name' }).fill(user.name);
  await page.keyboard.press('Enter');
  // No board yet: the first thing to do is to name one.
  await expect.poll(() => focused(page)).toBe('input "New board"');
  await page.keyboard.type('Errands');
  await page.keyboard.press('Enter');
  await expect(app.board('Errands')).toBeVisible();
  expect(await focused(page)).toBe('input "New board"');

  await page.getByRole('textbox', { name: 'New todo' }).focus();
  for (const title of ['Alpha', 'Bravo', 'Charlie']) {
    await page.keyboard.type(title);
    await page.keyboard.press('Enter');
    await expect(app.todo(title)).toBeVisible();
  }
  expect(await focused(page)).toBe('input "New todo"');
  await expect(app.status()).toHaveText('Synced');

  // Each row is marked: a row drawn anew would lose its mark.
  const marked = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('.todos li')].map(
        (li) => (li as HTMLElement & { mark?: string }).mark ?? 'new',
      ),
    );
  await page.evaluate(() => {
    for (const li of document.querySelectorAll('.todos li')) {
      (li as HTMLElement & { mark?: string }).mark = li.textContent ?? '';
    }
  });
  const before = await marked();
  expect(before).not.toContain('new');

  await app.checkbox('Bravo').focus();
  await page.keyboard.press('Space');
  await expect(app.checkbox('Bravo')).toBeChecked();
  await expect
    .poll(async () =>
      (await server().serverRecords(user.token)).find((e) => e.record?.title === 'Bravo'),
    )
    .toMatchObject({ record: { done: true } });
  await expect(page.getByText('2 open · 1 done')).toBeVisible();
  expect(await focused(page)).toBe('checkbox "Bravo"');
  expect(await marked()).toEqual(before);

  await page.keyboard.press('Tab');
  expect(await focused(page)).toBe('button "Rename Bravo"');
  await page.keyboard.press('Enter');
  expect(await focused(page)).toBe('input "New title for Bravo"');
  await page.keyboard.type('Beta');
  await page.keyboard.press('Enter');
  await expect(app.todo('Beta')).toBeVisible();
  await expect.poll(() => focused(page)).toBe('button "Rename Beta"');
  await expect
    .poll(() => serverTitles(server(), user.token, 'Todo'))
    .toEqual(['Alpha', 'Beta', 'Charlie']);
  expect(await marked()).toEqual(before);
  // Escape leaves the edit and comes back to the same button, too.
  await page.keyboard.press('Enter');
  await page.keyboard.press('Escape');
  expect(await focused(page)).toBe('button "Rename Beta"');

  // A delete hands the focus to the same button of the next row, then of the one before.
  await page.keyboard.press('Tab');
  expect(await focused(page)).toBe('button "Delete Beta"');
  await page.keyboard.press('Enter');
  await expect(app.todo('Beta')).toHaveCount(0);
  expect(await focused(page)).toBe('button "Delete Charlie"');
  await page.keyboard.press('Enter');
  await expect(app.todo('Charlie')).toHaveCount(0);
  expect(await focused(page)).toBe('button "Delete Alpha"');
  await page.keyboard.press('Enter');
  await expect(app.todo('Alpha')).toHaveCount(0);
  expect(await focused(page)).toBe('input "New todo"');

  // After signing in with a board open, the focus waits in "New todo".
  await app.signOut('Sign out');
  await page.getByRole('textbox', { name: 'Name' }).fill(user.name);
  await page.keyboard.press('Enter');
  await expect.poll(() => focused(page)).toBe('input "New todo"');
});

test('limits show, pasted text is never cut, and a too-long rename keeps the edit with a message', async ({
  page,
}) => {
  const user = await newUser(server(), 'limits');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);

  const boardField = page.getByRole('textbox', { name: 'New board' });
  await boardField.fill('N'.repeat(250));
  await page.getByRole('button', { name: 'Add board' }).click();
  await expect(
    page.getByText('A board name has at most 200 characters; this one has 250.'),
  ).toBeVisible();
  await expect(boardField).toHaveValue('N'.repeat(250));
  await boardField.fill('Notes');
  await page.getByRole('button', { name: 'Add board' }).click();
  await expect(app.board('Notes')).toBeVisible();

  const todoField = page.getByRole('textbox', { name: 'New todo' });
  await todoField.fill('x'.repeat(450));
  await expect(page.getByText('450 / 500 characters')).toBeVisible();
  await todoField.fill('y'.repeat(600));
  await page.getByRole('button', { name: 'Add todo' }).click();
  await expect(
    page.getByText('A todo has at most 500 characters; this one has 600.'),
  ).toBeVisible();
  await expect(todoField).toHaveValue('y'.repeat(600));
  await expect(todoField).toHaveAttribute('aria-invalid', 'true');
  expect((await app.localData(user.dbName))?.todos).toEqual([]);

  await app.addTodo('Short');
  await page.getByRole('button', { name: 'Rename Short' }).click();
  const edit = page.getByRole('textbox', { name: 'New title for Short' });
  await edit.fill('z'.repeat(501));
  await page.keyboard.press('Enter');
  await expect(
    page.getByText('A title has at most 500 characters; this one has 501.'),
  ).toBeVisible();
  await expect(edit).toHaveValue('z'.repeat(501));
  await expect(page.getByText(/Too big|expected string/)).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(app.todo('Short')).toBeVisible();
  expect((await app.localData(user.dbName))?.todos).toEqual(['Short']);
});

test('sign-in says what happened: offline, or a blank name', async ({ context, page }) => {
  const app = new DemoApp(page);
  await page.goto(server().url);
  const name = page.getByRole('textbox', { name: 'Name' });
  await name.fill('   ');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Enter a name to sign in.');
  expect(await focused(page)).toBe('input "Name"');

  await context.setOffline(true);
  await name.fill(`offline-${randomUUID().slice(0, 8)}`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText(
    'You are offline. Signing in needs a connection once; connect and try again.',
  );
  await expect(page.getByText('Failed to fetch')).toHaveCount(0);
  await context.setOffline(false);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('textbox', { name: 'New board' }).waitFor();
  await expect(app.status()).toHaveText(/Synced|Connecting…/);
});

test('the status line is a polite live region that shows only settled states', async ({ page }) => {
  const user = await newUser(server(), 'status');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await app.addBoard('Quiet');
  await expect(app.status()).toHaveText('Synced');
  await expect(app.status()).toHaveAttribute('aria-live', 'polite');
  await page.evaluate(() => {
    const status = document.querySelector('[role="status"]')!;
    const seen: string[] = [];
    (window as unknown as { seen: string[] }).seen = seen;
    new MutationObserver(() => seen.push(status.textContent ?? '')).observe(status, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });

  for (const title of ['One', 'Two', 'Three']) await app.addTodo(title);
  await app.checkbox('Two').check();
  await app.deleteTodo('Three');
  await expect
    .poll(() => serverTitles(server(), user.token, 'Todo'), { timeout: 15_000 })
    .toEqual(['One', 'Two']);
  await expect(app.status()).toHaveText('Synced');
  const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
  // Never "Syncing" or "Connecting…"; a pending count only if a write really waited.
  expect(seen.filter((text) => !/^(Synced|\d+ pending)$/.test(text))).toEqual([]);
});

test('boards can be renamed and deleted with their todos; deletes can be undone', async ({
  page,
}) => {
  const user = await newUser(server(), 'boards');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await app.addBoard('Chores');
  await app.addTodo('Sweep');
  await app.addTodo('Dust');

  await page.getByRole('button', { name: 'Rename board' }).click();
  await page.getByRole('textbox', { name: 'New board name' }).fill('House');
  await page.keyboard.press('Enter');
  await expect(app.board('House')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'House' })).toBeVisible();
  expect(await focused(page)).toBe('button "Rename board"');
  await expect.poll(() => serverTitles(server(), user.token, 'Board')).toEqual(['House']);

  // A todo's delete is written at once; Undo re-creates it, and the focus comes back to it.
  await page.getByRole('button', { name: 'Delete Sweep' }).click();
  await expect(app.todo('Sweep')).toHaveCount(0);
  await expect.poll(() => serverTitles(server(), user.token, 'Todo')).toEqual(['Dust']);
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(app.todo('Sweep')).toBeVisible();
  await expect.poll(() => focused(page)).toBe('button "Delete Sweep"');
  await expect.poll(() => serverTitles(server(), user.token, 'Todo')).toEqual(['Dust', 'Sweep']);
  await app.deleteTodo('Dust');
  await expect.poll(() => serverTitles(server(), user.token, 'Todo')).toEqual(['Sweep']);

  await page.getByRole('button', { name: 'Delete board' }).click();
  await expect(page.getByText('Deleted board ‘House’ and its todo')).toBeVisible();
  await expect(app.board('House')).toHaveCount(0);
  await expect(page.getByText('Create your first board')).toBeVisible();
  await page
    .getByRole('log')
    .locator('div', { hasText: 'Deleted board ‘House’' })
    .getByRole('button', { name: 'Undo' })
    .click();
  await expect(app.board('House')).toHaveAttribute('aria-current', 'true');
  await expect(app.todo('Sweep')).toBeVisible();
  await expect.poll(() => focused(page)).toBe('button "House"');
  await expect.poll(() => serverTitles(server(), user.token, 'Todo')).toEqual(['Sweep']);

  await page.getByRole('button', { name: 'Delete board' }).click();
  await expect.poll(() => serverTitles(server(), user.token, 'Board')).toEqual([]);
  await expect.poll(() => serverTitles(server(), user.token, 'Todo')).toEqual([]);
  await expect.poll(async () => (await app.localData(user.dbName))?.todos).toEqual([]);
  await expect(app.status()).toHaveText('Synced');
});

test('rejections name the item and the reason, one toast per cause', async ({ context, page }) => {
  const user = await newUser(server(), 'reasons');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await app.addBoard('Doomed');
  await expect.poll(() => serverTitles(server(), user.token, 'Board')).toEqual(['Doomed']);
  await context.setOffline(true);
  await app.addTodo('First');
  await app.addTodo('Second');
  await app.addTodo('Third');
  await deleteBoardElsewhere(user.token, 'Doomed');
  await context.setOffline(false);
  const toast = page.getByRole('alert');
  await expect(toast).toHaveText(
    /^‘Doomed’ was deleted on another device: 3 changes to its todos were not saved\./,
    { timeout: 15_000 },
  );
  await expect(toast).toHaveCount(1);
  await expect(app.status()).toHaveText('Synced');
});

test('a board of 1,000 todos draws only the rows near the view; scrolling, Tab, toggles and adds work', async ({
  page,
}) => {
  const user = await newUser(server(), 'big');
  await seedBoard(server(), user, 'Big', 1_000);
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await expect(page.getByText('1,000 open · 0 done')).toBeVisible({ timeout: 20_000 });
  const drawn = page.getByRole('checkbox');
  expect(await drawn.count()).toBeLessThan(150);
  await expect(app.todo('Item 0')).toHaveAttribute('aria-setsize', '1000');
  await expect(app.todo('Item 0')).toHaveAttribute('aria-posinset', '1');

  // Tab walks past the drawn rows: the list draws the next ones as the focus arrives.
  const last = await drawn.count();
  await app.checkbox(`Item ${last - 1}`).focus();
  for (let i = 0; i < 3 * 3; i++) await page.keyboard.press('Tab');
  expect(await focused(page)).toBe(`checkbox "Item ${last + 2}"`);
  await page.keyboard.press('Space');
  await expect(app.checkbox(`Item ${last + 2}`)).toBeChecked();
  expect(await focused(page)).toBe(`checkbox "Item ${last + 2}"`);
  await expect(page.getByText('999 open · 1 done')).toBeVisible();

  // The end of the list, drawn when scrolled to.
  await scrollPage(page, 'end');
  await expect(app.todo('Item 999')).toHaveAttribute('aria-posinset', '1000');
  await page.getByRole('textbox', { name: 'New todo' }).fill('Item 1000');
  await page.getByRole('button', { name: 'Add todo' }).click();
  await expect(page.getByText('1,000 open · 1 done')).toBeVisible();
  await scrollPage(page, 'end');
  await expect(app.todo('Item 1000')).toHaveAttribute('aria-posinset', '1001');
  expect(await sidewaysOverflow(page)).toBe(0);
  await expect
    .poll(async () =>
      (await server().serverRecords(user.token)).find(
        (e) => e.record?.title === `Item ${last + 2}`,
      ),
    )
    .toMatchObject({ record: { done: true } });
});

test('a board just added is the one open: the next todo goes there, not to the first board', async ({
  page,
}) => {
  const user = await newUser(server(), 'second-board');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await app.addBoard('First');
  await app.addTodo('one');
  // The add races the boards' live query: each board added is one more chance to lose it.
  const more = ['Second', 'Third', 'Fourth', 'Fifth', 'Sixth', 'Seventh'];
  for (const name of more) {
    await app.addBoard(name);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
    await expect(app.board(name)).toHaveAttribute('aria-current', 'true');
  }
  await app.addTodo('two');
  await expect(app.todo('one')).toHaveCount(0);
  await app.allSent(user.dbName);
  const records = await server().serverRecords(user.token);
  const boardOf = (title: string) => {
    const todo = records.find((e) => e.record?.title === title);
    return records.find((e) => e.model === 'Board' && e.record?.id === todo?.record?.boardId)
      ?.record?.name;
  };
  expect([boardOf('one'), boardOf('two')]).toEqual(['First', 'Seventh']);
});
