/**
 * The packaged interface (`renderer/dist`, Vite's build with `base: './'`)
 * served under a privileged `app://station/` scheme: a real, secure origin
 * for 'self' in the Content-Security-Policy, without file://'s access to the
 * whole disk. Nothing outside the folder is ever served, and every answer
 * carries the policy headers.
 */
import { readFile } from 'node:fs/promises';
import type { CustomScheme } from 'electron';
import { securityHeaders } from '../core/api/interface-security-headers.ts';
import { contentTypeOf, resolveInside } from '../core/http/static-files.ts';

export const appScheme = 'app';
export const appHost = 'station';
/** What the window loads. */
export const interfaceEntryUrl = `${appScheme}://${appHost}/index.html`;

/** Registered before the app is ready (`protocol.registerSchemesAsPrivileged`). */
export const appSchemePrivileges: CustomScheme = {
  scheme: appScheme,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true },
};

/** Whether `url` is a page or file of the packaged interface. */
export function isInterfaceUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  // WHATWG URL gives non-special schemes the origin "null", so compare the parts.
  return parsed.protocol === `${appScheme}:` && parsed.host === appHost && parsed.username === '';
}

/** The handler for `protocol.handle(appScheme, …)`: files of `root`, or 404. */
export function createInterfaceHandler(root: string): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed');
    if (!isInterfaceUrl(request.url)) return plain(404, 'not found');
    const urlPath = new URL(request.url).pathname;
    const file = await resolveInside(root, urlPath === '/' ? '/index.html' : urlPath);
    const content = file === null ? null : await readFile(file).catch(() => null);
    if (file === null || content === null) return plain(404, 'not found');
    return new Response(request.method === 'HEAD' ? null : content, {
      status: 200,
      headers: { ...securityHeaders, 'content-type': contentTypeOf(file), 'cache-control': 'no-cache' },
    });
  };
}

function plain(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { ...securityHeaders, 'content-type': 'text/plain; charset=utf-8' },
  });
}
