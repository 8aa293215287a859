import { type Browser, expect, type Page, test } from '../support/test.ts';
import { DemoApp } from './app.ts';
import { focused, SIZES, seriousViolations } from './checks.ts';
import { newUser, serverTitles } from './people.ts';
import { useServedDemo } from './served-demo.ts';

const server = useServedDemo();

/** A second device: its own browser context, signed in as `name`. */
async function otherDevice(browser: Browser, name: string, viewport = SIZES.desktop) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const app = new DemoApp(page);
  await app.signIn(server().url, name);
  return { context, page, app };
}

/** The todo titles a page shows, sorted. */
async function shownTodos(page: Page): Promise<string[]> {
  const names = await page
    .getByRole('checkbox')
    .evaluateAll((boxes) =>
      boxes.map((b) => (b as HTMLInputElement).labels?.[0]?.textContent ?? ''),
    );
  return names.sort();
}

test('a delete is written at once: a sign-out right after it cannot lose it', async ({ page }) => {
  const user = await newUser(server(), 'del-signout');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await app.addBoard('Home');
  await app.addTodo('Keep');
  await app.addTodo('Gone');
  await expect(app.status()).toHaveText('Synced');

  await app.deleteTodo('Gone');
  // Straight to the menu: no time for any toast to go.
  await app.signOut('Sign out');
  await app.signInHere(user.name);
  await expect(app.todo('Keep')).toBeVisible();
  await expect.poll(() => serverTitles(server(), user.token, 'Todo')).toEqual(['Keep']);
  await expect(app.status()).toHaveText('Synced');
  expect(await shownTodos(page)).toEqual(['Keep']);
  expect((await app.localData(user.dbName))?.todos).toEqual(['Keep']);
});

test('another device sees a delete go, and an undone board delete come back with its todos', async ({
  browser,
  page,
}) => {
  const user = await newUser(server(), 'del-devices');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await app.addBoard('Garden');
  await app.addTodo('Rake');
  await app.addTodo('Mow');
  await app.checkbox('Mow').check();
  await app.addTodo('Water');
  await expect(app.status()).toHaveText('Synced');
  const other = await otherDevice(browser, user.name);
  try {
    await expect(other.app.todo('Water')).toBeVisible();

    await app.deleteTodo('Water');
    await other.page.reload();
    await expect(other.app.todo('Rake')).toBeVisible();
    await expect(other.app.todo('Water')).toHaveCount(0);

    await page.getByRole('button', { name: 'Delete board' }).click();
    await expect(app.board('Garden')).toHaveCount(0);
    await expect.poll(() => serverTitles(server(), user.token, 'Board')).toEqual([]);
    await other.page.reload();
    await expect(other.page.getByText('Create your first board')).toBeVisible();

    await page
      .getByRole('log')
      .locator('div', { hasText: 'Deleted board ‘Garden’' })
      .getByRole('button', { name: 'Undo' })
      .click();
    await expect(app.board('Garden')).toHaveAttribute('aria-current', 'true');
    await expect.poll(() => focused(page)).toBe('button "Garden"');
    await expect.poll(() => shownTodos(page)).toEqual(['Mow', 'Rake']);
    await expect(app.checkbox('Mow')).toBeChecked();
    await expect.poll(() => serverTitles(server(), user.token, 'Board')).toEqual(['Garden']);
    await expect.poll(() => serverTitles(server(), user.token, 'Todo')).toEqual(['Mow', 'Rake']);
    await expect(app.status()).toHaveText('Synced');

    // The same records (ids and content) are back everywhere, and stay after a reload.
    await other.page.reload();
    await expect(other.app.board('Garden')).toBeVisible();
    await expect.poll(() => shownTodos(other.page)).toEqual(['Mow', 'Rake']);
    await expect(other.app.checkbox('Mow')).toBeChecked();
    await page.reload();
    await expect.poll(() => shownTodos(page)).toEqual(['Mow', 'Rake']);
    expect(await app.localData(user.dbName)).toMatchObject({
      boards: ['Garden'],
      todos: ['Mow', 'Rake'],
      outbox: 0,
    });
  } finally {
    await other.context.close();
  }
});

