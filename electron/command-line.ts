/**
 * The app's command line: the role (`--primary`, `--backup`), where its data
 * lives, and the pairing flags of `evote station` (`--witness` among them),
 * declared and turned into a pairing by the same code (core/cli/pairing-flags.ts).
 * Electron and Chromium put switches of their own on the command line (and
 * Playwright adds `--inspect=0`, `--remote-debugging-port=0`), so unknown
 * options and the app path are ignored.
 */
import { Command, CommanderError, Option } from 'commander';
import { parseHostPort, type HostPort } from '../core/cli/host-port.ts';
import {
  addPairingOptions,
  hostPortArgument,
  isFlagError,
  pairingFlagsOf,
  pairingOf as pairingOfFlags,
  type FlagError,
  type PairingFlags,
  type PairingOptions,
} from '../core/cli/pairing-flags.ts';
import type { StationRole } from '../core/replication/messages.ts';
import type { PairingConfig } from '../core/runtime/station-runtime.ts';

export interface AppFlags extends PairingFlags {
  /** The role asked for on this command line; null to use the saved setting. */
  readonly role: StationRole | null;
  /** Replaces Electron's userData folder (settings, the station's data); null for the default. */
  readonly userDataDir: string | null;
  readonly grpc: HostPort;
  readonly allowRemoteRegistration: boolean;
}

export type CommandLineError = FlagError;

interface ParsedOptions extends PairingOptions {
  readonly primary?: boolean;
  readonly backup?: boolean;
  readonly userDataDir?: string;
  readonly grpc: HostPort;
  readonly allowRemoteRegistration: boolean;
}

function appCommand(): Command {
  const command = new Command('evote-app')
    .option('--primary', 'run this station as the primary (saved as the setting on first run)')
    .option('--backup', 'run this station as the backup (saved as the setting on first run)')
    .option('--user-data-dir <dir>', 'keep settings and the station data in this folder')
    .addOption(
      new Option('--grpc <host:port>', 'where to serve the gRPC e-voting protocol (port 0: any free port)')
        .argParser(hostPortArgument)
        .default(parseHostPort('127.0.0.1:50051')),
    )
    .option('--allow-remote-registration', 'serve RegisterVoter/UnregisterVoter to other machines', false);
  return addPairingOptions(command)
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption(false)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
}

/** Reads `argv` without its executable (`process.argv.slice(1)`); never exits the process. */
export function parseAppFlags(argv: readonly string[]): AppFlags | CommandLineError {
  const command = appCommand();
  try {
    command.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return { error: error.message.replace(/^error: /, '') };
    throw error;
  }
  const options = command.opts<ParsedOptions>();
  if (options.primary === true && options.backup === true)
    return { error: '--primary and --backup cannot both be given' };
  return {
    role: options.backup === true ? 'backup' : options.primary === true ? 'primary' : null,
    userDataDir: options.userDataDir ?? null,
    grpc: options.grpc,
    allowRemoteRegistration: options.allowRemoteRegistration,
    ...pairingFlagsOf(options),
  };
}

/** The pairing for `role`, null for a station alone, or why the flags do not make a pairing. */
export function pairingOf(flags: AppFlags, role: StationRole): PairingConfig | null | CommandLineError {
  return pairingOfFlags(flags, role, ' (or with --primary to run this machine as the primary)');
}

export const isCommandLineError = isFlagError;
