import { describe, expect, it, vi } from 'vitest';
import { enforceSingleInstance, type SingleInstanceApp } from '../../electron/single-instance.ts';

function fakeApp(lock: boolean) {
  const listeners = new Map<string, () => void>();
  const app = {
    requestSingleInstanceLock: vi.fn(() => lock),
    quit: vi.fn(),
    on: vi.fn((name: string, listener: () => void) => {
      listeners.set(name, listener);
      return app;
    }),
  };
  return { app: app as unknown as SingleInstanceApp & typeof app, listeners };
}

describe('single instance', () => {
  it('a second start quits at once', () => {
    const { app } = fakeApp(false);
    const onSecond = vi.fn();
    expect(enforceSingleInstance(app, onSecond)).toBe(false);
    expect(app.quit).toHaveBeenCalledOnce();
    expect(app.on).not.toHaveBeenCalled();
  });

  it('the first instance shows its window when started again', () => {
    const { app, listeners } = fakeApp(true);
    const onSecond = vi.fn();
    expect(enforceSingleInstance(app, onSecond)).toBe(true);
    expect(app.quit).not.toHaveBeenCalled();
    listeners.get('second-instance')?.();
    expect(onSecond).toHaveBeenCalledOnce();
  });
});
