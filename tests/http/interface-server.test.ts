import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeApiJson, encodeApiJson } from '../../core/api/api-json.ts';
import { interfaceLimits } from '../../core/api/interface-api.ts';
import { createSessionSecret } from '../../core/http/interface-server.ts';
import { waitUntil } from '../support/polling.ts';
import { removeDirectory, temporaryDirectory } from '../support/station-fixtures.ts';
import { sampleStatus } from './fake-interface-api.ts';
import {
  rawRequest,
  startTestServer,
  testSecret,
  writeBuiltInterface,
  type RawResponse,
  type TestServer,
} from './http-support.ts';

const authorization = `Bearer ${testSecret}`;
const validRegistration = {
  session: new Uint8Array(60).fill(1),
  name: 'alice',
  group: 'students',
  publicKey: new Uint8Array(32).fill(2),
};

let dir: string;
let running: TestServer[] = [];

beforeEach(async () => {
  dir = await temporaryDirectory('evote-http-');
});

afterEach(async () => {
  await Promise.all(running.map((test) => test.server.stop()));
  running = [];
  await removeDirectory(dir);
});

async function start(
  options: { readonly host?: string; readonly heartbeatMs?: number } = {},
): Promise<TestServer> {
  const test = await startTestServer({ interfaceDir: await writeBuiltInterface(dir), ...options });
  running.push(test);
  return test;
}

function callRequest(
  operation: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): { method: string; path: string; headers: Record<string, string>; body: string | Buffer } {
  return {
    method: 'POST',
    path: `/api/call/${operation}`,
    headers: { 'content-type': 'application/json', authorization, ...headers },
    body,
  };
}

function errorOf(response: RawResponse): unknown {
  return (JSON.parse(response.body) as { error?: unknown }).error;
}

function expectSecurityHeaders(response: RawResponse): void {
  expect(response.headers['content-security-policy']).toBe(
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
      "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; " +
      "frame-ancestors 'none'; form-action 'none'",
  );
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  expect(response.headers['referrer-policy']).toBe('no-referrer');
  expect(response.headers['cache-control']).toBeDefined();
}

describe('GET /api/status', () => {
  it('answers the status as JSON without a secret, as before', async () => {
    const { server } = await start();
    const response = await rawRequest(server.port, { path: '/api/status' });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(response.body)).toEqual(sampleStatus);
    expectSecurityHeaders(response);
  });
});