for (const [size, viewport] of Object.entries(SIZES)) {
  test(`one intent, one record: a double click on a delete button deletes one (${size})`, async ({
    page,
  }) => {
    await page.setViewportSize(viewport);
    const user = await newUser(server(), `del-dbl-${size}`);
    const app = new DemoApp(page);
    await app.signIn(server().url, user.name);
    await app.addBoard('B1');
    await app.addBoard('B2');
    await app.board('B1').click();
    for (const title of ['a', 'b', 'c']) await app.addTodo(title);

    // The next row slides under the pointer between the two clicks.
    await page.getByRole('button', { name: 'Delete a', exact: true }).dblclick();
    await expect(app.todo('a')).toHaveCount(0);
    // A person's next, separate click comes later than a double click's second one.
    await page.waitForTimeout(700);
    await page.getByRole('button', { name: 'Delete b', exact: true }).click({ clickCount: 3 });
    await expect(app.todo('b')).toHaveCount(0);
    await expect(app.todo('c')).toBeVisible();
    await page.waitForTimeout(700);

    await page.getByRole('button', { name: 'Delete board' }).dblclick();
    await expect(app.board('B1')).toHaveCount(0);
    await expect(app.board('B2')).toBeVisible();
    await expect(app.status()).toHaveText('Synced');
    await expect.poll(() => serverTitles(server(), user.token, 'Board')).toEqual(['B2']);
    expect((await app.localData(user.dbName))?.boards).toEqual(['B2']);
  });
}

test('Enter on an unchanged or blank rename closes the editor for good', async ({ page }) => {
  const user = await newUser(server(), 'rename-enter');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await app.addBoard('Desk');
  await app.addTodo('Pens');

  for (const value of [null, '   ']) {
    await page.getByRole('button', { name: 'Rename Pens' }).focus();
    await page.keyboard.press('Enter');
    const edit = page.getByRole('textbox', { name: 'New title for Pens' });
    await expect(edit).toBeFocused();
    if (value !== null) await edit.fill(value);
    await page.keyboard.press('Enter');
    await expect(edit).toHaveCount(0);
    expect(await focused(page)).toBe('button "Rename Pens"');
    await expect(app.todo('Pens')).toBeVisible();

    await page.getByRole('button', { name: 'Rename board' }).focus();
    await page.keyboard.press('Enter');
    const boardEdit = page.getByRole('textbox', { name: 'New board name' });
    await expect(boardEdit).toBeFocused();
    if (value !== null) await boardEdit.fill(value);
    await page.keyboard.press('Enter');
    await expect(boardEdit).toHaveCount(0);
    expect(await focused(page)).toBe('button "Rename board"');
  }
  // Still closed a moment later: nothing reopened them.
  await expect(app.status()).toHaveText('Synced');
  await expect(page.getByRole('textbox', { name: /^New (title for|board name)/ })).toHaveCount(0);
});

test('an undo toast waits while it has the focus, hands the focus back, and Ctrl+Z undoes', async ({
  page,
}) => {
  const user = await newUser(server(), 'toast-focus');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await app.addBoard('Kitchen');
  for (const title of ['Plates', 'Cups', 'Forks']) await app.addTodo(title);

  await page.getByRole('button', { name: 'Delete Plates' }).focus();
  await page.keyboard.press('Enter');
  await expect(app.todo('Plates')).toHaveCount(0);
  expect(await focused(page)).toBe('button "Delete Cups"');
  const undo = page.getByRole('button', { name: 'Undo' });
  await undo.focus();
  // Longer than the toast's 10 s: with the focus in it, it stays.
  await page.waitForTimeout(11_000);
  await expect(undo).toBeVisible();
  await page.getByRole('button', { name: 'Dismiss' }).focus();
  await page.keyboard.press('Enter');
  await expect(undo).toHaveCount(0);
  // Back where it was before it went to the toast.
  expect(await focused(page)).toBe('button "Delete Cups"');

  // From the list, Ctrl+Z reaches the newest toast's Undo.
  await page.keyboard.press('Enter');
  await expect(app.todo('Cups')).toHaveCount(0);
  await page.keyboard.press('Control+z');
  await expect(app.todo('Cups')).toBeVisible();
  await expect.poll(() => focused(page)).toBe('button "Delete Cups"');
  await expect(app.status()).toHaveText('Synced');
  await expect.poll(() => serverTitles(server(), user.token, 'Todo')).toEqual(['Cups', 'Forks']);
});

