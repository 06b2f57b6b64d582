/**
 * The app's command line: the role (`--primary`, `--backup`), where its data
 * lives, and the pairing flags of `evote station`, read with the same parsers
 * (`parseHostPort`, `parsePairingKey`). Electron and Chromium put switches of
 * their own on the command line (and Playwright adds `--inspect=0`,
 * `--remote-debugging-port=0`), so unknown options and the app path are ignored.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { parseHostPort, type HostPort } from '../core/cli/host-port.ts';
import { parsePairingKey } from '../core/replication/pairing-key.ts';
import type { StationRole } from '../core/replication/messages.ts';
import type { PairingConfig } from '../core/runtime/station-runtime.ts';

export interface AppFlags {
  /** The role asked for on this command line; null to use the saved setting. */
  readonly role: StationRole | null;
  /** Replaces Electron's userData folder (settings, the station's data); null for the default. */
  readonly userDataDir: string | null;
  readonly grpc: HostPort;
  readonly allowRemoteRegistration: boolean;
  readonly pairKey: string | null;
  readonly sync: HostPort;
  readonly peer: HostPort | null;
  readonly mdns: boolean;
  readonly failoverMs: number;
  readonly requireBackup: boolean;
}

export interface CommandLineError {
  readonly error: string;
}

interface ParsedOptions {
  readonly primary?: boolean;
  readonly backup?: boolean;
  readonly userDataDir?: string;
  readonly grpc: HostPort;
  readonly allowRemoteRegistration: boolean;
  readonly pairKey?: string;
  readonly sync: HostPort;
  readonly peer?: HostPort;
  readonly mdns: boolean;
  readonly failoverMs: number;
  readonly requireBackup: boolean;
}

export const defaultFailoverMs = 1500;

function appCommand(): Command {
  return new Command('evote-app')
    .option('--primary', 'run this station as the primary (saved as the setting on first run)')
    .option('--backup', 'run this station as the backup (saved as the setting on first run)')
    .option('--user-data-dir <dir>', 'keep settings and the station data in this folder')
    .addOption(
      new Option('--grpc <host:port>', 'where to serve the gRPC e-voting protocol (port 0: any free port)')
        .argParser(hostPortArgument)
        .default(parseHostPort('127.0.0.1:50051')),
    )
    .option('--allow-remote-registration', 'serve RegisterVoter/UnregisterVoter to other machines', false)
    .option('--pair-key <key>', 'the pairing key shared by the two stations')
    .addOption(
      new Option('--sync <host:port>', 'where this station listens for its paired station')
        .argParser(hostPortArgument)
        .default(parseHostPort('0.0.0.0:50052')),
    )
    .addOption(
      new Option('--peer <host:port>', "the paired station's sync address").argParser(hostPortArgument),
    )
    .option('--no-mdns', 'do not look for the paired station with mDNS')
    .addOption(
      new Option('--failover-ms <ms>', 'the backup takes over after this long without word from the primary')
        .argParser(positiveIntegerArgument)
        .default(defaultFailoverMs),
    )
    .option('--require-backup', 'refuse changes while no backup station is in sync', false)
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
    pairKey: options.pairKey ?? null,
    sync: options.sync,
    peer: options.peer ?? null,
    mdns: options.mdns,
    failoverMs: options.failoverMs,
    requireBackup: options.requireBackup,
  };
}

/** The pairing for `role`, null for a station alone, or why the flags do not make a pairing. */
export function pairingOf(flags: AppFlags, role: StationRole): PairingConfig | null | CommandLineError {
  if (flags.pairKey === null) {
    if (role === 'backup')
      return {
        error:
          'a backup station needs the pairing key of its primary: start it with --pair-key KEY ' +
          '(or with --primary to run this machine as the primary)',
      };
    if (flags.peer !== null || flags.requireBackup)
      return { error: 'pairing with another station needs --pair-key (create one with `evote pair-key`)' };
    return null;
  }
  const pairingKey = parsePairingKey(flags.pairKey);
  if ('error' in pairingKey) return { error: `--pair-key: ${pairingKey.error}` };
  return {
    role,
    sync: flags.sync,
    peer: flags.peer,
    pairingKey,
    mdns: flags.mdns,
    failoverMs: flags.failoverMs,
    requireBackup: flags.requireBackup,
  };
}

export function isCommandLineError(value: object | null): value is CommandLineError {
  return value !== null && 'error' in value && typeof value.error === 'string';
}

function hostPortArgument(value: string): HostPort {
  try {
    return parseHostPort(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function positiveIntegerArgument(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number <= 0)
    throw new InvalidArgumentError(`"${value}" is not a positive whole number`);
  return number;
}
