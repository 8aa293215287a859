import { expect, test } from '@playwright/test';

test('Debian Chromium starts and renders a page', async ({ page }) => {
  await page.setContent('<button>hello</button>');
  await expect(page.getByRole('button', { name: 'hello' })).toBeVisible();
});
