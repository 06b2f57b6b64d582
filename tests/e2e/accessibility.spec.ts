/**
 * Every screen of the interface, scanned with axe for WCAG 2.0/2.1 A and AA
 * violations and kept as a screenshot (test-results/e2e/screens/): setup,
 * sign-in, station (with a pairing key), voters, elections, results, each
 * with its error states, and each step of the kiosk.
 * The scans are soft: one screen's violations do not hide the next one's.
 * (The results of a closed election are scanned in election-day.spec.ts,
 * which waits for an election to end; the station screen with a witness and
 * a filled conflict report in station-witness.spec.ts.)
 */
import type { Page } from '@playwright/test';
import { checkScreen, expect, test } from './support/fixtures.ts';
import {
  createElection,
  credentialOf,
  endInMs,
  kioskTitles,
  mainHeading,
  openScreen,
  prepareKiosk,
  presentCredential,
  registerVoter,
  setUpFirstOfficial,
  signInWithFile,
} from './support/flows.ts';

const hourMs = 3_600_000;

test('the official screens have no WCAG 2.1 AA violation', async ({ page, station }, testInfo) => {
  test.setTimeout(120_000);
  await page.goto(station.uiUrl);
  // The setup screen as first shown is scanned in first-screen.spec.ts.
  const official = await setUpFirstOfficial(page, testInfo, 'Grace Hopper', () =>
    checkScreen(page, testInfo, 'setup-credential', { soft: true }),
  );

  await checkScreen(page, testInfo, 'sign-in', { soft: true });
  // A refused attempt shows its error next to the field.
  await page.getByRole('button', { name: 'Sign in with the file' }).click();
  await expect(page.getByRole('main').getByRole('alert')).toHaveText('Choose your credential file first.');
  await checkScreen(page, testInfo, 'sign-in-error', { soft: true });
  await signInWithFile(page, official);

  await expect(mainHeading(page, 'Station')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Witness' })).toContainText(
    'No witness: this station decides alone.',
  );
  await expect(page.getByRole('region', { name: 'Conflict report' })).toContainText('No conflicts:');
  await checkScreen(page, testInfo, 'station', { soft: true });
  await page.getByRole('button', { name: 'Generate a pairing key' }).click();
  await expect(page.getByRole('img', { name: 'QR code of the pairing key' })).toBeVisible();
  await checkScreen(page, testInfo, 'station-pairing-key', { soft: true });

  await openScreen(page, 'Voters');
  await expect(page.getByText('No voters are registered.')).toBeVisible();
  await checkScreen(page, testInfo, 'voters-empty', { soft: true });
  const form = page.getByRole('region', { name: 'Register a voter' });
  await form.getByRole('button', { name: 'Register voter' }).click();
  await expect(form.getByText('Enter the voter’s name.')).toBeVisible();
  await checkScreen(page, testInfo, 'voters-form-errors', { soft: true });
  await registerVoter(page, testInfo, { name: 'Ada Lovelace', group: 'North' }, () =>
    checkScreen(page, testInfo, 'voters-credential', { soft: true }),
  );
  await registerVoter(page, testInfo, { name: 'Dana Scully', group: 'South' });
  await expect(page.getByText('2 voters are registered.')).toBeVisible();
  await checkScreen(page, testInfo, 'voters-list', { soft: true });

  await openScreen(page, 'Elections');
  await checkScreen(page, testInfo, 'elections-empty', { soft: true });
  const electionForm = page.getByRole('region', { name: 'New election' });
  await electionForm.getByRole('button', { name: 'Create election' }).click();
  await expect(electionForm.getByText('Enter a name for the election.')).toBeVisible();
  await checkScreen(page, testInfo, 'elections-form-errors', { soft: true });
  await createElection(page, testInfo, {
    name: 'Mayor 2030',
    groups: ['North'],
    choices: ['Alice Wang', '陳美玲'],
    endsAtMs: endInMs(hourMs),
  });
  await checkScreen(page, testInfo, 'elections-list', { soft: true });

  await openScreen(page, 'Results');
  await expect(page.getByText('No election has closed yet.')).toBeVisible();
  await checkScreen(page, testInfo, 'results-none-closed', { soft: true });
});

test('every step of the voting kiosk has no WCAG 2.1 AA violation', async ({ page, station }, testInfo) => {
  test.setTimeout(120_000);
  const prepared = await prepareKiosk(page, testInfo, station.uiUrl, {
    voters: [{ name: 'Ada Lovelace', group: 'North' }],
    elections: [
      { name: 'Library budget', groups: ['North'], choices: ['Yes', 'No'], endsAtMs: endInMs(hourMs) },
      { name: 'Mayor 2030', groups: ['North'], choices: ['Alice Wang', '陳美玲'], endsAtMs: endInMs(hourMs) },
    ],
  });
  const ada = credentialOf(prepared.voters, 'Ada Lovelace');
  await checkScreen(page, testInfo, 'kiosk-credential', { soft: true });
  // Two elections are open to Ada: the choice step lists both, and the confirmation offers the next one.
  await presentCredential(page, ada);
  await expect(mainHeading(page, kioskTitles.choice)).toBeFocused();
  await expect(page.getByRole('heading', { name: 'Your elections' })).toBeVisible();
  await checkScreen(page, testInfo, 'kiosk-choice', { soft: true });
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('main').getByRole('alert')).toHaveText(
    'Please choose one option before you continue.',
  );
  await checkScreen(page, testInfo, 'kiosk-choice-error', { soft: true });
  await ballot(page).getByRole('radio').first().check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(mainHeading(page, kioskTitles.review)).toBeFocused();
  await checkScreen(page, testInfo, 'kiosk-review', { soft: true });
  await page.getByRole('button', { name: 'Confirm my vote' }).click();
  await expect(mainHeading(page, kioskTitles.done)).toBeFocused();
  await checkScreen(page, testInfo, 'kiosk-done-more-elections', { soft: true });
  await page.getByRole('button', { name: 'Vote in the next election' }).click();
  await expect(mainHeading(page, kioskTitles.choice)).toBeFocused();
  await ballot(page).getByRole('radio').last().check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Confirm my vote' }).click();
  await expect(mainHeading(page, kioskTitles.done)).toBeFocused();
  await checkScreen(page, testInfo, 'kiosk-done', { soft: true });
  await page.getByRole('button', { name: 'Finish now' }).click();

  await presentCredential(page, ada);
  await expect(mainHeading(page, kioskTitles.nothingToVote)).toBeFocused();
  await checkScreen(page, testInfo, 'kiosk-nothing-to-vote', { soft: true });
  await page.getByRole('button', { name: 'Finish now' }).click();

  await page
    .getByLabel('Or scan the QR code on your card, or paste the credential text')
    .fill('not a credential');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('main').getByRole('alert')).toContainText('This is not a voter credential.');
  await checkScreen(page, testInfo, 'kiosk-credential-error', { soft: true });
});

/** The kiosk's ballot: the group of choices of the election being voted on. */
function ballot(page: Page) {
  return page.getByRole('main').getByRole('group');
}
