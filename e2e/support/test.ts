import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as base } from '@playwright/test';

export type { Browser, BrowserContext, Page, Route, TestInfo } from '@playwright/test';
export { expect } from '@playwright/test';

/**
 * Playwright's `test` with one rule about retries. Debian's Chromium 156 now and then dies
 * (SIGTRAP, no message) when DevTools stops a Service Worker on a loaded machine: a browser
 * crash, not a failure of ours. The configs allow one retry, and this fixture spends it only on
 * such a crash: a retry whose previous attempt failed with the browser still alive fails at once,
 * so a retry never hides a flaky test of ours. Each crash is printed, so a run says how many.
 */
export const test = base.extend<{ browserCrashRetry: undefined; consoleOnFailure: undefined }>({
  /**
   * A failed test prints what its context's pages and workers logged (the last 200 lines): a
   * flake seen once in CI leaves no trace file behind, only the run's output.
   */
  consoleOnFailure: [
    async ({ context }, use, testInfo) => {
      const lines: string[] = [];
      const started = Date.now();
      const keep = (line: string) => {
        lines.push(`+${Date.now() - started} ms ${line}`);
        if (lines.length > 200) lines.shift();
      };
      context.on('console', (m) =>
        keep(`${m.worker() ? 'worker' : 'page'} ${m.type()}: ${m.text()}`),
      );
      context.on('weberror', (e) => keep(`uncaught: ${String(e.error())}`));
      await use(undefined);
      if (testInfo.status === testInfo.expectedStatus || lines.length === 0) return;
      console.log(`console of "${testInfo.title}":\n${lines.join('\n')}`);
    },
    { auto: true },
  ],
  browserCrashRetry: [
    async ({ browser }, use, testInfo) => {
      const marker = (retry: number) =>
        join(testInfo.project.outputDir, '.browser-crashes', `${testInfo.testId}-${retry}`);
      if (testInfo.retry > 0 && !existsSync(marker(testInfo.retry - 1))) {
        throw new Error('not retried: the previous attempt failed while the browser was alive');
      }
      await use(undefined);
      if (testInfo.status === testInfo.expectedStatus) return;
      // The browser's exit is reported a moment after the page call that saw it fail.
      const deadline = Date.now() + 2_000;
      while (browser.isConnected() && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      if (browser.isConnected()) return;
      mkdirSync(join(testInfo.project.outputDir, '.browser-crashes'), { recursive: true });
      writeFileSync(marker(testInfo.retry), testInfo.title);
      console.log(`Chromium crashed during "${testInfo.title}" (attempt ${testInfo.retry + 1})`);
    },
    { auto: true },
  ],
});
