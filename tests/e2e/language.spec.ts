/**
 * English and Traditional Chinese, switchable at any time: the screen's
 * heading changes language and back, the page's language follows (for
 * screen readers and fonts), and the choice survives a reload.
 */
import { checkScreen, expect, test } from './support/fixtures.ts';
import { mainHeading } from './support/flows.ts';

test('the language switches between English and 繁體中文 and stays chosen across reloads', async ({
  page,
  station,
}, testInfo) => {
  await page.goto(station.uiUrl);
  await expect(mainHeading(page, 'Set up the station')).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');

  await page.getByRole('group', { name: 'Language' }).getByRole('button', { name: '繁體中文' }).click();
  await expect(mainHeading(page, '設定投票站')).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-TW');
  const chinese = page.getByRole('group', { name: '語言' }).getByRole('button', { name: '繁體中文' });
  await expect(chinese).toHaveAttribute('aria-pressed', 'true');
  await checkScreen(page, testInfo, 'setup-zh-TW');

  await page.reload();
  await expect(mainHeading(page, '設定投票站')).toBeVisible();
  await expect(chinese).toHaveAttribute('aria-pressed', 'true');

  await page.getByRole('group', { name: '語言' }).getByRole('button', { name: 'English' }).click();
  await expect(mainHeading(page, 'Set up the station')).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');

  await page.reload();
  await expect(mainHeading(page, 'Set up the station')).toBeVisible();
  await expect(
    page.getByRole('group', { name: 'Language' }).getByRole('button', { name: 'English' }),
  ).toHaveAttribute('aria-pressed', 'true');
});
