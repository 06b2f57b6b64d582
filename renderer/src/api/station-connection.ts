/**
 * Which transport carries the interface API: Electron's preload bridge when
 * the page runs in the app, otherwise HTTP to the headless station, with the
 * per-run session secret the station printed in its `ui:` address.
 */
import type { InterfaceApi } from '../../../core/api/interface-api.ts';
import {
  AccessRefusedError,
  createHttpInterfaceClient,
  type ConnectionState,
  type HttpInterfaceClientOptions,
} from '../../../core/api/http-interface-client.ts';
import type { LinkState, LinkWatch } from './use-api.ts';

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

export type Connection =
  { readonly api: InterfaceApi; readonly link: LinkWatch | null } | { readonly missing: 'session-secret' };

export function connectToStation(): Connection {
  // Over IPC the station runs in the same app: there is no link to lose.
  if (window.evoteApi !== undefined) return { api: window.evoteApi, link: null };
  const secret = takeSessionSecret();
  if (secret === null) return { missing: 'session-secret' };
  return httpConnection({ baseUrl: window.location.origin, secret });
}

function linkStateOf(state: ConnectionState): LinkState {
  if (state.connected) return 'connected';
  return state.error instanceof AccessRefusedError ? 'access-refused' : 'unreachable';
}

/** The HTTP client, with a watch on its event stream that remembers the last state for late subscribers. */
export function httpConnection(options: Omit<HttpInterfaceClientOptions, 'onConnection'>): {
  readonly api: InterfaceApi;
  readonly link: LinkWatch;
} {
  const listeners = new Set<(state: LinkState) => void>();
  let current: LinkState | null = null;
  const api = createHttpInterfaceClient({
    ...options,
    onConnection(state) {
      current = linkStateOf(state);
      for (const listener of [...listeners]) listener(current);
    },
  });
  const link: LinkWatch = {
    subscribe(listener) {
      listeners.add(listener);
      if (current !== null) listener(current);
      return () => listeners.delete(listener);
    },
  };
  return { api, link };
}
