import { describe, expect, it } from 'vitest';
import { isTrustedSender, type IpcSenderView } from '../../electron/ipc-sender.ts';

const own = new Set([7]);

function event(id: number, url: string | null, parent: object | null = null): IpcSenderView {
  return { sender: { id }, senderFrame: url === null ? null : { url, parent } };
}

describe('IPC sender check', () => {
  it('accepts the top frame of an own window showing the interface', () => {
    expect(isTrustedSender(event(7, 'app://station/index.html#/vote'), own)).toBe(true);
  });

  it('refuses web contents the app did not create', () => {
    expect(isTrustedSender(event(8, 'app://station/index.html'), own)).toBe(false);
  });

  it('refuses a frame inside the page', () => {
    expect(isTrustedSender(event(7, 'app://station/index.html', {}), own)).toBe(false);
  });

  it('refuses a frame that is gone', () => {
    expect(isTrustedSender(event(7, null), own)).toBe(false);
  });

  it.each([
    'https://example.org/',
    'file:///work/main/renderer/dist/index.html',
    'app://other/index.html',
    'app://user@station/index.html',
    'http://station/index.html',
    'devtools://devtools/bundled/index.html',
    'not a url',
  ])('refuses a frame at %s', (url) => {
    expect(isTrustedSender(event(7, url), own)).toBe(false);
  });
});
