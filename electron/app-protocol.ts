/**
 * The packaged interface (`renderer/dist`, Vite's build with `base: './'`)
 * served under a privileged `app://station/` scheme: a real, secure origin
 * for 'self' in the Content-Security-Policy, without file://'s access to the
 * whole disk. Nothing outside the folder is ever served, and every answer
 * carries the policy headers.
 */
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { CustomScheme } from 'electron';
import { securityHeaders } from '../core/api/interface-security-headers.ts';

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

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The handler for `protocol.handle(appScheme, …)`: files of `root`, or 404. */
export function createInterfaceHandler(root: string): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed');
    if (!isInterfaceUrl(request.url)) return plain(404, 'not found');
    const file = await resolveInside(root, new URL(request.url).pathname);
    const content = file === null ? null : await readFile(file).catch(() => null);
    if (file === null || content === null) return plain(404, 'not found');
    const contentType = contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    return new Response(request.method === 'HEAD' ? null : content, {
      status: 200,
      headers: { ...securityHeaders, 'content-type': contentType, 'cache-control': 'no-cache' },
    });
  };
}

/** The real path of the file `urlPath` names inside `root`, or null if it is malformed or outside. */
export async function resolveInside(root: string, urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath === '/' ? '/index.html' : urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  try {
    const realRoot = await realpath(root);
    // Symbolic links are followed, then the target must still be inside the folder.
    const file = await realpath(path.join(realRoot, path.normalize(decoded)));
    const relative = path.relative(realRoot, file);
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return null;
    return file;
  } catch {
    return null;
  }
}

function plain(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { ...securityHeaders, 'content-type': 'text/plain; charset=utf-8' },
  });
}
