/**
 * The "Done when": the station prints a `ui: ` line; opening that
 * address in Chromium shows the interface (on first run, the setup screen),
 * and an accessibility scan of that first screen finds no WCAG 2.1 AA violation.
 */
import { checkScreen, expect, test } from './support/fixtures.ts';
import { mainHeading } from './support/flows.ts';

test('the ui: address opens the setup screen, which has no WCAG 2.1 AA violation', async ({
  page,
  station,
}, testInfo) => {
  expect(station.uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=\S+$/);
  await page.goto(station.uiUrl);
  await expect(page).toHaveURL(/#\/setup$/);
  await expect(mainHeading(page, 'Set up the station')).toBeVisible();
  // The secret is taken from the address and kept for this tab only.
  expect(page.url()).not.toContain('token=');
  await checkScreen(page, testInfo, 'setup');
});
