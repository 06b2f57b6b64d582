/**
 * The app's own settings, kept in `settings.json` in Electron's userData
 * folder (beside the station's data folder): for now the station's mode,
 * primary or backup, chosen on first run and changeable later. The file is
 * replaced atomically; a damaged file is reported, never silently replaced.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StationRole } from '../core/replication/messages.ts';
import { writeFileAtomic } from '../core/store/atomic-file.ts';

export interface AppSettings {
  readonly role: StationRole;
}

export const settingsFileName = 'settings.json';
const settingsVersion = 1;
/** Far above what the file holds; anything larger is not ours. */
const settingsBytesMax = 4096;

export type SettingsRead =
  { readonly settings: AppSettings } | { readonly missing: true } | { readonly damaged: string };

export function settingsPath(userDataDir: string): string {
  return join(userDataDir, settingsFileName);
}

export async function readSettings(userDataDir: string): Promise<SettingsRead> {
  const path = settingsPath(userDataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { missing: true };
    return { damaged: `${path} cannot be read: ${(error as Error).message}` };
  }
  if (text.length > settingsBytesMax) return { damaged: `${path} is larger than a settings file can be` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { damaged: `${path} is not valid JSON` };
  }
  const settings = parseSettings(value);
  return settings === null
    ? {
        damaged: `${path} does not hold this app's settings (version ${settingsVersion}, role primary or backup)`,
      }
    : { settings };
}

export async function writeSettings(userDataDir: string, settings: AppSettings): Promise<void> {
  const text = `${JSON.stringify({ version: settingsVersion, role: settings.role }, null, 2)}\n`;
  await writeFileAtomic(settingsPath(userDataDir), text, { mode: 0o600 });
}

function parseSettings(value: unknown): AppSettings | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  if (record.version !== settingsVersion) return null;
  if (record.role !== 'primary' && record.role !== 'backup') return null;
  return { role: record.role };
}

export interface RoleChoice {
  readonly role: StationRole;
  /** Whether the choice must be saved (first run). */
  readonly save: boolean;
}

/**
 * The role this run takes: the command line wins for this run; otherwise the
 * saved setting; on first run the command line's role is saved, or the
 * official is asked (`ask`) and the answer saved.
 */
export async function chooseRole(
  commandLineRole: StationRole | null,
  saved: SettingsRead,
  ask: () => Promise<StationRole>,
): Promise<RoleChoice> {
  if ('settings' in saved) return { role: commandLineRole ?? saved.settings.role, save: false };
  if (commandLineRole !== null) return { role: commandLineRole, save: 'missing' in saved };
  return { role: await ask(), save: true };
}
