import { randomUUID } from 'node:crypto';
import type { LogWithRecord, SpacesPullResponse } from 'swsync/schema';
import { type Browser, type BrowserContext, expect, type Page, test } from '../support/test.ts';
import { DemoApp } from './app.ts';
import { seriousViolations, smallTargets } from './checks.ts';
import { newUser } from './people.ts';
import { useServedDemo } from './served-demo.ts';

/**
 * Issue #9 in Chromium: shared boards between two people, each in a browser context of their
 * own (own cookies, own Service Worker, own IndexedDB), driven by accessible names only. The
 * server is read through a spaces pull of the owner's own session.
 */

const server = useServedDemo();

/** The contexts a test opened: closed after it, so no worker of theirs syncs on meanwhile. */
const opened: BrowserContext[] = [];
test.afterEach(async () => {
  for (const context of opened.splice(0)) await context.close();
});

/** One person's device: a context of its own, signed in as `name`. */
async function device(browser: Browser, name: string): Promise<DemoApp> {
  const context = await browser.newContext();
  opened.push(context);
  const app = new DemoApp(await context.newPage());
  await app.signIn(server().url, name);
  return app;
}

/** Every live record the token's account can read, through a spaces pull. */
async function readable(token: string): Promise<LogWithRecord[]> {
  const entries: LogWithRecord[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const response = await fetch(`${server().url}/api/sync/pull`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ lastChangelogId: cursor, limit: 1000, spaces: true }),
    });
    const body = (await response.json()) as SpacesPullResponse;
    entries.push(...body.logsWithRecords);
    cursor = body.cursor;
    if (!body.hasMore) return entries.filter((e) => e.record !== null);
  }
  throw new Error('the pull did not end within 100 pages');
}

/** The todos the token's account can read on the server: title → done. */
async function serverTodos(token: string): Promise<Record<string, boolean>> {
  const todos = (await readable(token)).filter((e) => e.model === 'Todo');
  return Object.fromEntries(todos.map((e) => [String(e.record?.title), e.record?.done === true]));
}

/** The owner shares the open board with `name` as `role`, through the share panel. */
async function share(page: Page, name: string, role: 'Can edit' | 'Can view') {
  const open = page.getByRole('button', { name: 'Share board' });
  if ((await open.getAttribute('aria-expanded')) !== 'true') await open.click();
  await page.getByRole('textbox', { name: 'Share with' }).fill(name);
  await page.getByRole('combobox', { name: 'Role', exact: true }).selectOption({ label: role });
  await page.getByRole('button', { name: 'Share', exact: true }).click();
  await expect(roleOf(page, name)).toHaveValue(role === 'Can edit' ? 'editor' : 'viewer');
}

/** The owner's choice of a member's role, in the Members list. */
const roleOf = (page: Page, name: string) =>
  members(page).getByRole('combobox', { name: `Role for ${name}` });

const members = (page: Page) => page.getByRole('list', { name: 'Members' });

test('a board shared to edit reaches the member without a reload, edits converge both ways, removal takes it away', async ({
  browser,
}, testInfo) => {
  const owner = await newUser(server(), 'olivia');
  const member = await newUser(server(), 'max');
  const o = await device(browser, owner.name);
  const m = await device(browser, member.name);
  await o.addBoard('Trip');
  await o.addTodo('Tickets');
  await m.addBoard('Max own');

  await share(o.page, member.name, 'Can edit');
  await expect(o.page.getByRole('button', { name: `Remove ${member.name}` })).toBeVisible();
  await expect(o.page.getByRole('textbox', { name: 'Share with' })).toBeFocused();
  await o.snapshot(testInfo, 'owner-shared');

  // No reload: the membership change pokes the member's devices, which pull the board.
  await m.board('Trip').click();
  await expect(m.todo('Tickets')).toBeVisible();
  // An editor edits todos; the board itself (rename, delete, share) stays the owner's.
  for (const control of ['Share board', 'Rename board', 'Delete board']) {
    await expect(m.page.getByRole('button', { name: control })).toHaveCount(0);
  }
  await expect(m.page.getByText(`Shared with you by ${owner.name}.`)).toBeVisible();
  await m.snapshot(testInfo, 'member-sees-board');

  await m.addTodo('Passports');
  await expect(o.todo('Passports')).toBeVisible();
  await o.checkbox('Tickets').check();
  await expect(m.checkbox('Tickets')).toBeChecked();
  await m.checkbox('Passports').check();
  await expect(o.checkbox('Passports')).toBeChecked();
  await expect.poll(() => serverTodos(owner.token)).toEqual({ Tickets: true, Passports: true });

  await o.page.getByRole('button', { name: `Remove ${member.name}` }).click();
  await expect(members(o.page).getByRole('listitem').filter({ hasText: member.name })).toHaveCount(
    0,
  );
  await expect(m.board('Trip')).toHaveCount(0);
  await expect(m.board('Max own')).toBeVisible();
  // It was open there: the member is told why another board is open now.
  await expect(m.page.getByRole('log', { name: 'Messages' })).toContainText(
    'Board ‘Trip’ is gone (deleted elsewhere, or no longer shared with you).',
  );
  // Gone from the member's device, and only there: the owner keeps the board and its todos.
  await expect.poll(async () => (await m.localData(member.dbName))?.boards).toEqual(['Max own']);
  expect((await m.localData(member.dbName))?.todos).toEqual([]);
  await expect(o.todo('Passports')).toBeVisible();
  expect(await serverTodos(owner.token)).toEqual({ Tickets: true, Passports: true });
});

