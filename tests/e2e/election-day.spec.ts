/**
 * A whole election day through the interface of a real station: first-run
 * setup, official sign-in with the saved credential file, registering voters
 * (their credential files saved), creating an election that ends a few
 * seconds later, votes at the kiosk with the voters' files, a second vote by
 * the same voter refused, a voter of another group turned away, the official
 * screens out of the kiosk's reach, and after the end: the results (table and
 * chart) and the CSV and JSON exports, with the station's conflict report.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkScreen, expect, screenshotPath, test } from './support/fixtures.ts';
import {
  createElection,
  credentialOf,
  downloadedFile,
  endInMs,
  kioskTitles,
  mainHeading,
  openKiosk,
  openScreen,
  presentCredential,
  registerVoter,
  setUpFirstOfficial,
  signInWithFile,
  voteAtKiosk,
} from './support/flows.ts';

/**
 * How long the election stays open: long enough for the votes below at the
 * kiosk, short enough that waiting for the end costs little. The station
 * refuses an end that is not in the future, so it cannot be set in the past.
 */
const electionOpenMs = 15_000;

const election = 'Mayor 2030';
/** A Chinese name and a choice that CSV must quote (comma and quotes). */
const choices = ['Alice Wang', '陳美玲', 'Lin, "Tiger"'] as const;
const north = [
  { name: 'Ada Lovelace', group: 'North', choice: 'Lin, "Tiger"' },
  { name: 'Bo Chen', group: 'North', choice: 'Alice Wang' },
  { name: '林怡君', group: 'North', choice: 'Lin, "Tiger"' },
] as const;
const south = { name: 'Dana Scully', group: 'South' } as const;

