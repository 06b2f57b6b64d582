/**
 * The station as the app runs it: in the main process, through the same
 * `startStationRuntime` as `evote station`, with its data in the `station`
 * folder of Electron's userData folder, and its log as JSON lines on stderr
 * and in `logs/station.jsonl` beside it (closed, so flushed, at shutdown).
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createJsonLineLogger, type Logger } from '../core/logging/logger.ts';
import type { PairingConfig, StationRuntimeConfig } from '../core/runtime/station-runtime.ts';
import type { AppFlags } from './command-line.ts';

export const stationDataFolder = 'station';
export const logFolder = 'logs';
export const logFileName = 'station.jsonl';

export function runtimeConfigOf(
  userDataDir: string,
  flags: AppFlags,
  pairing: PairingConfig | null,
): StationRuntimeConfig {
  return {
    dataDir: path.join(userDataDir, stationDataFolder),
    grpc: flags.grpc,
    allowRemoteRegistration: flags.allowRemoteRegistration,
    // The window talks to the station over IPC; no HTTP interface is opened.
    http: null,
    pairing,
  };
}

export interface AppLog {
  readonly logger: Logger;
  readonly path: string;
  /** Flushes and closes the log file. */
  close(): Promise<void>;
}

export function openAppLog(userDataDir: string, stderr: (line: string) => void): AppLog {
  const folder = path.join(userDataDir, logFolder);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const file = path.join(folder, logFileName);
  const stream = createWriteStream(file, { flags: 'a', mode: 0o600 });
  // A log that cannot be written must not take the station down; stderr still has every line.
  stream.on('error', () => undefined);
  const logger = createJsonLineLogger((line) => {
    stderr(line);
    if (stream.writable) stream.write(line);
  });
  return {
    logger,
    path: file,
    close: () =>
      new Promise<void>((resolve) => {
        if (!stream.writable) resolve();
        else stream.end(resolve);
      }),
  };
}