test('Ctrl+Z undoes a delete from a checkbox, but in a text field it undoes the typing', async ({
  page,
}) => {
  const user = await newUser(server(), 'ctrl-z');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await app.addBoard('Desk');
  for (const title of ['Pens', 'Ink', 'Tape']) await app.addTodo(title);

  // The focus on a checkbox (after a toggle with Space): Ctrl+Z reaches the toast's Undo.
  await app.deleteTodo('Tape');
  await app.checkbox('Pens').focus();
  await page.keyboard.press('Space');
  await expect(app.checkbox('Pens')).toBeChecked();
  await page.keyboard.press('Control+z');
  await expect(app.todo('Tape')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Undo' })).toHaveCount(0);
  // The toggle is not what it undid.
  await expect(app.checkbox('Pens')).toBeChecked();

  // In "New todo", Ctrl+Z is the field's own: the toast stays and nothing comes back.
  await app.deleteTodo('Ink');
  const field = page.getByRole('textbox', { name: 'New todo' });
  await field.focus();
  await page.keyboard.type('Glue');
  await page.keyboard.press('Control+z');
  await expect(field).toHaveValue('');
  await expect(page.getByRole('button', { name: 'Undo' })).toHaveCount(1);
  await expect(app.todo('Ink')).toHaveCount(0);
  await expect.poll(() => serverTitles(server(), user.token, 'Todo')).toEqual(['Pens', 'Tape']);
});

test('undoing a todo whose board this tab deleted after it: the board first, then the todo', async ({
  page,
}) => {
  const user = await newUser(server(), 'undo-order');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await app.addBoard('Keep');
  await app.addBoard('Groceries');
  await app.board('Groceries').click();
  await app.addTodo('Buy milk');
  await app.addTodo('Eggs');
  await app.deleteTodo('Buy milk');
  await page.getByRole('button', { name: 'Delete board' }).click();
  await expect(app.board('Groceries')).toHaveCount(0);
  const tray = page.getByRole('log', { name: 'Messages' });
  await expect(tray.getByRole('button', { name: 'Undo' })).toHaveCount(2);

  // The older toast first: it says what to do, in this device's terms, and stays on offer.
  await tray
    .locator('.toast', { hasText: 'Deleted ‘Buy milk’' })
    .getByRole('button', { name: 'Undo' })
    .click();
  const notYet = page.getByRole('alert').filter({ hasText: '‘Buy milk’' });
  await expect(notYet).toHaveText(
    /^‘Buy milk’ is on the board ‘Groceries’, deleted here: undo the board’s delete first, then this one\./,
  );
  expect(await seriousViolations(page)).toEqual([]);

  // Ctrl+Z takes the board's undo (not the one that cannot run yet), then the todo comes back.
  await app.checkbox('Buy milk').waitFor({ state: 'detached' });
  await page.keyboard.press('Control+z');
  await expect(app.board('Groceries')).toBeVisible();
  await app.board('Groceries').click();
  await expect(app.todo('Eggs')).toBeVisible();
  await notYet.getByRole('button', { name: 'Undo' }).click();
  await expect(app.todo('Buy milk')).toBeVisible();
  await expect(app.status()).toHaveText('Synced', { timeout: 15_000 });
  await expect.poll(() => serverTitles(server(), user.token, 'Todo')).toEqual(['Buy milk', 'Eggs']);
  expect(await serverTitles(server(), user.token, 'Board')).toEqual(['Groceries', 'Keep']);
  // Nothing ever blamed another device.
  await expect(page.getByRole('alert').filter({ hasText: 'another device' })).toHaveCount(0);
});

test('an undo while the delete is still pending (offline) brings back the board and its todos', async ({
  context,
  page,
}) => {
  const user = await newUser(server(), 'restore-offline');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await app.addBoard('Attic');
  await app.addTodo('Boxes');
  await app.addTodo('Lamp');
  await app.allSent(user.dbName);

  await context.setOffline(true);
  await expect(app.status()).toHaveText('Offline');
  await page.getByRole('button', { name: 'Delete board' }).click();
  await expect(app.board('Attic')).toHaveCount(0);
  await expect(app.status()).toHaveText('Offline · 1 pending');
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(app.board('Attic')).toHaveAttribute('aria-current', 'true');
  await expect.poll(() => shownTodos(page)).toEqual(['Boxes', 'Lamp']);
  // The delete, then the board's and its todos' re-creates, in one write.
  await expect(app.status()).toHaveText('Offline · 4 pending');

  await context.setOffline(false);
  await expect(app.status()).toHaveText('Synced', { timeout: 15_000 });
  await expect.poll(() => serverTitles(server(), user.token, 'Board')).toEqual(['Attic']);
  await expect.poll(() => serverTitles(server(), user.token, 'Todo')).toEqual(['Boxes', 'Lamp']);
  await page.reload();
  await expect.poll(() => shownTodos(page)).toEqual(['Boxes', 'Lamp']);
  expect(await app.localData(user.dbName)).toMatchObject({
    boards: ['Attic'],
    todos: ['Boxes', 'Lamp'],
    outbox: 0,
  });
});

test('one intent, one undo: a double click on a toast’s Undo restores one delete, not the toast behind it', async ({
  page,
}) => {
  const user = await newUser(server(), 'toast-dbl');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await app.addBoard('Home');
  for (const title of ['one', 'two', 'three']) await app.addTodo(title);
  await app.deleteTodo('one');
  await page.waitForTimeout(700);
  await app.deleteTodo('three');
  const toasts = page.getByRole('log', { name: 'Messages' });
  await toasts
    .getByText('Deleted ‘three’')
    .locator('..')
    .getByRole('button', { name: 'Undo' })
    .dblclick();
  await expect(app.todo('three')).toBeVisible();
  await expect(toasts.getByText('Deleted ‘one’')).toBeVisible();
  await expect.poll(() => shownTodos(page)).toEqual(['three', 'two']);
});

test('a todo deleted here and restored on another device shows here again once the undo toast goes', async ({
  browser,
  page,
}) => {
  const user = await newUser(server(), 'restored-elsewhere');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await app.addBoard('Home');
  await app.addTodo('Laundry');
  await app.addTodo('Taxes');
  const other = await otherDevice(browser, user.name);
  try {
    await expect(other.app.todo('Taxes')).toBeVisible();
    // Both devices delete it; the other one, offline, then takes its delete back.
    await other.context.setOffline(true);
    await other.app.deleteTodo('Taxes');
    await app.deleteTodo('Taxes');
    await app.allSent(user.dbName);
    await other.context.setOffline(false);
    await other.page.getByRole('button', { name: 'Undo', exact: true }).click();
    await expect
      .poll(() => serverTitles(server(), user.token, 'Todo'))
      .toEqual(['Laundry', 'Taxes']);

    // Here, the undo toast of this device's own delete goes: the restored todo shows.
    await page
      .getByRole('log', { name: 'Messages' })
      .getByRole('button', { name: 'Dismiss' })
      .click();
    await expect(app.todo('Taxes')).toBeVisible();
    await expect.poll(() => shownTodos(page)).toEqual(['Laundry', 'Taxes']);
  } finally {
    await other.context.close();
  }
});
