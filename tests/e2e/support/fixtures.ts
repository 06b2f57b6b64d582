/**
 * The end-to-end test fixtures: every test gets a fresh real station (its own
 * data directory, stopped with SIGTERM and removed afterwards) and a fresh
 * page; `witnessedStation` is a primary that holds its majority with a real
 * witness (`evote witness`, stopped and removed afterwards too).
 * `checkScreen` scans the current screen with axe and keeps a screenshot of
 * it as a test artifact.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import { generatePairingKey } from '../../../core/replication/pairing-key.ts';
import type { StationStatus } from '../../../core/station/station-status.ts';
import { pollUntil } from '../../support/polling.ts';
import { freePort } from '../../support/station-process.ts';
import { startWitnessProcess } from '../../support/witness-process.ts';
import { startUiStation, type UiStation } from './station.ts';

export { expect };

export interface WitnessedStation extends UiStation {
  /** HOST:PORT of its witness. */
  readonly witnessAddress: string;
}

/** Hands `station` to the test, then stops it; its log goes with a failed test. */
async function serve<T extends UiStation>(
  station: T,
  use: (station: T) => Promise<void>,
  testInfo: TestInfo,
) {
  try {
    await use(station);
  } finally {
    // The station's own log explains most failures; keep it with the failed test.
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('station log', { body: station.process.logs(), contentType: 'text/plain' });
    }
    await station.close();
  }
}

export const test = base.extend<{ station: UiStation; witnessedStation: WitnessedStation }>({
  // Playwright reads the fixture's dependencies from this (empty) destructuring pattern.
  // eslint-disable-next-line no-empty-pattern
  station: async ({}, use, testInfo) => {
    await serve(await startUiStation(), use, testInfo);
  },
  // eslint-disable-next-line no-empty-pattern
  witnessedStation: async ({}, use, testInfo) => {
    const pairKey = generatePairingKey();
    const witnessDir = await mkdtemp(path.join(os.tmpdir(), 'evote-e2e-witness-'));
    try {
      const witness = await startWitnessProcess({ dataDir: witnessDir, pairKey });
      try {
        const station = await startUiStation([
          ...['--pair-key', pairKey, '--role', 'primary', '--no-mdns'],
          ...['--sync', `127.0.0.1:${await freePort()}`, '--witness', witness.address],
        ]);
        // It starts as a backup and becomes the primary once the witness votes for it (after
        // --failover-ms): only then does it take the first official.
        await pollUntil(
          'the station holds its majority with the witness',
          async () => (await fetch(new URL('/api/status', station.origin))).json() as Promise<StationStatus>,
          (status) => status.writable && status.quorum.held,
        );
        await serve({ ...station, witnessAddress: witness.address }, use, testInfo);
      } finally {
        await witness.stop('SIGTERM');
      }
    } finally {
      await rm(witnessDir, { recursive: true, force: true });
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
