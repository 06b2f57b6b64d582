import { describe, expect, it, vi } from 'vitest';
import type { BrowserWindowConstructorOptions } from 'electron';
import {
  mainWindowOptions,
  secureWebPreferences,
  WindowManager,
  type ManagedWindow,
} from '../../electron/window-manager.ts';

describe('window options', () => {
  it('isolate and sandbox the page, with no Node, no devtools and web security on', () => {
    expect(secureWebPreferences('/app/electron/dist/preload.cjs')).toMatchObject({
      preload: '/app/electron/dist/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
    });
  });

  it('show the window only once it has painted', () => {
    const options = mainWindowOptions('/p.cjs', '/icon.png');
    expect(options.show).toBe(false);
    expect(options.icon).toBe('/icon.png');
    expect(options.webPreferences?.sandbox).toBe(true);
    expect(mainWindowOptions('/p.cjs', null)).not.toHaveProperty('icon');
  });
});

class FakeWindow implements ManagedWindow {
  static nextId = 1;
  readonly webContents = { id: FakeWindow.nextId++ };
  readonly loaded: string[] = [];
  readonly listeners = new Map<string, () => void>();
  destroyed = false;
  minimized = true;
  readonly show = vi.fn();
  readonly focus = vi.fn();
  readonly restore = vi.fn(() => {
    this.minimized = false;
  });
  constructor(readonly options: BrowserWindowConstructorOptions) {}
  loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    return Promise.resolve();
  }
  once(event: 'ready-to-show', listener: () => void): this {
    this.listeners.set(event, listener);
    return this;
  }
  on(event: 'closed', listener: () => void): this {
    this.listeners.set(event, listener);
    return this;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

describe('window manager', () => {
  it('loads only the packaged interface and trusts only its own window', async () => {
    const created: FakeWindow[] = [];
    const manager = new WindowManager(
      (options) => {
        const window = new FakeWindow(options);
        created.push(window);
        return window;
      },
      mainWindowOptions('/p.cjs', null),
    );
    const window = await manager.open();
    expect(window.loaded).toEqual(['app://station/index.html']);
    expect(window.options.webPreferences?.contextIsolation).toBe(true);
    expect([...manager.ownWebContentsIds]).toEqual([window.webContents.id]);

    window.listeners.get('ready-to-show')?.();
    expect(window.show).toHaveBeenCalled();

    // A second open focuses the same window instead of making another.
    expect(await manager.open()).toBe(window);
    expect(created).toHaveLength(1);
    expect(window.restore).toHaveBeenCalled();

    window.destroyed = true;
    window.listeners.get('closed')?.();
    expect(manager.ownWebContentsIds.size).toBe(0);
    expect(manager.mainWindow).toBeNull();
  });
});
