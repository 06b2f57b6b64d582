/**
 * The station's HTTP server: the interface API for the interface in a
 * browser (`POST /api/call/<operation>`, events on `GET /api/events`), the
 * built interface itself, and the unauthenticated `GET /api/status` that
 * scripts watch.
 *
 * Every API call carries the session secret (`Authorization: Bearer …`), which
 * the station prints only in its `ui:` line; the secret never travels in a
 * URL the server sees (the `ui:` address holds it in the fragment).
 */
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { encodeApiJson } from '../api/api-json.ts';
import { interfaceLimits, type InterfaceApi, type StationEvent } from '../api/interface-api.ts';
import { callOperation } from '../api/interface-dispatch.ts';
import { isInterfaceOperation } from '../api/interface-requests.ts';
import type { Logger } from '../logging/logger.ts';
import type { RandomBytes } from '../station/environment.ts';
import type { StationStatus } from '../station/station-status.ts';
import { hostChecker, isLoopbackHost } from './allowed-hosts.ts';
import { defaultInterfaceDir, serveStaticFile } from './static-files.ts';
import { decodeRequestBody, readBody } from './request-body.ts';
import { securityHeaders } from '../api/interface-security-headers.ts';

export interface InterfaceServerOptions {
  readonly host: string;
  readonly port: number;
  readonly status: () => StationStatus;
  readonly api: InterfaceApi;
  /** From `createSessionSecret`; callers present it as `Authorization: Bearer <secret>`. */
  readonly secret: string;
  readonly logger: Logger;
  /** The built interface; default `renderer/dist` of this package. */
  readonly interfaceDir?: string;
  /** A comment on every event stream this often keeps proxies and the client's watchdog content. */
  readonly heartbeatMs?: number;
}

export interface RunningInterfaceServer {
  readonly port: number;
  stop(): Promise<void>;
}

const secretBytes = 32;
const heartbeatMsDefault = 15_000;
/** Each stream holds a subscription and a socket; an interface needs one, a few tabs a few more. */
const eventStreamsMax = 16;
/** A client that stops reading is cut off rather than buffered for without bound; it reconnects. */
const eventStreamBufferedBytesMax = 1024 * 1024;

/** A fresh secret for one run of the station: 32 random bytes, base64url. */
export function createSessionSecret(randomBytes: RandomBytes): string {
  return Buffer.from(randomBytes(secretBytes)).toString('base64url');
}

/**
 * The address an official opens: the secret is in the fragment, which the
 * browser keeps to itself. A server on every interface is opened by loopback.
 */
export function interfaceUrlOf(host: string, port: number, secret: string): string {
  const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host;
  return `http://${shownHost}:${port}/#token=${secret}`;
}

