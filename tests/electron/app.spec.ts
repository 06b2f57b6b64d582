/**
 * The Electron app itself: it starts and shows the interface through the
 * secure bridge, and a whole vote goes through it, with the voter screen in
 * kiosk mode until an official signs in.
 */
import { expect, test } from '@playwright/test';
import { interfaceOperations } from '../../core/api/interface-api.ts';
import {
  createElection,
  endInMs,
  kioskTitles,
  mainHeading,
  openKiosk,
  openScreen,
  registerVoter,
  setUpFirstOfficial,
  signInWithFile,
  voteAtKiosk,
} from '../e2e/support/flows.ts';
import { electronAvailable, electronSkipReason, isKiosk, launchApp } from './support/electron-app.ts';

test.skip(!electronAvailable, electronSkipReason);

test('the app starts and shows the interface, with only the interface API in the page', async () => {
  const running = await launchApp(['--primary']);
  try {
    const { window } = running;
    expect(window.url()).toMatch(/^app:\/\/station\/index\.html/);
    await expect(mainHeading(window, 'Set up the station')).toBeVisible();
    const page = await window.evaluate(() => ({
      api: Object.keys((window as unknown as { evoteApi: object }).evoteApi).sort(),
      node: typeof (globalThis as { process?: unknown }).process,
      require: typeof (globalThis as { require?: unknown }).require,
    }));
    expect(page).toEqual({
      api: [...interfaceOperations, 'subscribe'].sort(),
      node: 'undefined',
      require: 'undefined',
    });
    // The Content-Security-Policy lets the page reach nothing but the app itself.
    const remote = await window.evaluate(() =>
      fetch('https://example.org/').then(
        () => 'fetched',
        () => 'refused',
      ),
    );
    expect(remote).toBe('refused');
    expect(await isKiosk(running.app)).toBe(false);
  } finally {
    await running.close();
  }
});

// Playwright reads the fixtures a test uses from this (empty) destructuring pattern: none.
// eslint-disable-next-line no-empty-pattern
test('a full vote in the app, the voter screen in kiosk mode until an official signs in', async ({}, testInfo) => {
  test.setTimeout(120_000);
  const running = await launchApp(['--primary']);
  try {
    const { window, app } = running;
    const official = await setUpFirstOfficial(window, testInfo, 'Grace Hopper');
    await signInWithFile(window, official);
    await openScreen(window, 'Voters');
    const ada = await registerVoter(window, testInfo, { name: 'Ada Lovelace', group: 'North' });
    await openScreen(window, 'Elections');
    const election = 'Mayor 2030';
    await createElection(window, testInfo, {
      name: election,
      groups: ['North'],
      choices: ['Alice Wang', 'Bo Chen'],
      endsAtMs: endInMs(600_000),
    });

    await openKiosk(window);
    await expect.poll(() => isKiosk(app)).toBe(true);
    await voteAtKiosk(window, ada, { election, choice: 'Bo Chen' });
    // A voter's visit does not leave kiosk mode, nor does the sign-in screen.
    expect(await isKiosk(app)).toBe(true);
    await window.getByRole('button', { name: 'Official', exact: true }).click();
    await expect(mainHeading(window, 'Official sign-in')).toBeVisible();
    expect(await isKiosk(app)).toBe(true);
    await signInWithFile(window, official);
    await expect.poll(() => isKiosk(app)).toBe(false);

    await openScreen(window, 'Elections');
    const row = window.getByRole('table', { name: 'All elections' }).getByRole('row', { name: election });
    await expect(row.getByRole('cell').last()).toHaveText('1');
    await expect(mainHeading(window, kioskTitles.credential)).toHaveCount(0);
  } finally {
    await running.close();
  }
});
