/** The interface API, provided once by main.ts and injected wherever it is used (tests provide a fake). */
import { inject, type InjectionKey } from 'vue';
import type { InterfaceApi } from '../../../core/api/interface-api.ts';

export const apiKey: InjectionKey<InterfaceApi> = Symbol('interface-api');

export function useApi(): InterfaceApi {
  const api = inject(apiKey);
  if (api === undefined) throw new Error('the interface API was not provided');
  return api;
}
