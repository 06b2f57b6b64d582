/**
 * Two instances of the app on one machine, a primary and a backup paired over
 * loopback with fixed peers (no mDNS): the backup follows the primary, and
 * when the primary is killed the backup's window shows that it took over.
 */
import { expect, test } from '@playwright/test';
import { generatePairingKey } from '../../core/replication/pairing-key.ts';
import {
  mainHeading,
  openScreen,
  registerVoter,
  setUpFirstOfficial,
  signInWithFile,
} from '../e2e/support/flows.ts';
import {
  electronAvailable,
  electronSkipReason,
  freePort,
  launchApp,
  type RunningApp,
} from './support/electron-app.ts';

test.skip(!electronAvailable, electronSkipReason);

const failoverMs = 1500;

async function launchPair(): Promise<{ primary: RunningApp; backup: RunningApp }> {
  const pairKey = generatePairingKey();
  const [primarySync, backupSync] = [await freePort(), await freePort()];
  const common = ['--pair-key', pairKey, '--no-mdns', '--failover-ms', String(failoverMs)];
  const primary = await launchApp([
    '--primary',
    ...common,
    '--sync',
    `127.0.0.1:${primarySync}`,
    '--peer',
    `127.0.0.1:${backupSync}`,
  ]);
  const backup = await launchApp([
    '--backup',
    ...common,
    '--sync',
    `127.0.0.1:${backupSync}`,
    '--peer',
    `127.0.0.1:${primarySync}`,
  ]);
  return { primary, backup };
}

function badge(running: RunningApp) {
  return running.window.getByRole('status', { name: 'Station status' });
}

// Playwright reads the fixtures a test uses from this (empty) destructuring pattern: none.
// eslint-disable-next-line no-empty-pattern
test('a primary and a backup pair on loopback, and the backup takes over when the primary is killed', async ({}, testInfo) => {
  test.setTimeout(150_000);
  const { primary, backup } = await launchPair();
  try {
    const official = await setUpFirstOfficial(primary.window, testInfo, 'Grace Hopper');
    await signInWithFile(primary.window, official);
    await expect(badge(primary)).toContainText('Primary');
    await openScreen(primary.window, 'Voters');
    await registerVoter(primary.window, testInfo, { name: 'Ada Lovelace', group: 'North' });

    // The backup holds the official once it has caught up: reloaded then, it offers sign-in, not setup.
    await expect
      .poll(
        async () => {
          await backup.window.reload();
          await expect(mainHeading(backup.window, /^(Set up the station|Official sign-in)$/)).toBeVisible();
          return mainHeading(backup.window, 'Official sign-in').isVisible();
        },
        { timeout: 30_000, intervals: [500, 1000] },
      )
      .toBe(true);
    await signInWithFile(backup.window, official);
    await expect(badge(backup)).toContainText('Backup');

    // The primary dies without a word; the backup's window shows the take-over, pushed to it.
    primary.app.process().kill('SIGKILL');
    await expect(badge(backup)).toContainText('Primary', { timeout: 30_000 });
    await openScreen(backup.window, 'Voters');
    await expect(backup.window.getByText('1 voter is registered.')).toBeVisible();
  } finally {
    await backup.close();
    await primary.close();
  }
});
