/**
 * The station's window: created with secure defaults (isolated, sandboxed,
 * no Node in the page, web security on, no developer tools, no webviews),
 * showing only the packaged interface. The manager knows which web contents
 * are its own, which is what the IPC sender check trusts.
 */
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';
import { interfaceEntryUrl } from './app-protocol.ts';

export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    devTools: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

export function mainWindowOptions(
  preloadPath: string,
  iconPath: string | null,
): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 860,
    minWidth: 800,
    minHeight: 600,
    title: 'evote station',
    // Shown once the interface has painted, so nobody sees an empty frame.
    show: false,
    backgroundColor: '#ffffff',
    autoHideMenuBar: false,
    ...(iconPath === null ? {} : { icon: iconPath }),
    webPreferences: secureWebPreferences(preloadPath),
  };
}

/** What the manager uses of a BrowserWindow. */
export interface ManagedWindow {
  readonly webContents: { readonly id: number };
  loadURL(url: string): Promise<void>;
  once(event: 'ready-to-show', listener: () => void): unknown;
  on(event: 'closed', listener: () => void): unknown;
  show(): void;
  focus(): void;
  isMinimized(): boolean;
  restore(): void;
  isDestroyed(): boolean;
}

export class WindowManager<Window extends ManagedWindow> {
  readonly #create: (options: BrowserWindowConstructorOptions) => Window;
  readonly #options: BrowserWindowConstructorOptions;
  readonly #ownIds = new Set<number>();
  #main: Window | null = null;

  constructor(
    create: (options: BrowserWindowConstructorOptions) => Window,
    options: BrowserWindowConstructorOptions,
  ) {
    this.#create = create;
    this.#options = options;
  }

  /** The web contents ids of this app's windows (what IPC is accepted from). */
  get ownWebContentsIds(): ReadonlySet<number> {
    return this.#ownIds;
  }

  get mainWindow(): Window | null {
    return this.#main;
  }

  /** Opens the station window (once) and loads the interface into it. */
  async open(onCreated: (window: Window) => void = () => undefined): Promise<Window> {
    if (this.#main !== null && !this.#main.isDestroyed()) {
      this.focus();
      return this.#main;
    }
    const window = this.#create(this.#options);
    const id = window.webContents.id;
    this.#ownIds.add(id);
    this.#main = window;
    window.on('closed', () => {
      this.#ownIds.delete(id);
      if (this.#main === window) this.#main = null;
    });
    window.once('ready-to-show', () => {
      window.show();
    });
    onCreated(window);
    await window.loadURL(interfaceEntryUrl);
    return window;
  }

  /** Brings the station window to the front (a second start of the app asks for this). */
  focus(): void {
    const window = this.#main;
    if (window === null || window.isDestroyed()) return;
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  }
}
