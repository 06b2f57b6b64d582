/** Every IPC channel between the preload bridge and the main process, declared once. */
import type { InterfaceOperation } from '../core/api/interface-api.ts';

/** Station events pushed to the window. */
export const eventChannel = 'evote:event';

export type OperationChannel = `evote:${InterfaceOperation}`;

export function operationChannel(operation: InterfaceOperation): OperationChannel {
  return `evote:${operation}`;
}
