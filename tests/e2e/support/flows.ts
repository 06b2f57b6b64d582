/**
 * What officials and voters do in the interface, step by step, through the
 * same controls a person uses (roles and labels, English texts). Each step
 * waits for the screen to show its outcome before it returns.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import { expect } from './fixtures.ts';

/** The main heading of the screen (each screen has exactly one). */
export function mainHeading(page: Page, name: string | RegExp) {
  return page.getByRole('heading', { level: 1, name });
}

/** Waits for a download started by `start` and keeps the file under the test's output directory. */
export async function downloadedFile(
  page: Page,
  testInfo: TestInfo,
  start: () => Promise<void>,
): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), start()]);
  const directory = testInfo.outputPath('downloads');
  await mkdir(directory, { recursive: true });
  const file = path.join(directory, download.suggestedFilename());
  await download.saveAs(file);
  return file;
}

/**
 * First run: creates the first official and saves their credential file;
 * `whileShown` runs while the credential is shown. Ends on the sign-in screen.
 */
export async function setUpFirstOfficial(
  page: Page,
  testInfo: TestInfo,
  name: string,
  whileShown?: () => Promise<void>,
): Promise<string> {
  await expect(mainHeading(page, 'Set up the station')).toBeVisible();
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Create my official credential' }).click();
  await expect(page.getByRole('heading', { name: 'You are the station’s first official.' })).toBeFocused();
  const credential = await downloadedFile(page, testInfo, () =>
    page.getByRole('button', { name: 'Save credential file' }).click(),
  );
  await whileShown?.();
  await page.getByRole('button', { name: 'I have saved it: continue to sign-in' }).click();
  await expect(mainHeading(page, 'Official sign-in')).toBeVisible();
  return credential;
}

/** On the sign-in screen: signs in with an official's credential file; ends on the screen it leads to. */
export async function signInWithFile(page: Page, credentialFile: string): Promise<void> {
  await expect(mainHeading(page, 'Official sign-in')).toBeVisible();
  await page.getByLabel('Credential file', { exact: true }).setInputFiles(credentialFile);
  await page.getByRole('button', { name: 'Sign in with the file' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
}

/** Opens an official screen from the main navigation. */
export async function openScreen(
  page: Page,
  link: 'Station' | 'Voters' | 'Elections' | 'Results',
): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
  await expect(mainHeading(page, link)).toBeVisible();
}

export async function openKiosk(page: Page): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Open voting kiosk' })
    .click();
  await expect(mainHeading(page, kioskTitles.credential)).toBeVisible();
}

/**
 * On the Voters screen: registers a voter with a credential made in the
 * browser and saves its file; `beforeNext` runs while the credential card is
 * shown (e.g. to check that screen), before "next voter" clears it.
 */
export async function registerVoter(
  page: Page,
  testInfo: TestInfo,
  voter: { readonly name: string; readonly group: string },
  beforeNext?: () => Promise<void>,
): Promise<string> {
  const form = page.getByRole('region', { name: 'Register a voter' });
  await form.getByLabel('Name', { exact: true }).fill(voter.name);
  await form.getByLabel('Group', { exact: true }).fill(voter.group);
  await form.getByRole('button', { name: 'Register voter' }).click();
  await expect(form.getByText(`${voter.name} is registered in group ${voter.group}.`)).toBeVisible();
  const credential = await downloadedFile(page, testInfo, () =>
    form.getByRole('button', { name: 'Save credential file' }).click(),
  );
  await beforeNext?.();
  await form.getByRole('button', { name: 'Done, next voter' }).click();
  await expect(form.getByLabel('Name', { exact: true })).toBeFocused();
  return credential;
}

/** A wall-clock date (`YYYY-MM-DD`) and time (`HH:MM:SS`) of `atMs` in `timeZone`, as typed into date and time inputs. */
export function wallClock(atMs: number, timeZone: string): { readonly date: string; readonly time: string } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(atMs);
  const part = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((candidate) => candidate.type === type)?.value ?? '';
  return {
    date: `${part('year')}-${part('month')}-${part('day')}`,
    time: `${part('hour')}:${part('minute')}:${part('second')}`,
  };
}