test('a viewer sees the shared board but cannot write to it', async ({ browser }) => {
  const owner = await newUser(server(), 'vera');
  const viewer = await newUser(server(), 'victor');
  const o = await device(browser, owner.name);
  const v = await device(browser, viewer.name);
  await o.addBoard('Menu');
  await o.addTodo('Soup');

  await share(o.page, viewer.name, 'Can view');
  await v.board('Menu').click();
  await expect(v.todo('Soup')).toBeVisible();
  await expect(v.page.getByRole('textbox', { name: 'New todo' })).toBeDisabled();
  await expect(v.page.getByRole('button', { name: 'Add todo' })).toBeDisabled();
  await expect(v.checkbox('Soup')).toBeDisabled();
  await expect(v.page.getByRole('button', { name: 'Delete Soup' })).toBeDisabled();
  await expect(v.page.getByRole('button', { name: 'Rename Soup' })).toBeDisabled();
  await expect(v.page.getByRole('button', { name: 'Delete board' })).toHaveCount(0);

  // The owner's later edits still reach the viewer.
  await o.addTodo('Bread');
  await expect(v.todo('Bread')).toBeVisible();
  await expect(v.checkbox('Bread')).toBeDisabled();
  // Made an editor, the same board becomes writable without a reload.
  await share(o.page, viewer.name, 'Can edit');
  await expect(v.page.getByRole('textbox', { name: 'New todo' })).toBeEnabled();
});

test('the owner changes a role from the Members list or by sharing again; sharing the same role says so; members see who has the board', async ({
  browser,
}, testInfo) => {
  const owner = await newUser(server(), 'rosa');
  const member = await newUser(server(), 'raul');
  const other = await newUser(server(), 'rita');
  const o = await device(browser, owner.name);
  const m = await device(browser, member.name);
  await o.addBoard('Garden');
  await o.addTodo('Seeds');
  await share(o.page, member.name, 'Can view');
  await share(o.page, other.name, 'Can edit');
  await m.board('Garden').click();
  await expect(m.page.getByRole('textbox', { name: 'New todo' })).toBeDisabled();
  const messages = o.page.getByRole('log', { name: 'Messages' });

  // The same share again changes nothing and says so.
  await share(o.page, member.name, 'Can view');
  await expect(messages).toContainText(`${member.name} already has ‘Garden’ (Can view).`);

  // From the keyboard, in the Members list: the member can edit without a reload.
  await roleOf(o.page, member.name).focus();
  await o.page.keyboard.press('ArrowUp');
  await expect(messages).toContainText(`${member.name} can now edit ‘Garden’.`);
  await expect(roleOf(o.page, member.name)).toHaveValue('editor');
  await expect(roleOf(o.page, member.name)).toBeFocused();
  await o.snapshot(testInfo, 'owner-changed-role');
  await expect(m.page.getByRole('textbox', { name: 'New todo' })).toBeEnabled();
  await expect(m.page.getByText('You can edit its todos.')).toBeVisible();
  await m.addTodo('Water');
  await expect(o.todo('Water')).toBeVisible();

  // Sharing again with another role changes it back.
  await share(o.page, member.name, 'Can view');
  await expect(messages).toContainText(`${member.name} can now view ‘Garden’.`);
  await expect(m.page.getByRole('textbox', { name: 'New todo' })).toBeDisabled();

  // A member sees who has the board, without controls to change it.
  await m.page.getByText('Who has this board').click();
  const seen = members(m.page);
  await expect(seen.getByRole('listitem')).toHaveText([
    `${owner.name}Owner`,
    `${member.name} (you)Can view`,
    `${other.name}Can edit`,
  ]);
  await expect(seen.getByRole('combobox')).toHaveCount(0);
  await expect(seen.getByRole('button')).toHaveCount(0);
  expect(await seriousViolations(m.page)).toEqual([]);
  expect(await smallTargets(m.page)).toEqual([]);
  await m.snapshot(testInfo, 'member-sees-members');
});

