/**
 * The window's session: the interface is served from `app://station/`, no
 * request leaves for anywhere else (the app never loads remote content), every
 * response carries the Content-Security-Policy, and no permission is granted
 * but the camera (QR codes) to the interface itself.
 */
import type { Session } from 'electron';
import { appScheme, createInterfaceHandler, isInterfaceUrl } from './app-protocol.ts';
import { contentSecurityPolicy } from '../core/api/interface-security-headers.ts';

/** Requests the page may make: its own files, and data/blob URLs it made itself. */
export function isAllowedRequestUrl(url: string): boolean {
  return isInterfaceUrl(url) || url.startsWith('data:') || url.startsWith('blob:app://station/');
}

/** Adds the policy to response headers (keeping any stricter one already there). */
export function withContentSecurityPolicy(
  headers: Readonly<Record<string, string[]>> | undefined,
): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'content-security-policy') result[name] = [...values];
  }
  const existing = Object.entries(headers ?? {})
    .filter(([name]) => name.toLowerCase() === 'content-security-policy')
    .flatMap(([, values]) => values);
  // Several policies are all enforced, so adding ours can only make the page stricter.
  result['Content-Security-Policy'] = [...existing, contentSecurityPolicy];
  return result;
}

export type PolicySession = Pick<
  Session,
  'protocol' | 'webRequest' | 'setPermissionRequestHandler' | 'setPermissionCheckHandler'
>;

export function applySessionPolicy(session: PolicySession, interfaceDir: string): void {
  session.protocol.handle(appScheme, createInterfaceHandler(interfaceDir));
  session.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isAllowedRequestUrl(details.url) });
  });
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withContentSecurityPolicy(details.responseHeaders) });
  });
  session.setPermissionRequestHandler((contents, permission, callback) => {
    callback(permission === 'media' && isInterfaceUrl(contents.getURL()));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => {
    return permission === 'media' && requestingOrigin === `${appScheme}://station`;
  });
}
