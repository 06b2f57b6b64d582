/**
 * The end-to-end test fixture: every test gets a fresh real station (its own
 * data directory, stopped with SIGTERM and removed afterwards) and a fresh
 * page; `checkScreen` scans the current screen with axe and keeps a
 * screenshot of it as a test artifact.
 */
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import { startUiStation, type UiStation } from './station.ts';

export { expect };

export const test = base.extend<{ station: UiStation }>({
  // Playwright reads the fixture's dependencies from this (empty) destructuring pattern.
  // eslint-disable-next-line no-empty-pattern
  station: async ({}, use, testInfo) => {
    const station = await startUiStation();
    try {
      await use(station);
    } finally {
      // The station's own log explains most failures; keep it with the failed test.
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach('station log', { body: station.process.logs(), contentType: 'text/plain' });
      }
      await station.close();
    }
  },
});

/** WCAG 2.0 and 2.1, levels A and AA: the interface's accessibility bar. */
export const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Where the screenshots of every screen are kept after the run. */
export function screenshotPath(testInfo: TestInfo, name: string): string {
  return path.join(testInfo.project.outputDir, 'screens', `${name}.png`);
}

/**
 * Scans the page as it is now for WCAG 2.1 AA violations (the test fails on
 * any, each listed with its elements) and saves a full-page screenshot named
 * `name`. Call it once the screen shows what is to be checked. With `soft`,
 * the test goes on after violations and fails at its end.
 */
export async function checkScreen(
  page: Page,
  testInfo: TestInfo,
  name: string,
  options: { readonly soft?: boolean } = {},
): Promise<void> {
  const file = screenshotPath(testInfo, name);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  await testInfo.attach(`screen ${name}`, { path: file, contentType: 'image/png' });
  // Only violations are needed: leaving out the passes makes each scan much cheaper.
  const results = await new AxeBuilder({ page })
    .withTags(wcagTags)
    .options({ resultTypes: ['violations'] })
    .analyze();
  const violations = results.violations.map(
    (violation) =>
      `${violation.id} (${violation.impact ?? 'no impact given'}): ${violation.help}\n` +
      violation.nodes.map((node) => `    ${node.target.join(' ')}: ${node.failureSummary ?? ''}`).join('\n'),
  );
  const check = options.soft === true ? expect.soft : expect;
  check(violations, `WCAG 2.1 AA violations on the ${name} screen`).toEqual([]);
}