test('an election day from setup to the exported result', async ({ page, station }, testInfo) => {
  test.setTimeout(90_000);
  await page.goto(station.uiUrl);

  const official = await setUpFirstOfficial(page, testInfo, 'Grace Hopper');
  const officialFile = JSON.parse(await readFile(official, 'utf8')) as Record<string, unknown>;
  expect(path.basename(official)).toBe('official-Grace-Hopper.evote.json');
  expect(officialFile).toMatchObject({ format: 'evote-credential', role: 'official', name: 'Grace Hopper' });

  await signInWithFile(page, official);
  await expect(mainHeading(page, 'Station')).toBeVisible();

  await openScreen(page, 'Voters');
  const credentials = new Map<string, string>();
  for (const voter of [...north, south]) {
    credentials.set(voter.name, await registerVoter(page, testInfo, voter));
  }
  await expect(page.getByText('4 voters are registered.')).toBeVisible();
  const voterTable = page.getByRole('table', { name: 'Registered voters' });
  for (const voter of [...north, south]) {
    await expect(voterTable.getByRole('row').filter({ hasText: voter.name })).toContainText(voter.group);
  }

  await openScreen(page, 'Elections');
  const endsAtMs = endInMs(electionOpenMs);
  await createElection(page, testInfo, { name: election, groups: ['North'], choices, endsAtMs });
  const electionRow = page.getByRole('table', { name: 'All elections' }).getByRole('row', { name: election });
  await expect(electionRow).toContainText('Open');
  await expect(electionRow).toContainText('Asia/Taipei, UTC+08:00');

  // While voting is open there is no partial count, only when results will come.
  await openScreen(page, 'Results');
  await expect(page.getByText('No election has closed yet.')).toBeVisible();
  await expect(page.getByRole('listitem').filter({ hasText: election })).toContainText('Results after');
  await expect(page.getByRole('table')).toHaveCount(0);

  await openKiosk(page);
  for (const voter of north) {
    await voteAtKiosk(page, credentialOf(credentials, voter.name), { election, choice: voter.choice });
  }

  // The same voter again: nothing left to vote on, and the kiosk says why.
  await presentCredential(page, credentialOf(credentials, north[0].name));
  await expect(mainHeading(page, kioskTitles.nothingToVote)).toBeFocused();
  await expect(page.getByRole('main').getByRole('alert')).toHaveText(
    'A vote from you is already recorded in every election open to you. Each voter can vote once.',
  );
  await page.screenshot({ path: screenshotPath(testInfo, 'kiosk-second-vote-refused'), fullPage: true });
  await page.getByRole('button', { name: 'Finish now' }).click();

  // A voter of a group the election is not open to.
  await presentCredential(page, credentialOf(credentials, south.name));
  await expect(mainHeading(page, kioskTitles.nothingToVote)).toBeFocused();
  await expect(page.getByRole('main').getByRole('alert')).toHaveText(
    'No election is open to you right now. If you expected one, please ask an official.',
  );
  await page.getByRole('button', { name: 'Finish now' }).click();
  await expect(mainHeading(page, kioskTitles.credential)).toBeVisible();

  // Opening the kiosk signed the official out: an official screen asks for sign-in again.
  await page.goto(`${station.origin}/#/voters`);
  await expect(mainHeading(page, 'Official sign-in')).toBeVisible();
  await signInWithFile(page, official);
  await expect(mainHeading(page, 'Voters')).toBeVisible();

  await openScreen(page, 'Results');
  // The station pushes `election-closed` at the end; the election becomes selectable then.
  const chooser = page.getByLabel('Closed election');
  await expect(chooser).toBeVisible({ timeout: electionOpenMs + 10_000 });
  expect(Date.now()).toBeGreaterThanOrEqual(endsAtMs);
  await chooser.selectOption(election);

  const table = page.getByRole('table', { name: `Votes for each choice in “${election}”` });
  await expect(table.getByRole('row')).toHaveText([
    /^Choice\s*Votes\s*Share$/,
    /^Alice Wang\s*1\s*33\.3%$/,
    /^陳美玲\s*0\s*0\.0%$/,
    /^Lin, "Tiger"\s*2\s*66\.7%$/,
    /^Total\s*3\s*100\.0%$/,
  ]);
  await expect(
    page.getByRole('img', {
      name: `Bar chart of the votes for each choice in “${election}”. The table has the same figures.`,
    }),
  ).toBeVisible();
  await checkScreen(page, testInfo, 'results');

  const csvFile = await downloadedFile(page, testInfo, () =>
    page.getByRole('button', { name: 'Save as CSV' }).click(),
  );
  expect(path.basename(csvFile)).toBe(`${election}-results.csv`);
  expect(await readFile(csvFile, 'utf8')).toBe(
    'choice,votes\r\nAlice Wang,1\r\n陳美玲,0\r\n"Lin, ""Tiger""",2\r\n',
  );

  const jsonFile = await downloadedFile(page, testInfo, () =>
    page.getByRole('button', { name: 'Save as JSON' }).click(),
  );
  const status = (await (await fetch(`${station.origin}/api/status`)).json()) as { stationId: string };
  expect(JSON.parse(await readFile(jsonFile, 'utf8'))).toMatchObject({
    election,
    stationId: status.stationId,
    counts: [
      { choice: 'Alice Wang', count: 1 },
      { choice: '陳美玲', count: 0 },
      { choice: 'Lin, "Tiger"', count: 2 },
    ],
    // The station's own conflict report, which goes with the results: no split, no conflict.
    conflicts: { merges: [], conflicts: [] },
  });
  await expect(page.getByRole('region', { name: 'Conflict report' })).toContainText(
    'No conflicts: this station has never had to reconcile its records with another station’s.',
  );
  const conflictsFile = await downloadedFile(page, testInfo, () =>
    page.getByRole('button', { name: 'Save conflict report as CSV' }).click(),
  );
  expect(path.basename(conflictsFile)).toBe(`${election}-conflicts.csv`);
  expect(await readFile(conflictsFile, 'utf8')).toBe(
    'record,mergedAt,sourceStationId,commands,applied,acceptedAt,kind,command,member,election,resolution,renamedTo,reason\r\n',
  );

  await openScreen(page, 'Elections');
  await expect(electionRow).toContainText('Closed');
  await expect(electionRow.getByRole('cell').last()).toHaveText('3');
});
