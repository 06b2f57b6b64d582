/**
 * The voting kiosk beyond the plain visit: a vote cast with the keyboard
 * alone, and a second vote by the same voter refused by the station even
 * when two kiosks reach the confirmation at the same moment.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.ts';
import {
  credentialOf,
  endInMs,
  kioskTitles,
  mainHeading,
  openScreen,
  prepareKiosk,
  presentCredential,
  signInWithFile,
} from './support/flows.ts';

const election = 'Mayor 2030';
const plan = {
  voters: [{ name: 'Ada Lovelace', group: 'North' }],
  elections: [
    {
      name: election,
      groups: ['North'],
      choices: ['Alice Wang', '陳美玲', 'Lin Tiger'],
      endsAtMs: endInMs(3_600_000),
    },
  ],
};

test('a voter votes with the keyboard alone, from the kiosk start to the confirmation', async ({
  page,
  station,
}, testInfo) => {
  const prepared = await prepareKiosk(page, testInfo, station.uiUrl, plan);
  const keyboard = page.keyboard;
  const focused = (role: 'button' | 'radio', name: string) =>
    expect(page.getByRole(role, { name })).toBeFocused();

  // From here on the voter uses the keyboard only. Opening the kiosk put the focus on the main area.
  await expect(page.getByRole('main')).toBeFocused();
  await keyboard.press('Tab');
  await focused('button', 'Open my credential file');
  // Enter opens the browser's file dialog; a native dialog cannot be driven by keys from the page,
  // so the test picks the file in the dialog Playwright intercepts.
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), keyboard.press('Enter')]);
  await chooser.setFiles(credentialOf(prepared.voters, 'Ada Lovelace'));

  await expect(mainHeading(page, kioskTitles.choice)).toBeFocused();
  await keyboard.press('Tab');
  await focused('radio', 'Alice Wang');
  await keyboard.press('Space');
  await expect(page.getByRole('radio', { name: 'Alice Wang' })).toBeChecked();
  await keyboard.press('ArrowDown');
  await focused('radio', '陳美玲');
  await expect(page.getByRole('radio', { name: '陳美玲' })).toBeChecked();
  await keyboard.press('Tab');
  await focused('button', 'Continue');
  await keyboard.press('Enter');

  await expect(mainHeading(page, kioskTitles.review)).toBeFocused();
  await expect(page.getByText(`You chose 陳美玲 in the election ${election}.`)).toBeVisible();
  await keyboard.press('Tab');
  await focused('button', 'Confirm my vote');
  await keyboard.press('Tab');
  await focused('button', 'Change my choice');
  await keyboard.press('Shift+Tab');
  await focused('button', 'Confirm my vote');
  await keyboard.press('Tab');
  await keyboard.press('Enter');

  // Back at the choice, the choice made is kept; the arrow keys change it.
  await expect(mainHeading(page, kioskTitles.choice)).toBeFocused();
  await keyboard.press('Tab');
  await focused('radio', '陳美玲');
  await keyboard.press('ArrowDown');
  await expect(page.getByRole('radio', { name: 'Lin Tiger' })).toBeChecked();
  await keyboard.press('Tab');
  await focused('button', 'Continue');
  await keyboard.press('Space');

  await expect(mainHeading(page, kioskTitles.review)).toBeFocused();
  await expect(page.getByText(`You chose Lin Tiger in the election ${election}.`)).toBeVisible();
  await keyboard.press('Tab');
  await focused('button', 'Confirm my vote');
  await keyboard.press('Enter');

  await expect(mainHeading(page, kioskTitles.done)).toBeFocused();
  await expect(page.getByText(`Your vote in ${election} has been recorded.`)).toBeVisible();
  await keyboard.press('Tab');
  await focused('button', 'Finish now');
  await keyboard.press('Enter');
  await expect(mainHeading(page, kioskTitles.credential)).toBeFocused();

  // The station counted one vote.
  await page.goto(`${station.origin}/#/elections`);
  await signInWithFile(page, prepared.official);
  await expect(mainHeading(page, 'Elections')).toBeVisible();
  const row = page.getByRole('table', { name: 'All elections' }).getByRole('row', { name: election });
  await expect(row.getByRole('cell').last()).toHaveText('1');
});

test('a second vote by the same voter is refused by the station, even from a second kiosk', async ({
  page,
  station,
}, testInfo) => {
  const prepared = await prepareKiosk(page, testInfo, station.uiUrl, plan);
  const ada = credentialOf(prepared.voters, 'Ada Lovelace');
  // A second kiosk: another tab at the station's address. Its stream of pushed events is held back
  // until the end, so it cannot hear of the first vote and must be refused by the station itself
  // (as when both kiosks confirm within the same moment).
  const second = await page.context().newPage();
  let releaseEvents = (): void => undefined;
  const eventsHeld = new Promise<void>((resolve) => {
    releaseEvents = resolve;
  });
  await second.route('**/api/events', async (route) => {
    await eventsHeld;
    await route.continue().catch(() => undefined);
  });
  await second.goto(station.uiUrl);
  await expect(mainHeading(second, 'Official sign-in')).toBeVisible();
  await second.goto(`${station.origin}/#/vote`);
  await reachReview(page, ada, 'Alice Wang');
  await reachReview(second, ada, 'Lin Tiger');

  await page.getByRole('button', { name: 'Confirm my vote' }).click();
  await expect(mainHeading(page, kioskTitles.done)).toBeFocused();
  await second.getByRole('button', { name: 'Confirm my vote' }).click();
  await expect(mainHeading(second, kioskTitles.notRecorded)).toBeFocused();
  await expect(second.getByRole('main').getByRole('alert')).toHaveText(
    `${election}: A vote from you in this election is already recorded. Each voter can vote once.`,
  );
  releaseEvents();

  // And when the voter comes back later, there is nothing left to vote on.
  await page.getByRole('button', { name: 'Finish now' }).click();
  await presentCredential(page, ada);
  await expect(mainHeading(page, kioskTitles.nothingToVote)).toBeFocused();
  await expect(page.getByRole('main').getByRole('alert')).toHaveText(
    'A vote from you is already recorded in every election open to you. Each voter can vote once.',
  );

  await second.getByRole('button', { name: 'Official' }).click();
  await signInWithFile(second, prepared.official);
  await openScreen(second, 'Elections');
  const row = second.getByRole('table', { name: 'All elections' }).getByRole('row', { name: election });
  await expect(row.getByRole('cell').last()).toHaveText('1');
});

async function reachReview(kiosk: Page, credentialFile: string, choice: string): Promise<void> {
  await presentCredential(kiosk, credentialFile);
  await expect(mainHeading(kiosk, kioskTitles.choice)).toBeFocused();
  await kiosk.getByRole('radio', { name: choice }).check();
  await kiosk.getByRole('button', { name: 'Continue' }).click();
  await expect(mainHeading(kiosk, kioskTitles.review)).toBeFocused();
}
