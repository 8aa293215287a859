import { expect, test } from '../support/test.ts';
import { DemoApp } from './app.ts';
import { focused, SIZES, seriousViolations } from './checks.ts';
import { newUser, seedBoard } from './people.ts';
import { useServedDemo } from './served-demo.ts';

const server = useServedDemo();

const TODOS = 10_000;

// Seeding 10,000 todos and their first sync take a while on a loaded machine.
test.setTimeout(240_000);

test('at 10,000 todos an added todo is scrolled into view, announced, and counted right at once', async ({
  page,
}, testInfo) => {
  const user = await newUser(server(), 'big-add');
  await seedBoard(server(), user, 'Big', TODOS);
  // Every text the todo count shows, and the text it shows right after an add (the "New todo"
  // form's submit) or a toggle (a checkbox's change) was handled: what a person sees in that
  // frame. Kept per document: a reload starts them again.
  await page.addInitScript(() => {
    const seen: string[] = [];
    const atAction: string[] = [];
    const countText = () => document.querySelector('.count')?.textContent ?? '';
    Object.assign(window, { countsSeen: seen, countsAtAction: atAction });
    new MutationObserver(() => {
      const text = countText();
      if (text !== seen.at(-1)) seen.push(text);
    }).observe(document, { subtree: true, childList: true, characterData: true });
    document.addEventListener('submit', (e) => {
      const form = e.target as HTMLFormElement;
      if (form.querySelector('[aria-label="New todo"]')) atAction.push(`add: ${countText()}`);
    });
    document.addEventListener('change', (e) => {
      const box = e.target as HTMLInputElement;
      if (box.type === 'checkbox') atAction.push(`toggle: ${countText()}`);
    });
  });
  const counts = () =>
    page.evaluate(() => {
      const w = window as unknown as { countsSeen: string[]; countsAtAction: string[] };
      return { seen: w.countsSeen, atAction: w.countsAtAction };
    });
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  const count = page.getByText(/^[\d,]+ open · [\d,]+ done$/);
  await expect(count).toHaveText('10,000 open · 0 done', { timeout: 120_000 });

  const field = page.getByRole('textbox', { name: 'New todo' });
  await field.focus();
  await page.keyboard.type('Item 10000');
  await page.keyboard.press('Enter');
  // Seen: the new row, at the end of the list, is in view, and the field is still in view.
  await expect(app.todo('Item 10000')).toBeInViewport();
  await expect(app.todo('Item 10000')).toHaveAttribute('aria-posinset', '10001');
  await expect(field).toBeInViewport();
  expect(await focused(page)).toBe('input "New todo"');
  // Heard: a polite live region says it.
  const said = page.getByText('Added ‘Item 10000’ at the end of the list (10,001 todos).');
  await expect(said).toHaveAttribute('aria-live', 'polite');
  await expect(count).toHaveText('10,001 open · 0 done');
  await app.snapshot(testInfo, 'added-at-10000');

  // Typing on adds the next one just as well.
  await page.keyboard.type('Item 10001');
  await page.keyboard.press('Enter');
  await expect(app.todo('Item 10001')).toBeInViewport();
  await expect(
    page.getByText('Added ‘Item 10001’ at the end of the list (10,002 todos).'),
  ).toHaveAttribute('aria-live', 'polite');
  expect(await seriousViolations(page)).toEqual([]);

  // A toggle is counted in the same frame, not when the list's query comes back.
  await app.checkbox('Item 10000').focus();
  await page.keyboard.press('Space');
  await expect(app.checkbox('Item 10000')).toBeChecked();
  await expect(count).toHaveText('10,001 open · 1 done');

  const before = await counts();
  expect(before.atAction).toEqual([
    'add: 10,001 open · 0 done',
    'add: 10,002 open · 0 done',
    'toggle: 10,001 open · 1 done',
  ]);
  // Once the first sync brought all 10,000, only right counts showed.
  const synced = before.seen.indexOf('10,000 open · 0 done');
  expect(before.seen.slice(synced)).toEqual([
    '10,000 open · 0 done',
    '10,001 open · 0 done',
    '10,002 open · 0 done',
    '10,001 open · 1 done',
  ]);

  // A reload, and an add at once, maybe before the stored todos are read back: no count that
  // leaves them out ("1 open · 0 done" before).
  await page.reload();
  await field.fill('Item 10002');
  await page.keyboard.press('Enter');
  await expect(count).toHaveText('10,002 open · 1 done', { timeout: 60_000 });
  await expect(app.todo('Item 10002')).toBeInViewport();
  const after = await counts();
  expect(after.atAction).toHaveLength(1);
  expect(['add: ', 'add: 10,002 open · 1 done']).toContain(after.atAction[0]);
  // Before the add, the 10,002 stored (if they were read back first), then all 10,003.
  const shown = after.seen.filter((text) => text !== '');
  expect(shown.filter((text) => text !== '10,001 open · 1 done')).toEqual(['10,002 open · 1 done']);
  expect(shown.at(-1)).toBe('10,002 open · 1 done');
});

test('on a phone, Tab walks a long list of wrapping titles row by row: the focus never drops', async ({
  page,
}) => {
  await page.setViewportSize(SIZES.phone);
  const user = await newUser(server(), 'big-wrap');
  // Titles of about 210 characters: three or four lines each at 390 px, where the list's
  // first guess of a row's height is one line.
  const title = (i: number) => `Item ${i} ${'word '.repeat(40).trim()}`;
  await seedBoard(server(), user, 'Long', 350, title);
  const app = new DemoApp(page);
  await app.signIn(server().url, user.name);
  await expect(page.getByText('350 open · 0 done')).toBeVisible({ timeout: 30_000 });

  await app.checkbox(title(0)).focus();
  // Each row has three stops (checkbox, Rename, Delete): 90 presses go 30 rows down.
  for (let i = 1; i <= 90; i++) {
    await page.keyboard.press('Tab');
    const row = Math.floor(i / 3);
    const want = [
      `checkbox "Item ${row} `,
      `button "Rename Item ${row} `,
      `button "Delete Item ${row} `,
    ][i % 3]!;
    expect((await focused(page)).slice(0, want.length)).toBe(want);
  }
  await page.keyboard.press('Space');
  await expect(app.checkbox(title(30))).toBeChecked();
  await expect(page.getByText('349 open · 1 done')).toBeVisible();
});
