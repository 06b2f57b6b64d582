/** A real interface server on 127.0.0.1 for the HTTP tests, and raw requests that no client tidies up. */
import http from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startInterfaceServer, type RunningInterfaceServer } from '../../core/http/interface-server.ts';
import { createMemoryLogger } from '../../core/logging/logger.ts';
import { createFakeInterfaceApi, sampleStatus, type FakeInterfaceApi } from './fake-interface-api.ts';

export const testSecret = 'test-secret-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

export interface TestServer {
  readonly server: RunningInterfaceServer;
  readonly api: FakeInterfaceApi;
  readonly logger: ReturnType<typeof createMemoryLogger>;
  readonly origin: string;
}

export async function startTestServer(options: {
  readonly interfaceDir: string;
  readonly api?: FakeInterfaceApi;
  readonly port?: number;
  readonly host?: string;
  readonly heartbeatMs?: number;
}): Promise<TestServer> {
  const api = options.api ?? createFakeInterfaceApi();
  const logger = createMemoryLogger();
  const host = options.host ?? '127.0.0.1';
  const server = await startInterfaceServer({
    host,
    port: options.port ?? 0,
    status: () => sampleStatus,
    api,
    secret: testSecret,
    logger,
    interfaceDir: options.interfaceDir,
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
  });
  return { server, api, logger, origin: `http://127.0.0.1:${server.port}` };
}

/** A built interface as Vite lays it out, and a file beside it that must never be served. */
export async function writeBuiltInterface(dir: string): Promise<string> {
  const interfaceDir = path.join(dir, 'dist');
  await mkdir(path.join(interfaceDir, 'assets'), { recursive: true });
  await writeFile(path.join(interfaceDir, 'index.html'), '<!doctype html><title>Polling station</title>');
  await writeFile(path.join(interfaceDir, 'assets', 'index-Bx3k9_aZ.js'), 'console.log("interface");');
  await writeFile(path.join(interfaceDir, 'assets', 'index-D4f8Qw2e.css'), 'body { margin: 0; }');
  await writeFile(path.join(interfaceDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(path.join(dir, 'secret.txt'), 'TOP-SECRET-CONTENT');
  return interfaceDir;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A request sent exactly as given: the path is not normalised, headers are not added. */
export function rawRequest(
  port: number,
  request: {
    readonly method?: string;
    readonly path: string;
    readonly headers?: http.OutgoingHttpHeaders;
    readonly body?: string | Buffer;
  },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: '127.0.0.1',
        port,
        method: request.method ?? 'GET',
        path: request.path,
        headers: { host: `127.0.0.1:${port}`, ...request.headers },
        agent: false,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
        });
        response.on('error', reject);
      },
    );
    // The server may answer (413) and close before the whole body is written.
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    outgoing.end(request.body);
  });
}
