/**
 * A real headless station for the end-to-end tests: `evote station` with the
 * HTTP interface on a free loopback port, in a fresh data directory. The
 * interface address (with the per-run session secret) comes from the line the
 * station prints starting `ui: `.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startStation, type StationProcess } from '../../support/station-process.ts';

export interface UiStation {
  readonly process: StationProcess;
  readonly dataDir: string;
  /** `http://127.0.0.1:PORT/#token=SECRET`, as printed. */
  readonly uiUrl: string;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** Stops the station (SIGTERM, a clean stop) and removes its data directory. */
  close(): Promise<void>;
}

const uiLinePattern = /^ui: (http:\/\/\S+)$/m;
const uiLineTimeoutMs = 10_000;

/** `extraArgs` go after the station's own (`--data`, `--grpc`, `--http`), e.g. pairing flags. */
export async function startUiStation(extraArgs: readonly string[] = []): Promise<UiStation> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'evote-e2e-'));
  let station: StationProcess;
  try {
    station = await startStation({
      dataDir,
      grpcAddress: '127.0.0.1:0',
      extraArgs: ['--http', '127.0.0.1:0', ...extraArgs],
    });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const close = async (): Promise<void> => {
    try {
      const exit = await station.stop('SIGTERM');
      if (exit.code !== 0) {
        throw new Error(
          `the station exited with code ${String(exit.code)}, signal ${String(exit.signal)}\n${station.logs()}`,
        );
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  };
  try {
    const uiUrl = await uiLine(station);
    return { process: station, dataDir, uiUrl, origin: new URL(uiUrl).origin, close };
  } catch (error) {
    await station.stop('SIGKILL').catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** The address of the station's `ui: ` line, printed right after its `grpc: ` line. */
function uiLine(station: StationProcess): Promise<string> {
  const stdout = station.process.stdout;
  if (stdout === null) return Promise.reject(new Error('the station has no standard output'));
  return new Promise((resolve, reject) => {
    const found = (): string | undefined => uiLinePattern.exec(station.stdout())?.[1];
    const already = found();
    if (already !== undefined) {
      resolve(already);
      return;
    }
    const finish = (): void => {
      clearTimeout(timer);
      stdout.off('data', onData);
      station.process.off('close', onClose);
    };
    // station.stdout() is kept up to date by the process module's own listener, registered before this one.
    const onData = (): void => {
      const url = found();
      if (url === undefined) return;
      finish();
      resolve(url);
    };
    const onClose = (): void => {
      finish();
      reject(new Error(`the station exited without a "ui: " line\n${station.stdout()}\n${station.logs()}`));
    };
    const timer = setTimeout(() => {
      finish();
      reject(
        new Error(`the station printed no "ui: " line within ${uiLineTimeoutMs} ms\n${station.stdout()}`),
      );
    }, uiLineTimeoutMs);
    stdout.on('data', onData);
    station.process.once('close', onClose);
  });
}
