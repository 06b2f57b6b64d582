/**
 * The built interface (Vite output) served as static files: `index.html` for
 * `/`, content types by extension, nothing outside the directory.
 */
import { promises as fs } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npm run build:ui` puts the interface, from the package root. */
export const defaultInterfaceDir = fileURLToPath(new URL('../../renderer/dist/', import.meta.url));

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

/** The content type of an interface file, by its extension. */
export function contentTypeOf(file: string): string {
  return contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

const notBuiltPage = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Interface not built</title></head>
  <body>
    <h1>The station interface is not built</h1>
    <p>The station is running, but this checkout has no built interface to show.
    Build it with <code>npm run build:ui</code>, then reload this page.</p>
  </body>
</html>
`;

/** Answers a GET or HEAD for `urlPath` (the request path without its query) from `root`. */
export async function serveStaticFile(
  root: string,
  urlPath: string,
  headOnly: boolean,
  response: http.ServerResponse,
): Promise<void> {
  const isIndex = urlPath === '/' || urlPath === '/index.html';
  const file = await resolveInside(root, isIndex ? '/index.html' : urlPath);
  const content = file === null ? null : await readRegularFile(file);
  if (content === null || file === null) {
    if (isIndex) {
      send(response, 503, 'text/html; charset=utf-8', 'no-store', Buffer.from(notBuiltPage), headOnly);
    } else {
      send(response, 404, 'text/plain; charset=utf-8', 'no-store', Buffer.from('not found\n'), headOnly);
    }
    return;
  }
  const contentType = contentTypeOf(file);
  send(response, 200, contentType, cachePolicyOf(urlPath, isIndex), content, headOnly);
}

/**
 * Vite names everything it writes under `assets/` after a hash of its content,
 * so those never change; index.html names the current ones and must never be
 * cached; anything else (copied from `public/`) is revalidated.
 */
function cachePolicyOf(urlPath: string, isIndex: boolean): string {
  if (isIndex) return 'no-store';
  if (urlPath.startsWith('/assets/')) return 'public, max-age=31536000, immutable';
  return 'no-cache';
}

/**
 * The real path of the file `urlPath` names inside `root`, or null if it is
 * malformed or points outside (also through a symbolic link). Shared with
 * Electron's app:// protocol.
 */
export async function resolveInside(root: string, urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const base = path.resolve(root);
  const file = path.resolve(base, `.${decoded}`);
  if (!file.startsWith(base + path.sep)) return null;
  // A symbolic link inside the directory must not lead outside it either.
  try {
    const [realBase, realFile] = await Promise.all([fs.realpath(base), fs.realpath(file)]);
    return realFile.startsWith(realBase + path.sep) ? realFile : null;
  } catch {
    return null;
  }
}

async function readRegularFile(file: string): Promise<Buffer | null> {
  try {
    const stat = await fs.stat(file);
    return stat.isFile() ? await fs.readFile(file) : null;
  } catch {
    return null;
  }
}

function send(
  response: http.ServerResponse,
  statusCode: number,
  contentType: string,
  cacheControl: string,
  content: Buffer,
  headOnly: boolean,
): void {
  response.writeHead(statusCode, {
    'content-type': contentType,
    'content-length': content.length,
    'cache-control': cacheControl,
  });
  response.end(headOnly ? undefined : content);
}
