/**
 * The interface API, provided once by main.ts and injected wherever it is
 * used (tests provide a fake), and the state of the link that pushes its events.
 */
import { inject, type InjectionKey } from 'vue';
import type { InterfaceApi } from '../../../core/api/interface-api.ts';

export const apiKey: InjectionKey<InterfaceApi> = Symbol('interface-api');

export function useApi(): InterfaceApi {
  const api = inject(apiKey);
  if (api === undefined) throw new Error('the interface API was not provided');
  return api;
}

/**
 * Whether pushed events arrive: `unreachable` while the event stream is down
 * (it reconnects by itself), `access-refused` once the station refused this
 * page's session secret (it restarted: only its new `ui:` address helps).
 */
export type LinkState = 'connected' | 'unreachable' | 'access-refused';

export interface LinkWatch {
  /** Calls `listener` on every change of the link's state until the returned function is called. */
  subscribe(listener: (state: LinkState) => void): () => void;
}

/** Provided only where the link can drop (HTTP); over Electron's IPC the station is in the same app. */
export const linkKey: InjectionKey<LinkWatch> = Symbol('station-link');