test('a member removed while offline loses the board when back online; its pending edits are dropped, told, never pushed', async ({
  browser,
}, testInfo) => {
  const owner = await newUser(server(), 'otto');
  const member = await newUser(server(), 'mia');
  const o = await device(browser, owner.name);
  const m = await device(browser, member.name);
  await o.addBoard('Garden');
  await o.addTodo('Seeds');
  await share(o.page, member.name, 'Can edit');
  await m.board('Garden').click();
  await expect(m.todo('Seeds')).toBeVisible();

  await m.page.context().setOffline(true);
  await expect(m.status()).toHaveText('Offline');
  await m.addTodo('Offline idea');
  await m.checkbox('Seeds').check();
  await expect(m.status()).toHaveText('Offline · 2 pending');
  expect((await m.localData(member.dbName))?.outbox).toBe(2);

  await o.page.getByRole('button', { name: `Remove ${member.name}` }).click();
  await expect(members(o.page).getByRole('listitem').filter({ hasText: member.name })).toHaveCount(
    0,
  );

  await m.page.context().setOffline(false);
  await expect(m.board('Garden')).toHaveCount(0, { timeout: 15_000 });
  await expect(
    m.page.getByRole('alert').filter({ hasText: '‘Offline idea’ was not saved' }),
  ).toHaveText(/you no longer have access to its board/);
  await expect(m.page.getByRole('alert').filter({ hasText: '‘Seeds’ was not saved' })).toHaveText(
    /you no longer have access to its board/,
  );
  await m.snapshot(testInfo, 'member-removed-offline');
  // Dropped, not sent: the outbox empties without the owner ever seeing either edit.
  await expect.poll(async () => (await m.localData(member.dbName))?.outbox).toBe(0);
  expect((await m.localData(member.dbName))?.boards).toEqual([]);
  await expect(m.status()).toHaveText('Synced');
  expect(await serverTodos(owner.token)).toEqual({ Seeds: false });
  await expect(o.checkbox('Seeds')).not.toBeChecked();
  await expect(o.todo('Offline idea')).toHaveCount(0);
});

test('sharing with a name that never signed in says so, and shares nothing', async ({
  browser,
}) => {
  const owner = await newUser(server(), 'nora');
  const o = await device(browser, owner.name);
  await o.addBoard('Plans');
  const stranger = `nobody-${randomUUID().slice(0, 8)}`;

  await o.page.getByRole('button', { name: 'Share board' }).click();
  await o.page.getByRole('textbox', { name: 'Share with' }).fill(stranger);
  await o.page.getByRole('button', { name: 'Share', exact: true }).click();
  await expect(o.page.getByRole('alert')).toHaveText(
    `No one named ‘${stranger}’ has signed in yet, so the board cannot be shared with them.`,
  );
  await expect(o.page.getByRole('textbox', { name: 'Share with' })).toBeFocused();
  await expect(o.page.getByRole('button', { name: /^Remove / })).toHaveCount(0);
  // The board stayed private: the access route still names no scope.
  const access = await fetch(
    `${server().url}/api/boards/${(await readable(owner.token))[0]?.keyPath[0]}/access`,
    { headers: { authorization: `Bearer ${owner.token}` } },
  );
  expect(await access.json()).toMatchObject({ scope: null, role: 'owner', members: [] });

  // Escape closes the panel and gives the focus back to its button.
  await o.page.keyboard.press('Escape');
  await expect(o.page.getByRole('textbox', { name: 'Share with' })).toBeHidden();
  await expect(o.page.getByRole('button', { name: 'Share board' })).toBeFocused();
});
