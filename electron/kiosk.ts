/**
 * Kiosk mode for the voter screen: when the window shows the voter screen
 * (`#/vote`), it goes full screen in kiosk mode with no menu, and it cannot
 * be closed; only an official's successful sign-in in that window leaves it.
 * The interface drops the official's session on entering the voter screen, so
 * a voter cannot reach anything else without an official's credential.
 * Developer tools are off in every window (electron/window-manager.ts).
 */
import { isInterfaceUrl } from './app-protocol.ts';

/** The interface's route for voters (vue-router, hash history). */
export const voterRoute = '/vote';

export function isVoterScreenUrl(url: string): boolean {
  if (!isInterfaceUrl(url)) return false;
  const route = new URL(url).hash.replace(/^#/, '').split('?')[0];
  return route === voterRoute || route === `${voterRoute}/`;
}

/** What kiosk mode changes on the window. */
export interface KioskWindow {
  setKiosk(flag: boolean): void;
  setMenuBarVisibility(visible: boolean): void;
  setFullScreen(flag: boolean): void;
}

export class KioskController {
  #active = false;
  readonly #window: KioskWindow;
  readonly #onChange: (active: boolean) => void;

  constructor(window: KioskWindow, onChange: (active: boolean) => void = () => undefined) {
    this.#window = window;
    this.#onChange = onChange;
  }

  get active(): boolean {
    return this.#active;
  }

  /** Called for every navigation of the window, in-page ones too. */
  navigated(url: string): void {
    if (!this.#active && isVoterScreenUrl(url)) this.#set(true);
  }

  /** Called when an official has signed in from this window. */
  officialSignedIn(): void {
    if (this.#active) this.#set(false);
  }

  /** Whether the window may close now (the app quitting always may). */
  mayClose(appQuitting: boolean): boolean {
    return appQuitting || !this.#active;
  }

  #set(active: boolean): void {
    this.#active = active;
    this.#window.setKiosk(active);
    this.#window.setFullScreen(active);
    this.#window.setMenuBarVisibility(!active);
    this.#onChange(active);
  }
}
