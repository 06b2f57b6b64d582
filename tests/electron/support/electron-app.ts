/**
 * Starting the real Electron app for the Playwright tests in tests/electron.
 * They run only where Electron's runtime is installed (see
 * electron/electron-runtime.ts); elsewhere every test is reported as skipped
 * with the reason, never as passed. The app is launched with its runtime's
 * executable directly, so `require('electron')` never tries to download one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication, type Page } from '@playwright/test';
import { findElectronRuntime } from '../../../electron/electron-runtime.ts';
import { buildElectron } from '../../../scripts/build-electron.ts';

export const appRoot = fileURLToPath(new URL('../../../', import.meta.url));
const runtime = findElectronRuntime();
/** Electron opens real windows: on Linux it needs an X or Wayland display (e.g. under xvfb-run). */
const displayMissing =
  process.platform === 'linux' && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY'];
export const electronAvailable = runtime.available && !displayMissing;
export const electronSkipReason = !runtime.available
  ? `Electron runtime not installed: ${runtime.reason}`
  : displayMissing
    ? 'no display for Electron windows: set DISPLAY (e.g. run the tests under xvfb-run)'
    : '';

/** The time zone of the app in these tests, as the project's `timezoneId` says (officials type times in it). */
export const appTimeZone = 'Asia/Taipei';

let built: Promise<void> | null = null;
/** Bundles electron/dist once per worker (the interface is built by `npm run build:ui` before the run). */
export function ensureBuilt(): Promise<void> {
  built ??= buildElectron();
  return built;
}

export interface RunningApp {
  readonly app: ElectronApplication;
  readonly window: Page;
  readonly userDataDir: string;
  /** Closes the app (a clean stop) unless it is gone already, then removes its folder. */
  close(): Promise<void>;
}

export async function launchApp(args: readonly string[], userDataDir?: string): Promise<RunningApp> {
  if (!runtime.available) throw new Error(electronSkipReason);
  await ensureBuilt();
  const dir = userDataDir ?? (await mkdtemp(path.join(tmpdir(), 'evote-electron-')));
  // Chromium refuses to run as root with its sandbox on (CI containers run as root).
  const rootOnly = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  const app = await _electron.launch({
    executablePath: runtime.executable,
    args: [appRoot, ...rootOnly, '--user-data-dir', dir, '--grpc', '127.0.0.1:0', ...args],
    env: { ...cleanEnv(), TZ: appTimeZone },
    acceptDownloads: true,
    timeout: 60_000,
  });
  const window = await app.firstWindow();
  return {
    app,
    window,
    userDataDir: dir,
    close: async () => {
      await app.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && name !== 'ELECTRON_RUN_AS_NODE') env[name] = value;
  }
  return env;
}

/** Whether the app's window is in kiosk mode, asked of the main process. */
export function isKiosk(app: ElectronApplication): Promise<boolean> {
  return app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.isKiosk() ?? false);
}

/** A free TCP port on loopback (for the two stations' sync addresses). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no port'));
        else resolve(address.port);
      });
    });
  });
}
