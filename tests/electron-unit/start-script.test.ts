import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findElectronRuntime, platformExecutable } from '../../electron/electron-runtime.ts';
import { fallbackMessage, headlessArguments } from '../../scripts/start.ts';

let dir: string;
let packageDir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'evote-electron-runtime-'));
  packageDir = path.join(dir, 'node_modules', 'electron');
  await mkdir(packageDir, { recursive: true });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function touch(file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, '');
}

describe("detecting Electron's runtime", () => {
  it('is absent when the package holds no runtime (never downloading one)', () => {
    const runtime = findElectronRuntime({ env: {}, platform: 'linux', packageDir });
    expect(runtime.available).toBe(false);
    expect(!runtime.available && runtime.reason).toContain('ELECTRON_OVERRIDE_DIST_PATH');
  });

  it('is absent when the package is not installed', () => {
    expect(findElectronRuntime({ env: {}, platform: 'linux', packageDir: null })).toMatchObject({
      available: false,
    });
  });

  it('is present once path.txt names an executable in dist/', async () => {
    await writeFile(path.join(packageDir, 'path.txt'), 'electron');
    expect(findElectronRuntime({ env: {}, platform: 'linux', packageDir }).available).toBe(false);
    await touch(path.join(packageDir, 'dist', 'electron'));
    expect(findElectronRuntime({ env: {}, platform: 'linux', packageDir })).toEqual({
      available: true,
      executable: path.join(packageDir, 'dist', 'electron'),
    });
  });

  it('uses ELECTRON_OVERRIDE_DIST_PATH when set, with the platform executable name', async () => {
    const unpacked = path.join(dir, 'electron-v45-win32-x64');
    const env = { ELECTRON_OVERRIDE_DIST_PATH: unpacked };
    expect(findElectronRuntime({ env, platform: 'win32', packageDir })).toMatchObject({ available: false });
    await touch(path.join(unpacked, platformExecutable('win32')));
    expect(findElectronRuntime({ env, platform: 'win32', packageDir })).toEqual({
      available: true,
      executable: path.join(unpacked, 'electron.exe'),
    });
    expect(platformExecutable('darwin')).toBe('Electron.app/Contents/MacOS/Electron');
  });
});

describe('npm start without the runtime', () => {
  it('says plainly that it starts the headless station instead', () => {
    expect(fallbackMessage('no runtime')).toMatch(
      /^Electron's runtime is not installed here; starting the headless station with its web interface instead: no runtime\./,
    );
  });

  it('runs `evote station` with the web interface, taking the app’s role flags', () => {
    expect(headlessArguments([])).toEqual(['station', '--http', '127.0.0.1:5780']);
    expect(headlessArguments(['--backup', '--pair-key', 'K'])).toEqual([
      'station',
      '--http',
      '127.0.0.1:5780',
      '--role',
      'backup',
      '--pair-key',
      'K',
    ]);
    expect(headlessArguments(['--http', '127.0.0.1:9000'])).toEqual(['station', '--http', '127.0.0.1:9000']);
  });
});
