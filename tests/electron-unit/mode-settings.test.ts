import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { relaunchArguments, stationMenuTemplate } from '../../electron/app-menu.ts';
import { chooseRole, readSettings, settingsPath, writeSettings } from '../../electron/mode-settings.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'evote-settings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mode settings', () => {
  it('are missing on first run, and read back as written', async () => {
    expect(await readSettings(dir)).toEqual({ missing: true });
    await writeSettings(dir, { role: 'backup' });
    expect(await readSettings(dir)).toEqual({ settings: { role: 'backup' } });
    expect(JSON.parse(await readFile(settingsPath(dir), 'utf8'))).toEqual({ version: 1, role: 'backup' });
    if (process.platform !== 'win32') expect((await stat(settingsPath(dir))).mode & 0o777).toBe(0o600);
    await writeSettings(dir, { role: 'primary' });
    expect(await readSettings(dir)).toEqual({ settings: { role: 'primary' } });
  });

  it.each(['not json', '{"version":1,"role":"leader"}', '{"role":"primary"}', '[]', 'x'.repeat(5000)])(
    'report a damaged file (%s)',
    async (text) => {
      await writeFile(settingsPath(dir), text);
      const read = await readSettings(dir);
      expect(read).toHaveProperty('damaged');
      expect('damaged' in read && read.damaged).toContain(settingsPath(dir));
    },
  );
});

describe('choosing the role', () => {
  const neverAsked = (): Promise<never> => Promise.reject(new Error('asked'));

  it('asks on first run and saves the answer', async () => {
    const ask = vi.fn(() => Promise.resolve('backup' as const));
    expect(await chooseRole(null, { missing: true }, ask)).toEqual({ role: 'backup', save: true });
    expect(ask).toHaveBeenCalledOnce();
  });

  it('takes --backup on first run without asking, and saves it', async () => {
    expect(await chooseRole('backup', { missing: true }, neverAsked)).toEqual({ role: 'backup', save: true });
  });

  it('uses the saved role, which the command line overrides for this run only', async () => {
    const saved = { settings: { role: 'backup' as const } };
    expect(await chooseRole(null, saved, neverAsked)).toEqual({ role: 'backup', save: false });
    expect(await chooseRole('primary', saved, neverAsked)).toEqual({ role: 'primary', save: false });
  });

  it('asks again when the file is damaged, and does not overwrite it for a command-line role', async () => {
    expect(await chooseRole(null, { damaged: 'x' }, () => Promise.resolve('primary'))).toEqual({
      role: 'primary',
      save: true,
    });
    expect(await chooseRole('backup', { damaged: 'x' }, neverAsked)).toEqual({ role: 'backup', save: false });
  });
});

describe('the mode menu', () => {
  it('offers the other mode and quitting, with no keyboard shortcuts', () => {
    const switchRole = vi.fn();
    const [station] = stationMenuTemplate('primary', { switchRole, quit: vi.fn() });
    const items = Array.isArray(station?.submenu) ? station.submenu : [];
    expect(items.map((item) => item.label)).toEqual([
      'This machine is the primary station',
      'Switch to backup station…',
      undefined,
      'Quit',
    ]);
    expect(items.every((item) => item.accelerator === undefined)).toBe(true);
    const click = items[1]?.click as () => void;
    click();
    expect(switchRole).toHaveBeenCalledWith('backup');
  });

  it('relaunches without the role flags, so the saved mode applies', () => {
    expect(relaunchArguments(['.', '--backup', '--pair-key', 'K', '--primary'])).toEqual([
      '.',
      '--pair-key',
      'K',
    ]);
  });
});
