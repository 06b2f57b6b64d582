/**
 * Whether Electron's runtime (the binary, not the npm package) is on this
 * machine, found the way the `electron` package itself finds it but without
 * ever downloading it: Electron 42 and later download the runtime on the
 * first `require('electron')`, which a machine without internet cannot do.
 *
 * - `ELECTRON_OVERRIDE_DIST_PATH` names a folder holding a runtime unpacked
 *   by hand;
 * - otherwise `node_modules/electron/path.txt` names the executable inside
 *   `node_modules/electron/dist/`, written once the runtime was downloaded.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export type ElectronRuntime =
  | { readonly available: true; readonly executable: string }
  | { readonly available: false; readonly reason: string };

export interface RuntimeLookup {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly platform: NodeJS.Platform;
  /** The installed `electron` package's folder, or null if it is not installed. */
  readonly packageDir: string | null;
}

/** The executable's place inside an unpacked runtime, as the electron package's install.js names it. */
export function platformExecutable(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'Electron.app/Contents/MacOS/Electron';
  if (platform === 'win32') return 'electron.exe';
  return 'electron';
}

export function findElectronRuntime(lookup: RuntimeLookup = defaultLookup()): ElectronRuntime {
  const override = lookup.env.ELECTRON_OVERRIDE_DIST_PATH;
  const pathTxt = lookup.packageDir === null ? null : readText(path.join(lookup.packageDir, 'path.txt'));
  const executableName = pathTxt ?? platformExecutable(lookup.platform);
  if (override !== undefined && override !== '') {
    const executable = path.join(override, executableName);
    return existsSync(executable)
      ? { available: true, executable }
      : { available: false, reason: `ELECTRON_OVERRIDE_DIST_PATH is set, but ${executable} does not exist` };
  }
  if (lookup.packageDir === null)
    return { available: false, reason: 'the electron package is not installed (run npm ci)' };
  if (pathTxt === null)
    return {
      available: false,
      reason:
        'node_modules/electron has no runtime (Electron downloads it on first use, which needs internet; ' +
        'or set ELECTRON_OVERRIDE_DIST_PATH to a runtime unpacked by hand)',
    };
  const executable = path.join(lookup.packageDir, 'dist', pathTxt);
  return existsSync(executable)
    ? { available: true, executable }
    : {
        available: false,
        reason: `node_modules/electron/path.txt names ${executable}, which does not exist`,
      };
}

function defaultLookup(): RuntimeLookup {
  return { env: process.env, platform: process.platform, packageDir: installedPackageDir() };
}

function installedPackageDir(): string | null {
  try {
    // Resolving package.json reads no code of the package, so nothing is downloaded.
    return path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return null;
  }
}

function readText(file: string): string | null {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return text === '' ? null : text;
  } catch {
    return null;
  }
}
