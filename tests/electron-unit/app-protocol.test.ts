import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInterfaceHandler } from '../../electron/app-protocol.ts';
import { contentSecurityPolicy } from '../../core/api/interface-security-headers.ts';
import { isAllowedRequestUrl, withContentSecurityPolicy } from '../../electron/session-policy.ts';

let dir: string;
let handler: (request: Request) => Promise<Response>;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'evote-app-protocol-'));
  await mkdir(path.join(dir, 'dist', 'assets'), { recursive: true });
  await writeFile(path.join(dir, 'dist', 'index.html'), '<!doctype html><title>station</title>');
  await writeFile(path.join(dir, 'dist', 'assets', 'main-abc.js'), 'console.log(1)');
  await writeFile(path.join(dir, 'secret.txt'), 'not for the page');
  handler = createInterfaceHandler(path.join(dir, 'dist'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the app:// interface protocol', () => {
  it('serves the built interface with the Content-Security-Policy', async () => {
    const response = await handler(new Request('app://station/index.html'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(contentSecurityPolicy);
    expect(await response.text()).toContain('<title>station</title>');
    const script = await handler(new Request('app://station/assets/main-abc.js'));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('is the same policy as the HTTP server sends', () => {
    expect(contentSecurityPolicy).toContain("default-src 'self'; script-src 'self'; style-src 'self'");
    expect(contentSecurityPolicy).toContain("object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
  });

  it.each([
    'app://station/../secret.txt',
    'app://station/%2e%2e/secret.txt',
    'app://station/assets/..%2f..%2fsecret.txt',
    'app://station/missing.js',
    'app://station/assets',
    'app://elsewhere/index.html',
  ])('serves nothing outside the folder: %s', async (url) => {
    const response = await handler(new Request(url));
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('not for the page');
  });

  it('refuses anything but GET and HEAD', async () => {
    expect(
      (await handler(new Request('app://station/index.html', { method: 'POST', body: 'x' }))).status,
    ).toBe(405);
    const head = await handler(new Request('app://station/index.html', { method: 'HEAD' }));
    expect(head.status).toBe(200);
  });
});

describe('the session policy', () => {
  it('lets the page load only its own files', () => {
    expect(isAllowedRequestUrl('app://station/assets/main.js')).toBe(true);
    expect(isAllowedRequestUrl('data:image/png;base64,AAAA')).toBe(true);
    expect(isAllowedRequestUrl('blob:app://station/1234')).toBe(true);
    expect(isAllowedRequestUrl('https://example.org/x.js')).toBe(false);
    expect(isAllowedRequestUrl('http://127.0.0.1:5780/api/status')).toBe(false);
    expect(isAllowedRequestUrl('file:///etc/passwd')).toBe(false);
  });

  it('adds the policy to every response, keeping one already there', () => {
    expect(withContentSecurityPolicy({ 'Content-Type': ['text/html'] })).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': [contentSecurityPolicy],
    });
    expect(withContentSecurityPolicy({ 'content-security-policy': ["default-src 'none'"] })).toEqual({
      'Content-Security-Policy': ["default-src 'none'", contentSecurityPolicy],
    });
  });
});
