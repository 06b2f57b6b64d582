/**
 * Which IPC messages the main process accepts: only from the top frame of a
 * window this app created, showing the packaged interface. A frame inside the
 * page, a page navigated elsewhere (which the navigation guard prevents in
 * the first place) or any other web contents is refused.
 */
import { isInterfaceUrl } from './app-protocol.ts';

/** What the check reads of an `IpcMainInvokeEvent`. */
export interface IpcSenderView {
  readonly sender: { readonly id: number };
  readonly senderFrame: { readonly url: string; readonly parent: object | null } | null;
}

export function isTrustedSender(event: IpcSenderView, ownWebContentsIds: ReadonlySet<number>): boolean {
  const frame = event.senderFrame;
  // A frame that has navigated away or been destroyed is reported as null.
  if (frame === null) return false;
  if (frame.parent !== null) return false;
  if (!isInterfaceUrl(frame.url)) return false;
  return ownWebContentsIds.has(event.sender.id);
}

/** Why a sender was refused, for the log (never with request contents). */
export function describeSender(event: IpcSenderView): string {
  const frame = event.senderFrame;
  if (frame === null) return `web contents ${event.sender.id}, frame gone`;
  let origin = 'unreadable url';
  try {
    const url = new URL(frame.url);
    origin = `${url.protocol}//${url.host}`;
  } catch {
    // keep the placeholder
  }
  return `web contents ${event.sender.id}, ${frame.parent === null ? 'top' : 'sub'} frame at ${origin}`;
}