describe('POST /api/call/<operation>', () => {
  it('calls the operation with the decoded request and answers API JSON', async () => {
    const { server, api } = await start();
    const response = await rawRequest(
      server.port,
      callRequest('registerVoter', encodeApiJson(validRegistration)),
    );
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(decodeApiJson(response.body)).toEqual({ code: 0, reason: 'ok' });
    expect(api.calls).toEqual([{ operation: 'registerVoter', request: validRegistration }]);

    const signIn = await rawRequest(
      server.port,
      callRequest('voterSignIn', encodeApiJson({ name: 'alice', signature: new Uint8Array(64) })),
    );
    expect(decodeApiJson(signIn.body)).toEqual({
      token: new Uint8Array([1, 2, 3]),
      expiresAtMs: 1_800_003_600_000,
    });
  });

  it('refuses a missing or wrong secret with 401 and calls nothing', async () => {
    const { server, api } = await start();
    const body = encodeApiJson(validRegistration);
    const wrongSecret = 'x'.repeat(testSecret.length);
    for (const headers of [
      { authorization: '' },
      { authorization: `Bearer ${wrongSecret}` },
      { authorization: `Bearer ${testSecret}x` },
      { authorization: testSecret },
    ]) {
      const response = await rawRequest(server.port, callRequest('registerVoter', body, headers));
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expectSecurityHeaders(response);
    }
    const missing = await rawRequest(server.port, {
      method: 'POST',
      path: '/api/call/registerVoter',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(missing.status).toBe(401);
    expect(api.calls).toEqual([]);
  });

  it('refuses another content type with 415', async () => {
    const { server, api } = await start();
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', '']) {
      const response = await rawRequest(
        server.port,
        callRequest('registerVoter', encodeApiJson(validRegistration), { 'content-type': contentType }),
      );
      expect(response.status).toBe(415);
    }
    const withCharset = await rawRequest(
      server.port,
      callRequest('getResult', '{"election":"Mayor"}', { 'content-type': 'application/json; charset=utf-8' }),
    );
    expect(withCharset.status).toBe(200);
    expect(api.calls.map((call) => call.operation)).toEqual(['getResult']);
  });

  it('answers malformed JSON and invalid requests with 400 and an error, and calls nothing', async () => {
    const { server, api } = await start();
    for (const body of [
      '',
      '{"name":',
      'not json',
      '{"session":{"$bytes":"!!"},"name":"a","group":"g","publicKey":{"$bytes":"AAAA"}}',
      '{"session":{"$bytes":7}}',
      Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
    ]) {
      const response = await rawRequest(server.port, callRequest('registerVoter', body));
      expect(response.status, String(body)).toBe(400);
      expect(typeof errorOf(response)).toBe('string');
    }
    for (const request of [
      { ...validRegistration, publicKey: 'not bytes' },
      { ...validRegistration, name: 42 },
      { name: 'alice' },
      null,
      [],
    ]) {
      const response = await rawRequest(server.port, callRequest('registerVoter', encodeApiJson(request)));
      expect(response.status, JSON.stringify(request)).toBe(400);
      expect(typeof errorOf(response)).toBe('string');
    }
    expect(api.calls).toEqual([]);
  });

  it('refuses a body over the limit with 413, declared or sent in chunks', async () => {
    const { server, api } = await start();
    const oversize = Buffer.alloc(interfaceLimits.requestBytesMax + 1, 0x20);
    const declared = await rawRequest(server.port, callRequest('registerVoter', oversize));
    expect(declared.status).toBe(413);
    const chunked = await rawRequest(
      server.port,
      callRequest('registerVoter', oversize, { 'transfer-encoding': 'chunked' }),
    );
    expect(chunked.status).toBe(413);
    expect(api.calls).toEqual([]);
  });

  it('answers 404 for an unknown operation and 405 for another method', async () => {
    const { server, api } = await start();
    const unknown = await rawRequest(server.port, callRequest('dropAllVotes', '{}'));
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown)).toContain('dropAllVotes');
    const subscribe = await rawRequest(server.port, callRequest('subscribe', '{}'));
    expect(subscribe.status).toBe(404);
    const get = await rawRequest(server.port, { path: '/api/call/getResult', headers: { authorization } });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const putStatus = await rawRequest(server.port, { method: 'PUT', path: '/api/status' });
    expect(putStatus.status).toBe(405);
    const postPage = await rawRequest(server.port, { method: 'POST', path: '/' });
    expect(postPage.status).toBe(405);
    expect(api.calls).toEqual([]);
  });
});

describe('Host check', () => {
  it('serves the loopback names of a loopback server and refuses other names', async () => {
    const { server, api } = await start();
    const port = server.port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      const response = await rawRequest(port, { path: '/api/status', headers: { host } });
      expect(response.status, host).toBe(200);
    }
    for (const host of [
      `evil.example:${port}`,
      `127.0.0.1:${port + 1}`,
      `127.0.0.1`,
      `127.0.0.1.evil.example:${port}`,
    ]) {
      const refused = await rawRequest(port, { path: '/api/status', headers: { host } });
      expect(refused.status, host).toBe(403);
      expectSecurityHeaders(refused);
      const call = await rawRequest(port, callRequest('getResult', '{"election":"Mayor"}', { host }));
      expect(call.status, host).toBe(403);
    }
    expect(api.calls).toEqual([]);
  });

  it('warns when bound beyond loopback, and then takes IP literals but not host names', async () => {
    const { server, logger } = await start({ host: '0.0.0.0' });
    expect(logger.entries.find((entry) => entry.event === 'http-exposed')?.level).toBe('warn');
    const port = server.port;
    const byAddress = await rawRequest(port, {
      path: '/api/status',
      headers: { host: `192.0.2.10:${port}` },
    });
    expect(byAddress.status).toBe(200);
    const byName = await rawRequest(port, {
      path: '/api/status',
      headers: { host: `rebound.example:${port}` },
    });
    expect(byName.status).toBe(403);
  });

  it('does not warn on loopback', async () => {
    const { logger } = await start();
    expect(logger.entries.map((entry) => entry.event)).toEqual(['http-listening']);
  });
});

