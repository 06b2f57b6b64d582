import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryLogger } from '../../core/logging/logger.ts';
import { stopCleanlyOnQuit, type ShutdownApp } from '../../electron/shutdown.ts';

function fakeApp() {
  const emitter = new EventEmitter();
  const app = {
    on: (name: string, listener: (...args: unknown[]) => void) => emitter.on(name, listener),
    exit: vi.fn(),
    quit: vi.fn(() => {
      quitEvent();
    }),
  };
  const quitEvent = () => {
    const event = { preventDefault: vi.fn() };
    emitter.emit('before-quit', event);
    return event;
  };
  return { app: app as unknown as ShutdownApp & typeof app, emitter, quitEvent };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('clean shutdown', () => {
  it('holds the quit until the station has stopped, then exits with 0', async () => {
    const { app, quitEvent } = fakeApp();
    let finishStop = (): void => undefined;
    const stop = vi.fn(() => new Promise<void>((resolve) => (finishStop = resolve)));
    const logger = createMemoryLogger();
    const shutdown = stopCleanlyOnQuit(app, stop, logger, { signals: new EventEmitter() });
    expect(shutdown.quitting).toBe(false);
    expect(quitEvent().preventDefault).toHaveBeenCalled();
    expect(shutdown.quitting).toBe(true);
    // A second quit while stopping is held back too, and does not stop twice.
    expect(quitEvent().preventDefault).toHaveBeenCalled();
    expect(stop).toHaveBeenCalledOnce();
    expect(app.exit).not.toHaveBeenCalled();
    finishStop();
    await vi.waitFor(() => {
      expect(app.exit).toHaveBeenCalledWith(0);
    });
    expect(logger.entries.map((entry) => entry.event)).toEqual([
      'station-stop-init',
      'station-stop-complete',
    ]);
  });

  it('exits with 1 if the stop fails or hangs past the deadline', async () => {
    const failing = fakeApp();
    stopCleanlyOnQuit(failing.app, () => Promise.reject(new Error('disk gone')), createMemoryLogger(), {
      signals: new EventEmitter(),
    });
    failing.quitEvent();
    await vi.waitFor(() => {
      expect(failing.app.exit).toHaveBeenCalledWith(1);
    });

    vi.useFakeTimers();
    const hanging = fakeApp();
    stopCleanlyOnQuit(hanging.app, () => new Promise<void>(() => undefined), createMemoryLogger(), {
      deadlineMs: 1000,
      signals: new EventEmitter(),
    });
    hanging.quitEvent();
    await vi.advanceTimersByTimeAsync(1001);
    expect(hanging.app.exit).toHaveBeenCalledWith(1);
  });

  it('quits cleanly on SIGTERM, SIGINT and when the last window closes', () => {
    const { app, emitter } = fakeApp();
    const signals = new EventEmitter();
    stopCleanlyOnQuit(app, () => Promise.resolve(), createMemoryLogger(), { signals });
    signals.emit('SIGTERM');
    expect(app.quit).toHaveBeenCalledTimes(1);
    signals.emit('SIGINT');
    emitter.emit('window-all-closed');
    expect(app.quit).toHaveBeenCalledTimes(3);
  });
});
