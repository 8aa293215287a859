import { expect, test } from '../support/test.ts';
import { DemoApp } from './app.ts';
import { focused, seriousViolations } from './checks.ts';
import { newUser } from './people.ts';
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
