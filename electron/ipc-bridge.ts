/**
 * The main side of the preload bridge: one `ipcMain.handle` per interface
 * operation. A call is served only for a trusted sender (electron/ipc-sender.ts),
 * and its request is checked at this boundary by `callOperation` (as the HTTP
 * transport does) before the station's interface sees it. A refused or
 * malformed call rejects the renderer's promise; expected refusals (a wrong
 * signature, a closed election) are answers, as on every transport.
 * Station events are pushed to each window until it closes.
 */
import type { IpcMain } from 'electron';
import {
  interfaceOperations,
  type InterfaceApi,
  type InterfaceOperation,
  type StationEvent,
} from '../core/api/interface-api.ts';
import { callOperation } from '../core/api/interface-dispatch.ts';
import type { Logger } from '../core/logging/logger.ts';
import { eventChannel, operationChannel } from './ipc-channels.ts';
import { describeSender, type IpcSenderView } from './ipc-sender.ts';

export interface InterfaceBridgeOptions {
  readonly ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  readonly api: InterfaceApi;
  readonly isTrusted: (event: IpcSenderView) => boolean;
  readonly logger: Logger;
  /** Told of every answer served (the kiosk listens for an official's sign-in). */
  readonly onAnswer?: (operation: InterfaceOperation, answer: unknown, senderId: number) => void;
}

/** Registers the handlers; the returned function removes them. */
export function serveInterfaceApi(options: InterfaceBridgeOptions): () => void {
  for (const operation of interfaceOperations) serveOperation(options, operation);
  return () => {
    for (const operation of interfaceOperations) options.ipcMain.removeHandler(operationChannel(operation));
  };
}

function serveOperation(options: InterfaceBridgeOptions, operation: InterfaceOperation): void {
  const { ipcMain, isTrusted, logger, onAnswer } = options;
  ipcMain.handle(operationChannel(operation), async (event: IpcSenderView, ...args: unknown[]) => {
    if (!isTrusted(event)) {
      logger.log('warn', 'app-ipc-refused', 'refused an interface call from outside the app window', {
        operation,
        sender: describeSender(event),
      });
      throw new Error('refused: only the station window may call the station');
    }
    if (args.length > 1) return invalid(logger, operation, 'expected one request argument');
    const outcome = await callOperation(options.api, operation, args[0]);
    if ('invalid' in outcome) return invalid(logger, operation, outcome.invalid);
    onAnswer?.(operation, outcome.answer, event.sender.id);
    return outcome.answer;
  });
}

function invalid(logger: Logger, operation: InterfaceOperation, reason: string): never {
  // The reason names a field and what was expected, never its value.
  logger.log('warn', 'app-ipc-invalid-request', 'refused a malformed interface call', { operation, reason });
  throw new Error(`invalid request for ${operation}: ${reason}`);
}

/** Where events go: a window's web contents. */
export interface EventTarget {
  isDestroyed(): boolean;
  send(channel: string, event: StationEvent): void;
}

/** Pushes every station event to `target` until the returned function is called. */
export function forwardEvents(api: Pick<InterfaceApi, 'subscribe'>, target: EventTarget): () => void {
  return api.subscribe((event) => {
    if (!target.isDestroyed()) target.send(eventChannel, event);
  });
}

/** Whether an answer is a successful sign-in (it carries a session token). */
export function isSignedIn(answer: unknown): boolean {
  return typeof answer === 'object' && answer !== null && 'token' in answer;
}
