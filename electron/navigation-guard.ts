/**
 * No page of this app goes anywhere but the packaged interface: navigations
 * and redirects elsewhere are cancelled, new windows are denied, webviews
 * are never attached. Applied to every web contents the app creates.
 */
import type { App, HandlerDetails, WindowOpenHandlerResponse } from 'electron';
import type { Logger } from '../core/logging/logger.ts';
import { isInterfaceUrl } from './app-protocol.ts';

interface Preventable {
  preventDefault(): void;
}

/** What the guard uses of a WebContents. */
export interface GuardedContents {
  on(event: 'will-navigate' | 'will-redirect', listener: (event: Preventable, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: Preventable) => void): unknown;
  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void;
}

export function guardWebContents(contents: GuardedContents, logger: Logger): void {
  const blockElsewhere = (event: Preventable, url: string): void => {
    if (isInterfaceUrl(url)) return;
    event.preventDefault();
    logger.log('warn', 'app-navigation-blocked', 'blocked a navigation away from the station interface', {
      scheme: schemeOf(url),
    });
  };
  contents.on('will-navigate', blockElsewhere);
  contents.on('will-redirect', blockElsewhere);
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    logger.log('warn', 'app-navigation-blocked', 'blocked a webview', {});
  });
  contents.setWindowOpenHandler((details) => {
    logger.log('warn', 'app-window-open-blocked', 'blocked a new window', { scheme: schemeOf(details.url) });
    return { action: 'deny' };
  });
}

/** Guards every web contents as it is created, windows and anything else alike. */
export function blockNavigation(app: Pick<App, 'on'>, logger: Logger): void {
  app.on('web-contents-created', (_event, contents) => {
    guardWebContents(contents, logger);
  });
}

/** Only the scheme is logged: an address typed or scanned by a voter is not the log's business. */
function schemeOf(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  return match?.[1]?.toLowerCase() ?? 'none';
}
