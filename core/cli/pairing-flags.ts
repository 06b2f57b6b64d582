/**
 * The pairing flags of a station (`--pair-key`, `--sync`, `--peer`,
 * `--no-mdns`, `--failover-ms`, `--require-backup`, `--witness`), declared once
 * for `evote station` and the Electron app, and turned into a PairingConfig
 * by one pure function. Nothing here reads `process.argv` or exits.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { StationRole } from '../replication/messages.ts';
import { parsePairingKey } from '../replication/pairing-key.ts';
import type { PairingConfig } from '../runtime/station-runtime.ts';
import { parseHostPort, type HostPort } from './host-port.ts';

export const defaultFailoverMs = 1500;

/** The pairing flags as read, absent ones as null. */
export interface PairingFlags {
  readonly pairKey: string | null;
  readonly sync: HostPort;
  readonly peer: HostPort | null;
  readonly mdns: boolean;
  readonly failoverMs: number;
  readonly requireBackup: boolean;
  readonly witness: HostPort | null;
}

/** What commander hands over for the options {@link addPairingOptions} declares. */
export interface PairingOptions {
  readonly pairKey?: string;
  readonly sync: HostPort;
  readonly peer?: HostPort;
  readonly mdns: boolean;
  readonly failoverMs: number;
  readonly requireBackup: boolean;
  readonly witness?: HostPort;
}

export interface FlagError {
  readonly error: string;
}

/** Declares the pairing options on `command` (with their defaults) and returns it. */
export function addPairingOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--sync <host:port>', 'where this station listens for its paired station')
        .argParser(hostPortArgument)
        .default(parseHostPort('0.0.0.0:50052'), '0.0.0.0:50052'),
    )
    .addOption(
      new Option(
        '--peer <host:port>',
        "the paired station's sync address (discovery still runs unless --no-mdns)",
      ).argParser(hostPortArgument),
    )
    .addOption(
      new Option('--pair-key <key>', 'the pairing key shared by the two stations (see `evote pair-key`)'),
    )
    .option('--no-mdns', 'do not look for the paired station with mDNS')
    .addOption(
      new Option('--failover-ms <ms>', 'the backup takes over after this long without word from the primary')
        .argParser(positiveIntegerArgument)
        .default(defaultFailoverMs),
    )
    .option('--require-backup', 'refuse changes while no backup station is in sync', false)
    .addOption(
      new Option(
        '--witness <host:port>',
        "the witness's address (see `evote witness`): changes only with a majority, take-over only with its vote",
      ).argParser(hostPortArgument),
    );
}

export function pairingFlagsOf(options: PairingOptions): PairingFlags {
  return {
    pairKey: options.pairKey ?? null,
    sync: options.sync,
    peer: options.peer ?? null,
    mdns: options.mdns,
    failoverMs: options.failoverMs,
    requireBackup: options.requireBackup,
    witness: options.witness ?? null,
  };
}

/**
 * The pairing for `role`, null for a station alone, or why the flags do not
 * make a pairing (`backupHint` ends the message for a backup without a key).
 * The error never repeats the pairing key.
 */
export function pairingOf(
  flags: PairingFlags,
  role: StationRole,
  backupHint = '',
): PairingConfig | null | FlagError {
  if (flags.pairKey === null) {
    if (role === 'backup')
      return {
        error: `a backup station needs the pairing key of its primary: start it with --pair-key KEY${backupHint}`,
      };
    if (flags.peer !== null || flags.requireBackup || flags.witness !== null)
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
    ...(flags.witness === null ? {} : { witness: flags.witness }),
  };
}

export function isFlagError(value: object | null): value is FlagError {
  return value !== null && 'error' in value && typeof value.error === 'string';
}

/** A commander argument parser for HOST:PORT. */
export function hostPortArgument(value: string): HostPort {
  try {
    return parseHostPort(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** A commander argument parser for a whole number above 0. */
export function positiveIntegerArgument(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number <= 0)
    throw new InvalidArgumentError(`"${value}" is not a positive whole number`);
  return number;
}