/** The browser's time zone in these tests (playwright.config.ts), in which officials type times. */
export function browserTimeZone(testInfo: TestInfo): string {
  return testInfo.project.use.timezoneId ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export interface NewElection {
  readonly name: string;
  readonly groups: readonly string[];
  readonly choices: readonly string[];
  /** A whole second: the time input takes seconds, not milliseconds. */
  readonly endsAtMs: number;
}

/** The first whole second at least `ms` from now, as an election's end. */
export function endInMs(ms: number): number {
  return Math.ceil((Date.now() + ms) / 1000) * 1000;
}

/** On the Elections screen: creates an election, typing its end in the browser's time zone (to the second). */
export async function createElection(page: Page, testInfo: TestInfo, election: NewElection): Promise<void> {
  if (election.endsAtMs % 1000 !== 0) throw new Error('an election ends on a whole second');
  const form = page.getByRole('region', { name: 'New election' });
  const end = wallClock(election.endsAtMs, browserTimeZone(testInfo));
  await form.getByLabel('Name of the election').fill(election.name);
  await form.getByLabel('Groups that may vote').fill(election.groups.join('\n'));
  await form.getByLabel('Choices').fill(election.choices.join('\n'));
  await form.getByLabel('End date').fill(end.date);
  await form.getByLabel('End time').fill(end.time);
  await form.getByRole('button', { name: 'Create election' }).click();
  await expect(form.getByRole('status')).toContainText(`Election “${election.name}” created.`);
}

/** The kiosk's main headings, one per step. */
export const kioskTitles = {
  credential: 'Welcome: please present your voter credential',
  choice: 'Make your choice',
  review: 'Check your choice',
  done: 'Thank you',
  nothingToVote: 'Nothing to vote on now',
  notRecorded: 'Your vote was not recorded',
} as const;

/** At the kiosk: presents a credential file through the "open my credential file" button and its file chooser. */
export async function presentCredential(page: Page, credentialFile: string): Promise<void> {
  await expect(mainHeading(page, kioskTitles.credential)).toBeVisible();
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    page.getByRole('button', { name: 'Open my credential file' }).click(),
  ]);
  await chooser.setFiles(credentialFile);
}

export type KioskStep = 'choice' | 'review' | 'done';

/**
 * At the kiosk: one voter's whole visit (credential, choice, review,
 * confirmation), ending back at the start for the next voter; `onStep` runs
 * once each step is shown (e.g. to check that screen).
 */
export async function voteAtKiosk(
  page: Page,
  credentialFile: string,
  vote: { readonly election: string; readonly choice: string },
  onStep?: (step: KioskStep) => Promise<void>,
): Promise<void> {
  await presentCredential(page, credentialFile);
  await expect(mainHeading(page, kioskTitles.choice)).toBeFocused();
  const choice = page.getByRole('group', { name: vote.election }).getByRole('radio', { name: vote.choice });
  await onStep?.('choice');
  await choice.check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(mainHeading(page, kioskTitles.review)).toBeFocused();
  await expect(page.getByText(`You chose ${vote.choice} in the election ${vote.election}.`)).toBeVisible();
  await onStep?.('review');
  await page.getByRole('button', { name: 'Confirm my vote' }).click();
  await expect(mainHeading(page, kioskTitles.done)).toBeFocused();
  // The confirmation names the election only, never the choice.
  await expect(page.getByText(`Your vote in ${vote.election} has been recorded.`)).toBeVisible();
  await expect(page.getByRole('main')).not.toContainText(vote.choice);
  await onStep?.('done');
  await page.getByRole('button', { name: 'Finish now' }).click();
  await expect(mainHeading(page, kioskTitles.credential)).toBeVisible();
}

export interface Voter {
  readonly name: string;
  readonly group: string;
}

/** The voters and elections {@link prepareStation} sets up. */
export interface StationPlan {
  readonly voters: readonly Voter[];
  readonly elections: readonly NewElection[];
}

export interface PreparedStation {
  /** The official's credential file. */
  readonly official: string;
  /** Each voter's credential file, by name. */
  readonly voters: ReadonlyMap<string, string>;
}

/**
 * Sets a fresh station up through the interface (first official, sign-in,
 * voters, elections) and leaves the official signed in on the Elections
 * screen: the common start of the kiosk and accessibility tests.
 */
export async function prepareStation(
  page: Page,
  testInfo: TestInfo,
  uiUrl: string,
  plan: StationPlan,
): Promise<PreparedStation> {
  await page.goto(uiUrl);
  const official = await setUpFirstOfficial(page, testInfo, 'Grace Hopper');
  await signInWithFile(page, official);
  await openScreen(page, 'Voters');
  const voters = new Map<string, string>();
  for (const voter of plan.voters) voters.set(voter.name, await registerVoter(page, testInfo, voter));
  await openScreen(page, 'Elections');
  for (const election of plan.elections) await createElection(page, testInfo, election);
  return { official, voters };
}

/** {@link prepareStation}, then the voting kiosk opened on the same page: the start of the kiosk tests. */
export async function prepareKiosk(
  page: Page,
  testInfo: TestInfo,
  uiUrl: string,
  plan: StationPlan,
): Promise<PreparedStation> {
  const prepared = await prepareStation(page, testInfo, uiUrl, plan);
  await openKiosk(page);
  return prepared;
}

/** The credential file saved for the voter `name`. */
export function credentialOf(voters: ReadonlyMap<string, string>, name: string): string {
  const file = voters.get(name);
  if (file === undefined) throw new Error(`no credential was saved for ${name}`);
  return file;
}
