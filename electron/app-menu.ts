/**
 * The menu officials see outside kiosk mode: the station's mode (primary or
 * backup, saved in settings.json; switching restarts the app cleanly) and
 * Quit. No item has a keyboard shortcut, and in kiosk mode there is no menu
 * at all.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { StationRole } from '../core/replication/messages.ts';

export interface StationMenuActions {
  readonly switchRole: (role: StationRole) => void;
  readonly quit: () => void;
}

export function otherRole(role: StationRole): StationRole {
  return role === 'primary' ? 'backup' : 'primary';
}

export function stationMenuTemplate(
  current: StationRole,
  actions: StationMenuActions,
): MenuItemConstructorOptions[] {
  const other = otherRole(current);
  return [
    {
      label: 'Station',
      submenu: [
        { label: `This machine is the ${current} station`, enabled: false },
        {
          label: `Switch to ${other} station…`,
          click: () => {
            actions.switchRole(other);
          },
        },
        { type: 'separator' },
        {
          label: 'Quit',
          click: () => {
            actions.quit();
          },
        },
      ],
    },
  ];
}

const roleFlags = new Set(['--primary', '--backup']);

/** The command line for a relaunch after the mode changed: the saved setting decides the role. */
export function relaunchArguments(argv: readonly string[]): string[] {
  return argv.filter((argument) => !roleFlags.has(argument));
}
