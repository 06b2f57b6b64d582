/**
 * The interface API as the preload script builds it over IPC: each operation
 * is one `invoke` on its own channel with the request as its only argument
 * (Uint8Array values pass through structured clone unchanged), and
 * `subscribe` listens on the event channel. Nothing else is exposed: not the
 * IPC object, not the IPC event.
 */
import { interfaceOperations, type InterfaceApi, type StationEvent } from '../core/api/interface-api.ts';
import { eventChannel, operationChannel } from './ipc-channels.ts';

/** What the bridge needs of `ipcRenderer`. */
export interface RendererIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

type Operations = Omit<InterfaceApi, 'subscribe'>;

export function createBridgeApi(ipc: RendererIpc): InterfaceApi {
  const operations = Object.fromEntries(
    interfaceOperations.map((operation) => {
      const channel = operationChannel(operation);
      return [operation, (request?: unknown) => ipc.invoke(channel, request)];
    }),
  );
  return {
    // The main process answers each channel with its operation's answer type (electron/ipc-bridge.ts).
    ...(operations as unknown as Operations),
    subscribe(listener: (event: StationEvent) => void): () => void {
      const forward = (_event: unknown, stationEvent: unknown): void => {
        // Only the main process sends on this channel, and only StationEvent values.
        listener(stationEvent as StationEvent);
      };
      ipc.on(eventChannel, forward);
      return () => {
        ipc.removeListener(eventChannel, forward);
      };
    },
  };
}
