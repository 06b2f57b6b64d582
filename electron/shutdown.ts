/**
 * A clean stop whenever the app quits (last window closed, the menu, a
 * relaunch, SIGINT or SIGTERM): quitting is held back (`before-quit` with
 * `preventDefault`) until the station has stopped (calls in progress finish,
 * the peer is told, mDNS says goodbye, the log is flushed and compacted),
 * then the app exits. A stop that hangs (a disk that stopped answering) still
 * ends the app after a deadline, with exit code 1.
 */
import type { App } from 'electron';
import type { Logger } from '../core/logging/logger.ts';

export const stopDeadlineMs = 15_000;

export type ShutdownApp = Pick<App, 'on' | 'exit' | 'quit'>;

export interface Shutdown {
  /** True once quitting has begun (windows may then close, kiosk or not). */
  readonly quitting: boolean;
}

export function stopCleanlyOnQuit(
  app: ShutdownApp,
  stop: () => Promise<void>,
  logger: Logger,
  options: {
    readonly deadlineMs?: number;
    readonly signals?: { on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown };
    /** Flushes the log once its last line is written, before the app exits. */
    readonly flushLog?: () => Promise<void>;
  } = {},
): Shutdown {
  const deadlineMs = options.deadlineMs ?? stopDeadlineMs;
  let state: 'running' | 'stopping' = 'running';
  app.on('before-quit', (event) => {
    // app.exit() below does not come back here; any other quit waits for the stop.
    event.preventDefault();
    if (state === 'stopping') return;
    state = 'stopping';
    logger.log('info', 'station-stop-init', 'stopping station', {});
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, deadlineMs);
    });
    void Promise.race([stop().then(() => 'stopped' as const), deadline])
      .then((result) => {
        if (result === 'timeout') {
          logger.log('error', 'internal-error', 'the station did not stop in time; exiting anyway', {
            deadlineMs,
          });
          return 1;
        }
        logger.log('info', 'station-stop-complete', 'station stopped', {});
        return 0;
      })
      .catch((error: unknown) => {
        logger.log('error', 'internal-error', 'stopping the station failed', {
          error: error instanceof Error ? error.message : String(error),
        });
        return 1;
      })
      .then(async (exitCode) => {
        clearTimeout(timer);
        await options.flushLog?.().catch(() => undefined);
        app.exit(exitCode);
      });
  });
  app.on('window-all-closed', () => {
    app.quit();
  });
  const signals = options.signals ?? process;
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    signals.on(signal, () => {
      app.quit();
    });
  return {
    get quitting() {
      return state === 'stopping';
    },
  };
}
