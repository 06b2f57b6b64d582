/**
 * Which transport carries the interface API: Electron's preload bridge when
 * the page runs in the app, otherwise HTTP to the headless station, with the
 * per-run session secret the station printed in its `ui:` address.
 */
import type { InterfaceApi } from '../../../core/api/interface-api.ts';
import { createHttpInterfaceClient } from '../../../core/api/http-interface-client.ts';

declare global {
  interface Window {
    /** Set by Electron's preload script (electron/preload.ts). */
    readonly evoteApi?: InterfaceApi;
  }
}

const secretStorageKey = 'evote.session-secret';

/** Reads the secret from `#token=…` once, then keeps it for this tab only and clears it from the address bar. */
function takeSessionSecret(): string | null {
  const fromHash = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromHash !== null && fromHash !== '') {
    sessionStorage.setItem(secretStorageKey, fromHash);
    history.replaceState(null, '', window.location.pathname + window.location.search);
    return fromHash;
  }
  return sessionStorage.getItem(secretStorageKey);
}

export type Connection = { readonly api: InterfaceApi } | { readonly missing: 'session-secret' };

export function connectToStation(): Connection {
  if (window.evoteApi !== undefined) return { api: window.evoteApi };
  const secret = takeSessionSecret();
  if (secret === null) return { missing: 'session-secret' };
  return { api: createHttpInterfaceClient({ baseUrl: window.location.origin, secret }) };
}
