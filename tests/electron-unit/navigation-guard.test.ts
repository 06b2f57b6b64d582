import { describe, expect, it, vi } from 'vitest';
import type { App, HandlerDetails, WindowOpenHandlerResponse } from 'electron';
import { createMemoryLogger } from '../../core/logging/logger.ts';
import { blockNavigation, guardWebContents, type GuardedContents } from '../../electron/navigation-guard.ts';

type Listener = (event: { preventDefault(): void }, url?: string) => void;

function fakeContents() {
  const listeners = new Map<string, Listener>();
  let openHandler: ((details: HandlerDetails) => WindowOpenHandlerResponse) | null = null;
  const contents = {
    on(name: string, listener: Listener) {
      listeners.set(name, listener);
      return contents;
    },
    setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse) {
      openHandler = handler;
    },
  } as unknown as GuardedContents;
  const fire = (name: string, url?: string): boolean => {
    const preventDefault = vi.fn();
    listeners.get(name)?.({ preventDefault }, url);
    return preventDefault.mock.calls.length > 0;
  };
  const open = (url: string) => openHandler?.({ url } as HandlerDetails);
  return { contents, fire, open };
}

describe('navigation guard', () => {
  it('blocks navigations and redirects away from the interface, and logs only the scheme', () => {
    const logger = createMemoryLogger();
    const { contents, fire } = fakeContents();
    guardWebContents(contents, logger);
    expect(fire('will-navigate', 'https://example.org/phish?voter=alice')).toBe(true);
    expect(fire('will-redirect', 'file:///etc/passwd')).toBe(true);
    expect(fire('will-navigate', 'app://station/index.html')).toBe(false);
    expect(logger.entries.map((entry) => entry.fields)).toEqual([{ scheme: 'https' }, { scheme: 'file' }]);
    expect(JSON.stringify(logger.entries)).not.toContain('alice');
  });

  it('denies every new window, the interface itself included', () => {
    const { contents, open } = fakeContents();
    guardWebContents(contents, createMemoryLogger());
    expect(open('https://example.org/')).toEqual({ action: 'deny' });
    expect(open('app://station/index.html')).toEqual({ action: 'deny' });
  });

  it('never attaches a webview', () => {
    const { contents, fire } = fakeContents();
    guardWebContents(contents, createMemoryLogger());
    expect(fire('will-attach-webview')).toBe(true);
  });

  it('guards every web contents the app creates', () => {
    const created: ((event: unknown, contents: GuardedContents) => void)[] = [];
    const app = {
      on: (name: string, listener: (event: unknown, contents: GuardedContents) => void) => {
        if (name === 'web-contents-created') created.push(listener);
        return app;
      },
    } as unknown as Pick<App, 'on'>;
    blockNavigation(app, createMemoryLogger());
    const { contents, fire } = fakeContents();
    expect(created).toHaveLength(1);
    created[0]?.({}, contents);
    expect(fire('will-navigate', 'https://example.org/')).toBe(true);
  });
});
