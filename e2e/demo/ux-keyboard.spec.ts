import { expect, test } from '../support/test.ts';
import { DemoApp } from './app.ts';
import { focused, seriousViolations } from './checks.ts';
import { newUser, serverTitles } from './people.ts';
import { useServedDemo } from './served-demo.ts';

const server = useServedDemo();

test('the first Tab stop skips to the main content, signed in and signed out', async ({ page }) => {
  const user = await newUser(server(), 'skip');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await app.addBoard('Errands');
  await app.addTodo('Milk');

  // A fresh load, as a keyboard user arrives: nothing focused, then Tab.
  await page.reload();
  await app.todo('Milk').waitFor();
  expect(await focused(page)).toBe('body');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to main content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  expect(await seriousViolations(page), 'axe with the skip link shown').toEqual([]);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('main')).toBeFocused();
  // The next Tab goes on from the main content, not back to the header.
  await page.keyboard.press('Tab');
  expect(await focused(page)).toBe('input "New board"');
  await expect(skip).not.toBeInViewport();

  // The sign-in page puts the focus in "Name" (its main content) at once; the link is the one
  // stop before it.
  await app.signOut('Sign out');
  expect(await focused(page)).toBe('input "Name"');
  await page.keyboard.press('Shift+Tab');
  await expect(skip).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('main')).toBeFocused();
});

test('Escape closes the share panel: the button says it is collapsed and has the focus', async ({
  page,
}) => {
  const user = await newUser(server(), 'share-escape');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await app.addBoard('Trip');
  const shareButton = page.getByRole('button', { name: 'Share board' });
  const panel = page.getByRole('region', { name: 'Sharing' });

  // From each control of the panel: the name field, the role list, the Share button.
  for (const from of ['Share with', 'Role', 'Share'] as const) {
    await shareButton.focus();
    await page.keyboard.press('Enter');
    await expect(shareButton).toHaveAttribute('aria-expanded', 'true');
    await expect(panel).toBeVisible();
    const control =
      from === 'Share with'
        ? page.getByRole('textbox', { name: from })
        : from === 'Role'
          ? page.getByRole('combobox', { name: from })
          : page.getByRole('button', { name: from, exact: true });
    await control.focus();
    await page.keyboard.press('Escape');
    await expect(panel).toBeHidden();
    await expect(shareButton, `Escape in ${from}`).toHaveAttribute('aria-expanded', 'false');
    await expect(shareButton).toBeFocused();
  }

  // A click on the panel's text leaves the focus nowhere: Escape still closes it.
  await shareButton.click();
  await expect(panel).toBeVisible();
  await panel.getByRole('heading', { name: 'Members' }).click();
  expect(await focused(page)).toBe('body');
  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();
  await expect(shareButton).toHaveAttribute('aria-expanded', 'false');
  await expect(shareButton).toBeFocused();

  // Escape on the button itself, with the panel open, closes it too.
  await page.keyboard.press('Enter');
  await expect(panel).toBeVisible();
  await shareButton.focus();
  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();
  await expect(shareButton).toHaveAttribute('aria-expanded', 'false');
  await expect(shareButton).toBeFocused();
  expect(await seriousViolations(page), 'axe after the panel closed').toEqual([]);
});

test('with nothing focused, PageDown, Space, End and Home scroll the page', async ({ page }) => {
  const user = await newUser(server(), 'scroll-keys');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await app.addBoard('Long');
  for (let i = 0; i < 30; i++) await app.addTodo(`Item ${i}`);
  await page.reload();
  await app.todo('Item 29').waitFor({ state: 'attached' });
  expect(await focused(page)).toBe('body');
  await expect(app.todo('Item 29')).not.toBeInViewport();

  await page.keyboard.press('End');
  await expect(app.todo('Item 29')).toBeInViewport();
  await page.keyboard.press('Home');
  await expect(app.todo('Item 0')).toBeInViewport();
  await expect(app.todo('Item 29')).not.toBeInViewport();
  await page.keyboard.press('PageDown');
  await expect(app.todo('Item 0')).not.toBeInViewport();
  await page.keyboard.press('Shift+Space');
  await expect(app.todo('Item 0')).toBeInViewport();
  await page.keyboard.press('Space');
  await expect(app.todo('Item 0')).not.toBeInViewport();
});

test('a click elsewhere saves an open rename and leaves the focus where the person put it', async ({
  page,
}) => {
  const user = await newUser(server(), 'rename-blur');
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await app.addBoard('Shop');
  await app.addBoard('Other');
  await app.board('Shop').click();
  await app.addTodo('Milk');
  await app.addTodo('Eggs');

  // A todo: the person clicks into "New todo" and types the next one at once.
  await page.getByRole('button', { name: 'Rename Eggs' }).click();
  await page.getByRole('textbox', { name: 'New title for Eggs' }).fill('Eggs (free range)');
  await page.getByRole('textbox', { name: 'New todo' }).click();
  await page.keyboard.type('Jam');
  await page.keyboard.press('Enter');
  await expect(app.checkbox('Eggs (free range)')).toBeVisible();
  await expect(app.todo('Jam')).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'New title for Eggs (free range)' })).toHaveCount(
    0,
  );
  expect(await focused(page)).toBe('input "New todo"');
  await expect
    .poll(() => serverTitles(server(), user.token, 'Todo'))
    .toEqual(['Eggs (free range)', 'Jam', 'Milk']);

  // Unchanged text (no save to wait for) and a click on another row's checkbox.
  await page.getByRole('button', { name: 'Rename Milk' }).click();
  await app.checkbox('Jam').click();
  await expect(app.checkbox('Jam')).toBeChecked();
  expect(await focused(page)).toBe('checkbox "Jam"');

  // The board: a click on another board opens it, with the focus on that board's button.
  await page.getByRole('button', { name: 'Rename board' }).click();
  await page.getByRole('textbox', { name: 'New board name' }).fill('Shops');
  await app.board('Other').click();
  await expect(app.board('Shops')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Other' })).toBeVisible();
  expect(await focused(page)).toBe('button "Other"');
  await expect.poll(() => serverTitles(server(), user.token, 'Board')).toEqual(['Other', 'Shops']);
});
