/**
 * The station's HTTP endpoint. For now it serves `GET /api/status`: the role,
 * epoch and peer state that scripts and officials watch. Anything else is 404.
 */
import http from 'node:http';
import type { Logger } from '../logging/logger.ts';
import type { StationStatus } from '../station/station-status.ts';

export interface RunningHttpServer {
  readonly port: number;
  stop(): Promise<void>;
}

export async function startStatusServer(options: {
  readonly host: string;
  readonly port: number;
  readonly status: () => StationStatus;
  readonly logger: Logger;
}): Promise<RunningHttpServer> {
  const server = http.createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/api/status') {
      const body = JSON.stringify(options.status());
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(body);
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: 'not found' }));
  });
  server.on('clientError', (_error, socket) => {
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      reject(new Error(`cannot listen for HTTP on ${options.host}:${options.port}: ${error.message}`));
    });
    server.listen(options.port, options.host, () => {
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  options.logger.log('info', 'http-listening', 'serving HTTP', { address: `${options.host}:${port}` });
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