export async function startInterfaceServer(options: InterfaceServerOptions): Promise<RunningInterfaceServer> {
  const listenHost = options.host.replace(/^\[(.*)\]$/, '$1');
  let hostAllowed: (hostHeader: string | undefined) => boolean = () => false;
  const context: RequestContext = {
    options,
    interfaceDir: options.interfaceDir ?? defaultInterfaceDir,
    isAuthorized: authorizer(options.secret),
    eventStreams: new Set(),
  };
  const server = http.createServer((request, response) => {
    for (const [name, value] of Object.entries(securityHeaders)) response.setHeader(name, value);
    if (!hostAllowed(request.headers.host)) {
      sendError(response, 403, 'this station is not served under that host name');
      return;
    }
    handle(request, response, context).catch((error: unknown) => {
      options.logger.log('error', 'internal-error', 'an HTTP request failed unexpectedly', {
        path: pathOf(request),
        error: error instanceof Error ? error.message : String(error),
      });
      if (response.headersSent) response.destroy();
      else sendError(response, 500, 'internal error; the request may not have been completed');
    });
  });
  server.on('clientError', (_error, socket) => {
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      reject(new Error(`cannot listen for HTTP on ${options.host}:${options.port}: ${error.message}`));
    });
    server.listen(options.port, listenHost, () => {
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  hostAllowed = hostChecker(options.host, port);
  options.logger.log('info', 'http-listening', 'serving HTTP', { address: `${options.host}:${port}` });
  if (!isLoopbackHost(options.host)) {
    options.logger.log(
      'warn',
      'http-exposed',
      'the interface is served to the network: anyone who reaches this address with the session secret can act as the interface',
      { address: `${options.host}:${port}` },
    );
  }
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

interface RequestContext {
  readonly options: InterfaceServerOptions;
  readonly interfaceDir: string;
  readonly isAuthorized: (authorization: string | undefined) => boolean;
  readonly eventStreams: Set<http.ServerResponse>;
}

type Serve = (
  request: http.IncomingMessage,
  response: http.ServerResponse,
  context: RequestContext,
  path: string,
) => void | Promise<void>;

interface Route {
  /** Null: any method. */
  readonly methods: readonly string[] | null;
  readonly authenticated: boolean;
  readonly serve: Serve;
}

const callPrefix = '/api/call/';

function routeOf(path: string): Route {
  if (path === '/api/status') return { methods: ['GET'], authenticated: false, serve: serveStatus };
  if (path === '/api/events') return { methods: ['GET'], authenticated: true, serve: serveEvents };
  if (path.startsWith(callPrefix)) return { methods: ['POST'], authenticated: true, serve: serveCall };
  if (path.startsWith('/api/')) return { methods: null, authenticated: false, serve: serveNotFound };
  return { methods: ['GET', 'HEAD'], authenticated: false, serve: serveInterfaceFile };
}

async function handle(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  context: RequestContext,
): Promise<void> {
  const path = pathOf(request);
  const route = routeOf(path);
  if (route.methods !== null && !route.methods.includes(request.method ?? '')) {
    response.setHeader('allow', route.methods.join(', '));
    sendError(response, 405, `method not allowed; use ${route.methods.join(' or ')}`);
  } else if (route.authenticated && !context.isAuthorized(request.headers.authorization)) {
    response.setHeader('www-authenticate', 'Bearer');
    sendError(
      response,
      401,
      'the session secret is missing or wrong; open the address the station printed (ui: …)',
    );
  } else {
    await route.serve(request, response, context, path);
  }
}

/** Exactly as before the interface existed: scripts read it. */
const serveStatus: Serve = (_request, response, context) => {
  response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(context.options.status()));
};

const serveNotFound: Serve = (_request, response) => {
  sendError(response, 404, 'not found');
};

const serveInterfaceFile: Serve = (request, response, context, path) =>
  serveStaticFile(context.interfaceDir, path, request.method === 'HEAD', response);

const serveCall: Serve = async (request, response, context, path) => {
  const operation = path.slice(callPrefix.length);
  if (!isInterfaceOperation(operation)) {
    sendError(response, 404, `no operation named "${operation}"`);
    return;
  }
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    sendError(response, 415, 'the request body must be application/json');
    return;
  }
  const body = await readBody(request, interfaceLimits.requestBytesMax);
  if (body === 'cut-off') return;
  if (body === 'too-large') {
    // Closing the connection is what stops the client from sending the rest.
    response.setHeader('connection', 'close');
    sendError(response, 413, `the request is larger than ${interfaceLimits.requestBytesMax} bytes`);
    return;
  }
  const value = decodeRequestBody(body);
  // Nothing is called unless the request is well-formed.
  const outcome =
    'malformed' in value
      ? { invalid: value.malformed }
      : await callOperation(context.options.api, operation, value.json);
  if ('invalid' in outcome) sendError(response, 400, outcome.invalid);
  else sendBody(response, 200, encodeApiJson(outcome.answer));
};

const serveEvents: Serve = (_request, response, context) => {
  if (context.eventStreams.size >= eventStreamsMax) {
    sendError(response, 503, `at most ${eventStreamsMax} event streams are served at once`);
    return;
  }
  context.eventStreams.add(response);
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
  response.flushHeaders();
  const write = (text: string): void => {
    if (response.writableLength > eventStreamBufferedBytesMax) response.destroy();
    else response.write(text);
  };
  const unsubscribe = context.options.api.subscribe((event: StationEvent) => {
    write(`data: ${encodeApiJson(event)}\n\n`);
  });
  const heartbeat = setInterval(() => {
    write(': heartbeat\n\n');
  }, context.options.heartbeatMs ?? heartbeatMsDefault);
  response.once('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
    context.eventStreams.delete(response);
  });
};

/** Compares in constant time, so response timing tells nothing about the secret. */
function authorizer(secret: string): (authorization: string | undefined) => boolean {
  const expected = Buffer.from(`Bearer ${secret}`);
  return (authorization) => {
    const given = Buffer.from(authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}

function pathOf(request: http.IncomingMessage): string {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

function sendBody(response: http.ServerResponse, statusCode: number, body: string): void {
  response.writeHead(statusCode, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  response.end(body);
}

function sendError(response: http.ServerResponse, statusCode: number, error: string): void {
  sendBody(response, statusCode, JSON.stringify({ error }));
}
