/**
 * Electron's main-process API replaced by fakes, for the tests that run
 * electron/main.ts (or its bundle) under plain Node: `vi.mock('electron', …)`
 * hands this module out, and the tests read what the main process did.
 */
import { EventEmitter as Emitter } from 'node:events';
import { vi } from 'vitest';

function createFakeElectron() {
  const appEvents = new Emitter();
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  const paths = new Map<string, string>([
    ['userData', '/nonexistent'],
    ['appData', '/nonexistent-app-data'],
  ]);
  const app = {
    events: appEvents,
    resolveReady,
    on: (name: string, listener: (...args: unknown[]) => void) => appEvents.on(name, listener),
    requestSingleInstanceLock: vi.fn(() => true),
    whenReady: vi.fn(() => ready),
    setPath: vi.fn((name: string, value: string) => paths.set(name, value)),
    getPath: (name: string) => paths.get(name) ?? '',
    quit: vi.fn(() => {
      appEvents.emit('before-quit', { preventDefault: vi.fn() });
    }),
    exit: vi.fn(),
    relaunch: vi.fn(),
  };
  app.resolveReady = () => {
    resolveReady();
  };
  let nextId = 100;
  class FakeWebContents extends Emitter {
    readonly id = nextId++;
    readonly send = vi.fn();
    isDestroyed = () => false;
  }
  class FakeBrowserWindow extends Emitter {
    static created: FakeBrowserWindow[] = [];
    static getAllWindows = () => FakeBrowserWindow.created;
    readonly webContents = new FakeWebContents();
    readonly loadURL = vi.fn(() => Promise.resolve());
    readonly setMenu = vi.fn();
    readonly removeMenu = vi.fn();
    readonly setKiosk = vi.fn();
    readonly setFullScreen = vi.fn();
    readonly setMenuBarVisibility = vi.fn();
    readonly show = vi.fn();
    readonly focus = vi.fn();
    readonly restore = vi.fn();
    isMinimized = () => false;
    isDestroyed = () => false;
    constructor(readonly options: unknown) {
      super();
      FakeBrowserWindow.created.push(this);
    }
  }
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>();
  const module = {
    app,
    BrowserWindow: FakeBrowserWindow,
    dialog: { showErrorBox: vi.fn(), showMessageBox: vi.fn(() => Promise.resolve({ response: 0 })) },
    ipcMain: {
      handle: (channel: string, handler: (event: unknown, ...args: unknown[]) => Promise<unknown>) =>
        handlers.set(channel, handler),
      removeHandler: (channel: string) => handlers.delete(channel),
    },
    Menu: { setApplicationMenu: vi.fn(), buildFromTemplate: vi.fn((template: unknown) => ({ template })) },
    protocol: { registerSchemesAsPrivileged: vi.fn() },
    session: {
      defaultSession: {
        protocol: { handle: vi.fn() },
        webRequest: { onBeforeRequest: vi.fn(), onHeadersReceived: vi.fn() },
        setPermissionRequestHandler: vi.fn(),
        setPermissionCheckHandler: vi.fn(),
      },
    },
  };
  return { module, app, handlers, FakeBrowserWindow };
}

export const fakeElectron = createFakeElectron();
