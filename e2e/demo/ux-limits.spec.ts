import { randomUUID } from 'node:crypto';
import { expect, test } from '../support/test.ts';
import { DemoApp } from './app.ts';
import { focused, seriousViolations } from './checks.ts';
import { serverTitles } from './people.ts';
import { useServedDemo } from './served-demo.ts';

const server = useServedDemo();

const thumb = '👍🏽'; // one character, 4 UTF-16 code units
const family = '👨‍👩‍👧‍👦'; // one character, 11 code units
const accented = 'e\u0301'; // "é" as a letter and its accent: one character, 2 code units

test('limits count characters as a person sees them, and the server takes whatever the page accepts', async ({
  page,
}) => {
  const app = new DemoApp(page);
  // 56 thumbs and 8 letters: 64 characters, 232 code units.
  const name = `${thumb.repeat(56)}${randomUUID().slice(0, 8)}`;
  await page.goto(server().url);
  await page.getByRole('textbox', { name: 'Name' }).fill(name);
  await page.keyboard.press('Enter');
  const boardField = page.getByRole('textbox', { name: 'New board' });
  await expect(boardField).toBeFocused();
  const { token } = await server().login(name);

  // A board name of 200 family emoji: at its limit, not over it.
  await page.keyboard.insertText(family.repeat(200));
  await expect(page.getByText('200 / 200 characters')).toBeVisible();
  await expect(boardField).not.toHaveAttribute('aria-invalid');
  await page.keyboard.press('Enter');
  await expect(app.board(family.repeat(200))).toBeVisible();

  // A title of 501 accented letters: over, by one character; "Keep the first 500" cuts
  // between characters and hands the field back.
  const todoField = page.getByRole('textbox', { name: 'New todo' });
  await todoField.focus();
  await page.keyboard.insertText(accented.repeat(501));
  await page.keyboard.press('Enter');
  await expect(
    page.getByText('A todo has at most 500 characters; this one has 501.'),
  ).toBeVisible();
  await expect(todoField).toHaveAttribute('aria-invalid', 'true');
  expect(await seriousViolations(page), 'axe with the limit message').toEqual([]);
  await page.getByRole('button', { name: 'Keep the first 500 characters' }).click();
  await expect(todoField).toHaveValue(accented.repeat(500));
  expect(await focused(page)).toBe('input "New todo"');
  await expect(page.getByText('500 / 500 characters')).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(app.checkbox(accented.repeat(500))).toBeVisible();

  // 500 thumbs with a skin tone (2,000 code units), then a rename to 500 family emoji.
  await todoField.fill(thumb.repeat(500));
  await page.keyboard.press('Enter');
  await expect(app.checkbox(thumb.repeat(500))).toBeVisible();
  await page.getByRole('button', { name: `Rename ${thumb.repeat(500)}` }).click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(family.repeat(500));
  await expect(page.getByText('500 / 500 characters')).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(app.checkbox(family.repeat(500))).toBeVisible();

  // Everything the page took is on the server, and nothing came back refused.
  await expect(app.status()).toHaveText('Synced');
  await expect
    .poll(() => serverTitles(server(), token, 'Todo'))
    .toEqual([accented.repeat(500), family.repeat(500)].sort());
  expect(await serverTitles(server(), token, 'Board')).toEqual([family.repeat(200)]);
  await expect(page.getByRole('alert')).toHaveCount(0);
});
