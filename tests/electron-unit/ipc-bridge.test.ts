import { describe, expect, it, vi } from 'vitest';
import type { IpcMain } from 'electron';
import { interfaceOperations, type InterfaceApi, type StationEvent } from '../../core/api/interface-api.ts';
import { createMemoryLogger } from '../../core/logging/logger.ts';
import { createBridgeApi, type RendererIpc } from '../../electron/bridge-api.ts';
import { eventChannel } from '../../electron/ipc-channels.ts';
import { forwardEvents, isSignedIn, serveInterfaceApi } from '../../electron/ipc-bridge.ts';
import type { IpcSenderView } from '../../electron/ipc-sender.ts';

type Handler = (event: IpcSenderView, ...args: unknown[]) => Promise<unknown>;

/** ipcMain and ipcRenderer joined in memory, copying values with structured clone as Electron's IPC does. */
function fakeIpc(sender: IpcSenderView) {
  const handlers = new Map<string, Handler>();
  const rendererListeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  const ipcMain = {
    handle: (channel: string, handler: Handler) => handlers.set(channel, handler),
    removeHandler: (channel: string) => handlers.delete(channel),
  } as unknown as Pick<IpcMain, 'handle' | 'removeHandler'>;
  const ipcRenderer: RendererIpc = {
    invoke: async (channel, ...args) => {
      const handler = handlers.get(channel);
      if (handler === undefined) throw new Error(`No handler registered for '${channel}'`);
      return structuredClone(await handler(sender, ...structuredClone(args)));
    },
    on: (channel, listener) => {
      const set = rendererListeners.get(channel) ?? new Set();
      set.add(listener);
      rendererListeners.set(channel, set);
    },
    removeListener: (channel, listener) => rendererListeners.get(channel)?.delete(listener),
  };
  const send = (channel: string, value: unknown): void => {
    for (const listener of rendererListeners.get(channel) ?? [])
      listener({ sender: 'ipc' }, structuredClone(value));
  };
  return { handlers, ipcMain, ipcRenderer, send };
}

const trustedSender: IpcSenderView = {
  sender: { id: 1 },
  senderFrame: { url: 'app://station/index.html', parent: null },
};

function fakeApi() {
  const listeners = new Set<(event: StationEvent) => void>();
  const voterChallenge = vi.fn(() => Promise.resolve({ challenge: new Uint8Array([1, 2, 3]) }));
  const officialSignIn = vi.fn(() => Promise.resolve({ token: new Uint8Array(32), expiresAtMs: 1 }));
  const api = {
    voterChallenge,
    officialSignIn,
    overview: vi.fn(() => Promise.resolve({ nowMs: 5 })),
    subscribe: (listener: (event: StationEvent) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const emit = (event: StationEvent): void => {
    for (const listener of listeners) listener(event);
  };
  return { api: api as unknown as InterfaceApi, voterChallenge, officialSignIn, emit, listeners };
}

describe('the IPC bridge', () => {
  it('registers one channel per operation, and the preload exposes exactly the interface API', () => {
    const ipc = fakeIpc(trustedSender);
    const remove = serveInterfaceApi({
      ipcMain: ipc.ipcMain,
      api: fakeApi().api,
      isTrusted: () => true,
      logger: createMemoryLogger(),
    });
    expect([...ipc.handlers.keys()].sort()).toEqual(interfaceOperations.map((op) => `evote:${op}`).sort());
    const bridge = createBridgeApi(ipc.ipcRenderer);
    expect(Object.keys(bridge).sort()).toEqual([...interfaceOperations, 'subscribe'].sort());
    remove();
    expect(ipc.handlers.size).toBe(0);
  });

  it('carries requests and answers through, Uint8Array values unchanged', async () => {
    const ipc = fakeIpc(trustedSender);
    const { api, officialSignIn } = fakeApi();
    const onAnswer = vi.fn();
    serveInterfaceApi({
      ipcMain: ipc.ipcMain,
      api,
      isTrusted: () => true,
      logger: createMemoryLogger(),
      onAnswer,
    });
    const bridge = createBridgeApi(ipc.ipcRenderer);
    const signature = new Uint8Array(64).fill(9);
    const answer = await bridge.officialSignIn({ name: 'ann', signature });
    expect(answer).toEqual({ token: new Uint8Array(32), expiresAtMs: 1 });
    expect('token' in answer && answer.token).toBeInstanceOf(Uint8Array);
    expect(officialSignIn).toHaveBeenCalledWith({ name: 'ann', signature });
    expect(onAnswer).toHaveBeenCalledWith('officialSignIn', answer, 1);
    expect(isSignedIn(answer)).toBe(true);
    expect(isSignedIn({ refused: 'authentication-failed' })).toBe(false);
    expect(await bridge.overview()).toEqual({ nowMs: 5 });
  });

  it('refuses calls from other senders before the station sees them', async () => {
    const stranger: IpcSenderView = {
      sender: { id: 2 },
      senderFrame: { url: 'https://example.org/', parent: null },
    };
    const ipc = fakeIpc(stranger);
    const { api, voterChallenge } = fakeApi();
    const logger = createMemoryLogger();
    serveInterfaceApi({ ipcMain: ipc.ipcMain, api, isTrusted: (event) => event.sender.id === 1, logger });
    await expect(createBridgeApi(ipc.ipcRenderer).voterChallenge({ name: 'bob' })).rejects.toThrow(/refused/);
    expect(voterChallenge).not.toHaveBeenCalled();
    expect(logger.entries).toMatchObject([
      { event: 'app-ipc-refused', fields: { operation: 'voterChallenge' } },
    ]);
    expect(JSON.stringify(logger.entries)).not.toContain('bob');
  });

  it('refuses malformed requests with the field at fault', async () => {
    const ipc = fakeIpc(trustedSender);
    const { api, voterChallenge } = fakeApi();
    const logger = createMemoryLogger();
    serveInterfaceApi({ ipcMain: ipc.ipcMain, api, isTrusted: () => true, logger });
    const handler = ipc.handlers.get('evote:voterChallenge');
    await expect(handler?.(trustedSender, { name: 42 })).rejects.toThrow(
      /invalid request for voterChallenge: name/,
    );
    await expect(handler?.(trustedSender, { name: 'a', extra: 1 })).rejects.toThrow(/unexpected field/);
    await expect(handler?.(trustedSender, { name: 'a' }, 'second')).rejects.toThrow(/one request argument/);
    expect(voterChallenge).not.toHaveBeenCalled();
    expect(logger.entries.every((entry) => entry.event === 'app-ipc-invalid-request')).toBe(true);
  });

  it('pushes station events to the window until it closes, and subscribers can leave', () => {
    const ipc = fakeIpc(trustedSender);
    const { api, emit, listeners } = fakeApi();
    const target = { destroyed: false, isDestroyed: () => target.destroyed, send: vi.fn(ipc.send) };
    const stop = forwardEvents(api, target);
    const bridge = createBridgeApi(ipc.ipcRenderer);
    const heard: StationEvent[] = [];
    const unsubscribe = bridge.subscribe((event) => heard.push(event));
    emit({ type: 'voters-changed' });
    expect(target.send).toHaveBeenCalledWith(eventChannel, { type: 'voters-changed' });
    expect(heard).toEqual([{ type: 'voters-changed' }]);
    unsubscribe();
    emit({ type: 'elections-changed' });
    expect(heard).toHaveLength(1);
    target.destroyed = true;
    emit({ type: 'elections-changed' });
    expect(target.send).toHaveBeenCalledTimes(2);
    stop();
    expect(listeners.size).toBe(0);
  });
});
