import { defineConfig } from '@playwright/test';
import { chromiumLaunch } from '../playwright.config.ts';

/** The Chromium part of `npm run test:reliability` (the root config leaves e2e/reliability out). */
export default defineConfig({
  testDir: '../e2e/reliability',
  testMatch: '**/*.spec.ts',
  timeout: 90_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  // Spent only on a browser crash: see e2e/support/test.ts.
  retries: 1,
  reporter: [['list']],
  outputDir: '../test-results/reliability',
  use: { headless: true, launchOptions: chromiumLaunch, trace: 'retain-on-failure' },
});
