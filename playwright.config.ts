/**
 * End-to-end tests of the station interface (tests/e2e) in Debian's Chromium
 * against a real headless station, and of the Electron app (tests/electron,
 * project `electron`). Run `npm run build:ui` first: the station and the app
 * serve the built interface. Browsers are never downloaded.
 */
import { defineConfig } from '@playwright/test';
import { findElectronRuntime } from './electron/electron-runtime.ts';
import { chromiumLaunchOptions } from './tests/e2e/support/chromium.ts';

// The Electron app's tests (tests/electron) need Electron's runtime; without it they are skipped, and the
// runner says why once (workers load this file too, so only the runner prints).
const electronRuntime = findElectronRuntime();
if (!electronRuntime.available && process.env['TEST_WORKER_INDEX'] === undefined) {
  process.stdout.write(
    `tests/electron will be skipped: Electron runtime not installed: ${electronRuntime.reason}\n`,
  );
}

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results/e2e',
  // Each test starts its own station and browser page; two workers fit a two-core machine.
  workers: 2,
  fullyParallel: true,
  forbidOnly: process.env['CI'] !== undefined,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: chromiumLaunchOptions(),
    acceptDownloads: true,
    locale: 'en-GB',
    timezoneId: 'Asia/Taipei',
    viewport: { width: 1280, height: 900 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'e2e' },
    {
      // The Electron app, launched by each test with _electron.launch (no browser page); see tests/electron.
      name: 'electron',
      testDir: 'tests/electron',
      outputDir: 'test-results/electron',
      timeout: 150_000,
    },
  ],
});
