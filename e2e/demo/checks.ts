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

/**
 * A screenshot of the whole page into the test's output folder (under test-results/). The app
 * scrolls in an element above its toasts: for the picture it grows to its content (the toasts
 * then show at the very end), and goes back to the window's height after.
 */
export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  const unfold = (on: boolean) =>
    page.evaluate((grow) => {
      const frame = document.querySelector<HTMLElement>('.frame');
      const scroller = document.querySelector<HTMLElement>('.scroller');
      if (frame) frame.style.height = grow ? 'auto' : '';
      if (scroller) scroller.style.overflow = grow ? 'visible' : '';
    }, on);
  await unfold(true);
  try {
    await page.screenshot({ path, fullPage: true });
  } finally {
    await unfold(false);
  }
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

/**
 * Scrolls the page's scrolling area (the app scrolls in an element above its toasts; the
 * sign-in page in the window) to `top` px, or to its end.
 */
export function scrollPage(page: Page, top: number | 'end'): Promise<void> {
  return page.evaluate((to) => {
    const area = document.querySelector('.scroller') ?? document.scrollingElement!;
    area.scrollTop = to === 'end' ? area.scrollHeight : to;
  }, top);
}

/** Where the first todo row sits in the page's content (not the window), in px. */
export function firstRowTop(page: Page): Promise<number> {
  return page.evaluate(() => {
    const area = document.querySelector('.scroller') ?? document.scrollingElement!;
    const row = document.querySelector('.todos li')!.getBoundingClientRect().top;
    return row - area.getBoundingClientRect().top + area.scrollTop;
  });
}

/** Controls a finger must hit: every visible button, text field and checkbox row. */
export async function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const small: string[] = [];
    const targets = document.querySelectorAll<HTMLElement>(
      'button, input:not([type="checkbox"]), select, summary, .todo label',
    );
    for (const el of targets) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      if (box.width < 44 || box.height < 44) {
        const name = el.getAttribute('aria-label') ?? el.textContent ?? el.tagName;
        small.push(`${name.slice(0, 40)}: ${Math.round(box.width)}×${Math.round(box.height)}`);
      }
    }
    return small;
  });
}
