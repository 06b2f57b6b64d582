/** The real `evote station` process: its `ui:` line opens the interface and the API. */
import { afterEach, expect, it } from 'vitest';
import { AccessRefusedError, createHttpInterfaceClient } from '../../core/api/http-interface-client.ts';
import { pollUntil } from '../support/polling.ts';
import { removeDirectory, temporaryDirectory } from '../support/station-fixtures.ts';
import { killRunningStations, startStation } from '../support/station-process.ts';

const directories: string[] = [];

afterEach(async () => {
  await killRunningStations();
  await Promise.all(directories.splice(0).map(removeDirectory));
});

it('prints a ui: address that serves the interface and whose token opens the API', async () => {
  const dataDir = await temporaryDirectory('evote-ui-');
  directories.push(dataDir);
  const station = await startStation({
    dataDir,
    grpcAddress: '127.0.0.1:0',
    extraArgs: ['--http', '127.0.0.1:0'],
  });
  const uiLine = await pollUntil(
    'the station prints its ui: line',
    () =>
      station
        .stdout()
        .split('\n')
        .find((line) => line.startsWith('ui: ')) ?? null,
    () => true,
  );
  const address = new URL(uiLine.slice('ui: '.length));
  expect(address.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(address.pathname).toBe('/');
  const secret = /^#token=([A-Za-z0-9_-]{43})$/.exec(address.hash)?.[1];
  if (secret === undefined) throw new Error(`no token in ${uiLine}`);

  // The interface if it is built, otherwise the page that says how to build it.
  const page = await fetch(address);
  expect([200, 503]).toContain(page.status);
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  if (page.status === 503) expect(await page.text()).toContain('npm run build:ui');

  const status = (await (await fetch(new URL('/api/status', address))).json()) as { stationId: string };
  const overview = await createHttpInterfaceClient({ baseUrl: address.origin, secret }).overview();
  expect(overview.status.stationId).toBe(status.stationId);
  expect(overview.needsFirstOfficial).toBe(true);
  await expect(
    createHttpInterfaceClient({ baseUrl: address.origin, secret: 'x'.repeat(43) }).overview(),
  ).rejects.toBeInstanceOf(AccessRefusedError);

  const exit = await station.stop('SIGTERM');
  expect(exit.code).toBe(0);
  // The secret is shown once, on the ui: line, and never logged.
  expect(station.stdout().split(secret)).toHaveLength(2);
  expect(station.logs()).not.toContain(secret);
});