describe('GET /api/events', () => {
  it('refuses a missing secret', async () => {
    const { server, api } = await start();
    const response = await rawRequest(server.port, { path: '/api/events' });
    expect(response.status).toBe(401);
    expect(api.subscriberCount()).toBe(0);
  });

  it('streams events as API JSON with heartbeats, and unsubscribes when the client goes', async () => {
    const { api, origin } = await start({ heartbeatMs: 50 });
    const abort = new AbortController();
    const response = await fetch(`${origin}/api/events`, {
      headers: { authorization },
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    await waitUntil('the stream is subscribed', () => api.subscriberCount() === 1);
    api.emit({ type: 'voters-changed' });
    api.emit({ type: 'status', status: sampleStatus });

    const body = response.body;
    if (body === null) throw new Error('no body');
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!(text.includes('"type":"status"') && text.includes(': heartbeat'))) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error(`the stream ended: ${text}`);
      text += decoder.decode(chunk.value as Uint8Array, { stream: true });
    }
    const events = text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => decodeApiJson(line.slice('data: '.length)));
    expect(events.slice(0, 2)).toEqual([
      { type: 'voters-changed' },
      { type: 'status', status: sampleStatus },
    ]);

    abort.abort();
    await waitUntil('the stream is unsubscribed', () => api.subscriberCount() === 0);
  });

  it('serves at most 16 streams at once', async () => {
    const { api, origin } = await start();
    const abort = new AbortController();
    const open = () => fetch(`${origin}/api/events`, { headers: { authorization }, signal: abort.signal });
    const streams = await Promise.all(Array.from({ length: 16 }, open));
    expect(streams.map((response) => response.status)).toEqual(Array<number>(16).fill(200));
    const extra = await open();
    expect(extra.status).toBe(503);
    abort.abort();
    await waitUntil('every stream is unsubscribed', () => api.subscriberCount() === 0);
    const again = await fetch(`${origin}/api/events`, { headers: { authorization } });
    expect(again.status).toBe(200);
    await again.body?.cancel();
  });
});

describe('static files', () => {
  it('serves index.html for / and the assets with their content types and cache policies', async () => {
    const { server } = await start();
    const index = await rawRequest(server.port, { path: '/' });
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-store');
    expect(index.body).toContain('Polling station');
    expectSecurityHeaders(index);

    const script = await rawRequest(server.port, { path: '/assets/index-Bx3k9_aZ.js' });
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expectSecurityHeaders(script);

    const style = await rawRequest(server.port, { path: '/assets/index-D4f8Qw2e.css?v=1' });
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');

    const icon = await rawRequest(server.port, { path: '/favicon.svg' });
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    expect(icon.headers['cache-control']).toBe('no-cache');

    const head = await rawRequest(server.port, { method: 'HEAD', path: '/' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');

    const missing = await rawRequest(server.port, { path: '/assets/nothing.js' });
    expect(missing.status).toBe(404);
    expectSecurityHeaders(missing);
    const directory = await rawRequest(server.port, { path: '/assets' });
    expect(directory.status).toBe(404);
  });

  it('never serves a file outside the interface directory', async () => {
    const { server } = await start();
    for (const path of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%2e%2e%2f%2e%2e%2fetc/passwd',
      '/%00',
      '/%E0%A4%A',
    ]) {
      const response = await rawRequest(server.port, { path });
      expect(response.status, path).toBe(404);
      expect(response.body, path).not.toContain('TOP-SECRET');
    }
  });

  it('says how to build the interface when it is not built', async () => {
    const test = await startTestServer({ interfaceDir: `${dir}/missing` });
    running.push(test);
    const page = await rawRequest(test.server.port, { path: '/' });
    expect(page.status).toBe(503);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('npm run build:ui');
    expectSecurityHeaders(page);
    const status = await rawRequest(test.server.port, { path: '/api/status' });
    expect(status.status).toBe(200);
  });
});

describe('createSessionSecret', () => {
  it('encodes 32 injected random bytes as base64url', () => {
    const secret = createSessionSecret((count) => new Uint8Array(count).fill(0xfb));
    expect(secret).toBe(Buffer.alloc(32, 0xfb).toString('base64url'));
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
