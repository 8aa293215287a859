import { holdDatabase, releaseDatabase } from '../support/held-database.ts';
import { type BrowserContext, expect, test } from '../support/test.ts';
import { DemoApp } from './app.ts';
import { seriousViolations } from './checks.ts';
import { newUser, serverTitles } from './people.ts';
import { useServedDemo } from './served-demo.ts';

const server = useServedDemo();

/** A second tab of the same browser (same worker, same session), open on the app. */
async function secondTab(context: BrowserContext): Promise<DemoApp> {
  const page = await context.newPage();
  await page.goto(server().url);
  return new DemoApp(page);
}

test('a rename open in one tab is not lost silently when another tab deletes that todo', async ({
  context,
  page,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const user = await newUser(server(), 'elsewhere-todo');
  const a = new DemoApp(page);
  await a.signIn(server().url, user.name);
  await a.addBoard('Groceries');
  for (const title of ['Bread', 'Milk', 'Eggs']) await a.addTodo(title);
  const b = await secondTab(context);
  await expect(b.todo('Milk')).toBeVisible();

  await b.page.getByRole('button', { name: 'Rename Milk' }).click();
  await b.page.getByRole('textbox', { name: 'New title for Milk' }).fill('Oat milk');
  await a.deleteTodo('Milk');

  const toast = b.page.getByRole('alert').filter({ hasText: 'Milk' });
  await expect(toast).toHaveText(
    /‘Milk’ was deleted in another tab or on another device: the new title ‘Oat milk’ was not saved\./,
  );
  // The focus stays in the list, on the same control of the row that took the deleted one's place.
  await expect(b.page.getByRole('button', { name: 'Rename Eggs' })).toBeFocused();
  expect(await seriousViolations(b.page)).toEqual([]);
  await toast.getByRole('button', { name: 'Copy text' }).click();
  expect(await b.page.evaluate(() => navigator.clipboard.readText())).toBe('Oat milk');

  // Nothing was written for the abandoned edit: no rename reached the server, none is pending.
  await a.allSent(user.dbName);
  expect(await serverTitles(server(), user.token, 'Todo')).toEqual(['Bread', 'Eggs']);
  await expect(b.page.getByRole('alert').filter({ hasText: 'rejected' })).toHaveCount(0);
});

test('text typed into "New todo" in one tab is not moved to another board when another tab deletes the board', async ({
  context,
  page,
}) => {
  const user = await newUser(server(), 'elsewhere-board');
  const a = new DemoApp(page);
  await a.signIn(server().url, user.name);
  await a.addBoard('Home');
  await a.addBoard('Groceries');
  await a.addTodo('Bread');
  const b = await secondTab(context);
  await expect(b.page.getByRole('heading', { level: 1 })).toHaveText('Groceries');

  const field = b.page.getByRole('textbox', { name: 'New todo' });
  await field.fill('Buy eggs');
  await a.page.getByRole('button', { name: 'Delete board' }).click();

  await expect(b.page.getByRole('alert').filter({ hasText: 'Buy eggs' })).toHaveText(
    /Board ‘Groceries’ is gone \(deleted elsewhere, or no longer shared with you\): ‘Buy eggs’ was not saved\./,
  );
  await expect(b.page.getByRole('heading', { level: 1 })).toHaveText('Home');
  // The text did not follow to the next board, where Enter would have added it by mistake.
  await expect(field).toHaveValue('');
  await expect(field).toBeFocused();
  await b.page.keyboard.press('Enter');
  await a.allSent(user.dbName);
  expect(await serverTitles(server(), user.token, 'Todo')).toEqual([]);
  expect(await serverTitles(server(), user.token, 'Board')).toEqual(['Home']);
});

test('a board open in one tab and deleted in another says why another board is open now', async ({
  context,
  page,
}) => {
  const user = await newUser(server(), 'elsewhere-viewed');
  const a = new DemoApp(page);
  await a.signIn(server().url, user.name);
  await a.addBoard('Home');
  await a.addBoard('Attic');
  const b = await secondTab(context);
  await expect(b.page.getByRole('heading', { level: 1 })).toHaveText('Attic');

  await a.page.getByRole('button', { name: 'Delete board' }).click();
  await expect(b.page.getByRole('heading', { level: 1 })).toHaveText('Home');
  await expect(b.page.getByRole('log', { name: 'Messages' })).toContainText(
    'Board ‘Attic’ is gone (deleted elsewhere, or no longer shared with you).',
  );
  // Nothing was lost, so nothing is raised as an error.
  await expect(b.page.getByRole('alert')).toHaveCount(0);
});

test('a board left on purpose keeps the "New todo" text for the next one, and says nothing', async ({
  page,
}) => {
  const user = await newUser(server(), 'elsewhere-switch');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await app.addBoard('Home');
  await app.addBoard('Work');
  const field = page.getByRole('textbox', { name: 'New todo' });
  await field.fill('Call Sam');
  await app.board('Home').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Home');
  await expect(field).toHaveValue('Call Sam');
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('deleting a board with the keyboard leaves the focus on the next board in the list', async ({
  page,
}) => {
  const user = await newUser(server(), 'elsewhere-keys');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await app.addBoard('Home');
  await app.addBoard('Work');
  await page.getByRole('button', { name: 'Delete board' }).focus();
  await page.keyboard.press('Enter');
  await expect(app.board('Work')).toHaveCount(0);
  await expect(app.board('Home')).toBeFocused();
  await expect(app.board('Home')).toHaveAttribute('aria-current', 'true');
  // A second Enter opens the board it is on; it deletes nothing.
  await page.keyboard.press('Enter');
  await expect(app.board('Home')).toBeVisible();
});

test('a tab that holds the local database up while this one updates it: this tab says so, and goes on by itself once it lets go', async ({
  context,
  page,
}) => {
  const user = await newUser(server(), 'elsewhere-held');
  const a = new DemoApp(page);
  await a.signIn(server().url, user.name);
  await a.addBoard('Home');
  await a.addTodo('Bread');
  // A page of the same origin holds the database up: this tab's connections make way for the
  // upgrade waiting there and cannot open again until it is over.
  const other = await context.newPage();
  await other.goto(`${server().url}/no-such-page`);
  await holdDatabase(other, user.dbName);

  const toast = page.getByRole('alert').filter({ hasText: 'cannot read your saved lists' });
  await expect(toast).toBeVisible({ timeout: 15_000 });
  // Told once, though both lists on screen failed to read.
  await expect(toast).toHaveCount(1);
  await expect(a.todo('Bread')).toBeVisible();

  await releaseDatabase(other);
  await a.addTodo('Milk');
  await expect(a.todo('Milk')).toBeVisible();
  await expect(a.todo('Bread')).toBeVisible();
});
