import AxeBuilder from '@axe-core/playwright';
import type { Page, TestInfo } from '../support/test.ts';

/** The two window sizes the demo must fit: a laptop and a phone. */
export const SIZES = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

/** How far the page scrolls sideways: `scrollWidth - innerWidth` (0 when nothing sticks out). */
export function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));
}

/** The axe-core violations of impact serious or critical on the page as it is now. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** A screenshot of the whole page into the test's output folder (under test-results/). */
export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/**
 * A description of the focused element: its role-ish tag and accessible label, e.g.
 * `button "Delete Milk"` or `input "New todo"`; `body` when nothing is focused.
 */
export function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'body';
    const tag = el.tagName.toLowerCase();
    const type = el instanceof HTMLInputElement && el.type === 'checkbox' ? 'checkbox' : tag;
    const name =
      el.getAttribute('aria-label') ??
      (el instanceof HTMLInputElement ? el.labels?.[0]?.textContent : null) ??
      el.textContent ??
      '';
    return `${type} "${name.trim()}"`;
  });
}
